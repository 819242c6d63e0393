/**
 * The `kaquan/adapters/tango` entry point.
 *
 * @module kaquan/adapters/tango
 */
export {
  createTangoAdapter,
  serializeTangoJson,
  TANGO_PRODUCTION_ENDPOINT,
  TANGO_PUBLISHED_RATE_LIMIT,
  TANGO_SANDBOX_ENDPOINT,
  type TangoAdapterOptions,
  type TangoEndpoint,
  TangoReplayMismatchError,
  tangoDecimal,
} from "./tango-adapter.js";
export {
  defaultTangoErrorCodes,
  TANGO_VALUE_TYPES,
  type TangoErrorMeaning,
  tangoCardNumberLabels,
  tangoOrderStatuses,
  tangoPinLabels,
} from "./tango-tables.js";
