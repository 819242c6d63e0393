/**
 * Reloadly gift cards (vendor-protocols.md §2.3): products, orders sent with
 * `customIdentifier = merchantOrderId`, redeem codes as `Secret`s, and the transactions report to
 * find an order by its `customIdentifier`.
 *
 * `unitPrice` is one of the product's recipient denominations (in the card's own currency). It
 * comes from `faceValue` when given, or from the product when it has exactly one fixed
 * denomination; it is checked against the product before sending, so a wrong price is refused
 * locally instead of by Reloadly's "Invalid price" (which has no error code).
 */
import {
  type AdapterContext,
  addMoney,
  type Balance,
  type Card,
  compareMoney,
  MalformedPayloadError,
  type Money,
  NoAnswerError,
  type OrderRequest,
  type OrderUpdate,
  type Product,
  type ProductQuery,
  ProductUnavailableError,
  Secret,
  ValidationError,
} from "../../src/core/index.js";
import { guardCardDelivery } from "../../src/runtime/card-delivery.js";
import { isoTime } from "../../src/runtime/clock.js";
import { lookup } from "../../src/runtime/table-lookup.js";
import {
  beforeSending,
  expectOk,
  formatReloadlyTime,
  JsonDecimal,
  parseReloadlyTime,
  parseWith,
  type ReloadlyKit,
  stringifyWithDecimals,
  toMoney,
} from "./reloadly-kit.js";
import {
  type ReloadlyGiftProduct,
  type ReloadlyGiftTransaction,
  type ReloadlyRedeemCode,
  reloadlyBalanceSchema,
  reloadlyGiftProductSchema,
  reloadlyGiftTransactionSchema,
  reloadlyPageSchema,
  reloadlyRedeemCodesSchema,
} from "./reloadly-wire.js";

/** Gift-card options, resolved. */
export interface ReloadlyGiftCardSettings {
  senderName: string;
  maxCatalogPages: number;
  maxReportPages: number;
  reportLookbackDays: number;
}

export function createReloadlyGiftCards(kit: ReloadlyKit, settings: ReloadlyGiftCardSettings) {
  const { supplier, connection } = kit;

  function denominations(product: ReloadlyGiftProduct): Money[] {
    return (product.fixedRecipientDenominations ?? []).flatMap((value) => {
      const amount = toMoney(kit, value, product.recipientCurrencyCode);
      return amount ? [amount] : [];
    });
  }

  /** The sender-currency price of one unit of a recipient denomination, fee included, when stated. */
  function senderPrice(product: ReloadlyGiftProduct, denomination: Money): Money | undefined {
    const map = product.fixedRecipientToSenderDenominationsMap ?? {};
    const entry = Object.entries(map).find(([recipient]) => {
      const amount = toMoney(kit, recipient, denomination.currency);
      return amount !== undefined && compareMoney(amount, denomination) === 0;
    });
    const fixed = product.fixedSenderDenominations ?? [];
    const text = entry?.[1] ?? (fixed.length === 1 ? fixed[0] : undefined);
    const price = toMoney(kit, text, product.senderCurrencyCode);
    if (!price) return undefined;
    const fee = toMoney(kit, product.senderFee, product.senderCurrencyCode);
    if (!fee) return price;
    return addMoney(price, fee);
  }

  function toProduct(raw: ReloadlyGiftProduct): Product {
    const values = denominations(raw);
    const product: Product = {
      sku: raw.productId,
      name: raw.productName ?? raw.brand?.brandName ?? "",
      kind: "card",
      saleStatus: "on_sale",
    };
    if (values.length === 1) {
      product.faceValue = values[0]!;
      const price = senderPrice(raw, values[0]!);
      if (price) product.price = price;
    }
    const currency = raw.recipientCurrencyCode ?? "";
    const parts: string[] = [];
    if (raw.denominationType === "RANGE") {
      parts.push(
        `RANGE ${raw.minRecipientDenomination ?? "?"}–${raw.maxRecipientDenomination ?? "?"} ${currency}`.trim(),
      );
    } else if (values.length > 0) {
      parts.push(`FIXED ${values.map((value) => value.amount).join(", ")} ${currency}`.trim());
    }
    if (raw.country?.isoName) parts.push(`country ${raw.country.isoName}`);
    if (raw.brand?.brandName) parts.push(`brand ${raw.brand.brandName}`);
    if (parts.length > 0) product.details = parts.join("; ");
    return product;
  }

  async function productById(
    productId: string,
    context: AdapterContext,
    merchantOrderId?: string,
  ): Promise<ReloadlyGiftProduct | undefined> {
    if (!/^\d{1,18}$/.test(productId)) return undefined;
    const answer = await connection.call(
      {
        endpoint: "product",
        method: "GET",
        path: `/products/${productId}`,
        ...(merchantOrderId === undefined ? {} : { merchantOrderId }),
      },
      context,
    );
    if (!answer.ok && (answer.status === 404 || answer.meaning === "product_unavailable")) return undefined;
    return parseWith(kit, reloadlyGiftProductSchema, expectOk(answer), "gift-card product");
  }

  /** The `unitPrice` to send, or a `ValidationError` before anything is sent. */
  function unitPriceOf(product: ReloadlyGiftProduct, faceValue: Money | undefined): Money {
    const currency = product.recipientCurrencyCode;
    const values = denominations(product);
    const refuse = (message: string): never => {
      throw new ValidationError(message, [{ path: "faceValue", message }]);
    };
    if (!faceValue) {
      if (values.length === 1) return values[0]!;
      return refuse(
        `gift card ${product.productId} has ${values.length > 1 ? `several denominations (${values.map((value) => value.amount).join(", ")} ${currency})` : "a range of denominations"}: pass faceValue in ${currency ?? "its currency"}`,
      );
    }
    if (currency !== undefined && faceValue.currency !== currency) {
      refuse(
        `gift card ${product.productId} is denominated in ${currency}: pass faceValue in ${currency}, not ${faceValue.currency}`,
      );
    }
    if (product.denominationType === "RANGE") {
      const min = toMoney(kit, product.minRecipientDenomination, faceValue.currency);
      const max = toMoney(kit, product.maxRecipientDenomination, faceValue.currency);
      if ((min && compareMoney(faceValue, min) < 0) || (max && compareMoney(faceValue, max) > 0)) {
        refuse(
          `gift card ${product.productId} takes ${min?.amount ?? "?"}–${max?.amount ?? "?"} ${faceValue.currency}`,
        );
      }
      return faceValue;
    }
    const match = values.find((value) => compareMoney(value, faceValue) === 0);
    if (!match) {
      refuse(
        `gift card ${product.productId} comes in ${values.map((value) => value.amount).join(", ")} ${faceValue.currency}, not ${faceValue.amount}`,
      );
    }
    return match!;
  }

  function toCards(codes: ReloadlyRedeemCode[]): Card[] {
    return codes.flatMap((code): Card[] => {
      const number = code.cardNumber?.trim();
      const pin = code.pinCode?.trim();
      if (number && pin) return [{ number: new Secret(number), password: new Secret(pin), format: "code" }];
      if (number || pin) return [{ password: new Secret((number || pin)!), format: "code" }];
      if (code.redemptionUrl) return [{ password: new Secret(code.redemptionUrl), format: "link" }];
      return [{ password: new Secret(""), format: "unknown" }];
    });
  }

  /** The redeem codes of a transaction; `[]` while Reloadly has none to give. */
  async function redeemCodes(
    transactionId: string,
    context: AdapterContext,
    merchantOrderId?: string,
  ): Promise<Card[]> {
    const answer = await connection.call(
      {
        endpoint: "redeemCodes",
        method: "GET",
        path: `/orders/transactions/${encodeURIComponent(transactionId)}/cards`,
        ...(merchantOrderId ? { merchantOrderId } : {}),
      },
      context,
    );
    if (!answer.ok) {
      if (answer.meaning === "authentication" || answer.meaning === "rate_limited") throw answer.error;
      return [];
    }
    const codes = parseWith(
      kit,
      reloadlyRedeemCodesSchema,
      answer.body ?? [],
      "redeem codes",
      merchantOrderId,
    );
    return toCards(codes);
  }

  /** Codes for a successful transaction; a failure to fetch them leaves the order to be asked again. */
  async function cardsFor(
    transaction: ReloadlyGiftTransaction,
    context: AdapterContext,
    merchantOrderId: string,
  ) {
    if (lookup(kit.statuses, transaction.status) !== "succeeded") return [];
    try {
      return await redeemCodes(transaction.transactionId, context, merchantOrderId);
    } catch (error) {
      // The order exists; only its codes are missing. The update stays `processing` (F24) and
      // the next query fetches them again.
      context.logger.debug({ supplier, merchantOrderId, error }, "reloadly redeem codes not fetched yet");
      return [];
    }
  }

  function toUpdate(
    transaction: ReloadlyGiftTransaction,
    source: OrderUpdate["source"],
    cards: Card[] | undefined,
    fallbackId?: string,
    fallbackQuantity?: number,
  ): OrderUpdate {
    const vendorStatus = transaction.status;
    const status = lookup(kit.statuses, vendorStatus) ?? "unknown";
    const quantity =
      transaction.product?.quantity !== undefined && /^\d+$/.test(transaction.product.quantity)
        ? Number(transaction.product.quantity)
        : fallbackQuantity;
    const update: OrderUpdate = {
      merchantOrderId: transaction.customIdentifier ?? fallbackId ?? "",
      supplier,
      status,
      source,
      kind: "card",
      supplierOrderId: transaction.transactionId,
    };
    if (vendorStatus !== undefined) update.vendorStatus = vendorStatus;
    if (transaction.product?.productId) update.sku = transaction.product.productId;
    if (quantity !== undefined) update.quantity = quantity;
    const cost = toMoney(kit, transaction.amount, transaction.currencyCode);
    if (cost) update.cost = cost;
    if (cards !== undefined) update.cards = cards;
    const at = parseReloadlyTime(kit, transaction.transactionCreatedTime);
    if (at !== undefined) update.createdAt = isoTime(at);
    if (status === "failed") {
      update.failure = {
        code: "supplier_failed",
        message: "Reloadly reports the gift-card order failed",
        vendorCode: vendorStatus ?? "FAILED",
      };
    }
    if (status === "unknown") {
      update.unknownReason =
        vendorStatus === undefined
          ? "Reloadly's answer has no status"
          : `unrecognised Reloadly transaction status "${vendorStatus}"`;
    }
    // A success is delivered only with a non-empty code per unit (F24); callbacks carry no codes
    // and are completed by a query instead (the callback handler does that).
    return cards === undefined ? update : guardCardDelivery(update, quantity ?? 1);
  }

  /** The transactions-report row of a `customIdentifier` (the filter is undocumented here [?]). */
  async function findInReports(
    merchantOrderId: string,
    context: AdapterContext,
  ): Promise<ReloadlyGiftTransaction | undefined> {
    const size = 100;
    const now = context.clock.now();
    const start = formatReloadlyTime(kit, now - settings.reportLookbackDays * 86_400_000);
    // A day ahead covers an unknown server time zone [?].
    const end = formatReloadlyTime(kit, now + 86_400_000);
    for (let page = 1; page <= settings.maxReportPages; page++) {
      const query = new URLSearchParams({
        customIdentifier: merchantOrderId,
        startDate: start,
        endDate: end,
        page: String(page),
        size: String(size),
      });
      const answer = await connection.call(
        {
          endpoint: "giftcardReports",
          method: "GET",
          path: `/reports/transactions?${query}`,
          merchantOrderId,
        },
        context,
      );
      if (!answer.ok && answer.status === 404) return undefined;
      const list = parseWith(
        kit,
        reloadlyPageSchema,
        expectOk(answer) ?? [],
        "transactions report",
        merchantOrderId,
      );
      for (const item of list.content) {
        const identifier = (item as { customIdentifier?: unknown } | null)?.customIdentifier;
        if (identifier !== merchantOrderId) continue;
        return parseWith(kit, reloadlyGiftTransactionSchema, item, "gift-card transaction", merchantOrderId);
      }
      const last = list.last ?? (list.totalPages !== undefined && page >= list.totalPages);
      if (last || list.content.length !== size) return undefined;
    }
    return undefined;
  }

  return {
    async listProducts(query: ProductQuery, context: AdapterContext): Promise<Product[]> {
      if (query.kind !== undefined && query.kind !== "card") return [];
      if (query.sku !== undefined) {
        const product = await productById(query.sku, context);
        return product ? [toProduct(product)] : [];
      }
      const products: Product[] = [];
      const size = 200;
      for (let page = 1; page <= settings.maxCatalogPages; page++) {
        const parameters = new URLSearchParams({ page: String(page), size: String(size) });
        if (query.name) parameters.set("productName", query.name);
        const answer = await connection.call(
          { endpoint: "products", method: "GET", path: `/products?${parameters}` },
          context,
        );
        const list = parseWith(kit, reloadlyPageSchema, expectOk(answer) ?? [], "product list");
        for (const item of list.content) {
          const product = toProduct(parseWith(kit, reloadlyGiftProductSchema, item, "gift-card product"));
          // A server that ignores paging answers the same items again: keep each sku once.
          if (!products.some((known) => known.sku === product.sku)) products.push(product);
        }
        const last = list.last ?? (list.totalPages !== undefined && page >= list.totalPages);
        if (last || list.content.length !== size) break;
      }
      const name = query.name?.toLowerCase();
      return name ? products.filter((product) => product.name.toLowerCase().includes(name)) : products;
    },

    async getProduct(sku: string, context: AdapterContext): Promise<Product | undefined> {
      const product = await productById(sku, context);
      return product ? toProduct(product) : undefined;
    },

    async getBalance(context: AdapterContext): Promise<Balance> {
      const answer = await connection.call(
        { endpoint: "balance", method: "GET", path: "/accounts/balance" },
        context,
      );
      const raw = parseWith(kit, reloadlyBalanceSchema, expectOk(answer), "balance");
      const available = toMoney(kit, raw.balance, raw.currencyCode);
      if (!available)
        throw new MalformedPayloadError(`${supplier}: the balance currency is not an ISO 4217 code`, {
          supplier,
        });
      return { available, checkedAt: isoTime(context.clock.now()) };
    },

    getRedeemCodes(transactionId: string, context: AdapterContext): Promise<Card[]> {
      return redeemCodes(transactionId, context);
    },

    async placeOrder(request: OrderRequest, context: AdapterContext): Promise<OrderUpdate> {
      const merchantOrderId = request.merchantOrderId;
      if (request.kind !== "card") {
        throw new ValidationError(`the Reloadly gift-card adapter takes card orders, not ${request.kind}`, [
          { path: "kind", message: 'use kind "card" (create an airtime adapter for mobile orders)' },
        ]);
      }
      const sku = request.sku ?? "";
      if (!/^\d{1,18}$/.test(sku)) {
        throw new ValidationError("the sku of a Reloadly gift card is its numeric productId", [
          { path: "sku", message: 'pass e.g. "120"' },
        ]);
      }
      if (request.account !== undefined && !/^[^@\s]+@[^@\s]+$/.test(request.account)) {
        throw new ValidationError("for a Reloadly gift card, account is the recipient's e-mail (optional)", [
          { path: "account", message: "pass an e-mail address or leave account out" },
        ]);
      }
      const product = await beforeSending(kit, "the product lookup", merchantOrderId, context, () =>
        productById(sku, context, merchantOrderId),
      );
      if (!product) {
        throw new ProductUnavailableError(
          `${supplier}: Reloadly does not know gift card ${sku}; the order was not sent`,
          {
            supplier,
            merchantOrderId,
          },
        );
      }
      const unitPrice = unitPriceOf(product, request.faceValue);
      const body: Record<string, unknown> = {
        productId: new JsonDecimal(product.productId),
        quantity: request.quantity,
        unitPrice: new JsonDecimal(unitPrice.amount),
        customIdentifier: merchantOrderId,
        senderName: settings.senderName,
      };
      if (product.country?.isoName) body.countryCode = product.country.isoName;
      if (request.account !== undefined) body.recipientEmail = request.account;
      const answer = await connection.call(
        {
          endpoint: "order",
          method: "POST",
          path: "/orders",
          body: stringifyWithDecimals(body),
          write: true,
          merchantOrderId,
        },
        context,
      );
      const transaction = parseWith(
        kit,
        reloadlyGiftTransactionSchema,
        expectOk(answer),
        "gift-card order",
        merchantOrderId,
      );
      if (transaction.customIdentifier !== undefined && transaction.customIdentifier !== merchantOrderId) {
        throw new NoAnswerError(`${supplier}: the order answer names another order; the outcome is unknown`, {
          supplier,
          merchantOrderId,
        });
      }
      const cards = await cardsFor(transaction, context, merchantOrderId);
      return toUpdate(transaction, "place", cards, merchantOrderId, request.quantity);
    },

    async queryOrder(merchantOrderId: string, context: AdapterContext): Promise<OrderUpdate | undefined> {
      const transaction = await findInReports(merchantOrderId, context);
      if (!transaction) return undefined;
      const cards = await cardsFor(transaction, context, merchantOrderId);
      return toUpdate(transaction, "query", cards, merchantOrderId);
    },

    /** A webhook's transaction as an update, without codes (they are fetched by query, need 19). */
    webhookUpdate(transaction: unknown): OrderUpdate {
      const parsed = parseWith(kit, reloadlyGiftTransactionSchema, transaction, "webhook transaction");
      return toUpdate(parsed, "callback", undefined);
    },
  };
}
