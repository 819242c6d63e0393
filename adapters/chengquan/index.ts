/**
 * The `kaquan/adapters/chengquan` entry point.
 *
 * @module kaquan/adapters/chengquan
 */
export {
  type ChengquanAdapter,
  type ChengquanAdapterOptions,
  type ChengquanCouponType,
  chengquanMixedCouponStates,
  chengquanSpec,
  createChengquanAdapter,
} from "./chengquan-adapter.js";
export {
  CHENGQUAN_BASE_URL,
  CHENGQUAN_CALLBACK_ACK,
  CHENGQUAN_COUPON_MAX_COUNT,
  CHENGQUAN_DIRECT_CHARGE_VERSION,
  CHENGQUAN_ORDER_NO_MAX_LENGTH,
  CHENGQUAN_SUCCESS_CODE,
  CHENGQUAN_TEST_BASE_URL,
  chengquanCardEncryption,
  chengquanCouponStates,
  chengquanGoodsTypes,
  chengquanPaths,
  chengquanRechargeStates,
  defaultChengquanErrorTable,
} from "./chengquan-tables.js";
