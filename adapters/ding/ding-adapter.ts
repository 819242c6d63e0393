/**
 * The Ding Connect adapter (vendor-protocols.md §7). A JSON API under `/api/V1/` authenticated by
 * an `api_key` header; transfers are sent with `SendTransfer` carrying our `DistributorRef`
 * (= `merchantOrderId`) and looked up with `ListTransferRecords { DistributorRef }`.
 *
 * Ding does **not** deduplicate `DistributorRef` (§11 pitfall 3): a second `SendTransfer` with the
 * same reference creates a second transfer. The adapter declares `duplicateOrderId: "none"`, so
 * kaquan never re-sends an order whose outcome is unknown: it looks the reference up, and the
 * order stays `unknown` until Ding shows a transfer for it.
 *
 * Errors are classified by `ErrorCodes[].Code` whatever the HTTP status (Ding sends
 * `InsufficientBalance` with HTTP 500, §11 pitfall 6). Ding has no callbacks.
 *
 * Facts Ding has not published are options with documented defaults (docs/adapters/ding.md).
 */

import {
  type AdapterCapabilities,
  type AdapterContext,
  AuthenticationError,
  type Balance,
  ConfigurationError,
  type HttpResponse,
  KaquanError,
  MalformedPayloadError,
  type Money,
  NoAnswerError,
  NotSentError,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdate,
  type Product,
  type ProductKind,
  type ProductQuery,
  ProductUnavailableError,
  type SupplierAdapter,
  ValidationError,
} from "../../src/core/index.js";
import { isoTime } from "../../src/runtime/clock.js";
import { endpointOption } from "../../src/runtime/endpoint-option.js";
import { unreadableResponseError } from "../../src/runtime/http-failures.js";
import { parseJsonLossless } from "../../src/runtime/json.js";
import { refusalRetryAfter, sendJson } from "../../src/runtime/json-api.js";
import { lookup } from "../../src/runtime/table-lookup.js";
import {
  classifyVendorError,
  type VendorErrorMeaning,
  type VendorErrorTable,
  vendorError,
} from "../../src/runtime/vendor-errors.js";
import { type PayloadSchema, parseVendorPayload } from "../../src/runtime/vendor-payload.js";
import { dingDecimal, dingMoney, dingSendValue, serializeDingJson } from "./ding-amounts.js";
import {
  DING_RESULT_SUCCESS,
  defaultDingErrorTable,
  dingFailureCodes,
  dingProcessingStates,
} from "./ding-tables.js";
import {
  type DingErrorCode,
  type DingPrice,
  type DingProduct,
  type DingTransferRecord,
  dingBalanceSchema,
  dingEnvelopeSchema,
  dingListTransferRecordsSchema,
  dingProductSchema,
  dingProductsResponseSchema,
  dingSendTransferResponseSchema,
} from "./ding-wire.js";

/** Production base URL (§7). Paths are `/api/V1/<Method>`. */
export const DING_PRODUCTION_ENDPOINT = "https://api.dingconnect.com";

/** The Ding methods the adapter calls, for logs. */
export type DingMethod = "GetBalance" | "GetProducts" | "SendTransfer" | "ListTransferRecords";

/** One `Settings[]` entry of a transfer, for products whose `SettingDefinitions` require them. */
export interface DingSetting {
  Name: string;
  Value: string;
}

export interface DingAdapterOptions {
  /** The API key (sent as the `api_key` header). Never logged, never in an error. */
  apiKey: string;
  /** A base URL that replaces production's (a simulator, a proxy), e.g. `http://127.0.0.1:1234`. */
  endpoint?: string;
  /**
   * Send `ValidateOnly: true` before every real transfer (Ding validates with the provider and
   * transfers nothing). A refusal then fails the order before anything was sent; a validation
   * that gets no usable answer is reported *not sent*. Default false [?]: it doubles the requests
   * and the latency, and Ding documents no rule that makes it necessary.
   */
  validateFirst?: boolean;
  /** Replaces or adds entries of the error-code table (see `defaultDingErrorTable`). */
  errorCodes?: Readonly<Record<string, VendorErrorMeaning>>;
  /** Replaces the mapping of single `ProcessingState` values (see `dingProcessingStates`). */
  statusOverrides?: Readonly<Record<string, OrderStatus>>;
  /**
   * `GetProducts` filters for `listProducts` (e.g. `{ countryIsos: ["IN"], providerCodes: ["IN_AT"] }`):
   * the full catalogue is large. Arrays become repeated query parameters.
   */
  productQuery?: Readonly<Record<string, string | readonly string[]>>;
  /** `Settings[]` for every transfer (products with `SettingDefinitions`). */
  transferSettings?: (request: OrderRequest) => readonly DingSetting[];
  /**
   * The `User-Agent` header. Ding's Cloudflare front answers 403 to requests without a
   * browser-like one (§7, production notes [L]). Default `Mozilla/5.0 (compatible; kaquan-ding/1)` [?].
   */
  userAgent?: string;
  /** Send the `merchantOrderId` as `X-Correlation-Id` on transfers and look-ups. Default true. */
  correlationId?: boolean;
  /** `Take` of a `ListTransferRecords` look-up. Default 20. */
  listTake?: number;
  /** How long a "not found" right after placing may be propagation lag. Default 10 000 ms. */
  notFoundGraceMs?: number;
  /** Poll interval. Default 2 000 ms (batch products settle in seconds to minutes). */
  pollIntervalMs?: number;
}

/** What a `ValidateOnly` transfer said: Ding and the provider would take this transfer. */
export interface DingValidation {
  skuCode: string;
  accountNumber: string;
  /** What would be sent (the order's `faceValue`, 2 dp). */
  sendValue: Money;
  /** What the account would receive, when Ding says. */
  receiveValue?: Money;
  customerFee?: Money;
  distributorFee?: Money;
}

/** The adapter: the contract plus Ding's `ValidateOnly`. */
export type DingAdapter = SupplierAdapter & {
  /**
   * Validates an order with Ding and the provider (`SendTransfer` with `ValidateOnly: true`):
   * nothing is transferred. Resolves with the prices Ding quotes; throws the classified error
   * (e.g. `InvalidAccountError`) when it would be refused.
   */
  validate(request: OrderRequest, context: AdapterContext): Promise<DingValidation>;
};

type Json = Record<string, unknown>;

type CallResult =
  | { ok: true; value: Json; response: HttpResponse }
  | {
      ok: false;
      meaning: VendorErrorMeaning | undefined;
      error: KaquanError;
      value: Json | undefined;
      response: HttpResponse;
    };

const supplier = "ding";
const apiPath = "/api/V1";
/** Meanings that prove Ding did not take the transfer: the order can be failed (or was not sent). */
const definitive: ReadonlySet<VendorErrorMeaning> = new Set([
  "insufficient_balance",
  "out_of_stock",
  "invalid_account",
  "product_unavailable",
  "authentication",
  "bad_request",
  "rate_limited",
]);
/** Which of several transfers under one reference speaks for the order (most delivered first). */
const statusPriority: Readonly<Record<OrderStatus, number>> = {
  succeeded: 0,
  partially_succeeded: 1,
  reversed: 2,
  processing: 3,
  unknown: 4,
  failed: 5,
};

/** Creates the Ding Connect adapter. Throws `ConfigurationError` for a missing credential or a bad option. */
export function createDingAdapter(options: DingAdapterOptions): DingAdapter {
  if (typeof options?.apiKey !== "string" || options.apiKey.trim().length === 0) {
    throw new ConfigurationError(
      "Ding adapter: apiKey is required (the API key from the Ding Connect portal)",
    );
  }
  const base = endpointOption("Ding", options.endpoint, DING_PRODUCTION_ENDPOINT);
  const listTake = options.listTake ?? 20;
  if (!Number.isSafeInteger(listTake) || listTake < 1) {
    throw new ConfigurationError("Ding adapter: listTake must be a whole number of 1 or more");
  }
  const validateFirst = options.validateFirst ?? false;
  const userAgent = options.userAgent ?? "Mozilla/5.0 (compatible; kaquan-ding/1)";
  const sendCorrelationId = options.correlationId ?? true;
  // The key lives only in this closure: never on the adapter object, never logged.
  const apiKey = options.apiKey;
  const errorTable: VendorErrorTable = { codes: { ...defaultDingErrorTable.codes, ...options.errorCodes } };
  const statusOverrides = options.statusOverrides ?? {};
  const capabilities: AdapterCapabilities = {
    // Ding does not deduplicate DistributorRef (§11 pitfall 3): kaquan must never re-send.
    duplicateOrderId: "none",
    callbacks: "none",
    stock: false,
    balance: true,
    cardDelivery: false,
    batchQuery: false,
    orderKinds: ["mobile"],
    notFoundGraceMs: options.notFoundGraceMs ?? 10_000,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    resendAfterNotFound: false,
  };

  // ---- transport ------------------------------------------------------------------------------

  async function call(
    method: DingMethod,
    context: AdapterContext,
    extra: { query?: URLSearchParams; body?: Json; merchantOrderId?: string | undefined } = {},
  ): Promise<CallResult> {
    const query = extra.query && [...extra.query].length > 0 ? `?${extra.query.toString()}` : "";
    const headers: Record<string, string> = { api_key: apiKey, "user-agent": userAgent };
    if (sendCorrelationId && extra.merchantOrderId) headers["x-correlation-id"] = extra.merchantOrderId;
    const response = await sendJson(context, {
      method: extra.body ? "POST" : "GET",
      url: `${base}${apiPath}/${method}${query}`,
      headers,
      body: extra.body,
      serialize: serializeDingJson,
      operation: `ding.${method}`,
    });
    return readAnswer(response, method, context, extra.merchantOrderId);
  }

  /**
   * Reads an answer. A Ding envelope (`ResultCode` / `ErrorCodes`) is read whatever the HTTP
   * status: success is `ResultCode` 1 (or absent) with no error codes, anything else is classified
   * by its first recognised code. A body that is not a Ding envelope (an HTML gateway page, a
   * bare 5xx, unreadable JSON) is *sent, no answer*; a bare 429 is throttled; a bare 401/403 is
   * a refused key (or Cloudflare refusing the client).
   */
  function readAnswer(
    response: HttpResponse,
    method: DingMethod,
    context: AdapterContext,
    merchantOrderId: string | undefined,
  ): CallResult {
    const operation = `ding.${method}`;
    const nowMs = context.clock.now();
    const is2xx = response.status >= 200 && response.status < 300;
    let parsed: unknown;
    try {
      parsed = parseJsonLossless(response.text);
    } catch {
      parsed = undefined;
    }
    const value = isObject(parsed) ? parsed : undefined;
    const isEnvelope = value !== undefined && ("ResultCode" in value || "ErrorCodes" in value);
    const envelope = isEnvelope ? dingEnvelopeSchema.safeParse(value) : undefined;
    if (envelope?.success) {
      const codes = (envelope.data.ErrorCodes ?? []).filter((entry) => entry.Code !== undefined);
      const resultCode = envelope.data.ResultCode;
      const succeeded =
        codes.length === 0 &&
        (resultCode === undefined || resultCode === null || String(resultCode) === DING_RESULT_SUCCESS);
      if (succeeded && is2xx) return { ok: true, value: value!, response };
      if (codes.length > 0 || !succeeded) {
        const { meaning, error } = classify(codes, resultCode, response, operation, nowMs, merchantOrderId);
        return { ok: false, meaning, error, value, response };
      }
    }
    if (is2xx && value !== undefined && !isEnvelope) return { ok: true, value, response };
    if (!is2xx && (response.status === 401 || response.status === 403)) {
      throw new AuthenticationError(
        `${operation}: HTTP ${response.status}; Ding refused the request (check the api_key, the IP whitelist and the User-Agent)`,
        { supplier, merchantOrderId, httpStatus: response.status },
      );
    }
    throw unreadableResponseError(response, {
      supplier,
      operation,
      nowMs,
      merchantOrderId,
      ...(is2xx ? { reason: "a body that is not a Ding answer" } : {}),
    });
  }

  function classify(
    codes: DingErrorCode[],
    resultCode: unknown,
    response: HttpResponse,
    operation: string,
    nowMs: number,
    merchantOrderId: string | undefined,
  ): { meaning: VendorErrorMeaning | undefined; error: KaquanError } {
    const entries = codes.map((entry) => ({
      code: entry.Code,
      context: entry.Context,
      meaning: classifyVendorError(errorTable, entry.Code, undefined),
    }));
    const chosen = entries.find((entry) => entry.meaning !== undefined) ?? entries[0];
    const meaning = chosen?.meaning;
    const vendorCode = chosen?.code ?? `ResultCode ${String(resultCode)}`;
    const vendorMessage =
      entries.length > 0
        ? entries.map((entry) => `${entry.code}${entry.context ? ` (${entry.context})` : ""}`).join(", ")
        : undefined;
    const retryAfterMs = refusalRetryAfter(response, meaning, nowMs);
    const error = vendorError(meaning, {
      supplier,
      operation,
      vendorCode,
      vendorMessage,
      merchantOrderId,
      httpStatus: response.status,
      requestId: response.headers["x-correlation-id"] ?? response.headers["x-request-id"],
      retryAfterMs,
    });
    return { meaning, error };
  }

  function expect(result: CallResult): Json {
    if (!result.ok) throw result.error;
    return result.value;
  }

  function parseWith<T>(schema: PayloadSchema<T>, value: unknown, what: string, merchantOrderId?: string): T {
    return parseVendorPayload(schema, value, { supplier: supplier, what, merchantOrderId });
  }

  function readMoney(amount: unknown, currency: string | undefined, field: string): Money | undefined {
    try {
      return dingMoney(amount, currency);
    } catch {
      throw new MalformedPayloadError(`ding: ${field} is not a decimal amount`, { supplier });
    }
  }

  // ---- products -----------------------------------------------------------------------------

  function kindOfProduct(raw: DingProduct): ProductKind {
    if (raw.LookupBillsRequired) return "direct";
    if ((raw.RedemptionMechanism ?? "").toLowerCase() === "readreceipt") return "card";
    return "mobile";
  }

  function sameAmount(a: Money | undefined, b: Money | undefined): boolean {
    return a !== undefined && b !== undefined && a.currency === b.currency && a.amount === b.amount;
  }

  function toProduct(raw: DingProduct): Product {
    const product: Product = {
      sku: raw.SkuCode,
      name: raw.DefaultDisplayText ?? raw.SkuCode,
      kind: kindOfProduct(raw),
      // GetProducts lists what the account may sell; it has no sale or stock status.
      saleStatus: "on_sale",
    };
    const minSend = readMoney(raw.Minimum?.SendValue, raw.Minimum?.SendCurrencyIso, "Minimum.SendValue");
    const maxSend = readMoney(raw.Maximum?.SendValue, raw.Maximum?.SendCurrencyIso, "Maximum.SendValue");
    const minReceive = readMoney(
      raw.Minimum?.ReceiveValue,
      raw.Minimum?.ReceiveCurrencyIso,
      "Minimum.ReceiveValue",
    );
    const maxReceive = readMoney(
      raw.Maximum?.ReceiveValue,
      raw.Maximum?.ReceiveCurrencyIso,
      "Maximum.ReceiveValue",
    );
    const details: Array<string | undefined> = [raw.ProviderCode, raw.ProcessingMode];
    if (sameAmount(minSend, maxSend)) {
      if (minSend) product.price = minSend;
      if (sameAmount(minReceive, maxReceive) && minReceive) product.faceValue = minReceive;
    } else if (minSend && maxSend) {
      details.push(`send ${minSend.currency} ${minSend.amount}–${maxSend.amount}`);
    }
    if (raw.Benefits && raw.Benefits.length > 0) details.push(raw.Benefits.join(", "));
    const text = details.filter((part): part is string => typeof part === "string" && part.length > 0);
    if (text.length > 0) product.details = text.join(" · ");
    return product;
  }

  async function fetchProducts(parameters: URLSearchParams, context: AdapterContext): Promise<DingProduct[]> {
    const value = expect(await call("GetProducts", context, { query: parameters }));
    const items = parseWith(dingProductsResponseSchema, value, "product list").Items ?? [];
    return items.map((item) => parseWith(dingProductSchema, item, "product"));
  }

  async function fetchProduct(sku: string, context: AdapterContext): Promise<DingProduct | undefined> {
    const products = await fetchProducts(new URLSearchParams({ skuCodes: sku }), context);
    return products.find((product) => product.SkuCode === sku);
  }

  // ---- placing ------------------------------------------------------------------------------

  function accountNumberOf(request: OrderRequest): string {
    const account = (request.account ?? "").replace(/^\+/, "");
    if (!/^\d{5,20}$/.test(account)) {
      throw new ValidationError("Ding needs the account number as digits with the country code", [
        { path: "account", message: 'pass the number with its country code, e.g. "919876543210"' },
      ]);
    }
    return account;
  }

  function validateOrder(request: OrderRequest): { skuCode: string; accountNumber: string } {
    if (request.kind !== "mobile") {
      throw new ValidationError(`the Ding adapter sells mobile top-ups; a ${request.kind} order was passed`, [
        { path: "kind", message: 'use kind "mobile"' },
      ]);
    }
    if (request.quantity !== 1) {
      throw new ValidationError("a Ding transfer delivers one top-up: place one order per unit", [
        { path: "quantity", message: "use quantity 1" },
      ]);
    }
    if (request.sku === undefined || request.sku.trim() === "") {
      throw new ValidationError("Ding transfers need the product's SkuCode", [
        { path: "sku", message: 'pass the Ding SkuCode, e.g. "IN_AT_TopUp"' },
      ]);
    }
    return { skuCode: request.sku, accountNumber: accountNumberOf(request) };
  }

  /**
   * The send amount: `faceValue` (2 dp, exact), or — when the order names none — the product's
   * own value, which a fixed product has (one `GetProducts` look-up first). A look-up that gets no
   * usable answer is reported *not sent*: the transfer itself has not left.
   */
  async function sendAmountOf(
    request: OrderRequest,
    skuCode: string,
    context: AdapterContext,
  ): Promise<Money> {
    if (request.faceValue) {
      return { amount: dingSendValue(request.faceValue), currency: request.faceValue.currency };
    }
    let product: DingProduct | undefined;
    try {
      product = await fetchProduct(skuCode, context);
    } catch (error) {
      throw notSentAfter(error, request, "the product look-up");
    }
    if (!product) {
      throw new ProductUnavailableError(
        `ding: product ${skuCode} is not available to this account; the order was not sent`,
        {
          supplier,
          merchantOrderId: request.merchantOrderId,
        },
      );
    }
    const min = readMoney(product.Minimum?.SendValue, product.Minimum?.SendCurrencyIso, "Minimum.SendValue");
    const max = readMoney(product.Maximum?.SendValue, product.Maximum?.SendCurrencyIso, "Maximum.SendValue");
    if (!min || !sameAmount(min, max)) {
      throw new ValidationError(`Ding product ${skuCode} takes a range of amounts: pass faceValue`, [
        { path: "faceValue", message: "pass the amount to send (SendValue) in your Ding currency" },
      ]);
    }
    return { amount: dingSendValue(min, "sku"), currency: min.currency };
  }

  function notSentAfter(error: unknown, request: OrderRequest, what: string): unknown {
    if (KaquanError.isInstance(error) && error.failureClass === "sent_no_answer") {
      return new NotSentError(
        `ding: ${what} before order ${request.merchantOrderId} got no usable answer; the transfer was not sent`,
        { supplier, merchantOrderId: request.merchantOrderId },
      );
    }
    return error;
  }

  async function transferBody(
    request: OrderRequest,
    context: AdapterContext,
    validateOnly: boolean,
  ): Promise<{ body: Json; sendValue: Money; skuCode: string; accountNumber: string }> {
    const { skuCode, accountNumber } = validateOrder(request);
    const sendValue = await sendAmountOf(request, skuCode, context);
    const settings = options.transferSettings?.(request);
    const body: Json = {
      SkuCode: skuCode,
      SendValue: dingDecimal(sendValue.amount),
      SendCurrencyIso: sendValue.currency,
      AccountNumber: accountNumber,
      DistributorRef: request.merchantOrderId,
      ...(settings && settings.length > 0 ? { Settings: settings.map((entry) => ({ ...entry })) } : {}),
      ValidateOnly: validateOnly,
    };
    return { body, sendValue, skuCode, accountNumber };
  }

  // ---- reading transfers --------------------------------------------------------------------

  function utcTime(text: string | undefined): string | undefined {
    if (!text) return undefined;
    const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`; // "…Utc" fields are UTC
    const ms = Date.parse(zoned);
    return Number.isNaN(ms) ? undefined : isoTime(ms);
  }

  function costOf(price: DingPrice | null | undefined): Money | undefined {
    return readMoney(price?.SendValue, price?.SendCurrencyIso ?? undefined, "Price.SendValue");
  }

  function toUpdate(
    record: DingTransferRecord,
    merchantOrderId: string,
    source: OrderUpdate["source"],
  ): OrderUpdate {
    const vendorStatus = record.ProcessingState ?? "";
    const status: OrderStatus =
      lookup(statusOverrides, vendorStatus) ?? lookup(dingProcessingStates, vendorStatus) ?? "unknown";
    const update: OrderUpdate = {
      merchantOrderId,
      supplier,
      status,
      vendorStatus,
      source,
      kind: "mobile",
      quantity: 1,
      cards: [],
    };
    const transferRef = record.TransferId?.TransferRef;
    if (transferRef && transferRef !== "0") update.supplierOrderId = transferRef;
    if (record.SkuCode) update.sku = record.SkuCode;
    if (record.AccountNumber) update.account = record.AccountNumber;
    const cost = costOf(record.Price);
    if (cost) update.cost = cost;
    const started = utcTime(record.StartedUtc);
    if (started) update.createdAt = started;
    if (status === "failed") {
      update.failure = {
        code: lookup(dingFailureCodes, vendorStatus) ?? "supplier_failed",
        message: `Ding reports the transfer ${vendorStatus || "failed"}; nothing was delivered`,
        vendorCode: vendorStatus,
      };
    }
    if (status === "unknown") update.unknownReason = `unrecognised Ding ProcessingState "${vendorStatus}"`;
    return update;
  }

  function recordOf(value: Json | undefined, merchantOrderId: string): DingTransferRecord | undefined {
    if (!value) return undefined;
    const parsed = dingSendTransferResponseSchema.safeParse(value);
    if (!parsed.success) {
      throw new MalformedPayloadError(
        "ding: the transfer record in the answer does not have the documented fields",
        {
          supplier,
          merchantOrderId,
        },
      );
    }
    return parsed.data.TransferRecord ?? undefined;
  }

  // ---- the adapter ----------------------------------------------------------------------------

  const adapter: DingAdapter = {
    name: supplier,
    capabilities,
    secretValues: () => [apiKey],

    async listProducts(query: ProductQuery, context) {
      if (query.sku !== undefined) {
        const one = await adapter.getProduct(query.sku, context);
        return one && (!query.kind || one.kind === query.kind) ? [one] : [];
      }
      const parameters = new URLSearchParams();
      for (const [key, value] of Object.entries(options.productQuery ?? {})) {
        for (const item of typeof value === "string" ? [value] : value) parameters.append(key, item);
      }
      const products = (await fetchProducts(parameters, context)).map(toProduct);
      return products.filter(
        (product) =>
          (!query.kind || product.kind === query.kind) &&
          (!query.name || product.name.toLowerCase().includes(query.name.toLowerCase())),
      );
    },

    async getProduct(sku, context) {
      if (sku.trim() === "") return undefined;
      const raw = await fetchProduct(sku, context);
      return raw ? toProduct(raw) : undefined;
    },

    async getBalance(context) {
      const value = expect(await call("GetBalance", context));
      const parsed = parseWith(dingBalanceSchema, value, "balance");
      const available = readMoney(parsed.Balance, parsed.CurrencyIso, "Balance");
      if (!available) {
        throw new MalformedPayloadError("ding: the balance answer has no CurrencyIso", { supplier });
      }
      const balance: Balance = { available, checkedAt: isoTime(context.clock.now()) };
      return balance;
    },

    async placeOrder(request, context) {
      const merchantOrderId = request.merchantOrderId;
      if (validateFirst) {
        try {
          await adapter.validate(request, context);
        } catch (error) {
          throw notSentAfter(error, request, "the ValidateOnly check");
        }
      }
      const { body } = await transferBody(request, context, false);
      const result = await call("SendTransfer", context, { body, merchantOrderId });
      const record = recordOf(result.value, merchantOrderId);
      if (!result.ok) {
        if (result.meaning !== undefined && definitive.has(result.meaning)) throw result.error;
        // An unrecognised code or a provider error: only a record that says Failed settles it.
        if (record && (record.TransferId?.DistributorRef ?? merchantOrderId) === merchantOrderId) {
          const update = toUpdate(record, merchantOrderId, "place");
          if (update.status === "failed") {
            update.failure = {
              code: update.failure?.code ?? "supplier_failed",
              message: result.error.message,
              ...(result.error.vendorCode ? { vendorCode: result.error.vendorCode } : {}),
              ...(result.error.vendorMessage ? { vendorMessage: result.error.vendorMessage } : {}),
            };
            return update;
          }
        }
        throw result.error;
      }
      const reference = record?.TransferId?.DistributorRef;
      if (!record || (reference !== undefined && reference !== merchantOrderId)) {
        throw new NoAnswerError(
          `ding.SendTransfer: the answer ${record ? "names another transfer" : "has no TransferRecord"}; the outcome is unknown`,
          { supplier, merchantOrderId },
        );
      }
      return toUpdate(record, merchantOrderId, "place");
    },

    async queryOrder(merchantOrderId, context) {
      const value = expect(
        await call("ListTransferRecords", context, {
          body: { DistributorRef: merchantOrderId, Skip: 0, Take: listTake },
          merchantOrderId,
        }),
      );
      const parsed = parseWith(dingListTransferRecordsSchema, value, "transfer list", merchantOrderId);
      const records = (parsed.Items ?? [])
        .map(
          (item) =>
            item.TransferRecord ??
            (recordLike(item) ? recordOf({ TransferRecord: item }, merchantOrderId) : undefined),
        )
        .filter((record): record is DingTransferRecord => record !== undefined && record !== null)
        .filter((record) => (record.TransferId?.DistributorRef ?? merchantOrderId) === merchantOrderId);
      if (records.length === 0) return undefined;
      const updates = records.map((record) => toUpdate(record, merchantOrderId, "query"));
      if (updates.length > 1) {
        // Ding does not deduplicate DistributorRef: someone sent this reference more than once.
        context.logger.warn(
          {
            supplier,
            merchantOrderId,
            transfers: updates.map((update) => ({ ref: update.supplierOrderId, state: update.vendorStatus })),
          },
          "Ding holds several transfers under one DistributorRef; reporting the most delivered one",
        );
      }
      updates.sort((a, b) => statusPriority[a.status] - statusPriority[b.status]);
      return updates[0];
    },

    async validate(request, context) {
      const { body, sendValue, skuCode, accountNumber } = await transferBody(request, context, true);
      const value = expect(
        await call("SendTransfer", context, { body, merchantOrderId: request.merchantOrderId }),
      );
      const price = recordOf(value, request.merchantOrderId)?.Price;
      const validation: DingValidation = { skuCode, accountNumber, sendValue };
      const receive = readMoney(price?.ReceiveValue, price?.ReceiveCurrencyIso, "Price.ReceiveValue");
      const fee = (amount: unknown) => readMoney(amount, price?.SendCurrencyIso ?? sendValue.currency, "fee");
      const customerFee = fee(price?.CustomerFee);
      const distributorFee = fee(price?.DistributorFee);
      if (receive) validation.receiveValue = receive;
      if (customerFee) validation.customerFee = customerFee;
      if (distributorFee) validation.distributorFee = distributorFee;
      return validation;
    },
  };

  return adapter;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A list item that is itself a transfer record (no `TransferRecord` wrapper). */
function recordLike(item: Json): boolean {
  return "ProcessingState" in item || "TransferId" in item;
}
