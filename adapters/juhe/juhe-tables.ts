/**
 * Juhe 聚合数据 手机话费充值 (op.juhe.cn/ofpay/mobile, a reseller of OFPay) value tables, as
 * data, for the Juhe adapter (vendor-protocols.md §4). No adapter code lives here.
 *
 * Confidence marks follow vendor-protocols.md: [H] several independent sources or the vendor's
 * own sample, [M] one careful source or two integrations that agree, [L] one informal source,
 * [?] not confirmed — kaquan's default, replaceable through the adapter's options.
 *
 * Sources named below:
 * - "Juhe common codes": Juhe's shared service-level code table (100xx), quoted identically in
 *   many public integrations (e.g. code comments listing 10001 错误的请求KEY … 10021 接口停用,
 *   with the old `resultcode` 101 … 121 beside them). [H]
 * - "Juhe mobile codes": the 话费充值 API's own table (2085xx), found in three independent
 *   public integrations (a Java enum, a C# switch and an Android client); wording differs slightly
 *   between them, the numbers agree. [M]
 * - §4: vendor-protocols.md §4.
 */
import type { OrderStatus } from "../../src/core/index.js";
import type { VendorErrorTable } from "../../src/runtime/vendor-errors.js";

/** The API host. All public samples use plain http; whether https works is [?] (§4). */
export const JUHE_ORIGIN = "http://op.juhe.cn";

/** The base path of every 话费 endpoint, with its trailing slash. [H] (§4) */
export const JUHE_BASE_PATH = "/ofpay/mobile/";

/** The full base URL: `http://op.juhe.cn/ofpay/mobile/`. Endpoint names are appended to it. */
export const JUHE_BASE_URL = `${JUHE_ORIGIN}${JUHE_BASE_PATH}`;

/**
 * The endpoints, relative to {@link JUHE_BASE_URL}. Each accepts GET query parameters and POST
 * form bodies (public samples use both). [H] (§4)
 * - `telcheck` `key, phoneno, cardnum`: can this number take this face value (`error_code` 0 = yes);
 * - `telquery` `key, phoneno, cardnum`: `{cardid, cardname, inprice, game_area}`;
 * - `onlineorder` `key, phoneno, cardnum, orderid, sign` with
 *   `sign = md5(OpenID + key + phoneno + cardnum + orderid)`, lowercase hex, no separators;
 * - `ordersta` `key, orderid`: order status (no sign);
 * - `yue` `key, timestamp, sign` with `sign = md5(OpenID + key + timestamp)`, timestamp in seconds;
 * - `orderlist` `key`: order history (result layout [?]).
 */
export const JUHE_ENDPOINTS = {
  telcheck: "telcheck",
  telquery: "telquery",
  onlineorder: "onlineorder",
  ordersta: "ordersta",
  yue: "yue",
  orderlist: "orderlist",
} as const;

/** A Juhe endpoint name. */
export type JuheEndpointName = (typeof JUHE_ENDPOINTS)[keyof typeof JUHE_ENDPOINTS];

/** `error_code` of a successful answer; the envelope is `{reason, result, error_code}`. [H] (§4) */
export const JUHE_SUCCESS_CODE = 0;

/**
 * `error_code` 10014 系统内部异常. The vendor's rule, quoted in its own code table: "调用充值类业务时，
 * 请务必联系客服或通过订单查询接口检测订单，避免造成损失" — after 10014 on an order, query it with
 * `ordersta`; never mark it failed. [H] (Juhe common codes; §4 critical rule)
 */
export const JUHE_SYSTEM_ERROR_CODE = 10014;

/** `orderid`: "8-32位字母数字组合", 8 to 32 letters and digits. [H] (§4; code 208514's wording) */
export const JUHE_ORDER_ID_PATTERN = /^[A-Za-z0-9]{8,32}$/;

/** Face values (`cardnum`, whole 元) named in public samples: "目前可选：5、10、20、30、50、100、300". [M] */
export const JUHE_FACE_VALUES: readonly number[] = [5, 10, 20, 30, 50, 100, 300];

/**
 * `game_state` in `onlineorder`, `ordersta` and `orderlist` results: `0` 充值中 (processing; every
 * new order answers 0), `1` 成功, `9` 失败/撤销 (failed or cancelled; the balance is refunded).
 * Terminal: 1 and 9. [H] (§4) Samples carry it as a string (`"1"`), some integrations as a
 * number; look it up with `String(value)`. Anything else maps to `unknown` with the raw value kept.
 */
export const juheGameStates: Readonly<Record<string, OrderStatus>> = {
  "0": "processing",
  "1": "succeeded",
  "9": "failed",
};

/**
 * `sta` in callbacks: `1` success, `9` failed. [H] (§4) Note that the callback signature
 * `md5(AppKey + sporder_id + orderid)` does **not** cover `sta`: a replayed genuine callback with
 * `sta` flipped still verifies. Treat a callback as a trigger and confirm with `ordersta` before
 * applying it (failure-modes F25).
 */
export const juheCallbackStates: Readonly<Record<string, OrderStatus>> = {
  "1": "succeeded",
  "9": "failed",
};

/** The callback form fields, in the order the signature concatenates them (after the AppKey). [H] (§4) */
export const JUHE_CALLBACK_SIGNED_FIELDS = ["sporder_id", "orderid"] as const;

/**
 * What the merchant answers to acknowledge a callback. The vendor's sample returns nothing
 * meaningful (§4): the literal `success` is kaquan's default [?]; make it configurable.
 */
export const JUHE_CALLBACK_ACK = "success";

/**
 * Juhe `error_code` → meaning. Every entry can be replaced through the adapter's options.
 *
 * Safety rules behind the choices: a code that may leave an order behind (10014, the "请重试"
 * codes, a bare 充值失败) is `system_error`, which kaquan resolves by querying, never as failed;
 * a duplicate `orderid` is `duplicate_order` (query and adopt, never failed — §11.3); only codes
 * that refuse a request before anything was created are rejections.
 */
export const defaultJuheErrorTable: VendorErrorTable = {
  codes: {
    // ---- Juhe common codes (every Juhe API) [H] ----
    "10001": "authentication", // 错误的请求KEY — key missing or wrong
    "10002": "authentication", // 该KEY无请求权限 — the key is not enabled for this API
    "10003": "authentication", // KEY过期 — key expired
    "10004": "authentication", // 错误的OPENID
    "10005": "authentication", // 应用未审核超时，请提交认证 — application not approved
    "10007": "authentication", // 未知的请求源 — unknown request origin
    "10008": "authentication", // 被禁止的IP — IP not on the allow-list (design: IpNotAllowed is an auth-class error)
    "10009": "authentication", // 被禁止的KEY — key banned
    "10011": "rate_limited", // 当前IP请求超过限制 — per-IP limit
    "10012": "rate_limited", // 请求超过次数限制 — request quota exceeded
    "10013": "rate_limited", // 测试KEY超过请求限制 — test-key quota exceeded
    "10014": "system_error", // 系统内部异常 — the vendor says: query the order, never fail it
    "10020": "system_error", // 接口维护 — API under maintenance; [?] whether an order can slip through, so query
    "10021": "authentication", // 接口停用 — API switched off for this account [?] (no closer meaning; not retryable)
    // ---- Juhe mobile codes (话费充值) [M] ----
    "208501": "product_unavailable", // 不允许充值的手机号码及金额 — this number cannot take this face value
    "208502": "system_error", // 请求手机号和面值查询商品信息失败，请重试 — transient lookup failure [?] nothing committed; query is safe
    "208503": "product_unavailable", // 运营商地区维护，暂不能充值 — carrier/region maintenance
    "208504": "product_unavailable", // 请求手机号和面值查询商品信息错误 [M] (one source words it 运营商地区维护)
    "208505": "invalid_account", // 错误的手机号码 (one source: 无效手机号码)
    "208506": "product_unavailable", // 错误的充值金额 — face value not offered
    "208507": "system_error", // 充值失败 — [?] whether an order was created and failed; the query decides
    "208508": "system_error", // 请求充值失败，请重试 — [?] committed or not; the query decides
    "208509": "bad_request", // 错误的订单号 — [?] may also be ordersta's answer for an unknown orderid
    "208510": "system_error", // 请求订单状态失败(，请重试) — ordersta failed transiently
    "208513": "order_not_found", // 查询订单失败 / 此订单不存在 — sources differ on the wording [M/L]
    "208514": "bad_request", // 不合规范的订单号（8-32位）
    "208515": "authentication", // 校验值sign错误 — sign mismatch (also a wrong OpenID, which is only inside the sign)
    "208516": "duplicate_order", // 重复的订单号 — the orderid was used: query it and adopt its state
    "208517": "insufficient_balance", // 当前账户可用余额不足
    // 208511 充值中 and 208512 充值失败,已退款 appear in one Android client only [L]; left out so
    // that they fall through to "unrecognised" (query) rather than guess a final state.
    "19000": "order_not_found", // 没有订单 — one C# integration, probably orderlist [L]
  },
  // For codes outside the table: the Chinese `reason` wording. Rate limits come before the
  // KEY patterns because 测试KEY超过请求限制 names the key too.
  messagePatterns: [
    [/重复的订单号|订单号重复|订单号已存在/, "duplicate_order"],
    [/余额不足/, "insufficient_balance"],
    [/系统内部异常|系统异常|系统繁忙/, "system_error"],
    [/超过(?:请求|次数)?限制|请求过于频繁|频繁/, "rate_limited"],
    [/校验值|签名|sign/i, "authentication"],
    [/请求KEY|KEY过期|KEY无请求权限|被禁止的KEY|被禁止的IP|OPENID/i, "authentication"],
    [/订单不存在|没有订单|查询不到/, "order_not_found"],
    [/错误的手机号码|无效手机号码|手机号码有误/, "invalid_account"],
    [/不允许充值|错误的充值金额|维护/, "product_unavailable"],
    [/不合规范的订单号|错误的订单号/, "bad_request"],
  ],
};
