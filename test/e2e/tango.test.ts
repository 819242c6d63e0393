import { Writable } from "node:stream";
import {
  createSupplierClient,
  IdempotencyConflictError,
  InsufficientBalanceError,
  type SupplierClient,
} from "kaquan";
import { createTangoAdapter, type TangoAdapterOptions } from "kaquan/adapters/tango";
import { createTangoSimulator, type TangoSimulator, type TangoSimulatorOptions } from "kaquan/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type * as rateLimiter from "../../src/client/rate-limiter.js";
import { runAdapterConformance } from "../../src/testing/conformance.js";

/**
 * Counts the client's limiter: every bucket the client creates, with the options it asked for,
 * and every token taken. The bucket itself runs 100× faster than asked so the suite does not wait
 * a second per request — what is checked is that the published limit is applied to every request,
 * not how long a second is.
 */
const buckets: Array<{ options: rateLimiter.RateLimitOptions; acquired: number }> = [];
vi.mock("../../src/client/rate-limiter.js", async (original) => {
  const actual = await original<typeof import("../../src/client/rate-limiter.js")>();
  return {
    ...actual,
    createTokenBucket(options: rateLimiter.RateLimitOptions) {
      const entry = { options: { ...options }, acquired: 0 };
      buckets.push(entry);
      const real = actual.createTokenBucket({
        ...options,
        requestsPerSecond: options.requestsPerSecond * 100,
      });
      return {
        acquire(signal?: AbortSignal) {
          entry.acquired += 1;
          return real.acquire(signal);
        },
      };
    },
  };
});

runAdapterConformance({
  name: "tango",
  test: it,
  finalDeadlineMs: 10_000,
  async start() {
    // Rewards complete synchronously, except the unseen-status check's ("us…"), which stay
    // PENDING so that the order is not already final when its raw status changes.
    const simulator = createTangoSimulator({
      autoSettle: false,
      outcome: ({ externalRefId }) => (externalRefId.startsWith("us") ? "pending" : "complete"),
    });
    await simulator.start();
    const adapter = createTangoAdapter({
      platformName: simulator.platformName,
      platformKey: simulator.platformKey,
      environment: "sandbox",
      endpoint: simulator.url,
      customerIdentifier: simulator.customerIdentifier,
      accountIdentifier: simulator.accountIdentifier,
      pollIntervalMs: 20,
      notFoundGraceMs: 200,
    });
    return {
      adapter,
      fixtures: { card: { sku: "U100001" }, unknownSku: "U999999" },
      setRawOrderStatus: (merchantOrderId, rawStatus) =>
        simulator.setRawOrderState(merchantOrderId, rawStatus),
      close: () => simulator.close(),
    };
  },
});

let simulator: TangoSimulator;
let clients: SupplierClient[] = [];
let logLines: string[] = [];

async function startSimulator(options: TangoSimulatorOptions = {}): Promise<void> {
  simulator = createTangoSimulator(options);
  await simulator.start();
}

function newClient(options: Partial<TangoAdapterOptions> = {}): SupplierClient {
  const logger = pino(
    { level: "debug" },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  const client = createSupplierClient({
    adapter: createTangoAdapter({
      platformName: simulator.platformName,
      platformKey: simulator.platformKey,
      environment: "sandbox",
      endpoint: simulator.url,
      customerIdentifier: simulator.customerIdentifier,
      accountIdentifier: simulator.accountIdentifier,
      pollIntervalMs: 20,
      notFoundGraceMs: 150,
      ...options,
    }),
    http: { timeoutMs: 1_000 },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    resolveTimeoutMs: 3_000,
    logger,
  });
  clients.push(client);
  return client;
}

beforeEach(() => {
  logLines = [];
  buckets.length = 0;
});

afterEach(async () => {
  for (const client of clients) await client.close?.();
  clients = [];
  await simulator?.close();
});

describe("tango end to end", () => {
  it("places a fixed-value reward: one debit, the codes as Secrets, never in the logs", async () => {
    await startSimulator();
    const client = newClient();
    const order = await client.placeOrder({ merchantOrderId: "T-ok-1", kind: "card", sku: "U100001" });
    expect(order.status).toBe("succeeded");
    expect(order.cards).toHaveLength(1);
    const code = order.cards[0]!.password.reveal();
    expect(code).toBe(simulator.order("T-ok-1")!.credentials[0]!.value);
    expect(simulator.ledger("T-ok-1")).toEqual([
      expect.objectContaining({ movement: "debit", amount: "25.00" }),
    ]);
    expect(simulator.balance()).toBe("9975.00");
    expect(logLines.join("")).not.toContain(code);
    expect(logLines.join("")).not.toContain(simulator.platformKey);
  });

  it("commit-then-drop: the order is found by query, exactly one order and one debit", async () => {
    await startSimulator();
    simulator.injectFault({ kind: "commit-then-drop", method: "createOrder" });
    const client = newClient();
    const order = await client.placeOrder({
      merchantOrderId: "T-drop-1",
      kind: "card",
      sku: "U100002",
      faceValue: { amount: "40.00", currency: "USD" },
    });
    expect(order.status).toBe("succeeded");
    expect(simulator.orders()).toHaveLength(1);
    expect(simulator.ledger("T-drop-1")).toHaveLength(1);
    expect(simulator.requests("createOrder")).toHaveLength(1);
    expect(simulator.requests("ordersByExternalRefId").length).toBeGreaterThan(0);
  });

  it("409 in process: waits and queries, never a second order", async () => {
    await startSimulator();
    simulator.injectFault({ kind: "in-process", delayMs: 60 });
    const client = newClient();
    const placed = await client.placeOrder({ merchantOrderId: "T-409-1", kind: "card", sku: "U100001" });
    const final =
      placed.status === "succeeded" ? placed : await client.waitForFinal("T-409-1", { deadlineMs: 3_000 });
    expect(final.status).toBe("succeeded");
    expect(final.cards).toHaveLength(1);
    expect(simulator.requests("createOrder")[0]!.errorCode).toBe("409.002");
    expect(simulator.requests("ordersByExternalRefId").length).toBeGreaterThan(0);
    expect(simulator.orders()).toHaveLength(1);
    expect(simulator.ledger("T-409-1")).toHaveLength(1);
  });

  it("a replay of the same request returns the original order, no second", async () => {
    await startSimulator();
    const first = newClient();
    const original = await first.placeOrder({ merchantOrderId: "T-rep-1", kind: "card", sku: "U100001" });
    // A second client (another process, a lost local store) sends the same id again.
    const second = newClient();
    const replayed = await second.placeOrder({ merchantOrderId: "T-rep-1", kind: "card", sku: "U100001" });
    expect(replayed.supplierOrderId).toBe(original.supplierOrderId);
    expect(replayed.cards[0]!.password.reveal()).toBe(original.cards[0]!.password.reveal());
    expect(simulator.requests("createOrder").map((request) => request.replayed ?? false)).toEqual([
      false,
      true,
    ]);
    expect(simulator.orders()).toHaveLength(1);
    expect(simulator.ledger()).toHaveLength(1);
  });

  it("a replayed id that belongs to another reward is flagged, not adopted", async () => {
    await startSimulator();
    await newClient().placeOrder({ merchantOrderId: "T-mis-1", kind: "card", sku: "U100001" });
    const other = newClient();
    const error = await other
      .placeOrder({ merchantOrderId: "T-mis-1", kind: "card", sku: "U300001" })
      .catch((caught: unknown) => caught);
    expect(IdempotencyConflictError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("U100001");
    expect(simulator.orders()).toHaveLength(1);
    expect(simulator.ledger()).toHaveLength(1);
  });

  it("insufficient balance is InsufficientBalanceError, nothing debited", async () => {
    await startSimulator({ balance: "10.00" });
    const client = newClient();
    const error = await client
      .placeOrder({ merchantOrderId: "T-poor-1", kind: "card", sku: "U100001" })
      .catch((caught: unknown) => caught);
    expect(InsufficientBalanceError.isInstance(error)).toBe(true);
    expect((error as InsufficientBalanceError).vendorCode).toBe("402.001");
    expect(simulator.orders()).toHaveLength(0);
    expect(simulator.balance()).toBe("10.00");
  });

  it("reads the balance from the account", async () => {
    await startSimulator({ balance: "123.45" });
    const balance = await newClient().getBalance();
    expect(balance.available).toEqual({ amount: "123.45", currency: "USD" });
  });

  it("applies the published 1 request/second limit to every request by default", async () => {
    await startSimulator();
    const client = newClient();
    await client.listProducts();
    await client.getBalance();
    await client.placeOrder({ merchantOrderId: "T-rate-1", kind: "card", sku: "U100001" });
    await client.getOrder("T-rate-1");
    expect(buckets.map((bucket) => bucket.options)).toEqual([{ requestsPerSecond: 1, burst: 1 }]);
    // One token per request client operation; the placement of a fixed-value reward makes two
    // requests (its catalogue lookup, then the order) under one token of the client's.
    const received = simulator.requests().length;
    expect(buckets[0]!.acquired).toBeGreaterThan(0);
    expect(buckets[0]!.acquired).toBeGreaterThanOrEqual(received - 1);
  });
});
