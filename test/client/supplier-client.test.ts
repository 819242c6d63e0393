import { Writable } from "node:stream";
import { inspect } from "node:util";
import {
  createSupplierClient,
  DeadlineExceededError,
  DuplicateOrderError,
  IdempotencyConflictError,
  InsufficientBalanceError,
  MemoryIdempotencyStore,
  NoAnswerError,
  NotSentError,
  type OrderUpdate,
  PriceAboveMaxCostError,
  RateLimitError,
  Secret,
  UnrecognizedVendorError,
  ValidationError,
} from "kaquan";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { commitThenLose, createFakeAdapter } from "./fake-adapter.js";

const fastRetry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, totalDeadlineMs: 5_000 };
const request = { merchantOrderId: "M-1", kind: "direct" as const, sku: "1001", account: "player" };

function client(fake = createFakeAdapter(), extra: Partial<Parameters<typeof createSupplierClient>[0]> = {}) {
  return createSupplierClient({ adapter: fake.adapter, retry: fastRetry, resolveTimeoutMs: 500, ...extra });
}

describe("placeOrder idempotency", () => {
  it("sends exactly once for 100 concurrent calls with one id", async () => {
    const fake = createFakeAdapter();
    fake.placeSteps.push(async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { merchantOrderId: r.merchantOrderId, supplier: "fake", status: "processing", source: "place" };
    });
    const supplier = client(fake);
    const results = await Promise.all(Array.from({ length: 100 }, () => supplier.placeOrder(request)));
    expect(fake.calls.place).toBe(1);
    expect(new Set(results.map((order) => order.status))).toEqual(new Set(["processing"]));
    expect(results.filter((order) => order.meta.attempts === 1)).toHaveLength(1);
  });

  it("returns the existing order for the same id and request, sequentially", async () => {
    const fake = createFakeAdapter();
    const supplier = client(fake);
    const first = await supplier.placeOrder(request);
    const second = await supplier.placeOrder(request);
    expect(fake.calls.place).toBe(1);
    expect(second.status).toBe(first.status);
    expect(second.meta.resolvedBy).toBe("existing");
  });

  it("refuses the same id with a different request", async () => {
    const fake = createFakeAdapter();
    const supplier = client(fake);
    await supplier.placeOrder(request);
    await expect(supplier.placeOrder({ ...request, account: "someone-else" })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    const concurrent = [
      supplier.placeOrder({ ...request, merchantOrderId: "M-2" }),
      supplier.placeOrder({ ...request, merchantOrderId: "M-2", quantity: 2 }),
    ];
    const settled = await Promise.allSettled(concurrent);
    expect(settled[1]?.status).toBe("rejected");
    expect(fake.calls.place).toBe(2);
  });

  it("shares one store across two clients (two instances, one truth)", async () => {
    const fake = createFakeAdapter();
    const store = new MemoryIdempotencyStore();
    const [a, b] = [client(fake, { store }), client(fake, { store })];
    await Promise.all([
      a.placeOrder(request),
      b.placeOrder(request),
      a.placeOrder(request),
      b.placeOrder(request),
    ]);
    expect(fake.calls.place).toBe(1);
  });
});

describe("placeOrder failure classes", () => {
  it("retries a request that was not sent, with the same id", async () => {
    const fake = createFakeAdapter();
    const ids: string[] = [];
    fake.placeSteps.push((r) => {
      ids.push(r.merchantOrderId);
      return new NotSentError("refused");
    });
    fake.placeSteps.push((r) => {
      ids.push(r.merchantOrderId);
      return { merchantOrderId: r.merchantOrderId, supplier: "fake", status: "processing", source: "place" };
    });
    const order = await client(fake).placeOrder(request);
    expect(order.status).toBe("processing");
    expect(order.meta.attempts).toBe(2);
    expect(ids).toEqual(["M-1", "M-1"]);
  });

  it("gives up on not-sent after maxAttempts, releases the id, and a later call may send it", async () => {
    const fake = createFakeAdapter();
    for (let i = 0; i < 3; i++) fake.placeSteps.push(() => new NotSentError("refused"));
    const supplier = client(fake);
    const error = await supplier.placeOrder(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotSentError);
    expect((error as NotSentError).attempts).toBe(3);
    expect(fake.calls.place).toBe(3);
    const retried = await supplier.placeOrder(request);
    expect(retried.status).toBe("processing");
    expect(fake.calls.place).toBe(4);
  });

  it("maxAttempts 1 means one attempt", async () => {
    const fake = createFakeAdapter();
    for (let i = 0; i < 3; i++) fake.placeSteps.push(() => new NotSentError("refused"));
    await expect(
      client(fake, { retry: { ...fastRetry, maxAttempts: 1 } }).placeOrder(request),
    ).rejects.toBeInstanceOf(NotSentError);
    expect(fake.calls.place).toBe(1);
  });

  it("F1: commit then no answer → queries and adopts the real state, never sends again", async () => {
    const fake = createFakeAdapter();
    fake.placeSteps.push(commitThenLose(fake.orders, new NoAnswerError("socket hang up")));
    const order = await client(fake).placeOrder(request);
    expect(order.status).toBe("succeeded");
    expect(order.meta.resolvedBy).toBe("query");
    expect(fake.calls.place).toBe(1);
  });

  it("an unrecognised vendor error is resolved by query, never failed", async () => {
    const fake = createFakeAdapter();
    fake.placeSteps.push(commitThenLose(fake.orders, new UnrecognizedVendorError("code 7777"), "processing"));
    const order = await client(fake).placeOrder(request);
    expect(order.status).toBe("processing");
    expect(fake.calls.place).toBe(1);
  });

  it("a duplicate-id answer is resolved by query and never re-sent", async () => {
    const fake = createFakeAdapter();
    fake.orders.set("M-1", {
      merchantOrderId: "M-1",
      supplier: "fake",
      status: "succeeded",
      source: "query",
    });
    fake.placeSteps.push(() => new DuplicateOrderError("exists"));
    const order = await client(fake).placeOrder(request);
    expect(order.status).toBe("succeeded");
    expect(fake.calls.place).toBe(1);
  });

  it("no answer and never found → unknown (not failed) when re-sending is unsafe", async () => {
    const fake = createFakeAdapter({ duplicateOrderId: "none" });
    fake.placeSteps.push(() => new NoAnswerError("timeout"));
    const order = await client(fake).placeOrder(request);
    expect(order.status).toBe("unknown");
    expect(order.unknownReason).toMatch(/no usable answer/);
    expect(fake.calls.place).toBe(1);
  });

  it("F16: not found after the grace window → one safe re-send with the same id", async () => {
    const fake = createFakeAdapter({ notFoundGraceMs: 30 });
    fake.placeSteps.push(() => new NoAnswerError("dropped before commit"));
    const order = await client(fake).placeOrder(request);
    expect(order.status).toBe("processing");
    expect(fake.calls.place).toBe(2);
    expect(fake.calls.query).toBeGreaterThan(0);
  });

  it("a definitive rejection is failed with a typed error", async () => {
    const fake = createFakeAdapter();
    fake.placeSteps.push(() => new InsufficientBalanceError("low", { vendorCode: "1006" }));
    const supplier = client(fake);
    const error = await supplier.placeOrder(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InsufficientBalanceError);
    expect((error as InsufficientBalanceError).attempts).toBe(1);
    const again = await supplier.placeOrder(request);
    expect(again.status).toBe("failed");
    expect(again.failure?.vendorCode).toBe("1006");
    expect(fake.calls.place).toBe(1);
  });

  it("a throttled request is retried after Retry-After", async () => {
    const fake = createFakeAdapter();
    fake.placeSteps.push(() => new RateLimitError("429", { retryAfterMs: 5 }));
    const order = await client(fake).placeOrder(request);
    expect(order.status).toBe("processing");
    expect(order.meta.totalRetryDelayMs).toBeGreaterThanOrEqual(5);
    expect(fake.calls.place).toBe(2);
  });
});

describe("validation and guards", () => {
  it("rejects bad input before any call", async () => {
    const fake = createFakeAdapter();
    const supplier = client(fake);
    for (const bad of [
      {},
      { ...request, merchantOrderId: "" },
      { ...request, quantity: 0 },
      { ...request, kind: "gold" },
      null,
    ]) {
      await expect(supplier.placeOrder(bad as never)).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(supplier.getOrder("bad id")).rejects.toBeInstanceOf(ValidationError);
    await expect(supplier.waitForFinal("M-1", { deadlineMs: Number.NaN })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      supplier.applyUpdate({ merchantOrderId: "M-1", status: "done" } as never),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(supplier.getStock("1001", 0)).rejects.toBeInstanceOf(ValidationError);
    await expect(supplier.listProducts({ colour: "red" } as never)).rejects.toBeInstanceOf(ValidationError);
    expect(fake.calls.place + fake.calls.query).toBe(0);
  });

  it("refuses an order above maxCost before sending", async () => {
    const fake = createFakeAdapter();
    const supplier = client(fake);
    await expect(
      supplier.placeOrder({ ...request, quantity: 2, maxCost: { amount: "11.00", currency: "CNY" } }),
    ).rejects.toBeInstanceOf(PriceAboveMaxCostError);
    expect(fake.calls.place).toBe(0);
    const order = await supplier.placeOrder({
      ...request,
      quantity: 2,
      maxCost: { amount: "11.40", currency: "CNY" },
    });
    expect(order.status).toBe("processing");
  });
});

describe("getOrder and waitForFinal", () => {
  it("waits for the final state", async () => {
    const fake = createFakeAdapter();
    const supplier = client(fake);
    await supplier.placeOrder(request);
    let polls = 0;
    for (let i = 0; i < 3; i++)
      fake.querySteps.push((id) => {
        polls += 1;
        return { merchantOrderId: id, supplier: "fake", status: "processing", source: "query" };
      });
    fake.querySteps.push((id) => ({
      merchantOrderId: id,
      supplier: "fake",
      status: "succeeded",
      source: "query",
      cards: [{ password: new Secret("CODE"), format: "code" }],
    }));
    const order = await supplier.waitForFinal("M-1", { deadlineMs: 5_000 });
    expect(order.status).toBe("succeeded");
    expect(order.cards[0]?.password.reveal()).toBe("CODE");
    expect(polls).toBe(3);
  });

  it("throws DeadlineExceededError with the last state", async () => {
    const fake = createFakeAdapter();
    const supplier = client(fake);
    await supplier.placeOrder(request);
    const error = await supplier.waitForFinal("M-1", { deadlineMs: 30 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError & { order: { status: string } }).order.status).toBe("processing");
  });

  it("a late processing never regresses a final order", async () => {
    const fake = createFakeAdapter();
    const supplier = client(fake);
    await supplier.placeOrder(request);
    await supplier.applyUpdate({
      merchantOrderId: "M-1",
      status: "succeeded",
      source: "callback",
    } as OrderUpdate);
    fake.querySteps.push((id) => ({
      merchantOrderId: id,
      supplier: "fake",
      status: "processing",
      source: "query",
    }));
    expect((await supplier.getOrder("M-1")).status).toBe("succeeded");
  });

  it("reports status changes once each", async () => {
    const fake = createFakeAdapter();
    const seen: string[] = [];
    const supplier = client(fake, { onStatusChange: (order) => seen.push(order.status) });
    await supplier.placeOrder(request);
    fake.querySteps.push((id) => ({
      merchantOrderId: id,
      supplier: "fake",
      status: "succeeded",
      source: "query",
    }));
    await supplier.waitForFinal("M-1", { deadlineMs: 1_000 });
    await supplier.getOrder("M-1");
    expect(seen).toEqual(["unknown", "processing", "succeeded"]);
  });
});

describe("secrets", () => {
  it("never appear in log lines or errors", async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: "debug" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const fake = createFakeAdapter();
    fake.placeSteps.push(() => new InsufficientBalanceError("low FAKE-SECRET-VALUE-0001"));
    fake.querySteps.push(() => new NoAnswerError("x"));
    const supplier = client(fake, { logger });
    const error = await supplier
      .placeOrder({ ...request, accountFields: { password: "SENTINEL-PASSWORD" } })
      .catch((caught: unknown) => caught);
    await supplier.placeOrder({ ...request, merchantOrderId: "M-9", kind: "card" }).catch(() => undefined);
    const texts = [...lines, JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })];
    expect(lines.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).not.toContain("SENTINEL-PASSWORD");
    for (const line of lines) expect(line).not.toContain("FAKE-SECRET-VALUE-0001");
  });
});

describe("an id conflict reported by the supplier", () => {
  it("is thrown, never recorded as failed, and never re-sent", async () => {
    const { IdempotencyConflictError: Conflict } = await import("kaquan");
    class SupplierConflict extends Conflict {
      static override readonly errorName: string = "SupplierConflict";
      override readonly failureClass = "rejected" as const;
    }
    const fake = createFakeAdapter();
    fake.placeSteps.push(() => new SupplierConflict("another order under this id"));
    const supplier = client(fake);
    await expect(supplier.placeOrder(request)).rejects.toSatisfy((error) => Conflict.isInstance(error));
    const stored = await supplier.getStoredOrder("M-1");
    expect(stored?.status).toBe("unknown");
    expect(stored?.unknownReason).toMatch(/different order/);
    expect(fake.calls.place).toBe(1);
  });
});
