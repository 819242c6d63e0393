/**
 * The `kaquan/adapters/ofpay` entry point.
 *
 * @module kaquan/adapters/ofpay
 */
export {
  createOfpayAdapter,
  OFPAY_BASE_URL,
  type OfpayAdapter,
  type OfpayAdapterOptions,
  type OfpayBillEntry,
  type OfpayBillTime,
  type OfpayNumberInfo,
  type OfpayQuote,
  ofpaySpec,
} from "./ofpay-adapter.js";
export {
  defaultOfpayErrorTable,
  OFPAY_API_VERSION,
  OFPAY_CALLBACK_ACK,
  OFPAY_CARDID_FAST,
  OFPAY_CARDID_SLOW,
  OFPAY_DEFAULT_KEY_STR,
  OFPAY_DEFAULT_MCTYPE,
  OFPAY_FAST_FACE_VALUES,
  OFPAY_RETCODES,
  OFPAY_SLOW_FACE_VALUES,
  OFPAY_SLOW_MCTYPES,
  ofpayCallbackRetCodes,
  ofpayCardidSpeeds,
  ofpayErrorMessages,
  ofpayGameStates,
} from "./ofpay-tables.js";
