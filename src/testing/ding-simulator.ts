/**
 * An in-process Ding Connect supplier that speaks the vendor's protocol (vendor-protocols.md §7,
 * the Ding Connect Swagger spec): the `api_key` header, `GET /api/V1/GetBalance`,
 * `GET /api/V1/GetProducts`, `POST /api/V1/SendTransfer` (with `ValidateOnly`) and
 * `POST /api/V1/ListTransferRecords`; instant transfers final in the answer, batch transfers
 * `Submitted` then `Complete`; the balance debited when a transfer is accepted and refunded when
 * it fails.
 *
 * Faithful to the pitfalls production integrations report (§11):
 * - a `DistributorRef` does **not** deduplicate: a second `SendTransfer` with the same reference
 *   creates a second transfer and debits the balance again — the ledger shows it, so a test can
 *   prove a client never sent twice;
 * - `InsufficientBalance` comes with HTTP 500 (configurable) and the error-code body.
 *
 * On top of the protocol it offers the same scripted faults and inspection API as the other
 * simulators (dropped connections after commit, gateway pages, rate limits, lag). It listens on
 * 127.0.0.1 only and prints nothing.
 *
 * Answers carry `ResultCode` 1 on success and 2 on failure [?], with `ErrorCodes: [{ Code, Context }]`:
 * `AuthenticationFailed` (HTTP 401 [?]), `ParameterInvalid` and `AccountNumberInvalid` (400 [?]),
 * `RateLimited` (429 [?]), `InsufficientBalance` (500), and a failed instant transfer as HTTP 200
 * with its record `Failed` and the provider's code [?].
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { dingDecimal, serializeDingJson } from "../../adapters/ding/ding-amounts.js";
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
  DING_SIMULATOR_API_KEY,
  type DingSimulatorOutcome,
  type DingSimulatorProduct,
  defaultDingSimulatorCatalogue,
  dingDefaultOutcome,
} from "./ding-simulator-catalogue.js";
import type {
  DingLedgerEntry,
  DingRequestFaultKind,
  DingSimulatedTransfer,
  DingSimulator,
  DingSimulatorFault,
  DingSimulatorMethod,
  DingSimulatorOptions,
  DingSimulatorRequestRecord,
} from "./ding-simulator-types.js";
import {
  FaultQueue,
  type Http500Style,
  QueryLag,
  RequestFaults,
  SHARED_REQUEST_FAULT_KINDS,
  sendRetryAfter,
} from "./simulator-faults.js";
import { AutoSettle, SimulatorLifecycle, SimulatorLog } from "./simulator-lifecycle.js";
import { simulatorChecks } from "./simulator-options.js";
import { readBodyOr413, sendMethodNotAllowed, sendResponse } from "./simulator-server.js";

export type {
  DingFaultKind,
  DingLedgerEntry,
  DingRequestFaultKind,
  DingSimulatedTransfer,
  DingSimulator,
  DingSimulatorFault,
  DingSimulatorMethod,
  DingSimulatorOptions,
  DingSimulatorRequestRecord,
} from "./ding-simulator-types.js";

/** The API's base path: requests go to `<url>/api/V1/<Method>`. */
export const DING_SIMULATOR_BASE_PATH = "/api/V1";

type Json = Record<string, unknown>;

/** A Ding error answer; thrown inside the request pipeline, turned into an envelope. */
class DingRejection extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly context = "",
  ) {
    super(code);
  }
}

/** A transfer: the reported fields, plus amounts as `Money` and the simulator's own state. */
interface TransferState
  extends Omit<DingSimulatedTransfer, "sendValue" | "receiveValue" | "cost" | "history"> {
  history: Array<{ state: string; at: number }>;
  product: DingSimulatorProduct;
  sendValue: Money;
  receiveValue: Money;
  distributorFee: Money;
  customerFee: Money;
  cost: Money;
  /** The scripted fate, as `AutoSettle` reads it. */
  outcome: string;
  settleScheduled: boolean;
  debited: boolean;
}

const requestFaultKinds: ReadonlySet<string> = new Set<DingRequestFaultKind>([
  ...SHARED_REQUEST_FAULT_KINDS,
  "rate-limit",
  "vendor-error",
]);
const faultKinds: ReadonlySet<string> = new Set<string>([...requestFaultKinds, "not-found-until"]);
const methods: ReadonlyArray<readonly [Exclude<DingSimulatorMethod, "unknown">, "GET" | "POST"]> = [
  ["GetBalance", "GET"],
  ["GetProducts", "GET"],
  ["SendTransfer", "POST"],
  ["ListTransferRecords", "POST"],
];
const finalStates: ReadonlySet<string> = new Set(["Complete", "Failed", "Cancelled"]);
const JSON_TYPE = "application/json; charset=utf-8";
const RESULT_SUCCESS = 1;
const RESULT_FAILURE = 2;
const checks = simulatorChecks("Ding");
const HTTP_500: Http500Style = {
  defaultFormat: "json",
  jsonContentType: JSON_TYPE,
  textContentType: "text/plain; charset=utf-8",
};

/**
 * Creates a Ding simulator; call `start()` before use and `close()` after. Throws
 * `ConfigurationError` for an invalid option (a malformed amount, a product whose send currency
 * is not the balance currency).
 */
export function createDingSimulator(options: DingSimulatorOptions = {}): DingSimulator {
  const apiKey = options.apiKey ?? DING_SIMULATOR_API_KEY;
  if (apiKey.trim().length === 0) throw new ConfigurationError("Ding simulator: apiKey must not be empty");
  const clock = options.clock ?? systemClock;
  const currency = options.currency ?? "USD";
  const settleAfterMs = checks.nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const insufficientBalanceHttpStatus = options.insufficientBalanceHttpStatus ?? 500;
  const outcomeOf = options.outcome ?? dingDefaultOutcome;

  const products = new Map<string, DingSimulatorProduct>();
  for (const product of options.catalogue ?? defaultDingSimulatorCatalogue) {
    if (product.sendCurrency !== currency) {
      throw new ConfigurationError(
        `Ding simulator: product ${product.skuCode} is sent in ${product.sendCurrency}, the balance is in ${currency}`,
      );
    }
    for (const amount of [
      product.minSend,
      product.maxSend,
      product.rate,
      product.customerFee ?? "0",
      product.distributorFee ?? "0",
    ]) {
      amountOption(amount, `amounts of product ${product.skuCode}`);
    }
    products.set(product.skuCode, { ...product });
  }

  let balance: Money = amountOption(options.balance ?? "1000.00", "balance", currency);
  const transfers: TransferState[] = [];
  const lifecycle = new SimulatorLifecycle("Ding");
  const requestLog = new SimulatorLog<DingSimulatorRequestRecord>();
  const ledgerLog = new SimulatorLog<DingLedgerEntry>();
  const faults = new FaultQueue<DingSimulatorFault>();
  const requestFaults = new RequestFaults({
    queue: faults,
    kinds: requestFaultKinds,
    orderOf: (fault) => fault.distributorRef,
    http500: HTTP_500,
    wait: (ms) => lifecycle.wait(ms),
  });
  const notFoundLag = new QueryLag();
  const rawOverrides = new Map<string, string>();
  let transferSequence = 0;

  const isFinal = (tx: TransferState) => finalStates.has(tx.processingState);
  const settling = new AutoSettle<TransferState>(lifecycle, {
    enabled: options.autoSettle ?? true,
    delayOf: () => settleAfterMs,
    isFinal,
    settle: (tx) => finalize(tx, tx.outcome === "Failed" ? "Failed" : "Complete"),
  });

  // ---- bookkeeping -------------------------------------------------------------------------

  function snapshot(tx: TransferState): DingSimulatedTransfer {
    return {
      transferRef: tx.transferRef,
      distributorRef: tx.distributorRef,
      skuCode: tx.skuCode,
      accountNumber: tx.accountNumber,
      processingState: tx.processingState,
      history: tx.history.map((entry) => ({ ...entry })),
      sendValue: { currency: tx.sendValue.currency, amount: tx.sendValue.amount },
      receiveValue: { currency: tx.receiveValue.currency, amount: tx.receiveValue.amount },
      cost: tx.cost.amount,
      errorCode: tx.errorCode,
      startedAt: tx.startedAt,
      completedAt: tx.completedAt,
    };
  }

  function move(tx: TransferState, movement: DingLedgerEntry["movement"]): void {
    if (movement === "debit") {
      balance = subtractMoney(balance, tx.cost);
      tx.debited = true;
    } else {
      balance = addMoney(balance, tx.cost);
      tx.debited = false;
    }
    ledgerLog.push({
      distributorRef: tx.distributorRef,
      transferRef: tx.transferRef,
      movement,
      amount: tx.cost.amount,
      currency: tx.cost.currency,
      balance: balance.amount,
      at: clock.now(),
    });
  }

  function setState(tx: TransferState, state: string): void {
    tx.processingState = state;
    tx.history.push({ state, at: clock.now() });
    if (finalStates.has(state)) tx.completedAt ??= clock.now();
  }

  function finalize(tx: TransferState, state: "Complete" | "Failed" | "Cancelled"): void {
    if (state !== "Complete") {
      if (tx.debited) move(tx, "refund");
      if (state === "Failed") tx.errorCode ??= "ProviderError";
    }
    setState(tx, state);
  }

  // ---- wire formats ------------------------------------------------------------------------

  const decimal = (value: Money) => dingDecimal(value.amount);

  function priceJson(
    product: DingSimulatorProduct,
    send: Money,
    receive: Money,
    fees: { customer: Money; distributor: Money },
  ): Json {
    return {
      CustomerFee: decimal(fees.customer),
      DistributorFee: decimal(fees.distributor),
      ReceiveValue: decimal(receive),
      ReceiveCurrencyIso: product.receiveCurrency,
      ReceiveValueExcludingTax: decimal(receive),
      TaxRate: dingDecimal("0"),
      TaxName: null,
      TaxCalculation: null,
      SendValue: decimal(send),
      SendCurrencyIso: product.sendCurrency,
    };
  }

  function feesOf(product: DingSimulatorProduct): { customer: Money; distributor: Money } {
    return {
      customer: money(product.customerFee ?? "0", product.sendCurrency),
      distributor: money(product.distributorFee ?? "0", product.sendCurrency),
    };
  }

  function receiveOf(product: DingSimulatorProduct, send: Money): Money {
    const digits = currencyMinorDigits(product.receiveCurrency);
    return money(multiplyDecimal(send.amount, product.rate, digits), product.receiveCurrency);
  }

  function productJson(product: DingSimulatorProduct): Json {
    const min = money(product.minSend, product.sendCurrency);
    const max = money(product.maxSend, product.sendCurrency);
    const fees = feesOf(product);
    return {
      ProviderCode: product.providerCode,
      SkuCode: product.skuCode,
      LocalizationKey: product.skuCode,
      SettingDefinitions: [],
      Maximum: priceJson(product, max, receiveOf(product, max), fees),
      Minimum: priceJson(product, min, receiveOf(product, min), fees),
      CommissionRate: dingDecimal("0"),
      ProcessingMode: product.processingMode,
      RedemptionMechanism: "Immediate",
      Benefits: [...(product.benefits ?? [])],
      ValidityPeriodIso: null,
      UatNumber: product.uatNumber ?? null,
      AdditionalInformation: null,
      DefaultDisplayText: product.name,
      RegionCode: product.countryIso,
      PaymentTypes: ["Prepaid"],
      LookupBillsRequired: false,
    };
  }

  function transferJson(tx: TransferState): Json {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const state = rawOverrides.get(tx.distributorRef) ?? tx.processingState;
    return {
      TransferId: { TransferRef: dingDecimal(tx.transferRef), DistributorRef: tx.distributorRef },
      SkuCode: tx.skuCode,
      Price: priceJson(tx.product, tx.sendValue, tx.receiveValue, {
        customer: tx.customerFee,
        distributor: tx.distributorFee,
      }),
      CommissionApplied: dingDecimal("0"),
      StartedUtc: iso(tx.startedAt),
      CompletedUtc: iso(tx.completedAt),
      ProcessingState: state,
      ReceiptText:
        state === "Complete" ? `Top-up of ${tx.receiveValue.amount} ${tx.receiveValue.currency} sent` : null,
      ReceiptParams: {},
      AccountNumber: tx.accountNumber,
    };
  }

  const envelope = (resultCode: number, codes: Array<{ Code: string; Context: string }> = []) => ({
    ResultCode: resultCode,
    ErrorCodes: codes,
  });

  // ---- the HTTP front ------------------------------------------------------------------------

  function methodOf(
    httpMethod: string,
    path: string,
  ): { method: Exclude<DingSimulatorMethod, "unknown"> } | { allow: string } | undefined {
    const prefix = `${DING_SIMULATOR_BASE_PATH.toLowerCase()}/`;
    if (!path.toLowerCase().startsWith(prefix)) return undefined;
    const name = path.slice(prefix.length).toLowerCase();
    const found = methods.find(([method]) => method.toLowerCase() === name);
    if (!found) return undefined;
    return httpMethod === found[1] ? { method: found[0] } : { allow: found[1] };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on("error", () => {});
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const httpMethod = request.method ?? "GET";
    const raw = await readBodyOr413(request, response);
    if (raw === undefined) return;
    const found = methodOf(httpMethod, url.pathname);
    const method = found && "method" in found ? found.method : undefined;
    const body = raw.length > 0 ? parseObject(raw) : undefined;
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const receivedKey = header("api_key");
    const record: DingSimulatorRequestRecord = {
      method: method ?? "unknown",
      httpMethod,
      path: `${url.pathname}${url.search}`,
      authorized: receivedKey === apiKey,
      apiKey: receivedKey,
      correlationId: header("x-correlation-id"),
      userAgent: header("user-agent"),
      body,
      at: clock.now(),
    };
    if (typeof body?.DistributorRef === "string") record.distributorRef = body.DistributorRef;
    if (method === "SendTransfer" && typeof body?.ValidateOnly === "boolean")
      record.validateOnly = body.ValidateOnly;
    requestLog.push(record);

    const reply = (status: number, value: unknown) => {
      record.httpStatus = status;
      sendResponse(response, status, JSON_TYPE, serializeDingJson(value));
    };

    if (found && "allow" in found) {
      record.httpStatus = 405;
      sendMethodNotAllowed(response, found.allow);
      return;
    }
    if (method === undefined) {
      record.httpStatus = 404;
      sendResponse(response, 404, "text/html; charset=utf-8", "<html><body>Not Found</body></html>");
      return;
    }

    const exchange = { request, response, record };
    const { fault, finished } = await requestFaults.open(exchange, method, record.distributorRef);
    if (finished) return;
    if (fault?.kind === "rate-limit") {
      record.httpStatus = 429;
      record.errorCode = "RateLimited";
      sendRetryAfter(
        response,
        429,
        JSON_TYPE,
        serializeDingJson(envelope(RESULT_FAILURE, [{ Code: "RateLimited", Context: "" }])),
      );
      return;
    }
    if (fault?.kind === "vendor-error") {
      const code = fault.code ?? "ProviderError";
      record.errorCode = code;
      reply(
        fault.httpStatus ?? 500,
        envelope(RESULT_FAILURE, [{ Code: code, Context: fault.context ?? "" }]),
      );
      return;
    }

    let status: number;
    let answer: Json;
    if (!record.authorized) {
      record.errorCode = "AuthenticationFailed";
      status = 401;
      answer = envelope(RESULT_FAILURE, [{ Code: "AuthenticationFailed", Context: "api_key" }]);
    } else {
      try {
        ({ status, answer } = run(method, url, body, raw));
      } catch (error) {
        const rejection = error instanceof DingRejection ? error : new DingRejection(500, "ProviderError");
        record.errorCode = rejection.code;
        status = rejection.httpStatus;
        answer = envelope(RESULT_FAILURE, [{ Code: rejection.code, Context: rejection.context }]);
      }
    }
    if (fault?.kind === "commit-then-drop") {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === "delay" && !(await lifecycle.wait(fault.delayMs ?? 1000))) return;
    if (lifecycle.closed) return;
    let text = serializeDingJson(answer);
    if (fault?.kind === "malformed-json") text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    record.httpStatus = status;
    sendResponse(response, status, JSON_TYPE, text);
  }

  function run(
    method: Exclude<DingSimulatorMethod, "unknown">,
    url: URL,
    body: Json | undefined,
    raw: string,
  ): { status: number; answer: Json } {
    switch (method) {
      case "GetBalance":
        return {
          status: 200,
          answer: { Balance: decimal(balance), CurrencyIso: currency, ...envelope(RESULT_SUCCESS) },
        };
      case "GetProducts": {
        const list = (name: string) =>
          url.searchParams
            .getAll(name)
            .flatMap((value) => value.split(","))
            .map((value) => value.trim())
            .filter((value) => value.length > 0);
        const skus = list("skuCodes");
        const countries = list("countryIsos");
        const providers = list("providerCodes");
        const items = [...products.values()].filter(
          (product) =>
            (skus.length === 0 || skus.includes(product.skuCode)) &&
            (countries.length === 0 || countries.includes(product.countryIso)) &&
            (providers.length === 0 || providers.includes(product.providerCode)),
        );
        return { status: 200, answer: { ...envelope(RESULT_SUCCESS), Items: items.map(productJson) } };
      }
      case "SendTransfer":
        if (body === undefined) throw new DingRejection(400, "ParameterInvalid", raw ? "Body" : "Request");
        return sendTransfer(body);
      case "ListTransferRecords":
        if (body === undefined) throw new DingRejection(400, "ParameterInvalid", "Request");
        return listTransferRecords(body);
    }
  }

  function sendTransfer(body: Json): { status: number; answer: Json } {
    const skuCode = body.SkuCode;
    const product = typeof skuCode === "string" ? products.get(skuCode) : undefined;
    if (!product) throw new DingRejection(400, "ParameterInvalid", "SkuCode");
    const distributorRef = body.DistributorRef;
    if (typeof distributorRef !== "string" || distributorRef.trim() === "" || distributorRef.length > 50)
      throw new DingRejection(400, "ParameterInvalid", "DistributorRef");
    if (typeof body.ValidateOnly !== "boolean")
      throw new DingRejection(400, "ParameterInvalid", "ValidateOnly");
    const accountNumber = body.AccountNumber;
    if (typeof accountNumber !== "string" || !/^\d{6,15}$/.test(accountNumber))
      throw new DingRejection(400, "AccountNumberInvalid", "AccountNumber");
    if (body.SendCurrencyIso !== undefined && body.SendCurrencyIso !== product.sendCurrency)
      throw new DingRejection(400, "ParameterInvalid", "SendCurrencyIso");
    const rawValue = body.SendValue;
    if (typeof rawValue !== "number" || !Number.isFinite(rawValue) || rawValue <= 0)
      throw new DingRejection(400, "ParameterInvalid", "SendValue");
    // The raw JSON token decides the digits: at most 2 decimals (§7).
    const valueText = sendValueText(rawValue);
    if (!/^\d+(\.\d{1,2})?$/.test(valueText)) throw new DingRejection(400, "ParameterInvalid", "SendValue");
    const sendValue = money(valueText, product.sendCurrency);
    if (
      compareMoney(sendValue, money(product.minSend, currency)) < 0 ||
      compareMoney(sendValue, money(product.maxSend, currency)) > 0
    ) {
      throw new DingRejection(400, "ParameterInvalid", "SendValue");
    }
    const outcome: DingSimulatorOutcome = outcomeOf({
      distributorRef,
      skuCode: product.skuCode,
      accountNumber,
    });
    if (outcome.state === "reject")
      throw new DingRejection(400, outcome.errorCode ?? "ProviderError", "AccountNumber");
    const fees = feesOf(product);
    const receiveValue = receiveOf(product, sendValue);
    const uat = product.uatNumber !== undefined && accountNumber === product.uatNumber;
    const cost = uat ? money("0", currency) : addMoney(sendValue, fees.distributor);

    if (body.ValidateOnly === true) {
      return {
        status: 200,
        answer: {
          TransferRecord: {
            TransferId: { TransferRef: dingDecimal("0"), DistributorRef: distributorRef },
            SkuCode: product.skuCode,
            Price: priceJson(product, sendValue, receiveValue, fees),
            CommissionApplied: dingDecimal("0"),
            StartedUtc: null,
            CompletedUtc: null,
            ProcessingState: null,
            ReceiptText: null,
            ReceiptParams: {},
            AccountNumber: accountNumber,
          },
          ...envelope(RESULT_SUCCESS),
        },
      };
    }
    if (compareMoney(balance, cost) < 0) {
      // §11 pitfall 6: production sends this with HTTP 500.
      throw new DingRejection(insufficientBalanceHttpStatus, "InsufficientBalance", "");
    }

    // No deduplication on DistributorRef (§11 pitfall 3): every accepted request is a new transfer.
    const now = clock.now();
    transferSequence += 1;
    const tx: TransferState = {
      transferRef: String(now * 1000 + (transferSequence % 1000)),
      distributorRef,
      skuCode: product.skuCode,
      accountNumber,
      processingState: "Submitted",
      history: [],
      product,
      sendValue,
      receiveValue,
      distributorFee: fees.distributor,
      customerFee: fees.customer,
      cost,
      startedAt: now,
      outcome: outcome.state,
      settleScheduled: false,
      debited: false,
    };
    if (outcome.state === "Failed") tx.errorCode = outcome.errorCode ?? "ProviderError";
    transfers.push(tx);
    const lag = faults.take(
      (candidate) =>
        candidate.kind === "not-found-until" &&
        (candidate.distributorRef === undefined || candidate.distributorRef === distributorRef),
    );
    if (lag) notFoundLag.start(distributorRef, lag.queries);
    setState(tx, "Submitted");
    move(tx, "debit");
    if (product.processingMode === "Instant" && outcome.state !== "pending") {
      finalize(tx, outcome.state === "Failed" ? "Failed" : "Complete");
    } else {
      settling.schedule(tx);
    }
    if (tx.processingState === "Failed") {
      return {
        status: 200,
        answer: {
          TransferRecord: transferJson(tx),
          ...envelope(RESULT_FAILURE, [{ Code: tx.errorCode ?? "ProviderError", Context: "" }]),
        },
      };
    }
    return { status: 200, answer: { TransferRecord: transferJson(tx), ...envelope(RESULT_SUCCESS) } };
  }

  function listTransferRecords(body: Json): { status: number; answer: Json } {
    const take = body.Take;
    const skip = body.Skip ?? 0;
    if (typeof take !== "number" || !Number.isSafeInteger(take) || take < 1 || take > 100)
      throw new DingRejection(400, "ParameterInvalid", "Take");
    if (typeof skip !== "number" || !Number.isSafeInteger(skip) || skip < 0)
      throw new DingRejection(400, "ParameterInvalid", "Skip");
    const text = (value: unknown) =>
      typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
    const transferRef = text(body.TransferRef);
    const distributorRef = text(body.DistributorRef);
    const accountNumber = text(body.AccountNumber);
    const lagging = new Set<string>();
    const matching = transfers.filter((tx) => {
      if (transferRef !== undefined && tx.transferRef !== transferRef) return false;
      if (distributorRef !== undefined && tx.distributorRef !== distributorRef) return false;
      if (accountNumber !== undefined && tx.accountNumber !== accountNumber) return false;
      return true;
    });
    for (const ref of new Set(matching.map((tx) => tx.distributorRef))) {
      if (notFoundLag.lagging(ref)) lagging.add(ref);
    }
    const visible = matching.filter((tx) => !lagging.has(tx.distributorRef)).reverse(); // newest first
    const page = visible.slice(skip, skip + take);
    return {
      status: 200,
      answer: {
        Items: page.map((tx) => ({
          TransferRecord: transferJson(tx),
          ...(tx.processingState === "Failed"
            ? envelope(RESULT_FAILURE, [{ Code: tx.errorCode ?? "ProviderError", Context: "" }])
            : envelope(RESULT_SUCCESS)),
        })),
        ThereAreMoreItems: skip + take < visible.length,
        ...envelope(RESULT_SUCCESS),
      },
    };
  }

  // ---- the public object -------------------------------------------------------------------

  function latestOpen(distributorRef: string): TransferState {
    const list = transfers.filter((tx) => tx.distributorRef === distributorRef);
    if (list.length === 0) throw new RangeError(`Ding simulator: no transfer "${distributorRef}"`);
    const open = list.filter((tx) => !isFinal(tx));
    const tx = open[open.length - 1];
    if (!tx) {
      throw new RangeError(
        `Ding simulator: every transfer of "${distributorRef}" is already final (${list.map((entry) => entry.processingState).join(", ")})`,
      );
    }
    return tx;
  }

  const simulator: DingSimulator = {
    ...lifecycle.controls(handle, options),
    get url() {
      return lifecycle.running().origin;
    },
    get port() {
      return lifecycle.running().port;
    },
    get apiKey() {
      return apiKey;
    },

    orders: () => transfers.map(snapshot),
    order(distributorRef) {
      const tx = transfers.find((entry) => entry.distributorRef === distributorRef);
      return tx ? snapshot(tx) : undefined;
    },
    transfers: (distributorRef) =>
      transfers.filter((tx) => tx.distributorRef === distributorRef).map(snapshot),
    requests: (method) => requestLog.select("method", method),
    callbacks: () => [],
    ledger: (distributorRef) => ledgerLog.select("distributorRef", distributorRef),
    balance: () => balance.amount,
    setBalance(amount) {
      balance = amountOption(amount, "balance", currency);
    },
    products: () => [...products.values()].map((product) => ({ ...product })),

    setRawOrderState(distributorRef, raw) {
      if (!transfers.some((tx) => tx.distributorRef === distributorRef))
        throw new RangeError(`Ding simulator: no transfer "${distributorRef}"`);
      if (raw === undefined) rawOverrides.delete(distributorRef);
      else rawOverrides.set(distributorRef, raw);
    },

    completeOrder(distributorRef, state = "Complete") {
      if (state !== "Complete" && state !== "Failed" && state !== "Cancelled") {
        throw new RangeError(`Ding simulator: "${String(state)}" is not Complete, Failed or Cancelled`);
      }
      const tx = latestOpen(distributorRef);
      finalize(tx, state);
      return snapshot(tx);
    },

    setAutoSettle(enabled) {
      settling.set(enabled, transfers);
    },

    injectFault(fault) {
      checks.faultKind(faultKinds, fault);
      checks.faultTiming(fault);
      if (fault.code !== undefined && (typeof fault.code !== "string" || fault.code.length === 0)) {
        throw new RangeError("Ding simulator: code must be a non-empty error code such as ProviderError");
      }
      if (
        fault.kind === "not-found-until" &&
        fault.distributorRef !== undefined &&
        transfers.some((tx) => tx.distributorRef === fault.distributorRef)
      ) {
        notFoundLag.start(fault.distributorRef, fault.queries);
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

/**
 * The `SendValue` as the client wrote it. `JSON.parse` has already turned it into a double, so
 * the digits are recovered from the number's shortest round-trip text — exact for every amount
 * of up to 15 significant digits, which is every amount a top-up names.
 */
function sendValueText(value: number): string {
  const text = String(value);
  return /e/i.test(text) ? value.toFixed(2) : text;
}

function amountOption(amount: string, name: string, currency = "USD"): Money {
  try {
    return money(amount, currency);
  } catch {
    throw new ConfigurationError(
      `Ding simulator: ${name}: "${amount}" is not a decimal amount such as "1000.00"`,
    );
  }
}

function scaledOf(text: string): { units: bigint; scale: number } {
  const [whole = "0", fraction = ""] = text.split(".");
  return { units: BigInt(whole + fraction), scale: fraction.length };
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
  if (digits >= scale) return formatUnits(product * 10n ** BigInt(digits - scale), digits);
  const divisor = 10n ** BigInt(scale - digits);
  return formatUnits((product * 2n + divisor) / (divisor * 2n), digits);
}
