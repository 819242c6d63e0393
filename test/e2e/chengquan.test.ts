import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import fc from "fast-check";
import {
  createHttpTransport,
  createSupplierClient,
  DeadlineExceededError,
  InsufficientBalanceError,
  InvalidAccountError,
  MemoryIdempotencyStore,
  OutOfStockError,
  SignatureError,
  type StatusEvent,
  type SupplierClient,
  silentLogger,
} from "kaquan";
import { createChengquanAdapter } from "kaquan/adapters/chengquan";
import { createCallbackHandler, nodeCallbackListener } from "kaquan/callbacks";
import {
  type ChengquanSimulator,
  type ChengquanSimulatorFault,
  createChengquanSimulator,
  runAdapterConformance,
} from "kaquan/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ARRIVAL_SKEW_MS } from "./arrival-skew.js";

/** The simulator's AES key and IV are 16-byte strings, as Chengquan issues them. */
const aesOf = (simulator: ChengquanSimulator) => ({
  aesKey: Buffer.from(simulator.aesKey).toString("utf8"),
  aesIv: Buffer.from(simulator.aesIv).toString("utf8"),
});

const adapterFor = (simulator: ChengquanSimulator, notifyUrl?: string) =>
  createChengquanAdapter({
    appId: simulator.appId,
    appKey: simulator.appKey,
    ...aesOf(simulator),
    endpoint: simulator.url,
    pollIntervalMs: 20,
    notFoundGraceMs: 150,
    ...(notifyUrl ? { notifyUrl } : {}),
  });

/** A form callback signed as the simulator (and Chengquan) signs it. */
function signedCallback(simulator: ChengquanSimulator, fields: Record<string, string>) {
  const signed = simulator.signParams({ app_id: simulator.appId, timestamp: Date.now(), ...fields });
  return { body: signed.encoded, headers: { "content-type": "application/x-www-form-urlencoded" } };
}

runAdapterConformance({
  name: "chengquan",
  test: it,
  finalDeadlineMs: 10_000,
  async start() {
    const simulator = createChengquanSimulator({ settleAfterMs: 20 });
    await simulator.start();
    return {
      adapter: adapterFor(simulator),
      fixtures: {
        card: { sku: "10010001" },
        direct: { sku: "20001", account: "player-1" },
        mobile: { account: "13800138000", faceValue: { amount: "50", currency: "CNY" } },
        unknownSku: "99999999",
      },
      callbackFor: ({ merchantOrderId, status }) =>
        signedCallback(simulator, {
          order_no: merchantOrderId,
          state: status === "success" ? "SUCCESS" : "FAILURE",
        }),
      setRawOrderStatus: (merchantOrderId, rawStatus) =>
        simulator.setRawOrderState(merchantOrderId, rawStatus),
      close: () => simulator.close(),
    };
  },
});

let simulator: ChengquanSimulator;
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
    adapter: adapterFor(simulator),
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
  simulator = createChengquanSimulator({ settleAfterMs: 30 });
  await simulator.start();
});

afterEach(async () => {
  for (const client of clients) client.close();
  clients = [];
  await simulator.close();
});

const card = (merchantOrderId: string, sku = "10010001", quantity = 2) => ({
  merchantOrderId,
  kind: "card" as const,
  sku,
  quantity,
});
const direct = (merchantOrderId: string, account = "player-1") => ({
  merchantOrderId,
  kind: "direct" as const,
  sku: "20001",
  account,
});
const mobile = (merchantOrderId: string, account = "13800138000") => ({
  merchantOrderId,
  kind: "mobile" as const,
  account,
  faceValue: { amount: "50", currency: "CNY" },
});

const committed = (orderNo: string) => simulator.orders().filter((order) => order.orderNo === orderNo);

describe("Chengquan end to end under faults: one order at the supplier, the real final state reported", () => {
  it("F1: commit then drop → one coupon order, its real codes", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "coupon/order/pay" });
    const placed = await client.placeOrder(card("CQF1"));
    expect(placed.status).not.toBe("failed");
    expect(placed.meta.resolvedBy).toBe("query");
    const final = await client.waitForFinal("CQF1", { deadlineMs: 5_000 });
    expect(final.status).toBe("succeeded");
    expect(committed("CQF1")).toHaveLength(1);
    expect(simulator.requests("coupon/order/pay")).toHaveLength(1);
    const ledger = simulator.order("CQF1")!;
    expect(ledger.state).toBe("SUCCESS");
    expect(final.cards.map((c) => c.password.reveal()).sort()).toEqual(
      ledger.cards.map((c) => c.password).sort(),
    );
    expect(final.cost).toEqual({ amount: "39.60", currency: "CNY" });
  });

  it("F1: commit then drop → one phone order that really failed is reported failed", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "order/tel/pay" });
    await client.placeOrder(mobile("CQF1fail"));
    const final = await client.waitForFinal("CQF1fail", { deadlineMs: 5_000 });
    expect(final.status).toBe("failed");
    expect(simulator.order("CQF1fail")!.state).toBe("FAILURE");
    expect(committed("CQF1fail")).toHaveLength(1);
  });

  const committedFaults: Array<[string, ChengquanSimulatorFault]> = [
    ["a vendor system error (7777)", { kind: "system-error" }],
    ["an unknown vendor code", { kind: "system-error", code: 7654, message: "新的错误" }],
    ["a malformed answer", { kind: "malformed-json" }],
    ["an answer after the client's deadline", { kind: "delay", delayMs: 1_500 }],
  ];
  for (const [name, fault] of committedFaults) {
    it(`committed, then ${name}: adopted by query, never re-sent`, async () => {
      const client = newClient({ timeoutMs: 500 });
      simulator.injectFault({ ...fault, method: "order/tel/pay" });
      const placed = await client.placeOrder(mobile("CQC1"));
      expect(placed.status).not.toBe("failed");
      expect((await client.waitForFinal("CQC1", { deadlineMs: 5_000 })).status).toBe("succeeded");
      expect(committed("CQC1")).toHaveLength(1);
      expect(simulator.requests("order/tel/pay")).toHaveLength(1);
    });
  }

  const uncommittedFaults: Array<[string, ChengquanSimulatorFault]> = [
    ["the connection dropped before the order was committed", { kind: "drop-before-commit" }],
    ["a 500", { kind: "http-500" }],
    ["an HTML gateway page", { kind: "html-gateway" }],
  ];
  for (const [name, fault] of uncommittedFaults) {
    it(`${name}: not found past the grace window, re-sent once with the same id`, async () => {
      const client = newClient();
      simulator.injectFault({ ...fault, method: "order/directCharge" });
      const placed = await client.placeOrder(direct("CQU1"));
      expect(placed.status).not.toBe("failed");
      expect((await client.waitForFinal("CQU1", { deadlineMs: 5_000 })).status).toBe("succeeded");
      expect(committed("CQU1")).toHaveLength(1);
      expect(simulator.requests("order/directCharge")).toHaveLength(2);
      const [first, second] = simulator.requests("order/directCharge");
      expect(second!.params.order_no).toBe(first!.params.order_no);
      // Re-sent only once the grace window had passed (measured from kaquan's send: see ARRIVAL_SKEW_MS).
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(150 - ARRIVAL_SKEW_MS);
    });
  }

  it("F16: 7016 for a while right after a lost answer is lag, not absence", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "not-found-until", queries: 3 });
    simulator.injectFault({ kind: "commit-then-drop", method: "coupon/order/pay" });
    await client.placeOrder(card("CQNF1"));
    expect((await client.waitForFinal("CQNF1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("CQNF1")).toHaveLength(1);
    expect(simulator.requests("coupon/order/pay")).toHaveLength(1);
  });

  it("a 429 is retried", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "rate-limit", method: "coupon/order/pay" });
    const placed = await client.placeOrder(card("CQR1"));
    expect(placed.meta.attempts).toBe(2);
    expect(committed("CQR1")).toHaveLength(1);
  });

  it("a duplicate id (a second instance that lost its records) adopts the existing order (7012)", async () => {
    await newClient().placeOrder(card("CQD1"));
    const amnesiac = newClient({ store: new MemoryIdempotencyStore() });
    const again = await amnesiac.placeOrder(card("CQD1"));
    expect(again.status).not.toBe("failed");
    expect(simulator.requests("coupon/order/pay").map((request) => request.code)).toEqual([7000, 7012]);
    expect(committed("CQD1")).toHaveLength(1);
    expect((await amnesiac.waitForFinal("CQD1", { deadlineMs: 5_000 })).status).toBe("succeeded");
  });

  it("out of stock is OutOfStockError, a definitive failure with nothing created", async () => {
    const client = newClient();
    simulator.setStock("10010002", 0);
    await expect(client.placeOrder(card("CQS1", "10010002", 1))).rejects.toBeInstanceOf(OutOfStockError);
    expect((await client.placeOrder(card("CQS1", "10010002", 1))).status).toBe("failed");
    expect(simulator.orders()).toHaveLength(0);
  });

  it("insufficient balance is InsufficientBalanceError; an invalid number is InvalidAccountError", async () => {
    const client = newClient();
    simulator.setBalance(100);
    await expect(client.placeOrder(mobile("CQB1"))).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect(simulator.balance()).toBe(100);
    simulator.setBalance(1_000_000);
    await expect(client.placeOrder(mobile("CQI1", "12345"))).rejects.toBeInstanceOf(InvalidAccountError);
    expect(simulator.orders()).toHaveLength(0);
  });

  for (const emptyAs of ["empty", "null", "encrypted-empty"] as const) {
    it(`F24: a coupon delivered SUCCESS with ${emptyAs} codes is never delivered as success`, async () => {
      const client = newClient();
      simulator.injectFault({ kind: "empty-card-code", emptyAs });
      await client.placeOrder(card("CQE1"));
      await expect(client.waitForFinal("CQE1", { deadlineMs: 600 })).rejects.toBeInstanceOf(
        DeadlineExceededError,
      );
      expect(simulator.order("CQE1")!.state).toBe("SUCCESS");
      const order = await client.getOrder("CQE1");
      expect(order.status).not.toBe("succeeded");
      expect(order.cards).toHaveLength(0);
      const http = createHttpTransport();
      try {
        const update = await adapterFor(simulator).queryOrder(
          "CQE1",
          { http, clock: Date, logger: silentLogger },
          { kind: "card" },
        );
        expect(update).toMatchObject({ status: "processing", vendorStatus: "SUCCESS", cards: [] });
      } finally {
        http.close();
      }
    });
  }

  it("a supplier-side failure ends failed and refunds", async () => {
    const client = newClient();
    const before = simulator.balance();
    await client.placeOrder(direct("CQX1", "will-fail"));
    expect((await client.waitForFinal("CQX1", { deadlineMs: 5_000 })).status).toBe("failed");
    expect(simulator.balance()).toBe(before);
  });

  it("delivers number-and-password and link coupons with their formats, expiry and cost", async () => {
    const client = newClient();
    await client.placeOrder(card("CQN1", "10010002", 1));
    await client.placeOrder(card("CQL1", "10020001", 2));
    const numbered = await client.waitForFinal("CQN1", { deadlineMs: 5_000 });
    const linked = await client.waitForFinal("CQL1", { deadlineMs: 5_000 });
    const ledgerNumbered = simulator.order("CQN1")!.cards[0]!;
    expect(numbered.cards[0]!.number?.reveal()).toBe(ledgerNumbered.number);
    expect(numbered.cards[0]!.password.reveal()).toBe(ledgerNumbered.password);
    expect(numbered.cards[0]!.format).toBe("code");
    expect(numbered.cards[0]!.expiresAt).toBe(new Date(ledgerNumbered.effectiveTime).toISOString());
    expect(numbered.cost).toEqual({ amount: "168.00", currency: "CNY" });
    expect(linked.status).toBe("succeeded");
    expect(linked.cards.map((c) => c.password.reveal()).sort()).toEqual(
      simulator
        .order("CQL1")!
        .cards.map((c) => c.link)
        .sort(),
    );
    expect(linked.cards.every((c) => c.format === "link")).toBe(true);
  });

  it("direct orders send ip only when given, and version 1.1.0", async () => {
    const client = newClient();
    await client.placeOrder({
      merchantOrderId: "CQIP1",
      kind: "direct",
      sku: "20002",
      account: "10001",
      accountFields: { customerIp: "203.0.113.7" },
    });
    await client.placeOrder(direct("CQIP2"));
    const [withIp, withoutIp] = simulator.requests("order/directCharge");
    expect(withIp!.params).toMatchObject({ ip: "203.0.113.7", version: "1.1.0", product_id: "20002" });
    expect(withoutIp!.params).not.toHaveProperty("ip");
    expect(withIp!.signatureValid && withoutIp!.signatureValid).toBe(true);
  });

  it("reads balance (元), stock and the two-step catalogue", async () => {
    const client = newClient();
    expect((await client.getBalance()).available).toEqual({ amount: "10000.00", currency: "CNY" });
    expect(await client.getStock("10010002", 1)).toMatchObject({ status: "in_stock", available: 5 });
    const products = await client.listProducts();
    expect(products.map((product) => product.sku).sort()).toEqual(["10010001", "10010002", "10020001"]);
    expect(products.find((product) => product.sku === "10010001")).toMatchObject({
      kind: "card",
      price: { amount: "19.80", currency: "CNY" },
      faceValue: { amount: "25.00", currency: "CNY" },
      saleStatus: "on_sale",
    });
    expect(
      simulator.requests("coupon/type/goods/list").map((request) => request.params.goods_type_id),
    ).toEqual(["101", "102"]);
  });

  it("reads a goods list in 分 when told so", async () => {
    await simulator.close();
    simulator = createChengquanSimulator({ goodsPriceUnit: "fen" });
    await simulator.start();
    const adapter = createChengquanAdapter({
      appId: simulator.appId,
      appKey: simulator.appKey,
      ...aesOf(simulator),
      endpoint: simulator.url,
      goodsPriceUnit: "fen",
      goodsTypeIds: [102],
    });
    const http = createHttpTransport();
    try {
      const products = await adapter.listProducts({}, { http, clock: Date, logger: silentLogger });
      expect(products).toEqual([
        expect.objectContaining({ sku: "10020001", price: { amount: "23.50", currency: "CNY" } }),
      ]);
    } finally {
      http.close();
    }
  });

  it("applies signed recharge and coupon callbacks and refuses forged ones", async () => {
    const client = newClient();
    simulator.setAutoSettle(false);
    await client.placeOrder(mobile("CQCB1"));
    await client.placeOrder(card("CQCB2", "10010001", 1));
    simulator.completeOrder("CQCB1", "success");
    simulator.completeOrder("CQCB2", "success");
    const events: StatusEvent[] = [];
    const handler = createCallbackHandler({ clients: [client], onEvent: (event) => void events.push(event) });
    const recharge = signedCallback(simulator, { order_no: "CQCB1", state: "SUCCESS" });
    const result = await handler.handle({ supplier: "chengquan", ...recharge });
    expect(result.ack.body).toBe("success");
    expect((await client.getStoredOrder("CQCB1"))?.status).toBe("succeeded");
    // A coupon callback carries no codes: the handler fetches them.
    const coupon = signedCallback(simulator, { user_order_no: "CQCB2", state: "SUCCESS" });
    expect((await handler.handle({ supplier: "chengquan", ...coupon })).ack.body).toBe("success");
    const stored = await client.getStoredOrder("CQCB2");
    expect(stored?.status).toBe("succeeded");
    expect(stored?.cards.map((c) => c.password.reveal())).toEqual(
      simulator.order("CQCB2")!.cards.map((c) => c.password),
    );
    expect(events.map((event) => event.status)).toEqual(["succeeded", "succeeded"]);
    const forged = { ...recharge, body: recharge.body.replace("state=SUCCESS", "state=FAILURE") };
    expect((await handler.handle({ supplier: "chengquan", ...forged })).outcome).toBe("rejected");
  });

  it("callbacks over the wire (extended fields, duplicated, out of order) are verified and applied", async () => {
    const events: StatusEvent[] = [];
    let handler: ReturnType<typeof createCallbackHandler> | undefined;
    const server = createServer((request, response) =>
      nodeCallbackListener(handler!, { supplier: "chengquan" })(request, response),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chengquan/notify`;
    try {
      await simulator.close();
      simulator = createChengquanSimulator({
        settleAfterMs: 30,
        callbackFields: "extended",
        callbackUrl: url,
      });
      await simulator.start();
      const client = newClient();
      handler = createCallbackHandler({ clients: [client], onEvent: (event) => void events.push(event) });
      simulator.injectFault({ kind: "duplicate-callback", orderNo: "CQW1" });
      simulator.injectFault({ kind: "out-of-order-callback", orderNo: "CQW2" });
      await client.placeOrder(mobile("CQW1"));
      await client.placeOrder(card("CQW2", "10010002", 1));
      await simulator.idle();
      const attempts = simulator.callbacks();
      expect(attempts.map((attempt) => attempt.reason).sort()).toEqual([
        "duplicate",
        "final",
        "final",
        "stale",
      ]);
      expect(attempts.every((attempt) => attempt.acknowledged && attempt.reply === "success")).toBe(true);
      expect(attempts.find((attempt) => attempt.orderNo === "CQW1")!.body).toContain("consume_amount=");
      expect((await client.getStoredOrder("CQW1"))?.status).toBe("succeeded");
      const coupon = await client.getStoredOrder("CQW2");
      expect(coupon?.status).toBe("succeeded");
      expect(coupon?.cards[0]?.password.reveal()).toBe(simulator.order("CQW2")!.cards[0]!.password);
      expect(events.filter((event) => event.merchantOrderId === "CQW1").map((event) => event.status)).toEqual(
        ["succeeded"],
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("no secret or card code reaches the debug log of a whole run", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "coupon/order/pay" });
    await client.placeOrder(card("CQLOG1", "10010002", 1));
    const final = await client.waitForFinal("CQLOG1", { deadlineMs: 5_000 });
    await client.listProducts();
    await client.getBalance();
    const codes = final.cards.flatMap((c) => [c.password.reveal(), c.number?.reveal() ?? ""]).filter(Boolean);
    expect(codes.length).toBeGreaterThan(0);
    expect(logLines.length).toBeGreaterThan(0);
    const { aesKey, aesIv } = aesOf(simulator);
    for (const line of logLines) {
      for (const secret of [simulator.appKey, aesKey, aesIv, ...codes]) expect(line).not.toContain(secret);
    }
  });
});

describe("Chengquan callbacks: what the simulator signs, the adapter verifies", () => {
  it("for random extra fields, and rejects any one-character change", async () => {
    const adapter = adapterFor(simulator);
    const context = { http: createHttpTransport(), clock: Date, logger: silentLogger };
    const characters = ["a", "Z", "0", "+", "%2B", "%", " ", "&", "=", "中", "文", "😀", "#", "?"];
    const value = fc.array(fc.constantFrom(...characters), { maxLength: 6 }).map((parts) => parts.join(""));
    const name = fc
      .array(fc.constantFrom("a", "q", "_", "中"), { minLength: 1, maxLength: 4 })
      .map((parts) => `x${parts.join("")}`);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(name, value, { maxKeys: 5 }),
          fc.constantFrom("order_no", "user_order_no"),
          fc.nat(),
          async (extra, idField, pick) => {
            const fields: Record<string, string> = {
              ...extra,
              app_id: simulator.appId,
              [idField]: "CQPROP01",
              state: "SUCCESS",
              timestamp: String(Date.now()),
            };
            const signed = simulator.signParams(fields);
            const { update } = await adapter.verifyCallback!({ body: signed.encoded, headers: {} }, context);
            expect(update).toMatchObject({ merchantOrderId: "CQPROP01", status: "succeeded" });
            expect(update.supplierOrderId).toBeUndefined();
            // One character of one field changes (an empty field gains one): the signature fails.
            // (Hex digits only: the builder compares the hex case-insensitively, so B → b is no change.)
            const names = Object.keys(signed.params);
            const target = names[pick % names.length]!;
            const original = [...(signed.params[target] ?? "")];
            if (original.length === 0) original.push("0");
            else {
              const index = pick % original.length;
              original[index] = original[index] === "0" ? "1" : "0";
            }
            const tampered = new URLSearchParams({
              ...signed.params,
              [target]: original.join(""),
            }).toString();
            await expect(adapter.verifyCallback!({ body: tampered, headers: {} }, context)).rejects.toSatisfy(
              (error) => SignatureError.isInstance(error),
            );
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      context.http.close();
    }
  });
});

describe("signCallback for Chengquan", () => {
  it("signs callbacks the Chengquan adapter verifies, and a wrong key does not", async () => {
    const { signCallback } = await import("kaquan/testing");
    const { createHttpTransport, silentLogger } = await import("kaquan");
    const keys = {
      appId: "cq-app",
      appKey: "cq-key-0001",
      aesKey: "0123456789abcdef",
      aesIv: "fedcba9876543210",
    };
    const adapter = createChengquanAdapter({ ...keys, endpoint: "http://127.0.0.1:1/" });
    const http = createHttpTransport();
    const context = { http, clock: { now: () => Date.now() }, logger: silentLogger };
    const fields = {
      app_id: "cq-app",
      order_no: "CQ-SIGN-1",
      state: "SUCCESS",
      timestamp: String(Date.now()),
    };
    const signed = signCallback("chengquan", fields, { appKey: keys.appKey });
    const { update } = await adapter.verifyCallback!({ body: signed.body, headers: signed.headers }, context);
    expect(update).toMatchObject({ merchantOrderId: "CQ-SIGN-1", status: "succeeded" });
    const wrong = signCallback("chengquan", fields, { appKey: "another-key" });
    await expect(
      adapter.verifyCallback!({ body: wrong.body, headers: wrong.headers }, context),
    ).rejects.toThrow(/signature/);
    http.close();
  });
});
