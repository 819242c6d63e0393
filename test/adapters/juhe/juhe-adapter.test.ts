import { inspect } from "node:util";
import { type AdapterContext, createHttpTransport, md5Hex, silentLogger } from "kaquan";
import { createJuheAdapter, defaultJuheErrorTable, juheGameStates } from "kaquan/adapters/juhe";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const key = "JUHE-KEY-SENTINEL-0001";
const openId = "JUHE-OPENID-SENTINEL-0002";
const origin = "http://juhe.test";
const now = 1_800_000_000_000;
const transport = createHttpTransport({ timeoutMs: 2_000 });
const context: AdapterContext = { http: transport, clock: { now: () => now }, logger: silentLogger };
const adapter = createJuheAdapter({ key, openId, endpoint: `${origin}/ofpay/mobile/` });

const request = {
  merchantOrderId: "JUHE000001",
  kind: "mobile" as const,
  account: "13800138000",
  quantity: 1,
  faceValue: { amount: "100", currency: "CNY" },
};
const envelope = (result: unknown, code = 0, reason = "成功") => ({ reason, result, error_code: code });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  transport.close();
});

describe("Juhe requests", () => {
  it("POSTs onlineorder with sign = md5(OpenID + key + phoneno + cardnum + orderid)", async () => {
    let sent = "";
    nock(origin)
      .post("/ofpay/mobile/onlineorder", (body) => {
        sent = new URLSearchParams(body as Record<string, string>).toString();
        return true;
      })
      .reply(200, envelope({ uorderid: "JUHE000001", sporder_id: "J1", game_state: "0", ordercash: 99.5 }));
    const update = await adapter.placeOrder(request, context);
    const params = new URLSearchParams(sent);
    expect(Object.fromEntries(params)).toEqual({
      key,
      phoneno: "13800138000",
      cardnum: "100",
      orderid: "JUHE000001",
      sign: md5Hex(`${openId}${key}13800138000100JUHE000001`),
    });
    expect(update).toMatchObject({
      status: "processing",
      supplierOrderId: "J1",
      vendorStatus: "0",
      cost: { amount: "99.50", currency: "CNY" },
    });
  });

  it("signs yue with md5(OpenID + key + timestamp) in seconds", async () => {
    let query: Record<string, string> = {};
    nock(origin)
      .get("/ofpay/mobile/yue")
      .query((q) => {
        query = q as Record<string, string>;
        return true;
      })
      .reply(200, envelope({ uid: "u", money: "5.000" }));
    const balance = await adapter.getBalance!(context);
    expect(query).toEqual({ key, timestamp: "1800000000", sign: md5Hex(`${openId}${key}1800000000`) });
    expect(balance.available).toEqual({ amount: "5.00", currency: "CNY" });
  });

  it("refuses a decimal face value before sending", async () => {
    await expect(
      adapter.placeOrder({ ...request, faceValue: { amount: "10.5", currency: "CNY" } }, context),
    ).rejects.toThrow(/whole-yuan/);
  });
});

describe("Juhe tables", () => {
  const expectedCode: Record<string, string> = {
    insufficient_balance: "insufficient_balance",
    out_of_stock: "out_of_stock",
    invalid_account: "invalid_account",
    product_unavailable: "product_unavailable",
    authentication: "authentication_failed",
    bad_request: "request_rejected",
    duplicate_order: "duplicate_order",
    rate_limited: "rate_limited",
    system_error: "unrecognized_vendor_error",
  };
  for (const [code, meaning] of Object.entries(defaultJuheErrorTable.codes)) {
    if (meaning === "order_not_found") continue;
    it(`error_code ${code} → ${meaning}`, async () => {
      nock(origin)
        .post("/ofpay/mobile/onlineorder")
        .reply(200, envelope(null, Number(code), "错误"));
      const error = await adapter.placeOrder(request, context).catch((caught: unknown) => caught);
      expect((error as { code: string }).code).toBe(expectedCode[meaning]);
      expect((error as { vendorCode: string }).vendorCode).toBe(code);
      for (const text of [
        JSON.stringify(error),
        inspect(error, { depth: 5 }),
        String((error as Error).stack),
      ]) {
        expect(text).not.toContain(key);
        expect(text).not.toContain(openId);
      }
    });
  }

  it("an unknown error code is an unknown outcome, not a failure", async () => {
    nock(origin)
      .post("/ofpay/mobile/onlineorder")
      .reply(200, envelope(null, 777_777, "新的错误"));
    const error = await adapter.placeOrder(request, context).catch((caught: unknown) => caught);
    expect((error as { failureClass: string }).failureClass).toBe("sent_no_answer");
  });

  for (const [raw, status] of Object.entries(juheGameStates)) {
    it(`game_state ${raw} → ${status}, raw value kept`, async () => {
      nock(origin)
        .get("/ofpay/mobile/ordersta")
        .query(true)
        .reply(200, envelope({ uorderid: "JUHE000001", game_state: raw }));
      const update = await adapter.queryOrder("JUHE000001", context);
      expect(update?.status).toBe(status);
      expect(update?.vendorStatus).toBe(raw);
    });
  }
});

describe("createJuheAdapter options (regression)", () => {
  it("missing options are a ConfigurationError, not a TypeError", async () => {
    const { ConfigurationError } = await import("kaquan");
    expect(() => createJuheAdapter(undefined as never)).toThrow(ConfigurationError);
  });
});
