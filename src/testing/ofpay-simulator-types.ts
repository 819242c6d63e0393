/**
 * The public types of the OFPay 欧飞 simulator (see ofpay-simulator.ts): endpoints, scripted
 * faults, the inspection records and the options. Facts and confidence marks follow
 * vendor-protocols.md §5.
 */
import type { Clock } from "../core/index.js";
import type {
  OfpayCarrier,
  OfpayNumberSegment,
  OfpayOutcomeInput,
  OfpaySimulatorOutcome,
  OfpaySimulatorProduct,
} from "./ofpay-simulator-catalogue.js";
import type { OfpayCharset } from "./ofpay-simulator-wire.js";
import type { ScriptedFault, SharedRequestFaultKind } from "./simulator-faults.js";
import type {
  SimulatorCallbackAttempt,
  SimulatorCallbackRetryOptions,
  SimulatorRequestRecord,
  SupplierSimulator,
} from "./simulator-types.js";

/** The endpoints, as paths below the base URL. */
export const OFPAY_SIMULATOR_ENDPOINTS = [
  "onlineorder.do",
  "queryOrderInfo.do",
  "api/query.do",
  "queryuserinfo.do",
  "telcheck.do",
  "telquery.do",
  "mobinfo.do",
  "querybill.do",
] as const;

/** One endpoint of {@link OFPAY_SIMULATOR_ENDPOINTS}. */
export type OfpayEndpoint = (typeof OFPAY_SIMULATOR_ENDPOINTS)[number];

/** `game_state`: 0 processing (充值中), 1 success, 9 cancelled/failed (撤消, refunded). */
export type OfpayGameState = "0" | "1" | "9";

/**
 * Faults that act on the next matching request (`method` names the endpoint, e.g.
 * `"onlineorder.do"`; `sporderId` matches `sporder_id` or `spbillid`):
 * - `commit-then-drop`: the request is processed in full (the order exists, the balance is
 *   debited), then the socket is destroyed without an answer — the "timeout after commit";
 * - `drop-before-commit`: the socket is destroyed without processing anything;
 * - `delay`: processed at once (the order IS committed), answered after `delayMs` (default 1000);
 * - `http-500`: nothing is processed; HTTP 500 with a plain-text (default) or JSON body;
 * - `html-gateway`: nothing is processed; HTTP 502 with an nginx "502 Bad Gateway" HTML page;
 * - `malformed-json`: processed (committed), then HTTP 200 with the answer (XML or JSON) cut in half;
 * - `system-error`: processed (committed, unless `commit: false`), then answered with retcode 9999
 *   "系统异常" — the adapter must query, never mark the order failed;
 * - `rate-limit`: nothing is processed; retcode 1010 with HTTP `httpStatus` (default 200 [?]:
 *   Chinese suppliers usually answer errors with 200) and `Retry-After: 1`.
 *
 * Every request fault also honours `delayMs` as a pause before it acts.
 */
export type OfpayRequestFaultKind = SharedRequestFaultKind | "system-error" | "rate-limit";

/**
 * Every fault kind: the request faults ({@link OfpayRequestFaultKind}) plus
 * - `not-found-until`: attached to the next order committed (or to `sporderId`): its first
 *   `queries` (default 2) queries — `queryOrderInfo.do` (retcode 1009) and `api/query.do` (`-1`) —
 *   answer "not found" although the order exists (propagation lag, F16);
 * - `duplicate-callback`: the next callback (of `sporderId`, if given) is delivered twice;
 * - `out-of-order-callback`: after the next final callback, a stale callback with
 *   `ret_code = staleRetCode` (default `"0"` [?] — OFPay documents only 1 and 9) is delivered;
 * - `forged-callback`: a callback that contradicts the ledger is delivered — the attack an
 *   unsigned callback invites (F25). With `when: "final"` (default) it arrives just before the
 *   genuine final callback and claims the opposite (`ret_code` 1 for an order that failed, 9 for
 *   one that succeeded); with `when: "accepted"` it arrives right after the order is accepted and
 *   claims success while the order is still processing. `retCode` overrides the claim;
 *   `forgedSporderId` makes it name an order that does not exist. It is only consumed by an order
 *   that has a callback URL.
 */
export type OfpayFaultKind =
  | OfpayRequestFaultKind
  | "not-found-until"
  | "duplicate-callback"
  | "out-of-order-callback"
  | "forged-callback";

/** A scripted fault for {@link OfpaySimulator.injectFault}. `method` names an endpoint. */
export interface OfpaySimulatorFault extends ScriptedFault<OfpayFaultKind> {
  /** Only requests (or orders, or callbacks) for this `sporder_id` consume the fault. */
  sporderId?: string | undefined;
  /** `delay`: how long to hold the answer (default 1000 ms). Other request faults: a pause before acting. */
  delayMs?: number | undefined;
  /** `not-found-until`: how many queries answer "not found" first. Default 2. */
  queries?: number | undefined;
  /** `http-500`: a plain-text body (default) or JSON. */
  bodyFormat?: "json" | "text" | undefined;
  /** `rate-limit`: the HTTP status. Default 200. */
  httpStatus?: number | undefined;
  /** `system-error`: whether the request is processed (the order committed) first. Default true. */
  commit?: boolean | undefined;
  /** `system-error`: the `err_msg`. Default "系统异常，请稍后查询订单". */
  message?: string | undefined;
  /** `out-of-order-callback`: the stale `ret_code`. Default "0". */
  staleRetCode?: string | undefined;
  /** `forged-callback`: when it is sent. Default `final`. */
  when?: "accepted" | "final" | undefined;
  /** `forged-callback`: the claimed `ret_code`. Default: the opposite of the ledger (1 while processing). */
  retCode?: string | undefined;
  /** `forged-callback`: name this (nonexistent) `sporder_id` instead of the real order's. */
  forgedSporderId?: string | undefined;
}

/** The callback form fields (§5 [M]). All values are strings; there is no signature field by default. */
export type OfpayCallbackFields = {
  /** 1 success, 9 撤消 (cancelled, failed). */
  ret_code: string;
  sporder_id: string;
  /** When the order became final, `yyyyMMddHHmmss` by default [?] (see `callbackTimeFormat`). */
  ordersuccesstime: string;
  /** The failure reason; empty when `ret_code` is 1 [M]. */
  err_msg: string;
};

/** A committed order, as {@link OfpaySimulator.orders} reports it. */
export interface OfpaySimulatedOrder {
  /** The merchant's order id. */
  sporderId: string;
  /** `orderid`: OFPay's order number, `S` and 16 digits [?]. */
  orderId: string;
  /** `cardid` as sent (any 14xxxx is fast, any 17xxxx slow). */
  cardid: string;
  speed: "fast" | "slow";
  /** `mctype` of a slow order (default "24"); absent for fast orders. */
  mctype?: string | undefined;
  /** `cardnum`: the face value in 元, normalised ("50.00"). */
  faceValue: string;
  /** `ordercash`: what was debited, in 元 ("49.80"). */
  price: string;
  /** `cardname`, e.g. 北京移动话费50元快充. */
  cardname: string;
  /** `game_userid`: the phone number. */
  phone: string;
  carrier: OfpayCarrier;
  province: string;
  gameState: OfpayGameState;
  /** `sporder_time` as sent. */
  sporderTime: string;
  /** `ret_url` as sent, if any. */
  retUrl?: string | undefined;
  /** Epoch milliseconds, from the simulator's clock. */
  createdAt: number;
  /** Epoch milliseconds of the final state. */
  finishedAt?: number | undefined;
  /** The failure reason (`err_msg` of callbacks and queries); `""` unless failed. */
  errMsg: string;
}

/** One row of the reconciliation bill (`querybill.do`, {@link OfpaySimulator.bill}). Field names as on the wire [?]. */
export interface OfpayBillRow {
  orderid: string;
  sporder_id: string;
  cardid: string;
  cardname: string;
  cardnum: string;
  ordercash: string;
  game_userid: string;
  game_state: string;
  /** `yyyyMMddHHmmss`. */
  ordertime: string;
  /** `yyyyMMddHHmmss`, or `""` while processing. */
  ordersuccesstime: string;
}

/** One request, as {@link OfpaySimulator.requests} reports it. */
export interface OfpaySimulatorRequestRecord extends SimulatorRequestRecord<OfpayFaultKind> {
  /** The path below the base URL, e.g. `onlineorder.do` or `api/query.do`. */
  endpoint: string;
  httpMethod: string;
  /** Every parameter received (query string, then POST form on top). */
  params: Readonly<Record<string, string>>;
  /** `sporder_id` (or `spbillid`), if any. */
  sporderId?: string | undefined;
  /**
   * For signed endpoints (onlineorder, queryOrderInfo, querybill): whether `md5_str` is the one
   * the simulator computes from the parameters received with its KeyStr, in the expected letter
   * case. Absent for unsigned endpoints.
   */
  md5Valid?: boolean | undefined;
  /** The retcode answered, for document answers (also for faults that then drop it). */
  retcode?: string | undefined;
  /** The plain text answered (`api/query.do`, `mobinfo.do`). */
  text?: string | undefined;
  /** The answer format. */
  format: "xml" | "json" | "text";
}

/**
 * One callback delivery attempt, as {@link OfpaySimulator.callbacks} reports it. `reason`: the
 * order became final, `sendCallback` (`manual`), or a `duplicate-callback`,
 * `out-of-order-callback` (`stale`) or `forged-callback` (`forged`) fault.
 */
export interface OfpayCallbackAttempt
  extends SimulatorCallbackAttempt<"final" | "manual" | "duplicate" | "stale" | "forged"> {
  sporderId: string;
  /** The `ret_code` sent. */
  retCode: string;
  /** The fields sent. */
  fields: Readonly<Record<string, string>>;
  /**
   * True when, at sending time, the simulator has no such order or the order's `game_state`
   * differs from `ret_code` — a callback an adapter must not apply without re-querying.
   */
  contradictsLedger: boolean;
}

/** Options of {@link createOfpaySimulator}. Every option has a default. */
export interface OfpaySimulatorOptions extends SimulatorCallbackRetryOptions {
  /** The SP code (`userid`); must start with `A`. Default {@link OFPAY_SIMULATOR_USER_ID}. */
  userId?: string | undefined;
  /** The login password; requests carry `userpws = md5(password)`. Default {@link OFPAY_SIMULATOR_PASSWORD}. */
  password?: string | undefined;
  /** The `KeyStr` every `md5_str` ends with. Default `OFCARD`, the vendor's own default. */
  keyStr?: string | undefined;
  /** `username` in `queryuserinfo.do`. Default "欧飞模拟商户". */
  accountName?: string | undefined;
  /** The port; default 0 (an ephemeral port). The host is always 127.0.0.1. */
  port?: number | undefined;
  /** The opening balance in 元, a decimal string. Default "10000.00". */
  balance?: string | undefined;
  /** Face values and prices per `cardid`. Default {@link defaultOfpaySimulatorCatalogue}. */
  catalogue?: readonly OfpaySimulatorProduct[] | undefined;
  /** 7-digit number segments (号段) → province/city, merged over {@link defaultOfpayNumberSegments}. */
  numberSegments?: Readonly<Record<string, OfpayNumberSegment>> | undefined;
  /** Delay from acceptance to the final state of a fast (140101) order, in ms (real timers). Default 30. */
  settleAfterMs?: number | undefined;
  /** Delay from acceptance to the final state of a slow (170101) order, in ms. Default 80. */
  slowSettleAfterMs?: number | undefined;
  /** Whether orders settle by themselves. Default true; see `setAutoSettle`. */
  autoSettle?: boolean | undefined;
  /** Decides each order's fate. Default {@link defaultOfpayOutcome} (magic values, documented there). */
  outcome?: ((input: OfpayOutcomeInput) => OfpaySimulatorOutcome) | undefined;
  /** `err_msg` of a failed order (queries and callbacks). Default "运营商充值失败". [?] */
  failureMessage?: string | undefined;
  /** Timestamps (order ids, `ordersuccesstime`, records). Timers still use real time. Default the system clock. */
  clock?: Clock | undefined;
  /** The answer format when a request does not send `format=json` (or `format=xml`). Default `xml` [?]. */
  defaultFormat?: "xml" | "json" | undefined;
  /** Charset of XML and plain-text answers. Default `GB2312` [M] (integrations read the answers as GB2312). */
  charset?: OfpayCharset | undefined;
  /** Value types of the JSON answer: all strings (default) or numbers for numeric fields [?]. */
  jsonValueTypes?: "string" | "number" | undefined;
  /**
   * Letter case `md5_str` must have on onlineorder.do and queryOrderInfo.do: exactly upper case
   * (default, as documented) or any case [?] (whether the vendor compares case-insensitively is unknown).
   */
  md5Case?: "upper" | "any" | undefined;
  /** Letter case of querybill.do's `md5_str`. Default `upper` ("32位大写" [M]). */
  billMd5Case?: "upper" | "lower" | "any" | undefined;
  /** Where to POST callbacks, overriding every order's `ret_url`. By default each order's own `ret_url`. */
  callbackUrl?: string | undefined;
  /** The reply (trimmed) that acknowledges a callback. Default `OK` [L]. */
  callbackAck?: string | undefined;
  /** Charset of the callback form (percent-encoded bytes). Default `UTF-8` [?]. */
  callbackCharset?: OfpayCharset | undefined;
  /** `ordersuccesstime` as `yyyyMMddHHmmss` (default, `compact`) or `yyyy-MM-dd HH:mm:ss` (`dashed`) [?]. */
  callbackTimeFormat?: "compact" | "dashed" | undefined;
  /**
   * Callback signature: none (default — no signature seen in public samples [?]), or `md5`: a
   * `sign` field = UPPER(md5(userid + ret_code + sporder_id + KeyStr)), the scheme of an
   * OFPay-compatible supplier [L], to test an adapter that verifies a signature when present.
   */
  callbackSignature?: "none" | "md5" | undefined;
}

/**
 * A running (or ready-to-start) OFPay simulator. `order()` and `callbacks()` take the merchant's
 * `sporder_id`; `requests()` filters by endpoint (e.g. `onlineorder.do`; a leading `/` is ignored).
 */
export interface OfpaySimulator
  extends SupplierSimulator<
    OfpaySimulatedOrder,
    OfpaySimulatorRequestRecord,
    OfpayCallbackAttempt,
    OfpaySimulatorFault
  > {
  /** The base URL, `http://127.0.0.1:<port>/` (like `http://api2.ofpay.com/`). Throws before `start()`. */
  readonly url: string;
  /** The SP code (`userid`), starting with `A`. */
  readonly userId: string;
  /** The login password (to configure the client under test; never logged). */
  readonly password: string;
  /** `md5(password)`, 32 lowercase hex: the `userpws` requests must carry. */
  readonly userpws: string;
  /** The `KeyStr` (to configure the client under test; never sent by the simulator). */
  readonly keyStr: string;

  /** The current balance in 元, a decimal string such as "9950.20". */
  balance(): string;
  /** Sets the balance (a decimal string in 元). */
  setBalance(amount: string): void;
  /** The catalogue. */
  products(): OfpaySimulatorProduct[];
  /**
   * The reconciliation bill: the orders created between `from` and `to` (inclusive), oldest
   * first, as `querybill.do` lists them; only `cardid`s starting with `cardid` when given.
   */
  bill(from: number | Date, to: number | Date, cardid?: string): OfpayBillRow[];
  /**
   * Settles an order now: `failed` refunds the balance; the callback follows when the order has
   * a callback URL. Throws for an unknown or already final order.
   */
  completeOrder(sporderId: string, state: "success" | "failed"): OfpaySimulatedOrder;
  /**
   * Makes queries (`queryOrderInfo.do`'s `game_state`, `api/query.do`'s text) report `rawState` —
   * e.g. a value no client has seen — until called again with `undefined`. The order is unchanged.
   */
  setRawOrderState(sporderId: string, rawState: string | undefined): void;
  /**
   * Delivers a callback now (with retries until acknowledged) to `options.url`, else the
   * `callbackUrl` option, else the order's `ret_url`. The fields describe the order as it stands;
   * `overrides` replace any of them — e.g. `{ ret_code: "1" }` for an order that failed is a
   * forged callback. For a `sporderId` the simulator never saw, a phantom callback claiming
   * success is sent (a URL is then required). Resolves with the attempts; rejects when there is
   * no URL.
   */
  sendCallback(
    sporderId: string,
    overrides?: Partial<OfpayCallbackFields> & { sign?: string },
    options?: { url?: string },
  ): Promise<OfpayCallbackAttempt[]>;
}
