import { createHmac } from "node:crypto";
import { inspect } from "node:util";
import {
  type AdapterContext,
  AuthenticationError,
  ConfigurationError,
  DuplicateOrderError,
  type HttpRequest,
  type HttpTransport,
  InsufficientBalanceError,
  InvalidAccountError,
  type KaquanError,
  type Logger,
  MalformedPayloadError,
  NoAnswerError,
  NotSentError,
  OutOfStockError,
  ProductUnavailableError,
  RateLimitError,
  RawBodyRequiredError,
  ReplayError,
  RequestRejectedError,
  SignatureError,
  UnrecognizedVendorError,
  UnsupportedOperationError,
  ValidationError,
} from "kaquan";
import {
  createReloadlyAdapter,
  defaultReloadlyErrorTable,
  type ReloadlyAdapterOptions,
  reloadlyTransactionStatuses,
  signReloadlyWebhook,
} from "kaquan/adapters/reloadly";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHttpTransport, silentLogger } from "../../../src/runtime/index.js";
import { TokenCache } from "../../../src/runtime/token-cache.js";

const clientId = "client-id-123";
const clientSecret = "SENTINEL-CLIENT-SECRET-value";
const authOrigin = "http://auth.reloadly.test";
const airtimeOrigin = "http://topups.reloadly.test";
const giftOrigin = "http://giftcards.reloadly.test";
const fixedNow = Date.UTC(2024, 0, 1, 12, 0, 0);
const airtimeAccept = "application/com.reloadly.topups-v1+json";
const giftAccept = "application/com.reloadly.giftcards-v1+json";

const transport = createHttpTransport({ timeoutMs: 2_000 });
/** Every request the adapter sent, exactly as built (nock hands reply functions a re-parsed body). */
const sentRequests: HttpRequest[] = [];
const recording: HttpTransport = {
  send(request, options) {
    sentRequests.push(request);
    return transport.send(request, options);
  },
};
const sentTo = (path: string) => sentRequests.filter((request) => new URL(request.url).pathname === path);
const bodiesTo = (path: string) => sentTo(path).map((request) => String(request.body));
const logged: unknown[] = [];
const capturingLogger: Logger = {
  debug: (object, message) => void logged.push(object, message),
  info: (object, message) => void logged.push(object, message),
  warn: (object, message) => void logged.push(object, message),
  error: (object, message) => void logged.push(object, message),
};
const context: AdapterContext = { http: recording, clock: { now: () => fixedNow }, logger: capturingLogger };

function airtime(options: Partial<ReloadlyAdapterOptions> = {}) {
  return createReloadlyAdapter({
    clientId,
    clientSecret,
    environment: "sandbox",
    product: "airtime",
    endpoints: { auth: authOrigin, api: airtimeOrigin },
    ...options,
  });
}

function giftcards(options: Partial<ReloadlyAdapterOptions> = {}) {
  return createReloadlyAdapter({
    clientId,
    clientSecret,
    environment: "sandbox",
    product: "giftcards",
    endpoints: { auth: authOrigin, api: giftOrigin },
    ...options,
  });
}

/** Answers token requests with tok-1, tok-2, …; records each request body. */
function tokens(times = 1, sent: Array<Record<string, unknown>> = []) {
  let issued = 0;
  nock(authOrigin)
    .post("/oauth/token")
    .times(times)
    .reply(200, (_uri, body) => {
      sent.push(body as Record<string, unknown>);
      issued += 1;
      return {
        access_token: `tok-${sent.length}`,
        scope: "developer",
        expires_in: 86400,
        token_type: "Bearer",
      };
    });
  return { sent, issued: () => issued };
}

const operator341 = {
  operatorId: 341,
  name: "MTN Nigeria",
  bundle: false,
  data: false,
  pin: false,
  supportsLocalAmounts: true,
  denominationType: "RANGE",
  senderCurrencyCode: "USD",
  destinationCurrencyCode: "NGN",
  minAmount: 0.5,
  maxAmount: 100,
  localMinAmount: 750,
  localMaxAmount: 150000,
  country: { isoName: "NG", name: "Nigeria" },
  fixedAmounts: [],
  localFixedAmounts: [],
};

function operator(id = 341, body: object = operator341) {
  nock(airtimeOrigin).get(`/operators/${id}`).reply(200, body);
}

const topupRequest = {
  merchantOrderId: "M-1",
  kind: "mobile" as const,
  sku: "341",
  account: "+2348031234567",
  faceValue: { amount: "5.00", currency: "USD" },
  quantity: 1,
};

const topupAnswer = {
  transactionId: 4602843,
  status: "SUCCESSFUL",
  operatorTransactionId: "7297929551:OrderConfirmed",
  customIdentifier: "M-1",
  recipientPhone: 2348031234567,
  recipientEmail: null,
  senderPhone: null,
  countryCode: "NG",
  operatorId: 341,
  operatorName: "MTN Nigeria",
  discount: 0.15,
  discountCurrencyCode: "USD",
  requestedAmount: 5,
  requestedAmountCurrencyCode: "USD",
  deliveredAmount: 7500,
  deliveredAmountCurrencyCode: "NGN",
  transactionDate: "2024-01-01 12:00:00",
  pinDetail: null,
  balanceInfo: {
    oldBalance: 1000,
    newBalance: 995.15,
    currencyCode: "USD",
    currencyName: "US Dollar",
    updatedAt: "2024-01-01 12:00:00",
  },
};

function rawBody(body: unknown): string {
  return typeof body === "string" ? body : JSON.stringify(body);
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  logged.length = 0;
  sentRequests.length = 0;
});
afterAll(() => {
  nock.enableNetConnect();
  transport.close();
});

describe("Reloadly auth: one token per product audience and environment", () => {
  it("asks for a client-credentials token for the airtime sandbox audience and sends it as a bearer", async () => {
    const { sent } = tokens();
    nock(airtimeOrigin)
      .get("/accounts/balance")
      .matchHeader("authorization", "Bearer tok-1")
      .matchHeader("accept", airtimeAccept)
      .reply(200, { balance: 5109.53732, currencyCode: "USD", currencyName: "US Dollar", updatedAt: "x" });
    const balance = await airtime().getBalance(context);
    expect(sent).toEqual([
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_type: "client_credentials",
        audience: "https://topups-sandbox.reloadly.com",
      },
    ]);
    expect(balance.available).toEqual({ amount: "5109.53732", currency: "USD" });
  });

  it("uses the gift-card audience and media type, per environment", async () => {
    const { sent } = tokens();
    nock(giftOrigin)
      .get("/accounts/balance")
      .matchHeader("accept", giftAccept)
      .matchHeader("authorization", "Bearer tok-1")
      .reply(200, { balance: 6000, currencyCode: "USD" });
    await giftcards({ environment: "production" }).getBalance(context);
    expect(sent[0]?.audience).toBe("https://giftcards.reloadly.com");
  });

  it("reuses the token, honours an explicit audience, and keeps products apart in a shared cache", async () => {
    const { sent } = tokens(2);
    nock(airtimeOrigin).get("/accounts/balance").times(3).reply(200, { balance: 1, currencyCode: "USD" });
    nock(giftOrigin)
      .get("/accounts/balance")
      .matchHeader("authorization", "Bearer tok-2")
      .reply(200, { balance: 1, currencyCode: "USD" });
    const shared = new TokenCache();
    const topups = airtime({ tokenCache: shared, audience: "https://topups-hs256-sandbox.reloadly.com" });
    for (let call = 0; call < 3; call++) await topups.getBalance(context);
    await giftcards({ tokenCache: shared }).getBalance(context);
    expect(sent.map((body) => body.audience)).toEqual([
      "https://topups-hs256-sandbox.reloadly.com",
      "https://giftcards-sandbox.reloadly.com",
    ]);
    expect(shared.size).toBe(2);
  });

  it("refused credentials are an AuthenticationError that names the environment, never the secret", async () => {
    nock(authOrigin).post("/oauth/token").reply(401, {
      timeStamp: "2022-01-06 10:57:50",
      message: "Access Denied",
      path: "/oauth/token",
      errorCode: "INVALID_CREDENTIALS",
      infoLink: null,
      details: [],
    });
    const error = (await airtime()
      .getBalance(context)
      .catch((caught: unknown) => caught)) as KaquanError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.vendorCode).toBe("INVALID_CREDENTIALS");
    expect(error.message).toContain("environment");
    for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: 5 })])
      expect(text).not.toContain(clientSecret);
  });

  it("an unreachable token endpoint means the order was not sent", async () => {
    nock(authOrigin)
      .post("/oauth/token")
      .reply(503, "<html>unavailable</html>", { "content-type": "text/html" });
    const error = await airtime()
      .placeOrder(topupRequest, context)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotSentError);
    expect((error as NotSentError).merchantOrderId).toBe("M-1");
  });

  it("a 401 on a read refreshes the token once and retries", async () => {
    const counter = tokens(2);
    nock(airtimeOrigin)
      .get("/accounts/balance")
      .matchHeader("authorization", "Bearer tok-1")
      .reply(401, { errorCode: "TOKEN_EXPIRED", message: "Token expired" });
    nock(airtimeOrigin)
      .get("/accounts/balance")
      .matchHeader("authorization", "Bearer tok-2")
      .reply(200, { balance: 1, currencyCode: "USD" });
    expect((await airtime().getBalance(context)).available.amount).toBe("1.00");
    expect(counter.issued()).toBe(2);
  });

  it("a second 401 after the refresh is an AuthenticationError hinting at environment and audience", async () => {
    const counter = tokens(3);
    nock(airtimeOrigin).get("/accounts/balance").times(2).reply(401, {
      errorCode: "INVALID_TOKEN",
      message: "Full authentication is required to access this resource",
    });
    const error = (await airtime()
      .getBalance(context)
      .catch((caught: unknown) => caught)) as KaquanError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/environment.*audience/);
    expect(counter.issued()).toBe(2);
  });

  it("a 401 TOKEN_EXPIRED on a top-up proves nothing was processed: refreshed and sent once more", async () => {
    tokens(2);
    operator();
    const posts: string[] = [];
    nock(airtimeOrigin)
      .post("/topups")
      .matchHeader("authorization", "Bearer tok-1")
      .reply(401, (_uri, body) => {
        posts.push(rawBody(body));
        return { errorCode: "TOKEN_EXPIRED", message: "Token expired", path: "/topups" };
      });
    nock(airtimeOrigin)
      .post("/topups")
      .matchHeader("authorization", "Bearer tok-2")
      .reply(200, (_uri, body) => {
        posts.push(rawBody(body));
        return topupAnswer;
      });
    const update = await airtime().placeOrder(topupRequest, context);
    expect(update.status).toBe("succeeded");
    expect(posts).toHaveLength(2);
    const [first, second] = sentTo("/topups");
    expect(first?.body).toBe(second?.body);
    expect(first?.headers?.authorization).toBe("Bearer tok-1");
    expect(second?.headers?.authorization).toBe("Bearer tok-2");
  });

  it("a 401 on a top-up that is not the auth filter's refusal is an unknown outcome, never re-sent", async () => {
    const counter = tokens(2);
    operator();
    nock(airtimeOrigin).post("/topups").reply(401, "<html>401</html>", { "content-type": "text/html" });
    await expect(airtime().placeOrder(topupRequest, context)).rejects.toBeInstanceOf(NoAnswerError);
    expect(counter.issued()).toBe(1);
  });
});

describe("Reloadly airtime requests", () => {
  it("sends the exact top-up body: operator, exact decimal amount, sender currency, customIdentifier", async () => {
    tokens();
    operator();
    const sent: string[] = [];
    nock(airtimeOrigin)
      .post("/topups")
      .matchHeader("content-type", "application/json")
      .reply(200, (_uri, body) => {
        sent.push(rawBody(body));
        return topupAnswer;
      });
    const update = await airtime().placeOrder(topupRequest, context);
    expect(sent).toHaveLength(1);
    const [request] = sentTo("/topups");
    expect(request?.headers).toMatchObject({
      authorization: "Bearer tok-1",
      accept: airtimeAccept,
      "content-type": "application/json",
    });
    expect(bodiesTo("/topups")[0]).toBe(
      '{"operatorId":341,"amount":5.00,"useLocalAmount":false,"customIdentifier":"M-1","recipientPhone":{"countryCode":"NG","number":"+2348031234567"}}',
    );
    expect(update).toMatchObject({
      merchantOrderId: "M-1",
      supplier: "reloadly-airtime",
      status: "succeeded",
      vendorStatus: "SUCCESSFUL",
      supplierOrderId: "4602843",
      kind: "mobile",
      sku: "341",
      account: "2348031234567",
      cost: { amount: "4.85", currency: "USD" },
      createdAt: "2024-01-01T12:00:00.000Z",
    });
  });

  it("a local-currency faceValue sends useLocalAmount; a third currency is refused before sending", async () => {
    tokens(2);
    operator();
    const sent: string[] = [];
    nock(airtimeOrigin)
      .post("/topups")
      .reply(200, (_uri, body) => {
        sent.push(rawBody(body));
        return topupAnswer;
      });
    const adapter = airtime({ senderPhone: { countryCode: "US", number: "+12025550100" } });
    await adapter.placeOrder({ ...topupRequest, faceValue: { amount: "7500", currency: "NGN" } }, context);
    expect(JSON.parse(sent[0]!)).toMatchObject({
      amount: 7500,
      useLocalAmount: true,
      senderPhone: { countryCode: "US", number: "+12025550100" },
    });
    operator();
    await expect(
      adapter.placeOrder({ ...topupRequest, faceValue: { amount: "5", currency: "EUR" } }, context),
    ).rejects.toBeInstanceOf(ValidationError);
    operator();
    await expect(
      airtime({ useLocalAmount: false }).placeOrder(
        { ...topupRequest, faceValue: { amount: "7500", currency: "NGN" } },
        context,
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(sent).toHaveLength(1);
  });

  it("auto-detects the operator when there is no sku; without a country nothing is sent", async () => {
    tokens();
    nock(airtimeOrigin)
      .get("/operators/auto-detect/phone/08031234567/countries/NG")
      .query({ suggestedAmountsMap: "false", suggestedAmounts: "false" })
      .reply(200, operator341);
    nock(airtimeOrigin).post("/topups").reply(200, topupAnswer);
    const adapter = airtime();
    const { sku: _sku, ...withoutSku } = topupRequest;
    await adapter.placeOrder(
      { ...withoutSku, account: "08031234567", accountFields: { region: "NG" } },
      context,
    );
    await expect(adapter.placeOrder({ ...withoutSku }, context)).rejects.toBeInstanceOf(ValidationError);
    const summary = await (async () => {
      nock(airtimeOrigin)
        .get("/operators/auto-detect/phone/08031234567/countries/NG")
        .query(true)
        .reply(200, operator341);
      return adapter.autoDetectOperator("08031234567", "NG", context);
    })();
    expect(summary).toMatchObject({
      operatorId: "341",
      senderCurrency: "USD",
      localCurrency: "NGN",
      supportsLocalAmounts: true,
      minAmount: { amount: "0.50", currency: "USD" },
      localMaxAmount: { amount: "150000.00", currency: "NGN" },
    });
  });

  it("a failed operator lookup means the top-up was not sent", async () => {
    tokens(2);
    nock(airtimeOrigin).get("/operators/341").reply(502, "<html>502</html>", { "content-type": "text/html" });
    await expect(airtime().placeOrder(topupRequest, context)).rejects.toBeInstanceOf(NotSentError);
    nock(airtimeOrigin).get("/operators/341").reply(404, { message: "Operator not found", errorCode: null });
    await expect(airtime().placeOrder(topupRequest, context)).rejects.toBeInstanceOf(ProductUnavailableError);
  });

  it("an async top-up answers processing with Reloadly's transaction id", async () => {
    tokens();
    operator();
    nock(airtimeOrigin).post("/topups-async").reply(200, { transactionId: 4602844 });
    const update = await airtime({ topupMode: "async" }).placeOrder(topupRequest, context);
    expect(update).toMatchObject({
      status: "processing",
      supplierOrderId: "4602844",
      merchantOrderId: "M-1",
    });
  });

  it("FX rate, status by id, operators and catalogue", async () => {
    tokens();
    const adapter = airtime();
    let fxBody = "";
    nock(airtimeOrigin)
      .post("/operators/fx-rate")
      .reply(200, (_uri, body) => {
        fxBody = rawBody(body);
        return { id: 341, name: "MTN Nigeria", fxRate: 7500.0, currencyCode: "NGN" };
      });
    expect(await adapter.getFxRate("341", { amount: "5.00", currency: "USD" }, context)).toEqual({
      operatorId: "341",
      amount: { amount: "5.00", currency: "USD" },
      fxRate: "7500",
      currencyCode: "NGN",
    });
    expect(fxBody).not.toBe("");
    expect(bodiesTo("/operators/fx-rate")[0]).toBe('{"operatorId":341,"amount":5.00}');
    nock(airtimeOrigin)
      .get("/topups/4602843/status")
      .reply(200, {
        code: null,
        message: null,
        status: "SUCCESSFUL",
        transaction: { ...topupAnswer, status: undefined },
      });
    expect((await adapter.getTopupStatus("4602843", context)).status).toBe("succeeded");
    nock(airtimeOrigin)
      .get("/operators")
      .query(true)
      .reply(200, {
        content: [operator341, { ...operator341, operatorId: 535, name: "EE PIN England" }],
        last: true,
      });
    const products = await adapter.listProducts({ name: "mtn" }, context);
    expect(products).toEqual([
      {
        sku: "341",
        name: "MTN Nigeria",
        kind: "mobile",
        saleStatus: "on_sale",
        details: "RANGE 0.50–100.00 USD; local 750.00–150000.00 NGN; country NG",
      },
    ]);
    nock(airtimeOrigin).get("/operators/999").reply(404, { message: "Operator not found" });
    expect(await adapter.getProduct("999", context)).toBeUndefined();
    expect(await adapter.listProducts({ kind: "card" }, context)).toEqual([]);
  });

  it("looks an order up by customIdentifier in the reports, and asks the status endpoint while processing", async () => {
    tokens();
    const adapter = airtime();
    nock(airtimeOrigin)
      .get("/topups/reports/transactions")
      .query({ customIdentifier: "M-1", page: "1", size: "50" })
      .reply(200, {
        content: [{ ...topupAnswer, status: "PROCESSING", balanceInfo: null }],
        totalPages: 1,
        last: true,
      });
    nock(airtimeOrigin).get("/topups/4602843/status").reply(200, topupAnswer);
    const update = await adapter.queryOrder("M-1", context);
    expect(update).toMatchObject({
      status: "succeeded",
      source: "query",
      cost: { amount: "4.85", currency: "USD" },
    });
    nock(airtimeOrigin)
      .get("/topups/reports/transactions")
      .query(true)
      .reply(200, { content: [{ ...topupAnswer, customIdentifier: "OTHER" }], last: true });
    expect(await adapter.queryOrder("M-1", context)).toBeUndefined();
    nock(airtimeOrigin)
      .get("/topups/reports/transactions")
      .query(true)
      .reply(200, { content: [], last: true });
    expect(await adapter.queryOrder("M-1", context)).toBeUndefined();
  });

  it("pinDetail is returned as Secret cards, long numeric codes kept exactly", async () => {
    tokens();
    operator();
    const body = JSON.stringify({
      ...topupAnswer,
      pinDetail: { serial: 558111, info1: "DIAL *611", validity: "30 days" },
    }).replace('"serial":558111', '"serial":558111,"code":77370973309766212345');
    nock(airtimeOrigin).post("/topups").reply(200, body, { "content-type": "application/json" });
    const update = await airtime().placeOrder(topupRequest, context);
    expect(update.cards?.[0]?.password.reveal()).toBe("77370973309766212345");
    expect(update.cards?.[0]?.number?.reveal()).toBe("558111");
    expect(update.cards?.[0]?.expiresAt).toBe("30 days");
    expect(JSON.stringify(update)).not.toContain("77370973309766212345");
    expect(inspect(update, { depth: 8 })).not.toContain("77370973309766212345");
  });
});

describe("Reloadly error table: every code maps to its typed error", () => {
  const classes: Record<string, new (...args: never[]) => Error> = {
    insufficient_balance: InsufficientBalanceError,
    out_of_stock: OutOfStockError,
    invalid_account: InvalidAccountError,
    product_unavailable: ProductUnavailableError,
    authentication: AuthenticationError,
    bad_request: RequestRejectedError,
    duplicate_order: DuplicateOrderError,
    rate_limited: RateLimitError,
    system_error: UnrecognizedVendorError,
  };
  const adapter = airtime();
  for (const [code, meaning] of Object.entries(defaultReloadlyErrorTable.codes)) {
    it(`${code} → ${classes[meaning]?.name}`, async () => {
      tokens();
      operator();
      nock(airtimeOrigin)
        .post("/topups")
        .reply(400, {
          timeStamp: "2024-01-01 12:00:00",
          message: `vendor says ${code}`,
          path: "/topups",
          errorCode: code,
        });
      const error = (await adapter
        .placeOrder(topupRequest, context)
        .catch((caught: unknown) => caught)) as KaquanError;
      expect(error).toBeInstanceOf(classes[meaning]!);
      expect(error.vendorCode).toBe(code);
      expect(error.merchantOrderId).toBe("M-1");
      expect(error.httpStatus).toBe(400);
    });
  }

  it("CUSTOM_IDENTIFIER_ALREADY_USED means look it up: a duplicate, never a failure", async () => {
    tokens();
    operator();
    nock(airtimeOrigin)
      .post("/topups")
      .reply(400, { errorCode: "CUSTOM_IDENTIFIER_ALREADY_USED", message: "used" });
    const error = (await airtime()
      .placeOrder(topupRequest, context)
      .catch((caught: unknown) => caught)) as KaquanError;
    expect(error.failureClass).toBe("duplicate");
    expect(error.retry).toBe("after-resolve");
  });

  it("PHONE_RECENTLY_RECHARGED asks to wait two minutes", async () => {
    tokens();
    operator();
    nock(airtimeOrigin)
      .post("/topups")
      .reply(400, { errorCode: "PHONE_RECENTLY_RECHARGED", message: "recently" });
    const error = (await airtime()
      .placeOrder(topupRequest, context)
      .catch((caught: unknown) => caught)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterMs).toBe(120_000);
  });

  it("no code: message patterns; unknown codes and gateway answers are unknown outcomes; 429 is throttled", async () => {
    tokens();
    const adapter = airtime({
      errorCodes: { OPERATOR_HICCUP: "system_error", INVALID_AMOUNT: "bad_request" },
    });
    const cases: Array<[number, unknown, Record<string, string>, new (...args: never[]) => Error]> = [
      [400, { errorCode: null, message: "Insufficient balance on account" }, {}, InsufficientBalanceError],
      [400, { errorCode: "SOMETHING_NEW", message: "?" }, {}, UnrecognizedVendorError],
      [400, { errorCode: "OPERATOR_HICCUP", message: "?" }, {}, UnrecognizedVendorError],
      [400, { errorCode: "INVALID_AMOUNT", message: "?" }, {}, RequestRejectedError],
      [500, { message: "Could not retrieve/update resources at the moment" }, {}, NoAnswerError],
      [502, "<html><body>502 Bad Gateway</body></html>", { "content-type": "text/html" }, NoAnswerError],
      [
        429,
        { errorCode: "RATE_LIMIT_REACHED", message: "slow down" },
        { "retry-after": "2" },
        RateLimitError,
      ],
    ];
    for (const [status, body, headers, type] of cases) {
      operator();
      nock(airtimeOrigin)
        .post("/topups")
        .reply(status, body as object, headers);
      const error = await adapter.placeOrder(topupRequest, context).catch((caught: unknown) => caught);
      expect(error, `${status} ${JSON.stringify(body)}`).toBeInstanceOf(type);
    }
    operator();
    nock(airtimeOrigin).post("/topups").reply(429, "", { "retry-after": "2" });
    const throttled = (await adapter
      .placeOrder(topupRequest, context)
      .catch((caught: unknown) => caught)) as RateLimitError;
    expect(throttled.retryAfterMs).toBe(2000);
    operator();
    nock(airtimeOrigin).post("/topups").reply(200, '{"transactionId":46028');
    await expect(adapter.placeOrder(topupRequest, context)).rejects.toBeInstanceOf(NoAnswerError);
  });
});

describe("Reloadly status table", () => {
  const adapter = airtime();
  const row = (status: string) => ({ ...topupAnswer, status });
  for (const [vendorStatus, expected] of Object.entries(reloadlyTransactionStatuses)) {
    it(`${vendorStatus} → ${expected}`, async () => {
      tokens();
      nock(airtimeOrigin)
        .get("/topups/reports/transactions")
        .query(true)
        .reply(200, { content: [row(vendorStatus)] });
      // Non-final rows are confirmed by the status endpoint.
      nock(airtimeOrigin).get("/topups/4602843/status").reply(200, row(vendorStatus));
      const update = await adapter.queryOrder("M-1", context);
      expect(update?.status).toBe(expected);
      expect(update?.vendorStatus).toBe(vendorStatus);
      if (expected === "failed") expect(update?.failure?.vendorCode).toBe("FAILED");
    });
  }

  it("an unseen status is unknown, with the raw value kept; the flat status shape parses too", async () => {
    tokens();
    nock(airtimeOrigin)
      .get("/topups/reports/transactions")
      .query(true)
      .reply(200, [row("ON_HOLD")]);
    nock(airtimeOrigin).get("/topups/4602843/status").reply(200, row("ON_HOLD"));
    const update = await adapter.queryOrder("M-1", context);
    expect(update).toMatchObject({ status: "unknown", vendorStatus: "ON_HOLD" });
    expect(update?.unknownReason).toContain("ON_HOLD");
  });
});

describe("Reloadly gift cards", () => {
  const product120 = {
    productId: 120,
    productName: "Amazon US",
    denominationType: "FIXED",
    recipientCurrencyCode: "USD",
    senderCurrencyCode: "USD",
    senderFee: 0.5,
    fixedRecipientDenominations: [25.0],
    fixedSenderDenominations: [25.0],
    fixedRecipientToSenderDenominationsMap: { "25.0": 25.0 },
    brand: { brandId: 1200, brandName: "Amazon" },
    country: { isoName: "US", name: "United States" },
  };
  const product121 = {
    ...product120,
    productId: 121,
    productName: "Steam",
    fixedRecipientDenominations: [20, 50, 100],
    fixedSenderDenominations: [20, 50, 100],
    fixedRecipientToSenderDenominationsMap: { "20.0": 20, "50.0": 50, "100.0": 100 },
  };
  const order = {
    transactionId: 1,
    amount: 25.5,
    discount: 0,
    currencyCode: "USD",
    fee: 0.5,
    smsFee: 0,
    customIdentifier: "G-1",
    status: "SUCCESSFUL",
    product: {
      productId: 120,
      productName: "Amazon US",
      countryCode: "US",
      quantity: 1,
      unitPrice: 25,
      totalPrice: 25,
      currencyCode: "USD",
    },
    transactionCreatedTime: "2024-01-01 12:00:00",
  };
  const cardRequest = { merchantOrderId: "G-1", kind: "card" as const, sku: "120", quantity: 1 };

  it("orders with the product's only denomination, the gift-card audience, and returns codes as Secrets", async () => {
    const { sent: tokenBodies } = tokens();
    nock(giftOrigin).get("/products/120").matchHeader("accept", giftAccept).reply(200, product120);
    let body = "";
    nock(giftOrigin)
      .post("/orders")
      .reply(200, (_uri, request) => {
        body = rawBody(request);
        return order;
      });
    nock(giftOrigin)
      .get("/orders/transactions/1/cards")
      .reply(200, '[{"cardNumber":6120200345149064123,"pinCode":5821}]', {
        "content-type": "application/json",
      });
    const update = await giftcards().placeOrder(cardRequest, context);
    expect(tokenBodies[0]?.audience).toBe("https://giftcards-sandbox.reloadly.com");
    expect(body).not.toBe("");
    expect(bodiesTo("/orders")[0]).toBe(
      '{"productId":120,"quantity":1,"unitPrice":25.00,"customIdentifier":"G-1","senderName":"kaquan","countryCode":"US"}',
    );
    expect(update).toMatchObject({
      status: "succeeded",
      kind: "card",
      sku: "120",
      quantity: 1,
      supplierOrderId: "1",
      cost: { amount: "25.50", currency: "USD" },
    });
    expect(update.cards?.[0]?.number?.reveal()).toBe("6120200345149064123");
    expect(update.cards?.[0]?.password.reveal()).toBe("5821");
    expect(JSON.stringify(update)).not.toContain("6120200345149064123");
  });

  it("needs faceValue for a product with several denominations and checks it before sending", async () => {
    tokens();
    const adapter = giftcards();
    for (const faceValue of [
      undefined,
      { amount: "30.00", currency: "USD" },
      { amount: "50.00", currency: "EUR" },
    ]) {
      nock(giftOrigin).get("/products/121").reply(200, product121);
      await expect(
        adapter.placeOrder({ ...cardRequest, sku: "121", ...(faceValue ? { faceValue } : {}) }, context),
      ).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(
      adapter.placeOrder({ ...cardRequest, account: "not-an-email" }, context),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("a success whose codes cannot be fetched yet stays processing (F24); one code object parses", async () => {
    tokens();
    const adapter = giftcards();
    nock(giftOrigin).get("/products/120").reply(200, product120);
    nock(giftOrigin).post("/orders").reply(200, order);
    nock(giftOrigin).get("/orders/transactions/1/cards").reply(500, "oops");
    expect((await adapter.placeOrder(cardRequest, context)).status).toBe("processing");
    nock(giftOrigin)
      .get("/reports/transactions")
      .query(true)
      .reply(200, [{ ...order, customIdentifier: "X" }, order]);
    nock(giftOrigin).get("/orders/transactions/1/cards").reply(200, { cardNumber: "ABC-DEF", pinCode: null });
    const update = await adapter.queryOrder("G-1", context);
    expect(update?.status).toBe("succeeded");
    expect(update?.cards?.[0]?.password.reveal()).toBe("ABC-DEF");
  });

  it("looks orders up in the transactions report with customIdentifier and a date window", async () => {
    tokens();
    nock(giftOrigin)
      .get("/reports/transactions")
      .query({
        customIdentifier: "G-1",
        startDate: "2023-10-03 12:00:00",
        endDate: "2024-01-02 12:00:00",
        page: "1",
        size: "100",
      })
      .reply(200, []);
    expect(await giftcards().queryOrder("G-1", context)).toBeUndefined();
  });

  it("lists products with denominations; the airtime-only reads are refused", async () => {
    tokens();
    const adapter = giftcards();
    nock(giftOrigin)
      .get("/products")
      .query(true)
      .reply(200, { content: [product120, product121], totalPages: 1 });
    const products = await adapter.listProducts({}, context);
    expect(products[0]).toEqual({
      sku: "120",
      name: "Amazon US",
      kind: "card",
      saleStatus: "on_sale",
      faceValue: { amount: "25.00", currency: "USD" },
      price: { amount: "25.50", currency: "USD" },
      details: "FIXED 25.00 USD; country US; brand Amazon",
    });
    expect(products[1]?.faceValue).toBeUndefined();
    await expect(adapter.getFxRate("1", { amount: "1", currency: "USD" }, context)).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
    await expect(airtime().getRedeemCodes("1", context)).rejects.toBeInstanceOf(UnsupportedOperationError);
  });
});

describe("Reloadly webhooks: HMAC-SHA256 over the raw body and the timestamp", () => {
  const secretOld = "whsec-old-0123456789";
  const secretNew = "whsec-new-9876543210";
  const nowSeconds = String(Math.floor(fixedNow / 1000));
  const body = JSON.stringify({
    id: "evt-1",
    type: "airtime_transaction.status",
    data: { transaction: { ...topupAnswer, pinDetail: { code: "SHOULD-NOT-LEAK", serial: "1" } } },
  });
  /** Signed here with node:crypto, independently of the adapter's signer. */
  const sign = (secret: string, text: string, encoding: "hex" | "base64" = "hex") =>
    createHmac("sha256", secret).update(text).digest(encoding);
  const headers = (signature: string, timestamp = nowSeconds) => ({
    "X-Reloadly-Signature": signature,
    "X-Reloadly-Request-Timestamp": timestamp,
  });
  const adapter = airtime({ webhookSecrets: [secretOld, secretNew] });

  it("verifies a genuine webhook with either active secret (rotation) and reads its transaction", async () => {
    for (const secret of [secretOld, secretNew]) {
      const verified = await adapter.verifyCallback(
        { body: Buffer.from(body), headers: headers(sign(secret, `${body}:${nowSeconds}`)) },
        context,
      );
      expect(verified.update).toMatchObject({
        merchantOrderId: "M-1",
        status: "succeeded",
        source: "callback",
        supplierOrderId: "4602843",
      });
      expect(verified.update.cards).toBeUndefined();
      expect(verified.sentAtMs).toBe(Number(nowSeconds) * 1000);
    }
    expect(signReloadlyWebhook(body, nowSeconds, secretNew)).toBe(sign(secretNew, `${body}:${nowSeconds}`));
  });

  it("refuses forged, tampered, unsigned and retired-secret webhooks with SignatureError", async () => {
    const genuine = sign(secretNew, `${body}:${nowSeconds}`);
    const refusals = [
      { body, headers: headers(sign("whsec-retired", `${body}:${nowSeconds}`)) },
      { body: body.replace("M-1", "M-2"), headers: headers(genuine) },
      { body, headers: headers("0".repeat(64)) },
      { body, headers: headers("not hex at all") },
      { body, headers: { "X-Reloadly-Request-Timestamp": nowSeconds } },
      { body, headers: { "X-Reloadly-Signature": genuine } },
      { body, headers: headers(genuine, String(Number(nowSeconds) + 1)) },
    ];
    for (const callback of refusals) {
      await expect(adapter.verifyCallback(callback, context)).rejects.toBeInstanceOf(SignatureError);
    }
    await expect(
      airtime().verifyCallback({ body, headers: headers(genuine) }, context),
    ).rejects.toBeInstanceOf(SignatureError);
  });

  it("refuses a stale or far-future webhook with ReplayError; millisecond timestamps are read", async () => {
    const stale = String(Number(nowSeconds) - 301);
    await expect(
      adapter.verifyCallback({ body, headers: headers(sign(secretNew, `${body}:${stale}`), stale) }, context),
    ).rejects.toBeInstanceOf(ReplayError);
    const future = String(Number(nowSeconds) + 301);
    await expect(
      adapter.verifyCallback(
        { body, headers: headers(sign(secretNew, `${body}:${future}`), future) },
        context,
      ),
    ).rejects.toBeInstanceOf(ReplayError);
    const millis = String(fixedNow - 1_000);
    const verified = await adapter.verifyCallback(
      { body, headers: headers(sign(secretNew, `${body}:${millis}`), millis) },
      context,
    );
    expect(verified.sentAtMs).toBe(fixedNow - 1_000);
  });

  it("the separator, order, encoding and headers are options", async () => {
    const custom = airtime({
      webhookSecrets: [secretNew],
      webhookSignature: {
        header: "X-Signature",
        timestampHeader: "X-Timestamp",
        separator: ".",
        inputFormat: "timestamp-body",
        encoding: "hex-or-base64",
      },
    });
    const input = `${nowSeconds}.${body}`;
    for (const signature of [sign(secretNew, input), sign(secretNew, input, "base64")]) {
      const verified = await custom.verifyCallback(
        { body, headers: { "x-signature": signature, "x-timestamp": nowSeconds } },
        context,
      );
      expect(verified.update.merchantOrderId).toBe("M-1");
    }
    const bodyOnly = airtime({
      webhookSecrets: [secretNew],
      webhookSignature: { inputFormat: "body", toleranceSeconds: 0 },
    });
    await expect(
      bodyOnly.verifyCallback(
        { body, headers: { "x-reloadly-signature": `sha256=${sign(secretNew, body)}` } },
        context,
      ),
    ).resolves.toBeDefined();
    expect(() => airtime({ webhookSignature: { inputFormat: "nope" as "body" } })).toThrow(
      ConfigurationError,
    );
  });

  it("needs the raw body, the right product's event and a customIdentifier", async () => {
    await expect(
      adapter.verifyCallback({ body: JSON.parse(body) as never, headers: headers("x") }, context),
    ).rejects.toBeInstanceOf(RawBodyRequiredError);
    const gift = body.replace("airtime_transaction.status", "giftcard_transaction.status");
    await expect(
      adapter.verifyCallback(
        { body: gift, headers: headers(sign(secretNew, `${gift}:${nowSeconds}`)) },
        context,
      ),
    ).rejects.toBeInstanceOf(MalformedPayloadError);
    const anonymous = JSON.stringify({
      type: "airtime_transaction.status",
      data: { transaction: { transactionId: 1, status: "SUCCESSFUL" } },
    });
    await expect(
      adapter.verifyCallback(
        { body: anonymous, headers: headers(sign(secretNew, `${anonymous}:${nowSeconds}`)) },
        context,
      ),
    ).rejects.toBeInstanceOf(MalformedPayloadError);
    const flat = JSON.stringify({
      type: "airtime_transaction.status",
      data: { transactionId: 9, status: "FAILED", customIdentifier: "M-9" },
    });
    const verified = await adapter.verifyCallback(
      { body: flat, headers: headers(sign(secretNew, `${flat}:${nowSeconds}`)) },
      context,
    );
    expect(verified.update).toMatchObject({ merchantOrderId: "M-9", status: "failed" });
    expect(adapter.callbackAck(true)).toEqual({
      status: 200,
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: "OK",
    });
    expect(adapter.callbackAck(false).status).toBe(500);
  });
});

describe("Reloadly secrets: never in errors, logs or printed adapters", () => {
  it("neither the client secret, the webhook secrets nor a token appear anywhere", async () => {
    const token = "SENTINEL-ACCESS-TOKEN-abcdef";
    nock(authOrigin)
      .post("/oauth/token")
      .times(2)
      .reply(200, { access_token: token, expires_in: 60, token_type: "Bearer" });
    nock(airtimeOrigin)
      .get("/accounts/balance")
      .times(2)
      .reply(401, { errorCode: "TOKEN_EXPIRED", message: "expired" });
    const adapter = airtime({ webhookSecrets: ["SENTINEL-WEBHOOK-SECRET"] });
    const error = await adapter.getBalance(context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    const texts = [
      JSON.stringify(error),
      inspect(error, { depth: 10, showHidden: true }),
      String(error),
      JSON.stringify(logged),
      inspect(logged, { depth: 10 }),
      inspect(adapter, { depth: 10, showHidden: true }),
      JSON.stringify(adapter),
    ];
    for (const text of texts) {
      expect(text).not.toContain(clientSecret);
      expect(text).not.toContain("SENTINEL-WEBHOOK-SECRET");
      expect(text).not.toContain(token);
    }
    expect(adapter.secretValues()).toEqual(
      expect.arrayContaining([clientSecret, clientId, "SENTINEL-WEBHOOK-SECRET"]),
    );
    expect(logged.length).toBeGreaterThan(0);
  });

  it("refuses a bad configuration at construction", () => {
    const base = { clientId, clientSecret, environment: "sandbox" as const, product: "airtime" as const };
    for (const options of [
      { ...base, clientId: "" },
      { ...base, clientSecret: "" },
      { ...base, environment: "live" as "sandbox" },
      { ...base, product: "utilities" as "airtime" },
      { ...base, endpoints: { api: "not a url" } },
      { ...base, webhookSecrets: [""] },
      { ...base, rateLimits: { nope: { acquire: async () => {} } } as never },
      { ...base, defaultCountryCode: "Nigeria" },
      { ...base, useLocalAmount: "sometimes" as "auto" },
    ]) {
      expect(() => createReloadlyAdapter(options)).toThrow(ConfigurationError);
    }
  });

  it("per-endpoint rate limits are taken before each request", async () => {
    tokens();
    const taken: string[] = [];
    const limiter = (name: string) => ({
      async acquire() {
        taken.push(name);
      },
    });
    nock(airtimeOrigin).get("/accounts/balance").reply(200, { balance: 1, currencyCode: "USD" });
    await airtime({
      rateLimits: { token: limiter("token"), balance: limiter("balance"), topup: limiter("topup") },
    }).getBalance({ ...context, logger: silentLogger });
    expect(taken).toEqual(["token", "balance"]);
  });
});
