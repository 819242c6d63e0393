/**
 * An in-process DT One DVS supplier that speaks the vendor's REST protocol (vendor-protocols.md
 * §3, the DVS OpenAPI spec): HTTP Basic auth, `/v1/products`, `/v1/balances`, the mobile-number
 * lookup, transactions created asynchronously (`/async/transactions`, answered at once) or
 * synchronously (`/sync/transactions`, held until final), confirmed in the same request
 * (`auto_confirm`) or by `/confirm`, cancelled while CREATED, looked up by id or `external_id`;
 * the balance authorised, voided, captured and reversed as the spec's table says; unsigned
 * callbacks POSTed to each transaction's `callback_url`; the sandbox's last-3-digit scenarios.
 *
 * On top of the protocol it offers the same scripted faults and inspection API as the other
 * simulators (dropped connections after commit, gateway pages, rate limits, lag, duplicate and
 * out-of-order callbacks, a reversal after success) and a ledger of balance movements, so a test
 * can prove one transaction was made and what it cost. It listens on 127.0.0.1 only and prints
 * nothing.
 *
 * DVS error answers are `{ "errors": [{ "code", "message" }] }`: 1000400 bad request, 1000401
 * unauthorized (HTTP 401), 1000404 not found (404), 1000429 rate limited (429), 1003001 product
 * not available, 1003002 amount out of range, 1003003 invalid unit, 1005003 invalid credit-party
 * number, 1006001 insufficient balance (HTTP status configurable, default 400 [?]), 1007001
 * external id already used (400), 1007002 already confirmed, 1007004 can no longer be confirmed,
 * 1007005 already cancelled, 1007007 can no longer be cancelled, 1008004 transaction not found
 * (404). Numeric status ids are the simulator's own (class id × 10000 + position) [?].
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { dtoneDecimal, serializeDtoneJson } from "../../adapters/dtone/dtone-amounts.js";
import type { DtoneProductType, DtoneStatusClass } from "../../adapters/dtone/dtone-tables.js";
import {
  addMoney,
  ConfigurationError,
  compareMoney,
  currencyMinorDigits,
  type Money,
  money,
  subtractMoney,
} from "../core/index.js";
import { systemClock } from "../runtime/clock.js";
import {
  DTONE_SIMULATOR_API_KEY,
  DTONE_SIMULATOR_API_SECRET,
  type DtoneSimulatorOperator,
  type DtoneSimulatorOutcome,
  type DtoneSimulatorProduct,
  defaultDtoneSimulatorCatalogue,
  defaultDtoneSimulatorOperators,
  dtoneSandboxOutcome,
} from "./dtone-simulator-catalogue.js";
import type {
  DtoneCallbackAttempt,
  DtoneFaultKind,
  DtoneLedgerEntry,
  DtoneRequestFaultKind,
  DtoneSimulatedTransaction,
  DtoneSimulator,
  DtoneSimulatorEndpoint,
  DtoneSimulatorFault,
  DtoneSimulatorOptions,
  DtoneSimulatorRequestRecord,
} from "./dtone-simulator-types.js";
import { callbackRetrySettings, deliverCallback } from "./simulator-callbacks.js";
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

export type {
  DtoneCallbackAttempt,
  DtoneFaultKind,
  DtoneLedgerEntry,
  DtoneRequestFaultKind,
  DtoneSimulatedTransaction,
  DtoneSimulator,
  DtoneSimulatorEndpoint,
  DtoneSimulatorFault,
  DtoneSimulatorOptions,
  DtoneSimulatorRequestRecord,
} from "./dtone-simulator-types.js";

/** The API's base path: the adapter's `endpoint` is `http://127.0.0.1:<port>/v1`. */
export const DTONE_SIMULATOR_BASE_PATH = "/v1";

type Json = Record<string, unknown>;

/** A DVS error answer; thrown inside the request pipeline, turned into an `Errors` body. */
class DtoneRejection extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Answer {
  status: number;
  /** Rendered when sent (a held sync answer shows the latest state). */
  render: () => unknown;
  headers?: Record<string, string>;
  /** A sync request: hold the answer until this transaction is final or `syncHoldMs` passes. */
  hold?: TransactionState;
}

interface ProductState extends DtoneSimulatorProduct {
  operator: DtoneSimulatorOperator;
}

/** A transaction: the fields reported as they are, plus amounts as `Money` and the simulator's own state. */
interface TransactionState
  extends Omit<
    DtoneSimulatedTransaction,
    "productId" | "productType" | "statusClass" | "source" | "destination" | "wholesale" | "cost"
  > {
  product: ProductState;
  source: Money;
  destination: Money;
  wholesale: Money;
  fee: Money;
  cost: Money;
  outcome: DtoneSimulatorOutcome;
  /** Set by a `reversal-after-success` fault. */
  reverseAfterMs?: number | undefined;
  rawOverride?: { status?: string | undefined; statusClass?: string | undefined } | undefined;
  /** Whether its cost is held (authorised and not yet voided or captured). */
  held: boolean;
  scheduled: boolean;
  /** Sync requests waiting for a final status. */
  waiters: Array<() => void>;
}

const requestFaultKinds: ReadonlySet<string> = new Set<DtoneRequestFaultKind>([
  ...SHARED_REQUEST_FAULT_KINDS,
  "rate-limit",
  "vendor-error",
]);
const faultKinds: ReadonlySet<string> = new Set<string>([
  ...requestFaultKinds,
  "not-found-until",
  "duplicate-callback",
  "out-of-order-callback",
  "reversal-after-success",
]);

const classIds: Readonly<Record<DtoneStatusClass, number>> = {
  CREATED: 1,
  CONFIRMED: 2,
  REJECTED: 3,
  CANCELLED: 4,
  SUBMITTED: 5,
  COMPLETED: 7,
  REVERSED: 8,
  DECLINED: 9,
};

/** The statuses of the spec's table (plus the sandbox's DECLINED-EXCEPTION), for status ids. */
const statusesByClass: Readonly<Record<string, readonly string[]>> = {
  REJECTED: [
    "REJECTED",
    "REJECTED-INVALID-CREDIT-PARTY",
    "REJECTED-BARRED-CREDIT-PARTY",
    "REJECTED-INELIGIBLE-CREDIT-PARTY",
    "REJECTED-INVALID-DEBIT-PARTY",
    "REJECTED-BARRED-DEBIT-PARTY",
    "REJECTED-LIMITATIONS-ON-CREDIT-PARTY-AMOUNT",
    "REJECTED-LIMITATIONS-ON-CREDIT-PARTY-QUANTITY",
    "REJECTED-OPERATOR-CURRENTLY-UNAVAILABLE",
    "REJECTED-INSUFFICIENT-BALANCE",
  ],
  DECLINED: [
    "DECLINED",
    "DECLINED-INVALID-CREDIT-PARTY",
    "DECLINED-BARRED-CREDIT-PARTY",
    "DECLINED-INELIGIBLE-CREDIT-PARTY",
    "DECLINED-INVALID-DEBIT-PARTY",
    "DECLINED-BARRED-DEBIT-PARTY",
    "DECLINED-LIMITATIONS-ON-OPERATOR-AMOUNT",
    "DECLINED-LIMITATIONS-ON-CREDIT-PARTY-AMOUNT",
    "DECLINED-LIMITATIONS-ON-CUSTOMER-AMOUNT",
    "DECLINED-LIMITATIONS-ON-OPERATOR-QUANTITY",
    "DECLINED-LIMITATIONS-ON-CREDIT-PARTY-QUANTITY",
    "DECLINED-LIMITATIONS-ON-CUSTOMER-QUANTITY",
    "DECLINED-DUPLICATED-TRANSACTION",
    "DECLINED-OPERATOR-CURRENTLY-UNAVAILABLE",
    "DECLINED-EXCEPTION",
  ],
};

const finalClasses: ReadonlySet<DtoneStatusClass> = new Set([
  "COMPLETED",
  "REJECTED",
  "DECLINED",
  "CANCELLED",
  "REVERSED",
]);
const pinTypes: ReadonlySet<DtoneProductType> = new Set([
  "FIXED_VALUE_PIN_PURCHASE",
  "RANGED_VALUE_PIN_PURCHASE",
]);
const rangedTypes: ReadonlySet<DtoneProductType> = new Set([
  "RANGED_VALUE_RECHARGE",
  "RANGED_VALUE_PIN_PURCHASE",
  "RANGED_VALUE_PAYMENT",
]);

const e164Pattern = /^\+[1-9]\d{6,14}$/;
const JSON_TYPE = "application/json; charset=utf-8";
const checks = simulatorChecks("DT One");
const HTTP_500: Http500Style = {
  defaultFormat: "json",
  jsonContentType: JSON_TYPE,
  textContentType: "text/plain; charset=utf-8",
};

/** The class of a status (`DECLINED-BARRED-CREDIT-PARTY` → `DECLINED`); `undefined` if unknown. */
function classOfStatus(status: string): DtoneStatusClass | undefined {
  const prefix = status.toUpperCase().split("-")[0] ?? "";
  return prefix in classIds ? (prefix as DtoneStatusClass) : undefined;
}

/**
 * Creates a DT One simulator; call `start()` before use and `close()` after. Throws
 * `ConfigurationError` for an invalid option (a malformed amount, a product whose source currency
 * is not the balance currency, an unknown operator).
 */
export function createDtoneSimulator(options: DtoneSimulatorOptions = {}): DtoneSimulator {
  const apiKey = options.apiKey ?? DTONE_SIMULATOR_API_KEY;
  const apiSecret = options.apiSecret ?? DTONE_SIMULATOR_API_SECRET;
  if (apiKey.length === 0 || apiKey.includes(":")) {
    throw new ConfigurationError("DT One simulator: apiKey must be non-empty and contain no ':'");
  }
  if (apiSecret.length === 0) throw new ConfigurationError("DT One simulator: apiSecret must not be empty");
  const expectedAuthorization = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`, "utf8").toString("base64")}`;
  const clock = options.clock ?? systemClock;
  const balanceUnit = options.balanceUnit ?? "USD";
  const settleAfterMs = checks.nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const submitAfterMs = checks.nonNegative(options.submitAfterMs ?? 5, "submitAfterMs");
  const sandboxDelaysMs = { 1: 3_000, 2: 20_000, 3: 300_000, ...options.sandboxDelaysMs };
  for (const value of Object.values(sandboxDelaysMs)) checks.nonNegative(value, "sandboxDelaysMs");
  const reversalAfterMs = checks.nonNegative(options.reversalAfterMs ?? 20, "reversalAfterMs");
  const syncHoldMs = checks.nonNegative(options.syncHoldMs ?? 180_000, "syncHoldMs");
  const confirmationWindowMs = checks.nonNegative(
    options.confirmationWindowMs ?? 15 * 60_000,
    "confirmationWindowMs",
  );
  const insufficientBalance = options.insufficientBalance ?? "error";
  const insufficientBalanceHttpStatus = options.insufficientBalanceHttpStatus ?? 400;
  const transactionNotFound = options.transactionNotFound ?? "404";
  const callbackRetry = callbackRetrySettings(options, checks.nonNegative);
  const outcomeOf = options.outcome ?? dtoneSandboxOutcome;

  const operators = new Map<number, DtoneSimulatorOperator>();
  for (const operator of options.operators ?? defaultDtoneSimulatorOperators)
    operators.set(operator.id, operator);
  const products = new Map<number, ProductState>();
  for (const product of options.catalogue ?? defaultDtoneSimulatorCatalogue) {
    const operator = operators.get(product.operatorId);
    if (!operator) {
      throw new ConfigurationError(
        `DT One simulator: product ${product.id} names unknown operator ${product.operatorId}`,
      );
    }
    if (product.sourceUnit !== balanceUnit) {
      throw new ConfigurationError(
        `DT One simulator: product ${product.id} is priced in ${product.sourceUnit}, the balance is in ${balanceUnit}`,
      );
    }
    const ranged = rangedTypes.has(product.type);
    const amounts = ranged
      ? [product.sourceMin, product.sourceMax, product.rate]
      : [product.sourceAmount, product.destinationAmount, product.wholesaleAmount];
    for (const amount of [...amounts, product.fee ?? "0"])
      amountOption(amount ?? "", `amounts of product ${product.id}`);
    products.set(product.id, { ...product, operator });
  }

  let available: Money = amountOption(options.balance ?? "10000.00", "balance", balanceUnit);
  let holding: Money = money("0", balanceUnit);
  let autoSettle = options.autoSettle ?? true;
  const transactions = new Map<string, TransactionState>(); // by external_id
  const transactionsById = new Map<string, TransactionState>();
  const lifecycle = new SimulatorLifecycle("DT One");
  const requestLog = new SimulatorLog<DtoneSimulatorRequestRecord>();
  const callbackLog = new SimulatorLog<DtoneCallbackAttempt>();
  const ledgerLog = new SimulatorLog<DtoneLedgerEntry>();
  const faults = new FaultQueue<DtoneSimulatorFault>();
  const requestFaults = new RequestFaults({
    queue: faults,
    kinds: requestFaultKinds,
    orderOf: (fault) => fault.externalId,
    http500: HTTP_500,
    wait: (ms) => lifecycle.wait(ms),
  });
  /** Lagging lookups per `external_id` (`not-found-until`). */
  const notFoundLag = new QueryLag();
  let transactionSequence = 0;
  let deliverySequence = 0;

  // ---- bookkeeping -------------------------------------------------------------------------

  function classOf(tx: TransactionState): DtoneStatusClass {
    return classOfStatus(tx.status) ?? "SUBMITTED";
  }

  function isFinal(tx: TransactionState): boolean {
    return finalClasses.has(classOf(tx));
  }

  function snapshot(tx: TransactionState): DtoneSimulatedTransaction {
    return {
      id: tx.id,
      externalId: tx.externalId,
      productId: tx.product.id,
      productType: tx.product.type,
      mode: tx.mode,
      status: tx.status,
      statusClass: classOf(tx),
      history: tx.history.map((entry) => ({ ...entry })),
      mobileNumber: tx.mobileNumber,
      accountNumber: tx.accountNumber,
      calculationMode: tx.calculationMode,
      source: { unit: tx.source.currency, amount: tx.source.amount },
      destination: { unit: tx.destination.currency, amount: tx.destination.amount },
      wholesale: { unit: tx.wholesale.currency, amount: tx.wholesale.amount, fee: tx.fee.amount },
      cost: tx.cost.amount,
      pin: tx.pin ? { ...tx.pin } : undefined,
      operatorReference: tx.operatorReference,
      callbackUrl: tx.callbackUrl,
      createdAt: tx.createdAt,
      confirmedAt: tx.confirmedAt,
      finishedAt: tx.finishedAt,
      confirmationExpiresAt: tx.confirmationExpiresAt,
    };
  }

  function move(tx: TransactionState, movement: DtoneLedgerEntry["movement"]): void {
    const amount = tx.cost;
    if (movement === "authorize") {
      available = subtractMoney(available, amount);
      holding = addMoney(holding, amount);
      tx.held = true;
    } else if (movement === "void") {
      holding = subtractMoney(holding, amount);
      available = addMoney(available, amount);
      tx.held = false;
    } else if (movement === "capture") {
      holding = subtractMoney(holding, amount);
      tx.held = false;
    } else {
      available = addMoney(available, amount);
    }
    ledgerLog.push({
      externalId: tx.externalId,
      transactionId: tx.id,
      movement,
      amount: amount.amount,
      unit: amount.currency,
      available: available.amount,
      holding: holding.amount,
      at: clock.now(),
    });
  }

  function setStatus(tx: TransactionState, status: string): void {
    tx.status = status;
    tx.history.push({ status, at: clock.now() });
    if (isFinal(tx)) {
      tx.finishedAt ??= clock.now();
      for (const resolve of tx.waiters.splice(0)) resolve();
    }
  }

  // ---- wire formats ------------------------------------------------------------------------

  const decimal = (value: Money) => dtoneDecimal(value.amount);
  const amountJson = (value: Money) => ({
    unit_type: "CURRENCY",
    unit: value.currency,
    amount: decimal(value),
  });

  function operatorJson(operator: DtoneSimulatorOperator): Json {
    return {
      id: operator.id,
      name: operator.name,
      country: { iso_code: operator.countryIsoCode, name: operator.countryName, regions: null },
      regions: null,
    };
  }

  function productBaseJson(product: ProductState): Json {
    return {
      id: product.id,
      name: product.name,
      description: product.description ?? product.name,
      tags: null,
      service: { id: product.service.id, name: product.service.name },
      operator: operatorJson(product.operator),
      regions: null,
    };
  }

  function destinationOf(product: ProductState, source: string): Money {
    const digits = currencyMinorDigits(product.destinationUnit);
    return money(multiplyDecimal(source, product.rate ?? "1", digits), product.destinationUnit);
  }

  function productJson(product: ProductState): Json {
    const fee = money(product.fee ?? "0", product.sourceUnit);
    const creditFields = product.creditParty === "none" ? [] : [[product.creditParty]];
    const common = {
      ...productBaseJson(product),
      type: product.type,
      validity: null,
      required_debit_party_identifier_fields: null,
      required_credit_party_identifier_fields: creditFields,
      required_sender_fields: null,
      required_beneficiary_fields: null,
      required_statement_identifier_fields: null,
      availability_zones: ["INTERNATIONAL"],
      benefits: [],
      promotions: null,
    };
    if (!rangedTypes.has(product.type)) {
      const source = money(product.sourceAmount ?? "0", product.sourceUnit);
      const destination = money(product.destinationAmount ?? "0", product.destinationUnit);
      const wholesale = money(product.wholesaleAmount ?? "0", product.sourceUnit);
      return {
        ...common,
        source: amountJson(source),
        destination: amountJson(destination),
        prices: {
          wholesale: {
            unit_type: "CURRENCY",
            unit: wholesale.currency,
            amount: decimal(wholesale),
            fee: decimal(fee),
          },
          retail: null,
        },
        rates: { base: dtoneDecimal("1"), wholesale: dtoneDecimal("1"), retail: null },
      };
    }
    const min = money(product.sourceMin ?? "0", product.sourceUnit);
    const max = money(product.sourceMax ?? "0", product.sourceUnit);
    const range = (low: Money, high: Money) => ({ min: decimal(low), max: decimal(high) });
    return {
      ...common,
      accepted_calculation_modes: ["SOURCE_AMOUNT", "DESTINATION_AMOUNT"],
      source: { unit_type: "CURRENCY", unit: product.sourceUnit, amount: range(min, max) },
      destination: {
        unit_type: "CURRENCY",
        unit: product.destinationUnit,
        amount: {
          ...range(destinationOf(product, min.amount), destinationOf(product, max.amount)),
          increment: dtoneDecimal("1"),
        },
      },
      prices: {
        wholesale: {
          unit_type: "CURRENCY",
          unit: product.sourceUnit,
          amount: range(min, max),
          fee: decimal(fee),
        },
        retail: null,
      },
      rates: {
        base: dtoneDecimal(product.rate ?? "1"),
        wholesale: dtoneDecimal(product.rate ?? "1"),
        retail: null,
      },
    };
  }

  function statusJson(tx: TransactionState): Json {
    const override = tx.rawOverride;
    const message = override?.status ?? tx.status;
    const classMessage = override?.statusClass ?? classOf(tx);
    const known = classOfStatus(classMessage);
    const classId = known && known === classMessage ? classIds[known] : 0;
    const position = statusesByClass[classMessage]?.indexOf(message) ?? 0;
    const statusId = classId === 0 || position < 0 ? 0 : classId * 10_000 + position;
    return { id: statusId, message, class: { id: classId, message: classMessage } };
  }

  function transactionJson(tx: TransactionState, withCallbackUrl: boolean): Json {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const json: Json = {
      id: dtoneDecimal(tx.id),
      external_id: tx.externalId,
      creation_date: iso(tx.createdAt),
      confirmation_expiration_date: iso(tx.confirmationExpiresAt),
      confirmation_date: iso(tx.confirmedAt),
      status: statusJson(tx),
      operator_reference: tx.operatorReference ?? null,
      pin: tx.pin ? { code: tx.pin.code, serial: tx.pin.serial } : null,
      product: { ...productBaseJson(tx.product), pin: null },
      prices: {
        wholesale: {
          unit_type: "CURRENCY",
          unit: tx.wholesale.currency,
          amount: decimal(tx.wholesale),
          fee: decimal(tx.fee),
        },
        retail: null,
      },
      rates: {
        base: dtoneDecimal(tx.product.rate ?? "1"),
        wholesale: dtoneDecimal(tx.product.rate ?? "1"),
        retail: null,
      },
      benefits: [],
      promotions: null,
      requested_values: { source: amountJson(tx.source), destination: amountJson(tx.destination) },
      adjusted_values: { source: amountJson(tx.source), destination: amountJson(tx.destination) },
      credit_party_identifier: {
        ...(tx.mobileNumber ? { mobile_number: tx.mobileNumber } : {}),
        ...(tx.accountNumber ? { account_number: tx.accountNumber } : {}),
      },
    };
    if (withCallbackUrl && tx.callbackUrl) json.callback_url = tx.callbackUrl;
    return json;
  }

  function errorsBody(code: number, message: string): Json {
    return { errors: [{ code, message }] };
  }

  // ---- the HTTP front ------------------------------------------------------------------------

  interface Route {
    endpoint: DtoneSimulatorEndpoint;
    transactionId?: string;
    mode?: "async" | "sync";
    msisdn?: string;
    productId?: string;
  }

  /** The routes: a path pattern, the HTTP method it takes, and the route its captures make. */
  const routes: ReadonlyArray<readonly [RegExp, "GET" | "POST", (captures: string[]) => Route]> = [
    [/^\/products$/, "GET", () => ({ endpoint: "products" })],
    [/^\/products\/([^/]+)$/, "GET", ([id]) => ({ endpoint: "product", productId: id! })],
    [/^\/balances$/, "GET", () => ({ endpoint: "balances" })],
    [/^\/lookup\/mobile-number$/, "POST", () => ({ endpoint: "lookup" })],
    [
      /^\/lookup\/mobile-number\/([^/]+)$/,
      "GET",
      ([number]) => ({ endpoint: "lookup", msisdn: safeDecode(number!) }),
    ],
    [
      /^\/(async|sync)\/transactions$/,
      "POST",
      ([mode]) => ({ endpoint: "createTransaction", mode: mode as "async" | "sync" }),
    ],
    [
      /^\/(async|sync)\/transactions\/([^/]+)\/confirm$/,
      "POST",
      ([mode, id]) => ({
        endpoint: "confirmTransaction",
        mode: mode as "async" | "sync",
        transactionId: id!,
      }),
    ],
    [
      /^\/transactions\/([^/]+)\/cancel$/,
      "POST",
      ([id]) => ({ endpoint: "cancelTransaction", transactionId: id! }),
    ],
    [/^\/transactions\/([^/]+)$/, "GET", ([id]) => ({ endpoint: "transaction", transactionId: id! })],
    [/^\/transactions$/, "GET", () => ({ endpoint: "transactions" })],
  ];

  function routeOf(method: string, path: string): Route | { allow: string } | undefined {
    if (!path.startsWith(`${DTONE_SIMULATOR_BASE_PATH}/`)) return undefined;
    const rest = path.slice(DTONE_SIMULATOR_BASE_PATH.length);
    for (const [pattern, allowed, build] of routes) {
      const match = pattern.exec(rest);
      if (match) return method === allowed ? build(match.slice(1)) : { allow: allowed };
    }
    return undefined;
  }

  /** The `external_id` a request is about, for fault matching and the request log. */
  function externalIdOf(route: Route | undefined, body: Json | undefined, url: URL): string | undefined {
    if (route?.endpoint === "createTransaction")
      return typeof body?.external_id === "string" ? body.external_id : undefined;
    if (route?.endpoint === "transactions") return url.searchParams.get("external_id") ?? undefined;
    return route?.transactionId ? transactionsById.get(route.transactionId)?.externalId : undefined;
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
    const record: DtoneSimulatorRequestRecord = {
      endpoint: route?.endpoint ?? "unknown",
      httpMethod: method,
      path: `${url.pathname}${url.search}`,
      authorized: authorization === expectedAuthorization,
      authorization,
      body,
      at: clock.now(),
    };
    if (route?.transactionId) record.transactionId = route.transactionId;
    record.externalId = externalIdOf(route, body, url);
    requestLog.push(record);

    const reply = (status: number, value: unknown) => {
      record.httpStatus = status;
      sendResponse(response, status, JSON_TYPE, serializeDtoneJson(value));
    };

    if (found && "allow" in found) {
      record.httpStatus = 405;
      sendMethodNotAllowed(response, found.allow);
      return;
    }
    if (route === undefined) {
      record.errorCode = 1000404;
      reply(404, errorsBody(1000404, "Resource not found"));
      return;
    }

    const exchange = { request, response, record };
    const { fault, finished } = await requestFaults.open(exchange, route.endpoint, record.externalId);
    if (finished) return;
    if (fault?.kind === "rate-limit") {
      record.httpStatus = 429;
      record.errorCode = 1000429;
      sendRetryAfter(response, 429, JSON_TYPE, serializeDtoneJson(errorsBody(1000429, "Too many requests")));
      return;
    }
    if (fault?.kind === "vendor-error") {
      const code = fault.code ?? 1009001;
      record.errorCode = code;
      reply(
        fault.httpStatus ?? 500,
        errorsBody(code, fault.message ?? "Unexpected error, please contact our support team"),
      );
      return;
    }

    let answer: Answer;
    if (!record.authorized) {
      record.errorCode = 1000401;
      response.setHeader("www-authenticate", 'Basic realm="DVS API"');
      answer = { status: 401, render: () => errorsBody(1000401, "Unauthorized") };
    } else {
      try {
        answer = run(route, url, body, raw);
      } catch (error) {
        const rejection =
          error instanceof DtoneRejection
            ? error
            : new DtoneRejection(500, 1009001, "Unexpected error, please contact our support team");
        record.errorCode = rejection.code;
        answer = {
          status: rejection.httpStatus,
          render: () => errorsBody(rejection.code, rejection.message),
        };
      }
    }
    if (fault?.kind === "commit-then-drop") {
      request.socket.destroy();
      return;
    }
    if (answer.hold) await holdUntilFinal(answer.hold);
    if (fault?.kind === "delay" && !(await lifecycle.wait(fault.delayMs ?? 1000))) return;
    if (lifecycle.closed) return;
    let text = serializeDtoneJson(answer.render());
    if (fault?.kind === "malformed-json") text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    record.httpStatus = answer.status;
    for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
    sendResponse(response, answer.status, JSON_TYPE, text);
  }

  /**
   * Holds a sync answer until the transaction is final, `syncHoldMs` passes or the simulator
   * closes. The hold is tracked work, so `idle()` waits for it.
   */
  function holdUntilFinal(tx: TransactionState): Promise<void> {
    if (isFinal(tx) || lifecycle.closed) return Promise.resolve();
    const { signal } = lifecycle;
    return lifecycle.track(
      new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", release);
          resolve();
        };
        const timer = setTimeout(release, syncHoldMs);
        signal.addEventListener("abort", release, { once: true });
        tx.waiters.push(release);
      }),
    );
  }

  function run(route: Route, url: URL, body: Json | undefined, raw: string): Answer {
    const ok = (value: () => unknown, status = 200): Answer => ({ status, render: value });
    switch (route.endpoint) {
      case "products": {
        const type = url.searchParams.get("type");
        const country = url.searchParams.get("country_iso_code");
        const operatorId = url.searchParams.get("operator_id");
        const serviceId = url.searchParams.get("service_id");
        const list = [...products.values()].filter(
          (product) =>
            (!type || product.type === type) &&
            (!country || product.operator.countryIsoCode === country) &&
            (!operatorId || String(product.operatorId) === operatorId) &&
            (!serviceId || String(product.service.id) === serviceId),
        );
        return paginate(list.map(productJson), url);
      }
      case "product": {
        const product = /^\d+$/.test(route.productId ?? "")
          ? products.get(Number(route.productId))
          : undefined;
        if (!product) throw new DtoneRejection(404, 1000404, "Resource not found");
        return ok(() => productJson(product));
      }
      case "balances":
        return ok(() => [
          {
            id: 1,
            unit_type: "CURRENCY",
            unit: balanceUnit,
            available: decimal(available),
            holding: decimal(holding),
            credit_limit: dtoneDecimal("0"),
          },
        ]);
      case "lookup": {
        const msisdn = route.msisdn ?? (typeof body?.mobile_number === "string" ? body.mobile_number : "");
        if (!e164Pattern.test(msisdn))
          throw new DtoneRejection(400, 1005003, "Credit party mobile number is invalid");
        return ok(() => lookup(msisdn));
      }
      case "createTransaction":
        if (raw.length > 0 && body === undefined) throw new DtoneRejection(400, 1000400, "Bad Request");
        return create(route.mode ?? "async", body ?? {});
      case "confirmTransaction":
        return confirm(transactionOrThrow(route.transactionId), route.mode ?? "async");
      case "cancelTransaction":
        return cancel(transactionOrThrow(route.transactionId));
      case "transaction": {
        const tx = transactionOrThrow(route.transactionId);
        if (notFoundLag.lagging(tx.externalId))
          throw new DtoneRejection(404, 1008004, "Transaction not found");
        return ok(() => transactionJson(tx, true));
      }
      case "transactions":
        return listTransactions(url);
      default:
        throw new DtoneRejection(404, 1000404, "Resource not found");
    }
  }

  function paginate(items: unknown[], url: URL): Answer {
    const page = positiveInteger(url.searchParams.get("page"), 1);
    const perPage = Math.min(100, positiveInteger(url.searchParams.get("per_page"), 50));
    const totalPages = Math.max(1, Math.ceil(items.length / perPage));
    const headers: Record<string, string> = {
      "x-total": String(items.length),
      "x-total-pages": String(totalPages),
      "x-per-page": String(perPage),
      "x-page": String(page),
    };
    if (page < totalPages) headers["x-next-page"] = String(page + 1);
    if (page > 1) headers["x-prev-page"] = String(page - 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    return { status: 200, render: () => slice, headers };
  }

  function lookup(msisdn: string): Json[] {
    const matches = [...operators.values()].filter((operator) =>
      operator.prefixes.some((prefix) => msisdn.startsWith(prefix)),
    );
    return matches.map((operator) => ({ ...operatorJson(operator), identified: true }));
  }

  function transactionOrThrow(transactionId: string | undefined): TransactionState {
    const tx = transactionId === undefined ? undefined : transactionsById.get(transactionId);
    if (!tx) throw new DtoneRejection(404, 1008004, "Transaction not found");
    return tx;
  }

  function listTransactions(url: URL): Answer {
    const externalId = url.searchParams.get("external_id");
    const statusId = url.searchParams.get("status_id");
    const mobile = url.searchParams.get("credit_party_mobile_number");
    let list = [...transactions.values()];
    if (externalId !== null) {
      if (externalId.length === 0) throw new DtoneRejection(400, 1000400, "Bad Request");
      list = list.filter((tx) => tx.externalId === externalId && !notFoundLag.lagging(tx.externalId));
      if (list.length === 0) {
        if (transactionNotFound === "404") throw new DtoneRejection(404, 1008004, "Transaction not found");
        return { status: 200, render: () => [] };
      }
    } else {
      // Without a date range or external_id, DVS returns the last 24 hours.
      const since = clock.now() - 24 * 60 * 60_000;
      list = list.filter((tx) => tx.createdAt >= since);
    }
    if (statusId !== null) list = list.filter((tx) => String(statusJson(tx).id) === statusId);
    if (mobile !== null) list = list.filter((tx) => tx.mobileNumber === mobile);
    return paginate(
      list.map((tx) => transactionJson(tx, true)),
      url,
    );
  }

  // ---- transactions --------------------------------------------------------------------------

  function create(mode: "async" | "sync", body: Json): Answer {
    const externalId = body.external_id;
    if (typeof externalId !== "string" || externalId.trim().length === 0 || externalId.length > 40) {
      throw new DtoneRejection(
        400,
        1000400,
        "Bad Request: external_id must be a non-empty string of at most 40 characters",
      );
    }
    // A reused external_id is refused before anything else (§3: 1007001, HTTP 400).
    if (transactions.has(externalId))
      throw new DtoneRejection(400, 1007001, "Transaction external ID has already been used");
    const productId = body.product_id;
    if (typeof productId !== "number" || !Number.isSafeInteger(productId) || productId < 1) {
      throw new DtoneRejection(400, 1000400, "Bad Request: product_id must be an integer");
    }
    const product = products.get(productId);
    if (!product) throw new DtoneRejection(400, 1003001, "Product is not available in your account");
    const autoConfirm = body.auto_confirm ?? false;
    if (typeof autoConfirm !== "boolean")
      throw new DtoneRejection(400, 1000400, "Bad Request: auto_confirm must be a boolean");
    const callbackUrl = body.callback_url;
    if (callbackUrl !== undefined && (typeof callbackUrl !== "string" || !isUrl(callbackUrl))) {
      throw new DtoneRejection(400, 1000400, "Bad Request: callback_url must be a URL");
    }
    const party = isObject(body.credit_party_identifier) ? body.credit_party_identifier : {};
    const mobileNumber = typeof party.mobile_number === "string" ? party.mobile_number : undefined;
    const accountNumber = typeof party.account_number === "string" ? party.account_number : undefined;
    if (mobileNumber !== undefined && !e164Pattern.test(mobileNumber)) {
      throw new DtoneRejection(400, 1005003, "Credit party mobile number is invalid");
    }
    if (product.creditParty === "mobile_number" && mobileNumber === undefined) {
      throw new DtoneRejection(400, 1005003, "Credit party mobile number is invalid");
    }
    if (
      product.creditParty === "account_number" &&
      (accountNumber === undefined || accountNumber.trim() === "")
    ) {
      throw new DtoneRejection(
        400,
        1000400,
        "Bad Request: credit_party_identifier.account_number is required",
      );
    }
    const amounts = amountsOf(product, body);
    const fee = money(product.fee ?? "0", product.sourceUnit);
    const cost = addMoney(amounts.wholesale, fee);
    const rejectedForBalance = compareMoney(available, cost) < 0;
    if (rejectedForBalance && insufficientBalance === "error") {
      throw new DtoneRejection(insufficientBalanceHttpStatus, 1006001, "Insufficient balance");
    }

    const now = clock.now();
    transactionSequence += 1;
    const id = String(now * 1000 + (transactionSequence % 1000));
    const tx: TransactionState = {
      id,
      externalId,
      product,
      mode,
      status: "CREATED",
      history: [],
      mobileNumber,
      accountNumber,
      calculationMode: amounts.calculationMode,
      source: amounts.source,
      destination: amounts.destination,
      wholesale: amounts.wholesale,
      fee,
      cost,
      callbackUrl: typeof callbackUrl === "string" ? callbackUrl : undefined,
      createdAt: now,
      confirmationExpiresAt: now + confirmationWindowMs,
      outcome: outcomeOf({ externalId, productId, productType: product.type, mobileNumber, accountNumber }),
      held: false,
      scheduled: false,
      waiters: [],
    };
    transactions.set(externalId, tx);
    transactionsById.set(id, tx);
    const attached = (kind: DtoneFaultKind) =>
      faults.take(
        (candidate) =>
          candidate.kind === kind &&
          (candidate.externalId === undefined || candidate.externalId === externalId),
      );
    const lag = attached("not-found-until");
    if (lag) notFoundLag.start(externalId, lag.queries);
    const reversal = attached("reversal-after-success");
    if (reversal) tx.reverseAfterMs = reversal.delayMs ?? reversalAfterMs;

    setStatus(tx, "CREATED");
    if (rejectedForBalance) {
      // `rejected-status`: DVS's own business rule, issued at once; nothing is held.
      finalize(tx, "REJECTED-INSUFFICIENT-BALANCE");
      return { status: 201, render: () => transactionJson(tx, false) };
    }
    move(tx, "authorize");
    if (autoConfirm) startProcessing(tx);
    return {
      status: 201,
      render: () => transactionJson(tx, false),
      ...(mode === "sync" && autoConfirm ? { hold: tx } : {}),
    };
  }

  /** Source, destination and wholesale amounts of a new transaction (ranged products need `calculation_mode`). */
  function amountsOf(
    product: ProductState,
    body: Json,
  ): {
    source: Money;
    destination: Money;
    wholesale: Money;
    calculationMode?: "SOURCE_AMOUNT" | "DESTINATION_AMOUNT";
  } {
    if (!rangedTypes.has(product.type)) {
      return {
        source: money(product.sourceAmount ?? "0", product.sourceUnit),
        destination: money(product.destinationAmount ?? "0", product.destinationUnit),
        wholesale: money(product.wholesaleAmount ?? "0", product.sourceUnit),
      };
    }
    const mode = body.calculation_mode;
    if (mode !== "SOURCE_AMOUNT" && mode !== "DESTINATION_AMOUNT") {
      throw new DtoneRejection(400, 1000400, "Bad Request: calculation_mode is required for ranged products");
    }
    const side = mode === "SOURCE_AMOUNT" ? body.source : body.destination;
    if (!isObject(side) || (typeof side.amount !== "number" && typeof side.amount !== "string")) {
      throw new DtoneRejection(
        400,
        1000400,
        `Bad Request: ${mode === "SOURCE_AMOUNT" ? "source" : "destination"} is required`,
      );
    }
    const unit = mode === "SOURCE_AMOUNT" ? product.sourceUnit : product.destinationUnit;
    if (side.unit !== unit || (side.unit_type !== undefined && side.unit_type !== "CURRENCY")) {
      throw new DtoneRejection(400, 1003003, "Requested product unit is invalid");
    }
    let requested: Money;
    try {
      requested = money(side.amount, unit);
    } catch {
      throw new DtoneRejection(400, 1000400, "Bad Request: amount must be a number");
    }
    const digits = currencyMinorDigits(product.sourceUnit);
    const source =
      mode === "SOURCE_AMOUNT"
        ? requested
        : money(divideDecimal(requested.amount, product.rate ?? "1", digits), product.sourceUnit);
    const destination = mode === "SOURCE_AMOUNT" ? destinationOf(product, requested.amount) : requested;
    const min = money(product.sourceMin ?? "0", product.sourceUnit);
    const max = money(product.sourceMax ?? "0", product.sourceUnit);
    if (compareMoney(source, min) < 0 || compareMoney(source, max) > 0) {
      throw new DtoneRejection(400, 1003002, "Requested product amount is out of range");
    }
    return { source, destination, wholesale: source, calculationMode: mode };
  }

  function confirm(tx: TransactionState, mode: "async" | "sync"): Answer {
    const statusClass = classOf(tx);
    if (
      statusClass === "CONFIRMED" ||
      statusClass === "SUBMITTED" ||
      statusClass === "COMPLETED" ||
      statusClass === "REVERSED"
    ) {
      throw new DtoneRejection(400, 1007002, "Transaction has already been confirmed");
    }
    if (statusClass !== "CREATED" || clock.now() > tx.confirmationExpiresAt) {
      throw new DtoneRejection(400, 1007004, "Transaction can no longer be confirmed");
    }
    startProcessing(tx);
    return {
      status: 202,
      render: () => transactionJson(tx, false),
      ...(mode === "sync" ? { hold: tx } : {}),
    };
  }

  function cancel(tx: TransactionState): Answer {
    const statusClass = classOf(tx);
    if (statusClass === "CANCELLED")
      throw new DtoneRejection(400, 1007005, "Transaction has already been cancelled");
    if (statusClass !== "CREATED")
      throw new DtoneRejection(400, 1007007, "Transaction can no longer be cancelled");
    finalize(tx, "CANCELLED");
    return { status: 202, render: () => transactionJson(tx, false) };
  }

  function startProcessing(tx: TransactionState): void {
    tx.confirmedAt = clock.now();
    setStatus(tx, "CONFIRMED");
    schedule(tx);
  }

  function delayOf(outcome: DtoneSimulatorOutcome): number {
    return outcome.delay === "settle" ? settleAfterMs : sandboxDelaysMs[outcome.delay];
  }

  /** CONFIRMED → SUBMITTED → the outcome's final status, on real timers. */
  function schedule(tx: TransactionState): void {
    if (!autoSettle || tx.scheduled || isFinal(tx) || classOf(tx) === "CREATED" || lifecycle.closed) return;
    tx.scheduled = true;
    void lifecycle.track(
      (async () => {
        try {
          if (classOf(tx) === "CONFIRMED") {
            if (!(await lifecycle.wait(Math.min(submitAfterMs, delayOf(tx.outcome))))) return;
            if (classOf(tx) === "CONFIRMED") setStatus(tx, "SUBMITTED");
          }
          if (tx.outcome.pending) return;
          if (!(await lifecycle.wait(Math.max(0, delayOf(tx.outcome) - submitAfterMs)))) return;
          if (!autoSettle || isFinal(tx)) return;
          finalize(tx, tx.outcome.status);
        } finally {
          tx.scheduled = false;
        }
      })(),
    );
  }

  function finalize(tx: TransactionState, status: string): void {
    const statusClass = classOfStatus(status);
    if (statusClass === "COMPLETED") {
      if (tx.held) move(tx, "capture");
      if (tx.outcome.pin || pinTypes.has(tx.product.type)) tx.pin = makePin(tx);
      tx.operatorReference = `OPREF${tx.id}`;
    } else if (tx.held) {
      move(tx, "void");
    }
    setStatus(tx, status);
    dispatch(tx, "status");
    if (statusClass === "COMPLETED") {
      const after = tx.reverseAfterMs ?? (tx.outcome.reverse ? reversalAfterMs : undefined);
      if (after !== undefined) reverseLater(tx, after);
    }
  }

  /** Reverses the transaction `ms` from now, if it is still COMPLETED then. */
  function reverseLater(tx: TransactionState, ms: number): void {
    void lifecycle.track(
      lifecycle.wait(ms).then((fired) => {
        if (fired && classOf(tx) === "COMPLETED") reverse(tx);
      }),
    );
  }

  function reverse(tx: TransactionState): void {
    move(tx, "reverse");
    setStatus(tx, "REVERSED");
    dispatch(tx, "status");
  }

  function makePin(tx: TransactionState): { code: string; serial: string } {
    const digits = tx.id.padStart(12, "0").slice(-12);
    return {
      code: `PIN-${digits.slice(0, 4)}-${digits.slice(4, 8)}-${digits.slice(8)}`,
      serial: `SN${tx.id}`,
    };
  }

  // ---- callbacks -----------------------------------------------------------------------------

  function dispatch(
    tx: TransactionState,
    reason: "status" | "manual",
    body?: Json,
    url?: string,
  ): Promise<DtoneCallbackAttempt[]> {
    const target = url ?? tx.callbackUrl;
    if (target === undefined) return Promise.resolve([]);
    const payload = body ?? transactionJson(tx, true);
    const final = reason === "status" && isFinal(tx);
    const forTransaction = (kind: DtoneFaultKind) => (candidate: DtoneSimulatorFault) =>
      candidate.kind === kind &&
      (candidate.externalId === undefined || candidate.externalId === tx.externalId);
    const duplicate = faults.take(forTransaction("duplicate-callback"));
    const outOfOrder = final ? faults.take(forTransaction("out-of-order-callback")) : undefined;
    const run = async () => {
      const attempts = await deliver(tx, payload, target, reason);
      if (duplicate) attempts.push(...(await deliver(tx, payload, target, "duplicate")));
      if (outOfOrder) {
        const stale = {
          ...payload,
          status: { id: 50_000, message: "SUBMITTED", class: { id: 5, message: "SUBMITTED" } },
          pin: null,
        };
        attempts.push(...(await deliver(tx, stale, target, "stale")));
      }
      return attempts;
    };
    return lifecycle.track(run());
  }

  async function deliver(
    tx: TransactionState,
    payload: Json,
    url: string,
    reason: DtoneCallbackAttempt["reason"],
  ): Promise<DtoneCallbackAttempt[]> {
    deliverySequence += 1;
    const deliveryId = deliverySequence;
    const body = serializeDtoneJson(payload);
    const status =
      isObject(payload.status) && typeof payload.status.message === "string" ? payload.status.message : "";
    const attempts: DtoneCallbackAttempt[] = [];
    await deliverCallback(
      { url, body, contentType: "application/json" },
      {
        ...callbackRetry,
        // DT One only needs a 2XX (§3); anything else is retried "several times".
        isAcknowledged: (httpStatus) => httpStatus >= 200 && httpStatus < 300,
        signal: lifecycle.signal,
        onAttempt(outcome) {
          const attempt: DtoneCallbackAttempt = {
            ...outcome,
            deliveryId,
            reason,
            externalId: tx.externalId,
            transactionStatus: status,
            url,
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

  // ---- the public object -------------------------------------------------------------------

  function transactionByExternalId(externalId: string): TransactionState {
    const tx = transactions.get(externalId);
    if (!tx) throw new RangeError(`DT One simulator: no transaction "${externalId}"`);
    return tx;
  }

  const simulator: DtoneSimulator = {
    ...lifecycle.controls(handle, options),
    get url() {
      return `${lifecycle.running().origin}${DTONE_SIMULATOR_BASE_PATH}`;
    },
    get port() {
      return lifecycle.running().port;
    },
    get apiKey() {
      return apiKey;
    },
    get apiSecret() {
      return apiSecret;
    },

    orders: () => [...transactions.values()].map(snapshot),
    order(externalId) {
      const tx = transactions.get(externalId);
      return tx ? snapshot(tx) : undefined;
    },
    requests: (endpoint) => requestLog.select("endpoint", endpoint),
    callbacks: (externalId) => callbackLog.select("externalId", externalId),
    ledger: (externalId) => ledgerLog.select("externalId", externalId),
    balance: () => available.amount,
    holding: () => holding.amount,
    setBalance(amount) {
      available = amountOption(amount, "balance", balanceUnit);
    },
    products: () =>
      [...products.values()].map(({ operator: _operator, ...product }) => ({
        ...product,
        service: { ...product.service },
      })),

    setRawOrderState(externalId, raw) {
      const tx = transactionByExternalId(externalId);
      tx.rawOverride =
        raw === undefined
          ? undefined
          : typeof raw === "string"
            ? { status: raw, statusClass: raw }
            : { ...raw };
    },

    completeOrder(externalId, status = "COMPLETED") {
      const tx = transactionByExternalId(externalId);
      if (isFinal(tx))
        throw new RangeError(`DT One simulator: transaction "${externalId}" is already ${tx.status}`);
      const statusClass = classOfStatus(status);
      if (
        statusClass !== "COMPLETED" &&
        statusClass !== "DECLINED" &&
        statusClass !== "REJECTED" &&
        statusClass !== "CANCELLED"
      ) {
        throw new RangeError(
          `DT One simulator: "${status}" is not a final status (COMPLETED, DECLINED-*, REJECTED-*, CANCELLED)`,
        );
      }
      if (tx.confirmedAt === undefined && statusClass !== "CANCELLED" && statusClass !== "REJECTED") {
        tx.confirmedAt = clock.now();
        setStatus(tx, "CONFIRMED");
      }
      finalize(tx, status);
      return snapshot(tx);
    },

    reverseOrder(externalId) {
      const tx = transactionByExternalId(externalId);
      if (classOf(tx) !== "COMPLETED") {
        throw new RangeError(
          `DT One simulator: only a COMPLETED transaction can be reversed ("${externalId}" is ${tx.status})`,
        );
      }
      reverse(tx);
      return snapshot(tx);
    },

    setAutoSettle(enabled) {
      autoSettle = enabled;
      if (enabled) for (const tx of transactions.values()) schedule(tx);
    },

    injectFault(fault) {
      checks.faultKind(faultKinds, fault);
      checks.faultTiming(fault);
      const existing = fault.externalId === undefined ? undefined : transactions.get(fault.externalId);
      if (existing && fault.kind === "not-found-until") {
        notFoundLag.start(existing.externalId, fault.queries);
        return;
      }
      if (existing && fault.kind === "reversal-after-success") {
        existing.reverseAfterMs = fault.delayMs ?? reversalAfterMs;
        if (classOf(existing) === "COMPLETED") reverseLater(existing, existing.reverseAfterMs);
        return;
      }
      faults.push(fault);
    },
    pendingFaults: () => faults.pending(),
    clearFaults() {
      faults.clear();
    },

    sendCallback(externalId, overrides = {}, callOptions = {}) {
      const tx = transactions.get(externalId);
      if (!tx) return Promise.reject(new RangeError(`DT One simulator: no transaction "${externalId}"`));
      const url = callOptions.url ?? tx.callbackUrl;
      if (url === undefined) {
        return Promise.reject(
          new Error("DT One simulator: the transaction has no callback_url (pass options.url)"),
        );
      }
      return dispatch(tx, "manual", { ...transactionJson(tx, true), ...overrides }, url);
    },
  };

  return simulator;
}

// ---- helpers -----------------------------------------------------------------------------------

function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function positiveInteger(text: string | null, fallback: number): number {
  if (text === null || text === "") return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1)
    throw new DtoneRejection(400, 1000400, "Bad Request: page and per_page are positive integers");
  return Number(text);
}

function amountOption(amount: string, name: string, unit = "USD"): Money {
  try {
    return money(amount, unit);
  } catch {
    throw new ConfigurationError(
      `DT One simulator: ${name}: "${amount}" is not a decimal amount such as "10000.00"`,
    );
  }
}

function scaledOf(text: string): { units: bigint; scale: number } {
  const [whole = "0", fraction = ""] = text.split(".");
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

/** `numerator / denominator` rounded half up (both positive). */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

function formatUnits(units: bigint, digits: number): string {
  const text = units.toString().padStart(digits + 1, "0");
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** `a × b` of two non-negative decimal strings, rounded half up to `digits` decimals, without floats. */
function multiplyDecimal(a: string, b: string, digits: number): string {
  const x = scaledOf(a);
  const y = scaledOf(b);
  const scale = x.scale + y.scale;
  const product = x.units * y.units;
  const units =
    digits >= scale
      ? product * 10n ** BigInt(digits - scale)
      : divideRounded(product, 10n ** BigInt(scale - digits));
  return formatUnits(units, digits);
}

/** `a ÷ b` of two non-negative decimal strings, rounded half up to `digits` decimals, without floats. */
function divideDecimal(a: string, b: string, digits: number): string {
  const x = scaledOf(a);
  const y = scaledOf(b);
  const numerator = x.units * 10n ** BigInt(y.scale + digits);
  const denominator = y.units * 10n ** BigInt(x.scale);
  return formatUnits(divideRounded(numerator, denominator), digits);
}
