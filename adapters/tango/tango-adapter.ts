/**
 * The Tango Card RaaS v2 adapter (vendor-protocols.md §6). A JSON REST API with HTTP Basic auth
 * (platform name as user, platform key as password). A `card` order is a reward: `POST /orders`
 * with our `externalRefID` (= `merchantOrderId`), answered synchronously with the reward's
 * credentials. The create endpoint is "retry safe": a re-sent `externalRefID` returns the order
 * it belongs to — which this adapter compares with the request and refuses to adopt when it is
 * another reward. A 409 "in process" means the first send is still running: an unknown outcome,
 * resolved by `GET /orders?externalRefID=`. Tango has no order callbacks, and publishes a limit of
 * one request per second across all endpoints, declared in `capabilities.publishedRateLimits`.
 *
 * Facts Tango has not published clearly are options with documented defaults
 * (docs/adapters/tango.md): the status enum, most error keys, the `externalRefID` alphabet.
 */

import {
  type AdapterCapabilities,
  type AdapterContext,
  type Balance,
  type Card,
  ConfigurationError,
  compareMoney,
  type FailureClass,
  type HttpRequest,
  type HttpResponse,
  IdempotencyConflictError,
  KaquanError,
  MalformedPayloadError,
  type Money,
  money,
  NoAnswerError,
  NotSentError,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdate,
  type Product,
  type ProductQuery,
  ProductUnavailableError,
  type RetryHint,
  Secret,
  type SupplierAdapter,
  ValidationError,
} from "../../src/core/index.js";
import { guardCardDelivery } from "../../src/runtime/card-delivery.js";
import { isoTime } from "../../src/runtime/clock.js";
import { endpointOption } from "../../src/runtime/endpoint-option.js";
import {
  createJsonDecimals,
  readJsonAnswer,
  refusalRetryAfter,
  sendJson,
} from "../../src/runtime/json-api.js";
import { lookup } from "../../src/runtime/table-lookup.js";
import { vendorError } from "../../src/runtime/vendor-errors.js";
import { type PayloadSchema, parseVendorPayload } from "../../src/runtime/vendor-payload.js";
import {
  defaultTangoErrorCodes,
  TANGO_VALUE_TYPES,
  type TangoErrorMeaning,
  tangoCardNumberLabels,
  tangoOrderStatuses,
  tangoPinLabels,
} from "./tango-tables.js";
import {
  type TangoItem,
  type TangoOrder,
  tangoAccountSchema,
  tangoBrandSchema,
  tangoCatalogSchema,
  tangoErrorSchema,
  tangoItemSchema,
  tangoOrderListSchema,
  tangoOrderSchema,
} from "./tango-wire.js";

/** Production base URL (§6). */
export const TANGO_PRODUCTION_ENDPOINT = "https://api.tangocard.com/raas/v2";
/** Sandbox ("integration") base URL (§6). */
export const TANGO_SANDBOX_ENDPOINT = "https://integration-api.tangocard.com/raas/v2";

/** Tango's published limit: "1 TPS across all endpoints" (§6 [M]). */
export const TANGO_PUBLISHED_RATE_LIMIT = { requestsPerSecond: 1, burst: 1 } as const;

/**
 * A re-sent `externalRefID` came back as an existing order for *another* reward (another utid
 * or amount). The order is not adopted: the id already belongs to a different order at Tango.
 *
 * It is an {@link IdempotencyConflictError} (same code, `idempotency_conflict`: "the same
 * merchantOrderId was used with a different request"), whose failure class is `rejected` rather
 * than `local` because the supplier — not kaquan — detected it after the request was sent: the
 * client records this request as failed with that code and throws, instead of resolving the id
 * by query and adopting the other order. Use a new `merchantOrderId` for the new reward.
 */
export class TangoReplayMismatchError extends IdempotencyConflictError {
  static override readonly errorName: string = "TangoReplayMismatchError";
  override readonly failureClass: FailureClass = "rejected";
  override readonly retry: RetryHint = "never";
}

/** The RaaS endpoints the adapter calls, for logs. */
export type TangoEndpoint = "catalogs" | "account" | "createOrder" | "ordersByExternalRefId" | "order";

export interface TangoAdapterOptions {
  /** The platform name (the Basic-auth user name). */
  platformName: string;
  /** The platform key (the Basic-auth password). Never logged, never in an error. */
  platformKey: string;
  /** `sandbox` is Tango's integration environment. */
  environment: "production" | "sandbox";
  /** A base URL that replaces the environment's (a simulator, a proxy), e.g. `http://127.0.0.1:1234/raas/v2`. */
  endpoint?: string;
  /** The customer the account belongs to (`customerIdentifier`, required on every order). */
  customerIdentifier: string;
  /** The account orders are paid from and whose balance `getBalance` reads. */
  accountIdentifier: string;
  /** Whether Tango e-mails the reward to the recipient (`sendEmail`). Default false: kaquan delivers the codes. */
  sendEmail?: boolean;
  /** Default recipient e-mail (`recipient.email`); required by Tango when `sendEmail` is true. */
  recipientEmail?: string;
  /** Sender/recipient names, campaign, message… merged into every order body; kaquan's fields win. */
  orderFields?: (request: OrderRequest) => Readonly<Record<string, unknown>>;
  /** Replaces entries of the error table (see `defaultTangoErrorCodes`), by full key or HTTP prefix. */
  errorCodes?: Readonly<Record<string, TangoErrorMeaning>>;
  /** Replaces entries of the status table (see `tangoOrderStatuses`). */
  statusOverrides?: Readonly<Record<string, OrderStatus>>;
  /** The longest `externalRefID` accepted. Default 100 [M]. */
  maxExternalRefIdLength?: number;
  /** How long a "not found" right after placing may be propagation lag. Default 5 000 ms. */
  notFoundGraceMs?: number;
  /** Poll interval. Default 2 000 ms (Tango allows one request per second). */
  pollIntervalMs?: number;
}

type Json = Record<string, unknown>;

type CallResult =
  | { ok: true; value: unknown; response: HttpResponse }
  | { ok: false; meaning: TangoErrorMeaning | undefined; error: KaquanError; response: HttpResponse };

const supplier = "tango";
const currencyPattern = /^[A-Z]{3}$/;
/** A decimal above zero, as Tango's `amount` must be. */
const positiveAmount = /^(?=.*[1-9])\d+(\.\d+)?$/;
const decimals = createJsonDecimals("tango", { signed: false });

/** JSON text with every decimal marker written as a bare JSON number, digits unchanged. */
export function serializeTangoJson(value: unknown): string {
  return decimals.serialize(value);
}

/** A placeholder for a decimal that must be sent as a JSON number with exactly these digits. */
export function tangoDecimal(amount: string): string {
  return decimals.placeholder(amount);
}

/** Creates the Tango Card adapter. Throws `ConfigurationError` for a missing credential or a bad option. */
export function createTangoAdapter(options: TangoAdapterOptions): SupplierAdapter {
  const required = ["platformName", "platformKey", "customerIdentifier", "accountIdentifier"] as const;
  for (const name of required) {
    if (typeof options?.[name] !== "string" || options[name].length === 0) {
      throw new ConfigurationError(`Tango adapter: ${name} is required`);
    }
  }
  if (options.platformName.includes(":")) {
    throw new ConfigurationError("Tango adapter: platformName must not contain ':' (HTTP Basic user)");
  }
  if (options.environment !== "production" && options.environment !== "sandbox") {
    throw new ConfigurationError('Tango adapter: environment must be "production" or "sandbox"');
  }
  const base = endpointOption(
    "Tango",
    options.endpoint,
    options.environment === "sandbox" ? TANGO_SANDBOX_ENDPOINT : TANGO_PRODUCTION_ENDPOINT,
  );
  const sendEmail = options.sendEmail ?? false;
  if (sendEmail && !options.recipientEmail) {
    throw new ConfigurationError("Tango adapter: sendEmail needs recipientEmail (Tango e-mails the reward)");
  }
  const maxRefLength = options.maxExternalRefIdLength ?? 100;
  // The Basic credential lives only in this closure: never on the adapter object, never logged.
  const platformName = options.platformName;
  const platformKey = options.platformKey;
  const basicToken = Buffer.from(`${platformName}:${platformKey}`, "utf8").toString("base64");
  const authorization = `Basic ${basicToken}`;
  const errorCodes: Readonly<Record<string, TangoErrorMeaning>> = {
    ...defaultTangoErrorCodes,
    ...options.errorCodes,
  };
  const statuses: Readonly<Record<string, OrderStatus>> = {
    ...tangoOrderStatuses,
    ...options.statusOverrides,
  };
  const capabilities: AdapterCapabilities = {
    // A re-sent externalRefID returns the original order (§6, "retry safe").
    duplicateOrderId: "replay",
    callbacks: "none",
    stock: false,
    balance: true,
    cardDelivery: true,
    batchQuery: false,
    orderKinds: ["card"],
    notFoundGraceMs: options.notFoundGraceMs ?? 5_000,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    resendAfterNotFound: true,
    publishedRateLimits: { default: { ...TANGO_PUBLISHED_RATE_LIMIT } },
  };

  // ---- transport ------------------------------------------------------------------------------

  async function call(
    endpoint: TangoEndpoint,
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
      serialize: serializeTangoJson,
      operation: `tango.${endpoint}`,
    });
    return readAnswer(response, endpoint, context, extra.merchantOrderId);
  }

  /** The meaning of an i18n key: the full key first, then its HTTP prefix (`402.001` → `402`). */
  function meaningOf(key: string | undefined): TangoErrorMeaning | undefined {
    if (key === undefined) return undefined;
    return lookup(errorCodes, key) ?? lookup(errorCodes, key.split(".")[0]);
  }

  /**
   * Reads an answer: 2xx JSON is the value; a Tango error body is classified by its i18n key,
   * whatever the HTTP status; anything else (an HTML gateway page, a bare 5xx, unreadable JSON)
   * is *sent, no answer*, and a bare 429 is throttled.
   */
  function readAnswer(
    response: HttpResponse,
    endpoint: TangoEndpoint,
    context: AdapterContext,
    merchantOrderId: string | undefined,
  ): CallResult {
    const operation = `tango.${endpoint}`;
    const nowMs = context.clock.now();
    return readJsonAnswer(response, {
      supplier,
      operation,
      nowMs,
      merchantOrderId,
      emptyBodyIsAnswer: true,
      credentialsRefused: "Tango refused the platform name and key (check them and the environment)",
      readRefusal: (value) => {
        const parsed = tangoErrorSchema.safeParse(value);
        if (!parsed.success) return undefined;
        const body = parsed.data;
        const key = body.i18nKey ?? body.errors?.[0]?.i18nKey ?? body.errors?.[0]?.code;
        const message = body.message ?? body.errors?.[0]?.message;
        const meaning = meaningOf(key);
        const details = {
          supplier,
          merchantOrderId,
          vendorCode: key,
          vendorMessage: message,
          httpStatus: response.status,
          requestId: body.requestId ?? response.headers["x-request-id"],
        };
        if (meaning === "in_process") {
          const error = new NoAnswerError(
            `${operation}: Tango says an order with this externalRefID is still in process; the outcome is unknown until it is queried`,
            details,
          );
          return { meaning, error };
        }
        const retryAfterMs = refusalRetryAfter(response, meaning, nowMs);
        const error = vendorError(meaning, { ...details, operation, retryAfterMs });
        return { meaning, error };
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

  function readMoney(amount: unknown, currency: string | undefined, field: string): Money | undefined {
    if (currency === undefined || !currencyPattern.test(currency)) return undefined;
    if (typeof amount !== "number" && typeof amount !== "string") return undefined;
    try {
      return money(amount, currency);
    } catch {
      throw new MalformedPayloadError(`tango: ${field} is not a decimal amount`, { supplier });
    }
  }

  // ---- catalogue ------------------------------------------------------------------------------

  interface CatalogueEntry {
    item: TangoItem;
    brandName: string | undefined;
  }

  async function fetchCatalogue(context: AdapterContext): Promise<CatalogueEntry[]> {
    const catalog = parseWith(
      tangoCatalogSchema,
      expect(await call("catalogs", "GET", "/catalogs", context)),
      "catalog",
    );
    const entries: CatalogueEntry[] = [];
    for (const rawBrand of catalog.brands) {
      const brand = parseWith(tangoBrandSchema, rawBrand, "brand");
      for (const rawItem of brand.items ?? []) {
        entries.push({
          item: parseWith(tangoItemSchema, rawItem, "catalog item"),
          brandName: brand.brandName,
        });
      }
    }
    return entries;
  }

  function toProduct({ item, brandName }: CatalogueEntry): Product {
    const status = item.status?.toLowerCase();
    const product: Product = {
      sku: item.utid,
      name: item.rewardName ?? brandName ?? item.utid,
      kind: "card",
      saleStatus: status === "active" ? "on_sale" : status === "inactive" ? "off_sale" : "unknown",
    };
    if (item.status) product.vendorSaleStatus = item.status;
    const details: string[] = [];
    if (brandName) details.push(brandName);
    if (item.valueType === TANGO_VALUE_TYPES.variable) {
      details.push(
        `${item.currencyCode ?? ""} ${String(item.minValue ?? "?")}–${String(item.maxValue ?? "?")}`.trim(),
      );
    } else {
      const faceValue = readMoney(item.faceValue, item.currencyCode, "faceValue");
      if (faceValue) product.faceValue = faceValue;
    }
    if (item.rewardType) details.push(item.rewardType);
    if (details.length > 0) product.details = details.join(" · ");
    return product;
  }

  // ---- orders ---------------------------------------------------------------------------------

  function validateOrder(request: OrderRequest): string {
    if (request.kind !== "card") {
      throw new ValidationError("Tango Card sells rewards: place card orders", [
        { path: "kind", message: 'use kind "card" with the reward\'s utid as sku' },
      ]);
    }
    if (request.merchantOrderId.length > maxRefLength) {
      throw new ValidationError(`Tango externalRefID is at most ${maxRefLength} characters`, [
        { path: "merchantOrderId", message: `use an id of ${maxRefLength} characters or fewer` },
      ]);
    }
    if (request.quantity !== 1) {
      throw new ValidationError("a Tango order issues one reward: place one order per reward", [
        { path: "quantity", message: "use quantity 1" },
      ]);
    }
    if (!request.sku) {
      throw new ValidationError("a Tango order needs the reward's utid", [
        { path: "sku", message: 'pass the catalogue item\'s utid, e.g. "U561593"' },
      ]);
    }
    return request.sku;
  }

  /**
   * The order's amount: `faceValue` when given (required for variable-value items), else the
   * fixed-value item's face value from the catalogue. A lookup with no usable answer is reported
   * *not sent*: the order itself has not left.
   */
  async function amountOf(request: OrderRequest, utid: string, context: AdapterContext): Promise<Money> {
    if (request.faceValue) {
      // Tango takes an unsigned amount (sent as a bare JSON number): refuse anything else here.
      if (!positiveAmount.test(request.faceValue.amount)) {
        throw new ValidationError("a Tango reward's faceValue must be an amount above zero", [
          { path: "faceValue", message: 'pass e.g. { amount: "25.00", currency: "USD" }' },
        ]);
      }
      return request.faceValue;
    }
    let entries: CatalogueEntry[];
    try {
      entries = await fetchCatalogue(context);
    } catch (error) {
      if (KaquanError.isInstance(error) && error.failureClass === "sent_no_answer") {
        throw new NotSentError(
          `tango: the catalogue lookup before order ${request.merchantOrderId} got no usable answer; the order was not sent`,
          { supplier, merchantOrderId: request.merchantOrderId },
        );
      }
      throw error;
    }
    const entry = entries.find((candidate) => candidate.item.utid === utid);
    if (!entry) {
      throw new ProductUnavailableError(
        `tango: utid ${utid} is not in this platform's catalogue; the order was not sent`,
        {
          supplier,
          merchantOrderId: request.merchantOrderId,
        },
      );
    }
    const faceValue = readMoney(entry.item.faceValue, entry.item.currencyCode, "faceValue");
    if (entry.item.valueType === TANGO_VALUE_TYPES.variable || !faceValue) {
      throw new ValidationError(`Tango item ${utid} is a variable-value reward: its amount must be chosen`, [
        {
          path: "faceValue",
          message: `pass faceValue in ${entry.item.currencyCode ?? "the item's currency"} between ${String(entry.item.minValue ?? "?")} and ${String(entry.item.maxValue ?? "?")}`,
        },
      ]);
    }
    if (!positiveAmount.test(faceValue.amount)) {
      throw new NotSentError(
        `tango: the catalogue gives utid ${utid} a face value that is not an amount above zero; the order was not sent`,
        { supplier, merchantOrderId: request.merchantOrderId },
      );
    }
    return faceValue;
  }

  /** Reward credentials as one card: a PIN pairs with a card number; a code or link stands alone. */
  function cardsOf(raw: TangoOrder): Card[] {
    const list = [...(raw.reward?.credentialList ?? [])];
    if (list.length === 0) {
      for (const [label, value] of Object.entries(raw.reward?.credentials ?? {})) {
        if (value !== null)
          list.push({ label, value: String(value), type: undefined, credentialType: undefined });
      }
    }
    const normalise = (text: string | undefined) => (text ?? "").trim().toLowerCase();
    let number: string | undefined;
    let pin: string | undefined;
    let code: string | undefined;
    let link: string | undefined;
    for (const entry of list) {
      const value = entry.value?.trim();
      if (!value) continue;
      const names = [normalise(entry.label), normalise(entry.credentialType), normalise(entry.type)];
      if (names.some((name) => tangoCardNumberLabels.has(name))) number ??= value;
      else if (names.some((name) => tangoPinLabels.has(name))) pin ??= value;
      else if (names.some((name) => name === "url" || name.includes("link") || name.includes("url")))
        link ??= value;
      else code ??= value;
    }
    const password = pin ?? code ?? number ?? link;
    if (password === undefined) return [];
    const format = pin === undefined && code === undefined && number === undefined ? "link" : "code";
    const card: Card = { password: new Secret(password), format };
    if (number !== undefined && password !== number) card.number = new Secret(number);
    return [card];
  }

  function toUpdate(raw: TangoOrder, source: OrderUpdate["source"], merchantOrderId: string): OrderUpdate {
    const vendorStatus = raw.status ?? "";
    const status: OrderStatus = lookup(statuses, vendorStatus.toUpperCase()) ?? "unknown";
    const update: OrderUpdate = {
      merchantOrderId: raw.externalRefID ?? merchantOrderId,
      supplier,
      supplierOrderId: raw.referenceOrderID,
      status,
      vendorStatus,
      source,
      kind: "card",
      quantity: 1,
      cards: cardsOf(raw),
    };
    if (raw.utid) update.sku = raw.utid;
    const charged = raw.amountCharged;
    const cost = readMoney(charged?.total ?? charged?.value, charged?.currencyCode, "amountCharged.total");
    if (cost) update.cost = cost;
    const created = raw.createdAt ? Date.parse(raw.createdAt) : Number.NaN;
    if (!Number.isNaN(created)) update.createdAt = isoTime(created);
    if (status === "failed") {
      update.failure = {
        code: "supplier_failed",
        message: `Tango reports the order ${vendorStatus}; no reward was issued`,
        vendorCode: vendorStatus,
      };
    }
    if (status === "unknown") update.unknownReason = `unrecognised Tango order status "${vendorStatus}"`;
    // A COMPLETE reward without its credentials stays processing, so it is fetched again (F24).
    return guardCardDelivery(update, 1);
  }

  /**
   * Compares an answered order with what was asked: a replayed `externalRefID` that belongs to
   * another reward (utid or amount) is refused, never adopted.
   */
  function checkReplay(
    raw: TangoOrder,
    utid: string | undefined,
    amount: Money | undefined,
    merchantOrderId: string,
  ): void {
    const differences: string[] = [];
    if (utid !== undefined && raw.utid !== undefined && raw.utid !== utid)
      differences.push(`utid ${raw.utid}, not ${utid}`);
    if (amount) {
      const answered = readMoney(
        raw.denomination?.value,
        raw.denomination?.currencyCode ?? amount.currency,
        "denomination",
      );
      if (answered && (answered.currency !== amount.currency || compareMoney(answered, amount) !== 0)) {
        differences.push(
          `amount ${answered.amount} ${answered.currency}, not ${amount.amount} ${amount.currency}`,
        );
      }
    }
    if (differences.length > 0) {
      throw new TangoReplayMismatchError(
        `tango: externalRefID ${merchantOrderId} already belongs to Tango order ${raw.referenceOrderID} for another reward (${differences.join("; ")}); it was not adopted — use a new merchantOrderId`,
        { supplier, merchantOrderId },
      );
    }
  }

  function orderPath(merchantOrderId: string): string {
    const parameters = new URLSearchParams({
      externalRefID: merchantOrderId,
      accountIdentifier: options.accountIdentifier,
      customerIdentifier: options.customerIdentifier,
    });
    return `/orders?${parameters.toString()}`;
  }

  // ---- the adapter ----------------------------------------------------------------------------

  const adapter: SupplierAdapter = {
    name: supplier,
    capabilities,
    secretValues: () => [platformKey, basicToken],

    async listProducts(query: ProductQuery, context) {
      const products = (await fetchCatalogue(context)).map(toProduct);
      return products.filter(
        (product) =>
          (!query.kind || product.kind === query.kind) &&
          (!query.sku || product.sku === query.sku) &&
          (!query.name || product.name.toLowerCase().includes(query.name.toLowerCase())),
      );
    },

    async getProduct(sku, context) {
      const entry = (await fetchCatalogue(context)).find((candidate) => candidate.item.utid === sku);
      return entry ? toProduct(entry) : undefined;
    },

    async getBalance(context) {
      const value = expect(
        await call("account", "GET", `/accounts/${encodeURIComponent(options.accountIdentifier)}`, context),
      );
      const account = parseWith(tangoAccountSchema, value, "account");
      const available = readMoney(account.currentBalance, account.currencyCode, "currentBalance");
      if (!available) {
        throw new MalformedPayloadError("tango: the account has no currentBalance in a currency", {
          supplier,
        });
      }
      const balance: Balance = { available, checkedAt: isoTime(context.clock.now()) };
      if (account.status) balance.enabled = account.status.toUpperCase() === "ACTIVE";
      if (account.displayName) balance.accountName = account.displayName;
      return balance;
    },

    async placeOrder(request, context) {
      const utid = validateOrder(request);
      const amount = await amountOf(request, utid, context);
      const extra = options.orderFields?.(request) ?? {};
      const recipient = { ...(extra.recipient as Json | undefined) };
      if (options.recipientEmail) recipient.email = options.recipientEmail;
      const body: Json = {
        ...extra,
        accountIdentifier: options.accountIdentifier,
        customerIdentifier: options.customerIdentifier,
        utid,
        amount: tangoDecimal(amount.amount),
        sendEmail,
        externalRefID: request.merchantOrderId,
        ...(Object.keys(recipient).length > 0 ? { recipient } : {}),
      };
      const result = await call("createOrder", "POST", "/orders", context, {
        body,
        merchantOrderId: request.merchantOrderId,
      });
      const raw = parseWith(tangoOrderSchema, expect(result), "order", request.merchantOrderId);
      if (raw.externalRefID !== undefined && raw.externalRefID !== request.merchantOrderId) {
        throw new NoAnswerError("tango.createOrder: the answer names another order; the outcome is unknown", {
          supplier,
          merchantOrderId: request.merchantOrderId,
        });
      }
      checkReplay(raw, utid, amount, request.merchantOrderId);
      if (result.response.status === 200) {
        context.logger.info(
          { supplier, merchantOrderId: request.merchantOrderId, referenceOrderID: raw.referenceOrderID },
          "Tango replayed the existing order for this externalRefID",
        );
      }
      return toUpdate(raw, "place", request.merchantOrderId);
    },

    async queryOrder(merchantOrderId, context, hint) {
      const result = await call("ordersByExternalRefId", "GET", orderPath(merchantOrderId), context, {
        merchantOrderId,
      });
      if (!result.ok && result.meaning === "order_not_found") return undefined;
      const value = expect(result);
      const list = Array.isArray(value)
        ? value
        : (parseWith(tangoOrderListSchema, value, "order list").orders ?? []);
      const match = list
        .map((item) => parseWith(tangoOrderSchema, item, "order", merchantOrderId))
        .find((order) => order.externalRefID === merchantOrderId);
      if (!match) return undefined;
      checkReplay(match, hint?.sku, undefined, merchantOrderId);
      return toUpdate(match, "query", merchantOrderId);
    },
  };

  return adapter;
}
