import {
  type AdapterContext,
  AuthenticationError,
  DuplicateOrderError,
  InsufficientBalanceError,
  MalformedPayloadError,
  NoAnswerError,
  OutOfStockError,
  RateLimitError,
  ResponseSignatureError,
  SignatureError,
  UnrecognizedVendorError,
  ValidationError,
} from "kaquan";
import {
  createFuluAdapter,
  encryptFuluCardField,
  fuluSign,
  verifyFuluSignedJson,
} from "kaquan/adapters/fulu";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHttpTransport, silentLogger } from "../../../src/runtime/index.js";

const appKey = "i4esv1l+76l/7NQCL3QudG90Fq+YgVfFGJAWgT+7qO1Bm9o/adG/1iwO2qXsAXNB";
const appSecret = "0a091b3aa4324435aab703142518a8f7";
const origin = "http://fulu.test";
const fixedNow = Date.UTC(2024, 0, 1, 4, 0, 0); // 2024-01-01 12:00:00 in Asia/Shanghai

const transport = createHttpTransport({ timeoutMs: 2_000 });
const context: AdapterContext = { http: transport, clock: { now: () => fixedNow }, logger: silentLogger };
const adapter = createFuluAdapter({ appKey, appSecret, endpoint: `${origin}/api/getway` });

type Sent = { body: Record<string, unknown>; raw: string; business: Record<string, unknown> };

/** Answers one gateway call with a signed success envelope and records what was sent. */
function answer(result: unknown, sent: Sent[] = [], options: { sign?: string } = {}) {
  const resultText = JSON.stringify(result);
  nock(origin)
    .post("/api/getway")
    .reply(200, (_uri, body) => {
      const raw = typeof body === "string" ? body : JSON.stringify(body);
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      sent.push({ body: parsed, raw, business: JSON.parse(String(parsed.biz_content)) });
      return {
        code: 0,
        message: "接口调用成功",
        result: resultText,
        sign: options.sign ?? fuluSign(resultText, appSecret),
      };
    });
  return sent;
}

function fail(code: number, message: string) {
  nock(origin).post("/api/getway").reply(200, { code, message, result: "", sign: "" });
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  transport.close();
});

const directRequest = {
  merchantOrderId: "M-1",
  kind: "direct" as const,
  sku: "10000001",
  quantity: 1,
  account: "player-42",
  accountFields: { region: "电信一区", server: "S1", password: "hunter2" },
};

describe("Fulu adapter requests", () => {
  it("signs the exact bytes it sends, with biz_content as a JSON string", async () => {
    const sent = answer({
      order_id: "22113024595794711936",
      customer_order_no: "M-1",
      order_state: "untreated",
      order_price: 46.3,
    });
    const update = await adapter.placeOrder(directRequest, context);
    const [request] = sent;
    expect(request).toBeDefined();
    expect(verifyFuluSignedJson(request!.raw, appSecret)).toBe(true);
    expect(request!.body).toMatchObject({
      app_key: appKey,
      method: "fulu.order.direct.add",
      timestamp: "2024-01-01 12:00:00",
      version: "2.0",
      format: "json",
      charset: "utf-8",
      sign_type: "md5",
      app_auth_token: "",
    });
    expect(typeof request!.body.biz_content).toBe("string");
    expect(request!.business).toEqual({
      product_id: 10000001,
      customer_order_no: "M-1",
      charge_account: "player-42",
      buy_num: 1,
      charge_game_region: "电信一区",
      charge_game_srv: "S1",
      charge_password: "hunter2",
    });
    expect(update).toMatchObject({
      merchantOrderId: "M-1",
      supplierOrderId: "22113024595794711936",
      status: "processing",
      vendorStatus: "untreated",
      cost: { amount: "46.30", currency: "CNY" },
    });
  });

  it("places card and mobile orders with their own methods", async () => {
    const sent = answer({ customer_order_no: "M-2", order_state: "processing" });
    answer({ customer_order_no: "M-3", order_state: "processing" }, sent);
    await adapter.placeOrder({ merchantOrderId: "M-2", kind: "card", sku: "20000001", quantity: 2 }, context);
    await adapter.placeOrder(
      {
        merchantOrderId: "M-3",
        kind: "mobile",
        account: "13800138000",
        faceValue: { amount: "100", currency: "CNY" },
        quantity: 1,
      },
      context,
    );
    expect(sent[0]!.body.method).toBe("fulu.order.card.add");
    expect(sent[0]!.business).toEqual({ product_id: 20000001, buy_num: 2, customer_order_no: "M-2" });
    expect(sent[1]!.body.method).toBe("fulu.order.mobile.add");
    expect(sent[1]!.business).toEqual({
      charge_phone: "13800138000",
      charge_value: 100,
      customer_order_no: "M-3",
    });
  });

  it("refuses a non-numeric sku before sending", async () => {
    await expect(adapter.placeOrder({ ...directRequest, sku: "abc" }, context)).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe("Fulu adapter answers", () => {
  const cases: Array<[number, string, new (...args: never[]) => Error]> = [
    [1006, "账户余额不足", InsufficientBalanceError],
    [1005, "库存不足", OutOfStockError],
    [3000, "外部订单号已存在", DuplicateOrderError],
    [1001, "签名错误", AuthenticationError],
    [1000, "系统繁忙", UnrecognizedVendorError],
    [7777, "奇怪的错误", UnrecognizedVendorError],
    [8888, "该订单号已存在", DuplicateOrderError],
  ];
  for (const [code, message, type] of cases) {
    it(`maps vendor code ${code} (${message}) to ${type.name}`, async () => {
      fail(code, message);
      const error = await adapter.placeOrder(directRequest, context).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(type);
      expect((error as { vendorCode?: string }).vendorCode).toBe(String(code));
      expect((error as { merchantOrderId?: string }).merchantOrderId).toBe("M-1");
    });
  }

  it("treats a wrong response signature as no answer", async () => {
    answer({ customer_order_no: "M-1", order_state: "success" }, [], { sign: "0".repeat(32) });
    await expect(adapter.placeOrder(directRequest, context)).rejects.toBeInstanceOf(ResponseSignatureError);
  });

  it("treats HTML gateway pages and truncated JSON as no answer, 429 as throttled", async () => {
    nock(origin)
      .post("/api/getway")
      .reply(502, "<html><body>502 Bad Gateway</body></html>", { "content-type": "text/html" });
    await expect(adapter.placeOrder(directRequest, context)).rejects.toBeInstanceOf(NoAnswerError);
    nock(origin).post("/api/getway").reply(200, '{"code":0,"message":"ok","result":"{\\"order');
    await expect(adapter.placeOrder(directRequest, context)).rejects.toBeInstanceOf(NoAnswerError);
    nock(origin).post("/api/getway").reply(429, "slow down", { "retry-after": "2" });
    const throttled = await adapter.placeOrder(directRequest, context).catch((caught: unknown) => caught);
    expect(throttled).toBeInstanceOf(RateLimitError);
    expect((throttled as RateLimitError).retryAfterMs).toBe(2000);
  });

  it("treats a result that is not JSON as malformed", async () => {
    nock(origin)
      .post("/api/getway")
      .reply(200, { code: 0, message: "ok", result: "not json", sign: fuluSign("not json", appSecret) });
    await expect(adapter.queryOrder("M-1", context)).rejects.toBeInstanceOf(MalformedPayloadError);
  });

  it("returns undefined for an order the supplier does not know", async () => {
    fail(1008, "订单不存在");
    expect(await adapter.queryOrder("M-404", context)).toBeUndefined();
  });

  it("decrypts card codes into Secrets", async () => {
    answer({
      customer_order_no: "M-2",
      order_state: "success",
      order_type: 3,
      buy_num: 1,
      cards: [
        {
          card_number: "12nCp6X/nALmrvr1erxK+D4L8n/kqz/RItKWUfvZrCU=",
          card_pwd: "9HeOgdv+NpLihh2+5Gm0Mj4L8n/kqz/RItKWUfvZrCU=",
          card_deadline: "2030-01-01",
          card_type: 0,
        },
      ],
    });
    const update = await adapter.queryOrder("M-2", context);
    expect(update?.status).toBe("succeeded");
    expect(update?.cards?.[0]?.number?.reveal()).toBe("CD1000250201906121742434441");
    expect(update?.cards?.[0]?.password.reveal()).toBe("CP1000250201906121742434441");
    expect(JSON.stringify(update)).not.toContain("CP1000");
  });

  it("keeps a card order processing while success comes without codes (F24)", async () => {
    answer({
      customer_order_no: "M-2",
      order_state: "success",
      order_type: 3,
      buy_num: 2,
      cards: [{ card_pwd: encryptFuluCardField("ONLY-ONE", appSecret) }],
    });
    const partial = await adapter.queryOrder("M-2", context);
    expect(partial?.status).toBe("processing");
    expect(partial?.vendorStatus).toBe("success");
    answer({
      customer_order_no: "M-2",
      order_state: "success",
      order_type: 3,
      buy_num: 1,
      cards: [{ card_pwd: encryptFuluCardField("  ", appSecret) }],
    });
    expect((await adapter.queryOrder("M-2", context))?.status).toBe("processing");
  });

  it("maps an unseen order state to unknown and keeps the raw value", async () => {
    answer({ customer_order_no: "M-1", order_state: "suspended" });
    const update = await adapter.queryOrder("M-1", context);
    expect(update?.status).toBe("unknown");
    expect(update?.vendorStatus).toBe("suspended");
  });

  it("reads products, stock and balance with their Chinese statuses", async () => {
    answer([
      {
        product_id: 10000001,
        product_name: "王者荣耀 60点券",
        product_type: "直充",
        face_value: 6,
        purchase_price: 5.7,
        sales_status: "上架",
        stock_status: "充足",
        template_id: "T1",
      },
      {
        product_id: 20000001,
        product_name: "京东E卡 100元",
        product_type: "卡密",
        face_value: "100",
        purchase_price: "98.5000",
        sales_status: "维护中",
        stock_status: "断货",
      },
    ]);
    const products = await adapter.listProducts({}, context);
    expect(products[0]).toMatchObject({
      sku: "10000001",
      kind: "direct",
      saleStatus: "on_sale",
      stockStatus: "in_stock",
      price: { amount: "5.70" },
      accountTemplateId: "T1",
    });
    expect(products[1]).toMatchObject({
      sku: "20000001",
      kind: "card",
      saleStatus: "maintenance",
      stockStatus: "out_of_stock",
      price: { amount: "98.50" },
    });
    answer({ product_id: "20000001", stock_status: "警报" });
    expect((await adapter.getStock!("20000001", 3, context)).status).toBe("low");
    answer({ name: "merchant", balance: 9953.7, is_open: 1 });
    expect(await adapter.getBalance!(context)).toMatchObject({
      available: { amount: "9953.70", currency: "CNY" },
      enabled: true,
    });
  });
});

describe("Fulu callbacks", () => {
  const fields = {
    order_id: "22113024595794711936",
    charge_finish_time: "2022-11-30 20:14:15",
    customer_order_no: "CZH22113028634A00N1",
    order_status: "success",
    recharge_description: "充值成功",
    product_id: "18221081",
    price: "46.3000",
    buy_num: "1",
    operator_serial_number: "X1",
  };
  const sign = fuluSign(JSON.stringify(fields), appSecret);

  it("verifies a JSON callback over its raw bytes and parses it", async () => {
    const body = JSON.stringify({ ...fields, sign });
    const { update } = await adapter.verifyCallback!(
      { body: Buffer.from(body), headers: { "content-type": "application/json" } },
      context,
    );
    expect(update).toMatchObject({
      merchantOrderId: "CZH22113028634A00N1",
      supplierOrderId: "22113024595794711936",
      status: "succeeded",
      vendorStatus: "success",
      cost: { amount: "46.30", currency: "CNY" },
      occurredAt: "2022-11-30T12:14:15.000Z",
    });
  });

  it("reads numbers as text and null fields as absent", async () => {
    const unsigned = { ...fields, order_id: 221130245957, price: null, buy_num: 1 };
    const body = JSON.stringify({ ...unsigned, sign: fuluSign(JSON.stringify(unsigned), appSecret) });
    const { update } = await adapter.verifyCallback!({ body, headers: {} }, context);
    expect(update.supplierOrderId).toBe("221130245957");
    expect(update.status).toBe("succeeded");
    expect(update).not.toHaveProperty("cost");
  });

  it("refuses a verified callback without the order number or status as malformed", async () => {
    for (const missing of ["customer_order_no", "order_status"] as const) {
      const { [missing]: _left, ...rest } = fields;
      const body = JSON.stringify({ ...rest, sign: fuluSign(JSON.stringify(rest), appSecret) });
      await expect(adapter.verifyCallback!({ body, headers: {} }, context)).rejects.toBeInstanceOf(
        MalformedPayloadError,
      );
    }
  });

  it("verifies a form-encoded callback", async () => {
    const body = new URLSearchParams({ ...fields, sign }).toString();
    const { update } = await adapter.verifyCallback!(
      { body, headers: { "content-type": "application/x-www-form-urlencoded" } },
      context,
    );
    expect(update.status).toBe("succeeded");
  });

  it("rejects forged, tampered and unreadable callbacks", async () => {
    const forged = JSON.stringify({
      ...fields,
      sign: fuluSign(JSON.stringify(fields), "ffffffffffffffffffffffffffffffff"),
    });
    const tampered = JSON.stringify({ ...fields, order_status: "failed", sign });
    for (const body of [forged, tampered, JSON.stringify(fields), "garbage", ""]) {
      await expect(adapter.verifyCallback!({ body, headers: {} }, context)).rejects.toBeInstanceOf(
        SignatureError,
      );
    }
  });

  it("acknowledges with the literal success", () => {
    expect(adapter.callbackAck!(true)).toEqual({
      status: 200,
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: "success",
    });
    expect(adapter.callbackAck!(false).body).not.toBe("success");
  });
});

describe("Fulu adapter configuration", () => {
  it("refuses a missing key or a secret of the wrong length", () => {
    expect(() => createFuluAdapter({ appKey: "", appSecret })).toThrow(/appKey/);
    expect(() => createFuluAdapter({ appKey, appSecret: "short" })).toThrow(/32-character/);
  });
  it("never shows the secret when inspected", async () => {
    const { inspect } = await import("node:util");
    expect(inspect(adapter, { depth: 5, showHidden: true })).not.toContain(appSecret);
    expect(JSON.stringify(adapter)).not.toContain(appSecret);
  });
});
