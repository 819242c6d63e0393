/**
 * `kaquan/testing`: in-process supplier simulators that speak each vendor's wire protocol, with
 * scripted faults and callback signers, for merchants' integration tests and kaquan's own.
 */

export {
  type ConformanceOptions,
  type ConformanceResult,
  type ConformanceTarget,
  conformanceChecks,
  runAdapterConformance,
} from "./conformance.js";
export {
  createFuluSimulator,
  FULU_GATEWAY_PATH,
  type FuluCallbackAttempt,
  type FuluCallbackFields,
  type FuluFaultKind,
  type FuluOrderMethod,
  type FuluRequestFaultKind,
  type FuluSignedCallback,
  type FuluSimulatedCard,
  type FuluSimulatedOrder,
  type FuluSimulatedOrderState,
  type FuluSimulator,
  type FuluSimulatorFault,
  type FuluSimulatorOptions,
  type FuluSimulatorRequestRecord,
} from "./fulu-simulator.js";
export {
  defaultFuluOutcome,
  defaultFuluSimulatorCatalogue,
  defaultFuluSimulatorTemplates,
  FULU_SIMULATOR_APP_KEY,
  FULU_SIMULATOR_APP_SECRET,
  FULU_SIMULATOR_GAME_TEMPLATE_ID,
  type FuluOutcomeInput,
  type FuluProductTypeLiteral,
  type FuluSaleStatusLiteral,
  type FuluSimulatorOutcome,
  type FuluSimulatorProduct,
  type FuluSimulatorTemplateField,
  type FuluStockStatusLiteral,
} from "./fulu-simulator-catalogue.js";
export {
  type CallbackSecrets,
  type SignedCallback,
  type SignedCallbackSupplier,
  signCallback,
} from "./sign-callback.js";
export {
  type CallbackAttemptOutcome,
  type CallbackDeliveryOptions,
  type CallbackPost,
  deliverCallback,
} from "./simulator-callbacks.js";
export { FaultQueue, faultMatchesMethod, type PendingFault, type ScriptedFault } from "./simulator-faults.js";
export {
  type LoopbackHandler,
  type LoopbackServer,
  type LoopbackServerOptions,
  readRequestBody,
  startLoopbackServer,
} from "./simulator-server.js";
