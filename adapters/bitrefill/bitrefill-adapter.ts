/**
 * The Bitrefill API v2 adapter (vendor-protocols.md §8). A JSON REST API with a Bearer personal
 * key or HTTP Basic business credentials. An order is an invoice with one product line, paid
 * from the account balance (`payment_method: "balance"`, `auto_pay`); the invoice is the payment
 * and its orders (one per unit) are the deliveries, so the order state reads both: an invoice
 * `complete` with some orders failed is `partially_succeeded`. Redemption codes are fetched by an
 * authenticated `GET /orders/{id}` and returned as `Secret`s; webhooks are unsigned and only
 * trigger a re-fetch.
 *
 * Bitrefill documents no idempotency key for `POST /invoices` [?]: the adapter declares
 * `duplicateOrderId: "none"`, so kaquan never sends an order twice, and records the merchant's
 * order id in the invoice (`referenceField`, default `reference` [?], and as a `kaquan_order_id`
 * parameter of the per-invoice `webhook_url`) so a lost answer can be found again by listing
 * recent invoices (docs/adapters/bitrefill.md).
 */

import {
  type AdapterCapabilities,
  type AdapterContext,
  type Balance,
  type CallbackAck,
  type Card,
  ConfigurationError,
  type HttpRequest,
  type HttpResponse,
  type KaquanError,
  MalformedPayloadError,
  type Money,
  money,
  NoAnswerError,
  type OperationRateLimits,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdate,
  type Product,
  type ProductKind,
  type ProductQuery,
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
import { parseRetryAfter } from "../../src/runtime/http-failures.js";
import { tryParseJson } from "../../src/runtime/json.js";
import { createJsonDecimals, readJsonAnswer, sendJson } from "../../src/runtime/json-api.js";
import { lookup } from "../../src/runtime/table-lookup.js";
import {
  classifyVendorError,
  type VendorErrorMeaning,
  type VendorErrorTable,
  vendorError,
} from "../../src/runtime/vendor-errors.js";
import { type PayloadSchema, parseVendorPayload } from "../../src/runtime/vendor-payload.js";
import {
  BITREFILL_PACKAGE_SEPARATOR,
  bitrefillFailureCodes,
  bitrefillInvoiceStatuses,
  bitrefillOrderStatuses,
  bitrefillOutcome,
  bitrefillPublishedRateLimits,
  defaultBitrefillErrorTable,
} from "./bitrefill-tables.js";
import {
  type BitrefillInvoice,
  type BitrefillOrder,
  type BitrefillProduct,
  bitrefillBalanceSchema,
  bitrefillErrorSchema,
  bitrefillInvoiceSchema,
  bitrefillOrderSchema,
  bitrefillProductSchema,
  unwrapBitrefill,
} from "./bitrefill-wire.js";

/** Production base URL (§8). */
export const BITREFILL_ENDPOINT = "https://api.bitrefill.com/v2";
/** The `webhook_url` query parameter that carries the merchant's order id. */
export const BITREFILL_WEBHOOK_ORDER_PARAMETER = "kaquan_order_id";

/** The Bitrefill endpoints the adapter calls, for logs. */
export type BitrefillEndpoint =
  | "products"
  | "product"
  | "balance"
  | "createInvoice"
  | "invoices"
  | "invoice"
  | "payInvoice"
  | "order";

export interface BitrefillAdapterOptions {
  /** `{ bearer }`: a personal API key; `{ id, secret }`: business credentials (HTTP Basic). */
  auth: { bearer: string } | { id: string; secret: string };
  /** A base URL that replaces Bitrefill's (a simulator, a proxy), e.g. `http://127.0.0.1:1234/v2`. */
  endpoint?: string;
  /**
   * `balance` (default) pays each invoice from the account balance at once (`auto_pay`). Any
   * other method creates the invoice unpaid: kaquan reports it processing until it is paid
   * outside kaquan (or with `payInvoice`).
   */
  paymentMethod?: string;
  /**
   * Where Bitrefill POSTs the invoice when it changes (`webhook_url`). kaquan appends
   * `kaquan_order_id=<merchantOrderId>` to it per invoice. No webhooks when omitted.
   */
  webhookUrl?: string;
  /**
   * The invoice body field that records the merchant's order id, or `false` to send none.
   * Bitrefill documents no reference field [?]; default `reference`. Queries and webhooks find the
   * order by this field or by the `webhook_url` parameter, whichever the invoice echoes.
   */
  referenceField?: string | false;
  /** Replaces entries of the error-code table (see `defaultBitrefillErrorTable`). */
  errorCodes?: Readonly<Record<string, VendorErrorMeaning>>;
  /** Replaces the published rate limits the client enforces (`bitrefillPublishedRateLimits`). */
  rateLimits?: OperationRateLimits;
  /** Extra query parameters of `GET /products` (e.g. `{ country: "US" }`). */
  productQuery?: Readonly<Record<string, string | number | boolean>>;
  /** Most `GET /products` pages (50 each) `listProducts` reads. Default 10. */
  maxProductPages?: number;
  /** Most `GET /invoices` pages (50 each, newest first) a query scans for the order. Default 4. */
  maxInvoicePages?: number;
  /** How product types map to order kinds. Default: `phone_refill` is `mobile`, anything else `card`. */
  productKinds?: Readonly<Record<string, ProductKind>>;
  /** How long a "not found" right after placing may be lag. Default 10 000 ms. */
  notFoundGraceMs?: number;
  /** Poll interval. Default 10 000 ms (item GETs allow 60 per 10 minutes). */
  pollIntervalMs?: number;
}

/** The adapter: the contract plus Bitrefill's invoice-by-id, pay, order and ping. */
export type BitrefillAdapter = SupplierAdapter & {
  /** The account balance (`GET /accounts/balance`). */
  getBalance(context: AdapterContext): Promise<Balance>;
  /** Verifies nothing (webhooks are unsigned): reads the order id; the order is re-fetched. */
  verifyCallback(callback: RawCallback, context: AdapterContext): Promise<VerifiedCallback>;
  callbackAck(accepted: boolean): CallbackAck;
  /** The order state of an invoice by Bitrefill's id; `undefined` when Bitrefill does not know it. */
  getInvoice(invoiceId: string, context: AdapterContext): Promise<OrderUpdate | undefined>;
  /** Pays an unpaid invoice from the balance (`POST /invoices/{id}/pay`). */
  payInvoice(invoiceId: string, context: AdapterContext): Promise<OrderUpdate>;
};

type Json = Record<string, unknown>;
type CallResult =
  | { ok: true; value: unknown; response: HttpResponse }
  | { ok: false; meaning: VendorErrorMeaning | undefined; error: KaquanError; response: HttpResponse };

const supplier = "bitrefill";
const idPattern = /^[A-Za-z0-9_.:-]{1,128}$/;
const orderIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** {@link decimalPlaceholder}s are bare numbers with exactly their digits in the JSON text. */
const decimals = createJsonDecimals("bitrefill", { signed: true, validate: false });
function decimalPlaceholder(amount: string): string {
  return decimals.placeholder(amount);
}

/** Creates the Bitrefill adapter. Throws `ConfigurationError` for a missing credential or a bad option. */
export function createBitrefillAdapter(options: BitrefillAdapterOptions): BitrefillAdapter {
  const auth = options?.auth as { bearer?: unknown; id?: unknown; secret?: unknown } | undefined;
  let authorization: string;
  let secrets: string[];
  if (typeof auth?.bearer === "string" && auth.bearer.length > 0) {
    authorization = `Bearer ${auth.bearer}`;
    secrets = [auth.bearer];
  } else if (
    typeof auth?.id === "string" &&
    auth.id.length > 0 &&
    typeof auth.secret === "string" &&
    auth.secret.length > 0
  ) {
    const token = Buffer.from(`${auth.id}:${auth.secret}`, "utf8").toString("base64");
    authorization = `Basic ${token}`;
    secrets = [auth.secret, token];
  } else {
    throw new ConfigurationError(
      "Bitrefill adapter: auth is required: { bearer } (a personal API key) or { id, secret } (business)",
    );
  }
  const base = endpointOption("Bitrefill", options.endpoint, BITREFILL_ENDPOINT);
  if (options.webhookUrl !== undefined) {
    try {
      new URL(options.webhookUrl);
    } catch {
      throw new ConfigurationError("Bitrefill adapter: webhookUrl is not a URL");
    }
  }
  const referenceField = options.referenceField === undefined ? "reference" : options.referenceField;
  if (referenceField !== false && (typeof referenceField !== "string" || !/^[a-z_]+$/.test(referenceField))) {
    throw new ConfigurationError(
      "Bitrefill adapter: referenceField must be a snake_case field name or false",
    );
  }
  const paymentMethod = options.paymentMethod ?? "balance";
  const maxProductPages = options.maxProductPages ?? 10;
  const maxInvoicePages = options.maxInvoicePages ?? 4;
  const productKinds: Readonly<Record<string, ProductKind>> = {
    phone_refill: "mobile",
    ...options.productKinds,
  };
  const errorTable: VendorErrorTable = {
    codes: { ...defaultBitrefillErrorTable.codes, ...options.errorCodes },
    messagePatterns: defaultBitrefillErrorTable.messagePatterns ?? [],
  };
  const capabilities: AdapterCapabilities = {
    // No idempotency key is documented for POST /invoices [?]: never re-send.
    duplicateOrderId: "none",
    callbacks: "refetch",
    stock: false,
    balance: true,
    cardDelivery: true,
    batchQuery: false,
    orderKinds: ["card", "mobile"],
    notFoundGraceMs: options.notFoundGraceMs ?? 10_000,
    pollIntervalMs: options.pollIntervalMs ?? 10_000,
    resendAfterNotFound: false,
    publishedRateLimits: options.rateLimits ?? bitrefillPublishedRateLimits,
  };

  // ---- transport ------------------------------------------------------------------------------

  async function call(
    endpoint: BitrefillEndpoint,
    method: HttpRequest["method"],
    path: string,
    context: AdapterContext,
    extra: { body?: Json; merchantOrderId?: string | undefined } = {},
  ): Promise<CallResult> {
    const response = await sendJson(context, {
      method,
      url: `${base}${path}`,
      headers: { authorization },
      body: extra.body,
      serialize: decimals.serialize,
      operation: `bitrefill.${endpoint}`,
    });
    return readAnswer(response, endpoint, context, extra.merchantOrderId);
  }

  /**
   * 2xx JSON is the value (out of its envelope); an error body is classified by its code, then its
   * message, whatever the HTTP status; a bare 401/403 is an authentication error; anything else
   * (an HTML gateway page, a bare 5xx, unreadable JSON) is *sent, no answer*, a bare 429 throttled.
   */
  function readAnswer(
    response: HttpResponse,
    endpoint: BitrefillEndpoint,
    context: AdapterContext,
    merchantOrderId: string | undefined,
  ): CallResult {
    const operation = `bitrefill.${endpoint}`;
    const nowMs = context.clock.now();
    return readJsonAnswer<{ meaning: VendorErrorMeaning | undefined; error: KaquanError }>(response, {
      supplier,
      operation,
      nowMs,
      merchantOrderId,
      unwrap: unwrapBitrefill,
      credentialsRefused: "Bitrefill refused the credentials (check the API key)",
      readRefusal: (body) => {
        const parsed = bitrefillErrorSchema.safeParse(body);
        if (!parsed.success) return undefined;
        const { code, message } = parsed.data;
        let meaning = classifyVendorError(errorTable, code, message);
        if (meaning === undefined && response.status === 429) meaning = "rate_limited";
        if (meaning === undefined && (response.status === 401 || response.status === 403))
          meaning = "authentication";
        const retryAfterMs = meaning === "rate_limited" ? rateLimitDelay(response.headers, nowMs) : undefined;
        const error = vendorError(meaning, {
          supplier,
          operation,
          vendorCode: code,
          vendorMessage: message,
          merchantOrderId,
          httpStatus: response.status,
          requestId: response.headers["x-request-id"],
          retryAfterMs,
        });
        return { meaning, error };
      },
      readBareStatus: () => {
        if (response.status === 404) {
          const error = vendorError("order_not_found", {
            supplier,
            operation,
            merchantOrderId,
            httpStatus: 404,
          });
          return { meaning: "order_not_found", error };
        }
        if (response.status === 429) {
          throw vendorError("rate_limited", {
            supplier,
            operation,
            merchantOrderId,
            httpStatus: 429,
            retryAfterMs: rateLimitDelay(response.headers, nowMs),
          });
        }
        return undefined;
      },
    });
  }

  /** `Retry-After`, else `X-RateLimit-Reset` (epoch seconds, or seconds from now when small) [?]. */
  function rateLimitDelay(headers: Record<string, string>, nowMs: number): number | undefined {
    const retryAfter = parseRetryAfter(headers["retry-after"], nowMs);
    if (retryAfter !== undefined) return retryAfter;
    const reset = Number(headers["x-ratelimit-reset"] ?? "");
    if (!Number.isFinite(reset) || reset <= 0) return undefined;
    return reset > 1_000_000_000 ? Math.max(0, reset * 1000 - nowMs) : reset * 1000;
  }

  function expect(result: CallResult): unknown {
    if (!result.ok) throw result.error;
    return result.value;
  }

  function parseWith<T>(schema: PayloadSchema<T>, value: unknown, what: string, merchantOrderId?: string): T {
    return parseVendorPayload(schema, value, { supplier: supplier, what, merchantOrderId });
  }

  function readMoney(amount: unknown, currency: string | undefined, field: string): Money | undefined {
    if (currency === undefined || !/^[A-Z]{3}$/.test(currency)) return undefined;
    if (typeof amount !== "number" && typeof amount !== "string") return undefined;
    try {
      return money(amount, currency);
    } catch {
      throw new MalformedPayloadError(`bitrefill: ${field} is not a decimal amount`, { supplier });
    }
  }

  // ---- products -----------------------------------------------------------------------------

  function kindOf(raw: BitrefillProduct): ProductKind {
    return lookup(productKinds, raw.type) ?? (raw.recipient_type === "phone_number" ? "mobile" : "card");
  }

  /** One product per package (`sku` = the package id) and one per range (`sku` = the product id). */
  function toProducts(raw: BitrefillProduct): Product[] {
    const kind = kindOf(raw);
    const common = {
      name: raw.name ?? raw.id,
      kind,
      saleStatus: raw.in_stock === false ? ("off_sale" as const) : ("on_sale" as const),
      ...(raw.in_stock === false ? { vendorSaleStatus: "in_stock:false" } : {}),
    };
    const products: Product[] = [];
    for (const entry of raw.packages ?? []) {
      const value = entry.value === null || entry.value === undefined ? undefined : String(entry.value);
      const sku = entry.id ?? (value ? `${raw.id}${BITREFILL_PACKAGE_SEPARATOR}${value}` : undefined);
      if (!sku) continue;
      const product: Product = { sku, ...common, name: `${common.name} ${value ?? ""}`.trim() };
      const faceValue = readMoney(entry.value, raw.currency, "packages.value");
      const price = readMoney(entry.price, raw.price_currency, "packages.price");
      if (faceValue) product.faceValue = faceValue;
      if (price) product.price = price;
      products.push(product);
    }
    if (raw.range) {
      const { min, max, step } = raw.range;
      products.push({
        sku: raw.id,
        ...common,
        details: `value ${raw.currency ?? ""} ${String(min ?? "?")}–${String(max ?? "?")}${
          step !== null && step !== undefined ? ` step ${String(step)}` : ""
        }: pass faceValue`.replace(/\s+/g, " "),
      });
    }
    if (products.length === 0) products.push({ sku: raw.id, ...common });
    return products;
  }

  function productIdOf(sku: string | undefined): { productId: string; packageId?: string } {
    if (typeof sku !== "string" || sku.length === 0 || sku.length > 200) {
      throw new ValidationError("pass the Bitrefill product id or package id as sku", [
        { path: "sku", message: 'e.g. "test-gift-card-code" or "amazon-us<&>50"' },
      ]);
    }
    const at = sku.indexOf(BITREFILL_PACKAGE_SEPARATOR);
    if (at < 0) return { productId: sku };
    return { productId: sku.slice(0, at), packageId: sku };
  }

  async function fetchProduct(
    productId: string,
    context: AdapterContext,
  ): Promise<BitrefillProduct | undefined> {
    const result = await call("product", "GET", `/products/${encodeURIComponent(productId)}`, context);
    if (!result.ok && (result.meaning === "order_not_found" || result.meaning === "product_unavailable"))
      return undefined;
    return parseWith(bitrefillProductSchema, expect(result), "product");
  }

  // ---- invoices and orders ------------------------------------------------------------------

  function referenceOf(invoice: Json | BitrefillInvoice): string | undefined {
    if (referenceField !== false) {
      const value = (invoice as Json)[referenceField];
      if (typeof value === "string" && orderIdPattern.test(value)) return value;
    }
    const webhook = (invoice as Json).webhook_url;
    if (typeof webhook === "string") {
      try {
        const value = new URL(webhook).searchParams.get(BITREFILL_WEBHOOK_ORDER_PARAMETER);
        if (value && orderIdPattern.test(value)) return value;
      } catch {
        // not a URL: no reference
      }
    }
    return undefined;
  }

  function webhookUrlFor(merchantOrderId: string): string | undefined {
    if (!options.webhookUrl) return undefined;
    const url = new URL(options.webhookUrl);
    url.searchParams.set(BITREFILL_WEBHOOK_ORDER_PARAMETER, merchantOrderId);
    return url.toString();
  }

  /** Cards of delivered orders, read from `GET /orders/{id}` (authenticated) — never from a webhook. */
  async function cardsOf(orders: BitrefillOrder[], context: AdapterContext, merchantOrderId: string) {
    const cards: Card[] = [];
    for (const order of orders) {
      const value = expect(
        await call("order", "GET", `/orders/${encodeURIComponent(order.id)}`, context, { merchantOrderId }),
      );
      const detail = parseWith(bitrefillOrderSchema, value, "order", merchantOrderId);
      const card = cardOf(detail);
      if (card) cards.push(card);
    }
    return cards;
  }

  /**
   * A code with a PIN is a card number and its PIN; a code alone is the password; a link alone
   * (a claim URL) is the password with format `link`.
   */
  function cardOf(order: BitrefillOrder): Card | undefined {
    const info = order.redemption_info;
    if (info === null || info === undefined) return undefined;
    if (typeof info === "string") {
      const text = info.trim();
      return text
        ? { password: new Secret(text), format: /^https?:\/\//.test(text) ? "link" : "code" }
        : undefined;
    }
    const code = info.code?.trim();
    const pin = info.pin?.trim();
    const link = info.link?.trim();
    let card: Card | undefined;
    if (code && pin) card = { number: new Secret(code), password: new Secret(pin), format: "code" };
    else if (code) card = { password: new Secret(code), format: "code" };
    else if (pin) card = { password: new Secret(pin), format: "code" };
    else if (link) card = { password: new Secret(link), format: "link" };
    if (card && info.expiration_date) card.expiresAt = info.expiration_date;
    return card;
  }

  /**
   * The order state of an invoice and its orders. With `fetchCodes`, the codes of delivered
   * orders are fetched; a delivered unit without its code keeps the order processing (F24).
   */
  async function toUpdate(
    invoice: BitrefillInvoice,
    merchantOrderId: string,
    source: OrderUpdate["source"],
    context: AdapterContext,
    hint: { kind?: ProductKind | undefined; quantity?: number | undefined; fetchCodes: boolean },
  ): Promise<OrderUpdate> {
    const invoiceStatus = invoice.status ?? "";
    const invoiceClass = lookup(bitrefillInvoiceStatuses, invoiceStatus);
    const orders = invoice.orders ?? [];
    const classes = orders.map((order) => lookup(bitrefillOrderStatuses, order.status));
    let status: OrderStatus;
    let vendorStatus = invoiceStatus;
    let unknownReason: string | undefined;
    if (invoiceClass === "open") status = "processing";
    else if (invoiceClass === "refused") status = "failed";
    else if (invoiceClass === "paid") {
      vendorStatus = `${invoiceStatus}:${orders.map((order) => order.status ?? "").join(",")}`;
      if (classes.some((value) => value === undefined)) {
        status = "unknown";
        unknownReason = `unrecognised Bitrefill order status in "${vendorStatus}"`;
      } else {
        status = bitrefillOutcome({
          delivered: classes.filter((value) => value === "delivered").length,
          undelivered: classes.filter((value) => value === "undelivered").length,
          pending: classes.filter((value) => value === "pending").length,
        });
      }
    } else {
      status = "unknown";
      unknownReason = `unrecognised Bitrefill invoice status "${invoiceStatus}"`;
    }
    const firstProduct = orders[0]?.product;
    const kind: ProductKind = hint.kind ?? "card";
    const quantity = orders.length > 0 ? orders.length : (hint.quantity ?? 1);
    const update: OrderUpdate = {
      merchantOrderId,
      supplier,
      supplierOrderId: invoice.id,
      status,
      vendorStatus,
      source,
      kind,
      quantity,
      cards: [],
    };
    if (firstProduct?.id) update.sku = firstProduct.id;
    const cost = readMoney(invoice.payment?.price, invoice.payment?.currency, "payment.price");
    if (cost) update.cost = cost;
    const created = invoice.created_time ? Date.parse(invoice.created_time) : Number.NaN;
    if (!Number.isNaN(created)) update.createdAt = isoTime(created);
    if (unknownReason) update.unknownReason = unknownReason;
    const delivered = orders.filter((order) => lookup(bitrefillOrderStatuses, order.status) === "delivered");
    if (status === "failed") {
      update.failure =
        invoiceClass === "refused"
          ? {
              code: lookup(bitrefillFailureCodes, invoiceStatus) ?? "supplier_failed",
              message: `Bitrefill reports the invoice ${invoiceStatus}; nothing was delivered`,
              vendorCode: invoiceStatus,
            }
          : {
              code: "supplier_failed",
              message: "Bitrefill delivered none of the invoice's orders",
              vendorCode: vendorStatus,
            };
    }
    if (status === "partially_succeeded") {
      update.failure = {
        code: "partially_delivered",
        message: `Bitrefill delivered ${delivered.length} of ${orders.length} orders of the invoice`,
        vendorCode: vendorStatus,
      };
    }
    if (kind === "card" && (status === "succeeded" || status === "partially_succeeded")) {
      if (hint.fetchCodes) update.cards = await cardsOf(delivered, context, merchantOrderId);
      if ((update.cards?.length ?? 0) < delivered.length) {
        // Delivered units without their codes: not final until every code is in hand (F24).
        return { ...guardCardDelivery(update, delivered.length), status: "processing" };
      }
    }
    return kind === "card" ? guardCardDelivery(update, status === "succeeded" ? quantity : 0) : update;
  }

  function readInvoice(value: unknown, merchantOrderId?: string): BitrefillInvoice {
    return parseWith(bitrefillInvoiceSchema, value, "invoice", merchantOrderId);
  }

  function invoiceIdOf(invoiceId: string): string {
    if (typeof invoiceId !== "string" || !idPattern.test(invoiceId)) {
      throw new ValidationError("a Bitrefill invoice id is a short token of letters, digits and dashes", [
        { path: "invoiceId", message: "pass the invoice's `id` (Order.supplierOrderId)" },
      ]);
    }
    return invoiceId;
  }

  /** The newest invoices, page by page, until one records `merchantOrderId`. */
  async function findInvoice(
    merchantOrderId: string,
    context: AdapterContext,
  ): Promise<BitrefillInvoice | undefined> {
    const limit = 50;
    for (let page = 0; page < maxInvoicePages; page++) {
      const value = expect(
        await call("invoices", "GET", `/invoices?start=${page * limit}&limit=${limit}`, context, {
          merchantOrderId,
        }),
      );
      const list = Array.isArray(value) ? value : [];
      for (const item of list) {
        if (typeof item !== "object" || item === null) continue;
        if (referenceOf(item as Json) === merchantOrderId) {
          const listed = readInvoice(item, merchantOrderId);
          // The list may leave the orders out: read the invoice itself then.
          if (listed.orders) return listed;
          const full = await call("invoice", "GET", `/invoices/${encodeURIComponent(listed.id)}`, context, {
            merchantOrderId,
          });
          return readInvoice(expect(full), merchantOrderId);
        }
      }
      if (list.length < limit) break;
    }
    return undefined;
  }

  function validateOrder(request: OrderRequest): Json {
    const { productId, packageId } = productIdOf(request.sku);
    const line: Json = { product_id: productId, quantity: request.quantity };
    if (packageId) {
      line.package_id = packageId;
    } else if (request.faceValue) {
      line.value = decimalPlaceholder(request.faceValue.amount);
    } else {
      throw new ValidationError(
        `Bitrefill product ${productId}: pass a package id as sku (e.g. "${productId}<&>50") or a faceValue for a ranged product`,
        [{ path: "faceValue", message: "pass faceValue (in the product's currency) or a package sku" }],
      );
    }
    if (request.kind === "mobile") {
      if (!request.account) {
        throw new ValidationError("a Bitrefill phone refill needs the phone number", [
          { path: "account", message: "pass the number with its country code" },
        ]);
      }
      line.phone_number = request.account;
    }
    return line;
  }

  // ---- the adapter ----------------------------------------------------------------------------

  const adapter: BitrefillAdapter = {
    name: supplier,
    capabilities,
    secretValues: () => [...secrets],

    async listProducts(query: ProductQuery, context) {
      if (query.sku !== undefined) {
        const one = await adapter.getProduct(query.sku, context);
        return one && (!query.kind || one.kind === query.kind) ? [one] : [];
      }
      const products: Product[] = [];
      const limit = 50;
      for (let page = 0; page < maxProductPages; page++) {
        const parameters = new URLSearchParams();
        for (const [key, value] of Object.entries(options.productQuery ?? {}))
          parameters.set(key, String(value));
        parameters.set("start", String(page * limit));
        parameters.set("limit", String(limit));
        const value = expect(await call("products", "GET", `/products?${parameters.toString()}`, context));
        const list = Array.isArray(value) ? value : [];
        for (const item of list)
          products.push(...toProducts(parseWith(bitrefillProductSchema, item, "product")));
        if (list.length < limit) break;
      }
      return products.filter(
        (product) =>
          (!query.kind || product.kind === query.kind) &&
          (!query.name || product.name.toLowerCase().includes(query.name.toLowerCase())),
      );
    },

    async getProduct(sku, context) {
      const { productId, packageId } = productIdOf(sku);
      const raw = await fetchProduct(productId, context);
      if (!raw) return undefined;
      return (
        toProducts(raw).find((product) => product.sku === (packageId ?? productId)) ??
        (packageId ? undefined : toProducts(raw)[0])
      );
    },

    async getBalance(context) {
      const value = expect(await call("balance", "GET", "/accounts/balance", context));
      const raw = parseWith(bitrefillBalanceSchema, value, "balance");
      const available = readMoney(raw.balance, raw.currency, "balance");
      if (!available) {
        throw new MalformedPayloadError("bitrefill: the balance answer has no ISO currency", { supplier });
      }
      const balance: Balance = { available, checkedAt: isoTime(context.clock.now()) };
      return balance;
    },

    async placeOrder(request, context) {
      const line = validateOrder(request);
      const webhookUrl = webhookUrlFor(request.merchantOrderId);
      const body: Json = {
        products: [line],
        payment_method: paymentMethod,
        ...(paymentMethod === "balance" ? { auto_pay: true } : {}),
        ...(webhookUrl ? { webhook_url: webhookUrl } : {}),
        ...(referenceField !== false ? { [referenceField]: request.merchantOrderId } : {}),
      };
      const result = await call("createInvoice", "POST", "/invoices", context, {
        body,
        merchantOrderId: request.merchantOrderId,
      });
      const invoice = readInvoice(expect(result), request.merchantOrderId);
      const echoed = referenceOf(invoice);
      if (echoed !== undefined && echoed !== request.merchantOrderId) {
        throw new NoAnswerError(
          "bitrefill.createInvoice: the answer names another order; the outcome is unknown",
          {
            supplier,
            merchantOrderId: request.merchantOrderId,
          },
        );
      }
      // Codes come from the authenticated order endpoint on the next query (no extra item GETs here).
      return toUpdate(invoice, request.merchantOrderId, "place", context, {
        kind: request.kind,
        quantity: request.quantity,
        fetchCodes: false,
      });
    },

    async queryOrder(merchantOrderId, context, hint) {
      const invoice = await findInvoice(merchantOrderId, context);
      if (!invoice) return undefined;
      return toUpdate(invoice, merchantOrderId, "query", context, { kind: hint?.kind, fetchCodes: true });
    },

    async verifyCallback(callback: RawCallback): Promise<VerifiedCallback> {
      // Bitrefill webhooks carry no signature (§8). Only the invoice they name is read; its state
      // comes from a query (capabilities.callbacks = "refetch"), so a forged body can at most
      // trigger a query — never change an order, never deliver a code.
      const raw = utf8Text(callback.body);
      const parsed = unwrapBitrefill(tryParseJson(raw));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new MalformedPayloadError("bitrefill webhook: the body is not an invoice", { supplier });
      }
      const merchantOrderId = referenceOf(parsed as Json);
      if (!merchantOrderId) {
        throw new MalformedPayloadError("bitrefill webhook: the invoice records no kaquan order id", {
          supplier,
        });
      }
      const update: OrderUpdate = {
        merchantOrderId,
        supplier,
        status: "unknown",
        source: "callback",
        unknownReason: "unsigned Bitrefill webhook: the invoice is re-fetched before anything is applied",
      };
      const id = (parsed as Json).id;
      if (typeof id === "string" && idPattern.test(id)) update.supplierOrderId = id;
      return { update };
    },

    callbackAck(accepted: boolean): CallbackAck {
      // Bitrefill wants a 200 within 5 s (§8).
      return accepted
        ? { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "OK" }
        : { status: 500, headers: { "content-type": "text/plain; charset=utf-8" }, body: "retry" };
    },

    async getInvoice(invoiceId, context) {
      const result = await call(
        "invoice",
        "GET",
        `/invoices/${encodeURIComponent(invoiceIdOf(invoiceId))}`,
        context,
      );
      if (!result.ok && result.meaning === "order_not_found") return undefined;
      const invoice = readInvoice(expect(result));
      return toUpdate(invoice, referenceOf(invoice) ?? invoice.id, "query", context, { fetchCodes: true });
    },

    async payInvoice(invoiceId, context) {
      const result = await call(
        "payInvoice",
        "POST",
        `/invoices/${encodeURIComponent(invoiceIdOf(invoiceId))}/pay`,
        context,
        {
          body: {},
        },
      );
      const invoice = readInvoice(expect(result));
      return toUpdate(invoice, referenceOf(invoice) ?? invoice.id, "place", context, { fetchCodes: false });
    },
  };

  return adapter;
}
