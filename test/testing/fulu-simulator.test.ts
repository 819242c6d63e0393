import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { decryptFuluCardField } from "../../adapters/fulu/fulu-cards.js";
import {
  buildFuluRequestBody,
  fuluSign,
  verifyFuluResponseSign,
  verifyFuluSignedJson,
} from "../../adapters/fulu/fulu-signature.js";
import { formatDateTime } from "../../src/runtime/clock.js";
import {
  createFuluSimulator,
  FaultQueue,
  FULU_SIMULATOR_APP_KEY,
  FULU_SIMULATOR_APP_SECRET,
  type FuluSimulator,
  type FuluSimulatorOptions,
} from "../../src/testing/index.js";

const SECRET = FULU_SIMULATOR_APP_SECRET;
const DIRECT = 10000001;
const CARD = 10000002;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startSimulator(options: FuluSimulatorOptions = {}): Promise<FuluSimulator> {
  const sim = createFuluSimulator(options);
  await sim.start();
  cleanups.push(() => sim.close());
  return sim;
}

interface CallOptions {
  appKey?: string;
  secret?: string;
  version?: string;
  tamper?: (body: string) => string;
}

function requestBody(method: string, business: Record<string, unknown>, options: CallOptions = {}): string {
  const { body } = buildFuluRequestBody(
    {
      app_key: options.appKey ?? FULU_SIMULATOR_APP_KEY,
      method,
      timestamp: formatDateTime(Date.now()),
      version: options.version ?? "2.0",
      format: "json",
      charset: "utf-8",
      sign_type: "md5",
      app_auth_token: "",
      biz_content: JSON.stringify(business),
    },
    options.secret ?? SECRET,
  );
  return options.tamper ? options.tamper(body) : body;
}

interface Envelope {
  code: number;
  message: string;
  result: string;
  sign: string;
}

async function post(sim: FuluSimulator, body: string): Promise<Response> {
  return fetch(sim.url, { method: "POST", headers: { "content-type": "application/json" }, body });
}

/** Calls the gateway; checks the envelope's signature on success and returns the parsed result. */
async function call(
  sim: FuluSimulator,
  method: string,
  business: Record<string, unknown>,
  options: CallOptions = {},
  // biome-ignore lint/suspicious/noExplicitAny: vendor JSON, inspected field by field in the assertions
): Promise<{ envelope: Envelope; result: any }> {
  const response = await post(sim, requestBody(method, business, options));
  expect(response.status).toBe(200);
  const envelope = (await response.json()) as Envelope;
  if (envelope.code !== 0) {
    expect(envelope.result).toBe("");
    expect(envelope.sign).toBe("");
    return { envelope, result: undefined };
  }
  expect(typeof envelope.result).toBe("string");
  expect(verifyFuluResponseSign(envelope.result, envelope.sign, SECRET)).toBe(true);
  return { envelope, result: JSON.parse(envelope.result) };
}

interface Receiver {
  url: string;
  received: Array<{ body: string; contentType: string }>;
}

/** A merchant callback endpoint on loopback; answers `replies` in turn, then `success`. */
async function startReceiver(replies: string[] = []): Promise<Receiver> {
  const received: Receiver["received"] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        contentType: request.headers["content-type"] ?? "",
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
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fulu/notify`, received };
}

async function placeCardOrder(sim: FuluSimulator, customerOrderNo: string, buyNum = 1) {
  return call(sim, "fulu.order.card.add", {
    product_id: CARD,
    buy_num: buyNum,
    customer_order_no: customerOrderNo,
  });
}

async function placeDirectOrder(sim: FuluSimulator, customerOrderNo: string, account = "player-001") {
  return call(sim, "fulu.order.direct.add", {
    product_id: DIRECT,
    customer_order_no: customerOrderNo,
    charge_account: account,
    buy_num: 1,
  });
}

describe("Fulu simulator: gateway and signatures", () => {
  it("listens on loopback at /api/getway and signs its answers", async () => {
    const sim = await startSimulator();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/getway$/);
    const { envelope, result } = await call(sim, "fulu.user.info.get", {});
    expect(envelope).toMatchObject({ code: 0, message: "接口调用成功" });
    expect(result).toEqual({ name: expect.any(String), balance: 10000, is_open: 1 });
    expect(verifyFuluResponseSign(envelope.result, "0".repeat(32), SECRET)).toBe(false);
  });

  it("lists on-sale products with the vendor's fields and Chinese status literals", async () => {
    const sim = await startSimulator();
    sim.setSaleStatus(10000003, "下架");
    const { result } = await call(sim, "fulu.goods.list.get", {});
    const ids = result.map((product: { product_id: number }) => product.product_id);
    expect(ids).toContain(DIRECT);
    expect(ids).not.toContain(10000003);
    const direct = result.find((product: { product_id: number }) => product.product_id === DIRECT);
    expect(direct).toMatchObject({
      product_type: "直充",
      sales_status: "上架",
      stock_status: "充足",
      purchase_price: 5.7,
      template_id: expect.stringMatching(/.+/),
    });
    const cards = await call(sim, "fulu.goods.list.get", { product_type: "卡密" });
    expect(cards.result.map((product: { product_id: number }) => product.product_id)).toEqual([CARD]);

    const info = await call(sim, "fulu.goods.info.get", { product_id: 10000003 });
    expect(info.result).toMatchObject({ product_id: 10000003, sales_status: "下架", product_type: "卡密" });
    const template = await call(sim, "fulu.goods.template.get", { template_id: direct.template_id });
    expect(JSON.stringify(template.result)).toContain("ChargeAccount");

    sim.setStock(CARD, "断货");
    const stock = await call(sim, "fulu.goods.stock.check", { product_id: CARD, buy_num: 1 });
    expect(stock.result).toEqual({ product_id: CARD, stock_status: "断货" });
  });

  it("rejects a bad signature with 1001, an unknown app_key with 1002, bad public parameters with 1003", async () => {
    const sim = await startSimulator();
    const forged = await call(sim, "fulu.user.info.get", {}, { secret: "f".repeat(32) });
    expect(forged.envelope.code).toBe(1001);
    const tampered = await call(
      sim,
      "fulu.order.info.get",
      { customer_order_no: "A1" },
      {
        tamper: (body) => body.replace("A1", "A2"),
      },
    );
    expect(tampered.envelope.code).toBe(1001);
    const unsigned = await post(
      sim,
      requestBody("fulu.user.info.get", {}).replace(/,"sign":"[0-9a-f]+"/, ""),
    );
    expect(((await unsigned.json()) as Envelope).code).toBe(1001);
    const stranger = await call(sim, "fulu.user.info.get", {}, { appKey: "someone-else" });
    expect(stranger.envelope.code).toBe(1002);
    const oldVersion = await call(sim, "fulu.user.info.get", {}, { version: "1.0" });
    expect(oldVersion.envelope.code).toBe(1003);
    const unknownMethod = await call(sim, "fulu.order.teleport", {});
    expect(unknownMethod.envelope.code).toBe(1003);

    const records = sim.requests("fulu.user.info.get");
    expect(records.map((record) => record.signatureValid)).toEqual([false, false, false, true]);
    expect(records.map((record) => record.code)).toEqual([1001, 1001, 1002, 1003]);
    expect(sim.requests("fulu.order.info.get")[0]).toMatchObject({
      customerOrderNo: "A2",
      signatureValid: false,
    });

    const wrongPath = await fetch(sim.url.replace("/api/getway", "/api/gateway"), {
      method: "POST",
      body: "{}",
    });
    expect(wrongPath.status).toBe(404);
  });
});

describe("Fulu simulator: orders", () => {
  it("settles a card order and returns encrypted cards only from info.get", async () => {
    const sim = await startSimulator();
    const placed = await placeCardOrder(sim, "CARD-0001", 2);
    expect(placed.result).toMatchObject({
      customer_order_no: "CARD-0001",
      order_type: 3,
      buy_num: 2,
      order_price: 51,
      order_state: "untreated",
    });
    expect(placed.result.order_id).toMatch(/^\d{20}$/);
    expect(placed.result.cards).toBeUndefined();
    expect(sim.balance()).toBe("9949.00");

    await sim.idle();
    const { result } = await call(sim, "fulu.order.info.get", { customer_order_no: "CARD-0001" });
    expect(result.order_state).toBe("success");
    expect(result.finish_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(result.cards).toHaveLength(2);
    const expected = sim.order("CARD-0001")!.cards;
    expect(expected).toHaveLength(2);
    for (const [index, card] of (result.cards as Array<Record<string, string>>).entries()) {
      expect(card.card_pwd).not.toBe(expected[index]!.cardPassword);
      expect(decryptFuluCardField(card.card_number!, SECRET)).toBe(expected[index]!.cardNumber);
      expect(decryptFuluCardField(card.card_pwd!, SECRET)).toBe(expected[index]!.cardPassword);
      expect(card.card_type).toBe("0");
    }
  });

  it("refuses a re-sent customer_order_no with 3000 and keeps one order, debited once", async () => {
    const sim = await startSimulator();
    await placeDirectOrder(sim, "DUP-1");
    const again = await placeDirectOrder(sim, "DUP-1");
    expect(again.envelope).toMatchObject({ code: 3000, message: "外部订单号已存在" });
    expect(sim.orders()).toHaveLength(1);
    expect(sim.balance()).toBe("9994.30");
    const balance = await call(sim, "fulu.user.info.get", {});
    expect(balance.result.balance).toBe(9994.3);
  });

  it("ends a 'fail' account failed and refunds; refuses 'invalid' with 1007", async () => {
    const sim = await startSimulator();
    await placeDirectOrder(sim, "F-1", "will-fail-account");
    expect(sim.balance()).toBe("9994.30");
    await sim.idle();
    const { result } = await call(sim, "fulu.order.info.get", { customer_order_no: "F-1" });
    expect(result.order_state).toBe("failed");
    expect(result.cards).toBeUndefined();
    expect(sim.balance()).toBe("10000.00");

    const invalid = await placeDirectOrder(sim, "I-1", "invalid-account");
    expect(invalid.envelope.code).toBe(1007);
    expect(sim.order("I-1")).toBeUndefined();
  });

  it("answers 1004 off sale, 1005 out of stock, 1006 low balance, 1008 unknown order", async () => {
    const sim = await startSimulator({ balance: "10.00" });
    sim.setSaleStatus(DIRECT, "维护中");
    expect((await placeDirectOrder(sim, "X-1")).envelope.code).toBe(1004);
    sim.setSaleStatus(DIRECT, "上架");
    sim.setStock(DIRECT, "断货");
    expect((await placeDirectOrder(sim, "X-2")).envelope.code).toBe(1005);
    sim.setStock(DIRECT, "警报");
    sim.setPrice(DIRECT, "10.01");
    expect((await placeDirectOrder(sim, "X-3")).envelope.code).toBe(1006);
    expect((await call(sim, "fulu.order.info.get", { customer_order_no: "X-3" })).envelope).toMatchObject({
      code: 1008,
      message: "订单不存在",
    });
    expect(sim.orders()).toEqual([]);
    expect(sim.balance()).toBe("10.00");
  });

  it("places a mobile top-up by charge_value", async () => {
    const sim = await startSimulator();
    const { result } = await call(sim, "fulu.order.mobile.add", {
      charge_phone: "13800138000",
      charge_value: 100,
      customer_order_no: "M-1",
    });
    expect(result).toMatchObject({ order_type: 1, charge_account: "13800138000", order_price: 99.5 });
    const badPhone = await call(sim, "fulu.order.mobile.add", {
      charge_phone: "12345",
      charge_value: 100,
      customer_order_no: "M-2",
    });
    expect(badPhone.envelope.code).toBe(1007);
    const noSuchValue = await call(sim, "fulu.order.mobile.add", {
      charge_phone: "13800138000",
      charge_value: 7,
      customer_order_no: "M-3",
    });
    expect(noSuchValue.envelope.code).toBe(1004);
    expect(sim.orders().map((order) => order.customerOrderNo)).toEqual(["M-1"]);
  });

  it("keeps orders processing with autoSettle off until completeOrder", async () => {
    const sim = await startSimulator();
    sim.setAutoSettle(false);
    await placeCardOrder(sim, "HOLD-1");
    await sim.idle();
    expect((await call(sim, "fulu.order.info.get", { customer_order_no: "HOLD-1" })).result.order_state).toBe(
      "processing",
    );
    expect(sim.completeOrder("HOLD-1", "failed").state).toBe("failed");
    expect(() => sim.completeOrder("HOLD-1", "success")).toThrow();
    expect(sim.balance()).toBe("10000.00");

    sim.setAutoSettle(true);
    await placeDirectOrder(sim, "PENDING-1");
    await sim.idle();
    expect(sim.order("PENDING-1")!.state).toBe("processing");
  });
});

describe("Fulu simulator: scripted faults", () => {
  it("commit-then-drop leaves exactly one committed order", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "commit-then-drop", method: "fulu.order.card.add" });
    const body = requestBody("fulu.order.card.add", {
      product_id: CARD,
      buy_num: 1,
      customer_order_no: "CTD-1",
    });
    await expect(post(sim, body)).rejects.toThrow();
    expect(sim.orders().map((order) => order.customerOrderNo)).toEqual(["CTD-1"]);
    expect(sim.requests("fulu.order.card.add")[0]).toMatchObject({ fault: "commit-then-drop", code: 0 });

    const retried = await placeCardOrder(sim, "CTD-1");
    expect(retried.envelope.code).toBe(3000);
    expect(sim.orders()).toHaveLength(1);
    expect(sim.balance()).toBe("9974.50");
  });

  it("drop-before-commit commits nothing", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "drop-before-commit" });
    await expect(
      post(
        sim,
        requestBody("fulu.order.card.add", { product_id: CARD, buy_num: 1, customer_order_no: "D-1" }),
      ),
    ).rejects.toThrow();
    expect(sim.orders()).toEqual([]);
    expect((await placeCardOrder(sim, "D-1")).envelope.code).toBe(0);
  });

  it("answers gateway failures without committing", async () => {
    const sim = await startSimulator();
    const body = (no: string) =>
      requestBody("fulu.order.card.add", { product_id: CARD, buy_num: 1, customer_order_no: no });
    sim.injectFault({ kind: "http-500", bodyFormat: "text" });
    const failed = await post(sim, body("G-1"));
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe("Internal Server Error");
    sim.injectFault({ kind: "html-gateway" });
    const gateway = await post(sim, body("G-2"));
    expect(gateway.status).toBe(502);
    expect(await gateway.text()).toContain("<center>nginx</center>");
    sim.injectFault({ kind: "rate-limit", times: 2 });
    const limited = await post(sim, body("G-3"));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(((await limited.json()) as Envelope).code).toBe(1009);
    expect((await post(sim, body("G-4"))).status).toBe(429);
    expect(sim.pendingFaults()).toEqual([]);
    expect(sim.orders()).toEqual([]);
    expect((await post(sim, body("G-5"))).status).toBe(200);
    expect(sim.orders()).toHaveLength(1);
  });

  it("commits, then answers malformed JSON or a wrong signature", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "malformed-json", method: "fulu.order.card.add" });
    const malformed = await post(
      sim,
      requestBody("fulu.order.card.add", { product_id: CARD, buy_num: 1, customer_order_no: "B-1" }),
    );
    expect(malformed.status).toBe(200);
    const text = await malformed.text();
    expect(() => JSON.parse(text)).toThrow();

    sim.injectFault({ kind: "bad-response-signature", method: "fulu.order.card.add" });
    const response = await post(
      sim,
      requestBody("fulu.order.card.add", { product_id: CARD, buy_num: 1, customer_order_no: "B-2" }),
    );
    const envelope = (await response.json()) as Envelope;
    expect(envelope.code).toBe(0);
    expect(JSON.parse(envelope.result).customer_order_no).toBe("B-2");
    expect(verifyFuluResponseSign(envelope.result, envelope.sign, SECRET)).toBe(false);
    expect(sim.orders().map((order) => order.customerOrderNo)).toEqual(["B-1", "B-2"]);
  });

  it("delay commits at once, answers later, and close() cancels a held answer", async () => {
    const sim = createFuluSimulator();
    await sim.start();
    sim.injectFault({ kind: "delay", method: "fulu.order.card.add", delayMs: 60_000 });
    const pending = post(
      sim,
      requestBody("fulu.order.card.add", { product_id: CARD, buy_num: 1, customer_order_no: "SLOW-1" }),
    );
    const outcome = pending.then(
      () => "answered",
      () => "dropped",
    );
    while (sim.requests("fulu.order.card.add").length === 0)
      await new Promise((resolve) => setImmediate(resolve));
    expect(sim.order("SLOW-1")?.customerOrderNo).toBe("SLOW-1");
    await sim.close();
    expect(await outcome).toBe("dropped");
  });

  it("delay answers normally once the delay passes", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "delay", delayMs: 5 });
    const { result } = await placeCardOrder(sim, "SLOW-2");
    expect(result.customer_order_no).toBe("SLOW-2");
    expect(sim.requests()[0]!.fault).toBe("delay");
  });

  it("not-found-until answers 1008 for an existing order until N queries passed", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "not-found-until", queries: 2 });
    await placeCardOrder(sim, "LAG-1");
    await placeCardOrder(sim, "LAG-2");
    const query = async (no: string) =>
      (await call(sim, "fulu.order.info.get", { customer_order_no: no })).envelope.code;
    expect(await query("LAG-1")).toBe(1008);
    expect(await query("LAG-2")).toBe(0);
    expect(await query("LAG-1")).toBe(1008);
    expect(await query("LAG-1")).toBe(0);
    sim.injectFault({ kind: "not-found-until", customerOrderNo: "LAG-2", queries: 1 });
    expect(await query("LAG-2")).toBe(1008);
    expect(await query("LAG-2")).toBe(0);
  });

  it("rejects unknown fault kinds and bad counts", () => {
    const sim = createFuluSimulator();
    expect(() => sim.injectFault({ kind: "meteor" as never })).toThrow(RangeError);
    expect(() => sim.injectFault({ kind: "delay", times: 0 })).toThrow(RangeError);
    const queue = new FaultQueue<{ kind: string; method?: string; times?: number }>();
    queue.push({ kind: "a", method: "m", times: 2 });
    queue.push({ kind: "b" });
    expect(queue.take((fault) => fault.kind === "b")?.kind).toBe("b");
    expect(queue.take((fault) => fault.method === "m")?.kind).toBe("a");
    expect(queue.pending()).toEqual([{ kind: "a", method: "m", times: 2, remaining: 1 }]);
    expect(queue.take((fault) => fault.kind === "a")?.kind).toBe("a");
    expect(queue.size).toBe(0);
  });
});

describe("Fulu simulator: callbacks", () => {
  it("posts a verifiable JSON callback and retries until the reply is exactly success", async () => {
    const receiver = await startReceiver(["fail", "success "]);
    const sim = await startSimulator({ callbackUrl: receiver.url, callbackRetryIntervalMs: 1 });
    await placeCardOrder(sim, "CB-1");
    await sim.idle();
    expect(receiver.received).toHaveLength(3);
    const first = receiver.received[0]!;
    expect(first.contentType).toBe("application/json");
    expect(receiver.received.every((delivery) => delivery.body === first.body)).toBe(true);
    expect(verifyFuluSignedJson(first.body, SECRET)).toBe(true);
    expect(verifyFuluSignedJson(first.body, "f".repeat(32))).toBe(false);
    const fields = JSON.parse(first.body) as Record<string, unknown>;
    expect(Object.keys(fields)).toEqual([
      "order_id",
      "charge_finish_time",
      "customer_order_no",
      "order_status",
      "recharge_description",
      "product_id",
      "price",
      "buy_num",
      "operator_serial_number",
      "sign",
    ]);
    expect(Object.values(fields).every((value) => typeof value === "string")).toBe(true);
    expect(fields).toMatchObject({
      customer_order_no: "CB-1",
      order_status: "success",
      price: "25.5000",
      buy_num: "1",
    });
    expect(sim.callbacks("CB-1").map((attempt) => attempt.acknowledged)).toEqual([false, false, true]);
    expect(sim.callbacks("CB-1").map((attempt) => attempt.reply)).toEqual(["fail", "success ", "success"]);
  });

  it("gives up after callbackAttempts", async () => {
    const receiver = await startReceiver(["no", "no", "no", "no"]);
    const sim = await startSimulator({
      callbackUrl: receiver.url,
      callbackAttempts: 2,
      callbackRetryIntervalMs: 1,
    });
    await placeCardOrder(sim, "CB-GIVEUP");
    await sim.idle();
    expect(receiver.received).toHaveLength(2);
    expect(sim.callbacks().every((attempt) => !attempt.acknowledged)).toBe(true);
  });

  it("posts form-encoded callbacks signed over the JSON of the fields", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackUrl: receiver.url, callbackFormat: "form" });
    await placeDirectOrder(sim, "FORM-1", "fail-me");
    await sim.idle();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.contentType).toBe("application/x-www-form-urlencoded");
    const { sign, ...rest } = Object.fromEntries(new URLSearchParams(receiver.received[0]!.body));
    expect(rest.order_status).toBe("failed");
    expect(sign).toBe(fuluSign(JSON.stringify(rest), SECRET));
  });

  it("delivers a duplicate callback twice", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackUrl: receiver.url });
    sim.injectFault({ kind: "duplicate-callback" });
    await placeCardOrder(sim, "DUPCB-1");
    await sim.idle();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    expect(sim.callbacks().map((attempt) => attempt.reason)).toEqual(["final", "duplicate"]);
  });

  it("delivers a stale processing callback after the final one", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackUrl: receiver.url });
    sim.injectFault({ kind: "out-of-order-callback", customerOrderNo: "OOO-1" });
    await placeCardOrder(sim, "OTHER-1");
    await placeCardOrder(sim, "OOO-1");
    await sim.idle();
    const statuses = receiver.received.map((delivery) => JSON.parse(delivery.body) as Record<string, string>);
    const forOrder = statuses.filter((fields) => fields.customer_order_no === "OOO-1");
    expect(forOrder.map((fields) => fields.order_status)).toEqual(["success", "processing"]);
    expect(statuses.filter((fields) => fields.customer_order_no === "OTHER-1")).toHaveLength(1);
    expect(receiver.received.every((delivery) => verifyFuluSignedJson(delivery.body, SECRET))).toBe(true);
  });

  it("pushes callbacks on demand, with overrides or a forged signature", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackUrl: receiver.url });
    sim.setAutoSettle(false);
    await placeCardOrder(sim, "MAN-1");
    expect(receiver.received).toHaveLength(0);

    const attempts = await sim.sendCallback("MAN-1", { order_status: "failed" });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ acknowledged: true, reason: "manual", orderStatus: "failed" });
    expect(verifyFuluSignedJson(receiver.received[0]!.body, SECRET)).toBe(true);

    await sim.sendCallback("MAN-1", { sign: "0123456789abcdef0123456789abcdef" });
    expect(verifyFuluSignedJson(receiver.received[1]!.body, SECRET)).toBe(false);
    await expect(sim.sendCallback("NOPE")).rejects.toThrow(RangeError);

    const signed = sim.signCallback({ customer_order_no: "X", order_status: "success", sign: "stale" });
    expect(signed.json.endsWith(`"sign":"${signed.sign}"}`)).toBe(true);
    expect(verifyFuluSignedJson(signed.json, SECRET)).toBe(true);
    expect(signed.form).toContain(`sign=${signed.sign}`);
  });
});
