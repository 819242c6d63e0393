import { inspect } from "node:util";
import {
  type AdapterContext,
  AuthenticationError,
  ConfigurationError,
  createHttpTransport,
  DuplicateOrderError,
  InsufficientBalanceError,
  InvalidAccountError,
  type KaquanError,
  md5Hex,
  OutOfStockError,
  ProductUnavailableError,
  RateLimitError,
  RequestRejectedError,
  SignatureError,
  silentLogger,
  UnrecognizedVendorError,
  ValidationError,
} from "kaquan";
import { aesEncryptBase64 } from "kaquan/adapter-kit";
import {
  chengquanCouponStates,
  chengquanMixedCouponStates,
  chengquanRechargeStates,
  createChengquanAdapter,
  defaultChengquanErrorTable,
} from "kaquan/adapters/chengquan";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const appId = "15020190001";
const appKey = "CQ-APPKEY-SENTINEL-0000000000001";
const aesKey = "CQAesKeySentinel";
const aesIv = "CQAesIvSentinel1";
const origin = "http://chengquan.test";
const now = 1_800_000_000_123;
const transport = createHttpTransport({ timeoutMs: 2_000 });
const context: AdapterContext = { http: transport, clock: { now: () => now }, logger: silentLogger };
const adapter = createChengquanAdapter({
  appId,
  appKey,
  aesKey,
  aesIv,
  endpoint: `${origin}/`,
  notifyUrl: "https://shop.example/cq/notify?a=1&b=2",
});

const envelope = (data: unknown, code = 7000, message = "请求通过") => ({ code, message, data });
/** The signature written by hand from the vendor description, independent of the adapter. */
const signOf = (base: string) => md5Hex(`${base}&key=${appKey}`).toUpperCase();

/** Intercepts one GET of `path` and records its raw query string. */
function intercept(
  path: string,
  body: string | Record<string, unknown>,
  status = 200,
): { query: () => string } {
  let raw = "";
  nock(origin)
    .get((uri) => {
      const [pathname, query = ""] = uri.split("?");
      if (pathname !== `/${path}`) return false;
      raw = query;
      return true;
    })
    .reply(status, body);
  return { query: () => raw };
}

const mobileRequest = {
  merchantOrderId: "CQ0001",
  kind: "mobile" as const,
  account: "13800138000",
  quantity: 1,
  faceValue: { amount: "50", currency: "CNY" },
};
const cardRequest = { merchantOrderId: "CQ0002", kind: "card" as const, sku: "10010001", quantity: 2 };
const directRequest = {
  merchantOrderId: "CQ0003",
  kind: "direct" as const,
  sku: "20001",
  account: "player 1+",
  quantity: 3,
};
const rechargeAnswer = (state: string, orderNo = "CQ0001") =>
  envelope({
    app_id: appId,
    order_no: orderNo,
    recharge_number: "13800138000",
    start_time: "2027-01-15 08:00:00",
    end_time: "2027-01-15 08:00:05",
    state,
    consume_amount: 49.8,
  });
const couponItem = (fields: Record<string, unknown> = {}) => ({
  user_order_no: "CQ0002",
  order_no: "CQ2027011508000000001",
  state: "SUCCESS",
  price: 19.8,
  goods_no: "10010001",
  goods_name: "月卡",
  goods_type: "PASSWORD",
  goods_number: "",
  goods_password: "",
  goods_link: "",
  create_time: 1_800_000_000_000,
  complete_time: 1_800_000_005_000,
  effective_time: 1_831_536_000_000,
  ...fields,
});
const encrypt = (plain: string, key = aesKey, iv = aesIv) =>
  aesEncryptBase64(plain, { mode: "cbc", key: Buffer.from(key), iv: Buffer.from(iv) });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  transport.close();
});

describe("Chengquan requests: GET, sorted k=v&…, empty values skipped, &key=APP_KEY, upper-case MD5", () => {
  it("order/tel/pay: price in 分, notify_url, timestamp in ms", async () => {
    const call = intercept("order/tel/pay", rechargeAnswer("RECHARGE"));
    const update = await adapter.placeOrder(mobileRequest, context);
    const base =
      `app_id=${appId}&notify_url=https://shop.example/cq/notify?a=1&b=2&order_no=CQ0001&price=5000` +
      `&recharge_number=13800138000&timestamp=${now}`;
    expect(call.query()).toBe(
      `app_id=${appId}&timestamp=${now}&order_no=CQ0001&recharge_number=13800138000&price=5000` +
        `&notify_url=https%3A%2F%2Fshop.example%2Fcq%2Fnotify%3Fa%3D1%26b%3D2&sign=${signOf(base)}`,
    );
    expect(update).toMatchObject({
      merchantOrderId: "CQ0001",
      status: "processing",
      vendorStatus: "RECHARGE",
      kind: "mobile",
      cost: { amount: "49.80", currency: "CNY" },
    });
    expect(update.supplierOrderId).toBeUndefined();
  });

  it("order/directCharge: product_id = sku, amount = quantity, version 1.1.0, no ip unless given", async () => {
    const call = intercept("order/directCharge", rechargeAnswer("RECHARGE", "CQ0003"));
    await adapter.placeOrder(directRequest, context);
    const params = Object.fromEntries(new URLSearchParams(call.query()));
    expect(params).toEqual({
      app_id: appId,
      timestamp: String(now),
      order_no: "CQ0003",
      recharge_number: "player 1+",
      product_id: "20001",
      amount: "3",
      notify_url: "https://shop.example/cq/notify?a=1&b=2",
      version: "1.1.0",
      sign: signOf(
        `amount=3&app_id=${appId}&notify_url=https://shop.example/cq/notify?a=1&b=2&order_no=CQ0003` +
          `&product_id=20001&recharge_number=player 1+&timestamp=${now}&version=1.1.0`,
      ),
    });
    // Form encoding on the wire: a space is +, a plus is %2B; the signature covers the decoded value.
    expect(call.query()).toContain("recharge_number=player+1%2B");

    const withIp = intercept("order/directCharge", rechargeAnswer("RECHARGE", "CQ0004"));
    await adapter.placeOrder(
      {
        ...directRequest,
        merchantOrderId: "CQ0004",
        accountFields: { customerIp: "203.0.113.7" },
      },
      context,
    );
    expect(new URLSearchParams(withIp.query()).get("ip")).toBe("203.0.113.7");
  });

  it("coupon/order/pay: user_order_no, goods_no, count; no notify_url; empty values are neither sent nor signed", async () => {
    const bare = createChengquanAdapter({ appId, appKey, aesKey, aesIv, endpoint: origin });
    const call = intercept("coupon/order/pay", envelope([couponItem({ state: "RECHARGE" })]));
    await bare.placeOrder(cardRequest, context);
    const base = `app_id=${appId}&count=2&goods_no=10010001&timestamp=${now}&user_order_no=CQ0002`;
    expect(call.query()).toBe(
      `app_id=${appId}&timestamp=${now}&user_order_no=CQ0002&goods_no=10010001&count=2&sign=${signOf(base)}`,
    );
    const withMobile = intercept("coupon/order/pay", envelope([couponItem({ state: "RECHARGE" })]));
    await bare.placeOrder({ ...cardRequest, accountFields: { contactPhone: "13800138000" } }, context);
    expect(new URLSearchParams(withMobile.query()).get("mobile")).toBe("13800138000");
  });

  it("a call without parameters of its own signs app_id and timestamp only", async () => {
    const call = intercept("user/balance/get", envelope({ app_id: appId, balance: 1234.5 }));
    const balance = await adapter.getBalance!(context);
    expect(call.query()).toBe(
      `app_id=${appId}&timestamp=${now}&sign=${signOf(`app_id=${appId}&timestamp=${now}`)}`,
    );
    // The balance is in 元.
    expect(balance.available).toEqual({ amount: "1234.50", currency: "CNY" });
  });

  it("refuses more than 50 codes, and a bad order id, before sending", async () => {
    await expect(adapter.placeOrder({ ...cardRequest, quantity: 51 }, context)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      adapter.placeOrder({ ...cardRequest, merchantOrderId: "X".repeat(33) }, context),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("reads stock, notes and the sandbox gateway", async () => {
    intercept("coupon/goods/stock", envelope({ name: "月卡", goods_no: "10010001", stock_num: 1 }));
    expect(await adapter.getStock!("10010001", 2, context)).toMatchObject({
      status: "low",
      available: 1,
      vendorStatus: "1",
    });
    intercept("coupon/goods/notes", envelope("使用须知"));
    expect(await adapter.goodsNotes("10010001", context)).toBe("使用须知");
    const sandbox = createChengquanAdapter({ appId, appKey, aesKey, aesIv, environment: "sandbox" });
    nock("http://test.api.chengquan.vip:11140")
      .get("/user/balance/get")
      .query(true)
      .reply(200, envelope({ app_id: appId, balance: 0 }));
    expect((await sandbox.getBalance!(context)).available.amount).toBe("0.00");
  });
});

describe("Chengquan signatures: the vendor's own vector", () => {
  // javareact/chengquan-openapi tests/SignTest.php, with the test-environment APP_KEY published in
  // public integration code (the same vector the simulator's tests check).
  const testEnvironmentKey = "0BE0C9FEE504983B285B9407CB9C85D9";
  const vendor = createChengquanAdapter({
    appId,
    appKey: testEnvironmentKey,
    aesKey,
    aesIv,
    endpoint: origin,
  });
  const body =
    "order_no=1578471536&sign=9FA0E855DB258C1CBA8DFD7DC79A4C06&state=SUCCESS&app_id=15020190001&timestamp=1578471759938";

  it("verifies SignTest.php's callback", async () => {
    const { update } = await vendor.verifyCallback!({ body, headers: {} }, context);
    expect(update).toMatchObject({
      merchantOrderId: "1578471536",
      status: "succeeded",
      vendorStatus: "SUCCESS",
    });
    expect(
      md5Hex(
        `app_id=15020190001&order_no=1578471536&state=SUCCESS&timestamp=1578471759938&key=${testEnvironmentKey}`,
      ).toUpperCase(),
    ).toBe("9FA0E855DB258C1CBA8DFD7DC79A4C06");
  });

  it("rejects it with one field changed, with another key, or without a signature", async () => {
    for (const forged of [
      body.replace("state=SUCCESS", "state=FAILURE"),
      body.replace("1578471536", "1578471537"),
      body.replace("sign=9FA0E855DB258C1CBA8DFD7DC79A4C06&", ""),
      body.replace("sign=9FA0E855DB258C1CBA8DFD7DC79A4C06", "sign="),
      `${body}&extra=1`,
    ]) {
      await expect(vendor.verifyCallback!({ body: forged, headers: {} }, context)).rejects.toBeInstanceOf(
        SignatureError,
      );
    }
    await expect(adapter.verifyCallback!({ body, headers: {} }, context)).rejects.toBeInstanceOf(
      SignatureError,
    );
  });

  it("signs callbacks over every received field; empty ones are skipped", async () => {
    const fields = `app_id=${appId}&order_no=CQ0001&remark=&state=FAILURE&timestamp=${now}&zeta=0`;
    const sign = signOf(`app_id=${appId}&order_no=CQ0001&state=FAILURE&timestamp=${now}&zeta=0`);
    const { update } = await adapter.verifyCallback!(
      { body: `${fields}&sign=${sign}`, headers: {} },
      context,
    );
    expect(update).toMatchObject({ merchantOrderId: "CQ0001", status: "failed" });
  });

  it("reads coupon callbacks by user_order_no", async () => {
    const fields = `app_id=${appId}&count=1&goods_no=10010001&order_no=CQ2027&state=SUCCESS&timestamp=${now}&user_order_no=CQ0002`;
    const { update } = await adapter.verifyCallback!(
      { body: `${fields}&sign=${signOf(fields)}`, headers: {} },
      context,
    );
    expect(update).toMatchObject({
      merchantOrderId: "CQ0002",
      supplierOrderId: "CQ2027",
      status: "succeeded",
    });
  });

  it("decrypts AESTest.php's ciphertext with the 16-character key and IV", async () => {
    const aesVendor = createChengquanAdapter({
      appId,
      appKey,
      aesKey: "7UpyiWxTijDqxYu6",
      aesIv: "ifGOeBnEUUe2xo8Q",
      endpoint: origin,
    });
    intercept(
      "coupon/order/query",
      envelope([
        couponItem({ goods_password: "2SilothZONRO6H/W/j34DPs3C7zoFW58Hp1q7iskXmhuexmPudtdf0IohvKCuFrG" }),
      ]),
    );
    const update = await aesVendor.queryOrder("CQ0002", context, { kind: "card" });
    expect(update?.cards?.map((card) => card.password.reveal())).toEqual([
      "1ac5ec57-d5e5-4f92-8089-71d5aeeec346",
    ]);
  });
});

describe("Chengquan coupon answers", () => {
  it("decrypts number and password into Secrets, with expiry, cost and kind", async () => {
    const call = intercept(
      "coupon/order/query",
      envelope([
        couponItem({
          goods_type: "NUMBER_PASSWORD",
          goods_number: encrypt("N-1"),
          goods_password: encrypt("P-1"),
        }),
        couponItem({
          goods_type: "NUMBER_PASSWORD",
          goods_number: encrypt("N-2"),
          goods_password: encrypt("P-2"),
        }),
      ]),
    );
    const update = await adapter.queryOrder("CQ0002", context, { kind: "card" });
    expect(new URLSearchParams(call.query()).get("user_order_no")).toBe("CQ0002");
    expect(update).toMatchObject({
      merchantOrderId: "CQ0002",
      supplierOrderId: "CQ2027011508000000001",
      status: "succeeded",
      kind: "card",
      cost: { amount: "39.60", currency: "CNY" },
    });
    expect(
      update!.cards!.map((card) => [card.number?.reveal(), card.password.reveal(), card.format]),
    ).toEqual([
      ["N-1", "P-1", "code"],
      ["N-2", "P-2", "code"],
    ]);
    expect(update!.cards![0]!.expiresAt).toBe(new Date(1_831_536_000_000).toISOString());
    expect(JSON.stringify(update)).not.toContain("P-1");
    expect(inspect(update, { depth: 10 })).not.toContain("P-1");
  });

  it("delivers LINK goods from goods_link", async () => {
    intercept(
      "coupon/order/query",
      envelope([couponItem({ goods_type: "LINK", goods_link: encrypt("https://c.example/r/1") })]),
    );
    const update = await adapter.queryOrder("CQ0002", context, { kind: "card" });
    expect(update?.status).toBe("succeeded");
    expect(update?.cards?.map((card) => [card.password.reveal(), card.format])).toEqual([
      ["https://c.example/r/1", "link"],
    ]);
  });

  for (const [name, fields] of [
    ["an empty code", { goods_password: "" }],
    ["a null code", { goods_password: null }],
    ["an encrypted empty code", { goods_password: encrypt("") }],
    ["a code of spaces", { goods_password: encrypt("   ") }],
  ] as const) {
    it(`a SUCCESS with ${name} is not delivered as success`, async () => {
      intercept("coupon/order/query", envelope([couponItem(fields)]));
      const update = await adapter.queryOrder("CQ0002", context, { kind: "card" });
      expect(update).toMatchObject({ status: "processing", vendorStatus: "SUCCESS", cards: [] });
    });
  }

  it("one empty code among two keeps the order processing", async () => {
    intercept(
      "coupon/order/query",
      envelope([couponItem({ goods_password: encrypt("P-1") }), couponItem({ goods_password: "" })]),
    );
    expect((await adapter.queryOrder("CQ0002", context, { kind: "card" }))?.status).toBe("processing");
  });

  it("items that disagree: the distinct states joined, FAILURE,SUCCESS is partial", async () => {
    intercept(
      "coupon/order/query",
      envelope([couponItem({ goods_password: encrypt("P-1") }), couponItem({ state: "FAILURE" })]),
    );
    const update = await adapter.queryOrder("CQ0002", context, { kind: "card" });
    expect(update).toMatchObject({ status: "partially_succeeded", vendorStatus: "FAILURE,SUCCESS" });
    expect(update?.cards?.map((card) => card.password.reveal())).toEqual(["P-1"]);
  });

  it("a code that does not decrypt with the configured key is a malformed answer, without the key", async () => {
    intercept(
      "coupon/order/query",
      envelope([couponItem({ goods_password: encrypt("P-1", "AnotherKey123456") })]),
    );
    const error = (await adapter
      .queryOrder("CQ0002", context, { kind: "card" })
      .catch((caught: unknown) => caught)) as KaquanError;
    expect(error.code).toBe("malformed_payload");
    expect(JSON.stringify(error) + inspect(error)).not.toContain(aesKey);
  });
});

describe("Chengquan tables", () => {
  const expectedClass: Record<string, new (...args: never[]) => KaquanError> = {
    insufficient_balance: InsufficientBalanceError,
    out_of_stock: OutOfStockError,
    invalid_account: InvalidAccountError,
    product_unavailable: ProductUnavailableError,
    authentication: AuthenticationError,
    bad_request: RequestRejectedError,
    duplicate_order: DuplicateOrderError,
    rate_limited: RateLimitError,
    system_error: UnrecognizedVendorError,
    order_not_found: UnrecognizedVendorError,
  };
  for (const [code, meaning] of Object.entries(defaultChengquanErrorTable.codes)) {
    it(`code ${code} → ${meaning}`, async () => {
      intercept("coupon/order/pay", envelope(null, Number(code), "错误"));
      const error = (await adapter
        .placeOrder(cardRequest, context)
        .catch((caught: unknown) => caught)) as KaquanError;
      expect(error).toBeInstanceOf(expectedClass[meaning]!);
      expect(error.vendorCode).toBe(code);
      if (meaning === "system_error") expect(error.failureClass).toBe("sent_no_answer");
      for (const text of [JSON.stringify(error), inspect(error, { depth: 5 }), String(error.stack)]) {
        for (const secret of [appKey, aesKey, aesIv]) expect(text).not.toContain(secret);
      }
    });
  }

  it("7016 on a query means the supplier has no such order", async () => {
    intercept("order/get", envelope(null, 7016, "请求订单不存在"));
    expect(await adapter.queryOrder("CQ0001", context, { kind: "mobile" })).toBeUndefined();
  });

  it("an unknown code is an unknown outcome, not a failure", async () => {
    intercept("order/tel/pay", envelope(null, 7123, "未知"));
    const error = (await adapter
      .placeOrder(mobileRequest, context)
      .catch((caught: unknown) => caught)) as KaquanError;
    expect(error).toBeInstanceOf(UnrecognizedVendorError);
    expect(error.failureClass).toBe("sent_no_answer");
  });

  it("an unknown code with known wording is classified by its message; errorCodes overrides rows", async () => {
    intercept("order/tel/pay", envelope(null, 7999, "请求过于频繁，请稍后再试"), 429);
    await expect(adapter.placeOrder(mobileRequest, context)).rejects.toBeInstanceOf(RateLimitError);
    const strict = createChengquanAdapter({
      appId,
      appKey,
      aesKey,
      aesIv,
      endpoint: origin,
      errorCodes: { "7002": "bad_request" },
    });
    intercept("order/tel/pay", envelope(null, 7002, "请求超时"));
    await expect(strict.placeOrder(mobileRequest, context)).rejects.toBeInstanceOf(RequestRejectedError);
  });

  it("a gateway page is an unreadable answer (unknown outcome)", async () => {
    intercept("order/tel/pay", "<html>502 Bad Gateway</html>", 502);
    const error = (await adapter
      .placeOrder(mobileRequest, context)
      .catch((caught: unknown) => caught)) as KaquanError;
    expect(error.failureClass).toBe("sent_no_answer");
  });

  for (const [raw, status] of Object.entries(chengquanRechargeStates)) {
    it(`recharge state ${raw} → ${status}, raw value kept`, async () => {
      const call = intercept("order/get", rechargeAnswer(raw));
      const update = await adapter.queryOrder("CQ0001", context, { kind: "mobile" });
      expect(new URLSearchParams(call.query()).get("order_no")).toBe("CQ0001");
      expect(update).toMatchObject({ status, vendorStatus: raw, cost: { amount: "49.80", currency: "CNY" } });
      if (status !== "processing") expect(update?.occurredAt).toBe("2027-01-15T00:00:05.000Z");
    });
  }

  for (const [raw, status] of Object.entries({ ...chengquanCouponStates, ...chengquanMixedCouponStates })) {
    if (raw.includes(",")) continue;
    it(`coupon state ${raw} → ${status}, raw value kept`, async () => {
      intercept("coupon/order/query", envelope([couponItem({ state: raw, goods_password: encrypt("P-1") })]));
      const update = await adapter.queryOrder("CQ0002", context, { kind: "card" });
      expect(update).toMatchObject({ status, vendorStatus: raw });
    });
  }

  it("an unseen state is unknown, raw value kept, for both kinds", async () => {
    intercept("order/get", rechargeAnswer("REFUNDING"));
    expect(await adapter.queryOrder("CQ0001", context, { kind: "direct" })).toMatchObject({
      status: "unknown",
      vendorStatus: "REFUNDING",
    });
    intercept("coupon/order/query", envelope([couponItem({ state: "WAITING" })]));
    expect(await adapter.queryOrder("CQ0002", context, { kind: "card" })).toMatchObject({
      status: "unknown",
      vendorStatus: "WAITING",
    });
  });

  it("without a kind, order/get then coupon/order/query are tried", async () => {
    intercept("order/get", envelope(null, 7016, "请求订单不存在"));
    intercept("coupon/order/query", envelope([couponItem({ goods_password: encrypt("P-1") })]));
    expect(await adapter.queryOrder("CQ0002", context)).toMatchObject({ kind: "card", status: "succeeded" });
  });
});

describe("Chengquan secrets", () => {
  it("never prints the APP_KEY or the AES key and IV", () => {
    expect(adapter.secretValues()).toEqual(expect.arrayContaining([appKey, aesKey, aesIv]));
    for (const text of [inspect(adapter, { depth: 6, showHidden: true }), JSON.stringify(adapter) ?? ""]) {
      for (const secret of [appKey, aesKey, aesIv]) expect(text).not.toContain(secret);
    }
  });

  it("refuses missing or malformed credentials without echoing them", () => {
    const good = { appId, appKey, aesKey, aesIv };
    expect(() => createChengquanAdapter({ ...good, appId: "" })).toThrow(ConfigurationError);
    expect(() => createChengquanAdapter({ ...good, appKey: "" })).toThrow(/appKey is required/);
    const error = (() => {
      try {
        createChengquanAdapter({ ...good, aesKey: "short-secret-key-17" });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error?.message).toMatch(/aesKey must be 16 bytes/);
    expect(error?.message).not.toContain("short-secret-key");
  });
});
