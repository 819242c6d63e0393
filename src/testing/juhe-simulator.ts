/**
 * An in-process Juhe 聚合数据 手机话费充值 supplier (op.juhe.cn/ofpay/mobile, vendor-protocols.md
 * §4) that speaks the vendor's wire protocol: six endpoints under `/ofpay/mobile/`, each taking
 * GET query parameters or a POST form body, answering `{"reason", "result", "error_code"}` JSON;
 * orders signed `md5(OpenID + key + phoneno + cardnum + orderid)`, balance queries signed
 * `md5(OpenID + key + timestamp)`, callbacks POSTed as a form signed `md5(AppKey + sporder_id +
 * orderid)`. The signatures are written by hand in the simulator (juhe-simulator-protocol.ts), not
 * borrowed from the adapter, so the two cross-check each other.
 *
 * Orders move `game_state` 0 → 1 (success) or 9 (failed, `ordercash` refunded) after
 * `settleAfterMs`. The balance is debited by `ordercash` (the face value's `inprice`) when the
 * order is accepted; a re-sent `orderid` is refused with 208516 and creates nothing.
 *
 * On top of the protocol: scripted faults (a dropped connection after the order is committed,
 * error_code 10014 on a committed order — the vendor's own rule is "query, never fail" —, gateway
 * pages, rate limits, lagging queries, duplicate, stale or early callbacks), forged callbacks,
 * and an inspection API to check that an order was placed exactly once. It listens on 127.0.0.1
 * only and prints nothing.
 *
 * Unconfirmed facts, each a configurable default (see the options): the callback ack literal
 * (`success`), the answer of `ordersta` for an unknown `orderid` (208513 此订单不存在), the meaning
 * of `cardnum` inside order results (the quantity, "1"), the letter case accepted for `sign`
 * (lowercase only), the `yue` and `orderlist` result layouts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  addMoney,
  ConfigurationError,
  compareMoney,
  type Money,
  money,
  subtractMoney,
} from "../core/index.js";
import { formatDateTime, systemClock } from "../runtime/clock.js";
import { md5Hex, safeEqual } from "../runtime/signing.js";
import {
  defaultJuheOutcome,
  defaultJuheSimulatorCatalogue,
  JUHE_SIMULATOR_APP_KEY,
  JUHE_SIMULATOR_OPEN_ID,
  type JuheCarrier,
  type JuheSimulatorOutcome,
  juheSimulatorCarrierOf,
} from "./juhe-simulator-catalogue.js";
import {
  JUHE_SIMULATOR_BASE_PATH,
  type JuheEndpoint,
  JuheRejection,
  juheBalanceSign,
  juheCallbackSign,
  juheEndpoints,
  juheEnvelope,
  juheOrderSign,
  juheParameters,
  juheSimulatorErrors,
  NGINX_502,
  threeDecimals,
} from "./juhe-simulator-protocol.js";
import type {
  JuheCallbackAttempt,
  JuheCallbackFields,
  JuheCallbackForgery,
  JuheFaultKind,
  JuheRequestFaultKind,
  JuheSignedCallback,
  JuheSimulatedOrder,
  JuheSimulator,
  JuheSimulatorFault,
  JuheSimulatorOptions,
  JuheSimulatorRequestRecord,
} from "./juhe-simulator-types.js";
import { deliverCallback } from "./simulator-callbacks.js";
import { FaultQueue, faultMatchesMethod } from "./simulator-faults.js";
import { type LoopbackServer, readRequestBody, startLoopbackServer } from "./simulator-server.js";

export { JUHE_SIMULATOR_BASE_PATH, type JuheEndpoint } from "./juhe-simulator-protocol.js";

export type {
  JuheCallbackAttempt,
  JuheCallbackFields,
  JuheCallbackForgery,
  JuheFaultKind,
  JuheGameState,
  JuheRequestFaultKind,
  JuheSignedCallback,
  JuheSimulatedOrder,
  JuheSimulatedOrderState,
  JuheSimulator,
  JuheSimulatorFault,
  JuheSimulatorOptions,
  JuheSimulatorRequestRecord,
} from "./juhe-simulator-types.js";

interface FaceValueState {
  carrier: JuheCarrier;
  cardnum: number;
  inprice: string;
  cardid: string;
  cardname: string;
  available: boolean;
}

interface OrderState extends JuheSimulatedOrder {
  outcome: JuheSimulatorOutcome;
  /** Reported instead of `gameState` by `ordersta`, when set (see `setRawOrderState`). */
  rawStateOverride?: string | undefined;
  settleScheduled: boolean;
}

type Json = Record<string, unknown>;

/** What one request produced; `committed` is the order it created, if any. */
interface Answer {
  errorCode: number;
  reason: string;
  result: unknown;
  committed?: OrderState | undefined;
}

const requestFaultKinds: ReadonlySet<string> = new Set<JuheRequestFaultKind>([
  "commit-then-drop",
  "drop-before-commit",
  "delay",
  "http-500",
  "html-gateway",
  "malformed-json",
  "system-error-10014",
  "rate-limit",
  "vendor-error",
]);
const faultKinds: ReadonlySet<string> = new Set<string>([
  ...requestFaultKinds,
  "not-found-until",
  "duplicate-callback",
  "out-of-order-callback",
]);

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json;charset=utf-8";

/**
 * Creates a Juhe simulator; call `start()` before use and `close()` after. Throws
 * `ConfigurationError` for an invalid option (an empty key, a malformed amount or URL).
 */
export function createJuheSimulator(options: JuheSimulatorOptions = {}): JuheSimulator {
  const appKey = options.appKey ?? JUHE_SIMULATOR_APP_KEY;
  const openId = options.openId ?? JUHE_SIMULATOR_OPEN_ID;
  if (appKey.length === 0) throw new ConfigurationError("Juhe simulator: appKey must not be empty");
  if (openId.length === 0) throw new ConfigurationError("Juhe simulator: openId must not be empty");
  const clock = options.clock ?? systemClock;
  const settleAfterMs = nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const callbackAttempts = Math.max(
    1,
    Math.floor(nonNegative(options.callbackAttempts ?? 4, "callbackAttempts")),
  );
  const callbackRetryIntervalMs = nonNegative(
    options.callbackRetryIntervalMs ?? 20,
    "callbackRetryIntervalMs",
  );
  const callbackTimeoutMs = nonNegative(options.callbackTimeoutMs ?? 2000, "callbackTimeoutMs");
  const ack = options.callbackAck ?? "success";
  const isAcknowledged =
    typeof ack === "function"
      ? ack
      : (status: number, reply: string) => status >= 200 && status < 300 && reply.trim() === ack;
  const outcomeOf = options.outcome ?? defaultJuheOutcome;
  const notFound = options.notFound ?? juheSimulatorErrors.orderNotFound;
  const resultCardnum = options.resultCardnum ?? "quantity";
  const signCase = options.signCase ?? "lower";
  const area = options.area ?? "江苏南京";
  const uid = options.uid ?? "1000001";
  const callbackUrl = options.callbackUrl;
  if (callbackUrl !== undefined) parseUrl(callbackUrl, "callbackUrl");

  let balance: Money = amountOption(options.balance ?? "10000.00", "balance");
  let autoSettle = options.autoSettle ?? true;
  const faceValues = new Map<string, FaceValueState>();
  for (const entry of options.catalogue ?? defaultJuheSimulatorCatalogue) {
    if (!Number.isSafeInteger(entry.cardnum) || entry.cardnum <= 0) {
      throw new ConfigurationError(`Juhe simulator: cardnum ${entry.cardnum} is not a positive whole number`);
    }
    faceValues.set(faceKey(entry.carrier, entry.cardnum), {
      carrier: entry.carrier,
      cardnum: entry.cardnum,
      inprice: amountOption(entry.inprice, `inprice of ${entry.carrier} ${entry.cardnum}`).amount,
      cardid: entry.cardid,
      cardname: entry.cardname,
      available: entry.available ?? true,
    });
  }

  const orders = new Map<string, OrderState>();
  const requestLog: JuheSimulatorRequestRecord[] = [];
  const callbackLog: JuheCallbackAttempt[] = [];
  const faults = new FaultQueue<JuheSimulatorFault>();
  /** Remaining lagging `ordersta` answers per `orderid` (`not-found-until`). */
  const notFoundLag = new Map<string, number>();
  const work = new Set<Promise<unknown>>();
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: (fired: boolean) => void }>();
  const lifetime = new AbortController();
  let server: LoopbackServer | undefined;
  let state: "new" | "starting" | "running" | "closed" = "new";
  let orderSequence = 0;
  let deliverySequence = 0;

  // ---- bookkeeping -------------------------------------------------------------------------

  function track<T>(promise: Promise<T>): Promise<T> {
    work.add(promise);
    const remove = () => work.delete(promise);
    promise.then(remove, remove);
    return promise;
  }

  /** A real-time pause that `close()` cancels: resolves true when it elapsed, false when cancelled. */
  function wait(ms: number): Promise<boolean> {
    if (state === "closed") return Promise.resolve(false);
    return track(
      new Promise<boolean>((resolve) => {
        const entry: { timer: NodeJS.Timeout; resolve: (fired: boolean) => void } = {
          resolve,
          timer: setTimeout(() => {
            timers.delete(entry);
            resolve(true);
          }, ms),
        };
        timers.add(entry);
      }),
    );
  }

  function faceValueOrThrow(carrier: JuheCarrier, cardnum: number): FaceValueState {
    const entry = faceValues.get(faceKey(carrier, cardnum));
    if (!entry) throw new RangeError(`Juhe simulator: no face value ${carrier} ${cardnum}`);
    return entry;
  }

  function orderOrThrow(orderid: string): OrderState {
    const order = orders.get(orderid);
    if (!order) throw new RangeError(`Juhe simulator: no order "${orderid}"`);
    return order;
  }

  function snapshot(order: OrderState): JuheSimulatedOrder {
    const copy: JuheSimulatedOrder = {
      orderid: order.orderid,
      sporderId: order.sporderId,
      phoneno: order.phoneno,
      cardnum: order.cardnum,
      carrier: order.carrier,
      cardid: order.cardid,
      cardname: order.cardname,
      ordercash: order.ordercash,
      state: order.state,
      gameState: order.gameState,
      createdAt: order.createdAt,
    };
    if (order.finishedAt !== undefined) copy.finishedAt = order.finishedAt;
    return copy;
  }

  function isFinal(order: OrderState): boolean {
    return order.state !== "processing";
  }

  // ---- wire formats ------------------------------------------------------------------------

  function resultCardnumOf(order: OrderState): string {
    return resultCardnum === "quantity" ? "1" : String(order.cardnum);
  }

  /** The order fields of `onlineorder` and `ordersta` results (§4); `ordersta` adds `uordercash`. */
  function orderJson(order: OrderState, gameState: string): Json {
    return {
      cardid: order.cardid,
      cardnum: resultCardnumOf(order),
      ordercash: Number(order.ordercash),
      cardname: order.cardname,
      sporder_id: order.sporderId,
      uorderid: order.orderid,
      game_userid: order.phoneno,
      game_state: gameState,
    };
  }

  function callbackFields(order: OrderState): JuheCallbackFields {
    return { sporder_id: order.sporderId, orderid: order.orderid, sta: order.gameState };
  }

  function signCallback(fields: Readonly<Record<string, string>>): JuheSignedCallback {
    const { sign: _ignored, ...rest } = fields;
    const sign = juheCallbackSign(appKey, rest.sporder_id ?? "", rest.orderid ?? "");
    const signed: Record<string, string> = { ...rest, sign };
    return { fields: signed, sign, form: new URLSearchParams(signed).toString() };
  }

  // ---- the endpoints -----------------------------------------------------------------------

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on("error", () => {});
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const endpoint = url.pathname.startsWith(JUHE_SIMULATOR_BASE_PATH)
      ? url.pathname.slice(JUHE_SIMULATOR_BASE_PATH.length)
      : "";
    if (!juheEndpoints.has(endpoint)) {
      send(response, 404, "text/html", "<html><body><h1>404 Not Found</h1></body></html>");
      return;
    }
    if (request.method !== "GET" && request.method !== "POST") {
      response.setHeader("allow", "GET, POST");
      send(response, 405, "text/plain; charset=utf-8", "Method Not Allowed");
      return;
    }
    const raw = await readRequestBody(request);
    if (raw === undefined) {
      send(response, 413, "text/plain; charset=utf-8", "Request Entity Too Large");
      return;
    }
    const parameters = juheParameters(url.searchParams, raw, request.headers["content-type"]);
    const orderid = parameters.orderid;
    const record: JuheSimulatorRequestRecord = {
      endpoint: endpoint as JuheEndpoint,
      httpMethod: request.method,
      parameters: { ...parameters },
      orderid,
      signatureValid: authenticates(endpoint as JuheEndpoint, parameters),
      at: clock.now(),
    };
    requestLog.push(record);

    const fault = faults.take(
      (candidate) =>
        requestFaultKinds.has(candidate.kind) &&
        faultMatchesMethod(candidate, endpoint) &&
        (candidate.orderid === undefined || candidate.orderid === orderid),
    );
    if (fault) {
      record.fault = fault.kind;
      if (fault.kind !== "delay" && fault.delayMs && !(await wait(fault.delayMs))) return;
      switch (fault.kind) {
        case "drop-before-commit":
          request.socket.destroy();
          return;
        case "http-500":
          record.httpStatus = 500;
          if (fault.bodyFormat === "text")
            send(response, 500, "text/plain; charset=utf-8", "Internal Server Error");
          else send(response, 500, JSON_TYPE, '{"status":500,"error":"Internal Server Error"}');
          return;
        case "html-gateway":
          record.httpStatus = 502;
          send(response, 502, "text/html", NGINX_502);
          return;
        case "rate-limit":
        case "vendor-error": {
          const fallback =
            fault.kind === "rate-limit" ? juheSimulatorErrors.rateLimited : juheSimulatorErrors.maintenance;
          const code = fault.code ?? fallback.code;
          record.httpStatus = 200;
          record.errorCode = code;
          send(response, 200, JSON_TYPE, juheEnvelope(fault.reason ?? fallback.reason, null, code));
          return;
        }
        case "system-error-10014":
          if (fault.committed === false) {
            record.httpStatus = 200;
            record.errorCode = juheSimulatorErrors.systemError.code;
            send(response, 200, JSON_TYPE, systemErrorBody());
            return;
          }
          break;
        default:
          break;
      }
    }

    const answer = runEndpoint(endpoint as JuheEndpoint, parameters);
    record.errorCode = answer.errorCode;
    if (answer.committed) await deliverEarlyCallback(answer.committed);
    let text = juheEnvelope(answer.reason, answer.result, answer.errorCode);
    switch (fault?.kind) {
      case "commit-then-drop":
        request.socket.destroy();
        return;
      case "delay":
        if (!(await wait(fault.delayMs ?? 1000))) return;
        break;
      case "malformed-json":
        text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
        break;
      case "system-error-10014":
        record.errorCode = juheSimulatorErrors.systemError.code;
        text = systemErrorBody();
        break;
      default:
        break;
    }
    record.httpStatus = 200;
    send(response, 200, JSON_TYPE, text);
  }

  function systemErrorBody(): string {
    return juheEnvelope(juheSimulatorErrors.systemError.reason, null, juheSimulatorErrors.systemError.code);
  }

  function signMatches(expected: string, received: string | undefined): boolean {
    if (received === undefined) return false;
    return signCase === "any" ? safeEqual(expected, received.toLowerCase()) : safeEqual(expected, received);
  }

  function keyMatches(parameters: Record<string, string>): boolean {
    return parameters.key !== undefined && safeEqual(appKey, parameters.key);
  }

  function orderSignMatches(parameters: Record<string, string>): boolean {
    const expected = juheOrderSign(
      openId,
      parameters.key ?? "",
      parameters.phoneno ?? "",
      parameters.cardnum ?? "",
      parameters.orderid ?? "",
    );
    return signMatches(expected, parameters.sign);
  }

  function balanceSignMatches(parameters: Record<string, string>): boolean {
    const expected = juheBalanceSign(openId, parameters.key ?? "", parameters.timestamp ?? "");
    return signMatches(expected, parameters.sign);
  }

  function authenticates(endpoint: JuheEndpoint, parameters: Record<string, string>): boolean {
    if (!keyMatches(parameters)) return false;
    if (endpoint === "onlineorder") return orderSignMatches(parameters);
    if (endpoint === "yue") return balanceSignMatches(parameters);
    return true;
  }

  /** Runs one endpoint. Never throws: vendor errors become their envelope. */
  function runEndpoint(endpoint: JuheEndpoint, parameters: Record<string, string>): Answer {
    const context: { committed?: OrderState } = {};
    try {
      if (!keyMatches(parameters)) throw new JuheRejection(juheSimulatorErrors.badKey);
      switch (endpoint) {
        case "telcheck":
          lookUp(parameters, "");
          return { errorCode: 0, reason: "允许充值的手机号码及金额", result: null };
        case "telquery": {
          const entry = lookUp(parameters, "");
          return {
            errorCode: 0,
            reason: "成功",
            result: {
              cardid: entry.cardid,
              cardname: entry.cardname,
              inprice: Number(entry.inprice),
              game_area: `${area}${entry.carrier}`,
            },
          };
        }
        case "onlineorder": {
          const result = placeOrder(parameters, context);
          return { errorCode: 0, reason: "订单提交成功，等待充值", result, committed: context.committed };
        }
        case "ordersta":
          return { errorCode: 0, reason: "查询成功", result: queryOrder(parameters.orderid) };
        // `{uid, money}` as one public integration models it [M]; `money` written like `uordercash`
        // ("5.000", three decimals) [?].
        case "yue":
          if (!balanceSignMatches(parameters)) throw new JuheRejection(juheSimulatorErrors.badSign);
          return { errorCode: 0, reason: "查询成功", result: { uid, money: threeDecimals(balance.amount) } };
        case "orderlist":
          return { errorCode: 0, reason: "查询成功", result: [...orders.values()].map(orderListRow) };
      }
    } catch (error) {
      const failure =
        error instanceof JuheRejection
          ? { code: error.code, reason: error.message }
          : juheSimulatorErrors.systemError;
      return { errorCode: failure.code, reason: failure.reason, result: null, committed: context.committed };
    }
  }

  /** Validates `phoneno` and `cardnum` and finds the face value (telcheck, telquery, onlineorder). */
  function lookUp(
    parameters: Record<string, string>,
    orderid: string,
  ): FaceValueState & { outcome: JuheSimulatorOutcome } {
    const phoneno = parameters.phoneno ?? "";
    const cardnumText = parameters.cardnum ?? "";
    if (!/^1\d{10}$/.test(phoneno)) throw new JuheRejection(juheSimulatorErrors.badPhone);
    if (!/^[1-9]\d{0,5}$/.test(cardnumText)) throw new JuheRejection(juheSimulatorErrors.badCardnum);
    const cardnum = Number(cardnumText);
    const carrier = juheSimulatorCarrierOf(phoneno);
    if (!carrier) throw new JuheRejection(juheSimulatorErrors.notAllowed);
    const entry = faceValues.get(faceKey(carrier, cardnum));
    if (!entry) throw new JuheRejection(juheSimulatorErrors.notAllowed);
    if (!entry.available) throw new JuheRejection(juheSimulatorErrors.carrierMaintenance);
    const outcome = outcomeOf({ phoneno, cardnum, orderid, carrier });
    if (outcome === "refused") throw new JuheRejection(juheSimulatorErrors.notAllowed);
    return { ...entry, outcome };
  }

  function placeOrder(parameters: Record<string, string>, context: { committed?: OrderState }): Json {
    if (!parameters.sign || !orderSignMatches(parameters))
      throw new JuheRejection(juheSimulatorErrors.badSign);
    const orderid = parameters.orderid ?? "";
    if (orderid.length === 0) throw new JuheRejection(juheSimulatorErrors.badOrderId);
    if (!/^[A-Za-z0-9]{8,32}$/.test(orderid)) throw new JuheRejection(juheSimulatorErrors.orderIdFormat);
    // A re-sent orderid is refused before anything else about the order; nothing is created.
    if (orders.has(orderid)) throw new JuheRejection(juheSimulatorErrors.duplicateOrder);
    const entry = lookUp(parameters, orderid);
    const price = money(entry.inprice, "CNY");
    if (compareMoney(balance, price) < 0) throw new JuheRejection(juheSimulatorErrors.insufficientBalance);

    balance = subtractMoney(balance, price);
    const createdAt = clock.now();
    orderSequence += 1;
    const order: OrderState = {
      orderid,
      sporderId: `${formatDateTime(createdAt).replace(/\D/g, "")}${String(orderSequence).padStart(3, "0")}`,
      phoneno: parameters.phoneno ?? "",
      cardnum: entry.cardnum,
      carrier: entry.carrier,
      cardid: entry.cardid,
      cardname: entry.cardname,
      ordercash: price.amount,
      state: "processing",
      gameState: "0",
      createdAt,
      outcome: entry.outcome,
      settleScheduled: false,
    };
    orders.set(orderid, order);
    context.committed = order;
    const lag = faults.take(
      (candidate) =>
        candidate.kind === "not-found-until" &&
        (candidate.orderid === undefined || candidate.orderid === orderid),
    );
    if (lag) notFoundLag.set(orderid, lag.queries ?? 2);
    scheduleSettle(order);
    // Every new order answers game_state 0 ("刚提交都返回0").
    return orderJson(order, "0");
  }

  function queryOrder(orderid: string | undefined): Json {
    if (!orderid) throw new JuheRejection(juheSimulatorErrors.badOrderId);
    const order = orders.get(orderid);
    if (!order) throw new JuheRejection(notFound);
    const lag = notFoundLag.get(orderid) ?? 0;
    if (lag > 0) {
      notFoundLag.set(orderid, lag - 1);
      throw new JuheRejection(notFound);
    }
    return {
      ...orderJson(order, order.rawStateOverride ?? order.gameState),
      uordercash: threeDecimals(order.ordercash),
    };
  }

  /** One `orderlist` row [?]: the order fields, `uordercash` and `addtime`. */
  function orderListRow(order: OrderState): Json {
    return {
      sporder_id: order.sporderId,
      uorderid: order.orderid,
      cardid: order.cardid,
      cardnum: resultCardnumOf(order),
      uordercash: threeDecimals(order.ordercash),
      cardname: order.cardname,
      game_state: order.gameState,
      game_userid: order.phoneno,
      addtime: formatDateTime(order.createdAt),
    };
  }

  // ---- settling and callbacks --------------------------------------------------------------

  function scheduleSettle(order: OrderState): void {
    if (!autoSettle || order.outcome === "pending" || order.settleScheduled || isFinal(order)) return;
    if (state === "closed") return;
    order.settleScheduled = true;
    void wait(settleAfterMs).then((fired) => {
      order.settleScheduled = false;
      if (!fired || !autoSettle || isFinal(order)) return;
      finalize(order, order.outcome === "failed" ? "failed" : "success");
    });
  }

  function finalize(
    order: OrderState,
    final: "success" | "failed",
  ): Promise<JuheCallbackAttempt[]> | undefined {
    order.state = final;
    order.gameState = final === "success" ? "1" : "9";
    order.finishedAt = clock.now();
    if (final === "failed") balance = addMoney(balance, money(order.ordercash, "CNY"));
    if (callbackUrl === undefined) return undefined;
    return dispatchCallback(signCallback(callbackFields(order)).fields, callbackUrl, "final");
  }

  /** `out-of-order-callback` in `before-answer` mode: settle now and deliver before answering. */
  async function deliverEarlyCallback(order: OrderState): Promise<void> {
    const early = faults.take(
      (candidate) =>
        candidate.kind === "out-of-order-callback" &&
        candidate.mode === "before-answer" &&
        (candidate.orderid === undefined || candidate.orderid === order.orderid),
    );
    if (!early || isFinal(order)) return;
    await finalize(order, order.outcome === "failed" ? "failed" : "success");
  }

  /** Delivers one callback, plus the duplicate / stale copies queued faults ask for. */
  function dispatchCallback(
    signed: Readonly<Record<string, string>>,
    url: string,
    reason: "final" | "manual" | "forged",
  ): Promise<JuheCallbackAttempt[]> {
    const orderid = signed.orderid ?? "";
    const forOrder = (kind: JuheFaultKind) => (candidate: JuheSimulatorFault) =>
      candidate.kind === kind &&
      candidate.mode !== "before-answer" &&
      (candidate.orderid === undefined || candidate.orderid === orderid);
    const duplicate = reason === "forged" ? undefined : faults.take(forOrder("duplicate-callback"));
    const stale = reason === "final" ? faults.take(forOrder("out-of-order-callback")) : undefined;
    const run = async () => {
      const attempts = await deliver(signed, url, reason);
      if (duplicate) attempts.push(...(await deliver(signed, url, "duplicate")));
      if (stale) {
        // The sign covers sporder_id and orderid only, so the stale copy keeps the genuine sign.
        attempts.push(...(await deliver({ ...signed, sta: stale.staleSta ?? "0" }, url, "stale")));
      }
      return attempts;
    };
    return track(run());
  }

  async function deliver(
    fields: Readonly<Record<string, string>>,
    url: string,
    reason: JuheCallbackAttempt["reason"],
  ): Promise<JuheCallbackAttempt[]> {
    deliverySequence += 1;
    const deliveryId = deliverySequence;
    const body = new URLSearchParams(fields).toString();
    const attempts: JuheCallbackAttempt[] = [];
    await deliverCallback(
      { url, body, contentType: FORM },
      {
        attempts: callbackAttempts,
        intervalMs: callbackRetryIntervalMs,
        timeoutMs: callbackTimeoutMs,
        isAcknowledged,
        signal: lifetime.signal,
        onAttempt(outcome) {
          const attempt: JuheCallbackAttempt = {
            ...outcome,
            deliveryId,
            reason,
            orderid: fields.orderid ?? "",
            sta: fields.sta ?? "",
            url,
            contentType: FORM,
            body,
            at: clock.now(),
          };
          callbackLog.push(attempt);
          attempts.push(attempt);
        },
      },
    );
    return attempts;
  }

  function callbackTarget(url: string | undefined): string {
    const target = url ?? callbackUrl;
    if (target === undefined)
      throw new Error("Juhe simulator: no callback URL (set the callbackUrl option or pass url)");
    parseUrl(target, "url");
    return target;
  }

  function forge(orderid: string, forgery: JuheCallbackForgery): Record<string, string> {
    if (forgery === "unknown-order") {
      const sporderId = `${formatDateTime(clock.now()).replace(/\D/g, "")}999`;
      return { ...signCallback({ sporder_id: sporderId, orderid, sta: "1" }).fields };
    }
    const genuine = signCallback(callbackFields(orderOrThrow(orderid))).fields;
    switch (forgery) {
      case "bad-sign":
        return { ...genuine, sign: md5Hex(`forged:${genuine.sign}`) };
      case "wrong-key":
        return {
          ...genuine,
          sign: juheCallbackSign(`not-${appKey}`, genuine.sporder_id ?? "", genuine.orderid ?? ""),
        };
      case "missing-sign": {
        const { sign: _dropped, ...unsigned } = genuine;
        return unsigned;
      }
      case "flipped-sta":
        return { ...genuine, sta: genuine.sta === "1" ? "9" : "1" };
    }
  }

  // ---- the public object -------------------------------------------------------------------

  const simulator: JuheSimulator = {
    async start() {
      if (state !== "new") throw new Error(`Juhe simulator: start() called when ${state}`);
      state = "starting";
      try {
        server = await startLoopbackServer(handle, { port: options.port });
      } catch (error) {
        state = "new";
        throw error;
      }
      state = "running";
    },

    async close() {
      if (state === "closed") return;
      state = "closed";
      lifetime.abort(new Error("the Juhe simulator was closed"));
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve(false);
      }
      timers.clear();
      await server?.close();
      await Promise.allSettled([...work]);
    },

    get url() {
      return `${running().origin}${JUHE_SIMULATOR_BASE_PATH}`;
    },
    get port() {
      return running().port;
    },
    get appKey() {
      return appKey;
    },
    get openId() {
      return openId;
    },

    orders: () => [...orders.values()].map(snapshot),
    order(orderid) {
      const order = orders.get(orderid);
      return order ? snapshot(order) : undefined;
    },
    requests: (endpoint) =>
      requestLog
        .filter((record) => endpoint === undefined || record.endpoint === endpoint)
        .map((record) => ({ ...record, parameters: { ...record.parameters } })),
    callbacks: (orderid) =>
      callbackLog
        .filter((attempt) => orderid === undefined || attempt.orderid === orderid)
        .map((attempt) => ({ ...attempt })),
    balance: () => balance.amount,
    setBalance(amount) {
      balance = amountOption(amount, "balance");
    },
    faceValues: () => [...faceValues.values()].map((entry) => ({ ...entry })),
    setInprice(carrier, cardnum, inprice) {
      faceValueOrThrow(carrier, cardnum).inprice = amountOption(inprice, "inprice").amount;
    },
    setAvailable(carrier, cardnum, available) {
      faceValueOrThrow(carrier, cardnum).available = available;
    },

    completeOrder(orderid, final) {
      const order = orderOrThrow(orderid);
      if (isFinal(order))
        throw new RangeError(`Juhe simulator: order "${orderid}" is already ${order.state}`);
      void finalize(order, final);
      return snapshot(order);
    },

    setRawOrderState(orderid, raw) {
      orderOrThrow(orderid).rawStateOverride = raw;
    },

    setAutoSettle(enabled) {
      autoSettle = enabled;
      if (enabled) for (const order of orders.values()) scheduleSettle(order);
    },

    injectFault(fault) {
      if (!faultKinds.has(fault.kind))
        throw new RangeError(`Juhe simulator: unknown fault kind "${fault.kind}"`);
      if (fault.method !== undefined && !juheEndpoints.has(fault.method)) {
        throw new RangeError(`Juhe simulator: unknown endpoint "${fault.method}"`);
      }
      if (fault.delayMs !== undefined && !(Number.isFinite(fault.delayMs) && fault.delayMs >= 0)) {
        throw new RangeError("Juhe simulator: delayMs must be 0 or more");
      }
      if (fault.queries !== undefined && !(Number.isSafeInteger(fault.queries) && fault.queries >= 0)) {
        throw new RangeError("Juhe simulator: queries must be a whole number of 0 or more");
      }
      if (fault.code !== undefined && !Number.isSafeInteger(fault.code)) {
        throw new RangeError("Juhe simulator: code must be a whole number");
      }
      if (fault.mode !== undefined && fault.mode !== "stale-after-final" && fault.mode !== "before-answer") {
        throw new RangeError(`Juhe simulator: unknown out-of-order-callback mode "${String(fault.mode)}"`);
      }
      const existing = fault.orderid === undefined ? undefined : orders.get(fault.orderid);
      if (fault.kind === "not-found-until" && existing) {
        // The order already exists: its lag starts now.
        notFoundLag.set(existing.orderid, fault.queries ?? 2);
        return;
      }
      faults.push(fault);
    },
    pendingFaults: () => faults.pending(),
    clearFaults() {
      faults.clear();
    },

    sendCallback(orderid, overrides = {}, callOptions = {}) {
      try {
        const order = orderOrThrow(orderid);
        const url = callbackTarget(callOptions.url);
        const { sign, ...fieldOverrides } = overrides;
        const fields: Record<string, string> = { ...callbackFields(order) };
        for (const [name, value] of Object.entries(fieldOverrides))
          if (value !== undefined) fields[name] = value;
        const signed = sign === undefined ? signCallback(fields).fields : { ...fields, sign };
        return dispatchCallback(signed, url, "manual");
      } catch (error) {
        return Promise.reject(error);
      }
    },

    sendForgedCallback(orderid, forgery = "bad-sign", callOptions = {}) {
      try {
        const url = callbackTarget(callOptions.url);
        return dispatchCallback(forge(orderid, forgery), url, "forged");
      } catch (error) {
        return Promise.reject(error);
      }
    },

    signCallback,

    async idle() {
      while (work.size > 0) await Promise.allSettled([...work]);
    },
  };

  function running(): LoopbackServer {
    if (!server || state !== "running") throw new Error("Juhe simulator: not running (call start() first)");
    return server;
  }

  return simulator;
}

// ---- helpers -----------------------------------------------------------------------------------

function faceKey(carrier: JuheCarrier, cardnum: number): string {
  return `${carrier}:${cardnum}`;
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  if (response.destroyed || response.socket?.destroyed) return;
  response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

function amountOption(amount: string, name: string): Money {
  try {
    return money(amount, "CNY");
  } catch {
    throw new ConfigurationError(
      `Juhe simulator: ${name} "${amount}" is not a decimal amount in 元 such as "100.00"`,
    );
  }
}

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new ConfigurationError(`Juhe simulator: ${name} must be a number of 0 or more`);
  }
  return value;
}

function parseUrl(url: string, name: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ConfigurationError(`Juhe simulator: ${name} "${url}" is not a URL`);
  }
}
