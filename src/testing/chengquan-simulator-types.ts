/**
 * Public types of the 橙券 Chengquan simulator (`createChengquanSimulator`): options, faults,
 * the inspection records and the simulator object itself.
 */
import type { Clock } from "../core/index.js";
import type {
  ChengquanOutcomeInput,
  ChengquanSimulatorCatalogue,
  ChengquanSimulatorOutcome,
} from "./chengquan-simulator-catalogue.js";
import type { ChengquanParameterValue } from "./chengquan-simulator-signature.js";
import type { ScriptedFault, SharedRequestFaultKind } from "./simulator-faults.js";
import type {
  SimulatorCallbackAttempt,
  SimulatorCallbackRetryOptions,
  SimulatorRequestRecord,
  SupplierSimulator,
} from "./simulator-types.js";

/** Which order call created an order: `order/tel/pay`, `order/directCharge` or `coupon/order/pay`. */
export type ChengquanOrderKind = "tel" | "direct" | "coupon";

/**
 * An order's state as the simulator keeps it, in the vendor's literals:
 * `RECHARGE` 充值中 (accepted, not final), `SUCCESS`, `FAILURE` (dtapps/go-library
 * `service/chengquan/const.go` `StateInfo`; `SUCCESS` also in javareact/chengquan-openapi
 * `tests/SignTest.php`). A coupon order that is still processing is *shown* on the wire with the
 * `couponProcessingState` option (default `RECHARGE` [?]).
 */
export type ChengquanSimulatedOrderState = "RECHARGE" | "SUCCESS" | "FAILURE";

/**
 * Faults that act on the next matching request (`method` of the fault is the path without a
 * leading slash, e.g. `"order/tel/pay"`; `orderNo` matches `order_no` or `user_order_no`):
 * - `commit-then-drop`: the request is processed in full (an order exists), then the socket is
 *   destroyed without an answer — the classic "timeout after commit";
 * - `drop-before-commit`: the socket is destroyed without processing anything;
 * - `delay`: processed at once (committed), the answer is sent after `delayMs` (default 1000);
 * - `http-500`: nothing is processed; HTTP 500 with a JSON (`bodyFormat: "json"`, default) or
 *   plain-text body;
 * - `html-gateway`: nothing is processed; HTTP 502 with an nginx "502 Bad Gateway" HTML page;
 * - `malformed-json`: processed (committed), then HTTP 200 with the envelope cut in half;
 * - `system-error`: processed (committed), then the answer is replaced by a vendor error
 *   envelope (`code` default 7777 系统异常) — the vendor failed to say that it succeeded;
 * - `vendor-error`: nothing is processed; HTTP 200 with envelope `code` (default 7777) and
 *   `message`;
 * - `rate-limit`: nothing is processed; HTTP 429, `Retry-After: 1`, envelope `code` (default
 *   7999, an assumed code [?]: the vendor's rate-limit answer is unpublished) and message
 *   "请求过于频繁，请稍后再试".
 *
 * Every request fault also honours `delayMs` as a pause before it acts.
 */
export type ChengquanRequestFaultKind =
  | SharedRequestFaultKind
  | "system-error"
  | "vendor-error"
  | "rate-limit";

/**
 * Every fault kind: the request faults ({@link ChengquanRequestFaultKind}) plus the faults below,
 * which attach to an order or a callback (`method`, when given, is the path that placed the order)
 * - `not-found-until`: attached to the next order committed (or to `orderNo`, also an existing
 *   one), whose query (`order/get` / `coupon/order/query`) then answers 7016 请求订单不存在 for
 *   the first `queries` (default 2) queries although the order exists — propagation lag (F16);
 * - `duplicate-callback`: the next callback (of `orderNo`, if given) is delivered twice (F6);
 * - `out-of-order-callback`: after the next final callback, a stale processing callback for the
 *   same order is delivered, correctly signed (F7);
 * - `empty-card-code`: attached to the next coupon order committed (or to `orderNo`): it is
 *   delivered `SUCCESS` but its secret fields are empty — `""` (`emptyAs: "empty"`, default),
 *   JSON `null` (`"null"`) or a valid encryption of the empty string (`"encrypted-empty"`) (F24).
 */
export type ChengquanFaultKind =
  | ChengquanRequestFaultKind
  | "not-found-until"
  | "duplicate-callback"
  | "out-of-order-callback"
  | "empty-card-code";

/** A scripted fault for {@link ChengquanSimulator.injectFault}. */
export interface ChengquanSimulatorFault extends ScriptedFault<ChengquanFaultKind> {
  /** Only requests (or orders, or callbacks) for this `order_no` / `user_order_no` consume the fault. */
  orderNo?: string | undefined;
  /** `delay`: how long to hold the answer (default 1000 ms). Other request faults: a pause before acting. */
  delayMs?: number | undefined;
  /** `not-found-until`: how many queries answer 7016 first. Default 2. */
  queries?: number | undefined;
  /** `http-500`: a JSON body (default) or plain text. */
  bodyFormat?: "json" | "text" | undefined;
  /** `system-error`, `vendor-error`, `rate-limit`: the envelope code. */
  code?: number | undefined;
  /** `system-error`, `vendor-error`, `rate-limit`: the envelope message. */
  message?: string | undefined;
  /** `empty-card-code`: how the empty secrets look on the wire. Default `"empty"`. */
  emptyAs?: "empty" | "null" | "encrypted-empty" | undefined;
}

/** One delivered coupon code, in plain text (the wire carries it AES-128-CBC encrypted). */
export interface ChengquanSimulatedCard {
  /** `goods_number` (NUMBER_PASSWORD goods); `""` otherwise. */
  number: string;
  /** `goods_password` (NUMBER_PASSWORD and PASSWORD goods); `""` otherwise. */
  password: string;
  /** `goods_link` (LINK and PICTURE goods); `""` otherwise. */
  link: string;
  /** `effective_time`: the code's expiry, epoch milliseconds. */
  effectiveTime: number;
}

/** A committed order, as {@link ChengquanSimulator.orders} reports it. */
export interface ChengquanSimulatedOrder {
  kind: ChengquanOrderKind;
  /** The merchant's `order_no` (recharge) or `user_order_no` (coupon). */
  orderNo: string;
  /** The vendor's own order number (`order_no` in coupon answers). */
  platformOrderNo: string;
  state: ChengquanSimulatedOrderState;
  /** `recharge_number`; `""` for coupon orders. */
  rechargeNumber: string;
  /** `mobile` of a coupon order; `""` otherwise. */
  mobile: string;
  /** `product_id` (direct). */
  productId?: number | undefined;
  /** `goods_no` (coupon). */
  goodsNo?: string | undefined;
  /** `price`, the face value in 分 (phone). */
  faceValue?: number | undefined;
  /** `amount` (direct), `count` (coupon) or 1 (phone). */
  count: number;
  /** What was debited, in 分. */
  cost: number;
  /** The `notify_url` the order carried; `""` when none. */
  notifyUrl: string;
  /** Epoch milliseconds, from the simulator's clock. */
  createdAt: number;
  /** Epoch milliseconds of the final state. */
  finishedAt?: number | undefined;
  /** The delivered codes of a successful coupon order (empty fields under `empty-card-code`). */
  cards: ChengquanSimulatedCard[];
}

/** One request, as {@link ChengquanSimulator.requests} reports it. */
export interface ChengquanSimulatorRequestRecord extends SimulatorRequestRecord<ChengquanFaultKind> {
  /** The path without a leading slash, e.g. `order/tel/pay`. */
  path: string;
  /** The HTTP method. */
  httpMethod: string;
  /** The parameters as decoded (form-style: `+` is a space), `sign` included; a repeated key keeps its last value. */
  params: Readonly<Record<string, string>>;
  /** `order_no` or `user_order_no`, if any. */
  orderNo?: string | undefined;
  /** Whether `sign` verifies over the decoded parameters with the simulator's APP_KEY. */
  signatureValid: boolean;
  /** The envelope code answered, if an envelope was produced (also for faults that then drop it). */
  code?: number | undefined;
}

/**
 * One callback delivery attempt, as {@link ChengquanSimulator.callbacks} reports it. `reason`:
 * the order became final, `sendCallback` (`manual`), a `duplicate-callback` or an
 * `out-of-order-callback` (`stale`) fault.
 */
export interface ChengquanCallbackAttempt
  extends SimulatorCallbackAttempt<"final" | "manual" | "duplicate" | "stale"> {
  /** The merchant's order number (`order_no` or `user_order_no` field). */
  orderNo: string;
  /** The `state` field sent. */
  state: string;
}

/** Signed parameters, ready to send. */
export interface ChengquanSignedParams {
  /** The parameters as strings (`undefined`/`null` dropped, empty strings kept), `sign` last. */
  params: Readonly<Record<string, string>>;
  /** `UPPER(md5(sorted non-empty k=v&…&key=APP_KEY))`. */
  sign: string;
  /** The same, form-encoded: a query string or an `application/x-www-form-urlencoded` body. */
  encoded: string;
}

/** Identifies what {@link ChengquanSimulator.setPrice} changes. */
export type ChengquanPriceTarget = { goodsNo: string } | { productId: number } | { faceValue: number };

/** Options of {@link createChengquanSimulator}. Every option has a default. */
export interface ChengquanSimulatorOptions extends SimulatorCallbackRetryOptions {
  /** The `app_id` requests must carry. Default {@link CHENGQUAN_SIMULATOR_APP_ID}. */
  appId?: string | undefined;
  /** The APP_KEY everything is signed with (never sent). Default {@link CHENGQUAN_SIMULATOR_APP_KEY}. */
  appKey?: string | undefined;
  /**
   * The AES-128-CBC key of coupon secrets: 16 bytes, or a string of 16 UTF-8 bytes. Chengquan
   * issues it to the merchant separately from APP_KEY [M] (public integration code). Default
   * {@link CHENGQUAN_SIMULATOR_AES_KEY}.
   */
  aesKey?: string | Uint8Array | undefined;
  /** The AES-CBC IV: 16 bytes, or a string of 16 UTF-8 bytes. Default {@link CHENGQUAN_SIMULATOR_AES_IV}. */
  aesIv?: string | Uint8Array | undefined;
  /** The port; default 0 (an ephemeral port). The host is always 127.0.0.1. */
  port?: number | undefined;
  /** The opening balance in 分, a non-negative integer. Default 1 000 000 (10 000.00 元). */
  balance?: number | undefined;
  /** The catalogue. Default {@link defaultChengquanSimulatorCatalogue}. */
  catalogue?: ChengquanSimulatorCatalogue | undefined;
  /** Delay from acceptance to the final state, in milliseconds (real timers). Default 30. */
  settleAfterMs?: number | undefined;
  /** Whether orders settle by themselves after `settleAfterMs`. Default true; see `setAutoSettle`. */
  autoSettle?: boolean | undefined;
  /**
   * Where to POST callbacks, for every order. When unset, a recharge order's own `notify_url` is
   * used; coupon orders carry no `notify_url` in the SDK, so they get callbacks only with this
   * option [?].
   */
  callbackUrl?: string | undefined;
  /**
   * The callback fields. `minimal` (default): `app_id`, `order_no` (coupon: `user_order_no`),
   * `state`, `timestamp` — the fields of the vendor callback in javareact/chengquan-openapi
   * `tests/SignTest.php` [M]. `extended` adds the order's other fields (recharge:
   * `recharge_number`, `consume_amount`, `start_time`, `end_time`; coupon: `order_no`,
   * `goods_no`, `count`) [?] — a verifier must sign over every field it receives (F5).
   */
  callbackFields?: "minimal" | "extended" | undefined;
  /**
   * What acknowledges a callback: a reply body compared exactly, or a predicate. Default
   * `"success"` [?] (the vendor's ack literal is unpublished).
   */
  callbackAck?: string | ((status: number, reply: string) => boolean) | undefined;
  /**
   * Largest accepted |now − timestamp| in milliseconds; beyond it a request is refused with 7002
   * 请求超时. Default 180 000 ("橙券允许开发者请求最大时间误差为3分钟", dtapps/go-library
   * `service/chengquan/request.go`) [M]. `Infinity` turns the check off.
   */
  timestampToleranceMs?: number | undefined;
  /** HTTP methods accepted. Default `["GET"]` (the PHP SDK). Some integrations POST a form body [?]. */
  httpMethods?: readonly ("GET" | "POST")[] | undefined;
  /**
   * Unit of `price` / `official_price` in `coupon/type/goods/list`: `yuan` (default; the public Go
   * integration types them as floats) or `fen`. Unconfirmed [?].
   */
  goodsPriceUnit?: "yuan" | "fen" | undefined;
  /** The `state` shown for a coupon order that is still processing. Default `RECHARGE` [?]. */
  couponProcessingState?: string | undefined;
  /**
   * Whether `coupon/order/pay` delivers at once: a coupon order whose outcome is `success` is
   * final in the pay answer, secrets included. Default false (delivered after `settleAfterMs`,
   * secrets only from `coupon/order/query`) [?].
   */
  syncCouponDelivery?: boolean | undefined;
  /**
   * The `version` `order/directCharge` must carry ("目前固定" 1.1.0, javareact/chengquan-openapi
   * `src/CQOrder.php`); a different one is refused with 7001. Default `"1.1.0"`; `null` accepts any.
   */
  directChargeVersion?: string | null | undefined;
  /** Decides each order's fate. Default {@link defaultChengquanOutcome} (magic values). */
  outcome?: ((input: ChengquanOutcomeInput) => ChengquanSimulatorOutcome) | undefined;
  /** Timestamps (orders, records, the timestamp window, callbacks). Timers still use real time. Default the system clock. */
  clock?: Clock | undefined;
}

/**
 * A running (or ready-to-start) Chengquan simulator. `orders()` lists recharge and coupon orders;
 * `order()` and `callbacks()` take the merchant's `order_no` / `user_order_no` (`order()` looks
 * recharge orders up first); `requests()` filters by path (e.g. `"order/get"`; a leading `/` is
 * ignored).
 */
export interface ChengquanSimulator
  extends SupplierSimulator<
    ChengquanSimulatedOrder,
    ChengquanSimulatorRequestRecord,
    ChengquanCallbackAttempt,
    ChengquanSimulatorFault
  > {
  /** The base URL with a trailing slash, `http://127.0.0.1:<port>/`; append a path such as `order/tel/pay`. Throws before `start()`. */
  readonly url: string;
  /** The `app_id` the simulator expects. */
  readonly appId: string;
  /** The APP_KEY the simulator signs and verifies with (to configure the client under test; never sent). */
  readonly appKey: string;
  /** The AES-128 key of coupon secrets (16 bytes; a copy). */
  readonly aesKey: Uint8Array;
  /** The AES-CBC IV of coupon secrets (16 bytes; a copy). */
  readonly aesIv: Uint8Array;

  /** The balance in 分. */
  balance(): number;
  /** Sets the balance in 分 (a non-negative integer). */
  setBalance(fen: number): void;
  /** The catalogue as it stands now (stock and prices included). */
  catalogue(): ChengquanSimulatorCatalogue;
  /** Units of a coupon product left. Throws for an unknown `goods_no`. */
  stock(goodsNo: string): number;
  /** Sets a coupon product's stock. Throws for an unknown `goods_no` or a bad count. */
  setStock(goodsNo: string, units: number): void;
  /** Sets the price in 分 of a coupon product, direct product or phone denomination. Throws for an unknown one. */
  setPrice(target: ChengquanPriceTarget, fen: number): void;
  /**
   * Settles an order now: `success` delivers the codes of a coupon order, `failed` refunds the
   * balance (and returns coupon stock); the callback follows. Throws for an unknown or final order.
   */
  completeOrder(orderNo: string, state: "success" | "failed"): ChengquanSimulatedOrder;
  /**
   * Makes queries report `rawState` as the order's `state` (e.g. a value no client has seen)
   * until called again with `undefined`. The order itself is unchanged.
   */
  setRawOrderState(orderNo: string, rawState: string | undefined): void;
  /**
   * Delivers a callback for an existing order now, whatever its state, with retries until
   * acknowledged. `overrides` replace or add fields (`undefined` removes one) and are signed
   * correctly, unless `overrides.sign` is given, which is sent as is (a forged signature). The
   * URL is `options.url`, else the `callbackUrl` option, else the order's `notify_url`.
   */
  sendCallback(
    orderNo: string,
    overrides?: Readonly<Record<string, string | undefined>>,
    options?: { url?: string | undefined },
  ): Promise<ChengquanCallbackAttempt[]>;
  /** Signs parameters as Chengquan does (a `sign` already present is replaced). */
  signParams(params: Readonly<Record<string, ChengquanParameterValue>>): ChengquanSignedParams;
}
