/**
 * The Fulu 福禄开放平台 adapter (vendor-protocols.md §1). One JSON gateway for every method,
 * MD5 over the sorted characters of the request JSON, a response envelope whose `result` is a
 * JSON string signed the same way, AES-256-ECB card codes, Asia/Shanghai timestamps.
 *
 * Facts the vendor has not published are options with documented defaults: the error-code table
 * (§1.9 [?]), the sandbox host (§1.1 [?]), whether a re-sent `customer_order_no` is refused
 * (§1.9, documented for the legacy API only), and the callback body format (§1.7 [?]: both JSON
 * and form bodies are accepted).
 */

import {
  type AccountFieldSpec,
  type AdapterCapabilities,
  type AdapterContext,
  type Balance,
  type CallbackAck,
  type Card,
  ConfigurationError,
  type DuplicateOrderIdBehaviour,
  type HttpResponse,
  type KaquanError,
  MalformedPayloadError,
  type Money,
  money,
  NoAnswerError,
  type OrderRequest,
  type OrderUpdate,
  type Product,
  type ProductQuery,
  type RawCallback,
  ResponseSignatureError,
  Secret,
  SignatureError,
  type StockLevel,
  type SupplierAdapter,
  ValidationError,
  type VerifiedCallback,
} from "../../src/core/index.js";
import { guardCardDelivery } from "../../src/runtime/card-delivery.js";
import { utf8Text } from "../../src/runtime/charset.js";
import { formatDateTime, isoTime, parseDateTime } from "../../src/runtime/clock.js";
import { unreadableResponseError } from "../../src/runtime/http-failures.js";
import { parseJsonLossless, tryParseJson } from "../../src/runtime/json.js";
import { safeEqualHex } from "../../src/runtime/signing.js";
import { lookup } from "../../src/runtime/table-lookup.js";
import {
  classifyVendorError,
  type VendorErrorMeaning,
  type VendorErrorTable,
  vendorError,
} from "../../src/runtime/vendor-errors.js";
import { type PayloadSchema, parseVendorPayload } from "../../src/runtime/vendor-payload.js";
import { decryptFuluCardField } from "./fulu-cards.js";
import {
  buildFuluRequestBody,
  type FuluSignedJsonMode,
  fuluSign,
  verifyFuluResponseSign,
  verifyFuluSignedJson,
  verifyParsedFuluSignedJson,
} from "./fulu-signature.js";
import {
  defaultFuluErrorTable,
  fuluCardFormats,
  fuluOrderStates,
  fuluOrderTypes,
  fuluProductTypes,
  fuluSaleStatuses,
  fuluStockStatuses,
} from "./fulu-tables.js";
import {
  type FuluCallbackFields,
  type FuluOrder,
  type FuluProduct,
  fuluBalanceSchema,
  fuluEnvelopeSchema,
  fuluOrderSchema,
  fuluProductSchema,
  fuluStockSchema,
} from "./fulu-wire.js";

/** Production gateway (§1.1). The path really is spelled `getway`. */
export const FULU_PRODUCTION_ENDPOINT = "https://openapi.fulu.com/api/getway";
/**
 * Sandbox gateway. Two hosts appear in public code (`pre-openapi.fulu.com` over HTTPS and
 * `pre.openapi.fulu.com` over HTTP); which is current is unconfirmed [?]. Pass `endpoint` to use
 * the other.
 */
export const FULU_SANDBOX_ENDPOINT = "https://pre-openapi.fulu.com/api/getway";

export interface FuluAdapterOptions {
  /** The merchant AppKey (a base64-looking string). */
  appKey: string;
  /** The merchant AppSecret: signs requests and is the AES-256 key for card codes (32 characters). */
  appSecret: string;
  /** Default `production`. */
  environment?: "production" | "sandbox";
  /** A gateway URL that replaces the environment's (a simulator, a proxy, the other sandbox host). */
  endpoint?: string;
  /**
   * How to treat response signatures (§1.4). `when-present` (default) verifies every non-empty
   * `sign` and accepts an unsigned answer, as the vendor's Go SDK does; `required` also refuses
   * a successful answer without a signature; `off` skips the check. A signature that does not
   * verify is always an unknown outcome, never trusted.
   */
  responseSignature?: "required" | "when-present" | "off";
  /**
   * Replaces entries of the error-code table. Fulu's open-API codes are unpublished [?], so the
   * defaults (see `defaultFuluErrorTable`) are an assumption: map the codes your account returns.
   */
  errorCodes?: Readonly<Record<string, VendorErrorMeaning>>;
  /** Replaces the message patterns used when a code is not in the table. */
  errorMessagePatterns?: ReadonlyArray<readonly [RegExp, VendorErrorMeaning]>;
  /**
   * How Fulu answers a re-sent `customer_order_no`. Default `reject` (the legacy API's
   * "外部订单号已存在"; unconfirmed for the open API [?]). Set `none` if your account does not
   * deduplicate: kaquan then never re-sends an order whose outcome is unknown.
   */
  duplicateOrderId?: DuplicateOrderIdBehaviour;
  /**
   * How callback signatures are checked (§1.7). `raw` (default) verifies over the bytes received
   * and refuses a body re-serialised on the way; `raw-or-canonical` also accepts the fields
   * re-serialised compactly, for a sender whose escaping differs from what it signed.
   */
  callbackVerification?: FuluSignedJsonMode;
  /** How long a "not found" right after placing may be propagation lag. Default 10 000 ms. */
  notFoundGraceMs?: number;
  /** Poll interval; Fulu suggests every 1–3 s (§1.6). Default 2 000 ms. */
  pollIntervalMs?: number;
}

type Json = Record<string, unknown>;

/** Fulu's method names (§1.5). */
const methods = {
  listProducts: "fulu.goods.list.get",
  productInfo: "fulu.goods.info.get",
  template: "fulu.goods.template.get",
  stock: "fulu.goods.stock.check",
  balance: "fulu.user.info.get",
  direct: "fulu.order.direct.add",
  card: "fulu.order.card.add",
  mobile: "fulu.order.mobile.add",
  orderInfo: "fulu.order.info.get",
} as const;

/** Our account-field names → Fulu's direct-order fields (§1.5, direct order fields). */
const accountFieldNames = {
  game: "charge_game_name",
  region: "charge_game_region",
  server: "charge_game_srv",
  role: "charge_game_role",
  chargeType: "charge_type",
  password: "charge_password",
  customerIp: "charge_ip",
  contactQq: "contact_qq",
  contactPhone: "contact_tel",
} as const;

const productTypeByKind = { card: "卡密", direct: "直充", mobile: undefined } as const;

/** The adapter's public type: the contract plus Fulu's account-template lookup. */
export type FuluAdapter = SupplierAdapter & {
  getAccountTemplate(templateId: string, context: AdapterContext): Promise<AccountFieldSpec[]>;
};

/** Creates the Fulu adapter. Throws `ConfigurationError` for a missing or malformed credential. */
export function createFuluAdapter(options: FuluAdapterOptions): FuluAdapter {
  if (typeof options?.appKey !== "string" || options.appKey.length === 0) {
    throw new ConfigurationError("Fulu adapter: appKey is required (the AppKey from the Fulu console)");
  }
  if (typeof options.appSecret !== "string" || Buffer.byteLength(options.appSecret) !== 32) {
    throw new ConfigurationError(
      "Fulu adapter: appSecret must be the 32-character AppSecret from the Fulu console (it is also the AES-256 card key)",
    );
  }
  const appKey = options.appKey;
  const appSecret = options.appSecret;
  const endpoint =
    options.endpoint ??
    (options.environment === "sandbox" ? FULU_SANDBOX_ENDPOINT : FULU_PRODUCTION_ENDPOINT);
  try {
    new URL(endpoint);
  } catch {
    throw new ConfigurationError(`Fulu adapter: endpoint "${endpoint}" is not a URL`);
  }
  const signatureMode = options.responseSignature ?? "when-present";
  const callbackVerification = options.callbackVerification ?? "raw";
  const errorTable: VendorErrorTable = {
    codes: { ...defaultFuluErrorTable.codes, ...options.errorCodes },
    messagePatterns: options.errorMessagePatterns ?? defaultFuluErrorTable.messagePatterns ?? [],
  };
  const duplicateOrderId = options.duplicateOrderId ?? "reject";
  const capabilities: AdapterCapabilities = {
    duplicateOrderId,
    callbacks: "signed",
    stock: true,
    balance: true,
    cardDelivery: true,
    batchQuery: false,
    orderKinds: ["direct", "card", "mobile"],
    notFoundGraceMs: options.notFoundGraceMs ?? 10_000,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    resendAfterNotFound: duplicateOrderId !== "none",
  };

  type CallResult =
    | { ok: true; result: unknown }
    | { ok: false; meaning: VendorErrorMeaning | undefined; error: KaquanError };

  /** Sends one gateway call and reads the envelope. Vendor errors come back classified, not thrown. */
  async function call(
    method: string,
    business: Json,
    context: AdapterContext,
    merchantOrderId?: string,
  ): Promise<CallResult> {
    const { body } = buildFuluRequestBody(
      {
        app_key: appKey,
        method,
        timestamp: formatDateTime(context.clock.now()),
        version: "2.0",
        format: "json",
        charset: "utf-8",
        sign_type: "md5",
        app_auth_token: "",
        biz_content: JSON.stringify(business),
      },
      appSecret,
    );
    const response = await context.http.send(
      {
        method: "POST",
        url: endpoint,
        headers: { "content-type": "application/json;charset=utf-8", accept: "application/json" },
        body,
        operation: method,
      },
      { signal: context.signal },
    );
    return readEnvelope(response, method, context, merchantOrderId);
  }

  function readEnvelope(
    response: HttpResponse,
    method: string,
    context: AdapterContext,
    merchantOrderId?: string,
  ): CallResult {
    const details = { supplier: "fulu", operation: method, nowMs: context.clock.now() };
    const envelope = fuluEnvelopeSchema.safeParse(tryParseJson(response.text));
    if (!envelope.success) {
      throw unreadableResponseError(response, {
        ...details,
        merchantOrderId,
        reason: "a body that is not Fulu's envelope",
      });
    }
    const { code, message, result, sign } = envelope.data;
    if (String(code) !== "0") {
      const vendorCode = String(code);
      const vendorMessage = message ?? undefined;
      const meaning = classifyVendorError(errorTable, vendorCode, vendorMessage);
      const error = vendorError(meaning, {
        supplier: "fulu",
        operation: method,
        vendorCode,
        vendorMessage,
        merchantOrderId,
        httpStatus: response.status,
      });
      return { ok: false, meaning, error };
    }
    const resultText = result ?? "";
    if (signatureMode !== "off") {
      const signed = typeof sign === "string" && sign.length > 0;
      if (signed ? !verifyFuluResponseSign(resultText, sign, appSecret) : signatureMode === "required") {
        throw new ResponseSignatureError(
          `fulu ${method}: the response signature ${signed ? "does not verify" : "is missing"}; the answer is not trusted and the outcome is unknown`,
          { supplier: "fulu", merchantOrderId },
        );
      }
    }
    if (resultText === "" || resultText === "null") return { ok: true, result: undefined };
    try {
      return { ok: true, result: parseJsonLossless(resultText) };
    } catch {
      throw new MalformedPayloadError(`fulu ${method}: the result field is not JSON`, {
        supplier: "fulu",
        merchantOrderId,
      });
    }
  }

  function expect(result: CallResult): unknown {
    if (!result.ok) throw result.error;
    return result.result;
  }

  function parseWith<T>(schema: PayloadSchema<T>, value: unknown, what: string, merchantOrderId?: string): T {
    return parseVendorPayload(schema, value, { supplier: "fulu", what, merchantOrderId });
  }

  function toMoney(value: string | undefined, field: string): Money | undefined {
    if (value === undefined || value === "") return undefined;
    try {
      return money(value, "CNY");
    } catch {
      throw new MalformedPayloadError(`fulu: ${field} "${value}" is not a decimal amount`, {
        supplier: "fulu",
      });
    }
  }

  function toProduct(raw: FuluProduct): Product {
    const kind = lookup(fuluProductTypes, raw.product_type) ?? "direct";
    const product: Product = {
      sku: raw.product_id,
      name: raw.product_name ?? "",
      kind,
      saleStatus: lookup(fuluSaleStatuses, raw.sales_status) ?? "unknown",
    };
    const faceValue = toMoney(raw.face_value, "face_value");
    const price = toMoney(raw.purchase_price, "purchase_price");
    if (faceValue) product.faceValue = faceValue;
    if (price) product.price = price;
    if (raw.stock_status !== undefined)
      product.stockStatus = lookup(fuluStockStatuses, raw.stock_status) ?? "unknown";
    if (raw.template_id) product.accountTemplateId = raw.template_id;
    if (raw.sales_status !== undefined) product.vendorSaleStatus = raw.sales_status;
    if (raw.stock_status !== undefined) product.vendorStockStatus = raw.stock_status;
    if (raw.details) product.details = raw.details;
    return product;
  }

  function decryptCards(raw: FuluOrder): Card[] {
    return (raw.cards ?? []).map((card) => {
      try {
        const password = card.card_pwd ? decryptFuluCardField(card.card_pwd, appSecret) : "";
        const number = card.card_number ? decryptFuluCardField(card.card_number, appSecret) : "";
        const decrypted: Card = {
          password: new Secret(password),
          format: lookup(fuluCardFormats, card.card_type ?? "0") ?? "unknown",
        };
        if (number) decrypted.number = new Secret(number);
        if (card.card_deadline) decrypted.expiresAt = card.card_deadline;
        return decrypted;
      } catch {
        // Never echo the ciphertext: with the secret it is the card.
        throw new MalformedPayloadError("fulu: a card code could not be decrypted with the app secret", {
          supplier: "fulu",
          merchantOrderId: raw.customer_order_no,
        });
      }
    });
  }

  function toUpdate(raw: FuluOrder, source: OrderUpdate["source"]): OrderUpdate {
    const vendorStatus = raw.order_state;
    const status = lookup(fuluOrderStates, vendorStatus) ?? "unknown";
    const kind = lookup(fuluOrderTypes, raw.order_type);
    const cards = decryptCards(raw);
    // Digits beyond a safe integer (or a 400-digit "number") are not a quantity: leave it unknown.
    const quantity =
      raw.buy_num !== undefined && /^\d{1,9}$/.test(raw.buy_num) ? Number(raw.buy_num) : undefined;
    const update: OrderUpdate = {
      merchantOrderId: raw.customer_order_no,
      supplier: "fulu",
      status,
      vendorStatus,
      source,
      cards,
    };
    if (raw.order_id) update.supplierOrderId = raw.order_id;
    if (kind) update.kind = kind;
    if (raw.product_id) update.sku = raw.product_id;
    if (quantity !== undefined) update.quantity = quantity;
    if (raw.charge_account) update.account = raw.charge_account;
    const cost = toMoney(raw.order_price, "order_price");
    if (cost) update.cost = cost;
    const created = raw.create_time ? parseDateTime(raw.create_time) : undefined;
    if (created !== undefined) update.createdAt = isoTime(created);
    const finished = raw.finish_time ? parseDateTime(raw.finish_time) : undefined;
    if (finished !== undefined && status !== "processing") update.finishedAt = isoTime(finished);
    if (status === "failed")
      update.failure = {
        code: "supplier_failed",
        message: "the supplier reports the order failed",
        vendorCode: vendorStatus,
      };
    if (status === "unknown") update.unknownReason = `unrecognised Fulu order state "${vendorStatus}"`;
    // Fulu returns codes only on success (§1.8); a success without a code for every unit stays
    // processing so the codes are fetched again (failure-modes F24).
    return guardCardDelivery(update, quantity ?? 1);
  }

  function productIdOf(sku: string | undefined): number {
    if (sku === undefined || !/^\d{1,15}$/.test(sku)) {
      throw new ValidationError("Fulu product ids are integers: pass the numeric product_id as sku", [
        { path: "sku", message: 'use Fulu\'s numeric product_id, e.g. "10000001"' },
      ]);
    }
    return Number(sku);
  }

  function orderBusiness(request: OrderRequest): { method: string; business: Json } {
    const common = { customer_order_no: request.merchantOrderId };
    if (request.kind === "card") {
      return {
        method: methods.card,
        business: {
          product_id: productIdOf(request.sku),
          buy_num: request.quantity,
          ...common,
          ...passThrough(request),
        },
      };
    }
    if (request.kind === "mobile") {
      if (
        !request.faceValue ||
        !/^\d+(\.0+)?$/.test(request.faceValue.amount) ||
        request.faceValue.currency !== "CNY"
      ) {
        throw new ValidationError("Fulu mobile orders are placed by a whole-yuan CNY faceValue", [
          { path: "faceValue", message: 'pass faceValue such as { amount: "100", currency: "CNY" }' },
        ]);
      }
      return {
        method: methods.mobile,
        business: {
          charge_phone: request.account,
          charge_value: Number.parseInt(request.faceValue.amount, 10),
          ...common,
          ...passThrough(request),
        },
      };
    }
    const business: Json = {
      product_id: productIdOf(request.sku),
      ...common,
      charge_account: request.account,
      buy_num: request.quantity,
    };
    for (const [ours, theirs] of Object.entries(accountFieldNames)) {
      const value = request.accountFields?.[ours as keyof typeof accountFieldNames];
      if (value !== undefined) business[theirs] = value;
    }
    return { method: methods.direct, business: { ...business, ...passThrough(request) } };
  }

  function passThrough(request: OrderRequest): Json {
    return request.passThrough === undefined ? {} : { external_biz_id: request.passThrough };
  }

  const adapter: FuluAdapter = {
    name: "fulu",
    capabilities,
    secretValues: () => [appSecret, appKey],

    async listProducts(query: ProductQuery, context) {
      const business: Json = {};
      if (query.sku !== undefined) business.product_id = productIdOf(query.sku);
      if (query.name !== undefined) business.product_name = query.name;
      const productType = query.kind ? productTypeByKind[query.kind] : undefined;
      if (productType) business.product_type = productType;
      const result = expect(await call(methods.listProducts, business, context));
      const list = Array.isArray(result) ? result : [];
      const products = list.map((item) => toProduct(parseWith(fuluProductSchema, item, "product")));
      return query.kind ? products.filter((product) => product.kind === query.kind) : products;
    },

    async getProduct(sku, context) {
      const result = await call(methods.productInfo, { product_id: productIdOf(sku) }, context);
      if (!result.ok && result.meaning === "product_unavailable") return undefined;
      const value = expect(result);
      if (value === undefined) return undefined;
      return toProduct(parseWith(fuluProductSchema, value, "product"));
    },

    async getStock(sku, quantity, context) {
      const value = expect(
        await call(methods.stock, { product_id: productIdOf(sku), buy_num: quantity }, context),
      );
      const stock = parseWith(fuluStockSchema, value ?? {}, "stock level");
      const level: StockLevel = {
        sku,
        status: lookup(fuluStockStatuses, stock.stock_status) ?? "unknown",
        checkedAt: isoTime(context.clock.now()),
      };
      if (stock.stock_status !== undefined) level.vendorStatus = stock.stock_status;
      return level;
    },

    async getBalance(context) {
      const value = expect(await call(methods.balance, {}, context));
      const raw = parseWith(fuluBalanceSchema, value, "account info");
      const balance: Balance = {
        available: toMoney(raw.balance, "balance") ?? money("0", "CNY"),
        checkedAt: isoTime(context.clock.now()),
      };
      if (raw.is_open !== undefined) balance.enabled = raw.is_open === "1";
      if (raw.name !== undefined) balance.accountName = raw.name;
      return balance;
    },

    async getAccountTemplate(templateId, context) {
      // The template's result layout is unpublished [?]; fields are read from any array of
      // objects that carry a name, and nothing is invented when none is found.
      const value = expect(await call(methods.template, { template_id: templateId }, context));
      return readTemplateFields(value);
    },

    async placeOrder(request, context) {
      const { method, business } = orderBusiness(request);
      const result = await call(method, business, context, request.merchantOrderId);
      const value = expect(result);
      if (value === undefined) {
        // Accepted without an order body: the order exists, its state is not known yet.
        return {
          merchantOrderId: request.merchantOrderId,
          supplier: "fulu",
          status: "processing",
          source: "place",
        };
      }
      const order = parseWith(fuluOrderSchema, value, "order", request.merchantOrderId);
      if (order.customer_order_no !== request.merchantOrderId) {
        throw new NoAnswerError(`fulu ${method}: the answer names another order; the outcome is unknown`, {
          supplier: "fulu",
          merchantOrderId: request.merchantOrderId,
        });
      }
      return toUpdate(order, "place");
    },

    async queryOrder(merchantOrderId, context) {
      const result = await call(
        methods.orderInfo,
        { customer_order_no: merchantOrderId },
        context,
        merchantOrderId,
      );
      if (!result.ok && result.meaning === "order_not_found") return undefined;
      const value = expect(result);
      if (
        value === undefined ||
        (typeof value === "object" && value !== null && Object.keys(value).length === 0)
      ) {
        return undefined;
      }
      const order = parseWith(fuluOrderSchema, value, "order", merchantOrderId);
      if (order.customer_order_no !== merchantOrderId) {
        throw new MalformedPayloadError("fulu fulu.order.info.get: the answer names another order", {
          supplier: "fulu",
          merchantOrderId,
        });
      }
      return toUpdate(order, "query");
    },

    async verifyCallback(callback: RawCallback) {
      const raw = utf8Text(callback.body);
      const fields = readCallbackFields(raw, callback.headers);
      if (!fields)
        throw new SignatureError(
          "fulu callback: the body is neither a JSON object nor a form; it was not applied",
          { supplier: "fulu" },
        );
      // The raw check reads only `sign` from the parse already made; the canonical fallback
      // re-serialises the fields as JSON.parse reads them, so it keeps its own parse.
      const verified = fields.parsed
        ? callbackVerification === "raw"
          ? verifyParsedFuluSignedJson(raw, fields.parsed, appSecret)
          : verifyFuluSignedJson(raw, appSecret, callbackVerification)
        : verifyFormSign(fields.values);
      if (!verified)
        throw new SignatureError("fulu callback: the signature does not verify; it was not applied", {
          supplier: "fulu",
        });
      const data = fields.values as Partial<FuluCallbackFields>;
      // Every value is already text (readCallbackFields), so a schema of unions and transforms
      // has nothing left to do but check the two fields the update cannot do without.
      if (!data.customer_order_no || data.order_status === undefined) {
        throw new MalformedPayloadError(
          "fulu callback: a documented field is missing (customer_order_no, order_status)",
          { supplier: "fulu" },
        );
      }
      const update: OrderUpdate = {
        merchantOrderId: data.customer_order_no,
        supplier: "fulu",
        status: lookup(fuluOrderStates, data.order_status) ?? "unknown",
        vendorStatus: data.order_status,
        source: "callback",
      };
      if (data.order_id) update.supplierOrderId = data.order_id;
      if (data.product_id) update.sku = data.product_id;
      const cost = toMoney(data.price, "price");
      if (cost) update.cost = cost;
      const finished = data.charge_finish_time ? parseDateTime(data.charge_finish_time) : undefined;
      if (finished !== undefined) update.occurredAt = isoTime(finished);
      if (update.status === "failed") {
        update.failure = {
          code: "supplier_failed",
          message: "the supplier reports the order failed",
          vendorCode: data.order_status,
        };
        if (data.recharge_description) update.failure.vendorMessage = data.recharge_description;
      }
      if (update.status === "unknown")
        update.unknownReason = `unrecognised Fulu order status "${data.order_status}"`;
      const result: VerifiedCallback = { update };
      return result;
    },

    callbackAck(accepted: boolean): CallbackAck {
      // Fulu expects the literal `success` (§1.7 [M]); anything else asks it to retry.
      return accepted
        ? { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "success" }
        : { status: 500, headers: { "content-type": "text/plain; charset=utf-8" }, body: "fail" };
    },
  };

  /** A form-encoded callback is signed over the JSON of its fields (all strings) minus `sign`. */
  function verifyFormSign(values: Record<string, string>): boolean {
    const { sign, ...rest } = values;
    return safeEqualHex(fuluSign(JSON.stringify(rest), appSecret), sign);
  }

  return adapter;
}

function header(headers: RawCallback["headers"], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : (value as string | undefined);
  }
  return undefined;
}

/** Reads a callback body as JSON or as a form, whichever it is (§1.7: the format is unconfirmed). */
function readCallbackFields(
  raw: string,
  headers: RawCallback["headers"],
): { parsed?: Record<string, unknown>; values: Record<string, string> } | undefined {
  const trimmed = raw.trim();
  // The header is read only when the body does not show what it is.
  if (trimmed.startsWith("{") || (header(headers, "content-type") ?? "").includes("json")) {
    const parsed = tryParseJson(trimmed);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    // Every field as text: ids and amounts may come as numbers (§1.7), and a null field is an
    // absent one (it used to become the text "null", which no amount parses).
    const values: Record<string, string> = {};
    for (const key in parsed) {
      const value = (parsed as Record<string, unknown>)[key];
      if (value === null) continue;
      values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { parsed: parsed as Record<string, unknown>, values };
  }
  if (!trimmed.includes("=")) return undefined;
  const values: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(trimmed)) values[key] = value;
  return { values };
}

function readTemplateFields(value: unknown): AccountFieldSpec[] {
  const fields: AccountFieldSpec[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) {
        if (typeof item === "object" && item !== null && !Array.isArray(item)) {
          const record = item as Record<string, unknown>;
          const name = record.name ?? record.key ?? record.field;
          if (typeof name === "string") {
            const spec: AccountFieldSpec = {
              name,
              required: record.required === true || record.required === 1 || record.required === "1",
            };
            const label = record.title ?? record.label;
            if (typeof label === "string") spec.label = label;
            fields.push(spec);
          } else visit(Object.values(record));
        } else visit(item);
      }
    } else if (typeof node === "object" && node !== null) {
      visit(Object.values(node));
    }
  };
  visit(value);
  return fields;
}
