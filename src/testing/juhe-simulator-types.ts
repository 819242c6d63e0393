/**
 * The public types of the Juhe simulator (juhe-simulator.ts): options, faults, records, the
 * simulator interface.
 */
import type { Clock } from "../core/index.js";
import type {
  JuheCarrier,
  JuheOutcomeInput,
  JuheSimulatorFaceValue,
  JuheSimulatorOutcome,
} from "./juhe-simulator-catalogue.js";
import type { JuheEndpoint, JuheErrorAnswer } from "./juhe-simulator-protocol.js";
import type { ScriptedFault, SharedRequestFaultKind } from "./simulator-faults.js";
import type {
  SimulatorCallbackAttempt,
  SimulatorCallbackRetryOptions,
  SimulatorRequestRecord,
  SupplierSimulator,
} from "./simulator-types.js";

/** `game_state`: `0` 充值中, `1` 成功, `9` 失败 (§4). */
export type JuheGameState = "0" | "1" | "9";

/** An order's state in words; `game_state` 0, 1, 9. */
export type JuheSimulatedOrderState = "processing" | "success" | "failed";

/**
 * Faults that act on the next matching request (`method` names the endpoint, e.g. `onlineorder`):
 * - `commit-then-drop`: the request is processed in full (the order exists, the balance is
 *   debited), then the socket is destroyed without an answer — "timeout after commit" (F1);
 * - `drop-before-commit`: the socket is destroyed without processing anything (F2);
 * - `delay`: processed at once (the order IS committed), answered after `delayMs` (default 1000);
 * - `http-500`: nothing processed; HTTP 500 with a JSON (`bodyFormat: "json"`, default) or
 *   plain-text body (F3);
 * - `html-gateway`: nothing processed; HTTP 502 with an nginx "502 Bad Gateway" page (F3);
 * - `malformed-json`: processed (committed), then HTTP 200 with the envelope cut in half;
 * - `system-error-10014`: processed — the order IS committed (unless `committed: false`) — and
 *   the answer is `error_code` 10014 系统内部异常; the vendor's rule is to query, never fail;
 * - `rate-limit`: nothing processed; HTTP 200 with `error_code` 10012 请求超过次数限制 (or `code`,
 *   e.g. 10011 当前IP请求超过限制) (F27). Juhe signals limits in the envelope; whether it ever
 *   answers HTTP 429 is [?];
 * - `vendor-error`: nothing processed; HTTP 200 with `error_code` `code` (default 10020 接口维护)
 *   and `reason`.
 *
 * Every request fault also honours `delayMs` as a pause before it acts.
 */
export type JuheRequestFaultKind =
  | SharedRequestFaultKind
  | "system-error-10014"
  | "rate-limit"
  | "vendor-error";

/**
 * Every fault kind: the request faults ({@link JuheRequestFaultKind}) plus
 * - `not-found-until`: attached to the next order committed (or to `orderid`), whose `ordersta`
 *   then answers "not found" for the first `queries` (default 2) queries although the order
 *   exists — propagation lag (F16);
 * - `duplicate-callback`: the next callback (of `orderid`, if given) is delivered twice (F6);
 * - `out-of-order-callback` (F5, F7), by `mode`:
 *   - `stale-after-final` (default): after the next final callback, a stale copy with `sta`
 *     `staleSta` (default "0") is delivered. Its `sign` is genuine: Juhe does not sign `sta`;
 *   - `before-answer`: the next order committed by `onlineorder` settles at once and its callback
 *     is delivered (until acknowledged or out of attempts) *before* the `onlineorder` answer is
 *     sent. Needs a callback URL.
 */
export type JuheFaultKind =
  | JuheRequestFaultKind
  | "not-found-until"
  | "duplicate-callback"
  | "out-of-order-callback";

/** A scripted fault for {@link JuheSimulator.injectFault}. */
export interface JuheSimulatorFault extends ScriptedFault<JuheFaultKind> {
  /** Only requests to this endpoint (`onlineorder`, `ordersta`, …) consume the fault; any when omitted. */
  method?: JuheEndpoint | undefined;
  /** Only requests, orders or callbacks for this merchant `orderid` consume the fault. */
  orderid?: string | undefined;
  /** `delay`: how long to hold the answer (default 1000 ms). Other request faults: a pause before acting. */
  delayMs?: number | undefined;
  /** `not-found-until`: how many `ordersta` queries answer "not found" first. Default 2. (`method` is ignored.) */
  queries?: number | undefined;
  /** `http-500`: a JSON body (default) or plain text. */
  bodyFormat?: "json" | "text" | undefined;
  /** `rate-limit` (default 10012) and `vendor-error` (default 10020): the `error_code`. */
  code?: number | undefined;
  /** `rate-limit` and `vendor-error`: the `reason`. */
  reason?: string | undefined;
  /** `system-error-10014`: whether the request is processed (the order committed) first. Default true. */
  committed?: boolean | undefined;
  /** `out-of-order-callback`: see {@link JuheFaultKind}. Default `stale-after-final`. */
  mode?: "stale-after-final" | "before-answer" | undefined;
  /** `out-of-order-callback` in `stale-after-final` mode: the stale `sta`. Default "0". */
  staleSta?: string | undefined;
}

/** The callback form fields (§4), before `sign`. */
export type JuheCallbackFields = {
  /** Juhe's order number. */
  sporder_id: string;
  /** The merchant's `orderid`. */
  orderid: string;
  /** `1` success, `9` failed (the order's `game_state`, so `0` for a callback sent early by hand). */
  sta: string;
};

/** A signed callback, ready to POST. */
export interface JuheSignedCallback {
  /** The fields with `sign` last. */
  fields: Readonly<Record<string, string>>;
  /** `md5(AppKey + sporder_id + orderid)`, lowercase hex. */
  sign: string;
  /** The form body (Content-Type `application/x-www-form-urlencoded`). */
  form: string;
}

/**
 * How {@link JuheSimulator.sendForgedCallback} forges:
 * - `bad-sign`: a well-formed but wrong `sign`;
 * - `wrong-key`: signed correctly with another AppKey (a stale or foreign key);
 * - `missing-sign`: no `sign` field;
 * - `flipped-sta`: the genuine `sign` with `sta` flipped (1 ↔ 9; 0 → 1) — it VERIFIES, because
 *   Juhe does not sign `sta`; only a confirming `ordersta` query catches it (F25);
 * - `unknown-order`: correctly signed with the real AppKey (a leaked key) for an `orderid` the
 *   simulator never accepted, `sta` 1.
 */
export type JuheCallbackForgery = "bad-sign" | "wrong-key" | "missing-sign" | "flipped-sta" | "unknown-order";

/** A committed order, as {@link JuheSimulator.orders} reports it. */
export interface JuheSimulatedOrder {
  /** The merchant's `orderid` (`uorderid` in results). */
  orderid: string;
  /** `sporder_id`: Juhe's order number, 17 digits (`yyyyMMddHHmmss` + sequence). */
  sporderId: string;
  /** `game_userid`: the phone number. */
  phoneno: string;
  /** The face value in whole 元. */
  cardnum: number;
  carrier: JuheCarrier;
  cardid: string;
  cardname: string;
  /** `ordercash`: what was debited, 元, a decimal string such as "99.50". */
  ordercash: string;
  state: JuheSimulatedOrderState;
  gameState: JuheGameState;
  /** Epoch milliseconds, from the simulator's clock. */
  createdAt: number;
  /** Epoch milliseconds of the final state. */
  finishedAt?: number | undefined;
}

/** One request, as {@link JuheSimulator.requests} reports it. */
export interface JuheSimulatorRequestRecord extends SimulatorRequestRecord<JuheFaultKind> {
  /** The endpoint named by the path. */
  endpoint: JuheEndpoint;
  /** `GET` or `POST`. */
  httpMethod: string;
  /** Every parameter received (query string merged with a form body), as strings. */
  parameters: Readonly<Record<string, string>>;
  /** The `orderid` parameter, if any. */
  orderid?: string | undefined;
  /**
   * Whether the request authenticates: the `key` is the simulator's AppKey and, for the signed
   * endpoints (`onlineorder`, `yue`), `sign` is exactly the expected digest. For the unsigned
   * endpoints it is the key check alone.
   */
  signatureValid: boolean;
  /** The `error_code` answered (for a fault that drops the answer: the one that would have been). */
  errorCode?: number | undefined;
}

/**
 * One callback delivery attempt, as {@link JuheSimulator.callbacks} reports it. `reason`: the
 * order became final, `sendCallback` (`manual`), a fault (`duplicate`, `stale`) or
 * `sendForgedCallback` (`forged`).
 */
export interface JuheCallbackAttempt
  extends SimulatorCallbackAttempt<"final" | "manual" | "duplicate" | "stale" | "forged"> {
  orderid: string;
  /** The `sta` field sent. */
  sta: string;
}

/** Options of `createJuheSimulator`. Every option has a default. */
export interface JuheSimulatorOptions extends SimulatorCallbackRetryOptions {
  /** The AppKey (`key`) requests must carry and callbacks are signed with. Default `JUHE_SIMULATOR_APP_KEY`. */
  appKey?: string | undefined;
  /** The OpenID that signs orders and balance queries. Default `JUHE_SIMULATOR_OPEN_ID`. */
  openId?: string | undefined;
  /** The port; default 0 (an ephemeral port). The host is always 127.0.0.1. */
  port?: number | undefined;
  /** The opening balance in 元, a decimal string. Default "10000.00". */
  balance?: string | undefined;
  /** The face values each carrier takes. Default `defaultJuheSimulatorCatalogue`. */
  catalogue?: readonly JuheSimulatorFaceValue[] | undefined;
  /** `game_area` is this followed by the carrier (`江苏南京移动`). Default "江苏南京". */
  area?: string | undefined;
  /** Delay from acceptance to the final state, in milliseconds (real timers). Default 30. */
  settleAfterMs?: number | undefined;
  /** Whether orders settle by themselves after `settleAfterMs`. Default true; see `setAutoSettle`. */
  autoSettle?: boolean | undefined;
  /** Where to POST signed form callbacks when an order becomes final. None by default. */
  callbackUrl?: string | undefined;
  /**
   * What acknowledges a callback: a literal the trimmed 2xx reply body must equal, or a
   * predicate. Default `"success"` [?] — Juhe's sample returns nothing meaningful (§4).
   */
  callbackAck?: string | ((status: number, reply: string) => boolean) | undefined;
  /** Decides each number's / order's fate. Default `defaultJuheOutcome` (magic values). */
  outcome?: ((input: JuheOutcomeInput) => JuheSimulatorOutcome) | undefined;
  /**
   * What `ordersta` answers for an `orderid` it does not know (and during `not-found-until`).
   * Default `{ code: 208513, reason: "此订单不存在" }` [?] — public code tables word 208513 both
   * 查询订单失败 and 此订单不存在; some integrations may see 208509 错误的订单号 instead.
   */
  notFound?: JuheErrorAnswer | undefined;
  /**
   * What `cardnum` means inside `onlineorder` / `ordersta` / `orderlist` results. Default
   * `"quantity"` (always "1"), as one public integration documents the field (数量) [?];
   * `"face-value"` writes the face value instead. The *request* `cardnum` is always the face value.
   */
  resultCardnum?: "quantity" | "face-value" | undefined;
  /** Which letter case of `sign` is accepted. Default `"lower"` (§4 says lowercase hex) [?]; `"any"` ignores case. */
  signCase?: "lower" | "any" | undefined;
  /** `uid` in the `yue` result. Default "1000001". */
  uid?: string | undefined;
  /** Timestamps (`sporder_id`, records). Timers still use real time. Default the system clock. */
  clock?: Clock | undefined;
}

/**
 * A running (or ready-to-start) Juhe simulator. `order()` and `callbacks()` take the merchant's
 * `orderid`; `requests()` filters by endpoint (e.g. `onlineorder`). Automatic settling can be
 * turned off with `setAutoSettle(false)`: orders then stay `game_state` 0 until `completeOrder`.
 */
export interface JuheSimulator
  extends SupplierSimulator<
    JuheSimulatedOrder,
    JuheSimulatorRequestRecord,
    JuheCallbackAttempt,
    JuheSimulatorFault,
    JuheEndpoint
  > {
  /** The base URL, `http://127.0.0.1:<port>/ofpay/mobile/`; append an endpoint name. Throws before `start()`. */
  readonly url: string;
  /** The AppKey (`key`) the simulator expects. */
  readonly appKey: string;
  /** The OpenID the simulator verifies signatures with (to configure the client under test). */
  readonly openId: string;

  /** The current balance in 元, a decimal string such as "9900.50". */
  balance(): string;
  /** Sets the balance (a decimal string in 元). */
  setBalance(amount: string): void;
  /** The catalogue as it stands now. */
  faceValues(): JuheSimulatorFaceValue[];
  /** Sets the `inprice` of a carrier's face value (price drift, F15). Throws when not in the catalogue. */
  setInprice(carrier: JuheCarrier, cardnum: number, inprice: string): void;
  /** Puts a carrier's face value in maintenance (208503) or back. Throws when not in the catalogue. */
  setAvailable(carrier: JuheCarrier, cardnum: number, available: boolean): void;
  /**
   * Settles an order now: `success` (game_state 1) or `failed` (9, `ordercash` refunded); the
   * callback follows when `callbackUrl` is set. Throws for an unknown or already final order.
   */
  completeOrder(orderid: string, state: "success" | "failed"): JuheSimulatedOrder;
  /**
   * Makes `ordersta` report `raw` as the order's `game_state` — e.g. a value no client has seen —
   * until called again with `undefined`. The order itself is unchanged.
   */
  setRawOrderState(orderid: string, raw: string | undefined): void;
  /**
   * Delivers a callback for an existing order now, whatever its state (with retries until
   * acknowledged). `overrides` replace fields — e.g. `{ sta: "9" }` — and the result is signed
   * correctly, unless `overrides.sign` is given, which is sent as is. Extra fields are sent too.
   * Resolves with the attempts. Rejects when there is no such order or no callback URL.
   */
  sendCallback(
    orderid: string,
    overrides?: Partial<JuheCallbackFields> & Record<string, string | undefined>,
    options?: { url?: string },
  ): Promise<JuheCallbackAttempt[]>;
  /**
   * Delivers a forged callback (see {@link JuheCallbackForgery}; default `bad-sign`). Every kind
   * but `unknown-order` needs an existing order. Resolves with the attempts.
   */
  sendForgedCallback(
    orderid: string,
    forgery?: JuheCallbackForgery,
    options?: { url?: string },
  ): Promise<JuheCallbackAttempt[]>;
  /** Signs callback fields as Juhe does (a `sign` already present is replaced). */
  signCallback(fields: Readonly<Record<string, string>>): JuheSignedCallback;
}
