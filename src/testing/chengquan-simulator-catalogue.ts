/**
 * The 橙券 Chengquan simulator's credentials, catalogue and outcome rule. Money is in 分 (fen,
 * integer minor units) everywhere in the options; the wire shows 元 where the vendor does
 * (balance, consume_amount, coupon prices — see the simulator's module comment).
 *
 * Field names follow the public integrations of the vendor API: javareact/chengquan-openapi
 * (`src/CQCoupon.php`, `src/CQOrder.php`), txbao/common-go `common/thirdParty/chengquan/model.go`
 * (coupon goods, stock and order fields) and dtapps/go-library `service/chengquan` (recharge
 * order and balance fields).
 */

/**
 * The simulator's default `app_id`. Chengquan account ids are 11-digit numbers ("商户账号，由橙券提供，
 * 如：13105356515", dtapps/go-library `service/chengquan/request.go`); this one is made up.
 */
export const CHENGQUAN_SIMULATOR_APP_ID = "19900000001";

/** The simulator's default APP_KEY (the signing key; 32 upper-case hex characters like the vendor's). Made up. */
export const CHENGQUAN_SIMULATOR_APP_KEY = "5F1C0A3E9B7D42C68E0F1A2B3C4D5E6F";

/**
 * The simulator's default AES-128 key: 16 ASCII characters used as their UTF-8 bytes. Chengquan
 * issues the AES key and IV to the merchant as two separate 16-character strings, independent of
 * APP_KEY (public integration code keeps them as `AES` and `OFFSET`; txbao/common-go
 * `common/utils/aes_cbc.go` uses `[]byte(key)` and `[]byte(iv)`). Made up.
 */
export const CHENGQUAN_SIMULATOR_AES_KEY = "KaquanSimAesKey1";

/** The simulator's default AES-CBC IV (16 ASCII characters, their UTF-8 bytes). Made up. */
export const CHENGQUAN_SIMULATOR_AES_IV = "KaquanSimAesIv01";

/**
 * `goods_type` of a coupon product: how its secret is delivered (txbao/common-go `model.go`):
 * `NUMBER_PASSWORD` card number and password, `PASSWORD` password only, `LINK` a link,
 * `PICTURE` a picture link. The secret fields are AES-128-CBC + base64 on the wire.
 */
export type ChengquanGoodsTypeLiteral = "NUMBER_PASSWORD" | "PASSWORD" | "LINK" | "PICTURE";

/** A coupon brand (`coupon/type/list`). */
export interface ChengquanSimulatorCouponType {
  /** `goods_type_id`, a positive integer. */
  goodsTypeId: number;
  /** `goods_type_name`. */
  name: string;
  /** `sell_status`: 1 on sale (default), anything else off sale. The vendor's values are [?]. */
  sellStatus?: number | undefined;
}

/** A coupon product (`coupon/type/goods/list`, `coupon/goods/stock`, `coupon/order/pay`). */
export interface ChengquanSimulatorCouponGoods {
  /** `goods_no`, a string. */
  goodsNo: string;
  /** `name`. */
  name: string;
  /** The brand's `goods_type_id`. */
  goodsTypeId: number;
  /** What one unit costs the merchant, in 分 (a non-negative integer). */
  price: number;
  /** `official_price`, the face value, in 分. Default: `price`. */
  officialPrice?: number | undefined;
  /** `stock_num`: units left; orders take from it and are refused with 7019 beyond it. Default 100. */
  stock?: number | undefined;
  /** How the secret is delivered. Default `PASSWORD`. */
  goodsType?: ChengquanGoodsTypeLiteral | undefined;
  /** `coupon/goods/notes` text (使用须知). Default: a short made-up note. */
  notes?: string | undefined;
  /** `sell_status`: 1 on sale (default); anything else is refused with 7009 产品已下架. */
  sellStatus?: number | undefined;
  /** Days a delivered code stays valid (`effective_time`). Default 365. */
  validityDays?: number | undefined;
}

/** A phone-recharge denomination for `order/tel/pay`, ordered by its face value `price` in 分. */
export interface ChengquanSimulatorPhoneDenomination {
  /** The face value in 分, as the merchant passes it in `price` (e.g. 5000 for 50 元). */
  faceValue: number;
  /** What it costs the merchant, in 分 (debited, shown as `consume_amount`). */
  price: number;
}

/** A direct-charge product for `order/directCharge`. */
export interface ChengquanSimulatorDirectProduct {
  /** `product_id`, a positive integer. */
  productId: number;
  /** A name (only shown by the inspection API; the vendor has no product list for direct charge in the SDK). */
  name: string;
  /** What one unit costs the merchant, in 分; `amount` units are debited. */
  price: number;
  /** Whether the order needs a valid `ip` (the SDK: "仅腾讯业务需要…传空会报错"). Default false. */
  requiresIp?: boolean | undefined;
}

/** The simulated catalogue. Every list may be empty. */
export interface ChengquanSimulatorCatalogue {
  couponTypes: readonly ChengquanSimulatorCouponType[];
  couponGoods: readonly ChengquanSimulatorCouponGoods[];
  phoneDenominations: readonly ChengquanSimulatorPhoneDenomination[];
  directProducts: readonly ChengquanSimulatorDirectProduct[];
}

/** Brand 101: video memberships. */
export const CHENGQUAN_SIMULATOR_VIDEO_TYPE_ID = 101;
/** Brand 102: coffee vouchers. */
export const CHENGQUAN_SIMULATOR_COFFEE_TYPE_ID = 102;

/**
 * The default catalogue (all names made up):
 * - brands 101 云影视频 and 102 星海咖啡;
 * - coupon goods `10010001` 月卡 (PASSWORD, 19.80 元, 100 in stock), `10010002` 年卡
 *   (NUMBER_PASSWORD, 168.00 元, 5 in stock), `10020001` 中杯兑换券 (LINK, 23.50 元, 50 in stock);
 * - phone denominations 10 / 50 / 100 元 costing 9.96 / 49.80 / 99.50 元;
 * - direct products 20001 game top-up (5.70 元 per unit) and 20002 QQ membership (15.00 元,
 *   needs `ip`).
 */
export const defaultChengquanSimulatorCatalogue: ChengquanSimulatorCatalogue = {
  couponTypes: [
    { goodsTypeId: CHENGQUAN_SIMULATOR_VIDEO_TYPE_ID, name: "云影视频" },
    { goodsTypeId: CHENGQUAN_SIMULATOR_COFFEE_TYPE_ID, name: "星海咖啡" },
  ],
  couponGoods: [
    {
      goodsNo: "10010001",
      name: "云影视频 黄金会员月卡",
      goodsTypeId: CHENGQUAN_SIMULATOR_VIDEO_TYPE_ID,
      price: 1980,
      officialPrice: 2500,
      stock: 100,
      goodsType: "PASSWORD",
      notes: "模拟卡券：登录云影视频 App，在“兑换中心”输入卡密即可开通。",
    },
    {
      goodsNo: "10010002",
      name: "云影视频 黄金会员年卡",
      goodsTypeId: CHENGQUAN_SIMULATOR_VIDEO_TYPE_ID,
      price: 16800,
      officialPrice: 19800,
      stock: 5,
      goodsType: "NUMBER_PASSWORD",
    },
    {
      goodsNo: "10020001",
      name: "星海咖啡 中杯饮品兑换券",
      goodsTypeId: CHENGQUAN_SIMULATOR_COFFEE_TYPE_ID,
      price: 2350,
      officialPrice: 3000,
      stock: 50,
      goodsType: "LINK",
    },
  ],
  phoneDenominations: [
    { faceValue: 1000, price: 996 },
    { faceValue: 5000, price: 4980 },
    { faceValue: 10000, price: 9950 },
  ],
  directProducts: [
    { productId: 20001, name: "星海传说 60钻石 直充", price: 570 },
    { productId: 20002, name: "QQ会员 月卡 直充", price: 1500, requiresIp: true },
  ],
};

/**
 * What happens to an order:
 * - `success` / `failed`: it settles so after `settleAfterMs` (a failed order is refunded and
 *   its coupon stock returned);
 * - `pending`: it stays in the processing state until `completeOrder` settles it;
 * - `invalid-account`: it is refused at order time (7007 for `order/tel/pay`, 7001 otherwise)
 *   and never exists.
 */
export type ChengquanSimulatorOutcome = "success" | "failed" | "pending" | "invalid-account";

/** What the outcome rule sees of an order being placed. */
export interface ChengquanOutcomeInput {
  /** `order/tel/pay`, `order/directCharge` or `coupon/order/pay`. */
  path: string;
  /** The merchant's `order_no` (recharge) or `user_order_no` (coupon). */
  orderNo: string;
  /** `recharge_number`; `""` for coupon orders. */
  rechargeNumber: string;
  /** `mobile` of a coupon order; `""` otherwise. */
  mobile: string;
  /** `product_id` of a direct-charge order. */
  productId?: number | undefined;
  /** `goods_no` of a coupon order. */
  goodsNo?: string | undefined;
  /** `price` (face value in 分) of a phone order. */
  faceValue?: number | undefined;
  /** `amount` (direct), `count` (coupon) or 1 (phone). */
  count: number;
}

/**
 * The default outcome rule — the simulator's magic values, checked case-insensitively:
 * - a `recharge_number` containing `invalid` is refused at order time (a phone number that is
 *   not 11 digits starting with 1 is refused with 7007 before any rule runs);
 * - a `recharge_number`, `mobile` **or** order number containing `fail` ends `FAILURE`;
 * - one containing `pending` stays processing until `completeOrder` (or forever);
 * - anything else ends `SUCCESS`.
 */
export function defaultChengquanOutcome(input: ChengquanOutcomeInput): ChengquanSimulatorOutcome {
  const account = input.rechargeNumber.toLowerCase();
  const mobile = input.mobile.toLowerCase();
  const orderNo = input.orderNo.toLowerCase();
  if (account.includes("invalid")) return "invalid-account";
  if ([account, mobile, orderNo].some((value) => value.includes("fail"))) return "failed";
  if ([account, mobile, orderNo].some((value) => value.includes("pending"))) return "pending";
  return "success";
}
