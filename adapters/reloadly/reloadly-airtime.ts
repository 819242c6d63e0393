/**
 * Reloadly airtime (vendor-protocols.md §2.2): operators, auto-detect, FX rate, balance, sync and
 * async top-ups sent with `customIdentifier = merchantOrderId`, status by transaction id, and the
 * lookup by `customIdentifier` in the transactions report — after a timeout the only way to learn
 * what happened, because the status endpoint needs Reloadly's transaction id.
 *
 * Amounts are explicit about their currency: Reloadly's `amount` is in the account's *sender*
 * currency unless `useLocalAmount` is true, when it is in the operator's *destination* (local)
 * currency (pitfall 10). kaquan decides from `faceValue.currency`, never from a guess, and refuses
 * an amount whose currency is neither — 5 meant as USD must never be sent as 5 NGN.
 */
import {
  type AdapterContext,
  type Balance,
  type Card,
  MalformedPayloadError,
  type Money,
  NoAnswerError,
  type OrderRequest,
  type OrderUpdate,
  type Product,
  type ProductQuery,
  ProductUnavailableError,
  Secret,
  subtractMoney,
  ValidationError,
} from "../../src/core/index.js";
import { isoTime } from "../../src/runtime/clock.js";
import { lookup } from "../../src/runtime/table-lookup.js";
import {
  beforeSending,
  expectOk,
  JsonDecimal,
  parseReloadlyTime,
  parseWith,
  type ReloadlyKit,
  stringifyWithDecimals,
  toMoney,
} from "./reloadly-kit.js";
import {
  type ReloadlyOperator,
  type ReloadlyTopup,
  reloadlyAsyncTopupSchema,
  reloadlyBalanceSchema,
  reloadlyFxRateSchema,
  reloadlyOperatorSchema,
  reloadlyPageSchema,
  reloadlyTopupSchema,
  reloadlyTopupStatusSchema,
} from "./reloadly-wire.js";

/** Airtime options, resolved. */
export interface ReloadlyAirtimeSettings {
  topupMode: "sync" | "async";
  useLocalAmount: boolean | "auto";
  defaultCountryCode: string | undefined;
  senderPhone: { countryCode: string; number: string } | undefined;
  maxCatalogPages: number;
  maxReportPages: number;
}

/** An operator with its sender and local (destination) amounts kept apart. */
export interface ReloadlyOperatorSummary {
  operatorId: string;
  name: string;
  /** ISO 3166 alpha-2 of the operator's country. */
  countryCode?: string;
  /** The account's currency: `amount` is in it unless `useLocalAmount`. */
  senderCurrency?: string;
  /** The recipient's currency. */
  localCurrency?: string;
  supportsLocalAmounts: boolean;
  denominationType?: string;
  /** Whether top-ups answer a `pinDetail` (a PIN to dial rather than credit on the line). */
  pin: boolean;
  fixedAmounts: Money[];
  localFixedAmounts: Money[];
  minAmount?: Money;
  maxAmount?: Money;
  localMinAmount?: Money;
  localMaxAmount?: Money;
}

/** What `POST /operators/fx-rate` answered. Whether `fxRate` is a rate or the converted amount is unclear [?]. */
export interface ReloadlyFxRate {
  operatorId: string;
  /** The sender-currency amount asked about. */
  amount: Money;
  /** Reloadly's `fxRate`, exactly as sent. */
  fxRate: string;
  /** Reloadly's `currencyCode`: the local currency. */
  currencyCode: string;
}

const finalStatuses = new Set(["succeeded", "failed", "reversed"]);

export function createReloadlyAirtime(kit: ReloadlyKit, settings: ReloadlyAirtimeSettings) {
  const { supplier, connection } = kit;

  function summarize(operator: ReloadlyOperator): ReloadlyOperatorSummary {
    const sender = operator.senderCurrencyCode;
    const local = operator.destinationCurrencyCode;
    const list = (values: string[] | undefined, currency: string | undefined) =>
      (values ?? []).flatMap((value) => {
        const amount = toMoney(kit, value, currency);
        return amount ? [amount] : [];
      });
    const summary: ReloadlyOperatorSummary = {
      operatorId: operator.operatorId,
      name: operator.name ?? "",
      supportsLocalAmounts: operator.supportsLocalAmounts === true,
      pin: operator.pin === true,
      fixedAmounts: list(operator.fixedAmounts, sender),
      localFixedAmounts: list(operator.localFixedAmounts, local),
    };
    if (operator.country?.isoName) summary.countryCode = operator.country.isoName;
    if (sender) summary.senderCurrency = sender;
    if (local) summary.localCurrency = local;
    if (operator.denominationType) summary.denominationType = operator.denominationType;
    const range = {
      minAmount: toMoney(kit, operator.minAmount, sender),
      maxAmount: toMoney(kit, operator.maxAmount, sender),
      localMinAmount: toMoney(kit, operator.localMinAmount, local),
      localMaxAmount: toMoney(kit, operator.localMaxAmount, local),
    };
    for (const [key, value] of Object.entries(range)) if (value) Object.assign(summary, { [key]: value });
    return summary;
  }

  function describeAmounts(summary: ReloadlyOperatorSummary): string {
    const amounts = (values: Money[]) => values.map((value) => value.amount).join(", ");
    const parts: string[] = [];
    if (summary.denominationType === "FIXED") {
      if (summary.fixedAmounts.length > 0)
        parts.push(`FIXED ${amounts(summary.fixedAmounts)} ${summary.senderCurrency ?? ""}`.trim());
      if (summary.localFixedAmounts.length > 0)
        parts.push(`local ${amounts(summary.localFixedAmounts)} ${summary.localCurrency ?? ""}`.trim());
    } else {
      if (summary.minAmount && summary.maxAmount)
        parts.push(
          `RANGE ${summary.minAmount.amount}–${summary.maxAmount.amount} ${summary.minAmount.currency}`,
        );
      if (summary.localMinAmount && summary.localMaxAmount)
        parts.push(
          `local ${summary.localMinAmount.amount}–${summary.localMaxAmount.amount} ${summary.localMinAmount.currency}`,
        );
    }
    if (summary.countryCode) parts.push(`country ${summary.countryCode}`);
    if (summary.pin) parts.push("PIN");
    return parts.join("; ");
  }

  function toProduct(operator: ReloadlyOperator): Product {
    const summary = summarize(operator);
    const product: Product = {
      sku: summary.operatorId,
      name: summary.name,
      kind: "mobile",
      // Reloadly lists only operators it serves; an unavailable one is refused at order time.
      saleStatus: "on_sale",
    };
    if (summary.localFixedAmounts.length === 1) product.faceValue = summary.localFixedAmounts[0]!;
    if (summary.fixedAmounts.length === 1) product.price = summary.fixedAmounts[0]!;
    const details = describeAmounts(summary);
    if (details) product.details = details;
    return product;
  }

  async function operatorById(
    operatorId: string,
    context: AdapterContext,
    merchantOrderId?: string,
  ): Promise<ReloadlyOperator | undefined> {
    if (!/^\d{1,18}$/.test(operatorId)) return undefined;
    const answer = await connection.call(
      { endpoint: "operator", method: "GET", path: `/operators/${operatorId}`, ...orderOf(merchantOrderId) },
      context,
    );
    if (!answer.ok && (answer.status === 404 || answer.meaning === "product_unavailable")) return undefined;
    return parseWith(kit, reloadlyOperatorSchema, expectOk(answer), "operator");
  }

  async function autoDetect(
    phone: string,
    countryCode: string,
    context: AdapterContext,
    merchantOrderId?: string,
  ): Promise<ReloadlyOperator> {
    const answer = await connection.call(
      {
        ...orderOf(merchantOrderId),
        endpoint: "autoDetect",
        method: "GET",
        path: `/operators/auto-detect/phone/${encodeURIComponent(phone)}/countries/${encodeURIComponent(countryCode)}?suggestedAmountsMap=false&suggestedAmounts=false`,
      },
      context,
    );
    return parseWith(kit, reloadlyOperatorSchema, expectOk(answer), "operator");
  }

  /** `amount` and `useLocalAmount` for a face value, or a `ValidationError` before anything is sent. */
  function chooseAmount(
    operator: ReloadlyOperator,
    faceValue: Money,
  ): { amount: string; useLocalAmount: boolean } {
    const sender = operator.senderCurrencyCode;
    const local = operator.destinationCurrencyCode;
    const currency = faceValue.currency;
    const refuse = (message: string): never => {
      throw new ValidationError(message, [{ path: "faceValue.currency", message }]);
    };
    let useLocal: boolean;
    if (settings.useLocalAmount === "auto") {
      if (sender !== undefined && currency === sender) useLocal = false;
      else if (local !== undefined && currency === local) useLocal = true;
      else
        return refuse(
          `operator ${operator.operatorId} takes ${sender ?? "?"} (sender) or ${local ?? "?"} (local) amounts, not ${currency}`,
        );
    } else if (settings.useLocalAmount) {
      if (local !== undefined && currency !== local)
        refuse(
          `useLocalAmount is on: pass faceValue in the operator's local currency ${local}, not ${currency}`,
        );
      useLocal = true;
    } else {
      if (sender !== undefined && currency !== sender)
        refuse(
          `useLocalAmount is off: pass faceValue in the account's sender currency ${sender}, not ${currency}`,
        );
      useLocal = false;
    }
    if (useLocal && operator.supportsLocalAmounts === false) {
      refuse(
        `operator ${operator.operatorId} does not take local amounts: pass faceValue in the sender currency ${sender ?? "?"}`,
      );
    }
    return { amount: faceValue.amount, useLocalAmount: useLocal };
  }

  /** What the merchant paid: the balance debit when reported, else requested minus discount. */
  function costOf(transaction: ReloadlyTopup): Money | undefined {
    const info = transaction.balanceInfo;
    if (info?.currencyCode) {
      const cost = toMoney(kit, info.cost, info.currencyCode);
      if (cost) return cost;
      const before = toMoney(kit, info.oldBalance, info.currencyCode);
      const after = toMoney(kit, info.newBalance, info.currencyCode);
      if (before && after) {
        const debit = subtractMoney(before, after);
        if (!debit.amount.startsWith("-")) return debit;
      }
    }
    const requested = toMoney(kit, transaction.requestedAmount, transaction.requestedAmountCurrencyCode);
    const discount = toMoney(kit, transaction.discount, transaction.discountCurrencyCode);
    if (requested && discount && discount.currency === requested.currency)
      return subtractMoney(requested, discount);
    return requested;
  }

  /** A PIN operator's `pinDetail` as a card: the code and serial are secrets (need 19). */
  function pinCards(transaction: ReloadlyTopup): Card[] {
    const pin = transaction.pinDetail;
    if (!pin?.code) return [];
    const card: Card = { password: new Secret(pin.code), format: "code" };
    if (pin.serial) card.number = new Secret(pin.serial);
    if (pin.validity) card.expiresAt = pin.validity;
    return [card];
  }

  function toUpdate(
    transaction: ReloadlyTopup,
    source: OrderUpdate["source"],
    fallbackId?: string,
    withCards = true,
  ): OrderUpdate {
    const vendorStatus = transaction.status;
    const status = lookup(kit.statuses, vendorStatus) ?? "unknown";
    const update: OrderUpdate = {
      merchantOrderId: transaction.customIdentifier ?? fallbackId ?? "",
      supplier,
      status,
      source,
      kind: "mobile",
      supplierOrderId: transaction.transactionId,
    };
    if (vendorStatus !== undefined) update.vendorStatus = vendorStatus;
    if (transaction.operatorId) update.sku = transaction.operatorId;
    if (transaction.recipientPhone) update.account = transaction.recipientPhone;
    const cost = costOf(transaction);
    if (cost) update.cost = cost;
    const cards = withCards ? pinCards(transaction) : [];
    if (cards.length > 0) update.cards = cards;
    const at = parseReloadlyTime(kit, transaction.transactionDate);
    if (at !== undefined) {
      update.createdAt = isoTime(at);
      if (finalStatuses.has(status)) update.finishedAt = isoTime(at);
    }
    if (status === "failed") {
      update.failure = {
        code: "supplier_failed",
        message: "Reloadly reports the top-up failed",
        vendorCode: vendorStatus ?? "FAILED",
      };
    }
    if (status === "unknown") {
      update.unknownReason =
        vendorStatus === undefined
          ? "Reloadly's answer has no status"
          : `unrecognised Reloadly transaction status "${vendorStatus}"`;
    }
    return update;
  }

  /** The report row for a `customIdentifier`, paging only if the filter is ignored. */
  async function findInReports(
    merchantOrderId: string,
    context: AdapterContext,
  ): Promise<ReloadlyTopup | undefined> {
    const size = 50;
    for (let page = 1; page <= settings.maxReportPages; page++) {
      const query = new URLSearchParams({
        customIdentifier: merchantOrderId,
        page: String(page),
        size: String(size),
      });
      const answer = await connection.call(
        {
          endpoint: "topupReports",
          method: "GET",
          path: `/topups/reports/transactions?${query}`,
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
        return parseWith(kit, reloadlyTopupSchema, item, "top-up transaction", merchantOrderId);
      }
      const last = list.last ?? (list.totalPages !== undefined && page >= list.totalPages);
      if (last || list.content.length !== size) return undefined;
    }
    return undefined;
  }

  async function statusById(transactionId: string, context: AdapterContext, merchantOrderId?: string) {
    const answer = await connection.call(
      {
        endpoint: "topupStatus",
        method: "GET",
        path: `/topups/${encodeURIComponent(transactionId)}/status`,
        ...(merchantOrderId ? { merchantOrderId } : {}),
      },
      context,
    );
    if (!answer.ok) return { answer, transaction: undefined };
    return {
      answer,
      transaction: parseWith(kit, reloadlyTopupStatusSchema, answer.body, "top-up status", merchantOrderId),
    };
  }

  return {
    summarize,

    async listProducts(query: ProductQuery, context: AdapterContext): Promise<Product[]> {
      if (query.kind !== undefined && query.kind !== "mobile") return [];
      if (query.sku !== undefined) {
        const operator = await operatorById(query.sku, context);
        return operator ? [toProduct(operator)] : [];
      }
      const products: Product[] = [];
      const size = 200;
      for (let page = 1; page <= settings.maxCatalogPages; page++) {
        const parameters = new URLSearchParams({
          page: String(page),
          size: String(size),
          includeBundles: "true",
          includeData: "true",
          suggestedAmountsMap: "false",
        });
        const answer = await connection.call(
          { endpoint: "operators", method: "GET", path: `/operators?${parameters}` },
          context,
        );
        const list = parseWith(kit, reloadlyPageSchema, expectOk(answer) ?? [], "operator list");
        for (const item of list.content) {
          const product = toProduct(parseWith(kit, reloadlyOperatorSchema, item, "operator"));
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
      const operator = await operatorById(sku, context);
      return operator ? toProduct(operator) : undefined;
    },

    async getBalance(context: AdapterContext): Promise<Balance> {
      const answer = await connection.call(
        { endpoint: "balance", method: "GET", path: "/accounts/balance" },
        context,
      );
      const raw = parseWith(kit, reloadlyBalanceSchema, expectOk(answer), "balance");
      const available = toMoney(kit, raw.balance, raw.currencyCode);
      if (!available) {
        throw new MalformedPayloadError(`${supplier}: the balance currency is not an ISO 4217 code`, {
          supplier,
        });
      }
      return { available, checkedAt: isoTime(context.clock.now()) };
    },

    async autoDetectOperator(phone: string, countryCode: string, context: AdapterContext) {
      if (!/^[A-Z]{2}$/.test(countryCode)) {
        throw new ValidationError("countryCode must be an ISO 3166 alpha-2 code such as NG", [
          { path: "countryCode", message: 'pass e.g. "NG"' },
        ]);
      }
      return summarize(await autoDetect(phone, countryCode, context));
    },

    async getFxRate(operatorId: string, amount: Money, context: AdapterContext): Promise<ReloadlyFxRate> {
      if (!/^\d{1,18}$/.test(operatorId)) {
        throw new ValidationError("operatorId must be Reloadly's numeric operator id", [
          { path: "operatorId", message: 'pass e.g. "341"' },
        ]);
      }
      const answer = await connection.call(
        {
          endpoint: "fxRate",
          method: "POST",
          path: "/operators/fx-rate",
          body: stringifyWithDecimals({
            operatorId: new JsonDecimal(operatorId),
            amount: new JsonDecimal(amount.amount),
          }),
        },
        context,
      );
      const raw = parseWith(kit, reloadlyFxRateSchema, expectOk(answer), "FX rate");
      return { operatorId, amount, fxRate: raw.fxRate, currencyCode: raw.currencyCode };
    },

    async getTopupStatus(transactionId: string, context: AdapterContext): Promise<OrderUpdate> {
      const { answer, transaction } = await statusById(transactionId, context);
      if (!transaction) throw expectOk(answer);
      return toUpdate(transaction, "query");
    },

    async placeOrder(request: OrderRequest, context: AdapterContext): Promise<OrderUpdate> {
      const merchantOrderId = request.merchantOrderId;
      if (request.kind !== "mobile") {
        throw new ValidationError(`the Reloadly airtime adapter takes mobile orders, not ${request.kind}`, [
          { path: "kind", message: 'use kind "mobile" (create a giftcards adapter for card orders)' },
        ]);
      }
      if (request.quantity !== 1) {
        throw new ValidationError("a Reloadly top-up is one top-up per order", [
          { path: "quantity", message: "use quantity 1 and one order per top-up" },
        ]);
      }
      const faceValue = request.faceValue;
      if (!faceValue) {
        throw new ValidationError("Reloadly top-ups are placed by amount: pass faceValue", [
          {
            path: "faceValue",
            message: 'e.g. { amount: "5.00", currency: "USD" } (sender) or the local currency',
          },
        ]);
      }
      const phone = request.account!;
      const country = request.accountFields?.region ?? settings.defaultCountryCode;
      if (request.sku !== undefined && !/^\d{1,18}$/.test(request.sku)) {
        throw new ValidationError("the sku of a Reloadly top-up is the numeric operatorId", [
          { path: "sku", message: 'pass e.g. "341", or leave it out to auto-detect the operator' },
        ]);
      }
      if (request.sku === undefined && (country === undefined || !/^[A-Z]{2}$/.test(country))) {
        throw new ValidationError("to auto-detect the operator Reloadly needs the phone's country", [
          {
            path: "accountFields.region",
            message:
              "pass the operatorId as sku, or the ISO country code (e.g. NG) as accountFields.region or the adapter's defaultCountryCode",
          },
        ]);
      }
      const operator = await beforeSending(kit, "the operator lookup", merchantOrderId, context, async () =>
        request.sku !== undefined
          ? operatorById(request.sku, context, merchantOrderId)
          : autoDetect(phone, country!, context, merchantOrderId),
      );
      if (!operator) {
        throw new ProductUnavailableError(
          `${supplier}: Reloadly does not know operator ${request.sku}; the top-up was not sent`,
          {
            supplier,
            merchantOrderId,
          },
        );
      }
      const { amount, useLocalAmount } = chooseAmount(operator, faceValue);
      const countryCode = operator.country?.isoName ?? country;
      const body: Record<string, unknown> = {
        operatorId: new JsonDecimal(operator.operatorId),
        amount: new JsonDecimal(amount),
        useLocalAmount,
        customIdentifier: merchantOrderId,
        recipientPhone: { countryCode, number: phone },
      };
      if (settings.senderPhone) body.senderPhone = settings.senderPhone;
      const async = settings.topupMode === "async";
      const answer = await connection.call(
        {
          endpoint: "topup",
          method: "POST",
          path: async ? "/topups-async" : "/topups",
          body: stringifyWithDecimals(body),
          write: true,
          merchantOrderId,
        },
        context,
      );
      const value = expectOk(answer);
      if (async) {
        const accepted = parseWith(
          kit,
          reloadlyAsyncTopupSchema,
          value,
          "async top-up answer",
          merchantOrderId,
        );
        return {
          merchantOrderId,
          supplier,
          status: "processing",
          source: "place",
          kind: "mobile",
          supplierOrderId: accepted.transactionId,
          sku: operator.operatorId,
          account: phone,
        };
      }
      const transaction = parseWith(kit, reloadlyTopupSchema, value, "top-up", merchantOrderId);
      if (transaction.customIdentifier !== undefined && transaction.customIdentifier !== merchantOrderId) {
        throw new NoAnswerError(
          `${supplier}: the top-up answer names another order; the outcome is unknown`,
          {
            supplier,
            merchantOrderId,
          },
        );
      }
      return toUpdate(transaction, "place", merchantOrderId);
    },

    async queryOrder(merchantOrderId: string, context: AdapterContext): Promise<OrderUpdate | undefined> {
      const row = await findInReports(merchantOrderId, context);
      if (!row) return undefined;
      let transaction = row;
      const known = lookup(kit.statuses, row.status);
      if (known === undefined || !finalStatuses.has(known)) {
        // A report row may lag the transaction: ask the real-time status endpoint by its id.
        const { transaction: current } = await statusById(row.transactionId, context, merchantOrderId);
        if (current) transaction = { ...row, ...stripUndefined(current) };
      }
      return toUpdate(transaction, "query", merchantOrderId);
    },

    /** A webhook's transaction as an update. Codes are never taken from a webhook body (need 19). */
    webhookUpdate(transaction: unknown): OrderUpdate {
      return toUpdate(
        parseWith(kit, reloadlyTopupSchema, transaction, "webhook transaction"),
        "callback",
        undefined,
        false,
      );
    },
  };
}

function orderOf(merchantOrderId: string | undefined): { merchantOrderId?: string } {
  return merchantOrderId === undefined ? {} : { merchantOrderId };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
