/**
 * The background poller reads the pending orders from the stores at most every
 * `listIntervalMs`, not on every tick: on a shared store a listing reads every pending record.
 * Between listings it works from what it knows, and skips an order that became final meanwhile.
 */
import { ConfigurationError, createSupplierClient, type SupplierClient } from "kaquan";
import { createStatusPoller } from "kaquan/callbacks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFakeAdapter } from "../client/fake-adapter.js";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A client over the fake supplier whose listings are counted. */
function countedClient(pollIntervalMs: number) {
  const fake = createFakeAdapter({ pollIntervalMs });
  const client = createSupplierClient({ adapter: fake.adapter, retry: { maxAttempts: 1 } });
  let listings = 0;
  const listPendingOrders = client.listPendingOrders.bind(client);
  const counted: SupplierClient = Object.assign(Object.create(client) as SupplierClient, {
    listPendingOrders: () => {
      listings += 1;
      return listPendingOrders();
    },
  });
  return { fake, client, counted, listings: () => listings };
}

/** How many listings a poller ticking every 10 ms makes over 1,000 ms of fake time with one order pending. */
async function listingsOverOneSecond(pollIntervalMs: number, listIntervalMs?: number): Promise<number> {
  const { client, counted, listings } = countedClient(pollIntervalMs);
  await client.placeOrder({ merchantOrderId: "L-1", kind: "direct", sku: "1001", account: "a" });
  const poller = createStatusPoller({
    clients: [counted],
    onEvent: () => {},
    tickMs: 10,
    ...(listIntervalMs === undefined ? {} : { listIntervalMs }),
  });
  poller.start();
  // A hundred ticks.
  for (let step = 0; step < 100; step++) await vi.advanceTimersByTimeAsync(10);
  await poller.stop();
  return listings();
}

describe("status poller listings", () => {
  it("lists at most once per listIntervalMs while ticking every tickMs", async () => {
    const listings = await listingsOverOneSecond(1_000, 100);
    expect(listings).toBeGreaterThanOrEqual(9);
    expect(listings).toBeLessThanOrEqual(11);
  });

  it("by default lists once per the shortest poll interval of the suppliers", async () => {
    const listings = await listingsOverOneSecond(500);
    expect(listings).toBeGreaterThanOrEqual(2);
    expect(listings).toBeLessThanOrEqual(3);
  });

  it("between listings, does not query an order that became final meanwhile", async () => {
    const { fake, client, counted } = countedClient(20);
    await client.placeOrder({ merchantOrderId: "L-3", kind: "direct", sku: "1001", account: "a" });
    const poller = createStatusPoller({
      clients: [counted],
      onEvent: () => {},
      tickMs: 10,
      listIntervalMs: 1_000_000,
    });
    poller.start();
    await vi.advanceTimersByTimeAsync(100);
    const queriesWhilePending = fake.calls.query;
    expect(queriesWhilePending).toBeGreaterThan(1); // polled from what it knows, without listing
    // A callback makes it final.
    await client.applyUpdate({ merchantOrderId: "L-3", status: "succeeded", source: "callback" });
    await vi.advanceTimersByTimeAsync(500);
    await poller.stop();
    expect(fake.calls.query).toBe(queriesWhilePending);
  });

  it("runOnce always lists, so an order written a moment ago is polled", async () => {
    const { fake, client, counted, listings } = countedClient(1_000);
    const poller = createStatusPoller({ clients: [counted], onEvent: () => {}, listIntervalMs: 1_000_000 });
    await poller.runOnce();
    await client.placeOrder({ merchantOrderId: "L-4", kind: "direct", sku: "1001", account: "a" });
    const before = fake.calls.query;
    await poller.runOnce();
    expect(listings()).toBe(2);
    expect(fake.calls.query).toBe(before + 1);
  });

  it("keeps a client's schedules through a listing that failed: its orders keep their cadence", async () => {
    const { fake, client } = countedClient(1_000);
    await client.placeOrder({ merchantOrderId: "L-5", kind: "direct", sku: "1001", account: "a" });
    let listings = 0;
    const listPendingOrders = client.listPendingOrders.bind(client);
    const flaky: SupplierClient = Object.assign(Object.create(client) as SupplierClient, {
      listPendingOrders: () => {
        listings += 1;
        return listings === 2 ? Promise.reject(new Error("store unavailable")) : listPendingOrders();
      },
    });
    const poller = createStatusPoller({ clients: [flaky], onEvent: () => {}, listIntervalMs: 1_000_000 });
    const before = fake.calls.query;
    expect(await poller.runOnce()).toBe(1); // first sight: polled now
    expect(await poller.runOnce()).toBe(0); // the listing failed
    // Listed again before its next poll is due: not polled as if it were new.
    expect(await poller.runOnce()).toBe(0);
    expect(listings).toBe(3);
    expect(fake.calls.query).toBe(before + 1);
  });

  it("refuses a listIntervalMs that is negative or not a number", () => {
    const fake = createFakeAdapter();
    const client = createSupplierClient({ adapter: fake.adapter });
    for (const listIntervalMs of [-1, Number.NaN])
      expect(() => createStatusPoller({ clients: [client], onEvent: () => {}, listIntervalMs })).toThrow(
        ConfigurationError,
      );
  });
});
