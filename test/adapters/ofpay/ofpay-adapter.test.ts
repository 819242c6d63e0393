import { inspect } from "node:util";
import {
  type AdapterContext,
  AuthenticationError,
  ConfigurationError,
  createHttpTransport,
  DuplicateOrderError,
  InsufficientBalanceError,
  InvalidAccountError,
  md5Hex,
  NoAnswerError,
  ProductUnavailableError,
  RateLimitError,
  RequestRejectedError,
  silentLogger,
  UnrecognizedVendorError,
  ValidationError,
} from "kaquan";
import {
  createOfpayAdapter,
  defaultOfpayErrorTable,
  OFPAY_RETCODES,
  ofpayCallbackRetCodes,
  ofpayErrorMessages,
  ofpayGameStates,
  ofpaySpec,
} from "kaquan/adapters/ofpay";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const userId = "A1234567";
const password = "OFPAY-LOGIN-PASSWORD-SENTINEL";
const keyStr = "OFPAY-KEYSTR-SENTINEL";
const userpws = md5Hex(password);
const origin = "http://ofpay.test";
const fixedNow = Date.UTC(2024, 0, 1, 4, 0, 0); // 2024-01-01 12:00:00 in Asia/Shanghai
const sporderTime = "20240101120000";

const transport = createHttpTransport({ timeoutMs: 2_000 });
const context: AdapterContext = { http: transport, clock: { now: () => fixedNow }, logger: silentLogger };
const adapter = createOfpayAdapter({ userId, password, keyStr, endpoint: `${origin}/` });

const request = {
  merchantOrderId: "M-1",
  kind: "mobile" as const,
  sku: "140101",
  account: "13800138000",
  quantity: 1,
  faceValue: { amount: "50", currency: "CNY" },
};

/** The JSON answer of onlineorder.do / queryOrderInfo.do, as the simulator sends it. */
const orderAnswer = (overrides: Record<string, unknown> = {}) => ({
  err_msg: "",
  retcode: "1",
  orderid: "S2401011200000001",
  cardid: "140101",
  cardnum: "50",
  ordercash: "49.80",
  cardname: "北京移动话费50元快充",
  sporder_id: "M-1",
  game_userid: "13800138000",
  game_state: "0",
  ...overrides,
});
const errorAnswer = (retcode: string, errMsg: string) => ({ err_msg: errMsg, retcode });

/** Records the form body of the next onlineorder.do POST and answers `answer`. */
function expectOrder(answer: unknown = orderAnswer()): { params: Record<string, string>; raw: string } {
  const sent = { params: {} as Record<string, string>, raw: "" };
  nock(origin)
    .post("/onlineorder.do", (body) => {
      sent.raw = typeof body === "string" ? body : new URLSearchParams(body).toString();
      sent.params = Object.fromEntries(new URLSearchParams(sent.raw));
      return true;
    })
    .reply(200, answer as nock.Body);
  return sent;
}

/** Records the query of the next GET to `path` and answers `answer`. */
function expectGet(path: string, answer: unknown): { query: Record<string, string> } {
  const sent = { query: {} as Record<string, string> };
  nock(origin)
    .get(path)
    .query((query) => {
      sent.query = query as Record<string, string>;
      return true;
    })
    .reply(200, answer as nock.Body);
  return sent;
}

const orderMd5 = (p: Record<string, string>) =>
  md5Hex(
    `${p.userid}${p.userpws}${p.cardid}${p.cardnum}${p.sporder_id}${p.sporder_time}${p.game_userid}${keyStr}`,
  ).toUpperCase();

function expectNoSecrets(...texts: string[]) {
  for (const text of texts) {
    expect(text).not.toContain(keyStr);
    expect(text).not.toContain(password);
    expect(text).not.toContain(userpws);
  }
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  transport.close();
});

describe("OFPay requests: the exact bytes sent", () => {
  it("POSTs onlineorder.do with md5_str = UPPER(md5(userid+userpws+cardid+cardnum+sporder_id+sporder_time+game_userid+KeyStr))", async () => {
    const sent = expectOrder();
    const update = await adapter.placeOrder(request, context);
    expect(sent.params).toEqual({
      userid: userId,
      userpws,
      cardid: "140101",
      cardnum: "50",
      sporder_id: "M-1",
      sporder_time: sporderTime,
      game_userid: "13800138000",
      version: "6.0",
      format: "json",
      md5_str: md5Hex(`${userId}${userpws}140101` + `50M-1${sporderTime}13800138000${keyStr}`).toUpperCase(),
    });
    // userpws is md5 of the login password in 32 lowercase hex; the password itself never travels.
    expect(sent.params.userpws).toMatch(/^[0-9a-f]{32}$/);
    expect(sent.params.md5_str).toMatch(/^[0-9A-F]{32}$/);
    expect(sent.raw).not.toContain(password);
    expect(sent.raw).not.toContain(keyStr);
    expect(update).toMatchObject({
      merchantOrderId: "M-1",
      supplierOrderId: "S2401011200000001",
      status: "processing",
      vendorStatus: "0",
      kind: "mobile",
      cost: { amount: "49.80", currency: "CNY" },
    });
  });

  it("sends mctype and ret_url unsigned; mctype only with slow (17xxxx) orders", async () => {
    const configured = createOfpayAdapter({
      userId,
      password,
      keyStr,
      endpoint: `${origin}/`,
      notifyUrl: "https://shop.example/ofpay/callback?x=1",
      slowRechargeHours: 4,
    });
    const slow = expectOrder(orderAnswer({ cardid: "170101" }));
    await configured.placeOrder({ ...request, sku: "170101" }, context);
    expect(slow.params).toMatchObject({
      cardid: "170101",
      mctype: "4",
      ret_url: "https://shop.example/ofpay/callback?x=1",
    });
    // The signature is the same formula: neither mctype nor ret_url takes part.
    expect(slow.params.md5_str).toBe(orderMd5(slow.params));
    expect(slow.params.md5_str).toBe(
      md5Hex(`${userId}${userpws}17010150M-1${sporderTime}13800138000${keyStr}`).toUpperCase(),
    );

    const fast = expectOrder();
    await configured.placeOrder(request, context);
    expect(fast.params.mctype).toBeUndefined();
    expect(fast.params.ret_url).toBe("https://shop.example/ofpay/callback?x=1");
    expect(fast.params.md5_str).toBe(orderMd5(fast.params));
  });

  it("sends a slow order without mctype when slowRechargeHours is not set (the vendor assumes 24)", async () => {
    const sent = expectOrder(orderAnswer({ cardid: "170101" }));
    const update = await adapter.placeOrder({ ...request, sku: "170101" }, context);
    expect(sent.params.cardid).toBe("170101");
    expect(sent.params.mctype).toBeUndefined();
    expect(sent.params.ret_url).toBeUndefined();
    expect(sent.params.md5_str).toBe(orderMd5(sent.params));
    expect(update.status).toBe("processing");
  });

  it("uses the fast cardid when the order has no sku, and refuses a sku that is no phone cardid", async () => {
    const sent = expectOrder();
    const { sku: _sku, ...withoutSku } = request;
    await adapter.placeOrder(withoutSku, context);
    expect(sent.params.cardid).toBe("140101");
    expect(sent.params.md5_str).toBe(orderMd5(sent.params));
    await expect(adapter.placeOrder({ ...request, sku: "50" }, context)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(adapter.placeOrder({ ...request, sku: "220612" }, context)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("refuses a decimal face value and a missing phone number before sending", async () => {
    await expect(
      adapter.placeOrder({ ...request, faceValue: { amount: "10.5", currency: "CNY" } }, context),
    ).rejects.toThrow(/whole-yuan/);
    const { account: _account, ...withoutAccount } = request;
    await expect(adapter.placeOrder(withoutAccount, context)).rejects.toBeInstanceOf(ValidationError);
  });

  it("defaults KeyStr to OFCARD", async () => {
    const plain = createOfpayAdapter({ userId, password, endpoint: `${origin}/` });
    const sent = expectOrder();
    await plain.placeOrder(request, context);
    expect(sent.params.md5_str).toBe(
      md5Hex(`${userId}${userpws}14010150M-1${sporderTime}13800138000OFCARD`).toUpperCase(),
    );
  });

  it("queries queryOrderInfo.do with md5_str = UPPER(md5(userid+userpws+sporder_id+KeyStr))", async () => {
    const sent = expectGet("/queryOrderInfo.do", orderAnswer({ game_state: "1" }));
    const update = await adapter.queryOrder("M-1", context);
    expect(sent.query).toEqual({
      userid: userId,
      userpws,
      sporder_id: "M-1",
      version: "6.0",
      format: "json",
      md5_str: md5Hex(`${userId}${userpws}M-1${keyStr}`).toUpperCase(),
    });
    expect(update).toMatchObject({ merchantOrderId: "M-1", status: "succeeded", vendorStatus: "1" });
  });

  it("reads the balance from queryuserinfo.do ret_leftcredit", async () => {
    const sent = expectGet("/queryuserinfo.do", {
      err_msg: "",
      retcode: "1",
      userid: userId,
      username: "商户",
      ret_leftcredit: "9950.2",
    });
    const balance = await adapter.getBalance!(context);
    expect(sent.query).toEqual({ userid: userId, userpws, version: "6.0", format: "json" });
    expect(balance.available).toEqual({ amount: "9950.20", currency: "CNY" });
  });

  it("checks a number (telcheck.do) and quotes it fast and slow (telquery.do)", async () => {
    const check = expectGet("/telcheck.do", { err_msg: "", retcode: "1", game_area: "北京移动" });
    await expect(adapter.checkNumber("13800138000", 50, context)).resolves.toBeUndefined();
    expect(check.query).toEqual({
      userid: userId,
      phoneno: "13800138000",
      price: "50",
      version: "6.0",
      format: "json",
    });

    nock(origin).get("/telcheck.do").query(true).reply(200, errorAnswer("1005", "该号码暂不支持充值"));
    await expect(adapter.checkNumber("17000000000", 50, context)).rejects.toBeInstanceOf(InvalidAccountError);

    const fast = expectGet("/telquery.do", {
      err_msg: "",
      retcode: "1",
      cardid: "140101",
      cardname: "北京移动话费50元快充",
      inprice: "49.8",
      game_area: "北京移动",
    });
    expect(await adapter.quote("13800138000", 50, context)).toEqual({
      cardid: "140101",
      cardname: "北京移动话费50元快充",
      price: { amount: "49.80", currency: "CNY" },
      gameArea: "北京移动",
    });
    expect(fast.query).toEqual({
      userid: userId,
      userpws,
      phoneno: "13800138000",
      pervalue: "50",
      version: "6.0",
      format: "json",
    });
    const slow = expectGet("/telquery.do", { err_msg: "", retcode: "1", cardid: "170101", inprice: 48 });
    expect((await adapter.quote("13800138000", 50, context, "slow")).cardid).toBe("170101");
    expect(slow.query.mctype).toBe("24");
  });

  it("lists the bill (querybill.do) with md5_str = UPPER(md5(userid+userpws+cardid+starttime+endtime+KeyStr))", async () => {
    const row = {
      orderid: "S1",
      sporder_id: "M-1",
      cardid: "140101",
      cardnum: 50,
      ordercash: "49.80",
      game_state: "1",
    };
    const all = expectGet("/querybill.do", { err_msg: "", retcode: "1", count: "1", bills: [row] });
    const rows = await adapter.bill(fixedNow, new Date(fixedNow + 86_400_000), context);
    expect(all.query).toEqual({
      userid: userId,
      userpws,
      cardid: "",
      starttime: "20240101",
      endtime: "20240102",
      version: "6.0",
      format: "json",
      md5_str: md5Hex(`${userId}${userpws}2024010120240102${keyStr}`).toUpperCase(),
    });
    expect(rows).toEqual([{ ...row, cardnum: "50" }]);

    const slow = expectGet("/querybill.do", { err_msg: "", retcode: "1", count: "0", bills: [] });
    expect(await adapter.bill("20240101000000", "20240101235959", context, { cardid: "17" })).toEqual([]);
    expect(slow.query.md5_str).toBe(
      md5Hex(`${userId}${userpws}172024010100000020240101235959${keyStr}`).toUpperCase(),
    );
    await expect(adapter.bill("2024-01-01", "20240102", context)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("OFPay retcodes", () => {
  const classes: Record<string, new (...args: never[]) => Error> = {
    insufficient_balance: InsufficientBalanceError,
    invalid_account: InvalidAccountError,
    product_unavailable: ProductUnavailableError,
    authentication: AuthenticationError,
    bad_request: RequestRejectedError,
    duplicate_order: DuplicateOrderError,
    rate_limited: RateLimitError,
    // 系统异常: the order may exist — an unknown outcome, never a failure.
    system_error: UnrecognizedVendorError,
  };

  it("covers every assumed retcode", () => {
    const assumed = Object.values(OFPAY_RETCODES).filter((code) => code !== OFPAY_RETCODES.success);
    expect(Object.keys(defaultOfpayErrorTable.codes).sort()).toEqual([...assumed].sort());
  });

  for (const [code, meaning] of Object.entries(defaultOfpayErrorTable.codes)) {
    if (meaning === "order_not_found") continue;
    it(`retcode ${code} → ${meaning} (${classes[meaning]?.name})`, async () => {
      expectOrder(errorAnswer(code, ofpayErrorMessages[code] ?? "错误"));
      const error = await adapter.placeOrder(request, context).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(classes[meaning]!);
      expect((error as { vendorCode: string }).vendorCode).toBe(code);
      expect((error as { merchantOrderId: string }).merchantOrderId).toBe("M-1");
      expectNoSecrets(JSON.stringify(error), inspect(error, { depth: 5 }), String((error as Error).stack));
    });
  }

  it("retcode 1009 on a query means the supplier has no such order", async () => {
    expectGet("/queryOrderInfo.do", errorAnswer("1009", "订单不存在"));
    expect(await adapter.queryOrder("M-404", context)).toBeUndefined();
  });

  it("9999 (system error) is an unknown outcome, not a failure", async () => {
    expectOrder(errorAnswer("9999", "系统异常，请稍后查询订单"));
    const error = await adapter.placeOrder(request, context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnrecognizedVendorError);
    expect((error as { failureClass: string }).failureClass).toBe("sent_no_answer");
  });

  it("an unknown retcode with an unknown message is an unknown outcome (UnrecognizedVendorError)", async () => {
    expectOrder(errorAnswer("4242", "新的错误"));
    const error = await adapter.placeOrder(request, context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnrecognizedVendorError);
    expect((error as { failureClass: string }).failureClass).toBe("sent_no_answer");
    expect((error as { vendorCode: string }).vendorCode).toBe("4242");
  });

  it("an unknown retcode is classified by its Chinese message", async () => {
    expectOrder(errorAnswer("5001", "账户余额不足"));
    await expect(adapter.placeOrder(request, context)).rejects.toBeInstanceOf(InsufficientBalanceError);
    expectOrder(errorAnswer("5002", "订单号重复"));
    await expect(adapter.placeOrder(request, context)).rejects.toBeInstanceOf(DuplicateOrderError);
  });

  it("errorCodes replaces entries of the table", async () => {
    const replaced = createOfpayAdapter({
      userId,
      password,
      keyStr,
      endpoint: `${origin}/`,
      errorCodes: { "4242": "insufficient_balance" },
    });
    expectOrder(errorAnswer("4242", "?"));
    await expect(replaced.placeOrder(request, context)).rejects.toBeInstanceOf(InsufficientBalanceError);
  });

  it("an XML answer (format=json ignored) or an HTML page is no answer, never a failure", async () => {
    nock(origin)
      .post("/onlineorder.do")
      .reply(200, '<?xml version="1.0" encoding="GB2312"?>\n<orderinfo><retcode>1</retcode></orderinfo>', {
        "content-type": "text/xml",
      });
    await expect(adapter.placeOrder(request, context)).rejects.toBeInstanceOf(NoAnswerError);
    nock(origin)
      .post("/onlineorder.do")
      .reply(502, "<html><body>502 Bad Gateway</body></html>", { "content-type": "text/html" });
    await expect(adapter.placeOrder(request, context)).rejects.toBeInstanceOf(NoAnswerError);
  });
});

describe("OFPay statuses", () => {
  for (const [raw, status] of Object.entries(ofpayGameStates)) {
    it(`game_state ${raw} → ${status}, raw value kept`, async () => {
      expectGet(
        "/queryOrderInfo.do",
        orderAnswer({ game_state: raw, err_msg: raw === "9" ? "运营商充值失败" : "" }),
      );
      const update = await adapter.queryOrder("M-1", context);
      expect(update?.status).toBe(status);
      expect(update?.vendorStatus).toBe(raw);
      if (status === "failed") {
        expect(update?.failure).toMatchObject({ vendorCode: "9", vendorMessage: "运营商充值失败" });
      }
    });
  }

  it("reads numeric JSON values as text (value types are unconfirmed)", async () => {
    expectGet("/queryOrderInfo.do", orderAnswer({ retcode: 1, game_state: 1, ordercash: 49.8 }));
    expect(await adapter.queryOrder("M-1", context)).toMatchObject({
      status: "succeeded",
      vendorStatus: "1",
      cost: { amount: "49.80" },
    });
  });

  it("an unseen game_state is unknown and keeps the raw value", async () => {
    expectGet("/queryOrderInfo.do", orderAnswer({ game_state: "7" }));
    const update = await adapter.queryOrder("M-1", context);
    expect(update?.status).toBe("unknown");
    expect(update?.vendorStatus).toBe("7");
  });

  it("refuses an answer about another order", async () => {
    expectGet("/queryOrderInfo.do", orderAnswer({ sporder_id: "M-2" }));
    await expect(adapter.queryOrder("M-1", context)).rejects.toThrow(/another order/);
  });
});

describe("OFPay callbacks", () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  it("declares unsigned callbacks, so the pipeline re-queries before applying", () => {
    expect(adapter.capabilities).toMatchObject({
      callbacks: "refetch",
      duplicateOrderId: "reject",
      resendAfterNotFound: true,
      orderKinds: ["mobile"],
      balance: true,
      stock: false,
    });
    expect(ofpaySpec.callback.verification).toEqual({ kind: "refetch" });
  });

  for (const [retCode, status] of Object.entries(ofpayCallbackRetCodes)) {
    it(`parses a form callback: ret_code ${retCode} → ${status}`, async () => {
      const body = form({
        ret_code: retCode,
        sporder_id: "M-1",
        ordersuccesstime: "20240101120500",
        err_msg: retCode === "9" ? "运营商充值失败" : "",
      });
      const { update } = await adapter.verifyCallback!(
        { body: Buffer.from(body), headers: { "content-type": "application/x-www-form-urlencoded" } },
        context,
      );
      expect(update).toMatchObject({
        merchantOrderId: "M-1",
        status,
        vendorStatus: retCode,
        source: "callback",
        occurredAt: "2024-01-01T04:05:00.000Z",
      });
    });
  }

  it("keeps an unseen ret_code as unknown, and refuses a body that is not a form", async () => {
    const { update } = await adapter.verifyCallback!(
      { body: form({ ret_code: "0", sporder_id: "M-1" }), headers: {} },
      context,
    );
    expect(update).toMatchObject({ status: "unknown", vendorStatus: "0" });
    await expect(adapter.verifyCallback!({ body: "garbage", headers: {} }, context)).rejects.toThrow(
      /not a form body/,
    );
  });

  it("acknowledges with OK, or the configured literal", () => {
    expect(adapter.callbackAck!(true)).toEqual({
      status: 200,
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: "OK",
    });
    expect(adapter.callbackAck!(false).body).not.toBe("OK");
    const custom = createOfpayAdapter({ userId, password, endpoint: `${origin}/`, callbackAck: "success" });
    expect(custom.callbackAck!(true).body).toBe("success");
  });
});

describe("OFPay configuration and secrets", () => {
  it("refuses missing credentials and an invalid slowRechargeHours", () => {
    expect(() => createOfpayAdapter({ userId: "", password })).toThrow(ConfigurationError);
    expect(() => createOfpayAdapter({ userId, password: "" })).toThrow(/password/);
    expect(() => createOfpayAdapter({ userId, password, slowRechargeHours: 5 })).toThrow(/slowRechargeHours/);
    expect(() => createOfpayAdapter({ userId, password, slowRechargeHours: "0.5" })).not.toThrow();
  });

  it("lists static fast and slow products by face value", async () => {
    const products = await adapter.listProducts({}, context);
    expect(products.filter((product) => product.sku === "140101").map((p) => p.faceValue?.amount)).toEqual([
      "1.00",
      "2.00",
      "5.00",
      "10.00",
      "20.00",
      "30.00",
      "50.00",
      "100.00",
      "200.00",
      "300.00",
      "500.00",
    ]);
    expect(products.filter((product) => product.sku === "170101").map((p) => p.name)).toEqual([
      "话费 30元 慢充",
      "话费 50元 慢充",
      "话费 100元 慢充",
    ]);
    expect(products.every((product) => product.kind === "mobile")).toBe(true);
  });

  it("scrubs KeyStr, the password and userpws; never shows them when printed", () => {
    expect(adapter.secretValues()).toEqual(expect.arrayContaining([keyStr, password, userpws]));
    expectNoSecrets(inspect(adapter, { depth: 6, showHidden: true }), JSON.stringify(adapter) ?? "");
  });
});

describe("createOfpayAdapter options (regression)", () => {
  it("missing options are a ConfigurationError, not a TypeError", async () => {
    const { ConfigurationError } = await import("kaquan");
    expect(() => createOfpayAdapter(undefined as never)).toThrow(ConfigurationError);
  });
});
