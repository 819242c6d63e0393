import { inspect } from "node:util";
import {
  type AdapterContext,
  AuthenticationError,
  type HttpRequest,
  type HttpTransport,
  IdempotencyConflictError,
  InsufficientBalanceError,
  MalformedPayloadError,
  NoAnswerError,
  NotSentError,
  type OrderRequest,
  OrderRequestSchema,
  RateLimitError,
  RequestRejectedError,
  Secret,
  UnrecognizedVendorError,
  ValidationError,
} from "kaquan";
import {
  createTangoAdapter,
  defaultTangoErrorCodes,
  TANGO_PRODUCTION_ENDPOINT,
  TANGO_SANDBOX_ENDPOINT,
  TangoReplayMismatchError,
  tangoOrderStatuses,
} from "kaquan/adapters/tango";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHttpTransport } from "../../../src/runtime/index.js";

const origin = "http://tango.test";
const base = `${origin}/raas/v2`;
const platformName = "kaquan-platform";
const platformKey = "tango-key-Sentinel-7c1e";
const basic = `Basic ${Buffer.from(`${platformName}:${platformKey}`).toString("base64")}`;
const fixedNow = Date.UTC(2024, 0, 1, 4, 0, 0);

const real = createHttpTransport({ timeoutMs: 2_000 });
let sent: HttpRequest[] = [];
const recording: HttpTransport = {
  send(request, options) {
    sent.push(request);
    return real.send(request, options);
  },
};
const logged: unknown[] = [];
const capturing = {
  debug: (object: object) => void logged.push(object),
  info: (object: object) => void logged.push(object),
  warn: (object: object) => void logged.push(object),
  error: (object: object) => void logged.push(object),
};
const context: AdapterContext = { http: recording, clock: { now: () => fixedNow }, logger: capturing };
const adapter = createTangoAdapter({
  platformName,
  platformKey,
  environment: "sandbox",
  endpoint: base,
  customerIdentifier: "cust-1",
  accountIdentifier: "acct-1",
});

/** Tango with the exact Basic header: a request without it matches nothing and fails. */
const tango = () => nock(origin, { reqheaders: { authorization: basic } });

const order = (input: Record<string, unknown> = {}): OrderRequest =>
  OrderRequestSchema.parse({
    merchantOrderId: "M-1",
    kind: "card",
    sku: "U100002",
    faceValue: { amount: "40.00", currency: "USD" },
    ...input,
  });

function tangoOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    referenceOrderID: "RA240101-1234-56",
    externalRefID: "M-1",
    customerIdentifier: "cust-1",
    accountIdentifier: "acct-1",
    amountCharged: { value: 40, currencyCode: "USD", exchangeRate: 1, fee: 0.5, total: 40.5 },
    denomination: { value: 40, currencyCode: "USD" },
    utid: "U100002",
    rewardName: "Amazon.com Gift Card",
    status: "COMPLETE",
    createdAt: "2024-01-01T04:00:00.000Z",
    reward: {
      credentials: { "Claim Code": "AMZN-CODE-SECRET-1" },
      credentialList: [
        { label: "Claim Code", value: "AMZN-CODE-SECRET-1", type: "text", credentialType: "claimCode" },
      ],
      redemptionInstructions: "<p>Redeem</p>",
    },
    ...overrides,
  };
}

function errorBody(status: number, key: string, message = "error"): Record<string, unknown> {
  return {
    timestamp: "2024-01-01T04:00:00Z",
    requestId: "req-1",
    path: "/raas/v2/orders",
    httpCode: status,
    httpPhrase: "x",
    i18nKey: key,
    message,
    errors: [{ path: "", i18nKey: key, message }],
  };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  sent = [];
  logged.length = 0;
});
afterAll(() => {
  nock.enableNetConnect();
  real.close();
});

describe("configuration", () => {
  it("requires each credential and identifier", () => {
    const good = {
      platformName,
      platformKey,
      environment: "sandbox" as const,
      customerIdentifier: "c",
      accountIdentifier: "a",
    };
    for (const key of ["platformName", "platformKey", "customerIdentifier", "accountIdentifier"]) {
      expect(() => createTangoAdapter({ ...good, [key]: "" })).toThrow(key);
    }
    expect(() => createTangoAdapter({ ...good, sendEmail: true })).toThrow("recipientEmail");
    expect(TANGO_SANDBOX_ENDPOINT).toBe("https://integration-api.tangocard.com/raas/v2");
    expect(TANGO_PRODUCTION_ENDPOINT).toBe("https://api.tangocard.com/raas/v2");
  });

  it("declares replay, no callbacks, and the published 1 request/second", () => {
    expect(adapter.capabilities).toMatchObject({
      duplicateOrderId: "replay",
      callbacks: "none",
      orderKinds: ["card"],
      publishedRateLimits: { default: { requestsPerSecond: 1, burst: 1 } },
    });
  });

  it("never prints the platform key", () => {
    const text = `${inspect(adapter, { depth: 6, showHidden: true })}${JSON.stringify(adapter)}`;
    for (const value of adapter.secretValues()) expect(text).not.toContain(value);
  });
});

describe("placeOrder", () => {
  it("POSTs /orders with the exact body, Basic auth and externalRefID", async () => {
    let body: unknown;
    tango()
      .post("/raas/v2/orders", (value) => {
        body = value;
        return true;
      })
      .reply(201, tangoOrder());
    const update = await adapter.placeOrder(order(), context);
    expect(sent[0]!.body).toBe(
      '{"accountIdentifier":"acct-1","customerIdentifier":"cust-1","utid":"U100002","amount":40.00,"sendEmail":false,"externalRefID":"M-1"}',
    );
    expect(body).toMatchObject({ amount: 40, externalRefID: "M-1" });
    expect(sent[0]!.headers).toMatchObject({ authorization: basic, "content-type": "application/json" });
    expect(update).toMatchObject({
      merchantOrderId: "M-1",
      supplierOrderId: "RA240101-1234-56",
      status: "succeeded",
      vendorStatus: "COMPLETE",
      kind: "card",
      sku: "U100002",
      cost: { amount: "40.50", currency: "USD" },
    });
    expect(Secret.isSecret(update.cards![0]!.password)).toBe(true);
    expect(update.cards![0]!.password.reveal()).toBe("AMZN-CODE-SECRET-1");
    expect(JSON.stringify(update)).not.toContain("AMZN-CODE-SECRET-1");
    expect(inspect(update, { depth: 10 })).not.toContain("AMZN-CODE-SECRET-1");
  });

  it("sends the recipient when recipientEmail is set", async () => {
    const withEmail = createTangoAdapter({
      platformName,
      platformKey,
      environment: "sandbox",
      endpoint: base,
      customerIdentifier: "cust-1",
      accountIdentifier: "acct-1",
      sendEmail: true,
      recipientEmail: "r@example.com",
    });
    tango().post("/raas/v2/orders").reply(201, tangoOrder());
    await withEmail.placeOrder(order(), context);
    expect(JSON.parse(String(sent[0]!.body))).toMatchObject({
      sendEmail: true,
      recipient: { email: "r@example.com" },
    });
  });

  it("takes a fixed-value item's amount from the catalogue", async () => {
    tango()
      .get("/raas/v2/catalogs")
      .reply(200, {
        brands: [
          {
            brandName: "Amazon",
            items: [{ utid: "U100001", currencyCode: "USD", valueType: "FIXED_VALUE", faceValue: 25 }],
          },
        ],
      });
    tango()
      .post("/raas/v2/orders")
      .reply(201, tangoOrder({ utid: "U100001", denomination: { value: 25, currencyCode: "USD" } }));
    await adapter.placeOrder(order({ sku: "U100001", faceValue: undefined }), context);
    expect(JSON.parse(String(sent[1]!.body))).toMatchObject({ utid: "U100001", amount: 25 });
  });

  it("reports a catalogue lookup with no answer as not sent", async () => {
    tango().get("/raas/v2/catalogs").reply(502, "<html>bad gateway</html>", { "content-type": "text/html" });
    await expect(adapter.placeOrder(order({ faceValue: undefined }), context)).rejects.toBeInstanceOf(
      NotSentError,
    );
  });

  it("refuses other kinds and quantities before sending", async () => {
    await expect(adapter.placeOrder(order({ kind: "direct", account: "x" }), context)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(adapter.placeOrder(order({ quantity: 2 }), context)).rejects.toBeInstanceOf(ValidationError);
    expect(sent).toHaveLength(0);
  });

  it("adopts a replay (HTTP 200) of the same reward", async () => {
    tango().post("/raas/v2/orders").reply(200, tangoOrder());
    const update = await adapter.placeOrder(order(), context);
    expect(update.status).toBe("succeeded");
  });

  it("flags a replay of another utid or amount, and keeps its codes out of the error", async () => {
    for (const other of [{ utid: "U999" }, { denomination: { value: 50, currencyCode: "USD" } }]) {
      tango().post("/raas/v2/orders").reply(200, tangoOrder(other));
      const error = await adapter.placeOrder(order(), context).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TangoReplayMismatchError);
      expect(IdempotencyConflictError.isInstance(error)).toBe(true);
      expect((error as TangoReplayMismatchError).failureClass).toBe("rejected");
      expect((error as TangoReplayMismatchError).code).toBe("idempotency_conflict");
      expect(JSON.stringify(error)).not.toContain("AMZN-CODE-SECRET-1");
      expect(inspect(error)).not.toContain("AMZN-CODE-SECRET-1");
    }
  });

  it("409.002 in process is an unknown outcome (query), not a failure", async () => {
    tango()
      .post("/raas/v2/orders")
      .reply(409, errorBody(409, "409.002", "in process"));
    const error = await adapter.placeOrder(order(), context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoAnswerError);
    expect((error as NoAnswerError).vendorCode).toBe("409.002");
  });

  it("classifies every error key of the table", async () => {
    const expected: Record<string, (error: unknown) => boolean> = {
      insufficient_balance: (error) => InsufficientBalanceError.isInstance(error),
      in_process: (error) => error instanceof NoAnswerError,
      bad_request: (error) => RequestRejectedError.isInstance(error),
      authentication: (error) => AuthenticationError.isInstance(error),
      order_not_found: (error) => UnrecognizedVendorError.isInstance(error),
      rate_limited: (error) => RateLimitError.isInstance(error),
      system_error: (error) => UnrecognizedVendorError.isInstance(error),
    };
    for (const [key, meaning] of Object.entries(defaultTangoErrorCodes)) {
      const status = Number(key.split(".")[0]);
      tango().post("/raas/v2/orders").reply(status, errorBody(status, key));
      const error = await adapter.placeOrder(order(), context).catch((caught: unknown) => caught);
      expect(expected[meaning]!(error), `${key} → ${meaning}`).toBe(true);
    }
    // An unlisted key of an unlisted status: unknown outcome, never a failure.
    tango().post("/raas/v2/orders").reply(418, errorBody(418, "418.001"));
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(UnrecognizedVendorError);
  });

  it("a gateway page or a bare 429 is no answer / throttled", async () => {
    tango().post("/raas/v2/orders").reply(502, "<html>502</html>", { "content-type": "text/html" });
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(NoAnswerError);
    tango().post("/raas/v2/orders").reply(429, "slow down", { "retry-after": "2" });
    const error = await adapter.placeOrder(order(), context).catch((caught: unknown) => caught);
    expect(RateLimitError.isInstance(error) && (error as RateLimitError).retryAfterMs).toBe(2000);
  });

  it("never logs or throws the platform key", async () => {
    tango().post("/raas/v2/orders").reply(401, errorBody(401, "401.001"));
    const error = await adapter.placeOrder(order(), context).catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    const text = `${JSON.stringify(error)}${inspect(error)}${JSON.stringify(logged)}`;
    expect(text).not.toContain(platformKey);
    expect(text).not.toContain(basic.slice(6));
  });
});

describe("reading orders", () => {
  it("maps every status of the table and keeps an unseen one unknown", async () => {
    for (const [status, state] of Object.entries(tangoOrderStatuses)) {
      tango()
        .get("/raas/v2/orders")
        .query(true)
        .reply(200, { orders: [tangoOrder({ status })] });
      const update = await adapter.queryOrder("M-1", context);
      expect(update?.status, status).toBe(state);
      expect(update?.vendorStatus).toBe(status);
    }
    tango()
      .get("/raas/v2/orders")
      .query(true)
      .reply(200, { orders: [tangoOrder({ status: "NEW-THING" })] });
    expect(await adapter.queryOrder("M-1", context)).toMatchObject({
      status: "unknown",
      vendorStatus: "NEW-THING",
    });
  });

  it("queries GET /orders?externalRefID= with the account and customer", async () => {
    tango().get("/raas/v2/orders").query(true).reply(200, { page: {}, orders: [] });
    expect(await adapter.queryOrder("M-1", context)).toBeUndefined();
    expect(sent[0]!.url).toBe(
      `${base}/orders?externalRefID=M-1&accountIdentifier=acct-1&customerIdentifier=cust-1`,
    );
    expect(sent[0]!.method).toBe("GET");
  });

  it("a COMPLETE reward without credentials stays processing", async () => {
    tango()
      .get("/raas/v2/orders")
      .query(true)
      .reply(200, { orders: [tangoOrder({ reward: null })] });
    expect((await adapter.queryOrder("M-1", context))?.status).toBe("processing");
  });

  it("reads card number + PIN, and links", async () => {
    tango()
      .get("/raas/v2/orders")
      .query(true)
      .reply(200, {
        orders: [
          tangoOrder({
            reward: {
              credentialList: [
                { label: "Card Number", value: "4111222233334444", credentialType: "cardNumber" },
                { label: "PIN", value: "1234", credentialType: "pin" },
              ],
            },
          }),
        ],
      });
    const card = (await adapter.queryOrder("M-1", context))!.cards![0]!;
    expect(card.number!.reveal()).toBe("4111222233334444");
    expect(card.password.reveal()).toBe("1234");
    tango()
      .get("/raas/v2/orders")
      .query(true)
      .reply(200, {
        orders: [tangoOrder({ reward: { credentials: { "Redemption Link": "https://r.example/x" } } })],
      });
    const link = (await adapter.queryOrder("M-1", context))!.cards![0]!;
    expect(link).toMatchObject({ format: "link" });
    expect(link.password.reveal()).toBe("https://r.example/x");
  });

  it("a queried order of another utid than the hint is not adopted", async () => {
    tango()
      .get("/raas/v2/orders")
      .query(true)
      .reply(200, { orders: [tangoOrder()] });
    await expect(adapter.queryOrder("M-1", context, { kind: "card", sku: "U5" })).rejects.toBeInstanceOf(
      TangoReplayMismatchError,
    );
  });

  it("rejects a malformed order", async () => {
    tango()
      .get("/raas/v2/orders")
      .query(true)
      .reply(200, { orders: [{ nothing: true }] });
    await expect(adapter.queryOrder("M-1", context)).rejects.toBeInstanceOf(MalformedPayloadError);
  });
});

describe("catalogue and balance", () => {
  it("lists catalogue items as card products", async () => {
    tango()
      .get("/raas/v2/catalogs")
      .reply(200, {
        catalogName: "c",
        brands: [
          {
            brandName: "Amazon",
            items: [
              {
                utid: "U1",
                rewardName: "A $25",
                currencyCode: "USD",
                status: "active",
                valueType: "FIXED_VALUE",
                faceValue: 25,
              },
              {
                utid: "U2",
                rewardName: "A",
                currencyCode: "USD",
                status: "inactive",
                valueType: "VARIABLE_VALUE",
                minValue: 1,
                maxValue: 100,
              },
            ],
          },
        ],
      });
    const products = await adapter.listProducts({}, context);
    expect(products).toEqual([
      expect.objectContaining({
        sku: "U1",
        kind: "card",
        saleStatus: "on_sale",
        faceValue: { amount: "25.00", currency: "USD" },
      }),
      expect.objectContaining({ sku: "U2", saleStatus: "off_sale" }),
    ]);
  });

  it("reads currentBalance from GET /accounts/{accountIdentifier}", async () => {
    tango().get("/raas/v2/accounts/acct-1").reply(200, {
      accountIdentifier: "acct-1",
      currencyCode: "USD",
      currentBalance: 1234.5,
      status: "ACTIVE",
    });
    expect(await adapter.getBalance!(context)).toMatchObject({
      available: { amount: "1234.50", currency: "USD" },
      enabled: true,
    });
  });
});

describe("createTangoAdapter options (regression)", () => {
  it("a non-string endpoint is a ConfigurationError naming it, not a TypeError", async () => {
    const { ConfigurationError } = await import("kaquan");
    expect(() =>
      createTangoAdapter({
        platformName: "p",
        platformKey: "k",
        environment: "sandbox",
        customerIdentifier: "c",
        accountIdentifier: "a",
        endpoint: 1 as never,
      }),
    ).toThrow(ConfigurationError);
    expect(() =>
      createTangoAdapter({
        platformName: "p",
        platformKey: "k",
        environment: "sandbox",
        customerIdentifier: "c",
        accountIdentifier: "a",
        endpoint: 1 as never,
      }),
    ).toThrow(/endpoint must be a URL string/);
  });
});
