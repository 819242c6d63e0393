import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import {
  createHttpTransport,
  createSupplierClient,
  InsufficientBalanceError,
  InvalidAccountError,
  MemoryIdempotencyStore,
  md5Hex,
  type StatusEvent,
  type SupplierClient,
  silentLogger,
} from "kaquan";
import { createOfpayAdapter, type OfpayAdapterOptions } from "kaquan/adapters/ofpay";
import { createCallbackHandler, nodeCallbackListener } from "kaquan/callbacks";
import { createOfpaySimulator, type OfpaySimulator, runAdapterConformance } from "kaquan/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ARRIVAL_SKEW_MS } from "./arrival-skew.js";

runAdapterConformance({
  name: "ofpay",
  test: it,
  async start() {
    const simulator = createOfpaySimulator({ settleAfterMs: 20, slowSettleAfterMs: 40 });
    await simulator.start();
    return {
      adapter: createOfpayAdapter({
        userId: simulator.userId,
        password: simulator.password,
        keyStr: simulator.keyStr,
        endpoint: simulator.url,
        pollIntervalMs: 20,
        notFoundGraceMs: 200,
      }),
      fixtures: {
        mobile: { account: "13800138000", faceValue: { amount: "100", currency: "CNY" }, sku: "140101" },
        unknownSku: "999999",
      },
      // Unsigned callbacks (verification by re-query): no callbackFor.
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      close: () => simulator.close(),
    };
  },
});

let simulator: OfpaySimulator;
let clients: SupplierClient[] = [];
let servers: Server[] = [];
let logLines: string[] = [];

function adapterFor(options: Partial<OfpayAdapterOptions> = {}) {
  return createOfpayAdapter({
    userId: simulator.userId,
    password: simulator.password,
    keyStr: simulator.keyStr,
    endpoint: simulator.url,
    pollIntervalMs: 20,
    notFoundGraceMs: 150,
    ...options,
  });
}

function newClient(
  options: { store?: MemoryIdempotencyStore; adapter?: Partial<OfpayAdapterOptions> } = {},
): SupplierClient {
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
    adapter: adapterFor(options.adapter),
    http: { timeoutMs: 500 },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    resolveTimeoutMs: 3_000,
    logger,
    ...(options.store ? { store: options.store } : {}),
  });
  clients.push(client);
  return client;
}

/**
 * A callback endpoint on 127.0.0.1, started before the client so its URL can be the adapter's
 * `notifyUrl` (`ret_url`); `serve` then connects it to `createCallbackHandler` for that client.
 */
async function callbackEndpoint(): Promise<{
  url: string;
  serve(client: SupplierClient): StatusEvent[];
}> {
  let listener: ReturnType<typeof nodeCallbackListener> | undefined;
  const server = createServer((request, response) => {
    if (listener) listener(request, response);
    else response.writeHead(503).end("not ready");
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ofpay/callback`,
    serve(client) {
      const events: StatusEvent[] = [];
      const handler = createCallbackHandler({
        clients: [client],
        onEvent: (event) => void events.push(event),
      });
      listener = nodeCallbackListener(handler, { supplier: "ofpay" });
      return events;
    },
  };
}

const order = (merchantOrderId: string, options: { account?: string; sku?: string; face?: string } = {}) => ({
  merchantOrderId,
  kind: "mobile" as const,
  account: options.account ?? "13800138000",
  faceValue: { amount: options.face ?? "50", currency: "CNY" },
  ...(options.sku ? { sku: options.sku } : {}),
});

const committed = (sporderId: string) => simulator.orders().filter((o) => o.sporderId === sporderId);
const placements = (sporderId: string) =>
  simulator.requests("onlineorder.do").filter((record) => record.sporderId === sporderId);

beforeEach(async () => {
  logLines = [];
  simulator = createOfpaySimulator({ settleAfterMs: 30, slowSettleAfterMs: 60 });
  await simulator.start();
});

afterEach(async () => {
  for (const client of clients) client.close();
  clients = [];
  await simulator.close();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  servers = [];
});

describe("OFPay end to end under faults: one order at the supplier, the real final state reported", () => {
  it("signs every request the way the supplier verifies it", async () => {
    const client = newClient();
    await client.placeOrder(order("OF-SIGN-1"));
    await client.waitForFinal("OF-SIGN-1", { deadlineMs: 5_000 });
    await client.getBalance();
    const signed = simulator
      .requests()
      .filter((record) => record.endpoint === "onlineorder.do" || record.endpoint === "queryOrderInfo.do");
    expect(signed.length).toBeGreaterThanOrEqual(2);
    for (const record of signed) {
      expect(record.md5Valid).toBe(true);
      expect(record.retcode).toBe("1");
      expect(record.format).toBe("json");
      expect(record.params.userpws).toBe(simulator.userpws);
    }
  });

  it("F1: committed, then the connection dropped → exactly one order, its real final state", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "onlineorder.do" });
    const placed = await client.placeOrder(order("OF-DROP-1"));
    expect(placed.status).not.toBe("failed");
    expect(placed.meta.resolvedBy).toBe("query");
    expect((await client.waitForFinal("OF-DROP-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("OF-DROP-1")).toHaveLength(1);
    expect(committed("OF-DROP-1")[0]!.gameState).toBe("1");
    expect(placements("OF-DROP-1")).toHaveLength(1);
  });

  it("F1 for an order that fails at the supplier: the real final state is failed, and refunded", async () => {
    const client = newClient();
    const before = simulator.balance();
    simulator.injectFault({ kind: "commit-then-drop", method: "onlineorder.do" });
    await client.placeOrder(order("OF-DROP-fail-2"));
    expect((await client.waitForFinal("OF-DROP-fail-2", { deadlineMs: 5_000 })).status).toBe("failed");
    expect(committed("OF-DROP-fail-2")).toHaveLength(1);
    expect(placements("OF-DROP-fail-2")).toHaveLength(1);
    expect(simulator.balance()).toBe(before);
  });

  it("system error (9999) after the order was committed → adopted by query, never failed", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "system-error", method: "onlineorder.do" });
    const placed = await client.placeOrder(order("OF-SYS-1"));
    expect(placed.status).not.toBe("failed");
    expect((await client.waitForFinal("OF-SYS-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("OF-SYS-1")).toHaveLength(1);
    expect(placements("OF-SYS-1")).toHaveLength(1);
    expect(placements("OF-SYS-1")[0]!.retcode).toBe("9999");
  });

  it("dropped before commit → not found past the grace window, re-sent once with the same sporder_id", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "drop-before-commit", method: "onlineorder.do" });
    const placed = await client.placeOrder(order("OF-LOST-1"));
    expect(placed.status).not.toBe("failed");
    expect((await client.waitForFinal("OF-LOST-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("OF-LOST-1")).toHaveLength(1);
    const sent = placements("OF-LOST-1");
    expect(sent).toHaveLength(2);
    // Re-sent only once the grace window had passed (measured from kaquan's send: see ARRIVAL_SKEW_MS).
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(150 - ARRIVAL_SKEW_MS);
  });

  it("F16: not found for a while after a lost answer is lag, not absence", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "not-found-until", queries: 2 });
    simulator.injectFault({ kind: "commit-then-drop", method: "onlineorder.do" });
    await client.placeOrder(order("OF-LAG-1"));
    expect((await client.waitForFinal("OF-LAG-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("OF-LAG-1")).toHaveLength(1);
    expect(placements("OF-LAG-1")).toHaveLength(1);
  });

  it("a duplicate sporder_id from a second client with its own store is adopted (1008)", async () => {
    const first = newClient();
    await first.placeOrder(order("OF-DUP-1"));
    const amnesiac = newClient({ store: new MemoryIdempotencyStore() });
    const again = await amnesiac.placeOrder(order("OF-DUP-1"));
    expect(again.status).not.toBe("failed");
    expect((await amnesiac.waitForFinal("OF-DUP-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("OF-DUP-1")).toHaveLength(1);
    expect(placements("OF-DUP-1").map((record) => record.retcode)).toEqual(["1", "1008"]);
  });

  it("insufficient balance is InsufficientBalanceError, an unsupported number InvalidAccountError; nothing created", async () => {
    const client = newClient();
    simulator.setBalance("1.00");
    await expect(client.placeOrder(order("OF-BAL-1"))).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect((await client.placeOrder(order("OF-BAL-1"))).status).toBe("failed");
    simulator.setBalance("1000.00");
    await expect(client.placeOrder(order("OF-NUM-1", { account: "17012345678" }))).rejects.toBeInstanceOf(
      InvalidAccountError,
    );
    expect(simulator.orders()).toHaveLength(0);
    expect(simulator.balance()).toBe("1000.00");
  });

  it("a slow recharge (170101) carries mctype and settles", async () => {
    const client = newClient({ adapter: { slowRechargeHours: "4" } });
    await client.placeOrder(order("OF-SLOW-1", { sku: "170101", face: "100" }));
    expect((await client.waitForFinal("OF-SLOW-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("OF-SLOW-1")[0]).toMatchObject({
      speed: "slow",
      mctype: "4",
      cardid: "170101",
      price: "96.00",
    });
    await client.placeOrder(order("OF-FAST-1"));
    expect(committed("OF-FAST-1")[0]).toMatchObject({ speed: "fast", cardid: "140101" });
    expect(committed("OF-FAST-1")[0]!.mctype).toBeUndefined();
    expect(placements("OF-FAST-1")[0]!.params.mctype).toBeUndefined();
  });

  it("a supplier-side failure ends failed and refunds", async () => {
    const client = newClient();
    const before = simulator.balance();
    await client.placeOrder(order("OF-X-1", { account: "13800130009" }));
    const final = await client.waitForFinal("OF-X-1", { deadlineMs: 5_000 });
    expect(final.status).toBe("failed");
    expect(final.vendorStatus).toBe("9");
    expect(simulator.balance()).toBe(before);
  });

  it("a rate limit (1010) is retried", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "rate-limit", method: "onlineorder.do" });
    const placed = await client.placeOrder(order("OF-RATE-1"));
    expect(placed.meta.attempts).toBe(2);
    expect(committed("OF-RATE-1")).toHaveLength(1);
  });

  it("100 concurrent placements of one sporder_id reach the supplier once", async () => {
    const client = newClient();
    await Promise.all(Array.from({ length: 100 }, () => client.placeOrder(order("OF-P-1"))));
    expect(placements("OF-P-1")).toHaveLength(1);
  });

  it("reads the balance, checks and quotes a number, and reconciles against the bill", async () => {
    const client = newClient();
    expect((await client.getBalance()).available).toEqual({ amount: "10000.00", currency: "CNY" });
    await client.placeOrder(order("OF-BILL-1"));
    await client.placeOrder(order("OF-BILL-2", { sku: "170101" }));
    await client.waitForFinal("OF-BILL-1", { deadlineMs: 5_000 });
    await client.waitForFinal("OF-BILL-2", { deadlineMs: 5_000 });
    const adapter = adapterFor();
    const http = createHttpTransport();
    const context = { http, clock: { now: () => Date.now() }, logger: silentLogger };
    try {
      await expect(adapter.checkNumber("13800138000", 50, context)).resolves.toBeUndefined();
      const info = await adapter.lookupNumber("13800138000", context);
      expect(info?.segment).toBe("1380013");
      expect(info?.carrier).toMatch(/移动|联通|电信/);
      expect(await adapter.lookupNumber("12", context)).toBeUndefined();
      await expect(adapter.checkNumber("17012345678", 50, context)).rejects.toBeInstanceOf(
        InvalidAccountError,
      );
      expect(await adapter.quote("13800138000", 50, context)).toEqual({
        cardid: "140101",
        cardname: "北京移动话费50元快充",
        price: { amount: "49.80", currency: "CNY" },
        gameArea: "北京移动",
      });
      expect((await adapter.quote("13800138000", 50, context, "slow")).cardid).toBe("170101");
      const now = Date.now();
      const bill = await adapter.bill(now, now, context);
      expect(bill).toEqual(simulator.bill(now - 86_400_000, now + 86_400_000).map((row) => ({ ...row })));
      expect(bill.map((row) => [row.sporder_id, row.game_state])).toEqual([
        ["OF-BILL-1", "1"],
        ["OF-BILL-2", "1"],
      ]);
      expect((await adapter.bill(now, now, context, { cardid: "17" })).map((row) => row.sporder_id)).toEqual([
        "OF-BILL-2",
      ]);
      expect(simulator.requests("querybill.do").every((record) => record.md5Valid)).toBe(true);
    } finally {
      http.close();
    }
  });

  it("no secret reaches the debug log of a whole run", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "onlineorder.do" });
    simulator.injectFault({ kind: "system-error", method: "onlineorder.do", sporderId: "OF-LOG-2" });
    await client.placeOrder(order("OF-LOG-1"));
    await client.placeOrder(order("OF-LOG-2"));
    await client.waitForFinal("OF-LOG-1", { deadlineMs: 5_000 });
    await client.waitForFinal("OF-LOG-2", { deadlineMs: 5_000 });
    simulator.setBalance("0.00");
    await client.placeOrder(order("OF-LOG-3")).catch(() => undefined);
    await client.getBalance();
    const log = logLines.join("\n");
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [simulator.password, simulator.keyStr, simulator.userpws]) {
      expect(log).not.toContain(secret);
    }
    for (const record of simulator.requests()) {
      if (record.params.md5_str) expect(log).not.toContain(record.params.md5_str);
    }
    expect(log).not.toContain(md5Hex(simulator.password));
  });
});

describe("OFPay unsigned callbacks: only the supplier's own answer is applied", () => {
  it("a forged callback claiming success for a failed order is not applied: the pipeline re-queries", async () => {
    const endpoint = await callbackEndpoint();
    const client = newClient();
    const events = endpoint.serve(client);
    simulator.setAutoSettle(false);
    await client.placeOrder(order("OF-FORGE-1"));
    simulator.completeOrder("OF-FORGE-1", "failed");
    const queriesBefore = simulator.requests("queryOrderInfo.do").length;
    const attempts = await simulator.sendCallback(
      "OF-FORGE-1",
      { ret_code: "1", err_msg: "" },
      { url: endpoint.url },
    );
    expect(attempts[0]).toMatchObject({ retCode: "1", contradictsLedger: true, acknowledged: true });
    expect(attempts[0]!.reply).toBe("OK");
    expect(events.map((event) => event.status)).toEqual(["failed"]);
    expect((await client.getStoredOrder("OF-FORGE-1"))?.status).toBe("failed");
    // The callback only triggered a query; the supplier's answer is what was applied.
    expect(simulator.requests("queryOrderInfo.do").length).toBeGreaterThan(queriesBefore);
  });

  it("a forged success right after acceptance leaves the order processing; the genuine failure applies", async () => {
    const endpoint = await callbackEndpoint();
    const client = newClient({ adapter: { notifyUrl: endpoint.url } });
    const events = endpoint.serve(client);
    simulator.setAutoSettle(false);
    simulator.injectFault({ kind: "forged-callback", when: "accepted" });
    await client.placeOrder(order("OF-FORGE-2"));
    expect(committed("OF-FORGE-2")[0]!.retUrl).toBe(endpoint.url);
    await simulator.idle();
    const forged = simulator.callbacks("OF-FORGE-2").filter((attempt) => attempt.reason === "forged");
    expect(forged.length).toBeGreaterThan(0);
    expect(forged[0]).toMatchObject({ retCode: "1", contradictsLedger: true });
    expect((await client.getStoredOrder("OF-FORGE-2"))?.status).toBe("processing");
    expect(events.map((event) => event.status)).not.toContain("succeeded");

    simulator.completeOrder("OF-FORGE-2", "failed");
    await simulator.idle();
    const genuine = simulator.callbacks("OF-FORGE-2").filter((attempt) => attempt.reason === "final");
    expect(genuine.at(-1)).toMatchObject({ retCode: "9", acknowledged: true, reply: "OK" });
    expect((await client.getStoredOrder("OF-FORGE-2"))?.status).toBe("failed");
    expect(events.map((event) => event.status)).not.toContain("succeeded");
    expect(events.at(-1)?.status).toBe("failed");
  });

  it("a genuine final callback is applied after a query and acknowledged with OK", async () => {
    const endpoint = await callbackEndpoint();
    const client = newClient({ adapter: { notifyUrl: endpoint.url } });
    const events = endpoint.serve(client);
    await client.placeOrder(order("OF-CB-1"));
    await simulator.idle();
    const attempts = simulator.callbacks("OF-CB-1");
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ retCode: "1", acknowledged: true, reply: "OK" });
    expect(events.map((event) => event.status)).toEqual(["succeeded"]);
    expect((await client.getStoredOrder("OF-CB-1"))?.status).toBe("succeeded");
  });

  it("a phantom callback for an order kaquan never placed is refused", async () => {
    const endpoint = await callbackEndpoint();
    const client = newClient();
    const events = endpoint.serve(client);
    const attempts = await simulator.sendCallback("OF-NEVER-1", {}, { url: endpoint.url });
    expect(attempts.every((attempt) => !attempt.acknowledged)).toBe(true);
    expect(events).toEqual([]);
    expect(await client.getStoredOrder("OF-NEVER-1")).toBeUndefined();
  });
});
