/**
 * An in-process Reloadly supplier (vendor-protocols.md §2) on one loopback port:
 * - `/auth/oauth/token`: OAuth2 client credentials, audience-checked, tokens that expire, every
 *   token request counted;
 * - `/airtime/…`: balance, operators, auto-detect, FX rate, sync `/topups` and async
 *   `/topups-async` (which settle later), `/topups/{id}/status`, and the transactions report that
 *   finds a top-up by `customIdentifier`;
 * - `/giftcards/…`: balance, products, `/orders`, redeem codes, the transactions report.
 *
 * Point the adapter at it with `endpoints: { auth: sim.urls.auth, api: sim.urls.airtime }` (or
 * `sim.urls.giftcards`); the token audience stays the real product URL, as with Reloadly.
 *
 * Like Reloadly it refuses a used `customIdentifier` (`CUSTOM_IDENTIFIER_ALREADY_USED`), a second
 * top-up of one number within two minutes (`PHONE_RECENTLY_RECHARGED`), a balance too low
 * (`INSUFFICIENT_BALANCE`), a price that is not a denomination ("Invalid price", no code) and a
 * token for another audience or past its expiry (401). Webhooks are HMAC-SHA256 signed (see
 * `reloadly-simulator-webhooks.ts`). Scripted faults and an inspection API make it possible to
 * check that an order reached the supplier exactly once. It listens on 127.0.0.1 only and prints
 * nothing.
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  addMoney,
  type Clock,
  ConfigurationError,
  compareMoney,
  type Money,
  money,
  subtractMoney,
} from "../core/index.js";
import { formatDateTime, parseDateTime, systemClock } from "../runtime/clock.js";
import {
  defaultReloadlyOutcome,
  defaultReloadlySimulatorGiftProducts,
  defaultReloadlySimulatorOperators,
  RELOADLY_SIMULATOR_CLIENT_ID,
  RELOADLY_SIMULATOR_CLIENT_SECRET,
  RELOADLY_SIMULATOR_WEBHOOK_SECRET,
  type ReloadlySimulatorGiftProduct,
  type ReloadlySimulatorOperator,
  type ReloadlySimulatorOutcome,
} from "./reloadly-simulator-catalogue.js";
import type {
  ReloadlyFaultKind,
  ReloadlySimulatedTransaction,
  ReloadlySimulator,
  ReloadlySimulatorEndpoint,
  ReloadlySimulatorFault,
  ReloadlySimulatorOptions,
  ReloadlySimulatorRequestRecord,
  ReloadlyTokenRequestRecord,
  ReloadlyWebhookAttempt,
} from "./reloadly-simulator-types.js";
import {
  deliverReloadlyWebhook,
  RELOADLY_SIGNATURE_HEADER,
  reloadlyWebhookBody,
  reloadlyWebhookHeaders,
} from "./reloadly-simulator-webhooks.js";
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
import { readBodyOr413, sendResponse } from "./simulator-server.js";

export * from "./reloadly-simulator-catalogue.js";
export type * from "./reloadly-simulator-types.js";
export { RELOADLY_SIGNATURE_HEADER, RELOADLY_TIMESTAMP_HEADER } from "./reloadly-simulator-webhooks.js";

type Json = Record<string, unknown>;
type Product = "airtime" | "giftcards";

interface Route {
  endpoint: ReloadlySimulatorEndpoint;
  product: Product | "auth";
  params: string[];
}

interface TokenState {
  audience: string;
  expiresAt: number;
  revoked: boolean;
}

interface TransactionState extends ReloadlySimulatedTransaction {
  outcome: ReloadlySimulatorOutcome;
  rawStatusOverride?: string | undefined;
  settleScheduled: boolean;
  balanceBefore: string;
  balanceAfter: string;
  operatorName?: string | undefined;
  productName?: string | undefined;
  brandName?: string | undefined;
  fee?: string | undefined;
}

/** A vendor error answer, thrown inside request handling. */
class ReloadlyRejection extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** A number written into JSON as a bare literal of exactly these digits (ids and card numbers). */
class RawNumber {
  constructor(readonly digits: string) {}
}

const requestFaultKinds: ReadonlySet<string> = new Set([
  ...SHARED_REQUEST_FAULT_KINDS,
  "rate-limit",
  "vendor-error",
  "token-expired-mid-batch",
]);
const faultKinds: ReadonlySet<string> = new Set([
  ...requestFaultKinds,
  "not-found-until",
  "duplicate-webhook",
  "out-of-order-webhook",
]);

/** Spring's error answer, as Reloadly's services give for an unhandled failure. */
const HTTP_500: Http500Style = {
  defaultFormat: "json",
  jsonContentType: "application/json",
  textContentType: "text/plain; charset=utf-8",
};
const check = simulatorChecks("Reloadly");
const UNAUTHENTICATED = "Full authentication is required to access this resource";
const MEDIA_TYPES: Readonly<Record<Product | "auth", string>> = {
  auth: "application/json",
  airtime: "application/com.reloadly.topups-v1+json",
  giftcards: "application/com.reloadly.giftcards-v1+json",
};
const AUDIENCES = {
  production: {
    airtime: ["https://topups.reloadly.com", "https://topups-hs256.reloadly.com"],
    giftcards: ["https://giftcards.reloadly.com"],
  },
  sandbox: {
    airtime: ["https://topups-sandbox.reloadly.com", "https://topups-hs256-sandbox.reloadly.com"],
    giftcards: ["https://giftcards-sandbox.reloadly.com"],
  },
} as const;

/** Creates a Reloadly simulator; `start()` before use, `close()` after. */
export function createReloadlySimulator(options: ReloadlySimulatorOptions = {}): ReloadlySimulator {
  const clientId = options.clientId ?? RELOADLY_SIMULATOR_CLIENT_ID;
  const clientSecret = options.clientSecret ?? RELOADLY_SIMULATOR_CLIENT_SECRET;
  const environment = options.environment ?? "sandbox";
  if (environment !== "sandbox" && environment !== "production") {
    throw new ConfigurationError('Reloadly simulator: environment must be "sandbox" or "production"');
  }
  const audiences = AUDIENCES[environment];
  const clock: Clock = options.clock ?? systemClock;
  const currency = options.currency ?? "USD";
  if (!/^[A-Z]{3}$/.test(currency))
    throw new ConfigurationError("Reloadly simulator: currency must be an ISO 4217 code");
  const tokenTtlSeconds = positive(options.tokenTtlSeconds ?? 86_400, "tokenTtlSeconds");
  const settleAfterMs = check.nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const recentRechargeWindowMs = check.nonNegative(
    options.recentRechargeWindowMs ?? 120_000,
    "recentRechargeWindowMs",
  );
  const webhookAttempts = Math.max(
    1,
    Math.floor(check.nonNegative(options.webhookAttempts ?? 4, "webhookAttempts")),
  );
  const webhookRetryIntervalMs = check.nonNegative(
    options.webhookRetryIntervalMs ?? 20,
    "webhookRetryIntervalMs",
  );
  const webhookTimeoutMs = check.nonNegative(options.webhookTimeoutMs ?? 2000, "webhookTimeoutMs");
  const webhookSecret = options.webhookSecret ?? RELOADLY_SIMULATOR_WEBHOOK_SECRET;
  const webhookStyle = options.webhookSignature ?? {};
  const webhookUrl = options.webhookUrl;
  if (webhookUrl !== undefined) check.url(webhookUrl, "webhookUrl");
  const statusShape = options.statusShape ?? "wrapped";
  const redeemCodeShape = options.redeemCodeShape ?? "array";
  const outcomeOf = options.outcome ?? defaultReloadlyOutcome;

  let balance: Money = amountOption(options.balance ?? "1000.00", currency, "balance");
  const operators = new Map<number, ReloadlySimulatorOperator>();
  for (const operator of options.operators ?? defaultReloadlySimulatorOperators) {
    checkDecimal(operator.fxRate, `fxRate of operator ${operator.operatorId}`);
    operators.set(operator.operatorId, { ...operator, senderCurrency: operator.senderCurrency ?? currency });
  }
  const giftProducts = new Map<number, ReloadlySimulatorGiftProduct>();
  for (const product of options.giftProducts ?? defaultReloadlySimulatorGiftProducts) {
    giftProducts.set(product.productId, { ...product, senderCurrency: product.senderCurrency ?? currency });
  }

  const transactions: TransactionState[] = [];
  const byIdentifier = new Map<string, TransactionState>();
  const byId = new Map<number, TransactionState>();
  const tokens = new Map<string, TokenState>();
  const lastRecharge = new Map<string, number>();
  const lifecycle = new SimulatorLifecycle("Reloadly");
  const requestLog = new SimulatorLog<ReloadlySimulatorRequestRecord>();
  const tokenLog = new SimulatorLog<ReloadlyTokenRequestRecord>();
  const webhookLog = new SimulatorLog<ReloadlyWebhookAttempt>();
  const faults = new FaultQueue<ReloadlySimulatorFault>();
  const requestFaults = new RequestFaults({
    queue: faults,
    kinds: requestFaultKinds,
    orderOf: (fault) => fault.customIdentifier,
    http500: HTTP_500,
    wait: (ms) => lifecycle.wait(ms),
  });
  const settling = new AutoSettle<TransactionState>(lifecycle, {
    enabled: options.autoSettle ?? true,
    delayOf: () => settleAfterMs,
    isFinal,
    settle: (transaction) =>
      finalize(transaction, transaction.outcome === "failed" ? "FAILED" : "SUCCESSFUL"),
  });
  /** Lagging report lookups per `customIdentifier` (`not-found-until`). */
  const notFoundLag = new QueryLag();
  let transactionSequence = 4_602_842;
  let deliverySequence = 0;

  // ---- bookkeeping -------------------------------------------------------------------------

  const now = () => clock.now();
  const stamp = (epochMs: number) => formatDateTime(epochMs, 0);

  function snapshot(transaction: TransactionState): ReloadlySimulatedTransaction {
    const {
      outcome: _outcome,
      rawStatusOverride: _raw,
      settleScheduled: _scheduled,
      balanceBefore: _before,
      balanceAfter: _after,
      operatorName: _operator,
      productName: _product,
      brandName: _brand,
      fee: _fee,
      ...copy
    } = transaction;
    return {
      ...copy,
      cards: transaction.cards.map((card) => ({ ...card })),
      ...(copy.pin ? { pin: { ...copy.pin } } : {}),
    };
  }

  // ---- wire formats ------------------------------------------------------------------------

  function operatorJson(operator: ReloadlySimulatorOperator): Json {
    const range = operator.denominationType === "RANGE";
    const fixed = operator.fixedAmounts ?? [];
    const localFixed = operator.localFixedAmounts ?? [];
    return {
      id: operator.operatorId,
      operatorId: operator.operatorId,
      name: operator.name,
      bundle: false,
      data: false,
      pin: operator.pin,
      supportsLocalAmounts: operator.supportsLocalAmounts,
      supportsGeographicalRechargePlans: false,
      denominationType: operator.denominationType,
      senderCurrencyCode: operator.senderCurrency,
      destinationCurrencyCode: operator.destinationCurrency,
      commission: Number(operator.discountPercent ?? "0"),
      internationalDiscount: Number(operator.discountPercent ?? "0"),
      localDiscount: 0,
      mostPopularAmount: null,
      minAmount: range ? Number(operator.minAmount) : null,
      maxAmount: range ? Number(operator.maxAmount) : null,
      localMinAmount: range ? Number(multiply(operator.minAmount ?? "0", operator.fxRate, 2)) : null,
      localMaxAmount: range ? Number(multiply(operator.maxAmount ?? "0", operator.fxRate, 2)) : null,
      country: { isoName: operator.countryCode, name: operator.countryCode },
      fx: { rate: Number(operator.fxRate), currencyCode: operator.destinationCurrency },
      logoUrls: [],
      fixedAmounts: range ? [] : fixed.map(Number),
      fixedAmountsDescriptions: {},
      localFixedAmounts: range ? [] : localFixed.map(Number),
      localFixedAmountsDescriptions: {},
      suggestedAmounts: [],
      suggestedAmountsMap: {},
      promotions: [],
    };
  }

  function giftProductJson(product: ReloadlySimulatorGiftProduct): Json {
    const range = product.denominationType === "RANGE";
    const recipient = product.fixedRecipientDenominations ?? [];
    const sender = product.fixedSenderDenominations ?? [];
    const map: Record<string, number> = {};
    recipient.forEach((value, index) => {
      map[String(Number(value))] = Number(sender[index] ?? value);
    });
    return {
      productId: product.productId,
      productName: product.productName,
      global: false,
      senderFee: Number(product.senderFee ?? "0"),
      discountPercentage: 0,
      denominationType: product.denominationType,
      recipientCurrencyCode: product.recipientCurrency,
      minRecipientDenomination: range ? Number(product.minRecipientDenomination) : null,
      maxRecipientDenomination: range ? Number(product.maxRecipientDenomination) : null,
      senderCurrencyCode: product.senderCurrency,
      minSenderDenomination: range
        ? Number(multiply(product.minRecipientDenomination ?? "0", product.fxRate ?? "1", 2))
        : null,
      maxSenderDenomination: range
        ? Number(multiply(product.maxRecipientDenomination ?? "0", product.fxRate ?? "1", 2))
        : null,
      fixedRecipientDenominations: range ? [] : recipient.map(Number),
      fixedSenderDenominations: range ? null : sender.map(Number),
      fixedRecipientToSenderDenominationsMap: range ? null : map,
      logoUrls: [],
      brand: { brandId: product.productId * 10, brandName: product.brandName },
      country: { isoName: product.countryCode, name: product.countryCode },
      redeemInstruction: { concise: "Redeem online", verbose: "Redeem the code on the brand's website." },
    };
  }

  function statusOf(transaction: TransactionState): string {
    return transaction.rawStatusOverride ?? transaction.status;
  }

  function topupJson(transaction: TransactionState, withBalance: boolean): Json {
    const success = transaction.status === "SUCCESSFUL";
    return {
      transactionId: transaction.transactionId,
      status: statusOf(transaction),
      operatorTransactionId: success ? `${transaction.transactionId}:OrderConfirmed` : null,
      customIdentifier: transaction.customIdentifier,
      recipientPhone: new RawNumber(transaction.recipientPhone ?? "0"),
      recipientEmail: null,
      senderPhone: null,
      countryCode: transaction.countryCode,
      operatorId: transaction.operatorId,
      operatorName: transaction.operatorName,
      discount: Number(transaction.discount ?? "0"),
      discountCurrencyCode: transaction.currency,
      requestedAmount: Number(transaction.requestedAmount),
      requestedAmountCurrencyCode: transaction.requestedCurrency,
      deliveredAmount: Number(transaction.deliveredAmount),
      deliveredAmountCurrencyCode: transaction.deliveredCurrency,
      transactionDate: stamp(transaction.createdAt),
      pinDetail:
        success && transaction.pin
          ? {
              serial: new RawNumber(transaction.pin.serial),
              info1: transaction.pin.info1,
              info2: transaction.pin.info1,
              info3: transaction.pin.info1,
              value: null,
              code: new RawNumber(transaction.pin.code),
              ivr: "1-888-888-8888",
              validity: transaction.pin.validity,
            }
          : null,
      balanceInfo: withBalance
        ? {
            oldBalance: Number(transaction.balanceBefore),
            newBalance: Number(transaction.balanceAfter),
            currencyCode: transaction.currency,
            currencyName: transaction.currency,
            updatedAt: stamp(transaction.createdAt),
          }
        : null,
    };
  }

  function giftJson(transaction: TransactionState): Json {
    const unit = transaction.unitPrice ?? "0";
    return {
      transactionId: transaction.transactionId,
      amount: Number(transaction.cost),
      discount: 0,
      currencyCode: transaction.currency,
      fee: Number(transaction.fee ?? "0"),
      smsFee: 0,
      recipientEmail: transaction.recipientEmail ?? null,
      recipientPhone: null,
      customIdentifier: transaction.customIdentifier,
      status: statusOf(transaction),
      product: {
        productId: transaction.productId,
        productName: transaction.productName,
        countryCode: transaction.countryCode,
        quantity: transaction.quantity,
        unitPrice: Number(unit),
        totalPrice: Number(multiply(unit, String(transaction.quantity ?? 1), 2)),
        currencyCode: transaction.unitCurrency,
        brand: { brandId: (transaction.productId ?? 0) * 10, brandName: transaction.brandName },
      },
      transactionCreatedTime: stamp(transaction.createdAt),
    };
  }

  function transactionJson(transaction: TransactionState): Json {
    return transaction.product === "airtime" ? topupJson(transaction, false) : giftJson(transaction);
  }

  function errorJson(status: number, errorCode: string | null, message: string, path: string): string {
    return serialize({
      timeStamp: stamp(now()),
      message,
      path,
      errorCode,
      infoLink: null,
      details: [],
      status,
    });
  }

  // ---- the server --------------------------------------------------------------------------

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on("error", () => {});
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const route = routeOf(request.method ?? "GET", url.pathname);
    const raw = request.method === "POST" ? await readBodyOr413(request, response) : "";
    if (raw === undefined) return;
    const body = raw === "" ? undefined : parseObject(raw);
    const identifierInBody = typeof body?.customIdentifier === "string" ? body.customIdentifier : undefined;
    const customIdentifier = identifierInBody ?? url.searchParams.get("customIdentifier") ?? undefined;
    const record: ReloadlySimulatorRequestRecord = {
      endpoint: route?.endpoint,
      httpMethod: request.method ?? "GET",
      path: `${url.pathname}${url.search}`,
      customIdentifier,
      authorization: "none",
      accept: header(request, "accept"),
      contentType: header(request, "content-type"),
      body: body && route?.endpoint === "token" ? { ...body, client_secret: "[masked]" } : body,
      at: now(),
    };
    requestLog.push(record);
    if (!route) {
      record.httpStatus = 404;
      sendResponse(
        response,
        404,
        "application/json",
        serialize({
          timestamp: stamp(now()),
          status: 404,
          error: "Not Found",
          message: "No message available",
          path: url.pathname,
        }),
      );
      return;
    }
    const mediaType = MEDIA_TYPES[route.product];

    const exchange = { request, response, record };
    const { fault, finished } = await requestFaults.open(exchange, route.endpoint, customIdentifier);
    if (finished) return;
    if (fault?.kind === "rate-limit") {
      record.httpStatus = 429;
      record.errorCode = "RATE_LIMIT_REACHED";
      sendRetryAfter(
        response,
        429,
        mediaType,
        errorJson(429, "RATE_LIMIT_REACHED", "Too many requests", url.pathname),
      );
      return;
    }
    if (fault?.kind === "vendor-error") {
      const status = fault.status ?? 400;
      const code =
        fault.errorCode === undefined ? "TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT" : fault.errorCode;
      const message = fault.message ?? "Transaction cannot be processed at the moment";
      record.httpStatus = status;
      record.errorCode = code ?? undefined;
      sendResponse(response, status, mediaType, errorJson(status, code, message, url.pathname));
      return;
    }
    // Every token issued so far expires now; this request (and every other one carrying an old
    // token) is then refused with 401 TOKEN_EXPIRED.
    if (fault?.kind === "token-expired-mid-batch") expireTokens();

    let status = 200;
    let text: string;
    try {
      if (route.product === "auth") {
        text = serialize(issueToken(body));
      } else {
        const auth = authenticate(header(request, "authorization"), route.product);
        record.authorization = auth.kind;
        record.audience = auth.audience;
        if (auth.kind === "expired")
          throw new ReloadlyRejection(401, "TOKEN_EXPIRED", "The access token has expired");
        if (auth.kind !== "valid") throw new ReloadlyRejection(401, "INVALID_TOKEN", UNAUTHENTICATED);
        text = serialize(run(route, url, body));
      }
    } catch (error) {
      const rejection =
        error instanceof ReloadlyRejection
          ? error
          : new ReloadlyRejection(
              500,
              null,
              "Could not retrieve/update resources at the moment, please try again later",
            );
      status = rejection.status;
      record.errorCode = rejection.errorCode ?? undefined;
      text = errorJson(rejection.status, rejection.errorCode, rejection.message, url.pathname);
    }
    if (status === 200) {
      await requestFaults.send(fault, exchange, mediaType, text);
      return;
    }
    // A refusal meets the after-processing faults too: a duplicate-id answer can be lost as well.
    if (fault?.kind === "commit-then-drop") {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === "delay" && !(await lifecycle.wait(fault.delayMs ?? 1000))) return;
    if (fault?.kind === "malformed-json") text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    record.httpStatus = status;
    sendResponse(response, status, mediaType, text);
  }

  function authenticate(
    authorization: string | undefined,
    product: Product,
  ): { kind: ReloadlySimulatorRequestRecord["authorization"]; audience?: string } {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match) return { kind: "none" };
    const token = tokens.get(match[1]!);
    if (!token) return { kind: "unknown" };
    if (!(audiences[product] as readonly string[]).includes(token.audience))
      return { kind: "wrong-audience", audience: token.audience };
    if (token.revoked || now() >= token.expiresAt) return { kind: "expired", audience: token.audience };
    return { kind: "valid", audience: token.audience };
  }

  function issueToken(body: Json | undefined): Json {
    const record: ReloadlyTokenRequestRecord = { granted: false, at: now() };
    tokenLog.push(record);
    const requestedId = typeof body?.client_id === "string" ? body.client_id : undefined;
    const audience = typeof body?.audience === "string" ? body.audience : undefined;
    record.clientId = requestedId;
    record.audience = audience;
    const refuse = (status: number, code: string, message: string): never => {
      record.errorCode = code;
      throw new ReloadlyRejection(status, code, message);
    };
    if (body?.grant_type !== "client_credentials")
      refuse(400, "UNSUPPORTED_GRANT_TYPE", "grant_type must be client_credentials");
    if (requestedId !== clientId || body?.client_secret !== clientSecret)
      refuse(401, "INVALID_CREDENTIALS", "Access Denied");
    const known = [...audiences.airtime, ...audiences.giftcards] as string[];
    if (audience === undefined || !known.includes(audience))
      refuse(400, "INVALID_AUDIENCE", "Invalid audience");
    const token = `sim.${randomBytes(24).toString("base64url")}`;
    tokens.set(token, { audience: audience!, expiresAt: now() + tokenTtlSeconds * 1000, revoked: false });
    record.granted = true;
    return { access_token: token, scope: "developer", expires_in: tokenTtlSeconds, token_type: "Bearer" };
  }

  function expireTokens(): void {
    for (const token of tokens.values()) token.revoked = true;
  }

  function run(route: Route, url: URL, body: Json | undefined): unknown {
    const query = url.searchParams;
    switch (route.endpoint) {
      case "airtime.balance":
      case "giftcards.balance":
        return {
          balance: Number(balance.amount),
          currencyCode: currency,
          currencyName: currency,
          updatedAt: stamp(now()),
        };
      case "airtime.operators":
        return springPage([...operators.values()].map(operatorJson), query);
      case "airtime.operator":
        return operatorJson(findOperator(route.params[0]!));
      case "airtime.auto-detect":
        return operatorJson(
          autoDetect(decodeURIComponent(route.params[0]!), decodeURIComponent(route.params[1]!)),
        );
      case "airtime.fx-rate": {
        const operator = findOperator(String(body?.operatorId ?? ""));
        const amount = decimalField(body?.amount, "amount");
        return {
          id: operator.operatorId,
          name: operator.name,
          fxRate: Number(multiply(amount, operator.fxRate, 2)),
          currencyCode: operator.destinationCurrency,
        };
      }
      case "airtime.topups":
        return placeTopup(body, false);
      case "airtime.topups-async":
        return placeTopup(body, true);
      case "airtime.status": {
        const transaction = findTransaction("airtime", route.params[0]!);
        const flat = topupJson(transaction, false);
        return statusShape === "flat"
          ? flat
          : { code: null, message: null, status: statusOf(transaction), transaction: flat };
      }
      case "airtime.reports":
        return springPage(
          report("airtime", query).map((transaction) => topupJson(transaction, false)),
          query,
        );
      case "airtime.report":
        return topupJson(findTransaction("airtime", route.params[0]!), false);
      case "giftcards.products": {
        const name = query.get("productName")?.toLowerCase();
        const country = query.get("countryCode");
        const list = [...giftProducts.values()].filter(
          (product) =>
            (!name || product.productName.toLowerCase().includes(name)) &&
            (!country || product.countryCode === country),
        );
        return springPage(list.map(giftProductJson), query);
      }
      case "giftcards.product": {
        const product = giftProducts.get(Number(route.params[0]));
        if (!product) throw new ReloadlyRejection(404, null, "Product not found");
        return giftProductJson(product);
      }
      case "giftcards.orders":
        return placeGiftOrder(body);
      case "giftcards.cards":
        return redeemCodes(findTransaction("giftcards", route.params[0]!));
      case "giftcards.reports": {
        const page = pageOf(query);
        return report("giftcards", query)
          .slice((page.number - 1) * page.size, page.number * page.size)
          .map(giftJson);
      }
      case "giftcards.report":
        return giftJson(findTransaction("giftcards", route.params[0]!));
      default:
        throw new ReloadlyRejection(404, null, "No message available");
    }
  }

  // ---- catalogue ---------------------------------------------------------------------------

  function findOperator(id: string): ReloadlySimulatorOperator {
    const operator = /^\d+$/.test(id) ? operators.get(Number(id)) : undefined;
    if (!operator) throw new ReloadlyRejection(404, "OPERATOR_NOT_FOUND", "Operator not found");
    return operator;
  }

  function normalizePhone(number: string, callingCode: string): string {
    let digits = number.replace(/[\s()-]/g, "");
    if (digits.startsWith("+")) return digits.slice(1);
    if (digits.startsWith("00")) return digits.slice(2);
    if (digits.startsWith("0")) digits = callingCode + digits.slice(1);
    return digits;
  }

  function autoDetect(phone: string, countryCode: string): ReloadlySimulatorOperator {
    for (const operator of operators.values()) {
      if (operator.countryCode !== countryCode) continue;
      const digits = normalizePhone(phone, operator.callingCode);
      if (operator.prefixes.some((prefix) => digits.startsWith(prefix))) return operator;
    }
    throw new ReloadlyRejection(
      400,
      "COULD_NOT_AUTO_DETECT_OPERATOR",
      "Could not auto detect operator for the given phone number",
    );
  }

  // ---- orders ------------------------------------------------------------------------------

  function newTransaction(
    fields: Omit<TransactionState, "transactionId" | "createdAt" | "settleScheduled" | "cards">,
  ) {
    transactionSequence += 1;
    const transaction: TransactionState = {
      ...fields,
      transactionId: transactionSequence,
      createdAt: now(),
      settleScheduled: false,
      cards: [],
    };
    transactions.push(transaction);
    byId.set(transaction.transactionId, transaction);
    if (transaction.customIdentifier !== "") byIdentifier.set(transaction.customIdentifier, transaction);
    const lag = faults.take(
      (candidate) =>
        candidate.kind === "not-found-until" &&
        (candidate.customIdentifier === undefined ||
          candidate.customIdentifier === transaction.customIdentifier),
    );
    if (lag) notFoundLag.start(transaction.customIdentifier, lag.queries);
    return transaction;
  }

  function checkIdentifier(body: Json | undefined): string {
    const identifier = body?.customIdentifier;
    if (identifier === undefined || identifier === null) return "";
    if (typeof identifier !== "string" || identifier.length > 150) {
      throw new ReloadlyRejection(400, null, "customIdentifier must be a string of at most 150 characters");
    }
    // A used reference is refused before anything else (§2.5).
    if (byIdentifier.has(identifier)) {
      throw new ReloadlyRejection(
        400,
        "CUSTOM_IDENTIFIER_ALREADY_USED",
        "This custom identifier has already been used for another transaction",
      );
    }
    return identifier;
  }

  function debit(cost: Money): { before: string; after: string } {
    if (compareMoney(balance, cost) < 0) {
      throw new ReloadlyRejection(
        400,
        "INSUFFICIENT_BALANCE",
        "Your balance is insufficient to complete this transaction",
      );
    }
    const before = balance.amount;
    balance = subtractMoney(balance, cost);
    return { before, after: balance.amount };
  }

  function placeTopup(body: Json | undefined, async: boolean): Json {
    const customIdentifier = checkIdentifier(body);
    const operator = findOperator(String(body?.operatorId ?? ""));
    const amount = decimalField(body?.amount, "amount");
    const useLocal = body?.useLocalAmount === true;
    const recipient = body?.recipientPhone as Json | undefined;
    const number =
      typeof recipient?.number === "string" || typeof recipient?.number === "number"
        ? String(recipient.number)
        : "";
    const phone = normalizePhone(number, operator.callingCode);
    if (
      !/^\d{8,15}$/.test(phone) ||
      recipient?.countryCode !== operator.countryCode ||
      !phone.startsWith(operator.callingCode)
    ) {
      throw new ReloadlyRejection(400, "INVALID_RECIPIENT_PHONE", "Recipient phone number is not valid");
    }
    const outcome = outcomeOf({
      product: "airtime",
      customIdentifier,
      phone,
      operatorId: operator.operatorId,
    });
    if (outcome === "invalid-phone") {
      throw new ReloadlyRejection(400, "INVALID_RECIPIENT_PHONE", "Recipient phone number is not valid");
    }
    const last = lastRecharge.get(phone);
    if (recentRechargeWindowMs > 0 && last !== undefined && now() - last < recentRechargeWindowMs) {
      throw new ReloadlyRejection(
        400,
        "PHONE_RECENTLY_RECHARGED",
        "This phone number was recharged recently; please try again in 2 minutes",
      );
    }
    const { sender, local } = topupAmounts(operator, amount, useLocal);
    const discount = divide(multiply(sender, operator.discountPercent ?? "0", 4), "100", 2);
    const cost = subtractMoney(money(sender, currency), money(discount, currency));
    const { before, after } = debit(cost);
    lastRecharge.set(phone, now());
    const transaction = newTransaction({
      product: "airtime",
      customIdentifier,
      status: "PROCESSING",
      mode: async ? "async" : "sync",
      cost: cost.amount,
      currency,
      requestedAmount: useLocal ? local : sender,
      requestedCurrency: useLocal ? operator.destinationCurrency : (operator.senderCurrency ?? currency),
      useLocalAmount: useLocal,
      deliveredAmount: local,
      deliveredCurrency: operator.destinationCurrency,
      discount,
      operatorId: operator.operatorId,
      operatorName: operator.name,
      recipientPhone: phone,
      countryCode: operator.countryCode,
      outcome,
      balanceBefore: before,
      balanceAfter: after,
    });
    if (async || outcome === "slow-success") settling.schedule(transaction);
    else if (outcome === "success") finalize(transaction, "SUCCESSFUL");
    else if (outcome === "failed") finalize(transaction, "FAILED");
    return async ? { transactionId: transaction.transactionId } : topupJson(transaction, true);
  }

  /** The sender and local amounts of a top-up, or `INVALID_AMOUNT_FOR_OPERATOR`. */
  function topupAmounts(operator: ReloadlySimulatorOperator, amount: string, useLocal: boolean) {
    const invalid = () =>
      new ReloadlyRejection(400, "INVALID_AMOUNT_FOR_OPERATOR", "The amount is not valid for this operator");
    if (useLocal && !operator.supportsLocalAmounts) throw invalid();
    if (operator.denominationType === "FIXED") {
      const list = (useLocal ? operator.localFixedAmounts : operator.fixedAmounts) ?? [];
      const index = list.findIndex((value) => compareDecimal(value, amount) === 0);
      if (index < 0) throw invalid();
      const sender = operator.fixedAmounts?.[index] ?? amount;
      const local = operator.localFixedAmounts?.[index] ?? multiply(sender, operator.fxRate, 2);
      return { sender: fixed2(sender), local: fixed2(local) };
    }
    const sender = useLocal ? divide(amount, operator.fxRate, 2) : fixed2(amount);
    const local = useLocal ? fixed2(amount) : multiply(amount, operator.fxRate, 2);
    if (
      compareDecimal(sender, operator.minAmount ?? "0") < 0 ||
      compareDecimal(sender, operator.maxAmount ?? sender) > 0 ||
      compareDecimal(sender, "0") <= 0
    ) {
      throw invalid();
    }
    return { sender, local };
  }

  function placeGiftOrder(body: Json | undefined): Json {
    const customIdentifier = checkIdentifier(body);
    const product = giftProducts.get(Number(body?.productId));
    if (!product) throw new ReloadlyRejection(404, "PRODUCT_NOT_FOUND", "Product not found");
    const quantity = body?.quantity;
    if (typeof quantity !== "number" || !Number.isSafeInteger(quantity) || quantity < 1 || quantity > 100) {
      throw new ReloadlyRejection(400, null, "quantity must be a whole number from 1 to 100");
    }
    if (body?.countryCode !== undefined && body.countryCode !== product.countryCode) {
      throw new ReloadlyRejection(
        400,
        "COUNTRY_NOT_SUPPORTED",
        "The product is not available in this country",
      );
    }
    const invalidPrice = () =>
      new ReloadlyRejection(400, null, "Invalid price, please ensure you selected the right price.");
    const unitPrice = (() => {
      try {
        return decimalField(body?.unitPrice, "unitPrice");
      } catch {
        throw invalidPrice();
      }
    })();
    let senderUnit: string;
    if (product.denominationType === "FIXED") {
      const index = (product.fixedRecipientDenominations ?? []).findIndex(
        (value) => compareDecimal(value, unitPrice) === 0,
      );
      if (index < 0) throw invalidPrice();
      senderUnit = fixed2(product.fixedSenderDenominations?.[index] ?? unitPrice);
    } else {
      if (
        compareDecimal(unitPrice, product.minRecipientDenomination ?? "0") < 0 ||
        compareDecimal(unitPrice, product.maxRecipientDenomination ?? unitPrice) > 0
      ) {
        throw invalidPrice();
      }
      senderUnit = multiply(unitPrice, product.fxRate ?? "1", 2);
    }
    const outcome = outcomeOf({
      product: "giftcards",
      customIdentifier,
      phone: "",
      productId: product.productId,
    });
    const fee = multiply(product.senderFee ?? "0", String(quantity), 2);
    const cost = addMoney(money(multiply(senderUnit, String(quantity), 2), currency), money(fee, currency));
    const { before, after } = debit(cost);
    const transaction = newTransaction({
      product: "giftcards",
      customIdentifier,
      status: "PROCESSING",
      mode: "order",
      cost: cost.amount,
      currency,
      productId: product.productId,
      productName: product.productName,
      brandName: product.brandName,
      countryCode: product.countryCode,
      quantity,
      unitPrice: fixed2(unitPrice),
      unitCurrency: product.recipientCurrency,
      recipientEmail: typeof body?.recipientEmail === "string" ? body.recipientEmail : undefined,
      senderName: typeof body?.senderName === "string" ? body.senderName : undefined,
      fee,
      outcome,
      balanceBefore: before,
      balanceAfter: after,
    });
    if (outcome === "pending") transaction.status = "PENDING";
    else if (outcome === "slow-success" || options.giftOrdersSettleLater) settling.schedule(transaction);
    else finalize(transaction, outcome === "failed" ? "FAILED" : "SUCCESSFUL");
    return giftJson(transaction);
  }

  function redeemCodes(transaction: TransactionState): unknown {
    if (transaction.status !== "SUCCESSFUL") {
      throw new ReloadlyRejection(400, null, "The redeem codes of this transaction are not available");
    }
    const codes = transaction.cards.map((card) => ({
      cardNumber: new RawNumber(card.cardNumber),
      pinCode: new RawNumber(card.pinCode),
    }));
    return redeemCodeShape === "object" && codes.length === 1 ? codes[0] : codes;
  }

  function findTransaction(product: Product, id: string): TransactionState {
    const transaction = /^\d+$/.test(id) ? byId.get(Number(id)) : undefined;
    if (!transaction || transaction.product !== product)
      throw new ReloadlyRejection(404, null, "Invalid transaction id");
    return transaction;
  }

  function report(product: Product, query: URLSearchParams): TransactionState[] {
    const identifier = query.get("customIdentifier") ?? undefined;
    const filterByIdentifier =
      identifier !== undefined && !(product === "giftcards" && options.giftReportsIgnoreCustomIdentifier);
    if (identifier !== undefined && byIdentifier.has(identifier) && notFoundLag.lagging(identifier))
      return [];
    const start = query.get("startDate");
    const end = query.get("endDate");
    const startMs = start ? parseDateTime(start, 0) : undefined;
    const endMs = end ? parseDateTime(end, 0) : undefined;
    if ((start && startMs === undefined) || (end && endMs === undefined)) {
      throw new ReloadlyRejection(400, null, "startDate and endDate must be yyyy-MM-dd HH:mm:ss");
    }
    return transactions.filter(
      (transaction) =>
        transaction.product === product &&
        (!filterByIdentifier || transaction.customIdentifier === identifier) &&
        (startMs === undefined || transaction.createdAt >= startMs) &&
        (endMs === undefined || transaction.createdAt <= endMs),
    );
  }

  // ---- settling and webhooks ---------------------------------------------------------------

  function isFinal(transaction: TransactionState): boolean {
    return (
      transaction.status === "SUCCESSFUL" ||
      transaction.status === "FAILED" ||
      transaction.status === "REFUNDED"
    );
  }

  function finalize(transaction: TransactionState, status: "SUCCESSFUL" | "FAILED" | "REFUNDED"): void {
    transaction.status = status;
    transaction.finishedAt = now();
    if (status === "SUCCESSFUL") {
      if (transaction.product === "giftcards") transaction.cards = makeCards(transaction);
      else if (operators.get(transaction.operatorId ?? -1)?.pin) transaction.pin = makePin(transaction);
    } else {
      // FAILED and REFUNDED give the money back (a refund after success is a reversal, F9).
      balance = addMoney(balance, money(transaction.cost, currency));
    }
    if (webhookUrl !== undefined) void dispatchWebhook(transaction, "final", { url: webhookUrl });
  }

  function digitsOf(seed: string, length: number): string {
    const hex = createHash("sha256").update(seed).digest("hex");
    let digits = "";
    for (const character of hex) {
      digits += String(Number.parseInt(character, 16) % 10);
      if (digits.length === length) break;
    }
    // No leading zero: the codes are sent as JSON numbers, as in Reloadly's examples.
    return digits.startsWith("0") ? `9${digits.slice(1)}` : digits;
  }

  function makeCards(transaction: TransactionState) {
    return Array.from({ length: transaction.quantity ?? 1 }, (_, index) => ({
      cardNumber: digitsOf(`card:${transaction.transactionId}:${index}`, 16),
      pinCode: digitsOf(`pin:${transaction.transactionId}:${index}`, 6),
    }));
  }

  function makePin(transaction: TransactionState) {
    return {
      serial: digitsOf(`serial:${transaction.transactionId}`, 6),
      code: digitsOf(`code:${transaction.transactionId}`, 15),
      info1: "DIAL *611",
      validity: "30 days",
    };
  }

  function webhookTimestamp(): string {
    return webhookStyle.timestampUnit === "milliseconds" ? String(now()) : String(Math.floor(now() / 1000));
  }

  function dispatchWebhook(
    transaction: TransactionState,
    reason: "final" | "manual",
    override: {
      url: string;
      signature?: string;
      timestamp?: string;
      transaction?: Readonly<Record<string, unknown>>;
    },
  ): Promise<ReloadlyWebhookAttempt[]> {
    const forTransaction = (kind: ReloadlyFaultKind) => (candidate: ReloadlySimulatorFault) =>
      candidate.kind === kind &&
      (candidate.customIdentifier === undefined ||
        candidate.customIdentifier === transaction.customIdentifier);
    const duplicate = faults.take(forTransaction("duplicate-webhook"));
    const outOfOrder = isFinal(transaction) ? faults.take(forTransaction("out-of-order-webhook")) : undefined;
    const fields = { ...transactionJson(transaction), ...override.transaction };
    const body = reloadlyWebhookBody(transaction.product, fields, serialize);
    const timestamp = override.timestamp ?? webhookTimestamp();
    const headers = reloadlyWebhookHeaders(webhookSecret, body, timestamp, webhookStyle);
    if (override.signature !== undefined)
      headers[RELOADLY_SIGNATURE_HEADER.toLowerCase()] = override.signature;
    const run = async () => {
      const attempts = await deliver(
        override.url,
        body,
        headers,
        timestamp,
        reason,
        transaction,
        String(fields.status),
      );
      if (duplicate)
        attempts.push(
          ...(await deliver(
            override.url,
            body,
            headers,
            timestamp,
            "duplicate",
            transaction,
            String(fields.status),
          )),
        );
      if (outOfOrder) {
        const staleBody = reloadlyWebhookBody(
          transaction.product,
          { ...fields, status: "PROCESSING" },
          serialize,
        );
        const staleStamp = webhookTimestamp();
        const staleHeaders = reloadlyWebhookHeaders(webhookSecret, staleBody, staleStamp, webhookStyle);
        attempts.push(
          ...(await deliver(
            override.url,
            staleBody,
            staleHeaders,
            staleStamp,
            "stale",
            transaction,
            "PROCESSING",
          )),
        );
      }
      return attempts;
    };
    return lifecycle.track(run());
  }

  async function deliver(
    url: string,
    body: string,
    headers: Record<string, string>,
    timestamp: string,
    reason: ReloadlyWebhookAttempt["reason"],
    transaction: TransactionState,
    transactionStatus: string,
  ): Promise<ReloadlyWebhookAttempt[]> {
    deliverySequence += 1;
    const deliveryId = deliverySequence;
    const attempts: ReloadlyWebhookAttempt[] = [];
    await deliverReloadlyWebhook(
      { url, body, headers },
      {
        attempts: webhookAttempts,
        intervalMs: webhookRetryIntervalMs,
        timeoutMs: webhookTimeoutMs,
        signal: lifecycle.signal,
        onAttempt(outcome) {
          const attempt: ReloadlyWebhookAttempt = {
            ...outcome,
            deliveryId,
            reason,
            customIdentifier: transaction.customIdentifier,
            transactionStatus,
            url,
            contentType: "application/json",
            body,
            signature: headers[RELOADLY_SIGNATURE_HEADER.toLowerCase()] ?? "",
            timestamp,
            at: now(),
          };
          webhookLog.push(attempt);
          attempts.push(attempt);
        },
      },
    );
    return attempts;
  }

  // ---- the public object -------------------------------------------------------------------

  function transactionOrThrow(customIdentifier: string): TransactionState {
    const transaction = byIdentifier.get(customIdentifier);
    if (!transaction) throw new RangeError(`Reloadly simulator: no transaction "${customIdentifier}"`);
    return transaction;
  }

  const simulator: ReloadlySimulator = {
    start: () => lifecycle.start(handle, { port: options.port }),
    close: () => lifecycle.close(),
    idle: () => lifecycle.idle(),

    get port() {
      return lifecycle.running().port;
    },
    get urls() {
      const origin = lifecycle.running().origin;
      return { auth: `${origin}/auth`, airtime: `${origin}/airtime`, giftcards: `${origin}/giftcards` };
    },
    clientId,
    clientSecret,
    webhookSecret,
    audiences: { airtime: [...audiences.airtime], giftcards: [...audiences.giftcards] },

    orders: () => transactions.map(snapshot),
    order(customIdentifier) {
      const transaction = byIdentifier.get(customIdentifier);
      return transaction ? snapshot(transaction) : undefined;
    },
    requests: (endpoint) => requestLog.select("endpoint", endpoint),
    tokenRequests: () => tokenLog.select("granted", undefined),
    webhooks: (customIdentifier) => webhookLog.select("customIdentifier", customIdentifier),
    callbacks: (customIdentifier) => webhookLog.select("customIdentifier", customIdentifier),
    balance: () => balance.amount,
    setBalance(amount) {
      balance = amountOption(amount, currency, "balance");
    },
    operators: () => [...operators.values()].map((operator) => ({ ...operator })),
    giftProducts: () => [...giftProducts.values()].map((product) => ({ ...product })),

    completeOrder(customIdentifier, status) {
      const transaction = transactionOrThrow(customIdentifier);
      const allowed =
        status === "REFUNDED"
          ? transaction.status !== "FAILED" && transaction.status !== "REFUNDED"
          : !isFinal(transaction);
      if (!allowed) {
        throw new RangeError(
          `Reloadly simulator: transaction "${customIdentifier}" is ${transaction.status}`,
        );
      }
      finalize(transaction, status);
      return snapshot(transaction);
    },

    setRawOrderState(customIdentifier, rawStatus) {
      transactionOrThrow(customIdentifier).rawStatusOverride = rawStatus;
    },

    setAutoSettle(enabled) {
      settling.set(enabled, transactions);
    },

    expireTokens,

    injectFault(fault) {
      check.faultKind(faultKinds, fault);
      check.faultTiming(fault);
      const existing =
        fault.customIdentifier === undefined ? undefined : byIdentifier.get(fault.customIdentifier);
      if (fault.kind === "not-found-until" && existing) {
        notFoundLag.start(existing.customIdentifier, fault.queries);
        return;
      }
      faults.push(fault);
    },
    pendingFaults: () => faults.pending(),
    clearFaults() {
      faults.clear();
    },

    sendWebhook(customIdentifier, sendOptions = {}) {
      const transaction = byIdentifier.get(customIdentifier);
      if (!transaction)
        return Promise.reject(new RangeError(`Reloadly simulator: no transaction "${customIdentifier}"`));
      const url = sendOptions.url ?? webhookUrl;
      if (url === undefined) {
        return Promise.reject(
          new Error("Reloadly simulator: no webhook URL (set the webhookUrl option or pass url)"),
        );
      }
      return dispatchWebhook(transaction, "manual", { ...sendOptions, url });
    },

    signWebhook(body, timestamp) {
      return reloadlyWebhookHeaders(webhookSecret, body, timestamp ?? webhookTimestamp(), webhookStyle);
    },
  };
  return simulator;
}

// ---- routing -----------------------------------------------------------------------------------

const routes: ReadonlyArray<readonly [string, RegExp, ReloadlySimulatorEndpoint, Product | "auth"]> = [
  ["POST", /^\/auth\/oauth\/token$/, "token", "auth"],
  ["GET", /^\/airtime\/accounts\/balance$/, "airtime.balance", "airtime"],
  ["GET", /^\/airtime\/operators$/, "airtime.operators", "airtime"],
  [
    "GET",
    /^\/airtime\/operators\/auto-detect\/phone\/([^/]+)\/countries\/([^/]+)$/,
    "airtime.auto-detect",
    "airtime",
  ],
  ["POST", /^\/airtime\/operators\/fx-rate$/, "airtime.fx-rate", "airtime"],
  ["GET", /^\/airtime\/operators\/([^/]+)$/, "airtime.operator", "airtime"],
  ["POST", /^\/airtime\/topups$/, "airtime.topups", "airtime"],
  ["POST", /^\/airtime\/topups-async$/, "airtime.topups-async", "airtime"],
  ["GET", /^\/airtime\/topups\/reports\/transactions$/, "airtime.reports", "airtime"],
  ["GET", /^\/airtime\/topups\/reports\/transactions\/([^/]+)$/, "airtime.report", "airtime"],
  ["GET", /^\/airtime\/topups\/([^/]+)\/status$/, "airtime.status", "airtime"],
  ["GET", /^\/giftcards\/accounts\/balance$/, "giftcards.balance", "giftcards"],
  ["GET", /^\/giftcards\/products$/, "giftcards.products", "giftcards"],
  ["GET", /^\/giftcards\/products\/([^/]+)$/, "giftcards.product", "giftcards"],
  ["POST", /^\/giftcards\/orders$/, "giftcards.orders", "giftcards"],
  ["GET", /^\/giftcards\/orders\/transactions\/([^/]+)\/cards$/, "giftcards.cards", "giftcards"],
  ["GET", /^\/giftcards\/reports\/transactions$/, "giftcards.reports", "giftcards"],
  ["GET", /^\/giftcards\/reports\/transactions\/([^/]+)$/, "giftcards.report", "giftcards"],
];

function routeOf(method: string, path: string): Route | undefined {
  for (const [routeMethod, pattern, endpoint, product] of routes) {
    if (routeMethod !== method) continue;
    const match = pattern.exec(path);
    if (match) return { endpoint, product, params: match.slice(1) };
  }
  return undefined;
}

// ---- helpers -----------------------------------------------------------------------------------

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** JSON text in which {@link RawNumber}s are bare number literals of their exact digits. */
function serialize(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) =>
    item instanceof RawNumber ? `\u0001raw-number:${item.digits}` : item,
  );
  return text.replace(/"\\u0001raw-number:(\d+)"/g, "$1");
}

function pageOf(query: URLSearchParams): { number: number; size: number } {
  const number = Number(query.get("page") ?? "1");
  const size = Number(query.get("size") ?? "200");
  if (!Number.isSafeInteger(number) || number < 1 || !Number.isSafeInteger(size) || size < 1 || size > 1000) {
    throw new ReloadlyRejection(400, null, "page must be ≥ 1 and size from 1 to 1000");
  }
  return { number, size };
}

/** A Spring Data page (pages are 1-based in the query, as Reloadly documents). */
function springPage(items: unknown[], query: URLSearchParams): Json {
  const page = pageOf(query);
  const start = (page.number - 1) * page.size;
  const content = items.slice(start, start + page.size);
  const totalPages = Math.max(1, Math.ceil(items.length / page.size));
  return {
    content,
    pageable: { pageNumber: page.number - 1, pageSize: page.size, offset: start },
    totalElements: items.length,
    totalPages,
    last: page.number >= totalPages,
    first: page.number === 1,
    size: page.size,
    number: page.number - 1,
    numberOfElements: content.length,
    empty: content.length === 0,
  };
}

function decimalField(value: unknown, name: string): string {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^\d+(\.\d+)?$/.test(text))
    throw new ReloadlyRejection(400, "INVALID_AMOUNT", `${name} must be a positive decimal`);
  return text;
}

function toUnits(text: string): { units: bigint; scale: number } {
  const [whole = "0", fraction = ""] = text.split(".");
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

function fromUnits(units: bigint, scale: number): string {
  const digits = units.toString().padStart(scale + 1, "0");
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** `numerator / denominator` rounded half up (both non-negative). */
function roundedDivision(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return (numerator % denominator) * 2n >= denominator ? quotient + 1n : quotient;
}

/** `a × b` with `digits` decimals, rounded half up; no float. */
function multiply(a: string, b: string, digits: number): string {
  const left = toUnits(a);
  const right = toUnits(b);
  const shift = left.scale + right.scale - digits;
  const product = left.units * right.units;
  const units = shift >= 0 ? roundedDivision(product, 10n ** BigInt(shift)) : product * 10n ** BigInt(-shift);
  return fromUnits(units, digits);
}

/** `a ÷ b` with `digits` decimals, rounded half up; no float. */
function divide(a: string, b: string, digits: number): string {
  const left = toUnits(a);
  const right = toUnits(b);
  const numerator = left.units * 10n ** BigInt(right.scale + digits);
  const denominator = right.units * 10n ** BigInt(left.scale);
  if (denominator === 0n) throw new RangeError("division by zero");
  return fromUnits(roundedDivision(numerator, denominator), digits);
}

function compareDecimal(a: string, b: string): number {
  const left = toUnits(a);
  const right = toUnits(b);
  const scale = Math.max(left.scale, right.scale);
  const difference =
    left.units * 10n ** BigInt(scale - left.scale) - right.units * 10n ** BigInt(scale - right.scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

function fixed2(text: string): string {
  return multiply(text, "1", 2);
}

function checkDecimal(text: string, name: string): void {
  if (!/^\d+(\.\d+)?$/.test(text))
    throw new ConfigurationError(`Reloadly simulator: ${name} "${text}" is not a decimal`);
}

function amountOption(amount: string, currency: string, name: string): Money {
  try {
    return money(amount, currency);
  } catch {
    throw new ConfigurationError(
      `Reloadly simulator: ${name} "${amount}" is not a decimal amount such as "1000.00"`,
    );
  }
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new ConfigurationError(`Reloadly simulator: ${name} must be a positive number`);
  return value;
}
