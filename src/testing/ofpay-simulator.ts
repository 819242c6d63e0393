/**
 * An in-process OFPay 欧飞 supplier that speaks the vendor's wire protocol (vendor-protocols.md §5):
 * `.do` endpoints taking GET query parameters (or a POST form) with `version=6.0`, the merchant
 * identified by `userid` (an SP code starting with `A`) and `userpws` (md5 of the login password,
 * 32 lowercase hex), orders and order queries signed with an upper-case MD5 over concatenated
 * fields plus a `KeyStr` that is never sent, answers as GB2312 XML (or JSON with `format=json`),
 * a plain-text state from `api/query.do`, and **unsigned** callbacks to the order's `ret_url`
 * that are retried until the merchant answers `OK`.
 *
 * Merchants test their own integration against it; kaquan's OFPay adapter tests use it too. On top
 * of the protocol it offers scripted faults (a dropped connection after the order is committed, a
 * committed order answered with a system error, gateway pages, rate limits, duplicate, stale or
 * forged callbacks, …) and an inspection API to check that an order was placed exactly once and
 * what every callback claimed. It listens on 127.0.0.1 only and prints nothing.
 *
 * OFPay's retcode appendix is not public: the simulator answers with kaquan's assumed codes
 * (`OFPAY_RETCODES` in adapters/ofpay/ofpay-tables.ts): 1 success, 1001 unknown userid, 1002 wrong
 * userpws, 1003 bad md5_str, 1004 bad parameter, 1005 number not supported, 1006 face value or
 * cardid not sold, 1007 insufficient balance, 1008 duplicate sporder_id, 1009 order not found,
 * 1010 rate limited, 9999 system error. Every other unconfirmed behaviour is an option.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  OFPAY_API_VERSION,
  OFPAY_CALLBACK_ACK,
  OFPAY_DEFAULT_MCTYPE,
  OFPAY_RETCODES,
  OFPAY_SLOW_MCTYPES,
  ofpayCardidSpeeds,
  ofpayErrorMessages,
} from "../../adapters/ofpay/ofpay-tables.js";
import {
  addMoney,
  ConfigurationError,
  compareMoney,
  type Money,
  money,
  subtractMoney,
} from "../core/index.js";
import { systemClock } from "../runtime/clock.js";
import { md5Hex, safeEqual } from "../runtime/signing.js";
import {
  defaultOfpayNumberSegments,
  defaultOfpayOutcome,
  defaultOfpaySimulatorCatalogue,
  OFPAY_SIMULATOR_KEY_STR,
  OFPAY_SIMULATOR_PASSWORD,
  OFPAY_SIMULATOR_USER_ID,
  OFPAY_UNKNOWN_SEGMENT,
  type OfpayCarrier,
  type OfpayNumberSegment,
  type OfpaySimulatorOutcome,
  type OfpaySimulatorProduct,
  ofpayCarrierOf,
} from "./ofpay-simulator-catalogue.js";
import {
  OFPAY_SIMULATOR_ENDPOINTS,
  type OfpayBillRow,
  type OfpayCallbackAttempt,
  type OfpayCallbackFields,
  type OfpayEndpoint,
  type OfpayFaultKind,
  type OfpayRequestFaultKind,
  type OfpaySimulatedOrder,
  type OfpaySimulator,
  type OfpaySimulatorFault,
  type OfpaySimulatorOptions,
  type OfpaySimulatorRequestRecord,
} from "./ofpay-simulator-types.js";
import {
  encodeOfpayForm,
  encodeOfpayText,
  formatOfpayTime,
  type OfpayDocument,
  type OfpayDocumentValue,
  ofpayBillMd5,
  ofpayOrderMd5,
  ofpayQueryOrderMd5,
  parseOfpayTime,
  renderOfpayJson,
  renderOfpayXml,
} from "./ofpay-simulator-wire.js";
import { CallbackRecorder, callbackRetrySettings } from "./simulator-callbacks.js";
import {
  FaultQueue,
  faultMatchesMethod,
  type Http500Style,
  QueryLag,
  RequestFaults,
  SHARED_REQUEST_FAULT_KINDS,
  sendRetryAfter,
} from "./simulator-faults.js";
import { AutoSettle, SimulatorLifecycle, SimulatorLog } from "./simulator-lifecycle.js";
import { simulatorChecks } from "./simulator-options.js";
import { readBodyOr413, sendMethodNotAllowed, sendResponse } from "./simulator-server.js";

interface OrderState extends OfpaySimulatedOrder {
  outcome: OfpaySimulatorOutcome;
  /** Reported instead of `gameState` by queries, when set (see `setRawOrderState`). */
  rawStateOverride?: string | undefined;
  settleScheduled: boolean;
}

interface ProductState {
  cardid: string;
  speed: "fast" | "slow";
  faceValue: string;
  price: string;
  name?: string | undefined;
}

/** A vendor error answer; thrown inside an endpoint, turned into an error document. */
class OfpayRejection extends Error {
  constructor(
    readonly retcode: string,
    message?: string,
  ) {
    super(message ?? ofpayErrorMessages[retcode] ?? "未知错误");
  }
}

type Reply = { kind: "document"; document: OfpayDocument; retcode: string } | { kind: "text"; text: string };

const requestFaultKinds: ReadonlySet<string> = new Set<OfpayRequestFaultKind>([
  ...SHARED_REQUEST_FAULT_KINDS,
  "system-error",
  "rate-limit",
]);
const faultKinds: ReadonlySet<string> = new Set<string>([
  ...requestFaultKinds,
  "not-found-until",
  "duplicate-callback",
  "out-of-order-callback",
  "forged-callback",
]);
const endpoints: ReadonlySet<string> = new Set<string>(OFPAY_SIMULATOR_ENDPOINTS);

/** The XML root of each endpoint's answer [?] (only `orderinfo` and `userinfo` are seen in integrations). */
const rootElements: Readonly<Record<OfpayEndpoint, string>> = {
  "onlineorder.do": "orderinfo",
  "queryOrderInfo.do": "orderinfo",
  "api/query.do": "orderinfo",
  "queryuserinfo.do": "userinfo",
  "telcheck.do": "cardinfo",
  "telquery.do": "cardinfo",
  "mobinfo.do": "cardinfo",
  "querybill.do": "billinfo",
};
/** Fields sent as JSON numbers with `jsonValueTypes: "number"`. */
const numericFields: ReadonlySet<string> = new Set([
  "retcode",
  "game_state",
  "cardnum",
  "ordercash",
  "inprice",
  "ret_leftcredit",
]);
const noNumericFields: ReadonlySet<string> = new Set();

const PLAIN_TEXT = "text/plain;charset=UTF-8";
/** OFPay's `http-500` fault answers plain text unless asked for JSON. */
const HTTP_500: Http500Style = {
  defaultFormat: "text",
  jsonContentType: "application/json;charset=UTF-8",
  textContentType: PLAIN_TEXT,
};
const MAINTENANCE_MESSAGE = "运营商地区维护，暂不能充值";
const checks = simulatorChecks("OFPay");

/**
 * Creates an OFPay simulator; call `start()` before use and `close()` after. Throws
 * `ConfigurationError` for an invalid option (a `userId` not starting with `A`, a malformed amount).
 */
export function createOfpaySimulator(options: OfpaySimulatorOptions = {}): OfpaySimulator {
  const userId = options.userId ?? OFPAY_SIMULATOR_USER_ID;
  if (!/^A\w+$/.test(userId)) {
    throw new ConfigurationError('OFPay simulator: userId must be an SP code starting with "A"');
  }
  const password = options.password ?? OFPAY_SIMULATOR_PASSWORD;
  if (password.length === 0) throw new ConfigurationError("OFPay simulator: password must not be empty");
  const keyStr = options.keyStr ?? OFPAY_SIMULATOR_KEY_STR;
  if (keyStr.length === 0) throw new ConfigurationError("OFPay simulator: keyStr must not be empty");
  const userpws = md5Hex(password);
  const accountName = options.accountName ?? "欧飞模拟商户";
  const clock = options.clock ?? systemClock;
  const settleAfterMs = checks.nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const slowSettleAfterMs = checks.nonNegative(options.slowSettleAfterMs ?? 80, "slowSettleAfterMs");
  const outcomeOf = options.outcome ?? defaultOfpayOutcome;
  const failureMessage = options.failureMessage ?? "运营商充值失败";
  const defaultFormat = options.defaultFormat ?? "xml";
  const charset = options.charset ?? "GB2312";
  const jsonNumbers = options.jsonValueTypes === "number" ? numericFields : noNumericFields;
  const md5Case = options.md5Case ?? "upper";
  const billMd5Case = options.billMd5Case ?? "upper";
  const callbackUrl = options.callbackUrl;
  if (callbackUrl !== undefined) checks.url(callbackUrl, "callbackUrl");
  const callbackAck = options.callbackAck ?? OFPAY_CALLBACK_ACK;
  const callbackRetry = callbackRetrySettings(options, checks.nonNegative);
  const callbackCharset = options.callbackCharset ?? "UTF-8";
  const callbackTimeFormat = options.callbackTimeFormat ?? "compact";
  const callbackSignature = options.callbackSignature ?? "none";
  const segments: Record<string, OfpayNumberSegment> = {
    ...defaultOfpayNumberSegments,
    ...options.numberSegments,
  };

  let balance: Money = checks.amount(options.balance ?? "10000.00", "balance");
  const products: ProductState[] = (options.catalogue ?? defaultOfpaySimulatorCatalogue).map((product) => {
    const speed = speedOf(product.cardid);
    if (!speed) {
      throw new ConfigurationError(
        `OFPay simulator: cardid "${product.cardid}" is not a 14xxxx (fast) or 17xxxx (slow) phone product`,
      );
    }
    return {
      cardid: product.cardid,
      speed,
      faceValue: checks.amount(product.faceValue, `faceValue of ${product.cardid}`).amount,
      price: checks.amount(product.price, `price of ${product.cardid}`).amount,
      name: product.name,
    };
  });

  const orders = new Map<string, OrderState>();
  const lifecycle = new SimulatorLifecycle("OFPay");
  const requestLog = new SimulatorLog<OfpaySimulatorRequestRecord>((record) => ({
    ...record,
    params: { ...record.params },
  }));
  const callbackLog = new CallbackRecorder<OfpayCallbackAttempt>({
    ...callbackRetry,
    // The vendor retries unless the merchant answers the ack literal (`OK` [L]).
    isAcknowledged: (_status, reply) => reply.trim() === callbackAck,
    signal: lifecycle.signal,
    now: () => clock.now(),
    copy: (attempt) => ({ ...attempt, fields: { ...attempt.fields } }),
  });
  const settling = new AutoSettle<OrderState>(lifecycle, {
    enabled: options.autoSettle ?? true,
    delayOf: (order) => (order.speed === "slow" ? slowSettleAfterMs : settleAfterMs),
    isFinal,
    settle: (order) => finalize(order, order.outcome === "failed" ? "9" : "1"),
  });
  const faults = new FaultQueue<OfpaySimulatorFault>();
  const requestFaults = new RequestFaults({
    queue: faults,
    kinds: requestFaultKinds,
    orderOf: (fault) => fault.sporderId,
    http500: HTTP_500,
    wait: (ms) => lifecycle.wait(ms),
  });
  /** Lagging query answers per `sporder_id` (`not-found-until`). */
  const notFoundLag = new QueryLag();
  let orderSequence = 0;

  // ---- bookkeeping -------------------------------------------------------------------------

  function snapshot(order: OrderState): OfpaySimulatedOrder {
    const { outcome: _outcome, rawStateOverride: _raw, settleScheduled: _scheduled, ...copy } = order;
    return { ...copy };
  }

  function orderOrThrow(sporderId: string): OrderState {
    const order = orders.get(sporderId);
    if (!order) throw new RangeError(`OFPay simulator: no order "${sporderId}"`);
    return order;
  }

  function segmentOf(phone: string): OfpayNumberSegment {
    return segments[phone.slice(0, 7)] ?? OFPAY_UNKNOWN_SEGMENT;
  }

  function findProduct(cardid: string, faceValue: string): ProductState | undefined {
    const speed = speedOf(cardid);
    if (!speed) return undefined;
    // The vendor matches a phone cardid on its first two digits (§5 [M]): exact cardid first.
    return (
      products.find((product) => product.cardid === cardid && product.faceValue === faceValue) ??
      products.find((product) => product.speed === speed && product.faceValue === faceValue)
    );
  }

  function cardnameOf(product: ProductState, phone: string): string {
    const carrier = ofpayCarrierOf(phone) ?? "";
    const face = faceText(product.faceValue);
    const stem = product.name ?? `话费${face}元${product.speed === "fast" ? "快充" : "慢充"}`;
    return `${segmentOf(phone).province}${carrier}${stem}`;
  }

  // ---- wire formats ------------------------------------------------------------------------

  function orderDocument(order: OrderState): OfpayDocument {
    return {
      root: "orderinfo",
      fields: [
        ["err_msg", ""],
        ["retcode", OFPAY_RETCODES.success],
        ["orderid", order.orderId],
        ["cardid", order.cardid],
        ["cardnum", faceText(order.faceValue)],
        ["ordercash", order.price],
        ["cardname", order.cardname],
        ["sporder_id", order.sporderId],
        ["game_userid", order.phone],
        ["game_state", order.rawStateOverride ?? order.gameState],
      ],
    };
  }

  function errorReply(endpoint: OfpayEndpoint, retcode: string, message: string): Reply {
    return {
      kind: "document",
      retcode,
      document: {
        root: rootElements[endpoint],
        fields: [
          ["err_msg", message],
          ["retcode", retcode],
        ],
      },
    };
  }

  function successReply(root: string, fields: Array<readonly [string, OfpayDocumentValue]>): Reply {
    return {
      kind: "document",
      retcode: OFPAY_RETCODES.success,
      document: {
        root,
        rowElement: "bill",
        fields: [["err_msg", ""], ["retcode", OFPAY_RETCODES.success], ...fields],
      },
    };
  }

  function render(reply: Reply, format: "xml" | "json" | "text"): { contentType: string; body: Buffer } {
    if (reply.kind === "text") {
      return {
        contentType: `text/plain;charset=${charset}`,
        body: encodeOfpayText(reply.text, charset),
      };
    }
    if (format === "json") {
      return {
        contentType: "application/json;charset=UTF-8",
        body: Buffer.from(renderOfpayJson(reply.document, jsonNumbers), "utf8"),
      };
    }
    return { contentType: `text/xml;charset=${charset}`, body: renderOfpayXml(reply.document, charset) };
  }

  function formatTime(epochMs: number | undefined): string {
    if (epochMs === undefined) return "";
    const compact = formatOfpayTime(epochMs);
    if (callbackTimeFormat === "compact") return compact;
    return `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)} ${compact.slice(8, 10)}:${compact.slice(10, 12)}:${compact.slice(12, 14)}`;
  }

  function billRow(order: OrderState): OfpayBillRow {
    return {
      orderid: order.orderId,
      sporder_id: order.sporderId,
      cardid: order.cardid,
      cardname: order.cardname,
      cardnum: faceText(order.faceValue),
      ordercash: order.price,
      game_userid: order.phone,
      game_state: order.gameState,
      ordertime: formatOfpayTime(order.createdAt),
      ordersuccesstime: order.finishedAt === undefined ? "" : formatOfpayTime(order.finishedAt),
    };
  }

  // ---- signatures --------------------------------------------------------------------------

  function md5Matches(
    expectedUpper: string,
    received: string | undefined,
    policy: "upper" | "lower" | "any",
  ) {
    if (received === undefined) return false;
    if (policy === "any") return safeEqual(expectedUpper, received.toUpperCase());
    return safeEqual(policy === "upper" ? expectedUpper : expectedUpper.toLowerCase(), received);
  }

  /** Whether `md5_str` verifies, for the signed endpoints; `undefined` for the others. */
  function signatureValid(endpoint: string, params: Readonly<Record<string, string>>): boolean | undefined {
    const field = (name: string) => params[name] ?? "";
    switch (endpoint) {
      case "onlineorder.do": {
        const expected = ofpayOrderMd5(
          {
            userid: field("userid"),
            userpws: field("userpws"),
            cardid: field("cardid"),
            cardnum: field("cardnum"),
            sporder_id: field("sporder_id"),
            sporder_time: field("sporder_time"),
            game_userid: field("game_userid"),
          },
          keyStr,
        );
        return md5Matches(expected, params.md5_str, md5Case);
      }
      case "queryOrderInfo.do": {
        const expected = ofpayQueryOrderMd5(
          { userid: field("userid"), userpws: field("userpws"), sporder_id: field("sporder_id") },
          keyStr,
        );
        return md5Matches(expected, params.md5_str, md5Case);
      }
      case "querybill.do": {
        const expected = ofpayBillMd5(
          {
            userid: field("userid"),
            userpws: field("userpws"),
            cardid: field("cardid"),
            starttime: field("starttime"),
            endtime: field("endtime"),
          },
          keyStr,
        );
        return md5Matches(expected, params.md5_str, billMd5Case);
      }
      default:
        return undefined;
    }
  }

  // ---- the endpoints -----------------------------------------------------------------------

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on("error", () => {});
    const requestUrl = new URL(request.url ?? "/", "http://127.0.0.1");
    const endpoint = requestUrl.pathname.replace(/^\/+/, "");
    if (!endpoints.has(endpoint)) {
      sendResponse(
        response,
        404,
        "text/html;charset=UTF-8",
        "<html><body><h1>404 Not Found</h1></body></html>",
      );
      return;
    }
    if (request.method !== "GET" && request.method !== "POST") {
      sendMethodNotAllowed(response, "GET, POST", PLAIN_TEXT);
      return;
    }
    const params: Record<string, string> = {};
    for (const [name, value] of requestUrl.searchParams) params[name] = value;
    if (request.method === "POST") {
      const raw = await readBodyOr413(request, response, PLAIN_TEXT);
      if (raw === undefined) return;
      for (const [name, value] of new URLSearchParams(raw)) params[name] = value;
    }
    const known = endpoint as OfpayEndpoint;
    const textEndpoint = known === "api/query.do" || known === "mobinfo.do";
    const requested = params.format?.toLowerCase();
    const format: "xml" | "json" = requested === "json" || requested === "xml" ? requested : defaultFormat;
    const sporderId = params.sporder_id ?? params.spbillid;
    const record: OfpaySimulatorRequestRecord = {
      endpoint,
      httpMethod: request.method,
      params: { ...params },
      sporderId,
      md5Valid: signatureValid(endpoint, params),
      format: textEndpoint ? "text" : format,
      at: clock.now(),
    };
    if (record.md5Valid === undefined) delete record.md5Valid;
    requestLog.push(record);

    const exchange = { request, response, record };
    const { fault, finished } = await requestFaults.open(exchange, endpoint, sporderId);
    if (finished) return;
    if (fault?.kind === "rate-limit") {
      const reply = errorReply(
        known,
        OFPAY_RETCODES.rateLimited,
        ofpayErrorMessages[OFPAY_RETCODES.rateLimited]!,
      );
      const status = fault.httpStatus ?? 200;
      const { contentType, body } = render(reply, format);
      record.httpStatus = status;
      record.retcode = OFPAY_RETCODES.rateLimited;
      record.format = format;
      sendRetryAfter(response, status, contentType, body);
      return;
    }

    let reply: Reply;
    if (fault?.kind === "system-error") {
      if (fault.commit ?? true) answer(known, params);
      reply = errorReply(
        known,
        OFPAY_RETCODES.systemError,
        fault.message ?? ofpayErrorMessages[OFPAY_RETCODES.systemError]!,
      );
    } else {
      reply = answer(known, params);
    }
    if (reply.kind === "document") record.retcode = reply.retcode;
    else record.text = reply.text;
    if (reply.kind === "document" && textEndpoint) record.format = format;
    const rendered = render(reply, format);
    await requestFaults.send(fault, exchange, rendered.contentType, rendered.body);
  }

  /** Runs one endpoint. Never throws: a rejection becomes an error document. */
  function answer(endpoint: OfpayEndpoint, params: Readonly<Record<string, string>>): Reply {
    try {
      switch (endpoint) {
        case "onlineorder.do":
          return placeOrder(params);
        case "queryOrderInfo.do":
          return queryOrderInfo(params);
        case "api/query.do":
          return { kind: "text", text: queryState(params) };
        case "queryuserinfo.do":
          requireVersion(params);
          authenticate(params);
          return successReply("userinfo", [
            ["userid", userId],
            ["username", accountName],
            ["ret_leftcredit", balance.amount],
          ]);
        case "telcheck.do":
          return telcheck(params);
        case "telquery.do":
          return telquery(params);
        case "mobinfo.do":
          return { kind: "text", text: mobinfo(params) };
        case "querybill.do":
          return querybill(params);
      }
    } catch (error) {
      if (error instanceof OfpayRejection) return errorReply(endpoint, error.retcode, error.message);
      return errorReply(
        endpoint,
        OFPAY_RETCODES.systemError,
        ofpayErrorMessages[OFPAY_RETCODES.systemError]!,
      );
    }
  }

  function requireVersion(params: Readonly<Record<string, string>>): void {
    if (params.version !== OFPAY_API_VERSION) {
      throw new OfpayRejection(OFPAY_RETCODES.badParameter, `版本号错误，version必须为${OFPAY_API_VERSION}`);
    }
  }

  function authenticate(params: Readonly<Record<string, string>>, passwordToo = true): void {
    const id = required(params, "userid");
    if (id !== userId) throw new OfpayRejection(OFPAY_RETCODES.unknownUser);
    if (!passwordToo) return;
    // userpws is compared exactly: it is md5(password) in 32 lowercase hex, and it is signed as sent.
    if (!safeEqual(userpws, required(params, "userpws")))
      throw new OfpayRejection(OFPAY_RETCODES.wrongPassword);
  }

  function checkSignature(endpoint: OfpayEndpoint, params: Readonly<Record<string, string>>): void {
    required(params, "md5_str");
    if (!signatureValid(endpoint, params)) throw new OfpayRejection(OFPAY_RETCODES.badSignature);
  }

  function checkPhone(phone: string): OfpayCarrier {
    const carrier = /^1\d{10}$/.test(phone) ? ofpayCarrierOf(phone) : undefined;
    if (!carrier) throw new OfpayRejection(OFPAY_RETCODES.unsupportedNumber);
    return carrier;
  }

  function placeOrder(params: Readonly<Record<string, string>>): Reply {
    requireVersion(params);
    for (const name of ["cardid", "cardnum", "sporder_id", "sporder_time", "game_userid"])
      required(params, name);
    authenticate(params);
    checkSignature("onlineorder.do", params);
    const sporderId = params.sporder_id!;
    const sporderTime = params.sporder_time!;
    if (sporderId.length > 64) throw new OfpayRejection(OFPAY_RETCODES.badParameter, "sporder_id过长");
    if (!/^\d{14}$/.test(sporderTime) || parseOfpayTime(sporderTime) === undefined) {
      throw new OfpayRejection(OFPAY_RETCODES.badParameter, "sporder_time格式错误，应为yyyyMMddHHmmss");
    }
    // A re-sent sporder_id is refused once the caller is authenticated, before anything else.
    if (orders.has(sporderId)) throw new OfpayRejection(OFPAY_RETCODES.duplicateOrder);
    const cardid = params.cardid!;
    const faceValue = decimalOrUndefined(params.cardnum!);
    if (faceValue === undefined) throw new OfpayRejection(OFPAY_RETCODES.badParameter, "cardnum格式错误");
    const product = /^\d{6}$/.test(cardid) ? findProduct(cardid, faceValue) : undefined;
    if (!product) throw new OfpayRejection(OFPAY_RETCODES.unsupportedProduct);
    const phone = params.game_userid!;
    const carrier = checkPhone(phone);
    let mctype: string | undefined;
    if (product.speed === "slow") {
      mctype = params.mctype === undefined || params.mctype === "" ? OFPAY_DEFAULT_MCTYPE : params.mctype;
      if (!OFPAY_SLOW_MCTYPES.includes(mctype)) {
        throw new OfpayRejection(
          OFPAY_RETCODES.badParameter,
          `mctype必须为${OFPAY_SLOW_MCTYPES.join("、")}之一`,
        );
      }
    }
    const outcome = outcomeOf({
      sporderId,
      phone,
      cardid,
      speed: product.speed,
      faceValue: product.faceValue,
    });
    if (outcome === "unsupported-number") throw new OfpayRejection(OFPAY_RETCODES.unsupportedNumber);
    if (outcome === "maintenance")
      throw new OfpayRejection(OFPAY_RETCODES.unsupportedProduct, MAINTENANCE_MESSAGE);
    const price = money(product.price, "CNY");
    if (compareMoney(balance, price) < 0) throw new OfpayRejection(OFPAY_RETCODES.insufficientBalance);

    // Debited at acceptance, refunded if the order fails.
    balance = subtractMoney(balance, price);
    const createdAt = clock.now();
    orderSequence += 1;
    const retUrl = params.ret_url === undefined || params.ret_url === "" ? undefined : params.ret_url;
    const order: OrderState = {
      sporderId,
      orderId: `S${formatOfpayTime(createdAt).slice(2)}${String(orderSequence).padStart(4, "0")}`,
      cardid,
      speed: product.speed,
      mctype,
      faceValue: product.faceValue,
      price: price.amount,
      cardname: cardnameOf(product, phone),
      phone,
      carrier,
      province: segmentOf(phone).province,
      gameState: "0",
      sporderTime,
      retUrl,
      createdAt,
      errMsg: "",
      outcome,
      settleScheduled: false,
    };
    if (order.mctype === undefined) delete order.mctype;
    if (order.retUrl === undefined) delete order.retUrl;
    orders.set(sporderId, order);
    const lag = faults.take(
      (candidate) =>
        candidate.kind === "not-found-until" &&
        faultMatchesMethod(candidate, "onlineorder.do") &&
        (candidate.sporderId === undefined || candidate.sporderId === sporderId),
    );
    if (lag) notFoundLag.start(sporderId, lag.queries);
    const url = callbackUrlOf(order);
    if (url !== undefined) {
      const forged = faults.take((candidate) => isForgedFor(candidate, order, "accepted"));
      if (forged) void lifecycle.track(deliver(forgedFields(order, forged), url, "forged"));
    }
    settling.schedule(order);
    return { kind: "document", retcode: OFPAY_RETCODES.success, document: orderDocument(order) };
  }

  function queryOrderInfo(params: Readonly<Record<string, string>>): Reply {
    requireVersion(params);
    required(params, "sporder_id");
    authenticate(params);
    checkSignature("queryOrderInfo.do", params);
    const order = orders.get(params.sporder_id!);
    if (!order || notFoundLag.lagging(order.sporderId))
      throw new OfpayRejection(OFPAY_RETCODES.orderNotFound);
    return { kind: "document", retcode: OFPAY_RETCODES.success, document: orderDocument(order) };
  }

  /** `api/query.do`: the bare state, or -1 for no such order (also for a foreign userid [?]). */
  function queryState(params: Readonly<Record<string, string>>): string {
    if (params.userid !== userId) return "-1";
    const order = params.spbillid === undefined ? undefined : orders.get(params.spbillid);
    if (!order || notFoundLag.lagging(order.sporderId)) return "-1";
    return order.rawStateOverride ?? order.gameState;
  }

  /** `telcheck.do?phoneno&price&userid`: can this number take this face value (fast top-up)? Shape [?]. */
  function telcheck(params: Readonly<Record<string, string>>): Reply {
    authenticate(params, false);
    const phone = required(params, "phoneno");
    const faceValue = decimalOrUndefined(required(params, "price"));
    const carrier = checkPhone(phone);
    const product =
      faceValue === undefined
        ? undefined
        : products.find((p) => p.speed === "fast" && p.faceValue === faceValue);
    if (!product) throw new OfpayRejection(OFPAY_RETCODES.unsupportedProduct);
    return successReply("cardinfo", [["game_area", `${segmentOf(phone).province}${carrier}`]]);
  }

  /** `telquery.do`: the product and price for a number and face value; slow when `mctype` is sent (§5 [M]). */
  function telquery(params: Readonly<Record<string, string>>): Reply {
    requireVersion(params);
    const phone = required(params, "phoneno");
    const pervalue = required(params, "pervalue");
    authenticate(params);
    const slow = params.mctype !== undefined && params.mctype !== "";
    if (slow && !OFPAY_SLOW_MCTYPES.includes(params.mctype!)) {
      throw new OfpayRejection(
        OFPAY_RETCODES.badParameter,
        `mctype必须为${OFPAY_SLOW_MCTYPES.join("、")}之一`,
      );
    }
    const faceValue = decimalOrUndefined(pervalue);
    const speed = slow ? "slow" : "fast";
    const product =
      faceValue === undefined
        ? undefined
        : products.find((p) => p.speed === speed && p.faceValue === faceValue);
    if (!product) throw new OfpayRejection(OFPAY_RETCODES.unsupportedProduct);
    const carrier = checkPhone(phone);
    return successReply("cardinfo", [
      ["cardid", product.cardid],
      ["cardname", cardnameOf(product, phone)],
      ["inprice", product.price],
      ["game_area", `${segmentOf(phone).province}${carrier}`],
    ]);
  }

  /** `mobinfo.do?mobilenum`: `segment|province|city|carrier` as plain text [?]; `-1` for a malformed segment. */
  function mobinfo(params: Readonly<Record<string, string>>): string {
    const segment = params.mobilenum?.slice(0, 7) ?? "";
    if (!/^1\d{6}$/.test(segment)) return "-1";
    const { province, city } = segmentOf(segment);
    return `${segment}|${province}|${city}|${ofpayCarrierOf(segment) ?? ""}`;
  }

  function querybill(params: Readonly<Record<string, string>>): Reply {
    requireVersion(params);
    const start = required(params, "starttime");
    const end = required(params, "endtime");
    authenticate(params);
    checkSignature("querybill.do", params);
    const cardid = params.cardid ?? "";
    if (!/^(\d{2}|\d{4}|\d{6})?$/.test(cardid)) {
      throw new OfpayRejection(OFPAY_RETCODES.badParameter, "cardid必须为2位、4位或6位商品编码");
    }
    const from = parseOfpayTime(start);
    const endAt = parseOfpayTime(end);
    if (from === undefined || endAt === undefined) {
      throw new OfpayRejection(OFPAY_RETCODES.badParameter, "starttime/endtime格式错误，应为yyyyMMdd");
    }
    // A day (yyyyMMdd) includes all of that day; a full timestamp includes that second.
    const to = endAt + (end.length === 8 ? 86_400_000 : 1000) - 1;
    if (to < from) throw new OfpayRejection(OFPAY_RETCODES.badParameter, "endtime不能早于starttime");
    const rows = billRows(from, to, cardid).map((row) => Object.entries(row) as Array<[string, string]>);
    return successReply("billinfo", [
      ["count", String(rows.length)],
      ["bills", rows],
    ]);
  }

  function billRows(from: number, to: number, cardid: string): OfpayBillRow[] {
    return [...orders.values()]
      .filter((order) => order.createdAt >= from && order.createdAt <= to && order.cardid.startsWith(cardid))
      .sort((left, right) => left.createdAt - right.createdAt)
      .map(billRow);
  }

  // ---- settling and callbacks --------------------------------------------------------------

  function isFinal(order: OrderState): boolean {
    return order.gameState !== "0";
  }

  function finalize(order: OrderState, final: "1" | "9"): void {
    order.gameState = final;
    order.finishedAt = clock.now();
    if (final === "9") {
      order.errMsg = failureMessage;
      balance = addMoney(balance, money(order.price, "CNY"));
    }
    const url = callbackUrlOf(order);
    if (url === undefined) return;
    const forged = faults.take((candidate) => isForgedFor(candidate, order, "final"));
    void dispatch(
      signed(callbackFields(order)),
      url,
      "final",
      forged ? forgedFields(order, forged) : undefined,
    );
  }

  function callbackUrlOf(order: OrderState): string | undefined {
    return callbackUrl ?? order.retUrl;
  }

  function callbackFields(order: OrderState): OfpayCallbackFields {
    return {
      ret_code: order.gameState,
      sporder_id: order.sporderId,
      ordersuccesstime: formatTime(order.finishedAt),
      err_msg: order.gameState === "9" ? order.errMsg : "",
    };
  }

  /** Adds `sign` when `callbackSignature` is `md5` (an assumed scheme [L]); a given `sign` is kept. */
  function signed(fields: Readonly<Record<string, string>>): Record<string, string> {
    if (callbackSignature !== "md5" || fields.sign !== undefined) return { ...fields };
    const sign = md5Hex(`${userId}${fields.ret_code ?? ""}${fields.sporder_id ?? ""}${keyStr}`).toUpperCase();
    return { ...fields, sign };
  }

  function isForgedFor(
    candidate: OfpaySimulatorFault,
    order: OrderState,
    when: "accepted" | "final",
  ): boolean {
    return (
      candidate.kind === "forged-callback" &&
      (candidate.when ?? "final") === when &&
      (candidate.sporderId === undefined || candidate.sporderId === order.sporderId)
    );
  }

  function forgedFields(order: OrderState, fault: OfpaySimulatorFault): Record<string, string> {
    const claim = fault.retCode ?? (order.gameState === "1" ? "9" : "1");
    return signed({
      ret_code: claim,
      sporder_id: fault.forgedSporderId ?? order.sporderId,
      ordersuccesstime: formatTime(clock.now()),
      err_msg: claim === "9" ? failureMessage : "",
    });
  }

  /** Delivers one callback (after a forged one, if given), plus the duplicate / stale copies queued faults ask for. */
  function dispatch(
    fields: Readonly<Record<string, string>>,
    url: string,
    reason: "final" | "manual",
    forged?: Readonly<Record<string, string>>,
  ): Promise<OfpayCallbackAttempt[]> {
    const sporderId = fields.sporder_id ?? "";
    const forOrder = (kind: OfpayFaultKind) => (candidate: OfpaySimulatorFault) =>
      candidate.kind === kind && (candidate.sporderId === undefined || candidate.sporderId === sporderId);
    const duplicate = faults.take(forOrder("duplicate-callback"));
    const outOfOrder = faults.take(forOrder("out-of-order-callback"));
    const run = async () => {
      const attempts: OfpayCallbackAttempt[] = [];
      if (forged) attempts.push(...(await deliver(forged, url, "forged")));
      attempts.push(...(await deliver(fields, url, reason)));
      if (duplicate) attempts.push(...(await deliver(fields, url, "duplicate")));
      if (outOfOrder) {
        const { sign: _sign, ...rest } = fields;
        const stale = signed({
          ...rest,
          ret_code: outOfOrder.staleRetCode ?? "0",
          ordersuccesstime: "",
          err_msg: "",
        });
        attempts.push(...(await deliver(stale, url, "stale")));
      }
      return attempts;
    };
    return lifecycle.track(run());
  }

  function deliver(
    fields: Readonly<Record<string, string>>,
    url: string,
    reason: OfpayCallbackAttempt["reason"],
  ): Promise<OfpayCallbackAttempt[]> {
    const sporderId = fields.sporder_id ?? "";
    const retCode = fields.ret_code ?? "";
    const ledger = orders.get(sporderId);
    const contradictsLedger = !ledger || ledger.gameState !== retCode;
    const body = encodeOfpayForm(fields, callbackCharset);
    const contentType =
      callbackCharset === "UTF-8"
        ? "application/x-www-form-urlencoded"
        : `application/x-www-form-urlencoded;charset=${callbackCharset}`;
    return callbackLog.deliver({ url, body, contentType }, reason, () => ({
      sporderId,
      retCode,
      fields: { ...fields },
      contradictsLedger,
    }));
  }

  // ---- the public object -------------------------------------------------------------------

  const simulator: OfpaySimulator = {
    ...lifecycle.controls(handle, options),
    get url() {
      return `${lifecycle.running().origin}/`;
    },
    get port() {
      return lifecycle.running().port;
    },
    get userId() {
      return userId;
    },
    get password() {
      return password;
    },
    get userpws() {
      return userpws;
    },
    get keyStr() {
      return keyStr;
    },

    orders: () => [...orders.values()].map(snapshot),
    order(sporderId) {
      const order = orders.get(sporderId);
      return order ? snapshot(order) : undefined;
    },
    requests: (endpoint) => requestLog.select("endpoint", endpoint?.replace(/^\/+/, "")),
    callbacks: (sporderId) => callbackLog.select("sporderId", sporderId),
    balance: () => balance.amount,
    setBalance(amount) {
      balance = checks.amount(amount, "balance");
    },
    products: () =>
      products.map((product) => {
        const copy: OfpaySimulatorProduct = {
          cardid: product.cardid,
          faceValue: product.faceValue,
          price: product.price,
        };
        if (product.name !== undefined) copy.name = product.name;
        return copy;
      }),
    bill(from, to, cardid = "") {
      return billRows(+from, +to, cardid);
    },

    completeOrder(sporderId, final) {
      const order = orderOrThrow(sporderId);
      if (isFinal(order)) {
        throw new RangeError(
          `OFPay simulator: order "${sporderId}" is already final (game_state ${order.gameState})`,
        );
      }
      finalize(order, final === "success" ? "1" : "9");
      return snapshot(order);
    },

    setRawOrderState(sporderId, rawState) {
      orderOrThrow(sporderId).rawStateOverride = rawState;
    },

    setAutoSettle(enabled) {
      settling.set(enabled, orders.values());
    },

    injectFault(fault) {
      checks.faultKind(faultKinds, fault);
      if (fault.method !== undefined && !endpoints.has(fault.method)) {
        throw new RangeError(
          `OFPay simulator: unknown endpoint "${fault.method}" (use e.g. "onlineorder.do")`,
        );
      }
      checks.faultTiming(fault);
      if (
        fault.httpStatus !== undefined &&
        !(Number.isInteger(fault.httpStatus) && fault.httpStatus >= 200)
      ) {
        throw new RangeError("OFPay simulator: httpStatus must be an HTTP status of 200 or more");
      }
      const existing = fault.sporderId === undefined ? undefined : orders.get(fault.sporderId);
      if (fault.kind === "not-found-until" && existing) {
        // The order already exists: its lag starts now.
        notFoundLag.start(existing.sporderId, fault.queries);
        return;
      }
      faults.push(fault);
    },
    pendingFaults: () => faults.pending(),
    clearFaults() {
      faults.clear();
    },

    sendCallback(sporderId, overrides = {}, callOptions = {}) {
      const order = orders.get(sporderId);
      const url = callOptions.url ?? callbackUrl ?? order?.retUrl;
      if (url === undefined) {
        return Promise.reject(
          new Error(
            "OFPay simulator: no callback URL (pass url, set the callbackUrl option or send ret_url)",
          ),
        );
      }
      const fields: Record<string, string> = order
        ? { ...callbackFields(order) }
        : { ret_code: "1", sporder_id: sporderId, ordersuccesstime: formatTime(clock.now()), err_msg: "" };
      for (const [key, value] of Object.entries(overrides)) if (value !== undefined) fields[key] = value;
      return dispatch(signed(fields), url, "manual");
    },
  };

  return simulator;
}

// ---- helpers -----------------------------------------------------------------------------------

function required(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name];
  if (value === undefined || value === "")
    throw new OfpayRejection(OFPAY_RETCODES.badParameter, `缺少参数${name}`);
  return value;
}

function speedOf(cardid: string): "fast" | "slow" | undefined {
  return /^\d{6}$/.test(cardid) ? ofpayCardidSpeeds[cardid.slice(0, 2)] : undefined;
}

/** A face value as a normalised CNY amount ("50" → "50.00"), or `undefined` when it is not a plain decimal. */
function decimalOrUndefined(text: string): string | undefined {
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(text)) return undefined;
  return money(text, "CNY").amount;
}

/** "50.00" → "50", "0.50" → "0.5": a face value as the vendor writes `cardnum`. */
function faceText(amount: string): string {
  return amount.includes(".") ? amount.replace(/\.?0+$/, "") : amount;
}
