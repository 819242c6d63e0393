import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createOfpaySimulator } from "../../src/testing/ofpay-simulator.js";
import type { OfpaySimulator, OfpaySimulatorOptions } from "../../src/testing/ofpay-simulator-types.js";

// Every signature in this file is computed by hand from the vendor's recipe (vendor-protocols.md §5),
// independently of the simulator's own helpers.
const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");
const gbk = new TextDecoder("gbk");

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startSimulator(options: OfpaySimulatorOptions = {}): Promise<OfpaySimulator> {
  const sim = createOfpaySimulator(options);
  await sim.start();
  cleanups.push(() => sim.close());
  return sim;
}

/** `yyyyMMddHHmmss` (or the first `length` digits) in China Standard Time. */
function ofpayTime(epochMs = Date.now(), length = 14): string {
  return new Date(epochMs + 8 * 3_600_000).toISOString().replace(/\D/g, "").slice(0, length);
}

interface OrderInput {
  sporderId: string;
  phone?: string;
  cardid?: string;
  cardnum?: string;
  mctype?: string;
  retUrl?: string;
  format?: "json" | "xml";
  keyStr?: string;
  userpws?: string;
  userid?: string;
  version?: string;
  md5Case?: "upper" | "lower";
}

function orderParams(sim: OfpaySimulator, input: OrderInput): Record<string, string> {
  const fields = {
    userid: input.userid ?? sim.userId,
    userpws: input.userpws ?? md5(sim.password),
    cardid: input.cardid ?? "140101",
    cardnum: input.cardnum ?? "50",
    sporder_id: input.sporderId,
    sporder_time: ofpayTime(),
    game_userid: input.phone ?? "13800138000",
  };
  const digest = md5(
    fields.userid +
      fields.userpws +
      fields.cardid +
      fields.cardnum +
      fields.sporder_id +
      fields.sporder_time +
      fields.game_userid +
      (input.keyStr ?? sim.keyStr),
  );
  const params: Record<string, string> = {
    ...fields,
    md5_str: input.md5Case === "lower" ? digest : digest.toUpperCase(),
    version: input.version ?? "6.0",
  };
  if (input.mctype !== undefined) params.mctype = input.mctype;
  if (input.retUrl !== undefined) params.ret_url = input.retUrl;
  if (input.format !== undefined) params.format = input.format;
  return params;
}

function get(sim: OfpaySimulator, endpoint: string, params: Record<string, string>): Promise<Response> {
  return fetch(`${sim.url}${endpoint}?${new URLSearchParams(params)}`);
}

/** The flat child elements of an XML answer. */
function xmlFields(xml: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of xml.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) fields[match[1]!] ??= match[2]!;
  return fields;
}

/** GETs an endpoint and decodes its XML answer (GB2312 by default). */
async function xmlCall(sim: OfpaySimulator, endpoint: string, params: Record<string, string>) {
  const response = await get(sim, endpoint, params);
  expect(response.status).toBe(200);
  const raw = Buffer.from(await response.arrayBuffer());
  const text = gbk.decode(raw);
  return { response, raw, text, fields: xmlFields(text) };
}

// biome-ignore lint/suspicious/noExplicitAny: vendor JSON, inspected field by field in the assertions
async function jsonCall(sim: OfpaySimulator, endpoint: string, params: Record<string, string>): Promise<any> {
  const response = await get(sim, endpoint, { ...params, format: "json" });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  return response.json();
}

function placeOrder(sim: OfpaySimulator, input: OrderInput) {
  return xmlCall(sim, "onlineorder.do", orderParams(sim, input));
}

function queryParams(sim: OfpaySimulator, sporderId: string): Record<string, string> {
  const userpws = md5(sim.password);
  return {
    userid: sim.userId,
    userpws,
    sporder_id: sporderId,
    md5_str: md5(sim.userId + userpws + sporderId + sim.keyStr).toUpperCase(),
    version: "6.0",
  };
}

async function queryState(sim: OfpaySimulator, sporderId: string): Promise<string> {
  const response = await get(sim, "api/query.do", { userid: sim.userId, spbillid: sporderId });
  return (await response.text()).trim();
}

interface Receiver {
  url: string;
  received: Array<{ body: string; contentType: string; fields: Record<string, string> }>;
}

/** A merchant callback endpoint on loopback; answers `replies` in turn, then `OK`. */
async function startReceiver(replies: string[] = []): Promise<Receiver> {
  const received: Receiver["received"] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({
        body,
        contentType: request.headers["content-type"] ?? "",
        fields: Object.fromEntries(new URLSearchParams(body)),
      });
      response.end(replies.shift() ?? "OK");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ofpay/notify`, received };
}

describe("OFPay simulator: credentials and md5_str", () => {
  it("exposes an A-prefixed userid, the password, md5(password) and the default KeyStr OFCARD", async () => {
    const sim = await startSimulator();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(sim.userId).toMatch(/^A/);
    expect(sim.keyStr).toBe("OFCARD");
    expect(sim.userpws).toBe(md5(sim.password));
    expect(sim.userpws).toMatch(/^[0-9a-f]{32}$/);
    expect(() => createOfpaySimulator({ userId: "B123" })).toThrow(/starting with "A"/);
  });

  it("accepts an order signed UPPER(md5(userid+userpws+cardid+cardnum+sporder_id+sporder_time+game_userid+KeyStr))", async () => {
    const sim = await startSimulator();
    const { response, raw, text, fields } = await placeOrder(sim, { sporderId: "OK-0001" });
    expect(response.headers.get("content-type")).toBe("text/xml;charset=GB2312");
    expect(text.startsWith('<?xml version="1.0" encoding="GB2312"?>\n<orderinfo>')).toBe(true);
    expect(fields).toMatchObject({
      err_msg: "",
      retcode: "1",
      cardid: "140101",
      cardnum: "50",
      ordercash: "49.80",
      sporder_id: "OK-0001",
      game_userid: "13800138000",
      game_state: "0",
    });
    expect(fields.orderid).toMatch(/^S\d{16}$/);
    // The answer really is GB2312: the Chinese product name decodes only as GBK.
    expect(fields.cardname).toBe("北京移动话费50元快充");
    expect(raw.includes(Buffer.from([0xb1, 0xb1, 0xbe, 0xa9]))).toBe(true); // 北京 in GB2312
    expect(raw.includes(Buffer.from("北京", "utf8"))).toBe(false);
    expect(sim.requests("onlineorder.do")[0]).toMatchObject({
      md5Valid: true,
      retcode: "1",
      httpStatus: 200,
    });
    expect(sim.balance()).toBe("9950.20");
  });

  it("refuses a lower-case md5_str, a wrong KeyStr, a wrong userpws, an unknown userid and another version", async () => {
    const sim = await startSimulator();
    const lower = await placeOrder(sim, { sporderId: "S-1", md5Case: "lower" });
    expect(lower.fields).toMatchObject({ retcode: "1003", err_msg: "MD5验证失败" });
    const wrongKey = await placeOrder(sim, { sporderId: "S-2", keyStr: "NOT-OFCARD" });
    expect(wrongKey.fields.retcode).toBe("1003");
    const wrongPassword = await placeOrder(sim, { sporderId: "S-3", userpws: md5("guess") });
    expect(wrongPassword.fields.retcode).toBe("1002");
    const upperPassword = await placeOrder(sim, {
      sporderId: "S-4",
      userpws: md5(sim.password).toUpperCase(),
    });
    expect(upperPassword.fields.retcode).toBe("1002");
    const stranger = await placeOrder(sim, { sporderId: "S-5", userid: "A0000000" });
    expect(stranger.fields.retcode).toBe("1001");
    const oldVersion = await placeOrder(sim, { sporderId: "S-6", version: "5.0" });
    expect(oldVersion.fields.retcode).toBe("1004");
    const tampered = orderParams(sim, { sporderId: "S-7" });
    tampered.game_userid = "13900000000";
    expect((await xmlCall(sim, "onlineorder.do", tampered)).fields.retcode).toBe("1003");

    expect(sim.orders()).toEqual([]);
    expect(sim.balance()).toBe("10000.00");
    expect(sim.requests("onlineorder.do").map((record) => record.md5Valid)).toEqual([
      false,
      false,
      true,
      true,
      true,
      true,
      false,
    ]);
    // An unsigned endpoint has no md5Valid flag.
    await get(sim, "api/query.do", { userid: sim.userId, spbillid: "S-1" });
    expect(sim.requests("api/query.do")[0]!.md5Valid).toBeUndefined();
  });

  it("can accept any letter case when configured ([?] vendor comparison unknown)", async () => {
    const sim = await startSimulator({ md5Case: "any", keyStr: "MYKEY" });
    expect((await placeOrder(sim, { sporderId: "L-1", md5Case: "lower" })).fields.retcode).toBe("1");
    expect((await placeOrder(sim, { sporderId: "L-2", keyStr: "OFCARD" })).fields.retcode).toBe("1003");
  });

  it("accepts a POST form as well as GET parameters", async () => {
    const sim = await startSimulator();
    const response = await fetch(`${sim.url}onlineorder.do`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(orderParams(sim, { sporderId: "POST-1", format: "json" })).toString(),
    });
    expect(await response.json()).toMatchObject({ retcode: "1", sporder_id: "POST-1", game_state: "0" });
    expect(sim.requests("onlineorder.do")[0]).toMatchObject({
      httpMethod: "POST",
      format: "json",
      md5Valid: true,
    });
    expect((await fetch(`${sim.url}nosuch.do`)).status).toBe(404);
  });
});

describe("OFPay simulator: orders, balance and queries", () => {
  it("settles fast and slow orders 0 → 1 and answers queries in JSON, XML and plain text", async () => {
    const sim = await startSimulator();
    expect((await placeOrder(sim, { sporderId: "FAST-1" })).fields.game_state).toBe("0");
    const slow = await placeOrder(sim, {
      sporderId: "SLOW-1",
      cardid: "170101",
      cardnum: "100",
      mctype: "4",
    });
    expect(slow.fields).toMatchObject({
      retcode: "1",
      cardid: "170101",
      ordercash: "96.00",
      game_state: "0",
    });
    expect(slow.fields.cardname).toBe("北京移动话费100元慢充");
    await placeOrder(sim, { sporderId: "SLOW-2", cardid: "170101", cardnum: "30" });
    expect(sim.order("SLOW-2")).toMatchObject({ speed: "slow", mctype: "24" });
    expect(sim.order("FAST-1")!.mctype).toBeUndefined();

    await sim.idle();
    expect(sim.orders().map((order) => order.gameState)).toEqual(["1", "1", "1"]);
    const json = await jsonCall(sim, "queryOrderInfo.do", queryParams(sim, "SLOW-1"));
    expect(json).toMatchObject({
      retcode: "1",
      err_msg: "",
      sporder_id: "SLOW-1",
      game_state: "1",
      cardnum: "100",
    });
    const xml = await xmlCall(sim, "queryOrderInfo.do", queryParams(sim, "FAST-1"));
    expect(xml.fields).toMatchObject({ retcode: "1", game_state: "1", ordercash: "49.80" });
    expect(await queryState(sim, "FAST-1")).toBe("1");
    expect(await queryState(sim, "NOPE")).toBe("-1");
    expect((await xmlCall(sim, "queryOrderInfo.do", queryParams(sim, "NOPE"))).fields.retcode).toBe("1009");
    const forged = { ...queryParams(sim, "FAST-1"), md5_str: md5(`${sim.userId}${sim.userpws}FAST-1OFCARD`) };
    expect((await xmlCall(sim, "queryOrderInfo.do", forged)).fields.retcode).toBe("1003");
    expect(sim.balance()).toBe("9825.40");
  });

  it("debits at acceptance and refunds a failed order (game_state 9)", async () => {
    // Settling waits until the balance has been read, so no timer races the assertions.
    const sim = await startSimulator({ jsonValueTypes: "number", autoSettle: false });
    const placed = await jsonCall(sim, "onlineorder.do", orderParams(sim, { sporderId: "WILL-fail-1" }));
    expect(placed).toMatchObject({ retcode: 1, game_state: 0, cardnum: 50, ordercash: 49.8 });
    expect(sim.balance()).toBe("9950.20");
    const account = await jsonCall(sim, "queryuserinfo.do", {
      userid: sim.userId,
      userpws: sim.userpws,
      version: "6.0",
    });
    expect(account).toMatchObject({ retcode: 1, userid: sim.userId, ret_leftcredit: 9950.2 });

    sim.setAutoSettle(true);
    await sim.idle();
    expect(sim.order("WILL-fail-1")).toMatchObject({ gameState: "9", errMsg: "运营商充值失败" });
    expect(sim.balance()).toBe("10000.00");
    expect(await queryState(sim, "WILL-fail-1")).toBe("9");
    const queried = await jsonCall(sim, "queryOrderInfo.do", queryParams(sim, "WILL-fail-1"));
    expect(queried.game_state).toBe(9);
  });

  it("refuses low balance (1007), unsupported numbers (1005) and face values (1006) without debiting", async () => {
    const sim = await startSimulator({ balance: "49.79" });
    expect((await placeOrder(sim, { sporderId: "B-1" })).fields).toMatchObject({
      retcode: "1007",
      err_msg: "账户余额不足",
    });
    expect((await placeOrder(sim, { sporderId: "B-2", cardnum: "10" })).fields.retcode).toBe("1");
    expect(
      (await placeOrder(sim, { sporderId: "B-3", cardnum: "10", phone: "17012345678" })).fields.retcode,
    ).toBe("1005");
    expect(
      (await placeOrder(sim, { sporderId: "B-4", cardnum: "10", phone: "2380013800" })).fields.retcode,
    ).toBe("1005");
    expect((await placeOrder(sim, { sporderId: "B-5", cardnum: "7" })).fields.retcode).toBe("1006");
    expect(
      (await placeOrder(sim, { sporderId: "B-6", cardid: "170101", cardnum: "10" })).fields.retcode,
    ).toBe("1006");
    expect(
      (await placeOrder(sim, { sporderId: "B-7", cardid: "170101", cardnum: "30", mctype: "5" })).fields
        .retcode,
    ).toBe("1004");
    expect(sim.orders().map((order) => order.sporderId)).toEqual(["B-2"]);
    expect(sim.balance()).toBe("39.83");
  });

  it("refuses a re-sent sporder_id with 1008 and keeps one order, debited once", async () => {
    const sim = await startSimulator();
    await placeOrder(sim, { sporderId: "DUP-1" });
    const again = await placeOrder(sim, { sporderId: "DUP-1", cardnum: "100" });
    expect(again.fields).toMatchObject({ retcode: "1008", err_msg: "订单号重复" });
    expect(sim.orders()).toHaveLength(1);
    expect(sim.order("DUP-1")!.faceValue).toBe("50.00");
    expect(sim.balance()).toBe("9950.20");
  });

  it("keeps orders processing with autoSettle off until completeOrder; reports a raw state on demand", async () => {
    const sim = await startSimulator({ autoSettle: false });
    await placeOrder(sim, { sporderId: "HOLD-1" });
    await placeOrder(sim, { sporderId: "HOLD-2" });
    await sim.idle();
    expect(await queryState(sim, "HOLD-1")).toBe("0");
    expect(sim.completeOrder("HOLD-1", "failed").gameState).toBe("9");
    expect(() => sim.completeOrder("HOLD-1", "success")).toThrow(RangeError);
    expect(sim.balance()).toBe("9950.20");
    sim.setRawOrderState("HOLD-2", "7");
    expect(await queryState(sim, "HOLD-2")).toBe("7");
    expect((await jsonCall(sim, "queryOrderInfo.do", queryParams(sim, "HOLD-2"))).game_state).toBe("7");
    expect(sim.order("HOLD-2")!.gameState).toBe("0");
    sim.setRawOrderState("HOLD-2", undefined);
    sim.setAutoSettle(true);
    await sim.idle();
    expect(await queryState(sim, "HOLD-2")).toBe("1");
  });

  it("answers telquery, telcheck and mobinfo", async () => {
    const sim = await startSimulator();
    const quote = await xmlCall(sim, "telquery.do", {
      userid: sim.userId,
      userpws: sim.userpws,
      phoneno: "13800138000",
      pervalue: "100",
      version: "6.0",
    });
    expect(quote.fields).toMatchObject({
      retcode: "1",
      cardid: "140101",
      inprice: "99.60",
      game_area: "北京移动",
    });
    const slowQuote = await jsonCall(sim, "telquery.do", {
      userid: sim.userId,
      userpws: sim.userpws,
      phoneno: "13800138000",
      pervalue: "50",
      mctype: "24",
      version: "6.0",
    });
    expect(slowQuote).toMatchObject({ retcode: "1", cardid: "170101", inprice: "48.00" });
    const check = await jsonCall(sim, "telcheck.do", {
      phoneno: "18610001234",
      price: "50",
      userid: sim.userId,
    });
    expect(check).toMatchObject({ retcode: "1", game_area: "北京联通" });
    const refused = await jsonCall(sim, "telcheck.do", {
      phoneno: "17112345678",
      price: "50",
      userid: sim.userId,
    });
    expect(refused.retcode).toBe("1005");
    const segment = await fetch(`${sim.url}mobinfo.do?mobilenum=1381383`);
    expect(gbk.decode(await segment.arrayBuffer())).toBe("1381383|江苏|南京|移动");
    expect(await (await fetch(`${sim.url}mobinfo.do?mobilenum=12`)).text()).toBe("-1");
  });
});

describe("OFPay simulator: scripted faults", () => {
  it("commit-then-drop leaves exactly one committed order, found by query", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "commit-then-drop", method: "onlineorder.do" });
    await expect(get(sim, "onlineorder.do", orderParams(sim, { sporderId: "CTD-1" }))).rejects.toThrow();
    expect(sim.orders().map((order) => order.sporderId)).toEqual(["CTD-1"]);
    expect(sim.requests("onlineorder.do")[0]).toMatchObject({ fault: "commit-then-drop", retcode: "1" });
    expect(sim.requests("onlineorder.do")[0]!.httpStatus).toBeUndefined();

    expect((await placeOrder(sim, { sporderId: "CTD-1" })).fields.retcode).toBe("1008");
    expect(sim.orders()).toHaveLength(1);
    expect(sim.balance()).toBe("9950.20");
    await sim.idle();
    expect(await queryState(sim, "CTD-1")).toBe("1");
  });

  it("drop-before-commit commits nothing", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "drop-before-commit" });
    await expect(get(sim, "onlineorder.do", orderParams(sim, { sporderId: "D-1" }))).rejects.toThrow();
    expect(sim.orders()).toEqual([]);
    expect((await placeOrder(sim, { sporderId: "D-1" })).fields.retcode).toBe("1");
  });

  it("system-error commits the order and answers retcode 9999 (or commits nothing with commit: false)", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "system-error", method: "onlineorder.do" });
    expect((await placeOrder(sim, { sporderId: "SE-1" })).fields).toMatchObject({
      retcode: "9999",
      err_msg: "系统异常，请稍后查询订单",
    });
    expect(sim.order("SE-1")).toBeDefined();
    expect(sim.balance()).toBe("9950.20");
    sim.injectFault({ kind: "system-error", commit: false });
    expect((await placeOrder(sim, { sporderId: "SE-2" })).fields.retcode).toBe("9999");
    expect(sim.order("SE-2")).toBeUndefined();
  });

  it("answers gateway failures and rate limits without committing", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "http-500" });
    const failed = await get(sim, "onlineorder.do", orderParams(sim, { sporderId: "G-1" }));
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe("Internal Server Error");
    sim.injectFault({ kind: "html-gateway" });
    const gateway = await get(sim, "onlineorder.do", orderParams(sim, { sporderId: "G-2" }));
    expect(gateway.status).toBe(502);
    expect(await gateway.text()).toContain("<center>nginx</center>");
    sim.injectFault({ kind: "rate-limit", times: 2 });
    const limited = await placeOrder(sim, { sporderId: "G-3" });
    expect(limited.response.headers.get("retry-after")).toBe("1");
    expect(limited.fields.retcode).toBe("1010");
    expect((await placeOrder(sim, { sporderId: "G-4" })).fields.retcode).toBe("1010");
    expect(sim.pendingFaults()).toEqual([]);
    expect(sim.orders()).toEqual([]);
    expect((await placeOrder(sim, { sporderId: "G-5" })).fields.retcode).toBe("1");
  });

  it("commits, then cuts the answer in half (malformed-json)", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "malformed-json", method: "onlineorder.do" });
    const response = await get(sim, "onlineorder.do", orderParams(sim, { sporderId: "M-1", format: "json" }));
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(sim.order("M-1")).toBeDefined();
  });

  it("not-found-until answers 'not found' to the first queries of a committed order", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "not-found-until", queries: 2 });
    await placeOrder(sim, { sporderId: "LAG-1" });
    expect(await queryState(sim, "LAG-1")).toBe("-1");
    expect((await xmlCall(sim, "queryOrderInfo.do", queryParams(sim, "LAG-1"))).fields.retcode).toBe("1009");
    expect(["0", "1"]).toContain(await queryState(sim, "LAG-1"));
    expect((await xmlCall(sim, "queryOrderInfo.do", queryParams(sim, "LAG-1"))).fields.retcode).toBe("1");
  });

  it("refuses unknown fault kinds and endpoints", async () => {
    const sim = await startSimulator();
    expect(() => sim.injectFault({ kind: "teleport" as "delay" })).toThrow(RangeError);
    expect(() => sim.injectFault({ kind: "delay", method: "fulu.order.card.add" })).toThrow(RangeError);
  });
});

describe("OFPay simulator: callbacks", () => {
  it("POSTs an unsigned form to the order's ret_url and retries until the reply is OK", async () => {
    const receiver = await startReceiver(["success", "ok"]);
    const sim = await startSimulator();
    await placeOrder(sim, { sporderId: "CB-1", retUrl: receiver.url });
    await sim.idle();

    expect(receiver.received).toHaveLength(3);
    const [first] = receiver.received;
    expect(first!.contentType).toBe("application/x-www-form-urlencoded");
    expect(Object.keys(first!.fields).sort()).toEqual([
      "err_msg",
      "ordersuccesstime",
      "ret_code",
      "sporder_id",
    ]);
    expect(first!.fields).toMatchObject({ ret_code: "1", sporder_id: "CB-1", err_msg: "" });
    expect(first!.fields.ordersuccesstime).toMatch(/^\d{14}$/);
    expect(receiver.received.every((delivery) => delivery.body === first!.body)).toBe(true);
    const attempts = sim.callbacks("CB-1");
    expect(attempts.map((attempt) => [attempt.attempt, attempt.reply, attempt.acknowledged])).toEqual([
      [1, "success", false],
      [2, "ok", false],
      [3, "OK", true],
    ]);
    expect(attempts.every((attempt) => attempt.reason === "final" && !attempt.contradictsLedger)).toBe(true);
  });

  it("sends err_msg with ret_code 9 for a failed order, and gives up after callbackAttempts", async () => {
    const receiver = await startReceiver(["no", "no", "no"]);
    const sim = await startSimulator({ callbackAttempts: 2 });
    await placeOrder(sim, { sporderId: "CB-fail-2", retUrl: receiver.url });
    await sim.idle();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.fields).toMatchObject({ ret_code: "9", err_msg: "运营商充值失败" });
    expect(sim.callbacks().every((attempt) => !attempt.acknowledged)).toBe(true);
  });

  it("forged-callback claims success for an order that failed, just before the genuine callback", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator();
    sim.injectFault({ kind: "forged-callback", sporderId: "FORGE-fail-1" });
    await placeOrder(sim, { sporderId: "FORGE-fail-1", retUrl: receiver.url });
    await sim.idle();

    expect(sim.order("FORGE-fail-1")!.gameState).toBe("9");
    expect(receiver.received.map((delivery) => delivery.fields.ret_code)).toEqual(["1", "9"]);
    const [forged, genuine] = sim.callbacks("FORGE-fail-1");
    expect(forged).toMatchObject({ reason: "forged", retCode: "1", contradictsLedger: true });
    expect(genuine).toMatchObject({ reason: "final", retCode: "9", contradictsLedger: false });
    // The merchant re-queries, and the ledger says failed.
    expect(await queryState(sim, "FORGE-fail-1")).toBe("9");
  });

  it("forged-callback can claim success while the order is processing, or name an order that does not exist", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ autoSettle: false });
    sim.injectFault({ kind: "forged-callback", when: "accepted" });
    await placeOrder(sim, { sporderId: "EARLY-1", retUrl: receiver.url });
    await sim.idle();
    expect(sim.callbacks("EARLY-1")).toEqual([
      expect.objectContaining({ reason: "forged", retCode: "1", contradictsLedger: true }),
    ]);
    expect(await queryState(sim, "EARLY-1")).toBe("0");

    sim.injectFault({ kind: "forged-callback", forgedSporderId: "NEVER-PLACED" });
    sim.completeOrder("EARLY-1", "success");
    await sim.idle();
    expect(sim.callbacks("NEVER-PLACED")).toEqual([
      expect.objectContaining({ reason: "forged", retCode: "9", contradictsLedger: true }),
    ]);

    const phantom = await sim.sendCallback("GHOST-1", {}, { url: receiver.url });
    expect(phantom[0]).toMatchObject({ reason: "manual", retCode: "1", contradictsLedger: true });
    expect(sim.order("GHOST-1")).toBeUndefined();
    const manual = await sim.sendCallback("EARLY-1", { ret_code: "9" });
    expect(manual[0]).toMatchObject({ retCode: "9", contradictsLedger: true, url: receiver.url });
  });

  it("delivers duplicate and stale (out-of-order) callbacks; the callbackUrl option overrides ret_url", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackUrl: receiver.url });
    sim.injectFault({ kind: "duplicate-callback" });
    sim.injectFault({ kind: "out-of-order-callback" });
    await placeOrder(sim, { sporderId: "DUPCB-1", retUrl: "http://127.0.0.1:9/unused" });
    await sim.idle();
    expect(sim.callbacks("DUPCB-1").map((attempt) => [attempt.reason, attempt.retCode])).toEqual([
      ["final", "1"],
      ["duplicate", "1"],
      ["stale", "0"],
    ]);
    expect(receiver.received).toHaveLength(3);
  });

  it("signs callbacks only when asked (callbackSignature: md5, an assumed scheme)", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackSignature: "md5", keyStr: "K3Y" });
    await placeOrder(sim, { sporderId: "SIGN-1", retUrl: receiver.url });
    await sim.idle();
    const fields = receiver.received[0]!.fields;
    expect(fields.sign).toBe(md5(`${sim.userId}1SIGN-1K3Y`).toUpperCase());
  });
});

describe("OFPay simulator: querybill.do", () => {
  function billParams(sim: OfpaySimulator, cardid: string, lower = false): Record<string, string> {
    const starttime = ofpayTime(Date.now() - 86_400_000, 8);
    const endtime = ofpayTime(Date.now() + 86_400_000, 8);
    const digest = md5(sim.userId + sim.userpws + cardid + starttime + endtime + sim.keyStr);
    return {
      userid: sim.userId,
      userpws: sim.userpws,
      cardid,
      starttime,
      endtime,
      md5_str: lower ? digest : digest.toUpperCase(),
      version: "6.0",
    };
  }

  it("lists the orders of the time range, filtered by cardid prefix, signed in upper case", async () => {
    const sim = await startSimulator();
    await placeOrder(sim, { sporderId: "BILL-1" });
    await placeOrder(sim, { sporderId: "BILL-fail-2", cardnum: "100" });
    await placeOrder(sim, { sporderId: "BILL-3", cardid: "170101", cardnum: "50" });
    await sim.idle();

    const all = await jsonCall(sim, "querybill.do", billParams(sim, ""));
    expect(all).toMatchObject({ retcode: "1", count: "3" });
    expect(
      all.bills.map((row: { sporder_id: string; game_state: string }) => [row.sporder_id, row.game_state]),
    ).toEqual([
      ["BILL-1", "1"],
      ["BILL-fail-2", "9"],
      ["BILL-3", "1"],
    ]);
    expect(all.bills[0]).toMatchObject({ cardid: "140101", cardnum: "50", ordercash: "49.80" });
    expect(all.bills[0].ordertime).toMatch(/^\d{14}$/);
    expect(all.bills).toEqual(sim.bill(Date.now() - 60_000, Date.now() + 60_000));

    const slowOnly = await xmlCall(sim, "querybill.do", billParams(sim, "17"));
    expect(slowOnly.text).toContain("<bills>\n<bill><orderid>");
    expect(slowOnly.fields).toMatchObject({ retcode: "1", count: "1", sporder_id: "BILL-3" });
    expect(sim.bill(Date.now() - 60_000, Date.now() + 60_000, "17").map((row) => row.sporder_id)).toEqual([
      "BILL-3",
    ]);

    expect((await xmlCall(sim, "querybill.do", billParams(sim, "", true))).fields.retcode).toBe("1003");
    expect(sim.requests("querybill.do").map((record) => record.md5Valid)).toEqual([true, true, false]);
  });

  it("accepts a lower-case bill signature when configured ([?] case unconfirmed)", async () => {
    const sim = await startSimulator({ billMd5Case: "lower" });
    expect((await jsonCall(sim, "querybill.do", billParams(sim, "", true))).retcode).toBe("1");
    expect((await jsonCall(sim, "querybill.do", billParams(sim, ""))).retcode).toBe("1003");
  });
});
