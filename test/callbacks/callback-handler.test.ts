import {
  createSupplierClient,
  hmac,
  MemoryIdempotencyStore,
  type OrderUpdate,
  SignatureError,
  type StatusEvent,
  type SupplierClient,
  safeEqual,
} from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createCallbackHandler } from "kaquan/callbacks";
import { createFuluSimulator, type FuluSimulator } from "kaquan/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFakeAdapter } from "../client/fake-adapter.js";
import { countingStore } from "../stores/counting-store.js";

let simulator: FuluSimulator;
let client: SupplierClient;
let events: StatusEvent[];

beforeEach(async () => {
  simulator = createFuluSimulator({ settleAfterMs: 20 });
  await simulator.start();
  simulator.setAutoSettle(false);
  client = createSupplierClient({ adapter: fuluAdapter(), retry: { maxAttempts: 2, baseDelayMs: 5 } });
  events = [];
});

afterEach(async () => {
  client.close();
  await simulator.close();
});

/** A Fulu adapter for the running simulator. */
function fuluAdapter() {
  return createFuluAdapter({
    appKey: simulator.appKey,
    appSecret: simulator.appSecret,
    endpoint: simulator.url,
    pollIntervalMs: 20,
  });
}

function handler(onEvent: (event: StatusEvent) => void | Promise<void> = (event) => void events.push(event)) {
  return createCallbackHandler({ clients: [client], onEvent });
}

/** A genuine Fulu callback body for an order, signed by the simulator. */
function callbackBody(customerOrderNo: string, status: string, extra: Record<string, string> = {}) {
  const signed = simulator.signCallback({
    order_id: "26112400000000000001",
    charge_finish_time: "2026-11-24 12:00:00",
    customer_order_no: customerOrderNo,
    order_status: status,
    recharge_description: status,
    product_id: "10000001",
    price: "5.7000",
    buy_num: "1",
    operator_serial_number: "",
    ...extra,
  });
  return signed.json;
}

const headers = { "content-type": "application/json" };

async function placed(id = "CB-1") {
  await client.placeOrder({ merchantOrderId: id, kind: "direct", sku: "10000001", account: "player" });
  return id;
}

describe("callback pipeline", () => {
  it("verifies, applies and delivers a genuine callback once, with the exact ack", async () => {
    const id = await placed();
    const result = await handler().handle({
      supplier: "fulu",
      body: Buffer.from(callbackBody(id, "success")),
      headers,
    });
    expect(result.outcome).toBe("delivered");
    expect(result.ack).toEqual({
      status: 200,
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: "success",
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      supplier: "fulu",
      merchantOrderId: id,
      status: "succeeded",
      previousStatus: "processing",
      source: "callback",
    });
    expect((await client.getStoredOrder(id))?.status).toBe("succeeded");
  });

  it("rejects forged, tampered and re-serialised callbacks without applying them", async () => {
    const id = await placed();
    const genuine = callbackBody(id, "success");
    const parsed = JSON.parse(genuine) as Record<string, string>;
    const forged = JSON.stringify({ ...parsed, sign: "0".repeat(32) });
    const tampered = genuine.replace('"price":"5.7000"', '"price":"0.0100"');
    const reserialised = JSON.stringify(parsed, null, 2);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse()));
    const pipeline = handler();
    for (const body of [forged, tampered, reserialised, "", "not json"]) {
      const result = await pipeline.handle({ supplier: "fulu", body, headers });
      expect(result.outcome).toBe("rejected");
      expect(result.ack.body).not.toBe("success");
      expect(result.ack.status).toBeGreaterThanOrEqual(400);
      expect(SignatureError.isInstance(result.error)).toBe(true);
    }
    // Fulu signs the multiset of characters: key order cannot matter, by the vendor's design.
    expect((await pipeline.handle({ supplier: "fulu", body: reordered, headers })).outcome).toBe("delivered");
    expect(events).toHaveLength(1);
  });

  it("refuses a parsed object with a message that names each framework's fix", async () => {
    const id = await placed();
    const result = await handler().handle({
      supplier: "fulu",
      body: JSON.parse(callbackBody(id, "success")),
      headers,
    });
    expect(result.outcome).toBe("rejected");
    expect(result.error?.code).toBe("raw_body_required");
    for (const framework of ["Express", "Fastify", "Koa", "Next.js", "Hono"])
      expect(result.error?.message).toContain(framework);
    expect(events).toHaveLength(0);
  });

  it("runs onEvent once for 50 concurrent identical callbacks, and acks them all", async () => {
    const id = await placed();
    const pipeline = handler(async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      events.push(event);
    });
    const body = callbackBody(id, "success");
    const results = await Promise.all(
      Array.from({ length: 50 }, () => pipeline.handle({ supplier: "fulu", body, headers })),
    );
    expect(events).toHaveLength(1);
    expect(results.every((result) => result.ack.body === "success")).toBe(true);
    expect(results.filter((result) => result.outcome === "delivered")).toHaveLength(1);
    const again = await pipeline.handle({ supplier: "fulu", body, headers });
    expect(again.outcome).toBe("duplicate");
    expect(events).toHaveLength(1);
  });

  it("a late processing after success is recorded, not regressed, not delivered", async () => {
    const id = await placed();
    const pipeline = handler();
    await pipeline.handle({ supplier: "fulu", body: callbackBody(id, "success"), headers });
    const late = await pipeline.handle({ supplier: "fulu", body: callbackBody(id, "processing"), headers });
    expect(late.outcome).toBe("recorded");
    expect(late.ack.body).toBe("success");
    expect((await client.getStoredOrder(id))?.status).toBe("succeeded");
    expect(events.map((event) => event.status)).toEqual(["succeeded"]);
  });

  it("F5: a callback that beats our own write is refused, then accepted once we know the order", async () => {
    const pipeline = handler();
    const body = callbackBody("EARLY-1", "success");
    const early = await pipeline.handle({ supplier: "fulu", body, headers });
    expect(early.outcome).toBe("unknown_order");
    expect(early.ack.body).not.toBe("success");
    await placed("EARLY-1");
    expect((await pipeline.handle({ supplier: "fulu", body, headers })).outcome).toBe("delivered");
  });

  it("a verified callback costs the store one read-modify-write, with no separate read first", async () => {
    const { store, calls, reset } = countingStore();
    const counted = createSupplierClient({ adapter: fuluAdapter(), store });
    await counted.placeOrder({ merchantOrderId: "RW-1", kind: "direct", sku: "10000001", account: "p" });
    reset();
    const pipeline = createCallbackHandler({ clients: [counted], onEvent: () => {} });
    const result = await pipeline.handle({
      supplier: "fulu",
      body: callbackBody("RW-1", "success"),
      headers,
    });
    expect(result.outcome).toBe("delivered");
    expect(calls).toEqual({ claim: 0, get: 0, update: 1 });
    expect((await counted.getStoredOrder("RW-1"))?.status).toBe("succeeded");
    counted.close();
  });

  it("a record whose placement has not written an order yet refuses the callback and gains no order", async () => {
    const store = new MemoryIdempotencyStore();
    const now = Date.now();
    await store.claim({
      key: "fulu:WA-1",
      supplier: "fulu",
      merchantOrderId: "WA-1",
      fingerprint: "in-flight",
      request: { merchantOrderId: "WA-1", kind: "direct", quantity: 1, sku: "10000001", account: "p" },
      sends: 0,
      resendable: false,
      placing: true,
      createdAt: now,
      updatedAt: now,
    });
    const placing = createSupplierClient({ adapter: fuluAdapter(), store });
    const pipeline = createCallbackHandler({
      clients: [placing],
      onEvent: (event) => void events.push(event),
    });
    const result = await pipeline.handle({
      supplier: "fulu",
      body: callbackBody("WA-1", "success"),
      headers,
    });
    expect(result.outcome).toBe("unknown_order");
    expect(result.ack.body).not.toBe("success");
    expect((await store.get("fulu:WA-1"))?.order).toBeUndefined();
    expect(events).toEqual([]);
    placing.close();
  });

  it("a failing onEvent is not acknowledged, and the retry delivers", async () => {
    const id = await placed();
    let fail = true;
    const pipeline = handler((event) => {
      if (fail) throw new Error("database down");
      events.push(event);
    });
    const body = callbackBody(id, "success");
    const first = await pipeline.handle({ supplier: "fulu", body, headers });
    expect(first.outcome).toBe("handler_failed");
    expect(first.ack.body).not.toBe("success");
    fail = false;
    expect((await pipeline.handle({ supplier: "fulu", body, headers })).outcome).toBe("delivered");
    expect(events).toHaveLength(1);
  });

  it("F24: a card success callback carries no codes: they are fetched before success is delivered", async () => {
    await client.placeOrder({ merchantOrderId: "CARD-1", kind: "card", sku: "10000002", quantity: 2 });
    const pipeline = handler();
    const early = await pipeline.handle({
      supplier: "fulu",
      body: callbackBody("CARD-1", "success"),
      headers,
    });
    expect(early.outcome).toBe("awaiting_codes");
    expect(events).toHaveLength(0);
    simulator.completeOrder("CARD-1", "success");
    const result = await pipeline.handle({
      supplier: "fulu",
      body: callbackBody("CARD-1", "success"),
      headers,
    });
    expect(result.outcome).toBe("delivered");
    expect(events[0]?.order.cards).toHaveLength(2);
    expect(events[0]?.order.cards.every((card) => card.password.reveal().length > 0)).toBe(true);
  });

  it("serves Web-standard requests and picks the supplier by path", async () => {
    const id = await placed();
    const pipeline = createCallbackHandler({
      clients: { fulu: client },
      onEvent: (event) => void events.push(event),
      paths: { "/callbacks/fulu": "fulu" },
    });
    const response = await pipeline.fetch(
      new Request("http://shop.test/callbacks/fulu?x=1", {
        method: "POST",
        body: callbackBody(id, "success"),
        headers,
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("success");
    const unknown = await pipeline.handle({ path: "/callbacks/other", body: "x", headers: {} });
    expect(unknown.ack.status).toBe(404);
  });
});

describe("callback pipeline with a timestamped and an unsigned supplier", () => {
  const secret = "webhook-secret-0001";

  /** A fake supplier whose callbacks are `{ update, sentAtMs }` with an HMAC header. */
  function timestamped(signed: boolean) {
    const fake = createFakeAdapter({ callbacks: signed ? "signed" : "refetch" });
    fake.adapter.verifyCallback = async (callback) => {
      const text = Buffer.from(callback.body as Uint8Array).toString("utf8");
      if (signed && !safeEqual(hmac("sha256", secret, text), callback.headers["x-signature"]))
        throw new SignatureError("bad signature");
      const parsed = JSON.parse(text) as { update: OrderUpdate; sentAtMs: number };
      return { update: parsed.update, sentAtMs: parsed.sentAtMs };
    };
    fake.adapter.callbackAck = (accepted) => ({
      status: accepted ? 200 : 400,
      headers: {},
      body: accepted ? "OK" : "NO",
    });
    return fake;
  }

  /** Order T-1 placed at the fake supplier, and a pipeline that records the states it delivers. */
  async function placedWithPipeline(signed: boolean, clock?: { now: () => number }) {
    const fake = timestamped(signed);
    const fakeClient = createSupplierClient({ adapter: fake.adapter, retry: { maxAttempts: 1 } });
    await fakeClient.placeOrder({ merchantOrderId: "T-1", kind: "direct", sku: "1001", account: "a" });
    const seen: string[] = [];
    const pipeline = createCallbackHandler({
      clients: [fakeClient],
      onEvent: (event) => void seen.push(event.status),
      ...(clock ? { clock } : {}),
    });
    return { fakeClient, pipeline, seen };
  }

  function send(
    pipeline: ReturnType<typeof createCallbackHandler>,
    update: Partial<OrderUpdate>,
    sentAtMs: number,
  ) {
    const body = JSON.stringify({
      update: { merchantOrderId: "T-1", supplier: "fake", source: "callback", ...update },
      sentAtMs,
    });
    return pipeline.handle({
      supplier: "fake",
      body,
      headers: { "x-signature": hmac("sha256", secret, body) },
    });
  }

  it("enforces the replay window with an injected clock; ReplayError is not SignatureError", async () => {
    const now = 1_800_000_000_000;
    const { pipeline, seen } = await placedWithPipeline(true, { now: () => now });
    const stale = await send(pipeline, { status: "succeeded" }, now - 301_000);
    expect(stale.outcome).toBe("rejected");
    expect(stale.error?.code).toBe("replay_rejected");
    const future = await send(pipeline, { status: "succeeded" }, now + 301_000);
    expect(future.error?.code).toBe("replay_rejected");
    expect((await send(pipeline, { status: "succeeded" }, now - 300_000)).outcome).toBe("delivered");
    expect((await send(pipeline, { status: "reversed" }, now)).outcome).toBe("delivered");
    expect(seen).toEqual(["succeeded", "reversed"]);
  });

  it("hands the adapter the raw body as given: text as that text, bytes as those bytes", async () => {
    const bodies: unknown[] = [];
    const recording = timestamped(true);
    const verify = recording.adapter.verifyCallback!;
    recording.adapter.verifyCallback = (callback, context) => {
      bodies.push(callback.body);
      return verify(callback, context);
    };
    const recordingClient = createSupplierClient({ adapter: recording.adapter, retry: { maxAttempts: 1 } });
    await recordingClient.placeOrder({ merchantOrderId: "T-1", kind: "direct", sku: "1001", account: "a" });
    const recordingPipeline = createCallbackHandler({ clients: [recordingClient], onEvent: () => {} });
    const text = JSON.stringify({
      update: { merchantOrderId: "T-1", supplier: "fake", source: "callback", status: "processing" },
      sentAtMs: Date.now(),
      note: "充值中",
    });
    const headers = { "x-signature": hmac("sha256", secret, text) };
    const bytes = Buffer.from(text, "utf8");
    await recordingPipeline.handle({ supplier: "fake", body: text, headers });
    await recordingPipeline.handle({ supplier: "fake", body: bytes, headers });
    // No re-encoding of text (a GBK supplier's text is not its UTF-8 bytes), no copy of bytes.
    expect(bodies[0]).toBe(text);
    expect(bodies[1]).toBe(bytes);
  });

  it("a verified update with a malformed keyed field is refused by name and applies nothing", async () => {
    const { fakeClient, pipeline, seen } = await placedWithPipeline(true);
    const badStatus = await send(pipeline, { status: "done" as OrderUpdate["status"] }, Date.now());
    expect(badStatus.outcome).toBe("handler_failed");
    expect(badStatus.error?.message).toMatch(/status/);
    const badSource = await send(
      pipeline,
      { status: "succeeded", source: "rumour" as OrderUpdate["source"] },
      Date.now(),
    );
    expect(badSource.outcome).toBe("handler_failed");
    expect(badSource.error?.message).toMatch(/source/);
    expect((await fakeClient.getStoredOrder("T-1"))?.status).toBe("processing");
    expect(seen).toEqual([]);
    // A well-formed one afterwards is applied once.
    expect((await send(pipeline, { status: "succeeded" }, Date.now())).outcome).toBe("delivered");
    expect(seen).toEqual(["succeeded"]);
  });

  it("an unsigned callback is only a trigger: the supplier's own answer is applied", async () => {
    const { fakeClient, pipeline, seen } = await placedWithPipeline(false);
    const result = await send(pipeline, { status: "succeeded" }, Date.now());
    expect(result.outcome).toBe("delivered");
    expect((await fakeClient.getStoredOrder("T-1"))?.status).toBe("processing");
    expect(seen).toEqual(["processing"]);
  });

  it("a re-fetch held up by the supplier's rate limit is cut off at refetchTimeoutMs: not acknowledged, retried later", async () => {
    const fake = timestamped(false);
    let tokens = 1; // the placement's; queries then wait for a token that never comes
    const limiter = {
      acquire: (signal?: AbortSignal) =>
        tokens-- > 0
          ? Promise.resolve()
          : new Promise<void>((_resolve, reject) => {
              signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
            }),
    };
    const fakeClient = createSupplierClient({
      adapter: fake.adapter,
      retry: { maxAttempts: 1 },
      rateLimit: limiter,
    });
    await fakeClient.placeOrder({ merchantOrderId: "T-1", kind: "direct", sku: "1001", account: "a" });
    const seen: string[] = [];
    const pipeline = createCallbackHandler({
      clients: [fakeClient],
      onEvent: (event) => void seen.push(event.status),
      refetchTimeoutMs: 30,
    });
    const result = await send(pipeline, { status: "succeeded" }, Date.now());
    expect(result.outcome).toBe("handler_failed");
    expect(result.ack.status).toBe(400);
    expect(seen).toEqual([]);
    expect(() =>
      createCallbackHandler({ clients: [fakeClient], onEvent: () => {}, refetchTimeoutMs: 0 }),
    ).toThrow(/refetchTimeoutMs/);
  });
});

describe("signCallback (kaquan/testing)", () => {
  it("produces Fulu callbacks the pipeline accepts, as JSON and as a form", async () => {
    const { signCallback } = await import("kaquan/testing");
    await placed("SIGN-1");
    await placed("SIGN-2");
    const pipeline = handler();
    const fields = { customer_order_no: "SIGN-1", order_status: "success", order_id: "1", price: "5.7" };
    const json = signCallback("fulu", fields, { appSecret: simulator.appSecret });
    expect(
      (await pipeline.handle({ supplier: "fulu", body: json.body, headers: json.headers })).outcome,
    ).toBe("delivered");
    const form = signCallback(
      "fulu",
      { ...fields, customer_order_no: "SIGN-2" },
      { appSecret: simulator.appSecret },
      { format: "form" },
    );
    expect(
      (await pipeline.handle({ supplier: "fulu", body: form.body, headers: form.headers })).outcome,
    ).toBe("delivered");
    const wrong = signCallback("fulu", fields, { appSecret: "f".repeat(32) });
    expect(
      (await pipeline.handle({ supplier: "fulu", body: wrong.body, headers: wrong.headers })).outcome,
    ).toBe("rejected");
  });
});

describe("F9: the callback arrives before the place-order response", () => {
  it("is applied against the write-ahead record, and the late response cannot regress it", async () => {
    simulator.injectFault({ kind: "delay", delayMs: 300, method: "fulu.order.direct.add" });
    const pipeline = handler();
    const placing = client.placeOrder({
      merchantOrderId: "F9-1",
      kind: "direct",
      sku: "10000001",
      account: "player",
    });
    // Wait until the supplier has the order (the answer is still held back), then call back.
    for (let i = 0; i < 100 && !simulator.orders().some((order) => order.customerOrderNo === "F9-1"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const result = await pipeline.handle({
      supplier: "fulu",
      body: callbackBody("F9-1", "success"),
      headers,
    });
    expect(result.outcome).toBe("delivered");
    const placed = await placing;
    expect(placed.status).toBe("succeeded");
    expect((await client.getStoredOrder("F9-1"))?.status).toBe("succeeded");
    expect(events.map((event) => event.status)).toEqual(["succeeded"]);
    expect(simulator.requests("fulu.order.direct.add")).toHaveLength(1);
  });
});

describe("createCallbackHandler options (regression)", () => {
  it("an entry of clients that is not a client is a ConfigurationError naming it", async () => {
    const { ConfigurationError } = await import("kaquan");
    expect(() => createCallbackHandler({ clients: { fulu: 0 } as never, onEvent: () => {} })).toThrow(
      /clients\.fulu is not a supplier client/,
    );
    expect(() => createCallbackHandler({ clients: [false] as never, onEvent: () => {} })).toThrow(
      ConfigurationError,
    );
  });

  it("handler.fetch refuses a maxBodyBytes that would switch the cap off", async () => {
    const { ConfigurationError, createSupplierClient } = await import("kaquan");
    const client = createSupplierClient({ adapter: createFakeAdapter().adapter });
    const handler = createCallbackHandler({ clients: [client], onEvent: () => {} });
    const request = new Request("http://merchant.test/", { method: "POST", body: "{}" });
    await expect(handler.fetch(request, { maxBodyBytes: Number.NaN })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    client.close();
  });
});
