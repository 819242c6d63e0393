import { inspect } from "node:util";
import {
  type AdapterContext,
  AuthenticationError,
  type HttpRequest,
  type HttpTransport,
  InsufficientBalanceError,
  MalformedPayloadError,
  NoAnswerError,
  type OrderRequest,
  OrderRequestSchema,
  ProductUnavailableError,
  RateLimitError,
  RequestRejectedError,
  Secret,
  UnrecognizedVendorError,
  ValidationError,
} from "kaquan";
import {
  bitrefillInvoiceStatuses,
  bitrefillOrderStatuses,
  bitrefillOutcome,
  bitrefillPublishedRateLimits,
  createBitrefillAdapter,
  defaultBitrefillErrorTable,
} from "kaquan/adapters/bitrefill";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHttpTransport } from "../../../src/runtime/index.js";

const origin = "http://bitrefill.test";
const base = `${origin}/v2`;
const apiKey = "br-personal-Sentinel-7c1d";
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
const adapter = createBitrefillAdapter({ auth: { bearer: apiKey }, endpoint: base });
/** Bitrefill with the exact Bearer header: a request without it matches nothing and fails. */
const api = () => nock(origin, { reqheaders: { authorization: `Bearer ${apiKey}` } });

const order = (input: Record<string, unknown> = {}): OrderRequest =>
  OrderRequestSchema.parse({
    merchantOrderId: "M-1",
    kind: "card",
    sku: "test-gift-card-code<&>10",
    ...input,
  });

function invoice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "inv_1",
    status: "complete",
    created_time: "2024-01-01T04:00:00.000Z",
    payment_method: "balance",
    payment: { method: "balance", currency: "USD", price: 10, status: "paid" },
    reference: "M-1",
    orders: [{ id: "ord_1", status: "delivered", product: { id: "test-gift-card-code", value: "10" } }],
    ...overrides,
  };
}
const envelope = (data: unknown) => ({ meta: { _endpoint: "/x" }, data });

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

describe("bitrefill adapter: configuration", () => {
  it("requires credentials and declares its capabilities", () => {
    expect(() => createBitrefillAdapter({ auth: { bearer: "" } })).toThrow(/auth is required/);
    expect(adapter.capabilities).toMatchObject({
      duplicateOrderId: "none",
      callbacks: "refetch",
      cardDelivery: true,
      publishedRateLimits: bitrefillPublishedRateLimits,
    });
    expect(bitrefillPublishedRateLimits.getProduct).toEqual({ requestsPerSecond: 0.1, burst: 60 });
    expect(bitrefillPublishedRateLimits.placeOrder).toEqual({ requestsPerSecond: 0.1, burst: 60 });
    expect(bitrefillPublishedRateLimits.listProducts).toEqual({ requestsPerSecond: 1, burst: 60 });
  });

  it("uses Basic auth for business credentials and never prints a secret", async () => {
    const business = createBitrefillAdapter({
      auth: { id: "biz", secret: "biz-secret-Sentinel" },
      endpoint: base,
    });
    const basic = `Basic ${Buffer.from("biz:biz-secret-Sentinel").toString("base64")}`;
    nock(origin, { reqheaders: { authorization: basic } })
      .get("/v2/accounts/balance")
      .reply(200, envelope({ balance: 12.5, currency: "USD" }));
    expect((await business.getBalance(context)).available).toEqual({ amount: "12.50", currency: "USD" });
    for (const secret of business.secretValues()) {
      expect(inspect(business, { depth: 6, showHidden: true })).not.toContain(secret);
    }
    expect(inspect(adapter, { depth: 6 })).not.toContain(apiKey);
  });
});

describe("bitrefill adapter: products", () => {
  it("lists one product per package and one per range", async () => {
    api()
      .get("/v2/products?start=0&limit=50")
      .reply(
        200,
        envelope([
          {
            id: "amazon-us",
            name: "Amazon US",
            currency: "USD",
            price_currency: "USD",
            in_stock: true,
            packages: [{ id: "amazon-us<&>50", value: 50, price: 49.5 }],
          },
          {
            id: "any-eu",
            name: "Any EU",
            currency: "EUR",
            in_stock: false,
            range: { min: 5, max: 100, step: 1 },
          },
          { id: "test-phone-refill", name: "Phone", type: "phone_refill", currency: "USD", packages: [] },
        ]),
      );
    const products = await adapter.listProducts({}, context);
    expect(products).toEqual([
      expect.objectContaining({
        sku: "amazon-us<&>50",
        kind: "card",
        faceValue: { amount: "50.00", currency: "USD" },
        price: { amount: "49.50", currency: "USD" },
        saleStatus: "on_sale",
      }),
      expect.objectContaining({ sku: "any-eu", kind: "card", saleStatus: "off_sale" }),
      expect.objectContaining({ sku: "test-phone-refill", kind: "mobile" }),
    ]);
  });

  it("looks up a product, undefined when unknown", async () => {
    api()
      .get("/v2/products/nope")
      .reply(404, { error_code: "product_not_found", message: "Product not found" });
    expect(await adapter.getProduct("nope", context)).toBeUndefined();
  });
});

describe("bitrefill adapter: placing", () => {
  it("sends one invoice paid from the balance with the exact body", async () => {
    api()
      .post("/v2/invoices", {
        products: [
          { product_id: "test-gift-card-code", quantity: 2, package_id: "test-gift-card-code<&>10" },
        ],
        payment_method: "balance",
        auto_pay: true,
        reference: "M-1",
      })
      .reply(200, envelope(invoice({ status: "unpaid", orders: [] })));
    const update = await adapter.placeOrder(order({ quantity: 2 }), context);
    expect(update).toMatchObject({ status: "processing", supplierOrderId: "inv_1", vendorStatus: "unpaid" });
    expect(sent[0]).toMatchObject({
      method: "POST",
      url: `${base}/invoices`,
      operation: "bitrefill.createInvoice",
    });
  });

  it("writes a ranged value as a bare number and a webhook URL carrying the order id", async () => {
    const withHook = createBitrefillAdapter({
      auth: { bearer: apiKey },
      endpoint: base,
      webhookUrl: "https://merchant.test/hook",
    });
    api()
      .post("/v2/invoices")
      .reply(200, envelope(invoice({ status: "unpaid", orders: [] })));
    await withHook.placeOrder(
      order({ sku: "any-eu", faceValue: { amount: "12.50", currency: "EUR" } }),
      context,
    );
    expect(sent[0]!.body).toBe(
      '{"products":[{"product_id":"any-eu","quantity":1,"value":12.50}],"payment_method":"balance","auto_pay":true,"webhook_url":"https://merchant.test/hook?kaquan_order_id=M-1","reference":"M-1"}',
    );
  });

  it("refuses a ranged order without faceValue before sending", async () => {
    await expect(adapter.placeOrder(order({ sku: "any-eu" }), context)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(sent).toHaveLength(0);
  });

  it.each([
    [400, { error_code: "insufficient_balance", message: "Insufficient balance" }, InsufficientBalanceError],
    [400, { message: "Not enough funds on balance" }, InsufficientBalanceError],
    [404, { error_code: "product_not_found", message: "x" }, ProductUnavailableError],
    [400, { error: { code: "invalid_value", message: "bad" } }, RequestRejectedError],
    [401, { error_code: "unauthorized", message: "no" }, AuthenticationError],
    [429, { error_code: "rate_limited", message: "slow" }, RateLimitError],
    [500, { error_code: "internal_error", message: "oops" }, UnrecognizedVendorError],
    [400, { error_code: "something_new", message: "??" }, UnrecognizedVendorError],
  ])("classifies HTTP %i %j", async (status, body, type) => {
    api().post("/v2/invoices").reply(status, body);
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(type);
  });

  it("a gateway page or unreadable answer is no answer", async () => {
    api().post("/v2/invoices").reply(502, "<html>bad gateway</html>", { "content-type": "text/html" });
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(NoAnswerError);
    api().post("/v2/invoices").reply(200, '{"data":{"id"');
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(NoAnswerError);
  });

  it("reads X-RateLimit-Reset on a 429", async () => {
    api().post("/v2/invoices").reply(429, { error_code: "rate_limited" }, { "x-ratelimit-reset": "30" });
    const error = await adapter.placeOrder(order(), context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(30_000);
  });
});

describe("bitrefill adapter: querying", () => {
  function listed(value: Record<string, unknown>) {
    api()
      .get("/v2/invoices?start=0&limit=50")
      .reply(200, envelope([invoice({ id: "inv_0", reference: "OTHER" }), value]));
  }

  it("finds the invoice by reference and fetches codes by authenticated GET /orders/{id} as Secrets", async () => {
    listed(invoice());
    api()
      .get("/v2/orders/ord_1")
      .reply(
        200,
        envelope({
          id: "ord_1",
          status: "delivered",
          redemption_info: { code: "CODE-XYZ-123", pin: "9876" },
        }),
      );
    const update = await adapter.queryOrder("M-1", context, { kind: "card" });
    expect(update).toMatchObject({
      status: "succeeded",
      supplierOrderId: "inv_1",
      vendorStatus: "complete:delivered",
    });
    expect(update!.cost).toEqual({ amount: "10.00", currency: "USD" });
    const card = update!.cards![0]!;
    expect(Secret.isSecret(card.password) && Secret.isSecret(card.number)).toBe(true);
    expect(card.number!.reveal()).toBe("CODE-XYZ-123");
    expect(card.password.reveal()).toBe("9876");
    expect(JSON.stringify(update)).not.toContain("CODE-XYZ-123");
    expect(inspect(update, { depth: 10 })).not.toContain("CODE-XYZ-123");
    expect(JSON.stringify(logged)).not.toContain("CODE-XYZ-123");
    expect(sent.map((request) => request.headers?.authorization)).toEqual([
      `Bearer ${apiKey}`,
      `Bearer ${apiKey}`,
    ]);
  });

  it("a delivered link is a card of format link", async () => {
    listed(invoice());
    api()
      .get("/v2/orders/ord_1")
      .reply(
        200,
        envelope({ id: "ord_1", status: "delivered", redemption_info: { link: "https://r.test/x" } }),
      );
    const update = await adapter.queryOrder("M-1", context, { kind: "card" });
    expect(update!.cards![0]!.format).toBe("link");
  });

  it("complete with one order failed is partially_succeeded", async () => {
    listed(
      invoice({
        orders: [
          { id: "ord_1", status: "delivered" },
          { id: "ord_2", status: "failed" },
        ],
      }),
    );
    api()
      .get("/v2/orders/ord_1")
      .reply(200, envelope({ id: "ord_1", status: "delivered", redemption_info: { code: "C1" } }));
    const update = await adapter.queryOrder("M-1", context, { kind: "card" });
    expect(update).toMatchObject({
      status: "partially_succeeded",
      quantity: 2,
      failure: { code: "partially_delivered" },
    });
    expect(update!.cards).toHaveLength(1);
  });

  it("a delivered order without its code keeps the order processing", async () => {
    listed(invoice());
    api()
      .get("/v2/orders/ord_1")
      .reply(200, envelope({ id: "ord_1", status: "delivered" }));
    expect((await adapter.queryOrder("M-1", context, { kind: "card" }))!.status).toBe("processing");
  });

  it("reads the invoice itself when the list leaves the orders out", async () => {
    const { orders: _orders, ...bare } = invoice({ status: "unpaid" });
    listed(bare);
    api()
      .get("/v2/invoices/inv_1")
      .reply(200, envelope(invoice({ status: "unpaid", orders: [] })));
    expect((await adapter.queryOrder("M-1", context))!.status).toBe("processing");
  });

  it("undefined when no recent invoice records the order", async () => {
    api()
      .get("/v2/invoices?start=0&limit=50")
      .reply(200, envelope([invoice({ reference: "OTHER" })]));
    expect(await adapter.queryOrder("M-1", context)).toBeUndefined();
  });

  const rows: Array<[string, string[], string]> = [
    ["unpaid", [], "processing"],
    ["denied", [], "failed"],
    ["payment_error", [], "failed"],
    ["complete", [], "processing"],
    ["complete", ["created"], "processing"],
    ["complete", ["delivered", "created"], "processing"],
    ["complete", ["failed"], "failed"],
    ["complete", ["refunded", "failed"], "failed"],
    ["complete", ["delivered", "refunded"], "partially_succeeded"],
    ["complete", ["brand-new"], "unknown"],
    ["brand-new-status", [], "unknown"],
  ];
  it.each(rows)(
    "invoice %s with orders %j is %s (mobile: no codes needed)",
    async (status, orders, expected) => {
      listed(invoice({ status, orders: orders.map((value, index) => ({ id: `o${index}`, status: value })) }));
      const update = await adapter.queryOrder("M-1", context, { kind: "mobile" });
      expect(update!.status).toBe(expected);
      if (status === "brand-new-status") expect(update!.vendorStatus).toBe("brand-new-status");
      if (expected === "failed") expect(update!.failure?.code).toBeDefined();
    },
  );

  it("the tables are data", () => {
    expect(bitrefillInvoiceStatuses).toEqual({
      unpaid: "open",
      complete: "paid",
      denied: "refused",
      payment_error: "refused",
    });
    expect(bitrefillOrderStatuses).toEqual({
      created: "pending",
      delivered: "delivered",
      failed: "undelivered",
      refunded: "undelivered",
    });
    expect(bitrefillOutcome({ delivered: 1, undelivered: 0, pending: 0 })).toBe("succeeded");
    expect(defaultBitrefillErrorTable.codes.insufficient_balance).toBe("insufficient_balance");
  });
});

describe("bitrefill adapter: webhooks", () => {
  it("only parses the order id; the body never changes the order and its codes are ignored", async () => {
    const body = JSON.stringify(
      invoice({ orders: [{ id: "ord_1", status: "delivered", redemption_info: { code: "FORGED" } }] }),
    );
    const verified = await adapter.verifyCallback!({ body, headers: {} }, context);
    expect(verified.update).toMatchObject({
      merchantOrderId: "M-1",
      status: "unknown",
      supplierOrderId: "inv_1",
    });
    expect(verified.update.cards).toBeUndefined();
    expect(sent).toHaveLength(0);
  });

  it("reads the order id from the webhook URL parameter too, and refuses a body without one", async () => {
    const body = JSON.stringify({ id: "inv_9", webhook_url: "https://m.test/h?kaquan_order_id=M-9" });
    expect((await adapter.verifyCallback!({ body, headers: {} }, context)).update.merchantOrderId).toBe(
      "M-9",
    );
    await expect(adapter.verifyCallback!({ body: "{}", headers: {} }, context)).rejects.toBeInstanceOf(
      MalformedPayloadError,
    );
    expect(adapter.callbackAck!(true).status).toBe(200);
  });
});

describe("createBitrefillAdapter options (regression)", () => {
  it("a non-string endpoint is a ConfigurationError naming it, not a TypeError", async () => {
    const { ConfigurationError } = await import("kaquan");
    expect(() => createBitrefillAdapter({ auth: { bearer: "k" }, endpoint: [] as never })).toThrow(
      ConfigurationError,
    );
    expect(() => createBitrefillAdapter({ auth: { bearer: "k" }, endpoint: [] as never })).toThrow(
      /endpoint must be a URL string/,
    );
  });
});
