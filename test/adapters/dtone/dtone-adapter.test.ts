import { inspect } from "node:util";
import {
  AbortedError,
  type AdapterContext,
  AuthenticationError,
  applyUpdate,
  DuplicateOrderError,
  type HttpRequest,
  type HttpTransport,
  InsufficientBalanceError,
  InvalidAccountError,
  type KaquanError,
  MalformedPayloadError,
  NoAnswerError,
  NotSentError,
  type OrderRequest,
  OrderRequestSchema,
  ProductUnavailableError,
  RateLimitError,
  RequestRejectedError,
  Secret,
  silentLogger,
  UnrecognizedVendorError,
  ValidationError,
} from "kaquan";
import {
  createDtoneAdapter,
  DTONE_PRODUCTION_ENDPOINT,
  DTONE_SANDBOX_ENDPOINT,
  defaultDtoneErrorTable,
  dtoneFailureCodes,
  dtoneStatusClasses,
} from "kaquan/adapters/dtone";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dtoneDecimal, serializeDtoneJson } from "../../../adapters/dtone/dtone-amounts.js";
import { createHttpTransport, createRedactingLogger } from "../../../src/runtime/index.js";

const origin = "http://dvs.test";
const base = `${origin}/v1`;
const apiKey = "dvs-key-4711";
const apiSecret = "dvs-secret-Sentinel-9f3a";
const basic = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString("base64")}`;
const fixedNow = Date.UTC(2024, 0, 1, 4, 0, 0);

const real = createHttpTransport({ timeoutMs: 2_000 });
let sent: HttpRequest[] = [];
/** The real transport, recording each request exactly as the adapter built it. */
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
const adapter = createDtoneAdapter({ apiKey, apiSecret, environment: "sandbox", endpoint: base });

/** DVS with the exact Basic header: a request without it matches nothing and fails. */
const dvs = () => nock(origin, { reqheaders: { authorization: basic } });

const order = (input: Record<string, unknown>): OrderRequest =>
  OrderRequestSchema.parse({
    merchantOrderId: "M-1",
    kind: "mobile",
    sku: "10001",
    account: "+6591234567",
    ...input,
  });

function transaction(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 2237005100,
    external_id: "M-1",
    creation_date: "2024-01-01T04:00:00Z",
    confirmation_expiration_date: "2024-01-01T05:00:00Z",
    confirmation_date: "2024-01-01T04:00:01Z",
    status: { id: 20000, message: "CONFIRMED", class: { id: 2, message: "CONFIRMED" } },
    operator_reference: null,
    pin: null,
    product: { id: 10001, name: "Singtel 10 SGD", operator: { id: 101, name: "Singtel" } },
    prices: {
      wholesale: { unit_type: "CURRENCY", unit: "USD", amount: 7.2, fee: 0.1 },
      retail: null,
    },
    credit_party_identifier: { mobile_number: "+6591234567" },
    ...overrides,
  };
}

const status = (message: string, classMessage: string, classId = 0) => ({
  status: { id: 1, message, class: { id: classId, message: classMessage } },
});

const errors = (code: number, message = "x") => ({ errors: [{ code, message }] });

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

describe("DT One adapter requests", () => {
  it("creates an airtime transaction asynchronously with Basic auth, external_id and auto_confirm", async () => {
    let received: unknown;
    dvs()
      .post("/v1/async/transactions", (body) => {
        received = body;
        return true;
      })
      .matchHeader("content-type", "application/json")
      .reply(201, transaction());
    const update = await adapter.placeOrder(order({}), context);
    expect(sent[0]).toMatchObject({
      method: "POST",
      url: `${base}/async/transactions`,
      headers: { authorization: basic, accept: "application/json", "content-type": "application/json" },
      operation: "dtone.createTransaction",
    });
    expect(sent[0]!.body).toBe(
      '{"external_id":"M-1","product_id":10001,"auto_confirm":true,"credit_party_identifier":{"mobile_number":"+6591234567"}}',
    );
    expect(received).toEqual({
      external_id: "M-1",
      product_id: 10001,
      auto_confirm: true,
      credit_party_identifier: { mobile_number: "+6591234567" },
    });
    expect(update).toMatchObject({
      merchantOrderId: "M-1",
      supplier: "dtone",
      supplierOrderId: "2237005100",
      status: "processing",
      vendorStatus: "CONFIRMED",
      kind: "mobile",
      sku: "10001",
      account: "+6591234567",
      cost: { amount: "7.30", currency: "USD" },
      createdAt: "2024-01-01T04:00:00.000Z",
      source: "place",
    });
  });

  it("adds + to a number, sends callback_url and extra transaction fields (its own fields win)", async () => {
    const withExtras = createDtoneAdapter({
      apiKey,
      apiSecret,
      environment: "sandbox",
      endpoint: base,
      callbackUrl: "https://merchant.example/dtone",
      transactionFields: () => ({ sender: { first_name: "Ada" }, external_id: "ignored" }),
    });
    dvs().post("/v1/async/transactions").reply(201, transaction());
    await withExtras.placeOrder(order({ account: "6591234567" }), context);
    expect(JSON.parse(String(sent[0]!.body))).toEqual({
      sender: { first_name: "Ada" },
      external_id: "M-1",
      product_id: 10001,
      auto_confirm: true,
      callback_url: "https://merchant.example/dtone",
      credit_party_identifier: { mobile_number: "+6591234567" },
    });
  });

  it("sync mode uses /sync/transactions with the long deadline", async () => {
    const sync = createDtoneAdapter({
      apiKey,
      apiSecret,
      environment: "sandbox",
      endpoint: base,
      mode: "sync",
    });
    dvs()
      .post("/v1/sync/transactions")
      .reply(201, transaction(status("COMPLETED", "COMPLETED", 7)));
    const update = await sync.placeOrder(order({}), context);
    expect(sent[0]).toMatchObject({ url: `${base}/sync/transactions`, timeoutMs: 185_000 });
    expect(update.status).toBe("succeeded");
  });

  it("without auto_confirm: creates, then confirms by id", async () => {
    const manual = createDtoneAdapter({
      apiKey,
      apiSecret,
      environment: "sandbox",
      endpoint: base,
      autoConfirm: false,
    });
    dvs()
      .post("/v1/async/transactions")
      .reply(201, transaction(status("CREATED", "CREATED", 1)));
    dvs().post("/v1/async/transactions/2237005100/confirm").reply(202, transaction());
    const update = await manual.placeOrder(order({}), context);
    expect(JSON.parse(String(sent[0]!.body))).toMatchObject({ auto_confirm: false });
    expect(sent[1]).toMatchObject({ method: "POST", url: `${base}/async/transactions/2237005100/confirm` });
    expect(sent[1]!.body).toBeUndefined();
    expect(update).toMatchObject({ status: "processing", vendorStatus: "CONFIRMED" });
  });

  it("without auto_confirm: a confirmation that gets no answer leaves the created transaction, logged without secrets", async () => {
    const manual = createDtoneAdapter({
      apiKey,
      apiSecret,
      environment: "sandbox",
      endpoint: base,
      autoConfirm: false,
    });
    dvs()
      .post("/v1/async/transactions")
      .reply(201, transaction(status("CREATED", "CREATED", 1)));
    dvs().post("/v1/async/transactions/2237005100/confirm").reply(502, "<html>bad gateway</html>");
    const update = await manual.placeOrder(order({}), context);
    expect(update).toMatchObject({
      status: "processing",
      vendorStatus: "CREATED",
      supplierOrderId: "2237005100",
    });
    expect(logged).toHaveLength(1);
    const text = `${JSON.stringify(logged)} ${inspect(logged, { depth: 10 })}`;
    expect(text).not.toContain(apiSecret);
    expect(text).not.toContain(basic.slice(6));
  });

  it("a ranged product: reads the product, then sends calculation_mode and the amount's exact digits", async () => {
    const ranged = {
      id: 10002,
      name: "Telkomsel",
      type: "RANGED_VALUE_RECHARGE",
      source: { unit_type: "CURRENCY", unit: "USD", amount: { min: 1, max: 50 } },
      destination: { unit_type: "CURRENCY", unit: "IDR", amount: { min: 15000, max: 750000, increment: 1 } },
      accepted_calculation_modes: ["SOURCE_AMOUNT", "DESTINATION_AMOUNT"],
      required_credit_party_identifier_fields: [["mobile_number"]],
    };
    dvs().get("/v1/products/10002").times(3).reply(200, ranged);
    dvs().post("/v1/async/transactions").times(2).reply(201, transaction());
    await adapter.placeOrder(
      order({ sku: "10002", faceValue: { amount: "150000", currency: "IDR" } }),
      context,
    );
    await adapter.placeOrder(
      order({ sku: "10002", faceValue: { amount: "10.50", currency: "USD" } }),
      context,
    );
    expect(sent.map((request) => `${request.method} ${request.url}`)).toEqual([
      `GET ${base}/products/10002`,
      `POST ${base}/async/transactions`,
      `GET ${base}/products/10002`,
      `POST ${base}/async/transactions`,
    ]);
    expect(sent[1]!.body).toContain(
      '"calculation_mode":"DESTINATION_AMOUNT","destination":{"unit_type":"CURRENCY","unit":"IDR","amount":150000}',
    );
    expect(sent[3]!.body).toContain(
      '"calculation_mode":"SOURCE_AMOUNT","source":{"unit_type":"CURRENCY","unit":"USD","amount":10.50}',
    );
    // Outside the range, or in a third currency: refused before the order is sent.
    await expect(
      adapter.placeOrder(order({ sku: "10002", faceValue: { amount: "99", currency: "EUR" } }), context),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(sent).toHaveLength(5);
  });

  it("a fixed product: faceValue may only restate its value", async () => {
    const fixed = {
      id: 10001,
      type: "FIXED_VALUE_RECHARGE",
      source: { unit_type: "CURRENCY", unit: "USD", amount: 7.5 },
      destination: { unit_type: "CURRENCY", unit: "SGD", amount: 10 },
    };
    dvs().get("/v1/products/10001").times(2).reply(200, fixed);
    dvs().post("/v1/async/transactions").reply(201, transaction());
    await adapter.placeOrder(order({ faceValue: { amount: "10.00", currency: "SGD" } }), context);
    expect(JSON.parse(String(sent[1]!.body))).not.toHaveProperty("calculation_mode");
    await expect(
      adapter.placeOrder(order({ faceValue: { amount: "20", currency: "SGD" } }), context),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("a product lookup with no usable answer means the order was not sent", async () => {
    dvs().get("/v1/products/10002").reply(502, "<html>bad gateway</html>", { "content-type": "text/html" });
    const error = await adapter
      .placeOrder(order({ sku: "10002", faceValue: { amount: "150000", currency: "IDR" } }), context)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotSentError);
    dvs().get("/v1/products/10002").reply(404, errors(1000404, "Resource not found"));
    await expect(
      adapter.placeOrder(order({ sku: "10002", faceValue: { amount: "150000", currency: "IDR" } }), context),
    ).rejects.toBeInstanceOf(ProductUnavailableError);
  });

  it("card and direct orders: a PIN purchase needs no credit party, a direct one sends account_number", async () => {
    dvs().post("/v1/async/transactions").times(2).reply(201, transaction());
    await adapter.placeOrder(order({ kind: "card", sku: "10003", account: undefined }), context);
    await adapter.placeOrder(
      order({
        kind: "direct",
        sku: "10004",
        account: "53012345678",
        accountFields: { contactPhone: "6281234567" },
      }),
      context,
    );
    expect(JSON.parse(String(sent[0]!.body))).toEqual({
      external_id: "M-1",
      product_id: 10003,
      auto_confirm: true,
    });
    expect(JSON.parse(String(sent[1]!.body)).credit_party_identifier).toEqual({
      account_number: "53012345678",
      mobile_number: "+6281234567",
    });
  });

  it("refuses what DVS cannot take before sending anything", async () => {
    const cases: Array<Record<string, unknown>> = [
      { sku: "abc" },
      { sku: undefined, faceValue: { amount: "10", currency: "SGD" } },
      { quantity: 2 },
      { merchantOrderId: "M".repeat(41) },
      { account: "12345" },
    ];
    for (const input of cases) {
      await expect(adapter.placeOrder(order(input), context)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(sent).toHaveLength(0);
  });

  it("queries by external_id and takes the matching transaction", async () => {
    dvs()
      .get("/v1/transactions")
      .query({ external_id: "M 1/ü" })
      .reply(200, [transaction({ external_id: "M 1/ü", ...status("COMPLETED", "COMPLETED", 7) })]);
    const update = await adapter.queryOrder("M 1/ü", context, { kind: "mobile" });
    expect(sent[0]!.url).toBe(`${base}/transactions?external_id=M%201%2F%C3%BC`);
    expect(update).toMatchObject({ merchantOrderId: "M 1/ü", status: "succeeded", source: "query" });
  });

  it("reads not found as 404 + 1008004 or as an empty list, and never a bare 404 page", async () => {
    dvs().get("/v1/transactions").query(true).reply(404, errors(1008004, "Transaction not found"));
    expect(await adapter.queryOrder("M-404", context)).toBeUndefined();
    dvs().get("/v1/transactions").query(true).reply(200, []);
    expect(await adapter.queryOrder("M-404", context)).toBeUndefined();
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(200, [transaction({ external_id: "OTHER" })]);
    expect(await adapter.queryOrder("M-404", context)).toBeUndefined();
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(404, "<html>Not Found</html>", { "content-type": "text/html" });
    await expect(adapter.queryOrder("M-404", context)).rejects.toBeInstanceOf(NoAnswerError);
  });

  it("takes a token from the endpoint's rate limiter before each request", async () => {
    const taken: string[] = [];
    const limited = createDtoneAdapter({
      apiKey,
      apiSecret,
      environment: "sandbox",
      endpoint: base,
      rateLimits: {
        createTransaction: { acquire: async () => void taken.push("create") },
        transactionByExternalId: { acquire: async () => void taken.push("query") },
        lookup: {
          acquire: () => Promise.reject(new Error("aborted")),
        },
      },
    });
    dvs().post("/v1/async/transactions").reply(201, transaction());
    dvs().get("/v1/transactions").query(true).reply(200, []);
    await limited.placeOrder(order({}), context);
    await limited.queryOrder("M-1", context);
    expect(taken).toEqual(["create", "query"]);
    await expect(limited.lookup("+6591234567", context)).rejects.toBeInstanceOf(AbortedError);
  });
});

describe("DT One error table", () => {
  const classOf: Record<string, new (...args: never[]) => KaquanError> = {
    insufficient_balance: InsufficientBalanceError,
    invalid_account: InvalidAccountError,
    product_unavailable: ProductUnavailableError,
    authentication: AuthenticationError,
    bad_request: RequestRejectedError,
    duplicate_order: DuplicateOrderError,
    rate_limited: RateLimitError,
    system_error: UnrecognizedVendorError,
    order_not_found: UnrecognizedVendorError,
  };
  for (const [code, meaning] of Object.entries(defaultDtoneErrorTable.codes)) {
    it(`maps ${code} (${meaning}) on a placement to ${classOf[meaning]!.name}`, async () => {
      const httpStatus = code === "1000401" ? 401 : code === "1000429" ? 429 : code === "1009001" ? 500 : 400;
      dvs()
        .post("/v1/async/transactions")
        .reply(httpStatus, errors(Number(code), `message ${code}`));
      const error = (await adapter
        .placeOrder(order({}), context)
        .catch((caught: unknown) => caught)) as KaquanError;
      expect(error).toBeInstanceOf(classOf[meaning]!);
      expect(error).toMatchObject({
        vendorCode: code,
        vendorMessage: `message ${code}`,
        merchantOrderId: "M-1",
        httpStatus,
        supplier: "dtone",
      });
    });
  }

  it("1006001 is insufficient balance whatever HTTP status carries it", async () => {
    for (const httpStatus of [400, 402, 500, 503]) {
      dvs().post("/v1/async/transactions").reply(httpStatus, errors(1006001, "Insufficient balance"));
      const error = await adapter.placeOrder(order({}), context).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InsufficientBalanceError);
      expect((error as KaquanError).failureClass).toBe("rejected");
    }
  });

  it("1007001 is a duplicate: resolve by query, never failed", async () => {
    dvs()
      .post("/v1/async/transactions")
      .reply(400, errors(1007001, "Transaction external ID has already been used"));
    const error = await adapter.placeOrder(order({}), context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DuplicateOrderError);
    expect((error as KaquanError).failureClass).toBe("duplicate");
    expect((error as KaquanError).retry).toBe("after-resolve");
  });

  it("an unknown code is an unknown outcome; errorCodes replaces a meaning", async () => {
    dvs().post("/v1/async/transactions").reply(400, errors(1234567));
    await expect(adapter.placeOrder(order({}), context)).rejects.toBeInstanceOf(UnrecognizedVendorError);
    const custom = createDtoneAdapter({
      apiKey,
      apiSecret,
      environment: "sandbox",
      endpoint: base,
      errorCodes: { "1234567": "out_of_stock" },
    });
    dvs().post("/v1/async/transactions").reply(400, errors(1234567));
    await expect(custom.placeOrder(order({}), context)).rejects.toMatchObject({ code: "out_of_stock" });
  });

  it("picks the first recognised code of several", async () => {
    dvs()
      .post("/v1/async/transactions")
      .reply(400, {
        errors: [
          { code: 9999999, message: "?" },
          { code: 1005003, message: "bad number" },
        ],
      });
    await expect(adapter.placeOrder(order({}), context)).rejects.toBeInstanceOf(InvalidAccountError);
  });

  it("429 is throttled with Retry-After; HTML, bare 5xx and truncated JSON are no answer; bare 401 is auth", async () => {
    dvs()
      .post("/v1/async/transactions")
      .reply(429, errors(1000429, "Too many requests"), { "retry-after": "3" });
    const throttled = await adapter.placeOrder(order({}), context).catch((caught: unknown) => caught);
    expect(throttled).toBeInstanceOf(RateLimitError);
    expect((throttled as RateLimitError).retryAfterMs).toBe(3000);
    dvs().post("/v1/async/transactions").reply(429, "slow down", { "retry-after": "2" });
    expect(await adapter.placeOrder(order({}), context).catch((caught: unknown) => caught)).toBeInstanceOf(
      RateLimitError,
    );
    dvs()
      .post("/v1/async/transactions")
      .reply(502, "<html><body>502</body></html>", { "content-type": "text/html" });
    await expect(adapter.placeOrder(order({}), context)).rejects.toBeInstanceOf(NoAnswerError);
    dvs().post("/v1/async/transactions").reply(500, "Internal Server Error");
    await expect(adapter.placeOrder(order({}), context)).rejects.toBeInstanceOf(NoAnswerError);
    dvs().post("/v1/async/transactions").reply(201, '{"id":1,"external_id":"M-');
    await expect(adapter.placeOrder(order({}), context)).rejects.toBeInstanceOf(NoAnswerError);
    dvs().post("/v1/async/transactions").reply(401, "");
    await expect(adapter.placeOrder(order({}), context)).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("an answer naming another transaction is no answer; one missing fields is malformed", async () => {
    dvs()
      .post("/v1/async/transactions")
      .reply(201, transaction({ external_id: "SOMEONE-ELSE" }));
    await expect(adapter.placeOrder(order({}), context)).rejects.toBeInstanceOf(NoAnswerError);
    dvs().post("/v1/async/transactions").reply(201, { status: {} });
    await expect(adapter.placeOrder(order({}), context)).rejects.toBeInstanceOf(MalformedPayloadError);
  });

  it("never carries the credentials in an error", async () => {
    dvs().post("/v1/async/transactions").reply(401, errors(1000401, "Unauthorized"));
    const error = await adapter.placeOrder(order({}), context).catch((caught: unknown) => caught);
    const text = `${String(error)} ${JSON.stringify(error)} ${inspect(error, { depth: 10, showHidden: true })}`;
    expect(text).not.toContain(apiSecret);
    expect(text).not.toContain(basic.slice(6));
  });
});

describe("DT One status table", () => {
  for (const [statusClass, expected] of Object.entries(dtoneStatusClasses)) {
    it(`class ${statusClass} is ${expected}, raw status kept`, async () => {
      dvs()
        .get("/v1/transactions")
        .query(true)
        .reply(200, [transaction(status(`${statusClass}`, statusClass))]);
      const update = await adapter.queryOrder("M-1", context);
      expect(update).toMatchObject({ status: expected, vendorStatus: statusClass });
    });
  }

  for (const [vendorStatus, failureCode] of Object.entries(dtoneFailureCodes)) {
    it(`${vendorStatus} fails with ${failureCode}`, async () => {
      const statusClass = vendorStatus.split("-")[0]!;
      dvs()
        .get("/v1/transactions")
        .query(true)
        .reply(200, [transaction(status(vendorStatus, statusClass))]);
      expect(await adapter.queryOrder("M-1", context)).toMatchObject({
        status: "failed",
        vendorStatus,
        failure: { code: failureCode, vendorCode: vendorStatus },
      });
    });
  }

  it("a class id without its message, or a status alone, still maps by class", async () => {
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(200, [transaction({ status: { id: 70000, message: "COMPLETED", class: { id: 7 } } })]);
    expect((await adapter.queryOrder("M-1", context))?.status).toBe("succeeded");
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(200, [transaction({ status: { message: "DECLINED-BARRED-CREDIT-PARTY" } })]);
    expect((await adapter.queryOrder("M-1", context))?.status).toBe("failed");
  });

  it("an unseen class is unknown with the raw status kept, even if the status looks known", async () => {
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(200, [transaction(status("COMPLETED", "ON-HOLD"))]);
    const update = await adapter.queryOrder("M-1", context);
    expect(update).toMatchObject({ status: "unknown", vendorStatus: "COMPLETED" });
    expect(update?.unknownReason).toContain("COMPLETED");
  });

  it("statusOverrides changes one status's mapping", async () => {
    const strict = createDtoneAdapter({
      apiKey,
      apiSecret,
      environment: "sandbox",
      endpoint: base,
      statusOverrides: { "DECLINED-DUPLICATED-TRANSACTION": "unknown" },
    });
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(200, [transaction(status("DECLINED-DUPLICATED-TRANSACTION", "DECLINED"))]);
    expect((await strict.queryOrder("M-1", context))?.status).toBe("unknown");
  });

  it("REVERSED after COMPLETED becomes reversed through the reducer", async () => {
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(200, [transaction(status("COMPLETED", "COMPLETED", 7))]);
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(200, [transaction(status("REVERSED", "REVERSED", 8))]);
    const completed = await adapter.queryOrder("M-1", context);
    const reversed = await adapter.queryOrder("M-1", context);
    const now = "2024-01-01T05:00:00.000Z";
    const first = applyUpdate(undefined, completed!, now).order;
    const second = applyUpdate(first, reversed!, now);
    expect(first.status).toBe("succeeded");
    expect(second).toMatchObject({
      statusChanged: true,
      order: { status: "reversed", vendorStatus: "REVERSED" },
    });
    // A late COMPLETED (or SUBMITTED) never undoes the reversal.
    expect(applyUpdate(second.order, completed!, now).order.status).toBe("reversed");
  });

  it("PINs are Secrets; a PIN purchase COMPLETED without its PIN stays processing (F24)", async () => {
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(200, [
        transaction({
          ...status("COMPLETED", "COMPLETED", 7),
          pin: { code: "1234-5678-9012", serial: "SN-77" },
          credit_party_identifier: {},
        }),
      ]);
    const update = await adapter.queryOrder("M-1", context, { kind: "card" });
    expect(update?.status).toBe("succeeded");
    expect(update?.cards).toHaveLength(1);
    expect(Secret.isSecret(update!.cards![0]!.password)).toBe(true);
    expect(update!.cards![0]!.password.reveal()).toBe("1234-5678-9012");
    expect(update!.cards![0]!.number?.reveal()).toBe("SN-77");
    expect(JSON.stringify(update)).not.toContain("1234-5678-9012");
    expect(inspect(update, { depth: 10 })).not.toContain("1234-5678-9012");
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(200, [
        transaction({ ...status("COMPLETED", "COMPLETED", 7), pin: { code: " ", serial: null } }),
      ]);
    expect(await adapter.queryOrder("M-1", context, { kind: "card" })).toMatchObject({
      status: "processing",
      vendorStatus: "COMPLETED",
    });
  });

  it("reads a transaction id beyond 2^53 without losing digits", async () => {
    dvs()
      .get("/v1/transactions")
      .query(true)
      .reply(
        200,
        `[{"id":22370051009876543210,"external_id":"M-1","status":{"message":"SUBMITTED","class":{"id":5,"message":"SUBMITTED"}}}]`,
      );
    expect((await adapter.queryOrder("M-1", context))?.supplierOrderId).toBe("22370051009876543210");
  });
});

describe("DT One catalogue, balance, lookup, confirm and cancel", () => {
  it("lists products over pages, as mobile, card or direct, with exact prices", async () => {
    dvs()
      .get("/v1/products")
      .query({ page: "1", per_page: "100" })
      .reply(
        200,
        [
          {
            id: 10001,
            name: "Singtel 10 SGD",
            type: "FIXED_VALUE_RECHARGE",
            source: { unit_type: "CURRENCY", unit: "USD", amount: 7.5 },
            destination: { unit_type: "CURRENCY", unit: "SGD", amount: 10 },
            prices: {
              wholesale: { unit_type: "CURRENCY", unit: "USD", amount: 7.2, fee: 0.1 },
              retail: null,
            },
            required_credit_party_identifier_fields: [["mobile_number"]],
          },
          {
            id: 10004,
            name: "PLN 100k",
            type: "FIXED_VALUE_RECHARGE",
            destination: { unit_type: "CURRENCY", unit: "IDR", amount: 100000 },
            prices: { wholesale: { unit_type: "CURRENCY", unit: "USD", amount: 6.8, fee: 0.05 } },
            required_credit_party_identifier_fields: [["account_number"]],
          },
        ],
        { "x-next-page": "2", "x-total-pages": "2" },
      );
    dvs()
      .get("/v1/products")
      .query({ page: "2", per_page: "100" })
      .reply(
        200,
        [
          {
            id: 10003,
            name: "Steam 20",
            type: "FIXED_VALUE_PIN_PURCHASE",
            destination: { unit_type: "CURRENCY", unit: "USD", amount: 20 },
          },
          {
            id: 10002,
            name: "Telkomsel",
            type: "RANGED_VALUE_RECHARGE",
            source: { unit_type: "CURRENCY", unit: "USD", amount: { min: 1, max: 50 } },
            destination: { unit_type: "CURRENCY", unit: "IDR", amount: { min: 15000, max: 750000 } },
          },
        ],
        { "x-total-pages": "2" },
      );
    const products = await adapter.listProducts({}, context);
    expect(products.map((product) => [product.sku, product.kind])).toEqual([
      ["10001", "mobile"],
      ["10004", "direct"],
      ["10003", "card"],
      ["10002", "mobile"],
    ]);
    expect(products[0]).toMatchObject({
      faceValue: { amount: "10.00", currency: "SGD" },
      price: { amount: "7.30", currency: "USD" },
      saleStatus: "on_sale",
    });
    expect(products[1]!.price).toEqual({ amount: "6.85", currency: "USD" });
    expect(products[3]!.price).toBeUndefined();
    expect(products[3]!.details).toContain("destination IDR 15000–750000");
  });

  it("a product DT One does not know is undefined", async () => {
    dvs().get("/v1/products/99999").reply(404, errors(1000404, "Resource not found"));
    expect(await adapter.getProduct("99999", context)).toBeUndefined();
  });

  it("reads the balance in the chosen currency", async () => {
    const balances = [
      { id: 1, unit_type: "CURRENCY", unit: "USD", available: 9953.7, holding: 7.3, credit_limit: 0 },
      { id: 2, unit_type: "CURRENCY", unit: "EUR", available: 12.05, holding: 0, credit_limit: 0 },
    ];
    dvs().get("/v1/balances").times(2).reply(200, balances);
    expect((await adapter.getBalance!(context)).available).toEqual({ amount: "9953.70", currency: "USD" });
    const euro = createDtoneAdapter({
      apiKey,
      apiSecret,
      environment: "sandbox",
      endpoint: base,
      balanceCurrency: "EUR",
    });
    expect((await euro.getBalance!(context)).available).toEqual({ amount: "12.05", currency: "EUR" });
  });

  it("looks up a number's operators", async () => {
    dvs()
      .get("/v1/lookup/mobile-number/%2B6591234567")
      .reply(200, [
        { id: 101, name: "Singtel", identified: true, country: { iso_code: "SGP", name: "Singapore" } },
      ]);
    expect(await adapter.lookup("+6591234567", context)).toEqual([
      { operatorId: "101", name: "Singtel", countryIsoCode: "SGP", identified: true },
    ]);
  });

  it("confirms, cancels and fetches a transaction by id; their refusals are typed", async () => {
    dvs().post("/v1/async/transactions/2237005100/confirm").reply(202, transaction());
    dvs()
      .post("/v1/transactions/2237005100/cancel")
      .reply(202, transaction(status("CANCELLED", "CANCELLED", 4)));
    dvs()
      .post("/v1/transactions/2237005100/cancel")
      .reply(400, errors(1007007, "Transaction can no longer be cancelled"));
    dvs()
      .get("/v1/transactions/2237005100")
      .reply(200, transaction(status("COMPLETED", "COMPLETED", 7)));
    dvs().get("/v1/transactions/1").reply(404, errors(1008004, "Transaction not found"));
    expect((await adapter.confirm("2237005100", context)).status).toBe("processing");
    expect(await adapter.cancel("2237005100", context)).toMatchObject({
      status: "failed",
      failure: { code: "cancelled" },
    });
    await expect(adapter.cancel("2237005100", context)).rejects.toMatchObject({
      vendorCode: "1007007",
      code: "request_rejected",
    });
    expect((await adapter.getTransaction("2237005100", context))?.status).toBe("succeeded");
    expect(await adapter.getTransaction("1", context)).toBeUndefined();
    await expect(adapter.confirm("12/../x", context)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("DT One callbacks", () => {
  it("reads only the transaction a callback names; the claimed status is never trusted", async () => {
    const body = JSON.stringify(
      transaction({ ...status("COMPLETED", "COMPLETED", 7), pin: { code: "FORGED", serial: "X" } }),
    );
    const { update, sentAtMs } = await adapter.verifyCallback!(
      { body: Buffer.from(body), headers: { "content-type": "application/json" } },
      context,
    );
    expect(update).toMatchObject({
      merchantOrderId: "M-1",
      supplierOrderId: "2237005100",
      status: "unknown",
      source: "callback",
    });
    expect(update.cards).toBeUndefined();
    expect(sentAtMs).toBeUndefined();
    expect(adapter.capabilities.callbacks).toBe("refetch");
  });

  it("refuses a body that names no transaction", async () => {
    for (const body of ["", "garbage", "[]", '{"id":1}', '{"external_id":"../../x"}']) {
      await expect(adapter.verifyCallback!({ body, headers: {} }, context)).rejects.toBeInstanceOf(
        MalformedPayloadError,
      );
    }
  });

  it("acknowledges with a 2xx, asks for a retry otherwise", () => {
    expect(adapter.callbackAck!(true).status).toBe(200);
    expect(adapter.callbackAck!(false).status).toBe(500);
  });
});

describe("DT One adapter configuration", () => {
  it("declares its capabilities", () => {
    expect(adapter.capabilities).toMatchObject({
      duplicateOrderId: "reject",
      callbacks: "refetch",
      stock: false,
      balance: true,
      cardDelivery: true,
      orderKinds: ["mobile", "card", "direct"],
      resendAfterNotFound: true,
    });
  });

  it("uses the environment's base URL", async () => {
    expect(DTONE_PRODUCTION_ENDPOINT).toBe("https://dvs-api.dtone.com/v1");
    expect(DTONE_SANDBOX_ENDPOINT).toBe("https://preprod-dvs-api.dtone.com/v1");
    const production = createDtoneAdapter({ apiKey, apiSecret, environment: "production" });
    nock("https://dvs-api.dtone.com", { reqheaders: { authorization: basic } })
      .get("/v1/balances")
      .reply(200, [{ id: 1, unit_type: "CURRENCY", unit: "USD", available: 1, holding: 0, credit_limit: 0 }]);
    expect((await production.getBalance!(context)).available.amount).toBe("1.00");
  });

  it("refuses missing credentials and bad options", () => {
    expect(() => createDtoneAdapter({ apiKey: "", apiSecret, environment: "sandbox" })).toThrow(/apiKey/);
    expect(() => createDtoneAdapter({ apiKey, apiSecret: "", environment: "sandbox" })).toThrow(/apiSecret/);
    expect(() => createDtoneAdapter({ apiKey, apiSecret, environment: "staging" as never })).toThrow(
      /environment/,
    );
    expect(() => createDtoneAdapter({ apiKey, apiSecret, environment: "sandbox", endpoint: "nope" })).toThrow(
      /endpoint/,
    );
    expect(() =>
      createDtoneAdapter({ apiKey, apiSecret, environment: "sandbox", mode: "batch" as never }),
    ).toThrow(/mode/);
  });

  it("never shows the credentials when printed, and lists them for log scrubbing", () => {
    const printed = `${inspect(adapter, { depth: 6, showHidden: true })} ${JSON.stringify(adapter)}`;
    expect(printed).not.toContain(apiSecret);
    expect(printed).not.toContain(basic.slice(6));
    expect(adapter.secretValues()).toEqual(expect.arrayContaining([apiSecret, basic.slice(6)]));
    const lines: unknown[] = [];
    const logger = createRedactingLogger(
      { debug: () => {}, info: (object) => void lines.push(object), warn: () => {}, error: () => {} },
      { secretValues: adapter.secretValues() },
    );
    logger.info({ headers: { authorization: basic }, note: `secret is ${apiSecret}` });
    expect(JSON.stringify(lines)).not.toContain(apiSecret);
    expect(JSON.stringify(lines)).not.toContain(basic.slice(6));
    expect(silentLogger).toBeDefined();
  });
});

describe("DT One amounts on the wire (regression: leading zeros)", () => {
  it("writes an amount with leading zeros as a JSON number that parses to the same value", () => {
    // MoneySchema accepts "007.50"; spliced as-is it made the request body invalid JSON.
    const wire = serializeDtoneJson({ amount: dtoneDecimal("007.50"), product_id: dtoneDecimal("0042") });
    expect(wire).toBe('{"amount":7.50,"product_id":42}');
    expect(JSON.parse(wire)).toEqual({ amount: 7.5, product_id: 42 });
    expect(serializeDtoneJson({ amount: dtoneDecimal("-00.5") })).toBe('{"amount":-0.5}');
  });
});

describe("createDtoneAdapter options (regression)", () => {
  it("a non-string endpoint is a ConfigurationError naming it, not a TypeError", async () => {
    const { ConfigurationError } = await import("kaquan");
    expect(() =>
      createDtoneAdapter({ apiKey: "k", apiSecret: "s", environment: "sandbox", endpoint: true as never }),
    ).toThrow(ConfigurationError);
    expect(() =>
      createDtoneAdapter({ apiKey: "k", apiSecret: "s", environment: "sandbox", endpoint: true as never }),
    ).toThrow(/endpoint must be a URL string/);
  });
});
