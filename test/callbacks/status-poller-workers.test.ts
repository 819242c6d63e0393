import { ConfigurationError, type Order, type SupplierClient } from "kaquan";
import { createStatusPoller } from "kaquan/callbacks";
import { describe, expect, it } from "vitest";

/** A client whose queries wait until the test lets them answer, counting how many run at once. */
function gatedClient(count: number) {
  const orders: Order[] = Array.from({ length: count }, (_, index) => ({
    supplier: "gated",
    merchantOrderId: `G-${index}`,
    status: "processing",
    cards: [],
    createdAt: "2026-11-24T00:00:00.000Z",
    updatedAt: "2026-11-24T00:00:00.000Z",
  }));
  const waiting: Array<() => void> = [];
  const started: string[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const client = {
    supplier: "gated",
    adapter: { capabilities: { pollIntervalMs: 60_000 } },
    listPendingOrders: async () => orders,
    refreshOrder: async (merchantOrderId: string) => {
      started.push(merchantOrderId);
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight -= 1;
      return { ...orders.find((order) => order.merchantOrderId === merchantOrderId)!, meta: {} };
    },
  } as unknown as SupplierClient;
  const settle = async () => {
    // Lets every waiting query answer, pass after pass, until none is left.
    for (let spin = 0; spin < 10_000; spin++) {
      const next = waiting.shift();
      if (next) next();
      await new Promise((resolve) => setImmediate(resolve));
      if (waiting.length === 0 && inFlight === 0) return;
    }
  };
  return { client, started, waiting, settle, mostInFlight: () => mostInFlight };
}

describe("status poller workers", () => {
  it("takes due orders with `concurrency` workers: no more queries start than workers", async () => {
    const gated = gatedClient(50);
    const poller = createStatusPoller({ clients: [gated.client], onEvent: () => {}, concurrency: 3 });
    const pass = poller.runOnce();
    for (let spin = 0; spin < 20; spin++) await new Promise((resolve) => setImmediate(resolve));
    expect(gated.started).toHaveLength(3);
    await gated.settle();
    expect(await pass).toBe(50);
    expect(gated.started).toHaveLength(50);
    expect(new Set(gated.started).size).toBe(50);
    expect(gated.mostInFlight()).toBe(3);
  });

  it("overlapping passes share the limit and never poll an order twice at once", async () => {
    const gated = gatedClient(20);
    const poller = createStatusPoller({ clients: [gated.client], onEvent: () => {}, concurrency: 2 });
    const first = poller.runOnce();
    const second = poller.runOnce(); // every order is in flight: nothing is due for this pass
    await gated.settle();
    expect(await first).toBe(20);
    expect(await second).toBe(0);
    expect(gated.mostInFlight()).toBe(2);
    expect(new Set(gated.started).size).toBe(20);
  });

  it("a pass with nothing due starts no worker and resolves with 0", async () => {
    const gated = gatedClient(0);
    const poller = createStatusPoller({ clients: [gated.client], onEvent: () => {} });
    expect(await poller.runOnce()).toBe(0);
    expect(gated.started).toHaveLength(0);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses concurrency %s with a ConfigurationError", (concurrency) => {
    const gated = gatedClient(1);
    expect(() => createStatusPoller({ clients: [gated.client], onEvent: () => {}, concurrency })).toThrow(
      ConfigurationError,
    );
  });
});

describe("status poller workers and failures", () => {
  it("an order whose poll throws does not stop the others; the pass then reports the error", async () => {
    const gated = gatedClient(10);
    const poller = createStatusPoller({
      clients: [gated.client],
      onEvent: () => {},
      concurrency: 1, // one worker: had the failure stopped it, nothing after G-0 would be polled
      // Runs after each poll; throwing for one order makes that poll fail unexpectedly.
      deadlines: (order) => {
        if (order.merchantOrderId === "G-0") throw new Error("bad deadline");
        return 60_000;
      },
    });
    const pass = poller.runOnce();
    const outcome = pass.then(
      () => "resolved",
      (error: Error) => error.message,
    );
    await gated.settle();
    expect(await outcome).toBe("bad deadline");
    expect(new Set(gated.started).size).toBe(10);
  });
});
