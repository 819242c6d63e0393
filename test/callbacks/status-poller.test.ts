import {
  createSupplierClient,
  MemoryIdempotencyStore,
  type Order,
  type RateLimiter,
  type StatusEvent,
  type SupplierClient,
} from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createCallbackHandler, createStatusPoller, MemoryEventClaimStore } from "kaquan/callbacks";
import { createFuluSimulator, type FuluSimulator } from "kaquan/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let simulator: FuluSimulator;
let clients: SupplierClient[] = [];

function newClient(store = new MemoryIdempotencyStore(), rateLimit?: RateLimiter): SupplierClient {
  const client = createSupplierClient({
    adapter: createFuluAdapter({
      appKey: simulator.appKey,
      appSecret: simulator.appSecret,
      endpoint: simulator.url,
      pollIntervalMs: 10,
    }),
    store,
    retry: { maxAttempts: 2, baseDelayMs: 5 },
    ...(rateLimit ? { rateLimit } : {}),
  });
  clients.push(client);
  return client;
}

beforeEach(async () => {
  simulator = createFuluSimulator({ settleAfterMs: 10 });
  await simulator.start();
});

afterEach(async () => {
  for (const client of clients) client.close();
  clients = [];
  await simulator.close();
});

/** Runs passes until `done` or 200 passes; no wall-clock assertions. */
async function until(poller: { runOnce(): Promise<number> }, done: () => boolean): Promise<void> {
  for (let pass = 0; pass < 200 && !done(); pass++) {
    await poller.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("status poller", () => {
  it("F8: resolves orders whose callbacks never come, delivering each state once", async () => {
    const client = newClient();
    const events: StatusEvent[] = [];
    for (let i = 0; i < 5; i++)
      await client.placeOrder({ merchantOrderId: `P-${i}`, kind: "card", sku: "10000002" });
    const poller = createStatusPoller({ clients: [client], onEvent: (event) => void events.push(event) });
    await until(poller, () => events.filter((event) => event.status === "succeeded").length === 5);
    const finals = events.filter((event) => event.status === "succeeded");
    expect(finals).toHaveLength(5);
    expect(new Set(finals.map((event) => event.merchantOrderId)).size).toBe(5);
    expect(finals.every((event) => event.order.cards.length === 1 && event.source === "query")).toBe(true);
    await poller.runOnce();
    expect(events.filter((event) => event.status === "succeeded")).toHaveLength(5);
    expect(await client.listPendingOrders()).toHaveLength(0);
  });

  it("F22: after a crash, a new process with the same store resumes every pending order", async () => {
    const store = new MemoryIdempotencyStore();
    const crashed = newClient(store);
    simulator.setAutoSettle(false);
    for (let i = 0; i < 3; i++)
      await crashed.placeOrder({ merchantOrderId: `C-${i}`, kind: "direct", sku: "10000001", account: "p" });
    crashed.close(); // the process dies; only the store survives
    const restarted = newClient(store);
    const events: StatusEvent[] = [];
    const poller = createStatusPoller({ clients: [restarted], onEvent: (event) => void events.push(event) });
    await poller.runOnce();
    for (let i = 0; i < 3; i++) simulator.completeOrder(`C-${i}`, i === 2 ? "failed" : "success");
    await until(poller, () => events.filter((event) => event.status !== "processing").length === 3);
    expect(
      events
        .filter((event) => event.status === "succeeded")
        .map((event) => event.merchantOrderId)
        .sort(),
    ).toEqual(["C-0", "C-1"]);
    expect(events.filter((event) => event.status === "failed").map((event) => event.merchantOrderId)).toEqual(
      ["C-2"],
    );
  });

  it("shares claims with the callback handler: a state learned by both is delivered once", async () => {
    const client = newClient();
    const events: StatusEvent[] = [];
    const claims = new MemoryEventClaimStore();
    const handler = createCallbackHandler({
      clients: [client],
      onEvent: (event) => void events.push(event),
      events: claims,
    });
    const poller = createStatusPoller({ clients: [client], delivery: handler.delivery });
    simulator.setAutoSettle(false);
    await client.placeOrder({ merchantOrderId: "B-1", kind: "direct", sku: "10000001", account: "p" });
    simulator.completeOrder("B-1", "success");
    await until(poller, () => events.some((event) => event.status === "succeeded"));
    const callback = simulator.signCallback({
      order_id: "1",
      charge_finish_time: "2026-11-24 12:00:00",
      customer_order_no: "B-1",
      order_status: "success",
      recharge_description: "ok",
      product_id: "10000001",
      price: "5.7",
      buy_num: "1",
      operator_serial_number: "",
    });
    const result = await handler.handle({ supplier: "fulu", body: callback.json, headers: {} });
    expect(result.outcome).toBe("duplicate");
    expect(result.ack.body).toBe("success");
    expect(events.filter((event) => event.status === "succeeded")).toHaveLength(1);
  });

  it("reports an order stuck past its deadline once, and keeps polling it", async () => {
    const client = newClient();
    simulator.setAutoSettle(false);
    await client.placeOrder({ merchantOrderId: "S-1", kind: "card", sku: "10000002" });
    const stuck: Order[] = [];
    const events: StatusEvent[] = [];
    const poller = createStatusPoller({
      clients: [client],
      onEvent: (event) => void events.push(event),
      onStuck: (order) => void stuck.push(order),
      deadlines: { card: 0 },
    });
    await until(poller, () => stuck.length > 0);
    await poller.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await poller.runOnce();
    expect(stuck.map((order) => order.merchantOrderId)).toEqual(["S-1"]);
    simulator.completeOrder("S-1", "success");
    await until(poller, () => events.some((event) => event.status === "succeeded"));
    expect(events.some((event) => event.status === "succeeded")).toBe(true);
  });

  it("every poll goes through the client's rate limiter", async () => {
    let acquired = 0;
    const limiter: RateLimiter = {
      acquire: async () => {
        acquired += 1;
      },
    };
    const client = newClient(new MemoryIdempotencyStore(), limiter);
    const events: StatusEvent[] = [];
    for (let i = 0; i < 4; i++)
      await client.placeOrder({ merchantOrderId: `L-${i}`, kind: "card", sku: "10000002" });
    const poller = createStatusPoller({ clients: [client], onEvent: (event) => void events.push(event) });
    await until(poller, () => events.filter((event) => event.status === "succeeded").length === 4);
    expect(acquired).toBe(simulator.requests().length);
  });

  it("runs in the background and stops cleanly", async () => {
    const client = newClient();
    const events: StatusEvent[] = [];
    await client.placeOrder({ merchantOrderId: "BG-1", kind: "card", sku: "10000002" });
    const poller = createStatusPoller({
      clients: [client],
      onEvent: (event) => void events.push(event),
      tickMs: 10,
    });
    poller.start();
    for (let i = 0; i < 200 && !events.some((event) => event.status === "succeeded"); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await poller.stop();
    expect(events.some((event) => event.status === "succeeded")).toBe(true);
  });
});
