/**
 * The `kaquan/adapters/fulu` entry point.
 *
 * @module kaquan/adapters/fulu
 */
export {
  createFuluAdapter,
  FULU_PRODUCTION_ENDPOINT,
  FULU_SANDBOX_ENDPOINT,
  type FuluAdapter,
  type FuluAdapterOptions,
} from "./fulu-adapter.js";
export { decryptFuluCardField, encryptFuluCardField } from "./fulu-cards.js";
export {
  buildFuluRequestBody,
  fuluSign,
  verifyFuluResponseSign,
  verifyFuluSignedJson,
} from "./fulu-signature.js";
export { defaultFuluErrorTable } from "./fulu-tables.js";
