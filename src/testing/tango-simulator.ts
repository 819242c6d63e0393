/**
 * An in-process Tango Card RaaS v2 supplier that speaks the vendor's REST protocol
 * (vendor-protocols.md §6): HTTP Basic auth (`platformName:platformKey`), `GET /catalogs`,
 * `GET /accounts/{identifier}` (`currentBalance`), `POST /orders` debiting the account and
 * answering the reward synchronously (201), a re-sent `externalRefID` answered with the original
 * order (200, "retry safe"), 409.002 while an order with that id is still in process, and
 * `GET /orders?externalRefID=` / `GET /orders/{referenceOrderID}`.
 *
 * On top of the protocol it offers the same scripted faults and inspection API as the other
 * simulators (dropped connections after commit, gateway pages, rate limits, lag) and a ledger of
 * balance movements, so a test can prove one order was made and what it cost. It listens on
 * 127.0.0.1 only and prints nothing. Tango has no order callbacks.
 *
 * Error answers are `{ timestamp, requestId, path, httpCode, httpPhrase, i18nKey, message,
 * errors[] }`: 400.001 bad request, 401.001 unauthorized, 402.001 insufficient funds, 404.001
 * not found, 409.002 in process, 429.001 rate limited, 500.001 internal error. Keys beyond 402.001
 * and 409.002 are the simulator's own [?].
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { serializeTangoJson, tangoDecimal } from "../../adapters/tango/tango-adapter.js";
import {
  addMoney,
  ConfigurationError,
  compareMoney,
  type Money,
  money,
  subtractMoney,
} from "../core/index.js";
import { systemClock } from "../runtime/clock.js";
import {
  FaultQueue,
  type Http500Style,
  QueryLag,
  RequestFaults,
  SHARED_REQUEST_FAULT_KINDS,
  sendRetryAfter,
} from "./simulator-faults.js";
import { SimulatorLifecycle, SimulatorLog } from "./simulator-lifecycle.js";
import { simulatorChecks } from "./simulator-options.js";
import { readBodyOr413, sendMethodNotAllowed, sendResponse } from "./simulator-server.js";
import {
  defaultTangoSimulatorCatalogue,
  TANGO_SIMULATOR_ACCOUNT,
  TANGO_SIMULATOR_CUSTOMER,
  TANGO_SIMULATOR_PLATFORM_KEY,
  TANGO_SIMULATOR_PLATFORM_NAME,
  type TangoSimulatorItem,
} from "./tango-simulator-catalogue.js";
import type {
  TangoLedgerEntry,
  TangoRequestFaultKind,
  TangoSimulatedOrder,
  TangoSimulator,
  TangoSimulatorEndpoint,
  TangoSimulatorFault,
  TangoSimulatorOptions,
  TangoSimulatorOutcome,
  TangoSimulatorRequestRecord,
} from "./tango-simulator-types.js";

export {
  defaultTangoSimulatorCatalogue,
  TANGO_SIMULATOR_ACCOUNT,
  TANGO_SIMULATOR_CUSTOMER,
  TANGO_SIMULATOR_PLATFORM_KEY,
  TANGO_SIMULATOR_PLATFORM_NAME,
  type TangoSimulatorItem,
} from "./tango-simulator-catalogue.js";
export type {
  TangoFaultKind,
  TangoLedgerEntry,
  TangoRequestFaultKind,
  TangoSimulatedOrder,
  TangoSimulator,
  TangoSimulatorEndpoint,
  TangoSimulatorFault,
  TangoSimulatorOptions,
  TangoSimulatorOutcome,
  TangoSimulatorRequestRecord,
} from "./tango-simulator-types.js";

/** The API's base path: the adapter's `endpoint` is `http://127.0.0.1:<port>/raas/v2`. */
export const TANGO_SIMULATOR_BASE_PATH = "/raas/v2";

type Json = Record<string, unknown>;

/** A Tango error answer; thrown inside the request pipeline, turned into an error body. */
class TangoRejection extends Error {
  constructor(
    readonly httpStatus: number,
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

interface OrderState extends Omit<TangoSimulatedOrder, "amount" | "history" | "credentials"> {
  amount: Money;
  charged: Money;
  history: Array<{ status: string; at: number }>;
  credentials: TangoSimulatedOrder["credentials"];
  item: TangoSimulatorItem;
  outcome: TangoSimulatorOutcome;
  /** While set, a re-send of the id is answered 409.002. */
  inProcess: boolean;
  rawStatus?: string | undefined;
  settleScheduled: boolean;
}

const requestFaultKinds: ReadonlySet<string> = new Set<TangoRequestFaultKind>([
  ...SHARED_REQUEST_FAULT_KINDS,
  "rate-limit",
  "vendor-error",
]);
const faultKinds: ReadonlySet<string> = new Set<string>([
  ...requestFaultKinds,
  "in-process",
  "not-found-until",
]);
const phrases: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  404: "Not Found",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
};
const JSON_TYPE = "application/json;charset=UTF-8";
const checks = simulatorChecks("Tango");
const HTTP_500: Http500Style = {
  defaultFormat: "json",
  jsonContentType: JSON_TYPE,
  textContentType: "text/plain; charset=utf-8",
};

/**
 * Creates a Tango simulator; call `start()` before use and `close()` after. Throws
 * `ConfigurationError` for an invalid option (a malformed amount, an item in another currency).
 */
export function createTangoSimulator(options: TangoSimulatorOptions = {}): TangoSimulator {
  const platformName = options.platformName ?? TANGO_SIMULATOR_PLATFORM_NAME;
  const platformKey = options.platformKey ?? TANGO_SIMULATOR_PLATFORM_KEY;
  if (platformName.length === 0 || platformName.includes(":")) {
    throw new ConfigurationError("Tango simulator: platformName must be non-empty and contain no ':'");
  }
  if (platformKey.length === 0)
    throw new ConfigurationError("Tango simulator: platformKey must not be empty");
  const expectedAuthorization = `Basic ${Buffer.from(`${platformName}:${platformKey}`, "utf8").toString("base64")}`;
  const customerIdentifier = options.customerIdentifier ?? TANGO_SIMULATOR_CUSTOMER;
  const accountIdentifier = options.accountIdentifier ?? TANGO_SIMULATOR_ACCOUNT;
  const clock = options.clock ?? systemClock;
  const currencyCode = options.currencyCode ?? "USD";
  const settleAfterMs = checks.nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const outcomeOf = options.outcome ?? (() => "complete" as const);
  const fee = amountOption(options.fee ?? "0", "fee", currencyCode);
  const items = new Map<string, TangoSimulatorItem>();
  for (const item of options.catalogue ?? defaultTangoSimulatorCatalogue) {
    if (item.currencyCode !== currencyCode) {
      throw new ConfigurationError(
        `Tango simulator: item ${item.utid} is in ${item.currencyCode}, the account is in ${currencyCode}`,
      );
    }
    for (const amount of [item.faceValue, item.minValue, item.maxValue]) {
      if (amount !== undefined) amountOption(amount, `amounts of item ${item.utid}`, currencyCode);
    }
    items.set(item.utid, { ...item });
  }

  let balance: Money = amountOption(options.balance ?? "10000.00", "balance", currencyCode);
  let autoSettle = options.autoSettle ?? true;
  const orders = new Map<string, OrderState>(); // by externalRefID
  const ordersByReference = new Map<string, OrderState>();
  const lifecycle = new SimulatorLifecycle("Tango");
  const requestLog = new SimulatorLog<TangoSimulatorRequestRecord>();
  const ledgerLog = new SimulatorLog<TangoLedgerEntry>();
  const faults = new FaultQueue<TangoSimulatorFault>();
  const requestFaults = new RequestFaults({
    queue: faults,
    kinds: requestFaultKinds,
    orderOf: (fault) => fault.externalRefId,
    http500: HTTP_500,
    wait: (ms) => lifecycle.wait(ms),
  });
  const notFoundLag = new QueryLag();
  let sequence = 0;

  // ---- bookkeeping -------------------------------------------------------------------------

  function snapshot(order: OrderState): TangoSimulatedOrder {
    return {
      referenceOrderId: order.referenceOrderId,
      externalRefId: order.externalRefId,
      utid: order.utid,
      amount: order.amount.amount,
      currencyCode: order.currencyCode,
      status: order.status,
      history: order.history.map((entry) => ({ ...entry })),
      credentials: order.credentials.map((entry) => ({ ...entry })),
      sendEmail: order.sendEmail,
      recipientEmail: order.recipientEmail,
      createdAt: order.createdAt,
    };
  }

  function move(order: OrderState, movement: TangoLedgerEntry["movement"]): void {
    balance = movement === "debit" ? subtractMoney(balance, order.charged) : addMoney(balance, order.charged);
    ledgerLog.push({
      externalRefId: order.externalRefId,
      referenceOrderId: order.referenceOrderId,
      movement,
      amount: order.charged.amount,
      currencyCode: order.charged.currency,
      balance: balance.amount,
      at: clock.now(),
    });
  }

  function setStatus(order: OrderState, status: string): void {
    order.status = status;
    order.history.push({ status, at: clock.now() });
    if (status === "COMPLETE") {
      order.inProcess = false;
      order.credentials = credentialsFor(order);
    } else if (status === "FAILED" || status === "CANCELLED") {
      order.inProcess = false;
      move(order, "refund");
    }
  }

  function credentialsFor(order: OrderState): TangoSimulatedOrder["credentials"] {
    const digits = `${order.referenceOrderId.replace(/\D/g, "")}${"0".repeat(16)}`.slice(0, 16);
    const code = `TC-${order.referenceOrderId.slice(-6)}-${digits.slice(-8)}`;
    switch (order.item.credentials) {
      case "card-pin":
        return [
          { label: "Card Number", value: `4${digits.slice(1)}`, type: "text", credentialType: "cardNumber" },
          { label: "PIN", value: digits.slice(-4), type: "text", credentialType: "pin" },
        ];
      case "link":
        return [
          {
            label: "Redemption Link",
            value: `https://sandbox.rewardlink.example/r/${code}`,
            type: "url",
            credentialType: "redemptionUrl",
          },
        ];
      default:
        return [{ label: "Claim Code", value: code, type: "text", credentialType: "claimCode" }];
    }
  }

  function settleLater(order: OrderState, delayMs: number): void {
    if (!autoSettle || order.settleScheduled || order.status !== "PENDING") return;
    order.settleScheduled = true;
    void lifecycle.wait(delayMs).then((fired) => {
      order.settleScheduled = false;
      if (fired && autoSettle && order.status === "PENDING")
        setStatus(order, order.outcome === "failed" ? "FAILED" : "COMPLETE");
    });
  }

  // ---- wire formats ------------------------------------------------------------------------

  const decimal = (value: Money) => tangoDecimal(value.amount);

  function orderJson(order: OrderState): Json {
    const status = order.rawStatus ?? order.status;
    const credentials: Json = {};
    for (const entry of order.credentials) credentials[entry.label] = entry.value;
    return {
      referenceOrderID: order.referenceOrderId,
      externalRefID: order.externalRefId,
      customerIdentifier,
      accountIdentifier,
      accountNumber: accountIdentifier,
      amountCharged: {
        value: decimal(order.amount),
        currencyCode: order.amount.currency,
        exchangeRate: tangoDecimal("1"),
        fee: decimal(fee),
        total: decimal(order.charged),
      },
      denomination: { value: decimal(order.amount), currencyCode: order.amount.currency },
      utid: order.utid,
      rewardName: order.item.rewardName,
      sender: { firstName: "", lastName: "", email: "" },
      recipient: { email: order.recipientEmail ?? "", firstName: "", lastName: "" },
      sendEmail: order.sendEmail,
      status,
      createdAt: new Date(order.createdAt).toISOString(),
      reward:
        order.credentials.length > 0
          ? {
              credentials,
              credentialList: order.credentials.map((entry) => ({ ...entry })),
              redemptionInstructions: "<p>Redeem online.</p>",
            }
          : null,
    };
  }

  function catalogJson(): Json {
    const brands = new Map<string, Json[]>();
    for (const item of items.values()) {
      const list = brands.get(item.brandName) ?? [];
      list.push({
        utid: item.utid,
        rewardName: item.rewardName,
        currencyCode: item.currencyCode,
        status: item.status ?? "active",
        valueType: item.valueType,
        rewardType: "gift card",
        ...(item.faceValue ? { faceValue: tangoDecimal(money(item.faceValue, currencyCode).amount) } : {}),
        ...(item.minValue ? { minValue: tangoDecimal(money(item.minValue, currencyCode).amount) } : {}),
        ...(item.maxValue ? { maxValue: tangoDecimal(money(item.maxValue, currencyCode).amount) } : {}),
        countries: ["US"],
        createdDate: "2024-01-01T00:00:00Z",
        lastUpdateDate: "2024-01-01T00:00:00Z",
      });
      brands.set(item.brandName, list);
    }
    return {
      catalogName: "kaquan simulator catalog",
      brands: [...brands.entries()].map(([brandName, list]) => ({
        brandKey: `B${brandName.replace(/\W/g, "").toUpperCase()}`,
        brandName,
        status: "active",
        items: list,
      })),
    };
  }

  function errorBody(status: number, key: string, message: string, path: string): Json {
    return {
      timestamp: new Date(clock.now()).toISOString(),
      requestId: `sim-${++sequence}`,
      path,
      httpCode: status,
      httpPhrase: phrases[status] ?? "Error",
      i18nKey: key,
      message,
      errors: [{ path: "", i18nKey: key, message, invalidValue: null }],
    };
  }

  // ---- the HTTP front ------------------------------------------------------------------------

  interface Route {
    endpoint: TangoSimulatorEndpoint;
    id?: string;
  }

  const routes: ReadonlyArray<readonly [RegExp, "GET" | "POST", (captures: string[]) => Route]> = [
    [/^\/catalogs$/, "GET", () => ({ endpoint: "catalogs" })],
    [/^\/accounts\/([^/]+)$/, "GET", ([id]) => ({ endpoint: "account", id: safeDecode(id!) })],
    [/^\/orders\/([^/]+)$/, "GET", ([id]) => ({ endpoint: "order", id: safeDecode(id!) })],
  ];

  function routeOf(method: string, path: string): Route | { allow: string } | undefined {
    if (!path.startsWith(`${TANGO_SIMULATOR_BASE_PATH}/`)) return undefined;
    const rest = path.slice(TANGO_SIMULATOR_BASE_PATH.length);
    if (rest === "/orders") {
      if (method === "POST") return { endpoint: "createOrder" };
      if (method === "GET") return { endpoint: "ordersByExternalRefId" };
      return { allow: "GET, POST" };
    }
    for (const [pattern, allowed, build] of routes) {
      const match = pattern.exec(rest);
      if (match) return method === allowed ? build(match.slice(1)) : { allow: allowed };
    }
    return undefined;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on("error", () => {});
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const method = request.method ?? "GET";
    const raw = await readBodyOr413(request, response);
    if (raw === undefined) return;
    const found = routeOf(method, url.pathname);
    const route = found && "endpoint" in found ? found : undefined;
    const body = raw.length > 0 ? parseObject(raw) : undefined;
    const authorization = request.headers.authorization;
    const record: TangoSimulatorRequestRecord = {
      endpoint: route?.endpoint ?? "unknown",
      httpMethod: method,
      path: `${url.pathname}${url.search}`,
      authorized: authorization === expectedAuthorization,
      authorization,
      body,
      at: clock.now(),
    };
    record.externalRefId =
      route?.endpoint === "createOrder"
        ? typeof body?.externalRefID === "string"
          ? body.externalRefID
          : undefined
        : route?.endpoint === "ordersByExternalRefId"
          ? (url.searchParams.get("externalRefID") ?? undefined)
          : route?.endpoint === "order"
            ? ordersByReference.get(route.id ?? "")?.externalRefId
            : undefined;
    requestLog.push(record);
    const reply = (status: number, value: unknown) => {
      record.httpStatus = status;
      sendResponse(response, status, JSON_TYPE, serializeTangoJson(value));
    };

    if (found && "allow" in found) {
      record.httpStatus = 405;
      sendMethodNotAllowed(response, found.allow);
      return;
    }
    if (route === undefined) {
      record.errorCode = "404.001";
      reply(404, errorBody(404, "404.001", "Resource not found", url.pathname));
      return;
    }
    const exchange = { request, response, record };
    const { fault, finished } = await requestFaults.open(exchange, route.endpoint, record.externalRefId);
    if (finished) return;
    if (fault?.kind === "rate-limit") {
      record.httpStatus = 429;
      record.errorCode = "429.001";
      sendRetryAfter(
        response,
        429,
        JSON_TYPE,
        serializeTangoJson(errorBody(429, "429.001", "Too many requests", url.pathname)),
      );
      return;
    }
    if (fault?.kind === "vendor-error") {
      const status = fault.httpStatus ?? 500;
      const key = fault.code ?? "500.001";
      record.errorCode = key;
      reply(status, errorBody(status, key, fault.message ?? "An internal error occurred", url.pathname));
      return;
    }

    let status: number;
    let value: unknown;
    if (!record.authorized) {
      record.errorCode = "401.001";
      response.setHeader("www-authenticate", 'Basic realm="RaaS"');
      status = 401;
      value = errorBody(401, "401.001", "Unauthorized", url.pathname);
    } else {
      try {
        [status, value] = run(route, url, body, record);
      } catch (error) {
        const rejection =
          error instanceof TangoRejection
            ? error
            : new TangoRejection(500, "500.001", "An internal error occurred");
        record.errorCode = rejection.key;
        status = rejection.httpStatus;
        value = errorBody(rejection.httpStatus, rejection.key, rejection.message, url.pathname);
      }
    }
    if (fault?.kind === "commit-then-drop") {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === "delay" && !(await lifecycle.wait(fault.delayMs ?? 1000))) return;
    if (lifecycle.closed) return;
    let text = serializeTangoJson(value);
    if (fault?.kind === "malformed-json") text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    record.httpStatus = status;
    sendResponse(response, status, JSON_TYPE, text);
  }

  function run(
    route: Route,
    url: URL,
    body: Json | undefined,
    record: TangoSimulatorRequestRecord,
  ): [number, unknown] {
    switch (route.endpoint) {
      case "catalogs":
        return [200, catalogJson()];
      case "account": {
        if (route.id !== accountIdentifier) throw new TangoRejection(404, "404.001", "Account not found");
        return [
          200,
          {
            accountIdentifier,
            accountNumber: accountIdentifier,
            displayName: "kaquan simulator account",
            currencyCode,
            currentBalance: decimal(balance),
            createdAt: "2024-01-01T00:00:00Z",
            status: "ACTIVE",
            contactEmail: "ops@example.com",
          },
        ];
      }
      case "order": {
        const order = ordersByReference.get(route.id ?? "");
        if (!order) throw new TangoRejection(404, "404.001", "Order not found");
        return [200, orderJson(order)];
      }
      case "ordersByExternalRefId": {
        const ref = url.searchParams.get("externalRefID");
        const list = [...orders.values()].filter(
          (order) => ref === null || (order.externalRefId === ref && !notFoundLag.lagging(ref)),
        );
        return [
          200,
          {
            page: { number: 0, elementsPerBlock: 100, resultCount: list.length, totalCount: list.length },
            orders: list.map(orderJson),
          },
        ];
      }
      case "createOrder":
        return createOrder(body, record);
      default:
        throw new TangoRejection(404, "404.001", "Resource not found");
    }
  }

  function createOrder(body: Json | undefined, record: TangoSimulatorRequestRecord): [number, unknown] {
    if (!body) throw new TangoRejection(400, "400.001", "The request body is not a JSON object");
    const { accountIdentifier: account, customerIdentifier: customer, utid, externalRefID } = body;
    if (account !== accountIdentifier || customer !== customerIdentifier) {
      throw new TangoRejection(400, "400.002", "Unknown customerIdentifier or accountIdentifier");
    }
    if (typeof body.sendEmail !== "boolean")
      throw new TangoRejection(400, "400.003", "sendEmail is required");
    if (
      externalRefID !== undefined &&
      (typeof externalRefID !== "string" || !/^[A-Za-z0-9_-]{1,100}$/.test(externalRefID))
    ) {
      throw new TangoRejection(400, "400.004", "externalRefID must be at most 100 characters");
    }
    const existing = typeof externalRefID === "string" ? orders.get(externalRefID) : undefined;
    if (existing) {
      if (existing.inProcess) {
        throw new TangoRejection(
          409,
          "409.002",
          "Another order with the same external reference ID is currently in process but not complete",
        );
      }
      record.replayed = true;
      return [200, orderJson(existing)];
    }
    const item = typeof utid === "string" ? items.get(utid) : undefined;
    if (!item || (item.status ?? "active") !== "active")
      throw new TangoRejection(400, "400.005", "Invalid utid");
    if (typeof body.amount !== "number") throw new TangoRejection(400, "400.006", "amount is required");
    let amount: Money;
    try {
      amount = money(body.amount, currencyCode);
    } catch {
      throw new TangoRejection(400, "400.006", "amount is not a valid amount");
    }
    if (
      item.valueType === "FIXED_VALUE" &&
      compareMoney(amount, money(item.faceValue ?? "0", currencyCode)) !== 0
    ) {
      throw new TangoRejection(400, "400.007", `amount must be ${item.faceValue} for utid ${item.utid}`);
    }
    if (
      item.valueType === "VARIABLE_VALUE" &&
      (compareMoney(amount, money(item.minValue ?? "0", currencyCode)) < 0 ||
        compareMoney(amount, money(item.maxValue ?? "0", currencyCode)) > 0)
    ) {
      throw new TangoRejection(
        400,
        "400.007",
        `amount must be between ${item.minValue} and ${item.maxValue}`,
      );
    }
    const charged = addMoney(amount, fee);
    if (compareMoney(balance, charged) < 0) {
      throw new TangoRejection(402, "402.001", "Insufficient funds to place this order");
    }
    const recipient = body.recipient as Json | undefined;
    const recipientEmail = typeof recipient?.email === "string" ? recipient.email : undefined;
    if (body.sendEmail === true && !recipientEmail) {
      throw new TangoRejection(400, "400.008", "recipient.email is required when sendEmail is true");
    }
    const ref = typeof externalRefID === "string" ? externalRefID : `auto-${sequence + 1}`;
    const inProcessFault = faults.take(
      (fault) =>
        fault.kind === "in-process" && (fault.externalRefId === undefined || fault.externalRefId === ref),
    );
    sequence += 1;
    const order: OrderState = {
      referenceOrderId: `RA${String(240101000000 + sequence)}`,
      externalRefId: ref,
      utid: item.utid,
      amount,
      charged,
      currencyCode,
      status: "PENDING",
      history: [],
      credentials: [],
      sendEmail: body.sendEmail,
      recipientEmail,
      createdAt: clock.now(),
      item,
      outcome: outcomeOf({ externalRefId: ref, utid: item.utid, amount: amount.amount }),
      inProcess: false,
      settleScheduled: false,
    };
    orders.set(ref, order);
    ordersByReference.set(order.referenceOrderId, order);
    order.history.push({ status: "PENDING", at: clock.now() });
    move(order, "debit");
    const pendingFault = faults.take(
      (fault) =>
        fault.kind === "not-found-until" &&
        (fault.externalRefId === undefined || fault.externalRefId === ref),
    );
    if (pendingFault) notFoundLag.start(ref, pendingFault.queries);
    if (inProcessFault) {
      order.inProcess = true;
      const delayMs = inProcessFault.delayMs ?? 50;
      void lifecycle.wait(delayMs).then((fired) => {
        if (fired && order.status === "PENDING")
          setStatus(order, order.outcome === "failed" ? "FAILED" : "COMPLETE");
      });
      throw new TangoRejection(
        409,
        "409.002",
        "Another order with the same external reference ID is currently in process but not complete",
      );
    }
    if (order.outcome === "complete") setStatus(order, "COMPLETE");
    else if (order.outcome === "failed") setStatus(order, "FAILED");
    else settleLater(order, settleAfterMs);
    return [201, orderJson(order)];
  }

  // ---- the public object -------------------------------------------------------------------

  function orderByRef(externalRefId: string): OrderState {
    const order = orders.get(externalRefId);
    if (!order) throw new RangeError(`Tango simulator: no order "${externalRefId}"`);
    return order;
  }

  const simulator: TangoSimulator = {
    ...lifecycle.controls(handle, options),
    get url() {
      return `${lifecycle.running().origin}${TANGO_SIMULATOR_BASE_PATH}`;
    },
    get port() {
      return lifecycle.running().port;
    },
    get platformName() {
      return platformName;
    },
    get platformKey() {
      return platformKey;
    },
    get customerIdentifier() {
      return customerIdentifier;
    },
    get accountIdentifier() {
      return accountIdentifier;
    },
    orders: () => [...orders.values()].map(snapshot),
    order(externalRefId) {
      const order = orders.get(externalRefId);
      return order ? snapshot(order) : undefined;
    },
    requests: (endpoint) => requestLog.select("endpoint", endpoint),
    callbacks: () => [],
    ledger: (externalRefId) => ledgerLog.select("externalRefId", externalRefId),
    balance: () => balance.amount,
    setBalance(amount) {
      balance = amountOption(amount, "balance", currencyCode);
    },
    items: () => [...items.values()].map((item) => ({ ...item })),
    setRawOrderState(externalRefId, raw) {
      orderByRef(externalRefId).rawStatus = raw;
    },
    completeOrder(externalRefId, status = "COMPLETE") {
      const order = orderByRef(externalRefId);
      if (order.status !== "PENDING") {
        throw new RangeError(`Tango simulator: order "${externalRefId}" is already ${order.status}`);
      }
      setStatus(order, status);
      return snapshot(order);
    },
    cancelOrder(externalRefId) {
      const order = orderByRef(externalRefId);
      if (order.status === "CANCELLED" || order.status === "FAILED") {
        throw new RangeError(`Tango simulator: order "${externalRefId}" is already ${order.status}`);
      }
      setStatus(order, "CANCELLED");
      return snapshot(order);
    },
    setAutoSettle(enabled) {
      autoSettle = enabled;
      if (enabled) for (const order of orders.values()) settleLater(order, settleAfterMs);
    },
    injectFault(fault) {
      checks.faultKind(faultKinds, fault);
      checks.faultTiming(fault);
      const existing = fault.externalRefId === undefined ? undefined : orders.get(fault.externalRefId);
      if (existing && fault.kind === "not-found-until") {
        notFoundLag.start(existing.externalRefId, fault.queries);
        return;
      }
      faults.push(fault);
    },
    pendingFaults: () => faults.pending(),
    clearFaults() {
      faults.clear();
    },
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

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function amountOption(amount: string, name: string, currency: string): Money {
  try {
    return money(amount, currency);
  } catch {
    throw new ConfigurationError(
      `Tango simulator: ${name}: "${amount}" is not a decimal amount such as "10000.00"`,
    );
  }
}
