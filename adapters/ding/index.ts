/**
 * The `kaquan/adapters/ding` entry point.
 *
 * @module kaquan/adapters/ding
 */
export {
  createDingAdapter,
  DING_PRODUCTION_ENDPOINT,
  type DingAdapter,
  type DingAdapterOptions,
  type DingMethod,
  type DingSetting,
  type DingValidation,
} from "./ding-adapter.js";
export { dingDecimal, dingMoney, dingSendValue, serializeDingJson } from "./ding-amounts.js";
export {
  DING_ERROR_CODES,
  DING_RESULT_SUCCESS,
  defaultDingErrorTable,
  dingFailureCodes,
  dingProcessingStates,
} from "./ding-tables.js";
