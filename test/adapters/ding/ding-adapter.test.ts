import { inspect } from "node:util";
import {
  type AdapterContext,
  AuthenticationError,
  type HttpRequest,
  type HttpTransport,
  InsufficientBalanceError,
  InvalidAccountError,
  MalformedPayloadError,
  NoAnswerError,
  NotSentError,
  type OrderRequest,
  OrderRequestSchema,
  RateLimitError,
  RequestRejectedError,
  UnrecognizedVendorError,
  ValidationError,
} from "kaquan";
import {
  createDingAdapter,
  DING_PRODUCTION_ENDPOINT,
  defaultDingErrorTable,
  dingProcessingStates,
} from "kaquan/adapters/ding";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dingDecimal, serializeDingJson } from "../../../adapters/ding/ding-amounts.js";
import { createHttpTransport } from "../../../src/runtime/index.js";

const origin = "http://ding.test";
const apiKey = "ding-key-Sentinel-7c2e";
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
const adapter = createDingAdapter({ apiKey, endpoint: origin });

/** Ding with the exact api_key header: a request without it matches nothing and fails. */
const ding = () => nock(origin, { reqheaders: { api_key: apiKey } });

const order = (input: Record<string, unknown> = {}): OrderRequest =>
  OrderRequestSchema.parse({
    merchantOrderId: "M-1",
    kind: "mobile",
    sku: "SG_SI_TopUp",
    account: "+6591234567",
    faceValue: { amount: "10.5", currency: "USD" },
    ...input,
  });

function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TransferId: { TransferRef: 123456789, DistributorRef: "M-1" },
    SkuCode: "SG_SI_TopUp",
    Price: { SendValue: 10.5, SendCurrencyIso: "USD", ReceiveValue: 14.18, ReceiveCurrencyIso: "SGD" },
    CommissionApplied: 0,
    StartedUtc: "2024-01-01T04:00:00",
    CompletedUtc: null,
    ProcessingState: "Complete",
    ReceiptText: null,
    ReceiptParams: {},
    AccountNumber: "6591234567",
    ...overrides,
  };
}

const ok = (body: Record<string, unknown>) => ({ ...body, ResultCode: 1, ErrorCodes: [] });
const failure = (code: string, extra: Record<string, unknown> = {}) => ({
  ResultCode: 2,
  ErrorCodes: [{ Code: code, Context: "SendValue" }],
  ...extra,
});

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

describe("Ding adapter requests", () => {
  it("sends SendTransfer with the api_key header, exact 2-dp SendValue text and DistributorRef", async () => {
    let raw = "";
    ding()
      .post("/api/V1/SendTransfer", (body) => {
        raw = JSON.stringify(body);
        return true;
      })
      .reply(200, ok({ TransferRecord: record() }));
    const update = await adapter.placeOrder(order(), context);
    expect(sent[0]!.body).toBe(
      '{"SkuCode":"SG_SI_TopUp","SendValue":10.50,"SendCurrencyIso":"USD","AccountNumber":"6591234567","DistributorRef":"M-1","ValidateOnly":false}',
    );
    expect(sent[0]!.headers).toMatchObject({ api_key: apiKey, "x-correlation-id": "M-1" });
    expect(raw).toContain('"DistributorRef":"M-1"');
    expect(update).toMatchObject({
      merchantOrderId: "M-1",
      supplierOrderId: "123456789",
      status: "succeeded",
      vendorStatus: "Complete",
      cost: { amount: "10.50", currency: "USD" },
      createdAt: "2024-01-01T04:00:00.000Z",
    });
  });

  it("declares duplicateOrderId none and no callbacks", () => {
    expect(adapter.capabilities).toMatchObject({
      duplicateOrderId: "none",
      callbacks: "none",
      resendAfterNotFound: false,
      orderKinds: ["mobile"],
    });
    expect(DING_PRODUCTION_ENDPOINT).toBe("https://api.dingconnect.com");
  });

  it("refuses a SendValue with more than 2 decimals before sending anything", async () => {
    await expect(
      adapter.placeOrder(order({ faceValue: { amount: "10.005", currency: "USD" } }), context),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(sent).toHaveLength(0);
  });

  it("reads a fixed product's SendValue when the order names no faceValue", async () => {
    ding()
      .get("/api/V1/GetProducts")
      .query({ skuCodes: "SG_SI_Fixed10" })
      .reply(
        200,
        ok({
          Items: [
            {
              SkuCode: "SG_SI_Fixed10",
              Minimum: { SendValue: 7.4, SendCurrencyIso: "USD" },
              Maximum: { SendValue: 7.4, SendCurrencyIso: "USD" },
            },
          ],
        }),
      );
    ding()
      .post("/api/V1/SendTransfer", (body) => body.SendValue === 7.4 && body.SkuCode === "SG_SI_Fixed10")
      .reply(200, ok({ TransferRecord: record({ SkuCode: "SG_SI_Fixed10" }) }));
    const { faceValue: _omit, ...rest } = order({ sku: "SG_SI_Fixed10" });
    const update = await adapter.placeOrder(rest as OrderRequest, context);
    expect(update.status).toBe("succeeded");
    expect(sent[1]!.body).toContain('"SendValue":7.40');
  });

  it("a product look-up with no usable answer is reported not sent", async () => {
    ding().get("/api/V1/GetProducts").query(true).reply(502, "<html>bad gateway</html>");
    const { faceValue: _omit, ...rest } = order();
    await expect(adapter.placeOrder(rest as OrderRequest, context)).rejects.toBeInstanceOf(NotSentError);
  });

  it("queries ListTransferRecords by DistributorRef; an empty list is not found", async () => {
    ding()
      .post("/api/V1/ListTransferRecords", { DistributorRef: "M-1", Skip: 0, Take: 20 })
      .reply(200, ok({ Items: [], ThereAreMoreItems: false }));
    expect(await adapter.queryOrder("M-1", context)).toBeUndefined();
  });

  it("reports the most delivered of several transfers under one DistributorRef, and warns", async () => {
    ding()
      .post("/api/V1/ListTransferRecords")
      .reply(
        200,
        ok({
          Items: [
            { TransferRecord: record({ ProcessingState: "Failed" }), ResultCode: 2, ErrorCodes: [] },
            {
              TransferRecord: record({
                ProcessingState: "Complete",
                TransferId: { TransferRef: 9, DistributorRef: "M-1" },
              }),
            },
          ],
        }),
      );
    const update = await adapter.queryOrder("M-1", context);
    expect(update).toMatchObject({ status: "succeeded", supplierOrderId: "9" });
    expect(logged).toContainEqual(
      expect.objectContaining({ merchantOrderId: "M-1", transfers: expect.any(Array) }),
    );
  });

  it("reads GetBalance and GetProducts", async () => {
    ding()
      .get("/api/V1/GetBalance")
      .reply(200, ok({ Balance: 1234.56, CurrencyIso: "USD" }));
    expect((await adapter.getBalance!(context)).available).toEqual({ amount: "1234.56", currency: "USD" });
    ding()
      .get("/api/V1/GetProducts")
      .reply(
        200,
        ok({
          Items: [
            {
              SkuCode: "A",
              DefaultDisplayText: "Fixed",
              ProcessingMode: "Instant",
              Minimum: {
                SendValue: 7.4,
                SendCurrencyIso: "USD",
                ReceiveValue: 10,
                ReceiveCurrencyIso: "SGD",
              },
              Maximum: {
                SendValue: 7.4,
                SendCurrencyIso: "USD",
                ReceiveValue: 10,
                ReceiveCurrencyIso: "SGD",
              },
            },
            {
              SkuCode: "B",
              Minimum: { SendValue: 1, SendCurrencyIso: "USD" },
              Maximum: { SendValue: 50, SendCurrencyIso: "USD" },
            },
          ],
        }),
      );
    const products = await adapter.listProducts({}, context);
    expect(products[0]).toMatchObject({
      sku: "A",
      name: "Fixed",
      kind: "mobile",
      price: { amount: "7.40", currency: "USD" },
      faceValue: { amount: "10.00", currency: "SGD" },
    });
    expect(products[1]!.details).toContain("send USD 1.00–50.00");
  });

  it("validate sends ValidateOnly true and returns Ding's quote", async () => {
    ding()
      .post("/api/V1/SendTransfer", (body) => body.ValidateOnly === true)
      .reply(
        200,
        ok({
          TransferRecord: record({
            ProcessingState: null,
            Price: {
              ReceiveValue: 14.18,
              ReceiveCurrencyIso: "SGD",
              DistributorFee: 0.1,
              SendCurrencyIso: "USD",
            },
          }),
        }),
      );
    const validation = await adapter.validate(order(), context);
    expect(validation).toMatchObject({
      skuCode: "SG_SI_TopUp",
      accountNumber: "6591234567",
      sendValue: { amount: "10.50", currency: "USD" },
      receiveValue: { amount: "14.18", currency: "SGD" },
      distributorFee: { amount: "0.10", currency: "USD" },
    });
  });
});

describe("Ding ProcessingState table: every row, raw value kept", () => {
  for (const [state, status] of Object.entries(dingProcessingStates)) {
    it(`${state} → ${status}`, async () => {
      ding()
        .post("/api/V1/ListTransferRecords")
        .reply(200, ok({ Items: [{ TransferRecord: record({ ProcessingState: state }) }] }));
      const update = await adapter.queryOrder("M-1", context);
      expect(update).toMatchObject({ status, vendorStatus: state });
      if (status === "failed") expect(update!.failure?.vendorCode).toBe(state);
    });
  }

  it("an unseen state → unknown with the raw value", async () => {
    ding()
      .post("/api/V1/ListTransferRecords")
      .reply(200, ok({ Items: [{ TransferRecord: record({ ProcessingState: "Quantum" }) }] }));
    expect(await adapter.queryOrder("M-1", context)).toMatchObject({
      status: "unknown",
      vendorStatus: "Quantum",
    });
  });
});

describe("Ding errors by code, whatever the HTTP status", () => {
  const expected: Record<string, unknown> = {
    insufficient_balance: InsufficientBalanceError,
    authentication: AuthenticationError,
    rate_limited: RateLimitError,
    bad_request: RequestRejectedError,
    invalid_account: InvalidAccountError,
    system_error: UnrecognizedVendorError,
  };
  for (const [code, meaning] of Object.entries(defaultDingErrorTable.codes)) {
    for (const status of [500, 400, 200]) {
      it(`${code} under HTTP ${status} → ${meaning}`, async () => {
        ding().post("/api/V1/SendTransfer").reply(status, failure(code));
        const error = await adapter.placeOrder(order(), context).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(expected[meaning] as never);
        expect(error).toMatchObject({ vendorCode: code, httpStatus: status, merchantOrderId: "M-1" });
      });
    }
  }

  it("an unlisted code is an unknown outcome, never a failure", async () => {
    ding().post("/api/V1/SendTransfer").reply(500, failure("SomethingNew"));
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(UnrecognizedVendorError);
  });

  it("a ProviderError with the record Failed → a failed order carrying the code", async () => {
    ding()
      .post("/api/V1/SendTransfer")
      .reply(200, failure("ProviderError", { TransferRecord: record({ ProcessingState: "Failed" }) }));
    const update = await adapter.placeOrder(order(), context);
    expect(update).toMatchObject({
      status: "failed",
      vendorStatus: "Failed",
      failure: { vendorCode: "ProviderError" },
    });
  });

  it("errorCodes replaces table entries", async () => {
    const custom = createDingAdapter({
      apiKey,
      endpoint: origin,
      errorCodes: { ProviderError: "invalid_account" },
    });
    ding().post("/api/V1/SendTransfer").reply(500, failure("ProviderError"));
    await expect(custom.placeOrder(order(), context)).rejects.toBeInstanceOf(InvalidAccountError);
  });

  it("a bare 500 JSON body, an HTML gateway page, or a truncated body is no answer", async () => {
    ding().post("/api/V1/SendTransfer").reply(500, { status: 500, error: "Internal Server Error" });
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(NoAnswerError);
    ding()
      .post("/api/V1/SendTransfer")
      .reply(502, "<html><body>502 Bad Gateway</body></html>", { "content-type": "text/html" });
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(NoAnswerError);
    ding().post("/api/V1/SendTransfer").reply(200, '{"TransferRecord":{"Transfer');
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(NoAnswerError);
  });

  it("a success without a TransferRecord is no answer", async () => {
    ding().post("/api/V1/SendTransfer").reply(200, ok({}));
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(NoAnswerError);
  });

  it("a bare 429 is throttled with Retry-After; a bare 403 is an authentication error", async () => {
    ding().post("/api/V1/SendTransfer").reply(429, "slow down", { "retry-after": "3" });
    await expect(adapter.placeOrder(order(), context)).rejects.toMatchObject({ retryAfterMs: 3000 });
    ding().post("/api/V1/SendTransfer").reply(403, "<html>Cloudflare</html>");
    await expect(adapter.placeOrder(order(), context)).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("a malformed balance is a MalformedPayloadError", async () => {
    ding()
      .get("/api/V1/GetBalance")
      .reply(200, ok({ Balance: "lots", CurrencyIso: "USD" }));
    await expect(adapter.getBalance!(context)).rejects.toBeInstanceOf(MalformedPayloadError);
  });
});

describe("Ding credentials", () => {
  it("never puts the api_key in errors, logs or the printed adapter", async () => {
    ding().post("/api/V1/SendTransfer").reply(500, failure("InsufficientBalance"));
    const error = await adapter.placeOrder(order(), context).catch((caught: unknown) => caught);
    ding()
      .post("/api/V1/ListTransferRecords")
      .reply(200, ok({ Items: [{ TransferRecord: record() }, { TransferRecord: record() }] }));
    await adapter.queryOrder("M-1", context);
    const printed = [
      inspect(error, { depth: 10, showHidden: true }),
      JSON.stringify(error),
      JSON.stringify(logged),
      inspect(adapter, { depth: 10, showHidden: true }),
      JSON.stringify(adapter),
    ].join("\n");
    expect(printed).not.toContain(apiKey);
    expect(adapter.secretValues()).toEqual([apiKey]);
  });

  it("requires an apiKey", () => {
    expect(() => createDingAdapter({ apiKey: "" })).toThrow(/apiKey is required/);
  });
});

describe("Ding amounts on the wire (regression: leading zeros)", () => {
  it("writes an amount with leading zeros as a JSON number that parses to the same value", () => {
    const wire = serializeDingJson({ SendValue: dingDecimal("0010.00") });
    expect(wire).toBe('{"SendValue":10.00}');
    expect(JSON.parse(wire)).toEqual({ SendValue: 10 });
  });
});

describe("createDingAdapter options (regression)", () => {
  it("a non-string endpoint is a ConfigurationError naming it, not a TypeError", async () => {
    const { ConfigurationError } = await import("kaquan");
    expect(() => createDingAdapter({ apiKey: "k", endpoint: {} as never })).toThrow(ConfigurationError);
    expect(() => createDingAdapter({ apiKey: "k", endpoint: {} as never })).toThrow(
      /endpoint must be a URL string/,
    );
  });
});
