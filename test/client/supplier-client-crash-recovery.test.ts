/**
 * Regressions found by the chaos run (test/chaos): a process that stops in the middle of a
 * placement (failure-modes F22), a refresh of an unanswered placement on a busy machine, and a
 * maxCost quote that fails before anything is sent.
 */
import {
  createSupplierClient,
  MalformedPayloadError,
  MemoryIdempotencyStore,
  NoAnswerError,
  NotSentError,
} from "kaquan";
import { describe, expect, it, vi } from "vitest";
import { commitThenLose, createFakeAdapter } from "./fake-adapter.js";

const fastRetry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, totalDeadlineMs: 5_000 };
const request = { merchantOrderId: "M-CRASH-1", kind: "direct" as const, sku: "1001", account: "player" };

/**
 * Real time plus an offset the test moves by hand (the client's waits still need time to pass).
 * `millisecondsPerRead` stands for a busy machine: every read of the clock finds that much time
 * gone, as when the process is descheduled between two statements.
 */
function manualClock(millisecondsPerRead = 0) {
  let offset = 0;
  return {
    now: () => {
      offset += millisecondsPerRead;
      return Date.now() + offset;
    },
    advance: (milliseconds: number) => (offset += milliseconds),
  };
}

describe("a placement abandoned by a stopped process (F22)", () => {
  /** Process A commits the order at the supplier and stops before it learns the answer. */
  async function abandonedPlacement(notFoundGraceMs = 0, clock = manualClock()) {
    const store = new MemoryIdempotencyStore();
    const fake = createFakeAdapter();
    fake.placeSteps.push((placed) => {
      fake.orders.set(placed.merchantOrderId, {
        merchantOrderId: placed.merchantOrderId,
        supplier: "fake",
        status: "succeeded",
        source: "query",
      });
      // The process dies here: the call never returns and nothing more is written.
      return new Promise(() => {});
    });
    const first = createSupplierClient({ adapter: fake.adapter, store, clock, retry: fastRetry });
    void first.placeOrder(request);
    // Until the request has reached the supplier (not a fixed wait: a busy machine is slower).
    await vi.waitFor(() => expect(fake.calls.place).toBe(1));
    // Process B starts over the same store.
    const second = createSupplierClient({
      adapter: fake.adapter,
      store,
      clock,
      retry: fastRetry,
      abandonedPlacementMs: 60_000,
      notFoundGraceMs,
    });
    return { store, clock, fake, second };
  }

  it("is not taken over while it may still be running", async () => {
    const { clock, second } = await abandonedPlacement();
    clock.advance(59_000);
    expect(await second.listPendingOrders()).toEqual([]);
  });

  it("is listed for the poller once abandoned, and resolved by query without a second send", async () => {
    const { clock, fake, second } = await abandonedPlacement();
    clock.advance(60_001);
    const pending = await second.listPendingOrders();
    expect(pending.map((order) => [order.merchantOrderId, order.status])).toEqual([["M-CRASH-1", "unknown"]]);
    const refreshed = await second.refreshOrder("M-CRASH-1");
    expect(refreshed.status).toBe("succeeded");
    expect((await second.getStoredOrder("M-CRASH-1"))?.status).toBe("succeeded");
    expect(await second.listPendingOrders()).toEqual([]);
    expect(fake.calls.place).toBe(1);
  });

  it("is resolved by query on a machine so busy that every read of the clock finds time gone", async () => {
    // refreshOrder once made its single resolution step with a deadline one millisecond away, on
    // real time: a process descheduled before the step began never queried and reported `unknown`.
    const { clock, fake, second } = await abandonedPlacement(0, manualClock(1));
    clock.advance(60_001);
    const refreshed = await second.refreshOrder("M-CRASH-1");
    expect(fake.calls.query).toBe(1);
    expect(refreshed.status).toBe("succeeded");
    expect(refreshed.meta.resolvedBy).toBe("query");
    expect(fake.calls.place).toBe(1);
  });

  it("stays unknown, never failed, while the supplier does not know it inside its grace window", async () => {
    const { clock, fake, second } = await abandonedPlacement(120_000);
    fake.orders.clear();
    clock.advance(60_001);
    const refreshed = await second.refreshOrder("M-CRASH-1");
    expect(refreshed.status).toBe("unknown");
    expect(fake.calls.place).toBe(1);
    // Past the grace window, on a supplier that refuses duplicate ids, it is re-sent once.
    clock.advance(60_000);
    const resent = await second.refreshOrder("M-CRASH-1");
    expect(resent.status).toBe("processing");
    expect(fake.calls.place).toBe(2);
  });

  it("refuses a non-positive abandonedPlacementMs with a message that names the fix", () => {
    const fake = createFakeAdapter();
    expect(() => createSupplierClient({ adapter: fake.adapter, abandonedPlacementMs: 0 })).toThrow(
      /abandonedPlacementMs must be a positive number/,
    );
  });
});

describe("refreshing an order whose placement got no answer, on a busy machine", () => {
  it("queries the supplier once and adopts its answer, however much time each step takes", async () => {
    const fake = createFakeAdapter();
    fake.placeSteps.push(
      commitThenLose(fake.orders, new NoAnswerError("socket hang up", { supplier: "fake" })),
    );
    // No time to resolve inside placeOrder: the order is left `unknown` for the poller.
    const supplier = createSupplierClient({
      adapter: fake.adapter,
      clock: manualClock(1),
      retry: fastRetry,
      resolveTimeoutMs: 0,
    });
    const placed = await supplier.placeOrder(request);
    expect(placed.status).toBe("unknown");
    expect(fake.calls.query).toBe(0);
    const refreshed = await supplier.refreshOrder(request.merchantOrderId);
    expect(fake.calls.query).toBe(1);
    expect(refreshed.status).toBe("succeeded");
    expect(fake.calls.place).toBe(1);
  });
});

describe("a maxCost quote that fails before the order is sent", () => {
  it("is NotSentError, nothing is sent, and the same id can be placed again", async () => {
    const fake = createFakeAdapter();
    const getProduct = fake.adapter.getProduct.bind(fake.adapter);
    let garbled = true;
    fake.adapter.getProduct = async (sku, context) => {
      if (garbled) {
        garbled = false;
        throw new MalformedPayloadError("fake getProduct: the answer could not be parsed", {
          supplier: "fake",
        });
      }
      return getProduct(sku, context);
    };
    const supplier = createSupplierClient({ adapter: fake.adapter, retry: { ...fastRetry, maxAttempts: 1 } });
    const withMaxCost = { ...request, maxCost: { amount: "6.00", currency: "CNY" } };
    const error = await supplier.placeOrder(withMaxCost).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotSentError);
    expect((error as NotSentError).failureClass).toBe("not_sent");
    expect(fake.calls.place).toBe(0);
    expect(await supplier.getStoredOrder(request.merchantOrderId)).toBeUndefined();
    const placed = await supplier.placeOrder(withMaxCost);
    expect(placed.status).toBe("processing");
    expect(fake.calls.place).toBe(1);
  });
});
