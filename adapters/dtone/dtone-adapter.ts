/**
 * The DT One DVS adapter (vendor-protocols.md §3). A JSON REST API with HTTP Basic auth (API key
 * as user, API secret as password); transactions are created with our `external_id`
 * (= `merchantOrderId`), asynchronously by default, confirmed in the same request
 * (`auto_confirm`) or by a second call, and looked up by `external_id` when an answer is lost.
 * Callbacks are unsigned: they only name the transaction, and kaquan re-fetches it.
 *
 * Facts DT One has not published are options with documented defaults (docs/adapters/dtone.md):
 * the numeric status ids, a callback signature (none known), the HTTP status of error 1006001,
 * the rate limits, and the confirmation window.
 */

import {
  AbortedError,
  type AdapterCapabilities,
  type AdapterContext,
  type Balance,
  type CallbackAck,
  type Card,
  ConfigurationError,
  compareMoney,
  type HttpRequest,
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
  type RawCallback,
  Secret,
  type SupplierAdapter,
  ValidationError,
  type VerifiedCallback,
} from "../../src/core/index.js";
import { guardCardDelivery } from "../../src/runtime/card-delivery.js";
import { utf8Text } from "../../src/runtime/charset.js";
import { isoTime } from "../../src/runtime/clock.js";
import { endpointOption } from "../../src/runtime/endpoint-option.js";
import { tryParseJson } from "../../src/runtime/json.js";
import { readJsonAnswer, refusalRetryAfter, sendJson } from "../../src/runtime/json-api.js";
import { hasEntry, lookup } from "../../src/runtime/table-lookup.js";
import {
  classifyVendorError,
  type VendorErrorMeaning,
  type VendorErrorTable,
  vendorError,
} from "../../src/runtime/vendor-errors.js";
import { type PayloadSchema, parseVendorPayload } from "../../src/runtime/vendor-payload.js";
import { dtoneDecimal, dtoneMoney, dtoneWholesaleCost, serializeDtoneBody } from "./dtone-amounts.js";
import {
  type DtoneStatusClass,
  defaultDtoneErrorTable,
  dtoneFailureCodes,
  dtoneProductKinds,
  dtoneRangedProductTypes,
  dtoneStatusClasses,
  dtoneStatusClassIds,
} from "./dtone-tables.js";
import {
  type DtoneProduct,
  type DtoneProductAmount,
  type DtoneTransaction,
  dtoneBalanceSchema,
  dtoneErrorsSchema,
  dtoneLookupOperatorSchema,
  dtoneProductSchema,
  dtoneTransactionSchema,
} from "./dtone-wire.js";

/** Production base URL (§3). */
export const DTONE_PRODUCTION_ENDPOINT = "https://dvs-api.dtone.com/v1";
/** Pre-production (sandbox) base URL (§3): simulated transactions, last-3-digit scenarios. */
export const DTONE_SANDBOX_ENDPOINT = "https://preprod-dvs-api.dtone.com/v1";

/** The DVS endpoints the adapter calls, for per-endpoint rate limits and logs. */
export type DtoneEndpoint =
  | "products"
  | "product"
  | "balances"
  | "lookup"
  | "createTransaction"
  | "confirmTransaction"
  | "cancelTransaction"
  | "transaction"
  | "transactionByExternalId";

/** Something that lets one request through when it may go: `createTokenBucket` from kaquan fits. */
export interface DtoneRateLimiter {
  acquire(signal?: AbortSignal): Promise<void>;
}

/** DVS `calculation_mode`: which side of a ranged product the order's amount names. */
export type DtoneCalculationMode = "SOURCE_AMOUNT" | "DESTINATION_AMOUNT";

export interface DtoneAdapterOptions {
  /** The API key (the Basic-auth user name). */
  apiKey: string;
  /** The API secret (the Basic-auth password). Never logged, never in an error. */
  apiSecret: string;
  /** `sandbox` is DT One's pre-production environment. */
  environment: "production" | "sandbox";
  /** A base URL that replaces the environment's (a simulator, a proxy, staging), e.g. `http://127.0.0.1:1234/v1`. */
  endpoint?: string;
  /**
   * `async` (default, DT One's recommendation): `POST /async/transactions` answers at once and the
   * final status comes by callback or query. `sync`: `POST /sync/transactions` holds the
   * connection until the status is final or up to 180 s, and may still answer `SUBMITTED`.
   */
  mode?: "async" | "sync";
  /**
   * Default true: the transaction is created and confirmed in one request (`auto_confirm`).
   * With false, kaquan creates it and then calls `/confirm` itself; if that confirmation gets no
   * answer the order stays `processing` (status CREATED) until you `confirm(id)` or `cancel(id)`.
   */
  autoConfirm?: boolean;
  /** Where DT One POSTs status changes (`callback_url`). No callbacks when omitted. */
  callbackUrl?: string;
  /**
   * For ranged products, which side `faceValue` names when its currency is both the source and
   * the destination currency. Otherwise the currency decides: a `faceValue` in the product's
   * destination currency is a `DESTINATION_AMOUNT` (what the beneficiary receives), one in its
   * source currency a `SOURCE_AMOUNT` (what you send). Default `DESTINATION_AMOUNT`.
   */
  calculationMode?: DtoneCalculationMode;
  /** Replaces entries of the error-code table (see `defaultDtoneErrorTable`). */
  errorCodes?: Readonly<Record<string, VendorErrorMeaning>>;
  /**
   * Replaces the mapping of single statuses (e.g. `"DECLINED-DUPLICATED-TRANSACTION"`) whose
   * class mapping you want to change. Class mapping (`dtoneStatusClasses`) applies otherwise.
   */
  statusOverrides?: Readonly<Record<string, OrderStatus>>;
  /**
   * Client-side rate limits per DVS endpoint (DT One enforces limits it does not publish and
   * answers 429 past them [?]). Each request takes a token from its endpoint's limiter first. The
   * supplier client's `rateLimit` covers the contract's operations; these also cover `confirm`,
   * `cancel`, `lookup` and the two requests a placement may make.
   */
  rateLimits?: Partial<Record<DtoneEndpoint, DtoneRateLimiter>>;
  /** Extra query parameters for `GET /products` (e.g. `{ country_iso_code: "IDN" }`): the full catalogue is large. */
  productQuery?: Readonly<Record<string, string | number>>;
  /** Most `GET /products` pages (100 products each) `listProducts` reads. Default 20. */
  maxProductPages?: number;
  /**
   * Extra DVS fields for every transaction (`sender`, `beneficiary`, `debit_party_identifier`,
   * `statement_identifier`, …) for products that require them. kaquan's own fields win.
   */
  transactionFields?: (request: OrderRequest) => Readonly<Record<string, unknown>>;
  /** The balance currency `getBalance` reports when the account holds several. Default: the first. */
  balanceCurrency?: string;
  /** Deadline of a `sync` create or confirm request. Default 185 000 ms (DT One holds ≤ 180 s). */
  syncTimeoutMs?: number;
  /** How long a "not found" right after placing may be propagation lag. Default 10 000 ms. */
  notFoundGraceMs?: number;
  /** Poll interval. Default 2 000 ms (sandbox scenarios take ≥ 3 s). */
  pollIntervalMs?: number;
}

/** One operator a mobile-number lookup returned. */
export interface DtoneOperatorMatch {
  operatorId: string;
  name: string;
  countryIsoCode?: string;
  /** Whether DT One identified the operator as a direct match (not merely a candidate). */
  identified: boolean;
}

/** The adapter: the contract plus DVS's confirm, cancel, transaction-by-id and number lookup. */
export type DtoneAdapter = SupplierAdapter & {
  /** Confirms a transaction created without `auto_confirm` (`POST /{mode}/transactions/{id}/confirm`). */
  confirm(transactionId: string, context: AdapterContext): Promise<OrderUpdate>;
  /** Cancels a transaction still CREATED, releasing the held amount (`POST /transactions/{id}/cancel`). */
  cancel(transactionId: string, context: AdapterContext): Promise<OrderUpdate>;
  /** The operators DT One resolves a mobile number (E.164) to (`GET /lookup/mobile-number/{msisdn}`). */
  lookup(mobileNumber: string, context: AdapterContext): Promise<DtoneOperatorMatch[]>;
  /** A transaction by DT One's id; `undefined` when DT One does not know it. */
  getTransaction(transactionId: string, context: AdapterContext): Promise<OrderUpdate | undefined>;
};

type Json = Record<string, unknown>;

type CallResult =
  | { ok: true; value: unknown; response: HttpResponse }
  | { ok: false; meaning: VendorErrorMeaning | undefined; error: KaquanError; response: HttpResponse };

const supplier = "dtone";
const merchantOrderIdLimit = 40; // `external_id` maxLength in the spec
const e164Pattern = /^\+[1-9]\d{6,14}$/;
const idPattern = /^\d{1,19}$/;

/** Creates the DT One adapter. Throws `ConfigurationError` for a missing credential or a bad option. */
export function createDtoneAdapter(options: DtoneAdapterOptions): DtoneAdapter {
  if (typeof options?.apiKey !== "string" || options.apiKey.length === 0) {
    throw new ConfigurationError("DT One adapter: apiKey is required (the DVS API key from DT Shop)");
  }
  if (typeof options.apiSecret !== "string" || options.apiSecret.length === 0) {
    throw new ConfigurationError("DT One adapter: apiSecret is required (the DVS API secret from DT Shop)");
  }
  if (options.environment !== "production" && options.environment !== "sandbox") {
    throw new ConfigurationError('DT One adapter: environment must be "production" or "sandbox"');
  }
  const mode = options.mode ?? "async";
  if (mode !== "async" && mode !== "sync")
    throw new ConfigurationError('DT One adapter: mode must be "async" or "sync"');
  const base = endpointOption(
    "DT One",
    options.endpoint,
    options.environment === "sandbox" ? DTONE_SANDBOX_ENDPOINT : DTONE_PRODUCTION_ENDPOINT,
  );
  if (options.callbackUrl !== undefined) {
    try {
      new URL(options.callbackUrl);
    } catch {
      throw new ConfigurationError("DT One adapter: callbackUrl is not a URL");
    }
  }
  const calculationMode = options.calculationMode ?? "DESTINATION_AMOUNT";
  if (calculationMode !== "DESTINATION_AMOUNT" && calculationMode !== "SOURCE_AMOUNT") {
    throw new ConfigurationError(
      'DT One adapter: calculationMode must be "DESTINATION_AMOUNT" or "SOURCE_AMOUNT"',
    );
  }
  const autoConfirm = options.autoConfirm ?? true;
  const syncTimeoutMs = options.syncTimeoutMs ?? 185_000;
  const maxProductPages = options.maxProductPages ?? 20;
  // The Basic credential lives only in this closure: never on the adapter object, never logged.
  const apiKey = options.apiKey;
  const apiSecret = options.apiSecret;
  const basicToken = Buffer.from(`${apiKey}:${apiSecret}`, "utf8").toString("base64");
  const authorization = `Basic ${basicToken}`;
  const errorTable: VendorErrorTable = {
    codes: { ...defaultDtoneErrorTable.codes, ...options.errorCodes },
  };
  const statusOverrides = options.statusOverrides ?? {};
  const rateLimits = options.rateLimits ?? {};
  const capabilities: AdapterCapabilities = {
    // DVS refuses a reused `external_id` with 1007001 (§3): re-sending is safe; kaquan then queries.
    duplicateOrderId: "reject",
    callbacks: "refetch",
    stock: false,
    balance: true,
    cardDelivery: true,
    batchQuery: false,
    orderKinds: ["mobile", "card", "direct"],
    notFoundGraceMs: options.notFoundGraceMs ?? 10_000,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    resendAfterNotFound: true,
  };

  // ---- transport ------------------------------------------------------------------------------

  async function send(
    endpoint: DtoneEndpoint,
    method: HttpRequest["method"],
    path: string,
    context: AdapterContext,
    extra: { body?: Json; timeoutMs?: number } = {},
  ): Promise<HttpResponse> {
    const limiter = rateLimits[endpoint];
    if (limiter) {
      try {
        await limiter.acquire(context.signal);
      } catch {
        throw new AbortedError(
          `dtone ${endpoint}: aborted while waiting for the rate limit; nothing was sent`,
          {
            supplier,
          },
        );
      }
    }
    return sendJson(context, {
      method,
      url: `${base}${path}`,
      headers: { authorization },
      body: extra.body,
      serialize: serializeDtoneBody,
      operation: `dtone.${endpoint}`,
      timeoutMs: extra.timeoutMs,
    });
  }

  async function call(
    endpoint: DtoneEndpoint,
    method: HttpRequest["method"],
    path: string,
    context: AdapterContext,
    extra: { body?: Json; timeoutMs?: number; merchantOrderId?: string | undefined } = {},
  ): Promise<CallResult> {
    const response = await send(endpoint, method, path, context, extra);
    return readAnswer(response, endpoint, context, extra.merchantOrderId);
  }

  /**
   * Reads an answer: 2xx JSON is the value; a DVS `Errors` body is classified by its code,
   * whatever the HTTP status; anything else (an HTML gateway page, a bare 5xx, unreadable JSON)
   * is *sent, no answer*, and a bare 429 is throttled.
   */
  function readAnswer(
    response: HttpResponse,
    endpoint: DtoneEndpoint,
    context: AdapterContext,
    merchantOrderId: string | undefined,
  ): CallResult {
    const operation = `dtone.${endpoint}`;
    const nowMs = context.clock.now();
    return readJsonAnswer(response, {
      supplier,
      operation,
      nowMs,
      merchantOrderId,
      emptyBodyIsAnswer: true,
      credentialsRefused: "DT One refused the API key and secret (check them and the environment)",
      readRefusal: (body) => {
        const parsed = dtoneErrorsSchema.safeParse(body);
        if (!parsed.success) return undefined;
        const entries = parsed.data.errors.map((entry) => ({
          code: entry.code,
          message: entry.message,
          meaning: classifyVendorError(errorTable, entry.code, undefined),
        }));
        const chosen = entries.find((entry) => entry.meaning !== undefined) ?? entries[0]!;
        const error = vendorError(chosen.meaning, {
          supplier,
          operation,
          vendorCode: chosen.code,
          vendorMessage: chosen.message,
          merchantOrderId,
          httpStatus: response.status,
          requestId: response.headers["x-request-id"],
          retryAfterMs: refusalRetryAfter(response, chosen.meaning, nowMs),
        });
        return { meaning: chosen.meaning, error };
      },
    });
  }

  function expect(result: CallResult): unknown {
    if (!result.ok) throw result.error;
    return result.value;
  }

  function parseWith<T>(schema: PayloadSchema<T>, value: unknown, what: string, merchantOrderId?: string): T {
    return parseVendorPayload(schema, value, { supplier: supplier, what, merchantOrderId });
  }

  function readMoney(amount: unknown, unit: string | undefined, field: string): Money | undefined {
    try {
      return dtoneMoney(amount, unit);
    } catch {
      throw new MalformedPayloadError(`dtone: ${field} is not a decimal amount`, { supplier });
    }
  }

  function readCost(wholesale: Parameters<typeof dtoneWholesaleCost>[0]): Money | undefined {
    try {
      return dtoneWholesaleCost(wholesale);
    } catch {
      throw new MalformedPayloadError("dtone: prices.wholesale is not a decimal amount", { supplier });
    }
  }

  // ---- products -----------------------------------------------------------------------------

  function kindOfProduct(raw: DtoneProduct): ProductKind {
    const type = raw.type ?? "";
    const kind = lookup(dtoneProductKinds, type) ?? "direct";
    if (kind !== "mobile") return kind;
    // A recharge credited to an account (broadband, utilities) rather than a number is `direct`.
    const fields = (raw.required_credit_party_identifier_fields ?? []).flat();
    return fields.length === 0 || fields.includes("mobile_number") ? "mobile" : "direct";
  }

  function describeRange(label: string, side: DtoneProductAmount | null | undefined): string | undefined {
    const amount = side?.amount;
    if (!side || typeof amount !== "object" || amount === null) return undefined;
    const min = amount.min ?? "?";
    const max = amount.max ?? "?";
    return `${label} ${side.unit ?? ""} ${String(min)}–${String(max)}`.replace(/\s+/g, " ");
  }

  function toProduct(raw: DtoneProduct): Product {
    const type = raw.type ?? "";
    const product: Product = {
      sku: raw.id,
      name: raw.name ?? "",
      kind: kindOfProduct(raw),
      // DVS lists only what is available to the account; it has no sale or stock status.
      saleStatus: "on_sale",
    };
    const details = [raw.description, type];
    if (dtoneRangedProductTypes.has(type)) {
      details.push(describeRange("source", raw.source), describeRange("destination", raw.destination));
    } else {
      const faceValue = readMoney(raw.destination?.amount, raw.destination?.unit, "destination.amount");
      const price = readCost(raw.prices?.wholesale);
      if (faceValue) product.faceValue = faceValue;
      if (price) product.price = price;
    }
    const text = details.filter((part): part is string => typeof part === "string" && part.length > 0);
    if (text.length > 0) product.details = text.join(" · ");
    return product;
  }

  function productIdOf(sku: string | undefined): string {
    if (sku === undefined || !/^[1-9]\d{0,9}$/.test(sku)) {
      throw new ValidationError("DT One product ids are integers: pass the DVS product id as sku", [
        { path: "sku", message: 'use the numeric DVS product id, e.g. "1234"' },
      ]);
    }
    return sku;
  }

  async function fetchProduct(productId: string, context: AdapterContext): Promise<DtoneProduct | undefined> {
    const result = await call("product", "GET", `/products/${productId}`, context);
    if (
      !result.ok &&
      (result.meaning === "product_unavailable" ||
        result.response.status === 404 ||
        result.error.vendorCode === "1000404")
    ) {
      return undefined;
    }
    return parseWith(dtoneProductSchema, expect(result), "product");
  }

  // ---- placing ------------------------------------------------------------------------------

  function e164(value: string, path: string): string {
    const number = value.startsWith("+") ? value : `+${value}`;
    if (!e164Pattern.test(number)) {
      throw new ValidationError("DT One needs mobile numbers in E.164 form with the country code", [
        { path, message: 'pass the number with its country code, e.g. "+6591234567"' },
      ]);
    }
    return number;
  }

  function creditParty(request: OrderRequest): Json | undefined {
    const account = request.account;
    if (request.kind === "mobile") return { mobile_number: e164(account ?? "", "account") };
    if (request.kind === "direct") {
      const party: Json = { account_number: account };
      const phone = request.accountFields?.contactPhone;
      if (phone !== undefined) party.mobile_number = e164(phone, "accountFields.contactPhone");
      return party;
    }
    // PIN purchases need no credit party; when one is given it is a number or an account.
    if (account === undefined) return undefined;
    return /^\+?\d{7,15}$/.test(account)
      ? { mobile_number: e164(account, "account") }
      : { account_number: account };
  }

  /**
   * The amount fields of an order that names a `faceValue`. DVS needs them for ranged products
   * only; kaquan reads the product first (one `GET /products/{id}`) to tell a fixed from a
   * ranged product and which side the amount's currency names. A lookup that gets no usable
   * answer is reported *not sent*: the order itself has not left.
   */
  async function amountFields(
    request: OrderRequest,
    productId: string,
    context: AdapterContext,
  ): Promise<Json> {
    const faceValue = request.faceValue;
    if (!faceValue) return {};
    let product: DtoneProduct | undefined;
    try {
      product = await fetchProduct(productId, context);
    } catch (error) {
      if (KaquanError.isInstance(error) && error.failureClass === "sent_no_answer") {
        throw new NotSentError(
          `dtone: the product lookup before order ${request.merchantOrderId} got no usable answer; the order was not sent`,
          { supplier, merchantOrderId: request.merchantOrderId },
        );
      }
      throw error;
    }
    if (!product) {
      throw new ProductUnavailableError(
        `dtone: product ${productId} is not available to this account; the order was not sent`,
        { supplier, merchantOrderId: request.merchantOrderId },
      );
    }
    const type = product.type ?? "";
    const source = product.source;
    const destination = product.destination;
    if (!dtoneRangedProductTypes.has(type)) {
      // A fixed product carries its own amount: faceValue may only restate it.
      const fixed = [destination, source]
        .map((side) => readMoney(side?.amount, side?.unit ?? undefined, "amount"))
        .filter((value): value is Money => value !== undefined);
      if (
        fixed.some((value) => value.currency === faceValue.currency && compareMoney(value, faceValue) === 0)
      )
        return {};
      throw new ValidationError(
        `DT One product ${productId} is a fixed-value product${fixed[0] ? ` of ${fixed[0].amount} ${fixed[0].currency}` : ""}; its faceValue cannot be chosen`,
        [{ path: "faceValue", message: "omit faceValue, or pass the product's own value" }],
      );
    }
    const accepted = product.accepted_calculation_modes ?? ["SOURCE_AMOUNT", "DESTINATION_AMOUNT"];
    const candidates: DtoneCalculationMode[] = [];
    if (destination?.unit === faceValue.currency) candidates.push("DESTINATION_AMOUNT");
    if (source?.unit === faceValue.currency) candidates.push("SOURCE_AMOUNT");
    const usable = candidates.filter((candidate) => accepted.includes(candidate));
    const chosen = usable.includes(calculationMode) ? calculationMode : usable[0];
    if (!chosen) {
      throw new ValidationError(
        `DT One product ${productId} is priced from ${source?.unit ?? "?"} to ${destination?.unit ?? "?"}; faceValue in ${faceValue.currency} names neither side it accepts`,
        [
          {
            path: "faceValue",
            message: `pass faceValue in ${destination?.unit ?? "the destination currency"} (what the beneficiary receives) or ${source?.unit ?? "the source currency"} (what you send)`,
          },
        ],
      );
    }
    const side = chosen === "DESTINATION_AMOUNT" ? destination : source;
    checkRange(side, faceValue, productId);
    const key = chosen === "DESTINATION_AMOUNT" ? "destination" : "source";
    return {
      calculation_mode: chosen,
      [key]: { unit_type: "CURRENCY", unit: faceValue.currency, amount: dtoneDecimal(faceValue.amount) },
    };
  }

  function checkRange(
    side: DtoneProductAmount | null | undefined,
    faceValue: Money,
    productId: string,
  ): void {
    const range = side?.amount;
    if (typeof range !== "object" || range === null) return;
    const min = readMoney(range.min, side?.unit ?? undefined, "amount.min");
    const max = readMoney(range.max, side?.unit ?? undefined, "amount.max");
    if ((min && compareMoney(faceValue, min) < 0) || (max && compareMoney(faceValue, max) > 0)) {
      throw new ValidationError(
        `DT One product ${productId} takes ${faceValue.currency} ${min?.amount ?? "?"} to ${max?.amount ?? "?"}`,
        [{ path: "faceValue", message: "pass an amount inside the product's range" }],
      );
    }
  }

  function validateOrder(request: OrderRequest): string {
    if (request.merchantOrderId.length > merchantOrderIdLimit) {
      throw new ValidationError(`DT One external_id is at most ${merchantOrderIdLimit} characters`, [
        { path: "merchantOrderId", message: `use an id of ${merchantOrderIdLimit} characters or fewer` },
      ]);
    }
    if (request.quantity !== 1) {
      throw new ValidationError("a DT One transaction delivers one unit: place one order per unit", [
        { path: "quantity", message: "use quantity 1" },
      ]);
    }
    return productIdOf(request.sku);
  }

  // ---- reading transactions -----------------------------------------------------------------

  function classOf(raw: DtoneTransaction): { statusClass?: DtoneStatusClass; vendorStatus: string } {
    const status = raw.status;
    const classMessage = status?.class?.message?.toUpperCase();
    const vendorStatus = status?.message ?? status?.class?.message ?? "";
    if (classMessage !== undefined) {
      return hasEntry(dtoneStatusClasses, classMessage)
        ? { statusClass: classMessage as DtoneStatusClass, vendorStatus }
        : { vendorStatus }; // a class DT One has added since: never guessed
    }
    const byId = lookup(dtoneStatusClassIds, status?.class?.id);
    if (byId) return { statusClass: byId, vendorStatus };
    // No class at all: a status such as "DECLINED-BARRED-CREDIT-PARTY" starts with its class.
    const prefix = vendorStatus.toUpperCase().split("-")[0] ?? "";
    return hasEntry(dtoneStatusClasses, prefix)
      ? { statusClass: prefix as DtoneStatusClass, vendorStatus }
      : { vendorStatus };
  }

  function kindOfTransaction(raw: DtoneTransaction, hint: ProductKind | undefined): ProductKind {
    if (hint) return hint;
    const type = raw.product?.type;
    const typeKind = lookup(dtoneProductKinds, type);
    if (typeKind) return typeKind;
    if (raw.credit_party_identifier?.mobile_number) return "mobile";
    if (raw.credit_party_identifier?.account_number) return "direct";
    return "card";
  }

  function toUpdate(
    raw: DtoneTransaction,
    source: OrderUpdate["source"],
    hint?: ProductKind | undefined,
  ): OrderUpdate {
    const { statusClass, vendorStatus } = classOf(raw);
    const status: OrderStatus =
      lookup(statusOverrides, vendorStatus) ?? (statusClass ? dtoneStatusClasses[statusClass] : "unknown");
    const kind = kindOfTransaction(raw, hint);
    const update: OrderUpdate = {
      merchantOrderId: raw.external_id,
      supplier,
      supplierOrderId: raw.id,
      status,
      vendorStatus,
      source,
      kind,
      quantity: 1,
    };
    const productId = raw.product?.id;
    if (productId) update.sku = productId;
    const account = raw.credit_party_identifier?.mobile_number ?? raw.credit_party_identifier?.account_number;
    if (account) update.account = account;
    const cost = readCost(raw.prices?.wholesale);
    if (cost) update.cost = cost;
    const created = raw.creation_date ? Date.parse(raw.creation_date) : Number.NaN;
    if (!Number.isNaN(created)) update.createdAt = isoTime(created);
    const code = raw.pin?.code?.trim();
    if (code) {
      const card: Card = { password: new Secret(code), format: "code" };
      const serial = raw.pin?.serial?.trim();
      if (serial) card.number = new Secret(serial);
      update.cards = [card];
    } else {
      update.cards = [];
    }
    if (status === "failed") {
      update.failure = {
        code: lookup(dtoneFailureCodes, vendorStatus) ?? "supplier_failed",
        message: `DT One reports the transaction ${vendorStatus || "failed"}; nothing was delivered`,
        vendorCode: vendorStatus,
      };
    }
    if (status === "unknown") {
      update.unknownReason = `unrecognised DT One status "${vendorStatus}"${statusClass ? "" : " (class not recognised)"}`;
    }
    // A PIN purchase reported COMPLETED without its PIN stays processing, so it is fetched again (F24).
    return guardCardDelivery(update, 1);
  }

  function readTransaction(value: unknown, merchantOrderId?: string): DtoneTransaction {
    return parseWith(dtoneTransactionSchema, value, "transaction", merchantOrderId);
  }

  function transactionIdOf(transactionId: string): string {
    if (typeof transactionId !== "string" || !idPattern.test(transactionId)) {
      throw new ValidationError("a DT One transaction id is a positive integer", [
        { path: "transactionId", message: "pass the transaction's `id` (Order.supplierOrderId)" },
      ]);
    }
    return transactionId;
  }

  async function confirmTransaction(
    transactionId: string,
    context: AdapterContext,
    merchantOrderId?: string,
  ): Promise<OrderUpdate> {
    const result = await call(
      "confirmTransaction",
      "POST",
      `/${mode}/transactions/${transactionIdOf(transactionId)}/confirm`,
      context,
      { merchantOrderId, ...(mode === "sync" ? { timeoutMs: syncTimeoutMs } : {}) },
    );
    return toUpdate(readTransaction(expect(result), merchantOrderId), "place");
  }

  // ---- the adapter ----------------------------------------------------------------------------

  const adapter: DtoneAdapter = {
    name: supplier,
    capabilities,
    secretValues: () => [apiSecret, apiKey, basicToken],

    async listProducts(query: ProductQuery, context) {
      if (query.sku !== undefined) {
        const one = await adapter.getProduct(query.sku, context);
        return one && (!query.kind || one.kind === query.kind) ? [one] : [];
      }
      const products: Product[] = [];
      for (let page = 1; page <= maxProductPages; page++) {
        const parameters = new URLSearchParams();
        for (const [key, value] of Object.entries(options.productQuery ?? {}))
          parameters.set(key, String(value));
        parameters.set("page", String(page));
        parameters.set("per_page", "100");
        const result = await call("products", "GET", `/products?${parameters.toString()}`, context);
        const value = expect(result);
        const list = Array.isArray(value) ? value : [];
        for (const item of list) products.push(toProduct(parseWith(dtoneProductSchema, item, "product")));
        const totalPages = Number(result.response.headers["x-total-pages"] ?? "");
        const next = result.response.headers["x-next-page"];
        const more =
          (next !== undefined && next !== "") || (Number.isFinite(totalPages) && totalPages > page);
        if (!more || list.length === 0) break;
      }
      return products.filter(
        (product) =>
          (!query.kind || product.kind === query.kind) &&
          (!query.name || product.name.toLowerCase().includes(query.name.toLowerCase())),
      );
    },

    async getProduct(sku, context) {
      const raw = await fetchProduct(productIdOf(sku), context);
      return raw ? toProduct(raw) : undefined;
    },

    async getBalance(context) {
      const value = expect(await call("balances", "GET", "/balances", context));
      const list = (Array.isArray(value) ? value : []).map((item) =>
        parseWith(dtoneBalanceSchema, item, "balance"),
      );
      const currencies = list.filter((entry) => (entry.unit_type ?? "CURRENCY") === "CURRENCY");
      const chosen = options.balanceCurrency
        ? currencies.find((entry) => entry.unit === options.balanceCurrency)
        : currencies[0];
      const available = chosen ? readMoney(chosen.available, chosen.unit, "available") : undefined;
      if (!available) {
        throw new MalformedPayloadError(
          `dtone: no ${options.balanceCurrency ?? "currency"} balance in the answer`,
          { supplier },
        );
      }
      const balance: Balance = { available, checkedAt: isoTime(context.clock.now()) };
      return balance;
    },

    async placeOrder(request, context) {
      const productId = validateOrder(request);
      const party = creditParty(request);
      const amounts = await amountFields(request, productId, context);
      const body: Json = {
        ...(options.transactionFields?.(request) ?? {}),
        external_id: request.merchantOrderId,
        product_id: dtoneDecimal(productId),
        auto_confirm: autoConfirm,
        ...(options.callbackUrl ? { callback_url: options.callbackUrl } : {}),
        ...amounts,
        ...(party ? { credit_party_identifier: party } : {}),
      };
      const result = await call("createTransaction", "POST", `/${mode}/transactions`, context, {
        body,
        merchantOrderId: request.merchantOrderId,
        ...(mode === "sync" ? { timeoutMs: syncTimeoutMs } : {}),
      });
      const transaction = readTransaction(expect(result), request.merchantOrderId);
      if (transaction.external_id !== request.merchantOrderId) {
        throw new NoAnswerError(
          "dtone.createTransaction: the answer names another transaction; the outcome is unknown",
          {
            supplier,
            merchantOrderId: request.merchantOrderId,
          },
        );
      }
      const created = toUpdate(transaction, "place", request.kind);
      if (autoConfirm || classOf(transaction).statusClass !== "CREATED") return created;
      try {
        return {
          ...(await confirmTransaction(transaction.id, context, request.merchantOrderId)),
          kind: request.kind,
        };
      } catch (error) {
        // The transaction exists: report it as created rather than as a failed placement.
        context.logger.warn(
          { supplier, merchantOrderId: request.merchantOrderId, transactionId: transaction.id, error },
          "DT One transaction created but not confirmed; confirm(id) or cancel(id) it",
        );
        return created;
      }
    },

    async queryOrder(merchantOrderId, context, hint) {
      const result = await call(
        "transactionByExternalId",
        "GET",
        `/transactions?external_id=${encodeURIComponent(merchantOrderId)}`,
        context,
        { merchantOrderId },
      );
      if (!result.ok && result.meaning === "order_not_found") return undefined;
      const value = expect(result);
      if (value === undefined) return undefined;
      const list = Array.isArray(value) ? value : [value];
      const match = list
        .map((item) => readTransaction(item, merchantOrderId))
        .find((transaction) => transaction.external_id === merchantOrderId);
      return match ? toUpdate(match, "query", hint?.kind) : undefined;
    },

    async verifyCallback(callback: RawCallback): Promise<VerifiedCallback> {
      // DVS callbacks carry no signature (§3 [?]). Only the transaction they name is read; its
      // state comes from a query (capabilities.callbacks = "refetch"), so a forged body can at
      // most trigger a query — never change an order.
      const raw = utf8Text(callback.body);
      const parsed = tryParseJson(raw);
      const externalId =
        typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
          ? (parsed as Json).external_id
          : undefined;
      if (typeof externalId !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(externalId)) {
        throw new MalformedPayloadError("dtone callback: the body is not a transaction with an external_id", {
          supplier,
        });
      }
      const id = (parsed as Json).id;
      const update: OrderUpdate = {
        merchantOrderId: externalId,
        supplier,
        status: "unknown",
        source: "callback",
        unknownReason: "unsigned DT One callback: the transaction is re-fetched before anything is applied",
      };
      if ((typeof id === "number" || typeof id === "string") && idPattern.test(String(id)))
        update.supplierOrderId = String(id);
      return { update };
    },

    callbackAck(accepted: boolean): CallbackAck {
      // DT One only needs a 2XX; anything else makes it retry "several times" (§3).
      return accepted
        ? { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "OK" }
        : { status: 500, headers: { "content-type": "text/plain; charset=utf-8" }, body: "retry" };
    },

    async confirm(transactionId, context) {
      return confirmTransaction(transactionId, context);
    },

    async cancel(transactionId, context) {
      const result = await call(
        "cancelTransaction",
        "POST",
        `/transactions/${transactionIdOf(transactionId)}/cancel`,
        context,
      );
      return toUpdate(readTransaction(expect(result)), "place");
    },

    async getTransaction(transactionId, context) {
      const result = await call(
        "transaction",
        "GET",
        `/transactions/${transactionIdOf(transactionId)}`,
        context,
      );
      if (!result.ok && result.meaning === "order_not_found") return undefined;
      return toUpdate(readTransaction(expect(result)), "query");
    },

    async lookup(mobileNumber, context) {
      const number = e164(mobileNumber, "mobileNumber");
      const value = expect(
        await call("lookup", "GET", `/lookup/mobile-number/${encodeURIComponent(number)}`, context),
      );
      return (Array.isArray(value) ? value : []).map((item) => {
        const operator = parseWith(dtoneLookupOperatorSchema, item, "operator");
        const match: DtoneOperatorMatch = {
          operatorId: operator.id,
          name: operator.name ?? "",
          identified: operator.identified === true,
        };
        if (operator.country?.iso_code) match.countryIsoCode = operator.country.iso_code;
        return match;
      });
    },
  };

  return adapter;
}
