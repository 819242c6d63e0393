/**
 * 橙券 Chengquan's value tables (vendor-protocols.md §9), as data for the Chengquan adapter:
 * gateways and paths, the response envelope, order states, coupon delivery types, error codes
 * and limits. Anything not in a table maps to `unknown` (states) or "unknown outcome" (errors),
 * with the raw value kept.
 *
 * Sources (public repositories, read for facts only; confidence as in vendor-protocols.md):
 * - javareact/chengquan-openapi — the PHP SDK named in §9 [M];
 * - dtapps/go-library `service/chengquan/*` — a Go client with the error-code and state tables
 *   and the recharge answer fields [M];
 * - txbao/common-go `common/thirdParty/chengquan/model.go`, `sdk.go` — a Go integration with the
 *   coupon answer fields [M];
 * - public integration code (a Java demo) — the AES key and IV are separate 16-character strings.
 */
import type { OrderStatus } from "../../src/core/index.js";
import type { VendorErrorTable } from "../../src/runtime/vendor-errors.js";

/** Production gateway (javareact/chengquan-openapi `src/Client.php` `DEFAULT_GATEWAY`). Paths are appended without a leading slash. */
export const CHENGQUAN_BASE_URL = "https://api.chengquan.cn/";

/** Test gateway (`src/Client.php` `TEST_GATEWAY`; dtapps/go-library `const.go` `ApiTestUrl`). */
export const CHENGQUAN_TEST_BASE_URL = "http://test.api.chengquan.vip:11140/";

/**
 * Paths, relative to the base URL. Every call is a `GET` with the parameters in the query string
 * (`src/Client.php`: `$client->request('GET', …, ['query' => …])`), plus the public parameters
 * `app_id`, `timestamp` (milliseconds) and `sign`.
 */
export const chengquanPaths = {
  /** 话费充值 `{order_no ≤32, recharge_number, price (分, face value), notify_url}` (`src/CQOrder.php`). */
  telPay: "order/tel/pay",
  /** 直充下单 `{order_no, recharge_number, product_id, amount 1–99999, ip, oil_phone_account, notify_url, version}` (`src/CQOrder.php`). */
  directCharge: "order/directCharge",
  /** 直充订单查询 `{order_no, version?}` (`src/CQOrder.php`). */
  orderGet: "order/get",
  /** 卡券购买 `{user_order_no ≤32, goods_no, count 1–50, mobile?}` (`src/CQCoupon.php`). */
  couponOrderPay: "coupon/order/pay",
  /** 卡券订单查询 `{user_order_no}` (`src/CQCoupon.php`). */
  couponOrderQuery: "coupon/order/query",
  /** 卡券品牌 (no parameters) (`src/CQCoupon.php`). */
  couponTypeList: "coupon/type/list",
  /** 品牌产品 `{goods_type_id}` (`src/CQCoupon.php`). */
  couponTypeGoodsList: "coupon/type/goods/list",
  /** 产品库存 `{goods_no}` → `{name, goods_no, stock_num}` (`src/CQCoupon.php`; txbao `model.go`). */
  couponGoodsStock: "coupon/goods/stock",
  /** 使用须知 `{goods_no}` → a string (`src/CQCoupon.php`; txbao `model.go`). */
  couponGoodsNotes: "coupon/goods/notes",
  /** 账户余额 (no parameters) → `{app_id, balance (元)}` (`src/CQBalance.php`; dtapps `user.balance.get.go`). */
  balanceGet: "user/balance/get",
  /** Older SDK versions only (`src/CQOrder.php` at an earlier commit): 流量, 加油卡, 腾讯, 视频. Not simulated. */
  gprsPay: "order/gprs/pay",
  oilPay: "order/oil/pay",
  qqPay: "order/qq/pay",
  videoPay: "order/video/pay",
} as const;

/**
 * Envelope: `{code, message, data}`; a call succeeded when `code === 7000` (javareact
 * `src/CQApiResponse.php` `isSuccess`, `result()` reads `data`). The response Content-Type is
 * JSON (the SDK refuses anything else). Answers carry no signature of their own [?].
 */
export const CHENGQUAN_SUCCESS_CODE = 7000;

/** The fixed `version` of `order/directCharge` ("目前固定", `src/CQOrder.php`). dtapps sends 1.0.0 [?]. */
export const CHENGQUAN_DIRECT_CHARGE_VERSION = "1.1.0";

/** Largest clock difference the vendor accepts, in ms ("最大时间误差为3分钟", dtapps `request.go`) [M]. Beyond it: 7002. */
export const CHENGQUAN_TIMESTAMP_TOLERANCE_MS = 180_000;

/** Longest `order_no` / `user_order_no` ("最长32位", `src/CQOrder.php`, `src/CQCoupon.php`). */
export const CHENGQUAN_ORDER_NO_MAX_LENGTH = 32;

/** Largest `count` of `coupon/order/pay` ("最大等于50", `src/CQCoupon.php`). */
export const CHENGQUAN_COUPON_MAX_COUNT = 50;

/**
 * The callback acknowledgement the merchant answers. Unpublished [?]: `success` is the common
 * literal of Chinese suppliers; make it configurable.
 */
export const CHENGQUAN_CALLBACK_ACK = "success";

/**
 * `state` of recharge orders (`order/tel/pay`, `order/directCharge`, `order/get`) and of their
 * callbacks. Terminal: SUCCESS, FAILURE.
 */
export const chengquanRechargeStates: Readonly<Record<string, OrderStatus>> = {
  RECHARGE: "processing", // 充值中 — dtapps `const.go` StateInfo [M]
  SUCCESS: "succeeded", // 成功 — dtapps `const.go`; javareact `tests/SignTest.php` callback [M]
  FAILURE: "failed", // 失败 — dtapps `const.go` [M]
};

/**
 * `state` of each item of a coupon order (`coupon/order/pay`, `coupon/order/query` answer
 * `data[]`). An order whose items disagree is partial: the adapter decides (`partially_succeeded`).
 */
export const chengquanCouponStates: Readonly<Record<string, OrderStatus>> = {
  SUCCESS: "succeeded", // 成功 — txbao `model.go` comment "SUCCESS 成功 FAILURE 失败" [M]
  FAILURE: "failed", // 失败 — txbao `model.go` [M]
  RECHARGE: "processing", // [?] not documented for coupons; assumed like recharge orders
};

/**
 * `goods_type` of a coupon product → how the code is delivered (txbao `model.go`) [M]. The secret
 * fields are `goods_number` (NUMBER_PASSWORD), `goods_password` (NUMBER_PASSWORD, PASSWORD) and
 * `goods_link` (LINK, PICTURE), each AES-128-CBC + base64 — see {@link chengquanCardEncryption}.
 */
export const chengquanGoodsTypes: Readonly<Record<string, "code" | "qr" | "link">> = {
  NUMBER_PASSWORD: "code", // 卡号和密码
  PASSWORD: "code", // 密码
  LINK: "link", // 链接
  PICTURE: "link", // 图片: `goods_link` holds a picture URL (what the picture shows — QR, barcode — is [?])
};

/**
 * Card secrets: AES-128-CBC, PKCS#7, base64, plaintext trimmed (javareact `src/Tools/AES.php`).
 * Key and IV are two 16-character strings issued to the merchant apart from APP_KEY, used as their
 * UTF-8 bytes (public integration code; txbao `common/utils/aes_cbc.go`) [M]. Vector: with the
 * published test-environment key and IV, `tests/AESTest.php`'s ciphertext decrypts to its
 * plaintext (checked in kaquan's simulator tests).
 */
export const chengquanCardEncryption = { mode: "cbc", keyBytes: 16, ivBytes: 16, trim: true } as const;

/**
 * Error codes of the envelope (dtapps/go-library `service/chengquan/const.go` `CodeInfo`) [M],
 * with the vendor's wording as a comment. `system_error` means "the vendor failed internally":
 * for an order placement the outcome is unknown and kaquan queries — never failed. The message
 * patterns catch the Chinese wording when a code is unknown; a code or message that matches
 * nothing is an unknown outcome too.
 */
export const defaultChengquanErrorTable: VendorErrorTable = {
  codes: {
    "7001": "bad_request", // 请求参数错误 [M]
    // 请求超时 [M]: the 3-minute timestamp window (dtapps `request.go`) is the likely cause, but the
    // wording also fits a vendor-side timeout, so it stays an unknown outcome to be safe [?].
    "7002": "system_error",
    "7003": "authentication", // 商户账号不存在 [M]
    "7004": "authentication", // 商户账号状态暂停或禁用 [M]
    "7005": "authentication", // 签名错误 [M]
    "7006": "authentication", // 请求IP有误 (IP allow-list) [M]
    "7007": "invalid_account", // 查询不到手机卡号归属地 [M]
    "7008": "product_unavailable", // 查询不到产品 [M]
    "7009": "product_unavailable", // 产品已下架 [M]
    "7010": "product_unavailable", // 查询不到商户密价 (no price agreed for this merchant) [M]
    "7011": "product_unavailable", // 商户密价状态暂停 [M]
    "7012": "duplicate_order", // 请求订单号已存在 — go and query, never failed [M]
    "7013": "system_error", // 请求订单入库异常 — the order may or may not be stored [M]
    "7014": "insufficient_balance", // 商户账号余额不足 [M]
    "7015": "system_error", // 商户扣款异常 — the debit may or may not have happened [M]
    "7016": "order_not_found", // 请求订单不存在 (also propagation lag right after placing, F16) [M]
    "7017": "invalid_account", // 加油卡卡号不正确 [M]
    "7019": "out_of_stock", // 产品库存不足 [M]
    "7777": "system_error", // 系统异常 [M]
    // Rate limiting: no code is published [?], so none is listed. kaquan's simulator answers HTTP
    // 429 with an assumed code 7999 and "请求过于频繁，请稍后再试", which the patterns classify.
  },
  messagePatterns: [
    [/订单号已存在|已存在|重复/, "duplicate_order"], // [M] wording of 7012
    [/余额不足/, "insufficient_balance"], // [M] wording of 7014
    [/库存不足|缺货|无库存/, "out_of_stock"], // [M] wording of 7019
    [/签名/, "authentication"], // [M] wording of 7005
    [/商户账号不存在|暂停或禁用|IP有误/, "authentication"], // [M] 7003, 7004, 7006
    [/订单不存在/, "order_not_found"], // [M] wording of 7016
    [/归属地|卡号不正确|账号.*(错误|不正确|有误)/, "invalid_account"], // [M] 7007, 7017; [?] the rest
    [/查询不到产品|已下架|密价/, "product_unavailable"], // [M] 7008–7011
    [/频繁|限流|too many/i, "rate_limited"], // [?]
    [/参数错误/, "bad_request"], // [M] wording of 7001
    [/系统异常|入库异常|扣款异常|超时/, "system_error"], // [M] 7777, 7013, 7015, 7002
  ],
};
