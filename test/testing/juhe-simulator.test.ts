import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createJuheSimulator,
  type JuheSimulator,
  type JuheSimulatorOptions,
} from "../../src/testing/juhe-simulator.js";
import {
  JUHE_SIMULATOR_APP_KEY,
  JUHE_SIMULATOR_OPEN_ID,
} from "../../src/testing/juhe-simulator-catalogue.js";

// The signatures are computed here by hand from vendor-protocols.md §4, independently of the
// simulator's own code, so a mistake on either side shows.
const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

const MOBILE = "13800138000"; // 移动, ends in success
const UNICOM = "13012345678"; // 联通
const FAILING = "13900000000"; // 移动, ends in 0000: fails

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startSimulator(options: JuheSimulatorOptions = {}): Promise<JuheSimulator> {
  const sim = createJuheSimulator(options);
  await sim.start();
  cleanups.push(() => sim.close());
  return sim;
}

interface Envelope {
  reason: string;
  // biome-ignore lint/suspicious/noExplicitAny: vendor JSON, inspected field by field in the assertions
  result: any;
  error_code: number;
}

type Transport = "GET" | "POST";

async function call(
  sim: JuheSimulator,
  endpoint: string,
  parameters: Record<string, string>,
  transport: Transport = "GET",
): Promise<Envelope> {
  const response =
    transport === "GET"
      ? await fetch(`${sim.url}${endpoint}?${new URLSearchParams(parameters)}`)
      : await fetch(`${sim.url}${endpoint}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(parameters).toString(),
        });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  return (await response.json()) as Envelope;
}

function orderParameters(
  sim: JuheSimulator,
  phoneno: string,
  cardnum: string,
  orderid: string,
  credentials: { key?: string; openId?: string } = {},
): Record<string, string> {
  const key = credentials.key ?? sim.appKey;
  const sign = md5(`${credentials.openId ?? sim.openId}${key}${phoneno}${cardnum}${orderid}`);
  return { key, phoneno, cardnum, orderid, sign };
}

function placeOrder(
  sim: JuheSimulator,
  phoneno: string,
  cardnum: string,
  orderid: string,
  transport?: Transport,
) {
  return call(sim, "onlineorder", orderParameters(sim, phoneno, cardnum, orderid), transport);
}

function queryOrder(sim: JuheSimulator, orderid: string, transport?: Transport) {
  return call(sim, "ordersta", { key: sim.appKey, orderid }, transport);
}

interface Receiver {
  url: string;
  received: Array<{ body: string; contentType: string; fields: Record<string, string> }>;
}

/** A merchant callback endpoint on loopback; answers `replies` in turn, then `success`. */
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
      response.end(replies.shift() ?? "success");
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
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/juhe/notify`, received };
}

describe("Juhe simulator: endpoints and signatures", () => {
  it("serves /ofpay/mobile/ on loopback with obviously fake default credentials", async () => {
    const sim = await startSimulator();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ofpay\/mobile\/$/);
    expect(sim.appKey).toBe(JUHE_SIMULATOR_APP_KEY);
    expect(sim.openId).toBe(JUHE_SIMULATOR_OPEN_ID);
    expect(sim.appKey).toMatch(/simulated/);

    const check = await call(sim, "telcheck", { key: sim.appKey, phoneno: MOBILE, cardnum: "100" });
    expect(check).toEqual({ reason: expect.any(String), result: null, error_code: 0 });

    const query = await call(sim, "telquery", { key: sim.appKey, phoneno: MOBILE, cardnum: "100" });
    expect(query.error_code).toBe(0);
    expect(query.result).toEqual({
      cardid: "14100100",
      cardname: "江苏移动话费100元",
      inprice: 99.5,
      game_area: "江苏南京移动",
    });

    const missing = await fetch(`${sim.url}nosuchendpoint?key=${sim.appKey}`);
    expect(missing.status).toBe(404);
    await missing.text();
  });

  it("accepts an order signed md5(OpenID + key + phoneno + cardnum + orderid) and answers game_state 0", async () => {
    const sim = await startSimulator({ autoSettle: false });
    const answer = await placeOrder(sim, MOBILE, "100", "KQ20240101000001");
    expect(answer.error_code).toBe(0);
    expect(answer.result).toMatchObject({
      cardid: "14100100",
      cardname: "江苏移动话费100元",
      ordercash: 99.5,
      uorderid: "KQ20240101000001",
      game_userid: MOBILE,
      game_state: "0",
    });
    expect(answer.result.sporder_id).toMatch(/^\d{17}$/);
    expect(sim.orders()).toHaveLength(1);
    expect(sim.requests("onlineorder")[0]).toMatchObject({
      signatureValid: true,
      errorCode: 0,
      httpStatus: 200,
    });
  });

  it("refuses a bad order sign with 208515 and creates nothing", async () => {
    const sim = await startSimulator();
    const cases: Array<Record<string, string>> = [
      { ...orderParameters(sim, MOBILE, "100", "KQBADSIGN0001"), sign: md5("something else") },
      orderParameters(sim, MOBILE, "100", "KQBADSIGN0002", { openId: "JHanother-openid" }),
      { ...orderParameters(sim, MOBILE, "100", "KQBADSIGN0003"), cardnum: "50" }, // signed for 100, asks 50
      (() => {
        const parameters = orderParameters(sim, MOBILE, "100", "KQBADSIGN0004");
        return { ...parameters, sign: parameters.sign!.toUpperCase() }; // §4: lowercase hex
      })(),
      (() => {
        const { sign: _omitted, ...unsigned } = orderParameters(sim, MOBILE, "100", "KQBADSIGN0005");
        return unsigned;
      })(),
    ];
    for (const parameters of cases) {
      const answer = await call(sim, "onlineorder", parameters);
      expect(answer).toEqual({ reason: "校验值sign错误", result: null, error_code: 208515 });
    }
    expect(sim.orders()).toEqual([]);
    expect(sim.balance()).toBe("10000.00");
    expect(sim.requests("onlineorder").map((record) => record.signatureValid)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("accepts an uppercase sign only when configured to", async () => {
    const sim = await startSimulator({ signCase: "any", autoSettle: false });
    const parameters = orderParameters(sim, MOBILE, "100", "KQUPPERCASE01");
    const answer = await call(sim, "onlineorder", { ...parameters, sign: parameters.sign!.toUpperCase() });
    expect(answer.error_code).toBe(0);
  });

  it("refuses a wrong or missing key with 10001 on every endpoint", async () => {
    const sim = await startSimulator();
    const wrongKey = "not-the-key";
    const answers = [
      await call(sim, "telcheck", { key: wrongKey, phoneno: MOBILE, cardnum: "100" }),
      await call(sim, "telquery", { phoneno: MOBILE, cardnum: "100" }),
      await call(sim, "onlineorder", orderParameters(sim, MOBILE, "100", "KQWRONGKEY01", { key: wrongKey })),
      await call(sim, "ordersta", { key: wrongKey, orderid: "KQWRONGKEY01" }),
      await call(sim, "yue", {
        key: wrongKey,
        timestamp: "1700000000",
        sign: md5(`${sim.openId}${wrongKey}1700000000`),
      }),
      await call(sim, "orderlist", { key: wrongKey }),
    ];
    for (const answer of answers)
      expect(answer).toEqual({ reason: "错误的请求KEY", result: null, error_code: 10001 });
    expect(sim.orders()).toEqual([]);
    expect(sim.requests().every((record) => !record.signatureValid)).toBe(true);
  });

  it("answers yue signed md5(OpenID + key + timestamp) and refuses a bad one with 208515", async () => {
    const sim = await startSimulator({ balance: "523.40" });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const good = await call(sim, "yue", {
      key: sim.appKey,
      timestamp,
      sign: md5(`${sim.openId}${sim.appKey}${timestamp}`),
    });
    expect(good.error_code).toBe(0);
    expect(good.result).toEqual({ uid: expect.any(String), money: "523.400" });
    const bad = await call(sim, "yue", {
      key: sim.appKey,
      timestamp,
      sign: md5(`${sim.openId}${sim.appKey}${timestamp}1`),
    });
    expect(bad).toEqual({ reason: "校验值sign错误", result: null, error_code: 208515 });
    expect(sim.requests("yue").map((record) => record.signatureValid)).toEqual([true, false]);
  });

  it("takes GET query parameters, POST form bodies, and POSTs with the parameters in the URL", async () => {
    const sim = await startSimulator({ autoSettle: false });
    expect((await placeOrder(sim, MOBILE, "50", "KQVIAPOST0001", "POST")).error_code).toBe(0);
    expect((await placeOrder(sim, UNICOM, "50", "KQVIAGET00001", "GET")).error_code).toBe(0);
    // One public sample POSTs with every parameter in the URL and a non-form content type.
    const inUrl = new URLSearchParams(orderParameters(sim, "13312345678", "30", "KQPOSTURL0001"));
    const response = await fetch(`${sim.url}onlineorder?${inUrl}`, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: "",
    });
    expect(((await response.json()) as Envelope).error_code).toBe(0);

    expect((await queryOrder(sim, "KQVIAPOST0001", "POST")).result.uorderid).toBe("KQVIAPOST0001");
    expect((await queryOrder(sim, "KQVIAGET00001", "GET")).result.uorderid).toBe("KQVIAGET00001");
    expect(sim.orders().map((order) => order.carrier)).toEqual(["移动", "联通", "电信"]);
    expect(sim.requests("onlineorder").map((record) => record.httpMethod)).toEqual(["POST", "GET", "POST"]);

    const put = await fetch(`${sim.url}ordersta`, { method: "PUT" });
    expect(put.status).toBe(405);
    await put.text();
  });

  it("refuses bad numbers, face values and order ids with their codes (the magic values)", async () => {
    const sim = await startSimulator();
    const expectations: Array<[phoneno: string, cardnum: string, orderid: string, code: number]> = [
      ["1380013800", "100", "KQMAGIC00001", 208505], // 10 digits
      ["23800138000", "100", "KQMAGIC00002", 208505], // not starting with 1
      ["17012345678", "100", "KQMAGIC00003", 208501], // 170: no carrier
      [UNICOM, "500", "KQMAGIC00004", 208501], // 联通 takes no 500
      [MOBILE, "15", "KQMAGIC00005", 208501], // no such face value
      [MOBILE, "ten", "KQMAGIC00006", 208506], // not a face value
      ["13800009999", "100", "KQMAGIC00007", 208501], // ends in 9999: refused
      [MOBILE, "100", "KQ1234", 208514], // orderid too short
      [MOBILE, "100", "KQ-WITH-DASH01", 208514], // not alphanumeric
      [MOBILE, "100", "K".repeat(33), 208514], // too long
    ];
    for (const [phoneno, cardnum, orderid, code] of expectations) {
      expect((await placeOrder(sim, phoneno, cardnum, orderid)).error_code).toBe(code);
    }
    expect(sim.orders()).toEqual([]);
    expect(sim.balance()).toBe("10000.00");
    const check = await call(sim, "telcheck", { key: sim.appKey, phoneno: "13800009999", cardnum: "100" });
    expect(check.error_code).toBe(208501);
  });
});

describe("Juhe simulator: orders and balance", () => {
  it("debits ordercash at acceptance and settles 0 → 1", async () => {
    const sim = await startSimulator({ settleAfterMs: 5 });
    expect((await placeOrder(sim, MOBILE, "100", "KQSETTLE00001")).result.game_state).toBe("0");
    expect(sim.balance()).toBe("9900.50");
    await sim.idle();
    const answer = await queryOrder(sim, "KQSETTLE00001");
    expect(answer.error_code).toBe(0);
    expect(answer.result).toMatchObject({ uorderid: "KQSETTLE00001", game_state: "1", uordercash: "99.500" });
    expect(sim.order("KQSETTLE00001")).toMatchObject({
      state: "success",
      gameState: "1",
      ordercash: "99.50",
    });
    expect(sim.balance()).toBe("9900.50");
  });

  it("refunds a failed order (number ending in 0000): 0 → 9", async () => {
    const sim = await startSimulator({ settleAfterMs: 5 });
    await placeOrder(sim, FAILING, "50", "KQFAILS000001");
    expect(sim.balance()).toBe("9950.25");
    await sim.idle();
    expect((await queryOrder(sim, "KQFAILS000001")).result.game_state).toBe("9");
    expect(sim.balance()).toBe("10000.00");
  });

  it("refuses a duplicate orderid with 208516 and keeps exactly one order", async () => {
    const sim = await startSimulator({ autoSettle: false });
    expect((await placeOrder(sim, MOBILE, "100", "KQDUPLICATE01")).error_code).toBe(0);
    const again = await placeOrder(sim, UNICOM, "50", "KQDUPLICATE01", "POST");
    expect(again).toEqual({ reason: "重复的订单号", result: null, error_code: 208516 });
    expect(sim.orders()).toHaveLength(1);
    expect(sim.order("KQDUPLICATE01")).toMatchObject({ phoneno: MOBILE, cardnum: 100 });
    expect(sim.balance()).toBe("9900.50");
  });

  it("refuses an order it cannot pay with 208517", async () => {
    const sim = await startSimulator({ balance: "50.00" });
    expect((await placeOrder(sim, MOBILE, "100", "KQNOMONEY0001")).error_code).toBe(208517);
    expect(sim.orders()).toEqual([]);
    expect(sim.balance()).toBe("50.00");
  });

  it("keeps pending orders at 0 until completeOrder, and honours setAutoSettle", async () => {
    const sim = await startSimulator({ autoSettle: false, settleAfterMs: 5 });
    await placeOrder(sim, "13800001111", "20", "KQPENDING0001"); // ends in 1111: pending
    await placeOrder(sim, MOBILE, "20", "KQHELD0000001");
    await sim.idle();
    expect((await queryOrder(sim, "KQHELD0000001")).result.game_state).toBe("0");
    sim.setAutoSettle(true);
    await sim.idle();
    expect((await queryOrder(sim, "KQHELD0000001")).result.game_state).toBe("1");
    expect((await queryOrder(sim, "KQPENDING0001")).result.game_state).toBe("0");
    expect(sim.completeOrder("KQPENDING0001", "failed")).toMatchObject({ state: "failed", gameState: "9" });
    expect(() => sim.completeOrder("KQPENDING0001", "success")).toThrow(RangeError);
    expect(sim.balance()).toBe("9980.10");
  });

  it("reports a raw game_state set by setRawOrderState, then the real one again", async () => {
    const sim = await startSimulator({ autoSettle: false });
    await placeOrder(sim, MOBILE, "30", "KQRAWSTATE001");
    sim.setRawOrderState("KQRAWSTATE001", "7");
    expect((await queryOrder(sim, "KQRAWSTATE001")).result.game_state).toBe("7");
    sim.setRawOrderState("KQRAWSTATE001", undefined);
    expect((await queryOrder(sim, "KQRAWSTATE001")).result.game_state).toBe("0");
  });

  it("answers ordersta for an unknown orderid with the configured not-found answer", async () => {
    const sim = await startSimulator();
    expect(await queryOrder(sim, "KQNEVERPLACED1")).toEqual({
      reason: "此订单不存在",
      result: null,
      error_code: 208513,
    });
    const other = await startSimulator({ notFound: { code: 208509, reason: "错误的订单号" } });
    expect((await queryOrder(other, "KQNEVERPLACED1")).error_code).toBe(208509);
  });

  it("lists the orders with orderlist", async () => {
    const sim = await startSimulator({ autoSettle: false });
    await placeOrder(sim, MOBILE, "10", "KQLIST0000001");
    await placeOrder(sim, UNICOM, "20", "KQLIST0000002");
    const answer = await call(sim, "orderlist", { key: sim.appKey });
    expect(answer.error_code).toBe(0);
    expect(answer.result.map((row: { uorderid: string }) => row.uorderid)).toEqual([
      "KQLIST0000001",
      "KQLIST0000002",
    ]);
    expect(answer.result[1]).toMatchObject({
      cardname: "江苏联通话费20元",
      uordercash: "19.920",
      game_state: "0",
    });
  });
});

describe("Juhe simulator: scripted faults", () => {
  it("system-error-10014: the order IS committed, the answer says 10014, the query finds it", async () => {
    const sim = await startSimulator({ autoSettle: false });
    sim.injectFault({ kind: "system-error-10014", method: "onlineorder" });
    const answer = await placeOrder(sim, MOBILE, "100", "KQSYSERR00001");
    expect(answer).toEqual({ reason: "系统内部异常", result: null, error_code: 10014 });
    expect(sim.orders()).toHaveLength(1);
    expect(sim.balance()).toBe("9900.50");
    expect((await queryOrder(sim, "KQSYSERR00001")).result.game_state).toBe("0");
    // Re-sending the same orderid cannot create a second order.
    expect((await placeOrder(sim, MOBILE, "100", "KQSYSERR00001")).error_code).toBe(208516);
    expect(sim.orders()).toHaveLength(1);
    expect(sim.requests("onlineorder").map((record) => [record.fault, record.errorCode])).toEqual([
      ["system-error-10014", 10014],
      [undefined, 208516],
    ]);
  });

  it("system-error-10014 with committed: false creates nothing", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "system-error-10014", method: "onlineorder", committed: false });
    expect((await placeOrder(sim, MOBILE, "100", "KQSYSERR00002")).error_code).toBe(10014);
    expect(sim.orders()).toEqual([]);
  });

  it("commit-then-drop leaves exactly one order; drop-before-commit leaves none", async () => {
    const sim = await startSimulator({ autoSettle: false });
    sim.injectFault({ kind: "commit-then-drop", method: "onlineorder" });
    await expect(placeOrder(sim, MOBILE, "100", "KQDROPPED0001")).rejects.toThrow();
    expect(sim.orders().map((order) => order.orderid)).toEqual(["KQDROPPED0001"]);
    expect((await queryOrder(sim, "KQDROPPED0001")).result.uorderid).toBe("KQDROPPED0001");
    expect(sim.requests("onlineorder")[0]).toMatchObject({ fault: "commit-then-drop", errorCode: 0 });
    expect(sim.requests("onlineorder")[0]!.httpStatus).toBeUndefined();

    sim.injectFault({ kind: "drop-before-commit", method: "onlineorder" });
    await expect(placeOrder(sim, MOBILE, "100", "KQDROPPED0002")).rejects.toThrow();
    expect(sim.order("KQDROPPED0002")).toBeUndefined();
    expect(sim.balance()).toBe("9900.50");
  });

  it("delay commits at once and holds the answer back", async () => {
    const sim = createJuheSimulator({ autoSettle: false });
    await sim.start();
    cleanups.push(() => sim.close());
    sim.injectFault({ kind: "delay", method: "onlineorder", delayMs: 60_000 });
    const outcome = placeOrder(sim, MOBILE, "10", "KQDELAYED0001").then(
      () => "answered",
      () => "no answer",
    );
    // The order exists while the answer is still held back; closing cuts the held answer.
    await expect.poll(() => sim.orders().length).toBe(1);
    expect(sim.requests("onlineorder")[0]).toMatchObject({ fault: "delay", errorCode: 0 });
    expect(sim.requests("onlineorder")[0]!.httpStatus).toBeUndefined();
    await sim.close();
    expect(await outcome).toBe("no answer");
  });

  it("answers gateway pages, 500s, cut JSON and rate limits", async () => {
    const sim = await startSimulator({ autoSettle: false });
    sim.injectFault({ kind: "html-gateway", method: "onlineorder" });
    const gateway = await fetch(
      `${sim.url}onlineorder?${new URLSearchParams(orderParameters(sim, MOBILE, "10", "KQGATEWAY0001"))}`,
    );
    expect(gateway.status).toBe(502);
    expect(await gateway.text()).toContain("502 Bad Gateway");

    sim.injectFault({ kind: "http-500", method: "ordersta", bodyFormat: "text" });
    const failing = await fetch(`${sim.url}ordersta?key=${sim.appKey}&orderid=KQGATEWAY0001`);
    expect(failing.status).toBe(500);
    expect(await failing.text()).toBe("Internal Server Error");
    expect(sim.orders()).toEqual([]);

    sim.injectFault({ kind: "malformed-json", method: "onlineorder" });
    const cut = await fetch(
      `${sim.url}onlineorder?${new URLSearchParams(orderParameters(sim, MOBILE, "10", "KQCUTJSON0001"))}`,
    );
    expect(cut.status).toBe(200);
    await expect(cut.json()).rejects.toThrow();
    expect(sim.orders()).toHaveLength(1); // committed before the answer was cut

    sim.injectFault({ kind: "rate-limit", method: "ordersta", times: 2 });
    expect((await queryOrder(sim, "KQCUTJSON0001")).error_code).toBe(10012);
    expect((await queryOrder(sim, "KQCUTJSON0001")).error_code).toBe(10012);
    expect((await queryOrder(sim, "KQCUTJSON0001")).error_code).toBe(0);
    expect(sim.pendingFaults()).toEqual([]);
  });

  it("not-found-until: ordersta says not found for N queries although the order exists", async () => {
    const sim = await startSimulator({ autoSettle: false });
    sim.injectFault({ kind: "not-found-until", queries: 2 });
    expect((await placeOrder(sim, MOBILE, "10", "KQLAGGING0001")).error_code).toBe(0);
    expect((await queryOrder(sim, "KQLAGGING0001")).error_code).toBe(208513);
    expect((await queryOrder(sim, "KQLAGGING0001")).error_code).toBe(208513);
    expect((await queryOrder(sim, "KQLAGGING0001")).error_code).toBe(0);
    expect(sim.orders()).toHaveLength(1);

    // On an order that already exists, the lag starts at once.
    sim.injectFault({ kind: "not-found-until", orderid: "KQLAGGING0001", queries: 1 });
    expect((await queryOrder(sim, "KQLAGGING0001")).error_code).toBe(208513);
    expect((await queryOrder(sim, "KQLAGGING0001")).error_code).toBe(0);
  });

  it("rejects invalid faults", () => {
    const sim = createJuheSimulator();
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
    expect(() => sim.injectFault({ kind: "explode" as any })).toThrow(RangeError);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
    expect(() => sim.injectFault({ kind: "delay", method: "getway" as any })).toThrow(RangeError);
    expect(() => sim.injectFault({ kind: "delay", times: 0 })).toThrow(RangeError);
  });
});

describe("Juhe simulator: callbacks", () => {
  it("POSTs a form signed md5(AppKey + sporder_id + orderid) and retries until the ack", async () => {
    const receiver = await startReceiver(["fail", ""]);
    const sim = await startSimulator({ callbackUrl: receiver.url, settleAfterMs: 5 });
    const placed = await placeOrder(sim, MOBILE, "100", "KQCALLBACK001");
    await sim.idle();

    expect(receiver.received).toHaveLength(3);
    const [first] = receiver.received;
    expect(first!.contentType).toBe("application/x-www-form-urlencoded");
    expect(first!.fields).toEqual({
      sporder_id: placed.result.sporder_id,
      orderid: "KQCALLBACK001",
      sta: "1",
      sign: md5(`${sim.appKey}${placed.result.sporder_id}KQCALLBACK001`),
    });
    expect(new Set(receiver.received.map((entry) => entry.body)).size).toBe(1);
    expect(sim.callbacks("KQCALLBACK001").map((attempt) => [attempt.attempt, attempt.acknowledged])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(sim.signCallback(first!.fields).sign).toBe(first!.fields.sign);
  });

  it("sends sta 9 for a failed order and honours a configured ack", async () => {
    const receiver = await startReceiver(["success", "OK"]);
    const sim = await startSimulator({ callbackUrl: receiver.url, callbackAck: "OK", settleAfterMs: 5 });
    await placeOrder(sim, FAILING, "10", "KQCALLBACK002");
    await sim.idle();
    expect(receiver.received.map((entry) => entry.fields.sta)).toEqual(["9", "9"]);
    expect(sim.callbacks().at(-1)).toMatchObject({ acknowledged: true, reply: "OK" });
  });

  it("gives up after callbackAttempts", async () => {
    const receiver = await startReceiver(["no", "no", "no", "no", "no"]);
    const sim = await startSimulator({ callbackUrl: receiver.url, callbackAttempts: 3, settleAfterMs: 5 });
    await placeOrder(sim, MOBILE, "10", "KQCALLBACK003");
    await sim.idle();
    expect(receiver.received).toHaveLength(3);
    expect(sim.callbacks().every((attempt) => !attempt.acknowledged)).toBe(true);
  });

  it("duplicate-callback delivers the same signed body twice", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackUrl: receiver.url, settleAfterMs: 5 });
    sim.injectFault({ kind: "duplicate-callback" });
    await placeOrder(sim, MOBILE, "10", "KQCALLBACK004");
    await sim.idle();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.body).toBe(receiver.received[1]!.body);
    expect(sim.callbacks().map((attempt) => attempt.reason)).toEqual(["final", "duplicate"]);
  });

  it("out-of-order-callback delivers a stale sta after the final one, with a genuine sign", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackUrl: receiver.url, settleAfterMs: 5 });
    sim.injectFault({ kind: "out-of-order-callback", orderid: "KQCALLBACK005" });
    const placed = await placeOrder(sim, MOBILE, "10", "KQCALLBACK005");
    await sim.idle();
    expect(receiver.received.map((entry) => entry.fields.sta)).toEqual(["1", "0"]);
    const sign = md5(`${sim.appKey}${placed.result.sporder_id}KQCALLBACK005`);
    expect(receiver.received.map((entry) => entry.fields.sign)).toEqual([sign, sign]);
  });

  it("out-of-order-callback in before-answer mode delivers the callback before the order answer", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackUrl: receiver.url, autoSettle: false });
    sim.injectFault({ kind: "out-of-order-callback", mode: "before-answer" });
    const answer = await placeOrder(sim, MOBILE, "10", "KQCALLBACK006");
    // The answer is only now in our hands, and the callback has already arrived.
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.fields).toMatchObject({ orderid: "KQCALLBACK006", sta: "1" });
    expect(answer.result.game_state).toBe("0");
    expect(sim.order("KQCALLBACK006")!.state).toBe("success");
  });

  it("sends manual and forged callbacks", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ autoSettle: false });
    const placed = await placeOrder(sim, MOBILE, "10", "KQCALLBACK007");
    const genuine = md5(`${sim.appKey}${placed.result.sporder_id}KQCALLBACK007`);
    const verifies = (fields: Record<string, string>) =>
      fields.sign === md5(`${sim.appKey}${fields.sporder_id ?? ""}${fields.orderid ?? ""}`);

    await sim.sendCallback("KQCALLBACK007", { sta: "9" }, { url: receiver.url });
    await sim.sendForgedCallback("KQCALLBACK007", "bad-sign", { url: receiver.url });
    await sim.sendForgedCallback("KQCALLBACK007", "wrong-key", { url: receiver.url });
    await sim.sendForgedCallback("KQCALLBACK007", "missing-sign", { url: receiver.url });
    await sim.sendForgedCallback("KQCALLBACK007", "flipped-sta", { url: receiver.url });
    await sim.sendForgedCallback("KQNOSUCHORDER1", "unknown-order", { url: receiver.url });
    const fields = receiver.received.map((entry) => entry.fields);

    expect(fields[0]).toMatchObject({ sta: "9", sign: genuine });
    expect(verifies(fields[1]!)).toBe(false);
    expect(verifies(fields[2]!)).toBe(false);
    expect(fields[3]!.sign).toBeUndefined();
    // sta is not signed: a flipped sta still verifies, only a confirming query catches it.
    expect(fields[4]).toMatchObject({ sta: "1", sign: genuine });
    expect(verifies(fields[4]!)).toBe(true);
    expect(verifies(fields[5]!)).toBe(true);
    expect(fields[5]!.orderid).toBe("KQNOSUCHORDER1");
    expect(sim.callbacks().map((attempt) => attempt.reason)).toEqual([
      "manual",
      "forged",
      "forged",
      "forged",
      "forged",
      "forged",
    ]);
    await expect(sim.sendCallback("KQNOSUCHORDER1", {}, { url: receiver.url })).rejects.toThrow(RangeError);
    await expect(sim.sendCallback("KQCALLBACK007")).rejects.toThrow(/callback URL/);
  });
});
