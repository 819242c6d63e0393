/**
 * OFPay 欧飞's value tables (vendor-protocols.md §5), as data for the OFPay adapter and the
 * simulator in `kaquan/testing`. Every value is a string, as on the wire (the XML answer carries
 * text only; the `format=json` answer's value types are unconfirmed, so read them with `String()`).
 * Anything not in a table maps to `unknown` with the raw value kept.
 *
 * Confidence marks follow vendor-protocols.md: [H] high, [M] medium (one careful integration, or a
 * constants file that quotes the vendor's documentation), [L] low, [?] not confirmed — an
 * assumption that the adapter must let users replace.
 */
import type { OrderStatus } from "../../src/core/index.js";
import type { VendorErrorTable } from "../../src/runtime/vendor-errors.js";

/** The `version` every endpoint takes ("固定值为：6.0"). [M] */
export const OFPAY_API_VERSION = "6.0";

/** The default `KeyStr` ("默认的秘钥是OFCARD，可联系商务修改"); it is never sent over the wire. [M] */
export const OFPAY_DEFAULT_KEY_STR = "OFCARD";

/**
 * `cardid` of mobile top-up (话费) products. The vendor matches a phone `cardid` on its first two
 * digits only ("这里商品编码是模糊匹配只匹配前两位"), so 14xxxx is fast and 17xxxx is slow. [M]
 */
export const OFPAY_CARDID_FAST = "140101";
/** `cardid` of slow top-up (慢充): cheaper, settles within the `mctype` hours. [M] */
export const OFPAY_CARDID_SLOW = "170101";

/** The recharge speed a phone `cardid` stands for, by its first two digits. [M] */
export const ofpayCardidSpeeds: Readonly<Record<string, "fast" | "slow">> = {
  "14": "fast", // 快充 140101
  "17": "slow", // 慢充 170101
};

/**
 * `mctype` of a slow top-up: the hours within which it settles (0.5 = half an hour). Sent only
 * with 170101 and not covered by `md5_str`; omitted means 24. [M]
 */
export const OFPAY_SLOW_MCTYPES: readonly string[] = ["0.5", "4", "12", "24", "48", "72"];
/** `mctype` the vendor assumes when a slow order omits it ("不传默认为24"). [M] */
export const OFPAY_DEFAULT_MCTYPE = "24";

/** Face values (`cardnum`, 元) a fast top-up accepts. [M] (constants file quoting the docs) */
export const OFPAY_FAST_FACE_VALUES: readonly string[] = [
  "1",
  "2",
  "5",
  "10",
  "20",
  "30",
  "50",
  "100",
  "200",
  "300",
  "500",
];
/** Face values (`cardnum`, 元) a slow top-up accepts. [M] */
export const OFPAY_SLOW_FACE_VALUES: readonly string[] = ["30", "50", "100"];

/**
 * `game_state` of an order (onlineorder.do and queryOrderInfo.do answers). Terminal: 1, 9.
 * [H] for 0/1/9 (the same values in Juhe's OFPay resale API and in OFPay integrations).
 */
export const ofpayGameStates: Readonly<Record<string, OrderStatus>> = {
  "0": "processing", // 充值中
  "1": "succeeded", // 成功
  "9": "failed", // 撤消: cancelled, the balance is refunded
};

/**
 * The plain-text body of `api/query.do?userid&spbillid`: a bare state, or -1 when the vendor has
 * no such order. [M] (an integration's polling job branches on exactly 1, 0, 9, -1)
 * `not_found` is not a failure: right after placing an order it may be propagation lag (F16).
 */
export const ofpayQueryStates: Readonly<Record<string, OrderStatus | "not_found">> = {
  "1": "succeeded",
  "0": "processing",
  "9": "failed",
  "-1": "not_found",
};

/**
 * `ret_code` of the callback to `ret_url`: "1代表成功，9代表撤消即失败". [M] The callback carries no
 * signature in public samples [?], so a callback is only a hint: query before applying it.
 * `err_msg` is empty when `ret_code` is 1. [M]
 */
export const ofpayCallbackRetCodes: Readonly<Record<string, OrderStatus>> = {
  "1": "succeeded",
  "9": "failed",
};

/** The reply that acknowledges a callback: one integrator writes `OK`. [L] */
export const OFPAY_CALLBACK_ACK = "OK";

/**
 * The `retcode` values kaquan assumes. Only `1` (success) is confirmed [M]; OFPay's error-code
 * appendix is not public, so every other code is an assumption [?] (the simulator answers with
 * these; the adapter must accept replacements). Errors also carry a Chinese `err_msg`, which the
 * message patterns of {@link defaultOfpayErrorTable} classify when a code is unknown.
 */
export const OFPAY_RETCODES = {
  /** 成功: the call succeeded (for onlineorder.do: the order was accepted, `game_state` 0). [M] */
  success: "1",
  /** `userid` unknown. [?] */
  unknownUser: "1001",
  /** `userpws` is not md5 of the login password. [?] */
  wrongPassword: "1002",
  /** `md5_str` does not verify (wrong KeyStr, field order or letter case). [?] */
  badSignature: "1003",
  /** A parameter is missing or malformed (`version`, `sporder_time`, `mctype`). [?] */
  badParameter: "1004",
  /** The phone number cannot be recharged (format, segment or carrier). [?] */
  unsupportedNumber: "1005",
  /** The `cardid` or face value (`cardnum`) is not sold, or the carrier region is in maintenance. [?] */
  unsupportedProduct: "1006",
  /** 账户余额不足. [?] */
  insufficientBalance: "1007",
  /** The `sporder_id` was used before: query it, never treat it as failed (§11 pitfall 3). [?] */
  duplicateOrder: "1008",
  /** No order with this `sporder_id`. [?] */
  orderNotFound: "1009",
  /** Too many requests. [?] */
  rateLimited: "1010",
  /** 系统异常 / 未知错误: the outcome of an order is unknown — query it, never mark it failed. [?] */
  systemError: "9999",
} as const;

/** The `err_msg` texts the simulator sends with each {@link OFPAY_RETCODES} value. [?] (wording assumed) */
export const ofpayErrorMessages: Readonly<Record<string, string>> = {
  [OFPAY_RETCODES.unknownUser]: "商户编号不存在",
  [OFPAY_RETCODES.wrongPassword]: "商户密码错误",
  [OFPAY_RETCODES.badSignature]: "MD5验证失败",
  [OFPAY_RETCODES.badParameter]: "参数错误",
  [OFPAY_RETCODES.unsupportedNumber]: "该号码暂不支持充值",
  [OFPAY_RETCODES.unsupportedProduct]: "不支持该面值或商品",
  [OFPAY_RETCODES.insufficientBalance]: "账户余额不足",
  [OFPAY_RETCODES.duplicateOrder]: "订单号重复",
  [OFPAY_RETCODES.orderNotFound]: "订单不存在",
  [OFPAY_RETCODES.rateLimited]: "请求过于频繁，请稍后再试",
  [OFPAY_RETCODES.systemError]: "系统异常，请稍后查询订单",
};

/**
 * OFPay `retcode` → meaning. Codes are kaquan's assumption (see {@link OFPAY_RETCODES}) and every
 * entry can be replaced through the adapter's options. The message patterns catch the vendor's
 * Chinese wording when a code is unknown. A code or message that matches nothing — and
 * `system_error` — is an *unknown outcome* for orders: kaquan queries, never marks it failed
 * (§4 rule "不要直接做失败处理" for the OFPay-backed Juhe API, §11 pitfall 2).
 */
export const defaultOfpayErrorTable: VendorErrorTable = {
  codes: {
    // Assumed codes [?]: OFPay's retcode appendix is not public.
    "1001": "authentication", // [?] userid unknown
    "1002": "authentication", // [?] wrong userpws
    "1003": "authentication", // [?] md5_str mismatch
    "1004": "bad_request", // [?] missing or malformed parameter
    "1005": "invalid_account", // [?] number cannot be recharged
    "1006": "product_unavailable", // [?] face value / cardid not sold, or region in maintenance
    "1007": "insufficient_balance", // [?]
    "1008": "duplicate_order", // [?] sporder_id used before: go and query
    "1009": "order_not_found", // [?]
    "1010": "rate_limited", // [?]
    "9999": "system_error", // [?] never "failed": the order may exist
  },
  messagePatterns: [
    // Chinese wording of the same conditions; order matters (first match wins).
    [/重复|已存在/, "duplicate_order"], // 订单号重复 [?]
    [/余额不足|余额不够/, "insufficient_balance"], // 账户余额不足 [?]
    [/md5|MD5|签名|校验/, "authentication"], // MD5验证失败 [?]
    [/密码|商户编号|用户不存在|userid|userpws/i, "authentication"], // 商户密码错误 [?]
    [/订单不存在|无此订单|找不到/, "order_not_found"], // 订单不存在 [?]
    [/频繁|限流/, "rate_limited"], // [?]
    [/维护|不支持该面值|面值|商品/, "product_unavailable"], // "不能充返回运营商维护" (telquery.do) [M]
    [/号码/, "invalid_account"], // 该号码暂不支持充值 [?]
    [/系统异常|系统繁忙|未知错误|超时/, "system_error"], // [?]
  ],
};
