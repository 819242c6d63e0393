/**
 * The `kaquan/adapters/dtone` entry point.
 *
 * @module kaquan/adapters/dtone
 */
export {
  createDtoneAdapter,
  DTONE_PRODUCTION_ENDPOINT,
  DTONE_SANDBOX_ENDPOINT,
  type DtoneAdapter,
  type DtoneAdapterOptions,
  type DtoneCalculationMode,
  type DtoneEndpoint,
  type DtoneOperatorMatch,
  type DtoneRateLimiter,
} from "./dtone-adapter.js";
export {
  dtoneDecimal,
  dtoneMoney,
  dtoneWholesaleCost,
  serializeDtoneBody,
  serializeDtoneJson,
} from "./dtone-amounts.js";
export {
  DTONE_ERROR_CODES,
  type DtoneProductType,
  type DtoneStatusClass,
  defaultDtoneErrorTable,
  dtoneFailureCodes,
  dtoneProductKinds,
  dtoneRangedProductTypes,
  dtoneStatusClasses,
  dtoneStatusClassIds,
} from "./dtone-tables.js";
