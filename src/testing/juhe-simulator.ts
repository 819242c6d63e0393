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
import { CallbackRecorder, callbackRetrySettings } from "./simulator-callbacks.js";
import {
  FaultQueue,
  type Http500Style,
  QueryLag,
  RequestFaults,
  SHARED_REQUEST_FAULT_KINDS,
} from "./simulator-faults.js";
import { AutoSettle, SimulatorLifecycle, SimulatorLog } from "./simulator-lifecycle.js";
import { simulatorChecks } from "./simulator-options.js";
import { readBodyOr413, sendMethodNotAllowed, sendResponse } from "./simulator-server.js";

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
  ...SHARED_REQUEST_FAULT_KINDS,
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
const checks = simulatorChecks("Juhe");
const HTTP_500: Http500Style = {
  defaultFormat: "json",
  jsonContentType: JSON_TYPE,
  textContentType: "text/plain; charset=utf-8",
};

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
  const settleAfterMs = checks.nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const callbackRetry = callbackRetrySettings(options, checks.nonNegative);
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
  if (callbackUrl !== undefined) checks.url(callbackUrl, "callbackUrl");

  let balance: Money = amountOption(options.balance ?? "10000.00", "balance");
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
  const lifecycle = new SimulatorLifecycle("Juhe");
  const requestLog = new SimulatorLog<JuheSimulatorRequestRecord>((record) => ({
    ...record,
    parameters: { ...record.parameters },
  }));
  const callbackLog = new CallbackRecorder<JuheCallbackAttempt>({
    ...callbackRetry,
    isAcknowledged,
    signal: lifecycle.signal,
    now: () => clock.now(),
  });
  const settling = new AutoSettle<OrderState>(lifecycle, {
    enabled: options.autoSettle ?? true,
    delayOf: () => settleAfterMs,
    isFinal,
    settle: (order) => finalize(order, order.outcome === "failed" ? "failed" : "success"),
  });
  const faults = new FaultQueue<JuheSimulatorFault>();
  const requestFaults = new RequestFaults({
    queue: faults,
    kinds: requestFaultKinds,
    orderOf: (fault) => fault.orderid,
    http500: HTTP_500,
    wait: (ms) => lifecycle.wait(ms),
  });
  /** Lagging `ordersta` answers per `orderid` (`not-found-until`). */
  const notFoundLag = new QueryLag();
  let orderSequence = 0;

  // ---- bookkeeping -------------------------------------------------------------------------

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
      sendResponse(response, 404, "text/html", "<html><body><h1>404 Not Found</h1></body></html>");
      return;
    }
    if (request.method !== "GET" && request.method !== "POST") {
      sendMethodNotAllowed(response, "GET, POST");
      return;
    }
    const raw = await readBodyOr413(request, response);
    if (raw === undefined) return;
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

    const exchange = { request, response, record };
    const { fault, finished } = await requestFaults.open(exchange, endpoint, orderid);
    if (finished) return;
    switch (fault?.kind) {
      case "rate-limit":
      case "vendor-error": {
        const fallback =
          fault.kind === "rate-limit" ? juheSimulatorErrors.rateLimited : juheSimulatorErrors.maintenance;
        const code = fault.code ?? fallback.code;
        record.httpStatus = 200;
        record.errorCode = code;
        sendResponse(response, 200, JSON_TYPE, juheEnvelope(fault.reason ?? fallback.reason, null, code));
        return;
      }
      case "system-error-10014":
        if (fault.committed === false) {
          record.httpStatus = 200;
          record.errorCode = juheSimulatorErrors.systemError.code;
          sendResponse(response, 200, JSON_TYPE, systemErrorBody());
          return;
        }
        break;
      default:
        break;
    }

    const answer = runEndpoint(endpoint as JuheEndpoint, parameters);
    record.errorCode = answer.errorCode;
    if (answer.committed) await deliverEarlyCallback(answer.committed);
    let text = juheEnvelope(answer.reason, answer.result, answer.errorCode);
    if (fault?.kind === "system-error-10014") {
      record.errorCode = juheSimulatorErrors.systemError.code;
      text = systemErrorBody();
    }
    await requestFaults.send(fault, exchange, JSON_TYPE, text);
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
    if (lag) notFoundLag.start(orderid, lag.queries);
    settling.schedule(order);
    // Every new order answers game_state 0 ("刚提交都返回0").
    return orderJson(order, "0");
  }

  function queryOrder(orderid: string | undefined): Json {
    if (!orderid) throw new JuheRejection(juheSimulatorErrors.badOrderId);
    const order = orders.get(orderid);
    if (!order || notFoundLag.lagging(orderid)) throw new JuheRejection(notFound);
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
    return lifecycle.track(run());
  }

  function deliver(
    fields: Readonly<Record<string, string>>,
    url: string,
    reason: JuheCallbackAttempt["reason"],
  ): Promise<JuheCallbackAttempt[]> {
    const body = new URLSearchParams(fields).toString();
    return callbackLog.deliver({ url, body, contentType: FORM }, reason, () => ({
      orderid: fields.orderid ?? "",
      sta: fields.sta ?? "",
    }));
  }

  function callbackTarget(url: string | undefined): string {
    const target = url ?? callbackUrl;
    if (target === undefined)
      throw new Error("Juhe simulator: no callback URL (set the callbackUrl option or pass url)");
    checks.url(target, "url");
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
    ...lifecycle.controls(handle, options),
    get url() {
      return `${lifecycle.running().origin}${JUHE_SIMULATOR_BASE_PATH}`;
    },
    get port() {
      return lifecycle.running().port;
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
    requests: (endpoint) => requestLog.select("endpoint", endpoint),
    callbacks: (orderid) => callbackLog.select("orderid", orderid),
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
      settling.set(enabled, orders.values());
    },

    injectFault(fault) {
      checks.faultKind(faultKinds, fault);
      if (fault.method !== undefined && !juheEndpoints.has(fault.method)) {
        throw new RangeError(`Juhe simulator: unknown endpoint "${fault.method}"`);
      }
      checks.faultTiming(fault);
      checks.faultCode(fault);
      if (fault.mode !== undefined && fault.mode !== "stale-after-final" && fault.mode !== "before-answer") {
        throw new RangeError(`Juhe simulator: unknown out-of-order-callback mode "${String(fault.mode)}"`);
      }
      const existing = fault.orderid === undefined ? undefined : orders.get(fault.orderid);
      if (fault.kind === "not-found-until" && existing) {
        // The order already exists: its lag starts now.
        notFoundLag.start(existing.orderid, fault.queries);
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
  };

  return simulator;
}

// ---- helpers -----------------------------------------------------------------------------------

function faceKey(carrier: JuheCarrier, cardnum: number): string {
  return `${carrier}:${cardnum}`;
}

function amountOption(amount: string, name: string): Money {
  return checks.amount(amount, name, "100.00");
}
