import { Writable } from "node:stream";
import {
  createSupplierClient,
  InsufficientBalanceError,
  InvalidAccountError,
  MemoryIdempotencyStore,
  type SupplierClient,
} from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createFuluSimulator, type FuluSimulator, type FuluSimulatorFault } from "kaquan/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let simulator: FuluSimulator;
let clients: SupplierClient[] = [];
let logLines: string[] = [];

function newClient(options: { store?: MemoryIdempotencyStore; timeoutMs?: number } = {}): SupplierClient {
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
    adapter: createFuluAdapter({
      appKey: simulator.appKey,
      appSecret: simulator.appSecret,
      endpoint: simulator.url,
      pollIntervalMs: 20,
      notFoundGraceMs: 150,
    }),
    http: { timeoutMs: options.timeoutMs ?? 1_000 },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    resolveTimeoutMs: 3_000,
    logger,
    ...(options.store ? { store: options.store } : {}),
  });
  clients.push(client);
  return client;
}

beforeEach(async () => {
  logLines = [];
  simulator = createFuluSimulator({ settleAfterMs: 30 });
  await simulator.start();
});

afterEach(async () => {
  for (const client of clients) client.close();
  clients = [];
  await simulator.close();
});

const card = (merchantOrderId: string) => ({
  merchantOrderId,
  kind: "card" as const,
  sku: "10000002",
  quantity: 2,
});
const direct = (merchantOrderId: string, account = "player-1") => ({
  merchantOrderId,
  kind: "direct" as const,
  sku: "10000001",
  account,
});

function committed(merchantOrderId: string) {
  return simulator.orders().filter((order) => order.customerOrderNo === merchantOrderId);
}

describe("Fulu end to end under faults: one order at the supplier, the real final state reported", () => {
  it("F1: the supplier commits the order and drops the connection", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "fulu.order.card.add" });
    const placed = await client.placeOrder(card("F1-1"));
    expect(placed.status).not.toBe("failed");
    expect(placed.meta.resolvedBy).toBe("query");
    const final = await client.waitForFinal("F1-1", { deadlineMs: 5_000 });
    expect(final.status).toBe("succeeded");
    expect(final.cards).toHaveLength(2);
    expect(committed("F1-1")).toHaveLength(1);
    expect(simulator.requests("fulu.order.card.add")).toHaveLength(1);
    const delivered = committed("F1-1")[0]!
      .cards!.map((c) => c.cardPassword)
      .sort();
    expect(final.cards.map((c) => c.password.reveal()).sort()).toEqual(delivered);
  });

  const committedFaults: Array<[string, FuluSimulatorFault]> = [
    ["an answer after the client's deadline", { kind: "delay", delayMs: 1_500 }],
    ["a malformed JSON answer", { kind: "malformed-json" }],
    ["a wrongly signed answer", { kind: "bad-response-signature" }],
  ];
  for (const [name, fault] of committedFaults) {
    it(`committed, then ${name}: adopted by query, never re-sent`, async () => {
      const client = newClient({ timeoutMs: 500 });
      simulator.injectFault({ ...fault, method: "fulu.order.direct.add" });
      const placed = await client.placeOrder(direct("C-1"));
      expect(["processing", "succeeded"]).toContain(placed.status);
      expect((await client.waitForFinal("C-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
      expect(committed("C-1")).toHaveLength(1);
      expect(simulator.requests("fulu.order.direct.add")).toHaveLength(1);
    });
  }

  const uncommittedFaults: Array<[string, FuluSimulatorFault]> = [
    ["the connection dropped before the order was committed", { kind: "drop-before-commit" }],
    ["a 500", { kind: "http-500" }],
    ["an HTML gateway page", { kind: "html-gateway" }],
  ];
  for (const [name, fault] of uncommittedFaults) {
    it(`${name}: not found past the grace window, re-sent once with the same id`, async () => {
      const client = newClient();
      simulator.injectFault({ ...fault, method: "fulu.order.direct.add" });
      const placed = await client.placeOrder(direct("U-1"));
      expect(placed.status).not.toBe("failed");
      expect((await client.waitForFinal("U-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
      expect(committed("U-1")).toHaveLength(1);
      expect(simulator.requests("fulu.order.direct.add")).toHaveLength(2);
    });
  }

  it("a 429 is retried after Retry-After", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "rate-limit", method: "fulu.order.card.add" });
    const placed = await client.placeOrder(card("R-1"));
    expect(placed.meta.attempts).toBe(2);
    expect(committed("R-1")).toHaveLength(1);
  });

  it("F16: not found for a while right after a lost answer is lag, not absence", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "not-found-until", queries: 3 });
    simulator.injectFault({ kind: "commit-then-drop", method: "fulu.order.card.add" });
    const placed = await client.placeOrder(card("NF-1"));
    expect(placed.status).not.toBe("failed");
    expect((await client.waitForFinal("NF-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("NF-1")).toHaveLength(1);
    expect(simulator.requests("fulu.order.card.add")).toHaveLength(1);
  });

  it("a duplicate id (a second instance that lost its records) adopts the existing order", async () => {
    const first = newClient();
    await first.placeOrder(card("D-1"));
    const amnesiac = newClient({ store: new MemoryIdempotencyStore() });
    const again = await amnesiac.placeOrder(card("D-1"));
    expect(again.status).not.toBe("failed");
    expect(committed("D-1")).toHaveLength(1);
    expect(simulator.requests("fulu.order.card.add")).toHaveLength(2);
  });

  it("insufficient balance and an invalid account are definitive failures", async () => {
    const client = newClient();
    simulator.setBalance("1.00");
    await expect(client.placeOrder(card("B-1"))).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect((await client.placeOrder(card("B-1"))).status).toBe("failed");
    simulator.setBalance("1000.00");
    await expect(client.placeOrder(direct("I-1", "invalid-account"))).rejects.toBeInstanceOf(
      InvalidAccountError,
    );
    expect(simulator.orders()).toHaveLength(0);
  });

  it("a supplier-side failure ends failed and refunds", async () => {
    const client = newClient();
    const before = simulator.balance();
    await client.placeOrder(direct("X-1", "will-fail"));
    const final = await client.waitForFinal("X-1", { deadlineMs: 5_000 });
    expect(final.status).toBe("failed");
    expect(simulator.balance()).toBe(before);
  });

  it("100 concurrent placements of one id reach the supplier once", async () => {
    const client = newClient();
    const results = await Promise.all(Array.from({ length: 100 }, () => client.placeOrder(card("P-1"))));
    expect(new Set(results.map((order) => order.merchantOrderId))).toEqual(new Set(["P-1"]));
    expect(simulator.requests("fulu.order.card.add")).toHaveLength(1);
  });

  it("mobile recharge by face value", async () => {
    const client = newClient();
    await client.placeOrder({
      merchantOrderId: "MO-1",
      kind: "mobile",
      account: "13800138000",
      faceValue: { amount: "50", currency: "CNY" },
    });
    expect((await client.waitForFinal("MO-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
  });

  it("no secret or card code reaches the debug log of a whole run", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "fulu.order.card.add" });
    await client.placeOrder(card("S-1"));
    const final = await client.waitForFinal("S-1", { deadlineMs: 5_000 });
    await client.listProducts();
    const codes = final.cards.flatMap((c) => [c.password.reveal(), c.number?.reveal() ?? ""]).filter(Boolean);
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      expect(line).not.toContain(simulator.appSecret);
      expect(line).not.toContain(simulator.appKey);
      for (const code of codes) expect(line).not.toContain(code);
    }
  });
});
