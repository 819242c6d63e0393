/**
 * An in-process Fulu 福禄开放平台 supplier that speaks the vendor's wire protocol byte for byte
 * (vendor-protocols.md §1): one JSON gateway at `POST /api/getway`, requests signed with MD5 over
 * the sorted characters of the body, responses whose `result` is a JSON *string* signed the same
 * way, AES-256-ECB card codes, Asia/Shanghai timestamps, signed callbacks that expect `success`.
 *
 * Merchants test their own integration against it; kaquan's end-to-end tests and demo use it too.
 * On top of the protocol it offers scripted faults (a dropped connection after the order is
 * committed, gateway pages, rate limits, duplicate or out-of-order callbacks, …) and an
 * inspection API to check that an order was placed exactly once. It listens on 127.0.0.1 only
 * and prints nothing.
 *
 * Fulu's open-API error codes are unpublished (§1.9 [?]); the simulator answers with kaquan's
 * assumed table (`defaultFuluErrorTable`): 1000 system error, 1001 bad signature, 1002 unknown
 * app_key, 1003 bad parameter, 1004 product unavailable, 1005 out of stock, 1006 insufficient
 * balance, 1007 invalid account, 1008 order not found, 1009 rate limited, 3000 duplicate
 * `customer_order_no` "外部订单号已存在".
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { encryptFuluCardField } from "../../adapters/fulu/fulu-cards.js";
import { fuluSign, verifyFuluSignedJson } from "../../adapters/fulu/fulu-signature.js";
import {
  addMoney,
  type Clock,
  ConfigurationError,
  compareMoney,
  type Money,
  money,
  multiplyMoney,
  subtractMoney,
} from "../core/index.js";
import { formatDateTime, systemClock } from "../runtime/clock.js";
import { md5Hex } from "../runtime/signing.js";
import {
  defaultFuluOutcome,
  defaultFuluSimulatorCatalogue,
  defaultFuluSimulatorTemplates,
  FULU_SIMULATOR_APP_KEY,
  FULU_SIMULATOR_APP_SECRET,
  type FuluOutcomeInput,
  type FuluProductTypeLiteral,
  type FuluSaleStatusLiteral,
  type FuluSimulatorOutcome,
  type FuluSimulatorProduct,
  type FuluSimulatorTemplateField,
  type FuluStockStatusLiteral,
} from "./fulu-simulator-catalogue.js";
import { CallbackRecorder, callbackRetrySettings } from "./simulator-callbacks.js";
import {
  FaultQueue,
  faultMatchesMethod,
  type Http500Style,
  QueryLag,
  RequestFaults,
  type ScriptedFault,
  SHARED_REQUEST_FAULT_KINDS,
  type SharedRequestFaultKind,
  sendRetryAfter,
} from "./simulator-faults.js";
import { AutoSettle, SimulatorLifecycle, SimulatorLog } from "./simulator-lifecycle.js";
import { simulatorChecks } from "./simulator-options.js";
import { readBodyOr413, sendMethodNotAllowed, sendResponse } from "./simulator-server.js";
import type {
  SimulatorCallbackAttempt,
  SimulatorCallbackRetryOptions,
  SimulatorRequestRecord,
  SupplierSimulator,
} from "./simulator-types.js";

/** The gateway path. It really is spelled `getway` (§1.1). */
export const FULU_GATEWAY_PATH = "/api/getway";

/** The three order methods. */
export type FuluOrderMethod = "fulu.order.direct.add" | "fulu.order.card.add" | "fulu.order.mobile.add";

/** `order_state` values (§1.5). An order answers `untreated` when placed, then `processing`, then a final state. */
export type FuluSimulatedOrderState = "untreated" | "processing" | "success" | "failed";

/**
 * Faults that act on the next matching gateway request:
 * - `commit-then-drop`: the request is processed in full (the order exists), then the socket is
 *   destroyed without an answer — the classic "timeout after commit";
 * - `drop-before-commit`: the socket is destroyed without processing anything;
 * - `delay`: the request is processed at once (the order IS committed), the answer is sent after
 *   `delayMs` (default 1000) — e.g. beyond the client's deadline;
 * - `http-500`: nothing is processed; HTTP 500 with a JSON (`bodyFormat: "json"`, default) or
 *   plain-text body;
 * - `html-gateway`: nothing is processed; HTTP 502 with an nginx "502 Bad Gateway" HTML page;
 * - `malformed-json`: processed (committed), then HTTP 200 with the envelope cut in half;
 * - `bad-response-signature`: processed (committed), the correct result with a wrong `sign`;
 * - `rate-limit`: nothing is processed; HTTP 429, `Retry-After: 1`, envelope code 1009;
 * - `vendor-error`: nothing is processed; HTTP 200 with envelope `code` (default 1000, system
 *   error) and `message`.
 *
 * Every request fault also honours `delayMs` as a pause before it acts.
 */
export type FuluRequestFaultKind =
  | SharedRequestFaultKind
  | "bad-response-signature"
  | "rate-limit"
  | "vendor-error";

/**
 * Every fault kind: the request faults ({@link FuluRequestFaultKind}) plus
 * - `not-found-until`: attached to the next order committed (or to `customerOrderNo`), whose
 *   `fulu.order.info.get` then answers 1008 "订单不存在" for the first `queries` (default 2)
 *   queries although the order exists — propagation lag;
 * - `duplicate-callback`: the next callback (of `customerOrderNo`, if given) is delivered twice;
 * - `out-of-order-callback`: after the next final callback, a stale `processing` callback for the
 *   same order is delivered (correctly signed).
 */
export type FuluFaultKind =
  | FuluRequestFaultKind
  | "not-found-until"
  | "duplicate-callback"
  | "out-of-order-callback";

/** A scripted fault for {@link FuluSimulator.injectFault}. */
export interface FuluSimulatorFault extends ScriptedFault<FuluFaultKind> {
  /** Only requests (or orders, or callbacks) for this `customer_order_no` consume the fault. */
  customerOrderNo?: string | undefined;
  /** `delay`: how long to hold the answer (default 1000 ms). Other request faults: a pause before acting. */
  delayMs?: number | undefined;
  /** `not-found-until`: how many `fulu.order.info.get` queries answer 1008 first. Default 2. */
  queries?: number | undefined;
  /** `http-500`: a JSON body (default) or plain text. */
  bodyFormat?: "json" | "text" | undefined;
  /** `vendor-error`: the envelope code. Default 1000. */
  code?: number | undefined;
  /** `vendor-error`: the envelope message. Default "系统繁忙，请稍后再试". */
  message?: string | undefined;
}

/** The callback fields (§1.7). All values are strings on the wire. */
export type FuluCallbackFields = {
  order_id: string;
  charge_finish_time: string;
  customer_order_no: string;
  order_status: string;
  recharge_description: string;
  product_id: string;
  price: string;
  buy_num: string;
  operator_serial_number: string;
};

/** A signed callback, ready to POST. */
export interface FuluSignedCallback {
  /** The fields with `sign` as the last member. */
  fields: Readonly<Record<string, string>>;
  /** `fuluSign(JSON.stringify(fieldsWithoutSign), appSecret)`. */
  sign: string;
  /** The JSON body (Content-Type `application/json`). */
  json: string;
  /** The form body (Content-Type `application/x-www-form-urlencoded`). */
  form: string;
}

/** One card of a successful 卡密 order, in plain text (the wire carries it AES-encrypted). */
export interface FuluSimulatedCard {
  cardNumber: string;
  cardPassword: string;
  /** `card_deadline`, `yyyy-MM-dd HH:mm:ss` Asia/Shanghai. */
  cardDeadline: string;
  /** `card_type`: 0 plain code, 1 QR code, 2 short link. */
  cardType: 0 | 1 | 2;
}

/** A committed order, as {@link FuluSimulator.orders} reports it. */
export interface FuluSimulatedOrder {
  customerOrderNo: string;
  /** `order_id`: a string of 20 digits. */
  orderId: string;
  method: FuluOrderMethod;
  /** `order_type`: 1 话费, 3 卡密, 4 直充. */
  orderType: 1 | 3 | 4;
  state: FuluSimulatedOrderState;
  productId: number;
  productName: string;
  /** `charge_account` (direct), `charge_phone` (mobile) or `""` (card). */
  account: string;
  buyNum: number;
  /** `order_price`: what was debited, purchase price × buy_num, a decimal string in 元. */
  price: string;
  /** Epoch milliseconds, from the simulator's clock. */
  createdAt: number;
  /** Epoch milliseconds of the final state. */
  finishedAt?: number | undefined;
  /** `operator_serial_number`; `""` until the order succeeds. */
  operatorSerialNumber: string;
  /** The delivered cards (卡密 orders that succeeded), in plain text. */
  cards: FuluSimulatedCard[];
}

/** One gateway request, as {@link FuluSimulator.requests} reports it. */
export interface FuluSimulatorRequestRecord extends SimulatorRequestRecord<FuluFaultKind> {
  /** The `method` parameter, when the body had one. */
  method?: string | undefined;
  /** `customer_order_no` from `biz_content`, if any. */
  customerOrderNo?: string | undefined;
  /** Whether `app_key` is the simulator's and `sign` verifies over the raw body. */
  signatureValid: boolean;
  /** The envelope code answered, if an envelope was produced (also for faults that then drop it). */
  code?: number | undefined;
  /** The parsed `biz_content`, when it was a JSON object. */
  bizContent?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * One callback delivery attempt, as {@link FuluSimulator.callbacks} reports it. `reason`: the
 * order became final, `sendCallback` (`manual`), a `duplicate-callback` or an
 * `out-of-order-callback` (`stale`) fault.
 */
export interface FuluCallbackAttempt
  extends SimulatorCallbackAttempt<"final" | "manual" | "duplicate" | "stale"> {
  customerOrderNo: string;
  /** The `order_status` field sent. */
  orderStatus: string;
}

/**
 * Options of {@link createFuluSimulator}. Every option has a default. A callback is retried until
 * the reply body is exactly `success`.
 */
export interface FuluSimulatorOptions extends SimulatorCallbackRetryOptions {
  /** The AppKey requests must carry. Default: the public sandbox AppKey (§1.1). */
  appKey?: string | undefined;
  /** The AppSecret: signs everything and is the AES-256 card key (32 characters). Default: the public sandbox secret. */
  appSecret?: string | undefined;
  /** The port; default 0 (an ephemeral port). The host is always 127.0.0.1. */
  port?: number | undefined;
  /** The opening balance in 元, a decimal string. Default "10000.00". */
  balance?: string | undefined;
  /** `name` in `fulu.user.info.get`. Default "福禄模拟商户". */
  accountName?: string | undefined;
  /** The products. Default {@link defaultFuluSimulatorCatalogue}. */
  catalogue?: readonly FuluSimulatorProduct[] | undefined;
  /**
   * Account templates by template id, merged over {@link defaultFuluSimulatorTemplates}. A
   * product's `templateId` without an entry answers a one-field template (ChargeAccount).
   */
  templates?: Readonly<Record<string, readonly FuluSimulatorTemplateField[]>> | undefined;
  /** Delay from acceptance to the final state, in milliseconds (real timers). Default 30. */
  settleAfterMs?: number | undefined;
  /** Whether orders settle by themselves after `settleAfterMs`. Default true; see `setAutoSettle`. */
  autoSettle?: boolean | undefined;
  /** Where to POST signed callbacks when an order becomes final. None by default. */
  callbackUrl?: string | undefined;
  /** Callback body format. Default `json`. */
  callbackFormat?: "json" | "form" | undefined;
  /** Decides each order's fate. Default {@link defaultFuluOutcome} (magic values in the account / order number). */
  outcome?: ((input: FuluOutcomeInput) => FuluSimulatorOutcome) | undefined;
  /** Timestamps (`create_time`, `finish_time`, order ids, records). Timers still use real time. Default the system clock. */
  clock?: Clock | undefined;
}

/**
 * A running (or ready-to-start) Fulu simulator. `order()` and `callbacks()` take a
 * `customer_order_no`; `requests()` filters by the gateway `method` (e.g. `fulu.order.direct.add`).
 */
export interface FuluSimulator
  extends SupplierSimulator<
    FuluSimulatedOrder,
    FuluSimulatorRequestRecord,
    FuluCallbackAttempt,
    FuluSimulatorFault
  > {
  /** The gateway URL, `http://127.0.0.1:<port>/api/getway`. Throws before `start()`. */
  readonly url: string;
  /** The AppKey the simulator expects. */
  readonly appKey: string;
  /** The AppSecret the simulator signs with (to configure the client under test; never logged). */
  readonly appSecret: string;

  /** The current balance in 元, a decimal string such as "9953.70". */
  balance(): string;
  /** Sets the balance (a decimal string in 元). */
  setBalance(amount: string): void;
  /** The catalogue as it stands now. */
  products(): FuluSimulatorProduct[];
  /** Sets a product's `stock_status`. Throws for an unknown product. */
  setStock(productId: number, stockStatus: FuluStockStatusLiteral): void;
  /** Sets a product's `purchase_price` (a decimal string in 元). Throws for an unknown product. */
  setPrice(productId: number, price: string): void;
  /** Sets a product's `sales_status`. Throws for an unknown product. */
  setSaleStatus(productId: number, saleStatus: FuluSaleStatusLiteral): void;
  /**
   * Settles an order now: `success` delivers cards (卡密), `failed` refunds the balance; the
   * callback follows when `callbackUrl` is set. Throws for an unknown or already final order.
   */
  completeOrder(customerOrderNo: string, state: "success" | "failed"): FuluSimulatedOrder;
  /**
   * Makes `fulu.order.info.get` report `rawState` as the order's `order_state` — e.g. a value no
   * client has seen — until called again with `undefined`. The order itself is unchanged.
   */
  setRawOrderState(customerOrderNo: string, rawState: string | undefined): void;
  /**
   * Delivers a callback for an existing order now, whatever its state (with retries until
   * `success`). `overrides` replace fields — e.g. `{ order_status: "failed" }` — and are signed
   * correctly, unless `overrides.sign` is given, which is sent as is (a forged signature).
   * Resolves with the attempts. Throws when there is no such order or no callback URL.
   */
  sendCallback(
    customerOrderNo: string,
    overrides?: Partial<FuluCallbackFields> & { sign?: string },
    options?: { url?: string; format?: "json" | "form" },
  ): Promise<FuluCallbackAttempt[]>;
  /** Signs callback fields as Fulu does (a `sign` already present is replaced). */
  signCallback(fields: Readonly<Record<string, string>>): FuluSignedCallback;
}

interface ProductState {
  productId: number;
  name: string;
  type: FuluProductTypeLiteral;
  faceValue: string;
  price: string;
  saleStatus: FuluSaleStatusLiteral;
  stockStatus: FuluStockStatusLiteral;
  templateId: string;
  details: string;
  cardType: 0 | 1 | 2;
}

interface OrderState extends FuluSimulatedOrder {
  outcome: FuluSimulatorOutcome;
  /** Reported instead of `state` by order queries, when set (see `setRawOrderState`). */
  rawStateOverride?: string | undefined;
  settleScheduled: boolean;
  area: string;
  server: string;
  chargeType: string;
  cardType: 0 | 1 | 2;
}

/** A vendor error answer; thrown inside the request pipeline, turned into an envelope. */
class FuluRejection extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

type Answer = { ok: true; result: unknown } | { ok: false; code: number; message: string };
type Json = Record<string, unknown>;

const requestFaultKinds: ReadonlySet<string> = new Set<FuluRequestFaultKind>([
  ...SHARED_REQUEST_FAULT_KINDS,
  "bad-response-signature",
  "rate-limit",
  "vendor-error",
]);
const faultKinds: ReadonlySet<string> = new Set<string>([
  ...requestFaultKinds,
  "not-found-until",
  "duplicate-callback",
  "out-of-order-callback",
]);

const orderTypes = {
  "fulu.order.mobile.add": 1,
  "fulu.order.card.add": 3,
  "fulu.order.direct.add": 4,
} as const;
const productTypeOfMethod = {
  "fulu.order.mobile.add": "话费",
  "fulu.order.card.add": "卡密",
  "fulu.order.direct.add": "直充",
} as const;

const SUCCESS_MESSAGE = "接口调用成功";
const JSON_TYPE = "application/json; charset=utf-8";
const HTTP_500: Http500Style = {
  defaultFormat: "json",
  jsonContentType: JSON_TYPE,
  textContentType: "text/plain; charset=utf-8",
};
const timestampPattern = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const CARD_VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;
const checks = simulatorChecks("Fulu");

/**
 * Creates a Fulu simulator; call `start()` before use and `close()` after. Throws
 * `ConfigurationError` for an invalid option (a secret that is not 32 bytes, a malformed amount).
 */
export function createFuluSimulator(options: FuluSimulatorOptions = {}): FuluSimulator {
  const appKey = options.appKey ?? FULU_SIMULATOR_APP_KEY;
  const appSecret = options.appSecret ?? FULU_SIMULATOR_APP_SECRET;
  if (appKey.length === 0) throw new ConfigurationError("Fulu simulator: appKey must not be empty");
  if (Buffer.byteLength(appSecret, "utf8") !== 32) {
    throw new ConfigurationError("Fulu simulator: appSecret must be 32 bytes (it is the AES-256 card key)");
  }
  const clock = options.clock ?? systemClock;
  const settleAfterMs = checks.nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const callbackFormat = options.callbackFormat ?? "json";
  const callbackRetry = callbackRetrySettings(options, checks.nonNegative);
  const outcomeOf = options.outcome ?? defaultFuluOutcome;
  const accountName = options.accountName ?? "福禄模拟商户";
  const callbackUrl = options.callbackUrl;
  if (callbackUrl !== undefined) checks.url(callbackUrl, "callbackUrl");

  let balance: Money = checks.amount(options.balance ?? "10000.00", "balance");
  const products = new Map<number, ProductState>();
  for (const product of options.catalogue ?? defaultFuluSimulatorCatalogue) {
    if (!Number.isSafeInteger(product.productId) || product.productId <= 0) {
      throw new ConfigurationError(
        `Fulu simulator: productId ${product.productId} is not a positive integer`,
      );
    }
    products.set(product.productId, {
      productId: product.productId,
      name: product.name,
      type: product.type,
      faceValue: checks.amount(product.faceValue, `faceValue of ${product.productId}`).amount,
      price: checks.amount(product.price, `price of ${product.productId}`).amount,
      saleStatus: product.saleStatus ?? "上架",
      stockStatus: product.stockStatus ?? "充足",
      templateId: product.templateId ?? "",
      details: product.details ?? "",
      cardType: product.cardType ?? 0,
    });
  }
  const templates: Record<string, readonly FuluSimulatorTemplateField[]> = {
    ...defaultFuluSimulatorTemplates,
    ...options.templates,
  };

  const orders = new Map<string, OrderState>();
  const lifecycle = new SimulatorLifecycle("Fulu");
  const requestLog = new SimulatorLog<FuluSimulatorRequestRecord>();
  const callbackLog = new CallbackRecorder<FuluCallbackAttempt>({
    ...callbackRetry,
    // Fulu retries unless the merchant answers the literal `success` (§1.7 [M]).
    isAcknowledged: (_status, reply) => reply === "success",
    signal: lifecycle.signal,
    now: () => clock.now(),
  });
  const settling = new AutoSettle<OrderState>(lifecycle, {
    enabled: options.autoSettle ?? true,
    delayOf: () => settleAfterMs,
    isFinal,
    settle: (order) => finalize(order, order.outcome === "failed" ? "failed" : "success"),
  });
  const faults = new FaultQueue<FuluSimulatorFault>();
  const requestFaults = new RequestFaults({
    queue: faults,
    kinds: requestFaultKinds,
    orderOf: (fault) => fault.customerOrderNo,
    http500: HTTP_500,
    wait: (ms) => lifecycle.wait(ms),
  });
  /** Lagging `info.get` answers per `customer_order_no` (`not-found-until`). */
  const notFoundLag = new QueryLag();
  let orderSequence = 0;

  // ---- bookkeeping -------------------------------------------------------------------------

  function productOrThrow(productId: number): ProductState {
    const product = products.get(productId);
    if (!product) throw new RangeError(`Fulu simulator: no product ${productId}`);
    return product;
  }

  function snapshot(order: OrderState): FuluSimulatedOrder {
    const copy: FuluSimulatedOrder = {
      customerOrderNo: order.customerOrderNo,
      orderId: order.orderId,
      method: order.method,
      orderType: order.orderType,
      state: order.state,
      productId: order.productId,
      productName: order.productName,
      account: order.account,
      buyNum: order.buyNum,
      price: order.price,
      createdAt: order.createdAt,
      operatorSerialNumber: order.operatorSerialNumber,
      cards: order.cards.map((card) => ({ ...card })),
    };
    if (order.finishedAt !== undefined) copy.finishedAt = order.finishedAt;
    return copy;
  }

  // ---- wire formats ------------------------------------------------------------------------

  function productJson(product: ProductState): Json {
    return {
      product_id: product.productId,
      product_name: product.name,
      product_type: product.type,
      face_value: Number(product.faceValue),
      purchase_price: Number(product.price),
      sales_status: product.saleStatus,
      stock_status: product.stockStatus,
      template_id: product.templateId,
      details: product.details,
    };
  }

  function orderJson(order: OrderState, withCards: boolean): Json {
    const json: Json = {
      order_id: order.orderId,
      customer_order_no: order.customerOrderNo,
      product_id: order.productId,
      product_name: order.productName,
      charge_account: order.account,
      buy_num: order.buyNum,
      order_type: order.orderType,
      order_price: Number(order.price),
      order_state: order.rawStateOverride ?? order.state,
      create_time: formatDateTime(order.createdAt),
      finish_time: order.finishedAt === undefined ? "" : formatDateTime(order.finishedAt),
      area: order.area,
      server: order.server,
      type: order.chargeType,
      operator_serial_number: order.operatorSerialNumber,
    };
    // Cards come only from info.get, and only once the order succeeded (§1.6, §1.8).
    if (withCards && order.state === "success" && order.method === "fulu.order.card.add") {
      json.cards = order.cards.map((card) => ({
        card_number: encryptFuluCardField(card.cardNumber, appSecret),
        card_pwd: encryptFuluCardField(card.cardPassword, appSecret),
        card_deadline: card.cardDeadline,
        card_type: String(card.cardType),
      }));
    }
    return json;
  }

  function callbackFields(order: OrderState): FuluCallbackFields {
    return {
      order_id: order.orderId,
      charge_finish_time: order.finishedAt === undefined ? "" : formatDateTime(order.finishedAt),
      customer_order_no: order.customerOrderNo,
      order_status: order.state,
      recharge_description: describeState(order.state),
      product_id: String(order.productId),
      price: fourDecimals(order.price),
      buy_num: String(order.buyNum),
      operator_serial_number: order.operatorSerialNumber,
    };
  }

  function envelope(answer: Answer, forgeSign: boolean): string {
    if (!answer.ok) {
      const sign = forgeSign ? md5Hex("forged") : "";
      return JSON.stringify({ code: answer.code, message: answer.message, result: "", sign });
    }
    const result = JSON.stringify(answer.result ?? null);
    // A wrong signature that still looks like one: the right algorithm over a different text.
    const sign = forgeSign ? fuluSign(`${result} `, appSecret) : fuluSign(result, appSecret);
    return JSON.stringify({ code: 0, message: SUCCESS_MESSAGE, result, sign });
  }

  // ---- the gateway -------------------------------------------------------------------------

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on("error", () => {});
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    if (path !== FULU_GATEWAY_PATH) {
      sendResponse(response, 404, "text/plain; charset=utf-8", "Not Found");
      return;
    }
    if (request.method !== "POST") {
      sendMethodNotAllowed(response, "POST");
      return;
    }
    const raw = await readBodyOr413(request, response);
    if (raw === undefined) return;
    const parsed = parseObject(raw);
    const method = typeof parsed?.method === "string" ? parsed.method : undefined;
    const business = typeof parsed?.biz_content === "string" ? parseObject(parsed.biz_content) : undefined;
    const customerOrderNo =
      typeof business?.customer_order_no === "string" ? business.customer_order_no : undefined;
    const record: FuluSimulatorRequestRecord = {
      method,
      customerOrderNo,
      signatureValid: parsed?.app_key === appKey && verifyFuluSignedJson(raw, appSecret),
      bizContent: business,
      at: clock.now(),
    };
    requestLog.push(record);

    const exchange = { request, response, record };
    const { fault, finished } = await requestFaults.open(exchange, method, customerOrderNo);
    if (finished) return;
    if (fault?.kind === "rate-limit") {
      record.httpStatus = 429;
      record.code = 1009;
      const answer: Answer = { ok: false, code: 1009, message: "接口调用过于频繁，请稍后再试" };
      sendRetryAfter(response, 429, JSON_TYPE, envelope(answer, false));
      return;
    }
    if (fault?.kind === "vendor-error") {
      const code = fault.code ?? 1000;
      const answer: Answer = { ok: false, code, message: fault.message ?? "系统繁忙，请稍后再试" };
      record.httpStatus = 200;
      record.code = code;
      sendResponse(response, 200, JSON_TYPE, envelope(answer, false));
      return;
    }

    const answer = answerCall(raw, parsed, request.headers["content-type"]);
    record.code = answer.ok ? 0 : answer.code;
    await requestFaults.send(
      fault,
      exchange,
      JSON_TYPE,
      envelope(answer, fault?.kind === "bad-response-signature"),
    );
  }

  /** Authenticates one gateway call and runs its method. Never throws. */
  function answerCall(raw: string, parsed: Json | undefined, contentType: string | undefined): Answer {
    try {
      if (!contentType?.toLowerCase().includes("json")) {
        throw new FuluRejection(1003, "Content-Type必须为application/json");
      }
      if (!parsed) throw new FuluRejection(1003, "请求参数不是合法的JSON");
      if (typeof parsed.app_key !== "string" || parsed.app_key.length === 0) {
        throw new FuluRejection(1003, "缺少公共参数app_key");
      }
      if (parsed.app_key !== appKey) throw new FuluRejection(1002, "app_key不存在");
      if (typeof parsed.sign !== "string" || parsed.sign.length === 0)
        throw new FuluRejection(1001, "缺少签名参数sign");
      if (!verifyFuluSignedJson(raw, appSecret)) throw new FuluRejection(1001, "签名验证失败");
      const business = readPublicParameters(parsed);
      return { ok: true, result: run(parsed.method as string, business) };
    } catch (error) {
      if (error instanceof FuluRejection) return { ok: false, code: error.code, message: error.message };
      return { ok: false, code: 1000, message: "系统繁忙，请稍后再试" };
    }
  }

  function run(method: string, business: Json): unknown {
    switch (method) {
      case "fulu.goods.list.get":
        return listProducts(business);
      case "fulu.goods.info.get": {
        const product = findProduct(requiredInteger(business, "product_id"));
        return { ...productJson(product), four_category_icon: "", detail_type: 0 };
      }
      case "fulu.goods.template.get":
        return template(requiredText(business, "template_id"));
      case "fulu.goods.stock.check": {
        const product = findProduct(requiredInteger(business, "product_id"));
        requiredInteger(business, "buy_num");
        return { product_id: product.productId, stock_status: product.stockStatus };
      }
      case "fulu.user.info.get":
        return { name: accountName, balance: Number(balance.amount), is_open: 1 };
      case "fulu.order.direct.add":
      case "fulu.order.card.add":
      case "fulu.order.mobile.add":
        return placeOrder(method, business);
      case "fulu.order.info.get":
        return queryOrder(requiredText(business, "customer_order_no"));
      default:
        throw new FuluRejection(1003, `不支持的方法：${method}`);
    }
  }

  function listProducts(business: Json): Json[] {
    const productId = optionalInteger(business, "product_id");
    const name = optionalText(business, "product_name");
    const type = optionalText(business, "product_type");
    const faceValue = business.face_value;
    // The vendor's list "只取上架状态的商品" (only on-sale products; cgghui response.go).
    // Category filters are accepted and ignored: the simulated catalogue has no categories.
    return [...products.values()]
      .filter((product) => product.saleStatus === "上架")
      .filter((product) => productId === undefined || product.productId === productId)
      .filter((product) => !name || product.name.includes(name))
      .filter((product) => !type || product.type === type)
      .filter(
        (product) =>
          faceValue === undefined ||
          faceValue === "" ||
          faceValue === null ||
          Number(faceValue) === Number(product.faceValue),
      )
      .map(productJson);
  }

  function template(templateId: string): Json {
    let fields = templates[templateId];
    if (!fields) {
      const used = [...products.values()].some((product) => product.templateId === templateId);
      if (!used) throw new FuluRejection(1003, "商品模板不存在");
      fields = [{ name: "ChargeAccount", title: "充值账号", required: true }];
    }
    return {
      template_id: templateId,
      element_info: fields.map((field) => ({
        name: field.name,
        title: field.title,
        type: field.options ? "select" : "text",
        required: field.required ? 1 : 0,
        options: field.options ?? [],
      })),
    };
  }

  function findProduct(productId: number): ProductState {
    const product = products.get(productId);
    if (!product) throw new FuluRejection(1004, "商品不存在");
    return product;
  }

  function placeOrder(method: FuluOrderMethod, business: Json): Json {
    const customerOrderNo = requiredText(business, "customer_order_no");
    let product: ProductState | undefined;
    let account = "";
    let buyNum = 1;
    if (method === "fulu.order.mobile.add") {
      account = requiredText(business, "charge_phone");
      const chargeValue = requiredInteger(business, "charge_value");
      const candidates = [...products.values()].filter(
        (candidate) => candidate.type === "话费" && Number(candidate.faceValue) === chargeValue,
      );
      product = candidates.find((candidate) => candidate.saleStatus === "上架") ?? candidates[0];
    } else {
      const productId = requiredInteger(business, "product_id");
      buyNum = requiredInteger(business, "buy_num");
      if (buyNum < 1 || buyNum > 1000) throw new FuluRejection(1003, "参数buy_num超出范围（1-1000）");
      if (method === "fulu.order.direct.add") account = requiredText(business, "charge_account");
      product = products.get(productId);
    }
    // A re-sent customer_order_no is refused before anything else (§1.9, legacy API code 3000).
    if (orders.has(customerOrderNo)) throw new FuluRejection(3000, "外部订单号已存在");
    if (!product)
      throw new FuluRejection(1004, method === "fulu.order.mobile.add" ? "不支持该面值" : "商品不存在");
    if (product.type !== productTypeOfMethod[method]) throw new FuluRejection(1003, "商品类型与下单接口不符");
    if (product.saleStatus !== "上架") throw new FuluRejection(1004, `商品${product.saleStatus}，暂不可购买`);
    if (product.stockStatus === "断货") throw new FuluRejection(1005, "商品库存不足");
    if (method === "fulu.order.mobile.add" && !/^1\d{10}$/.test(account)) {
      throw new FuluRejection(1007, "充值号码格式不正确");
    }
    const outcome = outcomeOf({ method, customerOrderNo, account, productId: product.productId, buyNum });
    if (outcome === "invalid-account") throw new FuluRejection(1007, "充值账号格式不正确");
    const price = multiplyMoney(money(product.price, "CNY"), buyNum);
    if (compareMoney(balance, price) < 0) throw new FuluRejection(1006, "账户余额不足");

    balance = subtractMoney(balance, price);
    const createdAt = clock.now();
    orderSequence += 1;
    const order: OrderState = {
      customerOrderNo,
      orderId: `${formatDateTime(createdAt).replace(/\D/g, "").slice(2)}${String(orderSequence).padStart(8, "0")}`,
      method,
      orderType: orderTypes[method],
      state: "untreated",
      productId: product.productId,
      productName: product.name,
      account,
      buyNum,
      price: price.amount,
      createdAt,
      operatorSerialNumber: "",
      cards: [],
      outcome,
      settleScheduled: false,
      area: typeof business.charge_game_region === "string" ? business.charge_game_region : "",
      server: typeof business.charge_game_srv === "string" ? business.charge_game_srv : "",
      chargeType: typeof business.charge_type === "string" ? business.charge_type : "",
      cardType: product.cardType,
    };
    orders.set(customerOrderNo, order);
    const lag = faults.take(
      (candidate) =>
        candidate.kind === "not-found-until" &&
        faultMatchesMethod(candidate, method) &&
        (candidate.customerOrderNo === undefined || candidate.customerOrderNo === customerOrderNo),
    );
    if (lag) notFoundLag.start(customerOrderNo, lag.queries);
    // The add answer shows the order as accepted, not yet worked on; queries then see processing.
    const answer = orderJson(order, false);
    order.state = "processing";
    settling.schedule(order);
    return answer;
  }

  function queryOrder(customerOrderNo: string): Json {
    const order = orders.get(customerOrderNo);
    if (!order || notFoundLag.lagging(customerOrderNo)) throw new FuluRejection(1008, "订单不存在");
    return orderJson(order, true);
  }

  // ---- settling and callbacks --------------------------------------------------------------

  function isFinal(order: OrderState): boolean {
    return order.state === "success" || order.state === "failed";
  }

  function finalize(order: OrderState, final: "success" | "failed"): void {
    order.state = final;
    order.finishedAt = clock.now();
    if (final === "success") {
      order.operatorSerialNumber = `SIM${order.orderId}`;
      if (order.method === "fulu.order.card.add") order.cards = makeCards(order);
    } else {
      balance = addMoney(balance, money(order.price, "CNY"));
    }
    if (callbackUrl !== undefined) {
      const fields = callbackFields(order);
      void dispatchCallback(fields, signCallback(fields).fields, callbackUrl, callbackFormat, "final");
    }
  }

  function makeCards(order: OrderState): FuluSimulatedCard[] {
    const deadline = formatDateTime((order.finishedAt ?? order.createdAt) + CARD_VALIDITY_MS);
    return Array.from({ length: order.buyNum }, (_, index) => {
      const seed = md5Hex(`${order.orderId}:${index}`).toUpperCase();
      return {
        cardNumber: `CD${order.orderId}${String(index + 1).padStart(2, "0")}`,
        cardPassword: `CP${seed.slice(0, 16)}`,
        cardDeadline: deadline,
        cardType: order.cardType,
      };
    });
  }

  function signCallback(fields: Readonly<Record<string, string>>): FuluSignedCallback {
    const { sign: _ignored, ...rest } = fields;
    const sign = fuluSign(JSON.stringify(rest), appSecret);
    const signed: Record<string, string> = { ...rest, sign };
    return {
      fields: signed,
      sign,
      json: JSON.stringify(signed),
      form: new URLSearchParams(signed).toString(),
    };
  }

  /** Delivers one callback, plus the duplicate / stale copies queued faults ask for. */
  function dispatchCallback(
    fields: Readonly<Record<string, string>>,
    signed: Readonly<Record<string, string>>,
    url: string,
    format: "json" | "form",
    reason: "final" | "manual",
  ): Promise<FuluCallbackAttempt[]> {
    const customerOrderNo = fields.customer_order_no ?? "";
    const forOrder = (kind: FuluFaultKind) => (candidate: FuluSimulatorFault) =>
      candidate.kind === kind &&
      (candidate.customerOrderNo === undefined || candidate.customerOrderNo === customerOrderNo);
    const duplicate = faults.take(forOrder("duplicate-callback"));
    const outOfOrder = faults.take(forOrder("out-of-order-callback"));
    const run = async () => {
      const attempts = await deliver(signed, url, format, reason);
      if (duplicate) attempts.push(...(await deliver(signed, url, format, "duplicate")));
      if (outOfOrder) {
        const stale = signCallback({
          ...fields,
          order_status: "processing",
          recharge_description: describeState("processing"),
          charge_finish_time: "",
          operator_serial_number: "",
        });
        attempts.push(...(await deliver(stale.fields, url, format, "stale")));
      }
      return attempts;
    };
    return lifecycle.track(run());
  }

  function deliver(
    signed: Readonly<Record<string, string>>,
    url: string,
    format: "json" | "form",
    reason: FuluCallbackAttempt["reason"],
  ): Promise<FuluCallbackAttempt[]> {
    const body = format === "json" ? JSON.stringify(signed) : new URLSearchParams(signed).toString();
    const contentType = format === "json" ? "application/json" : "application/x-www-form-urlencoded";
    return callbackLog.deliver({ url, body, contentType }, reason, () => ({
      customerOrderNo: signed.customer_order_no ?? "",
      orderStatus: signed.order_status ?? "",
    }));
  }

  // ---- the public object -------------------------------------------------------------------

  const simulator: FuluSimulator = {
    ...lifecycle.controls(handle, options),
    get url() {
      return `${lifecycle.running().origin}${FULU_GATEWAY_PATH}`;
    },
    get port() {
      return lifecycle.running().port;
    },
    get appKey() {
      return appKey;
    },
    get appSecret() {
      return appSecret;
    },

    orders: () => [...orders.values()].map(snapshot),
    order(customerOrderNo) {
      const order = orders.get(customerOrderNo);
      return order ? snapshot(order) : undefined;
    },
    requests: (method) => requestLog.select("method", method),
    callbacks: (customerOrderNo) => callbackLog.select("customerOrderNo", customerOrderNo),
    balance: () => balance.amount,
    setBalance(amount) {
      balance = checks.amount(amount, "balance");
    },
    products: () =>
      [...products.values()].map((product) => ({
        productId: product.productId,
        name: product.name,
        type: product.type,
        faceValue: product.faceValue,
        price: product.price,
        saleStatus: product.saleStatus,
        stockStatus: product.stockStatus,
        templateId: product.templateId,
        details: product.details,
        cardType: product.cardType,
      })),
    setStock(productId, stockStatus) {
      productOrThrow(productId).stockStatus = stockStatus;
    },
    setPrice(productId, price) {
      productOrThrow(productId).price = checks.amount(price, "price").amount;
    },
    setSaleStatus(productId, saleStatus) {
      productOrThrow(productId).saleStatus = saleStatus;
    },

    completeOrder(customerOrderNo, final) {
      const order = orders.get(customerOrderNo);
      if (!order) throw new RangeError(`Fulu simulator: no order "${customerOrderNo}"`);
      if (isFinal(order))
        throw new RangeError(`Fulu simulator: order "${customerOrderNo}" is already ${order.state}`);
      finalize(order, final);
      return snapshot(order);
    },

    setRawOrderState(customerOrderNo, rawState) {
      const order = orders.get(customerOrderNo);
      if (!order) throw new RangeError(`Fulu simulator: no order "${customerOrderNo}"`);
      order.rawStateOverride = rawState;
    },

    setAutoSettle(enabled) {
      settling.set(enabled, orders.values());
    },

    injectFault(fault) {
      checks.faultKind(faultKinds, fault);
      checks.faultTiming(fault);
      const existing = fault.customerOrderNo === undefined ? undefined : orders.get(fault.customerOrderNo);
      if (fault.kind === "not-found-until" && existing) {
        // The order already exists: its lag starts now.
        notFoundLag.start(existing.customerOrderNo, fault.queries);
        return;
      }
      faults.push(fault);
    },
    pendingFaults: () => faults.pending(),
    clearFaults() {
      faults.clear();
    },

    sendCallback(customerOrderNo, overrides = {}, callOptions = {}) {
      const order = orders.get(customerOrderNo);
      if (!order) return Promise.reject(new RangeError(`Fulu simulator: no order "${customerOrderNo}"`));
      const url = callOptions.url ?? callbackUrl;
      if (url === undefined) {
        return Promise.reject(
          new Error("Fulu simulator: no callback URL (set the callbackUrl option or pass url)"),
        );
      }
      const { sign, ...fieldOverrides } = overrides;
      const fields: Record<string, string> = { ...callbackFields(order) };
      for (const [key, value] of Object.entries(fieldOverrides)) if (value !== undefined) fields[key] = value;
      const signed = sign === undefined ? signCallback(fields).fields : { ...fields, sign };
      return dispatchCallback(fields, signed, url, callOptions.format ?? callbackFormat, "manual");
    },
    signCallback,
  };

  return simulator;
}

// ---- helpers -----------------------------------------------------------------------------------

function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks the public parameters (§1.2) and returns the parsed `biz_content`. */
function readPublicParameters(parameters: Json): Json {
  for (const name of [
    "method",
    "timestamp",
    "version",
    "format",
    "charset",
    "sign_type",
    "app_auth_token",
    "biz_content",
  ]) {
    if (typeof parameters[name] !== "string") throw new FuluRejection(1003, `缺少公共参数${name}`);
  }
  const text = (name: string) => (parameters[name] as string).toLowerCase();
  if (!timestampPattern.test(parameters.timestamp as string)) {
    throw new FuluRejection(1003, "timestamp格式错误，应为yyyy-MM-dd HH:mm:ss");
  }
  if (parameters.version !== "2.0") throw new FuluRejection(1003, "version必须为2.0");
  if (text("format") !== "json") throw new FuluRejection(1003, "format必须为json");
  if (text("charset") !== "utf-8") throw new FuluRejection(1003, "charset必须为utf-8");
  if (text("sign_type") !== "md5") throw new FuluRejection(1003, "sign_type目前仅支持md5");
  const business = parseObject(parameters.biz_content as string);
  if (!business) throw new FuluRejection(1003, "biz_content必须是JSON对象字符串");
  return business;
}

function requiredInteger(business: Json, name: string): number {
  const value = optionalInteger(business, name);
  if (value === undefined) throw new FuluRejection(1003, `缺少参数${name}`);
  return value;
}

function optionalInteger(business: Json, name: string): number | undefined {
  const value = business[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^\d{1,15}$/.test(value)) return Number(value);
  throw new FuluRejection(1003, `参数${name}必须是整数`);
}

function requiredText(business: Json, name: string): string {
  const value = optionalText(business, name);
  if (value === undefined || value.length === 0) throw new FuluRejection(1003, `缺少参数${name}`);
  if (value.length > 64) throw new FuluRejection(1003, `参数${name}过长`);
  return value;
}

function optionalText(business: Json, name: string): string | undefined {
  const value = business[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw new FuluRejection(1003, `参数${name}必须是字符串`);
}

function describeState(state: FuluSimulatedOrderState): string {
  if (state === "success") return "充值成功";
  if (state === "failed") return "充值失败";
  return "充值处理中";
}

/** "46.3" → "46.3000", as in the vendor's callback sample (§1.7). */
function fourDecimals(amount: string): string {
  const [whole = "0", fraction = ""] = amount.split(".");
  return `${whole}.${fraction.padEnd(4, "0")}`;
}
