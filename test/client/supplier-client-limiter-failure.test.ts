/**
 * A rate limiter that fails before the request leaves — a shared limiter whose Redis is down, or a
 * merchant's own limiter with a bug — has sent nothing. The placement must say so (not sent, or the
 * store's own error), take its send back and leave the id placeable, never report `unknown`.
 */
import {
  createSupplierClient,
  KaquanError,
  MemoryIdempotencyStore,
  NoAnswerError,
  StoreUnavailableError,
} from "kaquan";
import { describe, expect, it } from "vitest";
import { createFakeAdapter } from "./fake-adapter.js";

const request = { merchantOrderId: "M-LIMIT-1", kind: "direct" as const, sku: "1001", account: "player" };
const noRetry = { maxAttempts: 1 };

/** A limiter that throws `failure` while `broken` is true. */
function breakableLimiter(failure: () => unknown) {
  const state = { broken: true, acquired: 0 };
  return {
    state,
    limiter: {
      async acquire() {
        if (state.broken) throw failure();
        state.acquired += 1;
      },
    },
  };
}

describe("a rate limiter that fails before the request leaves", () => {
  it.each([
    [
      "the shared store is unavailable",
      () => new StoreUnavailableError("redis: connection refused"),
      "store_unavailable",
    ],
    ["a plain error", () => new Error("limiter bug"), "not_sent"],
  ])("%s: nothing sent, the send taken back, the id placeable again", async (_name, failure, code) => {
    const store = new MemoryIdempotencyStore();
    const fake = createFakeAdapter();
    const { state, limiter } = breakableLimiter(failure);
    const client = createSupplierClient({
      adapter: fake.adapter,
      store,
      retry: noRetry,
      rateLimit: { placeOrder: limiter },
      health: false,
    });
    const error = await client.placeOrder(request).catch((thrown: unknown) => thrown);
    expect(KaquanError.isInstance(error) && error.code).toBe(code);
    expect(fake.calls.place).toBe(0);
    expect(await client.getStoredOrder(request.merchantOrderId)).toBeUndefined();
    expect(await client.listPendingOrders()).toEqual([]);

    state.broken = false;
    const placed = await client.placeOrder(request);
    expect(placed.status).not.toBe("unknown");
    expect(fake.calls.place).toBe(1);
    expect(state.acquired).toBe(1);
  });
});

describe("a rate limit slower than the caller's deadline", () => {
  /** A limiter that never hands out a token: only an abort ends the wait. */
  const starved = {
    waits: 0,
    acquire(signal?: AbortSignal) {
      starved.waits += 1;
      return new Promise<void>((_resolve, reject) => {
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    },
  };

  it("resolving a lost answer stops waiting for query tokens at resolveTimeoutMs: unknown, never failed", async () => {
    const fake = createFakeAdapter();
    // The supplier commits the order and the answer is lost.
    fake.placeSteps.push(() => new NoAnswerError("socket hang up after the request was written"));
    const client = createSupplierClient({
      adapter: fake.adapter,
      retry: noRetry,
      rateLimit: { queryOrder: starved },
      resolveTimeoutMs: 50,
      health: false,
    });
    const placed = await client.placeOrder(request);
    expect(placed.status).toBe("unknown");
    expect(fake.calls.place).toBe(1);
    expect(fake.calls.query).toBe(0);
    expect(starved.waits).toBeGreaterThan(0);
  });

  it("an aborted call stops waiting for a token, sends nothing and leaves the id placeable", async () => {
    const fake = createFakeAdapter();
    const client = createSupplierClient({
      adapter: fake.adapter,
      retry: noRetry,
      rateLimit: { placeOrder: starved },
      health: false,
    });
    const error = await client
      .placeOrder(request, { signal: AbortSignal.timeout(20) })
      .catch((thrown: unknown) => thrown);
    expect(KaquanError.isInstance(error) && error.code).toBe("aborted");
    expect(fake.calls.place).toBe(0);
    expect(await client.getStoredOrder(request.merchantOrderId)).toBeUndefined();
  });
});
