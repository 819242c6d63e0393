import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import {
  createHttpTransport,
  createSupplierClient,
  InsufficientBalanceError,
  InvalidAccountError,
  MemoryIdempotencyStore,
  type StatusEvent,
  type SupplierClient,
  silentLogger,
} from "kaquan";
import { createDtoneAdapter, type DtoneAdapterOptions } from "kaquan/adapters/dtone";
import { createCallbackHandler, nodeCallbackListener } from "kaquan/callbacks";
import { createDtoneSimulator, type DtoneSimulator, type DtoneSimulatorOptions } from "kaquan/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runAdapterConformance } from "../../src/testing/conformance.js";

const fastSandbox: DtoneSimulatorOptions = {
  settleAfterMs: 20,
  sandboxDelaysMs: { 1: 40, 2: 80, 3: 120 },
  reversalAfterMs: 20,
};

runAdapterConformance({
  name: "dtone",
  test: it,
  finalDeadlineMs: 10_000,
  async start() {
    const simulator = createDtoneSimulator(fastSandbox);
    await simulator.start();
    const adapter = createDtoneAdapter({
      apiKey: simulator.apiKey,
      apiSecret: simulator.apiSecret,
      environment: "sandbox",
      endpoint: simulator.url,
      pollIntervalMs: 20,
      notFoundGraceMs: 200,
    });
    return {
      adapter,
      fixtures: {
        direct: { sku: "10004", account: "53012345678" },
        card: { sku: "10003" },
        // A ranged Telkomsel product: the IDR faceValue is the destination amount.
        mobile: { account: "+6281234567890", faceValue: { amount: "75000", currency: "IDR" }, sku: "10002" },
        unknownSku: "99999",
      },
      setRawOrderStatus: (merchantOrderId, rawStatus) =>
        simulator.setRawOrderState(merchantOrderId, rawStatus),
      close: () => simulator.close(),
    };
  },
});

let simulator: DtoneSimulator;
let clients: SupplierClient[] = [];
let servers: Server[] = [];
let logLines: string[] = [];

function adapterFor(options: Partial<DtoneAdapterOptions> = {}) {
  return createDtoneAdapter({
    apiKey: simulator.apiKey,
    apiSecret: simulator.apiSecret,
    environment: "sandbox",
    endpoint: simulator.url,
    pollIntervalMs: 20,
    notFoundGraceMs: 150,
    ...options,
  });
}

function newClient(
  options: {
    store?: MemoryIdempotencyStore;
    timeoutMs?: number;
    adapter?: Partial<DtoneAdapterOptions>;
  } = {},
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
    http: { timeoutMs: options.timeoutMs ?? 1_000 },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    resolveTimeoutMs: 3_000,
    logger,
    ...(options.store ? { store: options.store } : {}),
  });
  clients.push(client);
  return client;
}

/** A callback endpoint on 127.0.0.1, started first so its URL can be the adapter's `callbackUrl`. */
async function callbackEndpoint(): Promise<{ url: string; serve(client: SupplierClient): StatusEvent[] }> {
  let listener: ((request: never, response: never) => void) | undefined;
  const server = createServer((request, response) => {
    if (listener) listener(request as never, response as never);
    else response.writeHead(503).end("not ready");
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dtone/callback`,
    serve(client) {
      const events: StatusEvent[] = [];
      const handler = createCallbackHandler({
        clients: [client],
        onEvent: (event) => void events.push(event),
      });
      listener = nodeCallbackListener(handler, { supplier: "dtone" }) as never;
      return events;
    },
  };
}

const airtime = (merchantOrderId: string, account = "+6591234567") => ({
  merchantOrderId,
  kind: "mobile" as const,
  sku: "10001",
  account,
});
const giftCard = (merchantOrderId: string) => ({ merchantOrderId, kind: "card" as const, sku: "10003" });

const committed = (externalId: string) => simulator.orders().filter((tx) => tx.externalId === externalId);
const creations = (externalId: string) =>
  simulator.requests("createTransaction").filter((record) => record.externalId === externalId);

beforeEach(async () => {
  logLines = [];
  simulator = createDtoneSimulator(fastSandbox);
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

describe("DT One end to end: one transaction at DVS, its real state reported", () => {
  it("places airtime asynchronously with Basic auth, auto_confirm and the product's own amount", async () => {
    const client = newClient();
    const before = simulator.balance();
    const placed = await client.placeOrder(airtime("DT-AIR-1"));
    expect(placed.status).toBe("processing");
    expect(placed.supplierOrderId).toBe(committed("DT-AIR-1")[0]!.id);
    const final = await client.waitForFinal("DT-AIR-1", { deadlineMs: 5_000 });
    expect(final).toMatchObject({
      status: "succeeded",
      vendorStatus: "COMPLETED",
      cost: { amount: "7.30", currency: "USD" },
      account: "+6591234567",
    });
    const [create] = creations("DT-AIR-1");
    expect(create!.authorized).toBe(true);
    expect(create!.path).toBe("/v1/async/transactions");
    expect(create!.body).toEqual({
      external_id: "DT-AIR-1",
      product_id: 10001,
      auto_confirm: true,
      credit_party_identifier: { mobile_number: "+6591234567" },
    });
    expect(committed("DT-AIR-1")[0]!.history.map((entry) => entry.status)).toEqual([
      "CREATED",
      "CONFIRMED",
      "SUBMITTED",
      "COMPLETED",
    ]);
    expect(simulator.ledger("DT-AIR-1").map((entry) => entry.movement)).toEqual(["authorize", "capture"]);
    expect(simulator.balance()).toBe("9992.70");
    expect(before).toBe("10000.00");
  });

  it("F1: commit-then-drop → exactly one transaction, its real state found by external_id", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "createTransaction" });
    const placed = await client.placeOrder(airtime("DT-F1-1"));
    expect(placed.status).not.toBe("failed");
    expect(placed.meta.resolvedBy).toBe("query");
    expect((await client.waitForFinal("DT-F1-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("DT-F1-1")).toHaveLength(1);
    expect(creations("DT-F1-1")).toHaveLength(1);
    expect(
      simulator.requests("transactions").some((record) => record.path.includes("external_id=DT-F1-1")),
    ).toBe(true);
    expect(simulator.ledger("DT-F1-1").map((entry) => entry.movement)).toEqual(["authorize", "capture"]);
  });

  it("F1 for a declined transaction: the real final state is failed, and the hold is voided", async () => {
    const client = newClient();
    const before = simulator.balance();
    simulator.injectFault({ kind: "commit-then-drop", method: "createTransaction" });
    await client.placeOrder(airtime("DT-F1-2", "+6591234102"));
    const final = await client.waitForFinal("DT-F1-2", { deadlineMs: 5_000 });
    expect(final).toMatchObject({
      status: "failed",
      vendorStatus: "DECLINED-INVALID-CREDIT-PARTY",
      failure: { code: "invalid_account", vendorCode: "DECLINED-INVALID-CREDIT-PARTY" },
    });
    expect(committed("DT-F1-2")).toHaveLength(1);
    expect(simulator.ledger("DT-F1-2").map((entry) => entry.movement)).toEqual(["authorize", "void"]);
    expect(simulator.balance()).toBe(before);
  });

  const uncommitted = [
    ["the connection dropped before commit", { kind: "drop-before-commit" as const }],
    ["a bare 500", { kind: "http-500" as const }],
    ["an HTML gateway page", { kind: "html-gateway" as const }],
  ] as const;
  for (const [name, fault] of uncommitted) {
    it(`${name}: not found past the grace window, re-sent once with the same external_id`, async () => {
      const client = newClient();
      simulator.injectFault({ ...fault, method: "createTransaction" });
      expect((await client.placeOrder(airtime("DT-U-1"))).status).not.toBe("failed");
      expect((await client.waitForFinal("DT-U-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
      expect(committed("DT-U-1")).toHaveLength(1);
      expect(creations("DT-U-1")).toHaveLength(2);
    });
  }

  it("committed, then a late or malformed answer: adopted by query, never re-sent", async () => {
    for (const [id, fault] of [
      ["DT-L-1", { kind: "delay" as const, delayMs: 1_500 }],
      ["DT-L-2", { kind: "malformed-json" as const }],
    ] as const) {
      const client = newClient({ timeoutMs: 500 });
      simulator.injectFault({ ...fault, method: "createTransaction" });
      expect((await client.placeOrder(airtime(id))).status).not.toBe("failed");
      expect((await client.waitForFinal(id, { deadlineMs: 5_000 })).status).toBe("succeeded");
      expect(committed(id)).toHaveLength(1);
      expect(creations(id)).toHaveLength(1);
    }
  });

  it("F16: a not-found lag after a lost answer is lag, not absence", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "not-found-until", queries: 3 });
    simulator.injectFault({ kind: "commit-then-drop", method: "createTransaction" });
    expect((await client.placeOrder(airtime("DT-NF-1"))).status).not.toBe("failed");
    expect((await client.waitForFinal("DT-NF-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("DT-NF-1")).toHaveLength(1);
    expect(creations("DT-NF-1")).toHaveLength(1);
  });

  it("a 429 is retried after Retry-After", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "rate-limit", method: "createTransaction" });
    const placed = await client.placeOrder(airtime("DT-R-1"));
    expect(placed.meta.attempts).toBe(2);
    expect(committed("DT-R-1")).toHaveLength(1);
  });

  it("a duplicate external_id (1007001) is adopted from DVS, not failed and not re-created", async () => {
    const first = newClient();
    await first.placeOrder(airtime("DT-D-1"));
    const amnesiac = newClient({ store: new MemoryIdempotencyStore() });
    const again = await amnesiac.placeOrder(airtime("DT-D-1"));
    expect(again.status).not.toBe("failed");
    expect(again.supplierOrderId).toBe(committed("DT-D-1")[0]!.id);
    expect((await amnesiac.waitForFinal("DT-D-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("DT-D-1")).toHaveLength(1);
    const answers = creations("DT-D-1").map((record) => [record.httpStatus, record.errorCode]);
    expect(answers).toEqual([
      [201, undefined],
      [400, 1007001],
    ]);
  });

  it("insufficient balance (1006001) is an InsufficientBalanceError, nothing held, whatever the HTTP status", async () => {
    for (const status of [400, 503]) {
      await simulator.close();
      simulator = createDtoneSimulator({
        ...fastSandbox,
        balance: "5.00",
        insufficientBalanceHttpStatus: status,
      });
      await simulator.start();
      const client = newClient();
      const error = await client.placeOrder(airtime(`DT-B-${status}`)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InsufficientBalanceError);
      expect((error as InsufficientBalanceError).vendorCode).toBe("1006001");
      expect((error as InsufficientBalanceError).httpStatus).toBe(status);
      expect((await client.getStoredOrder(`DT-B-${status}`))?.status).toBe("failed");
      expect(simulator.orders()).toHaveLength(0);
      expect(simulator.balance()).toBe("5.00");
      expect(simulator.holding()).toBe("0.00");
    }
  });

  it("a credit party DVS refuses at creation (1005003) is an InvalidAccountError; nothing is created or held", async () => {
    const client = newClient();
    // A direct (account-number) order for an airtime product that needs a mobile number.
    const error = await client
      .placeOrder({ merchantOrderId: "DT-I-1", kind: "direct", sku: "10001", account: "meter-1" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidAccountError);
    expect((error as InvalidAccountError).vendorCode).toBe("1005003");
    expect((await client.getStoredOrder("DT-I-1"))?.status).toBe("failed");
    expect(simulator.orders()).toHaveLength(0);
    expect(simulator.holding()).toBe("0.00");
    // A number without its "+" is sent in E.164 form.
    await client.placeOrder(airtime("DT-I-2", "6591234567"));
    expect(committed("DT-I-2")[0]!.mobileNumber).toBe("+6591234567");
  });

  it("sandbox suffixes: x01 PIN, x05 DECLINED-DUPLICATED-TRANSACTION, x07 DECLINED-EXCEPTION, x10 REJECTED", async () => {
    const client = newClient();
    await client.placeOrder(airtime("DT-S-1", "+6591234101"));
    await client.placeOrder(airtime("DT-S-5", "+6591234105"));
    await client.placeOrder(airtime("DT-S-7", "+6591234307"));
    await client.placeOrder(airtime("DT-S-10", "+6591234110"));
    const pinBased = await client.waitForFinal("DT-S-1", { deadlineMs: 5_000 });
    expect(pinBased.status).toBe("succeeded");
    expect(pinBased.cards).toHaveLength(1);
    expect(pinBased.cards[0]!.password.reveal()).toBe(committed("DT-S-1")[0]!.pin!.code);
    expect(JSON.stringify(pinBased)).not.toContain(committed("DT-S-1")[0]!.pin!.code);
    expect(await client.waitForFinal("DT-S-5", { deadlineMs: 5_000 })).toMatchObject({
      status: "failed",
      failure: { code: "duplicated_transaction" },
    });
    expect(await client.waitForFinal("DT-S-7", { deadlineMs: 5_000 })).toMatchObject({
      status: "failed",
      vendorStatus: "DECLINED-EXCEPTION",
      failure: { code: "supplier_failed" },
    });
    expect(await client.waitForFinal("DT-S-10", { deadlineMs: 5_000 })).toMatchObject({
      status: "failed",
      vendorStatus: "REJECTED-INVALID-CREDIT-PARTY",
      failure: { code: "invalid_account" },
    });
  });

  it("a gift card (PIN purchase) needs no credit party and delivers its PIN as a Secret", async () => {
    const client = newClient();
    await client.placeOrder(giftCard("DT-G-1"));
    const final = await client.waitForFinal("DT-G-1", { deadlineMs: 5_000 });
    const pin = committed("DT-G-1")[0]!.pin!;
    expect(final.status).toBe("succeeded");
    expect(final.cards[0]!.password.reveal()).toBe(pin.code);
    expect(final.cards[0]!.number?.reveal()).toBe(pin.serial);
    expect(creations("DT-G-1")[0]!.body).not.toHaveProperty("credit_party_identifier");
  });

  it("a ranged product takes faceValue as the destination amount, or as the source amount in its currency", async () => {
    const client = newClient();
    await client.placeOrder({
      merchantOrderId: "DT-RG-1",
      kind: "mobile",
      sku: "10002",
      account: "+6281234567890",
      faceValue: { amount: "150000", currency: "IDR" },
    });
    await client.placeOrder({
      merchantOrderId: "DT-RG-2",
      kind: "mobile",
      sku: "10002",
      account: "+6281234567890",
      faceValue: { amount: "10.50", currency: "USD" },
    });
    expect(creations("DT-RG-1")[0]!.body).toMatchObject({
      calculation_mode: "DESTINATION_AMOUNT",
      destination: { unit_type: "CURRENCY", unit: "IDR", amount: 150000 },
    });
    expect(creations("DT-RG-2")[0]!.body).toMatchObject({
      calculation_mode: "SOURCE_AMOUNT",
      source: { unit_type: "CURRENCY", unit: "USD", amount: 10.5 },
    });
    expect(committed("DT-RG-1")[0]).toMatchObject({
      source: { unit: "USD", amount: "10.00" },
      destination: { unit: "IDR", amount: "150000.00" },
      cost: "10.00",
    });
    expect(committed("DT-RG-2")[0]!.destination).toEqual({ unit: "IDR", amount: "157500.00" });
    expect((await client.waitForFinal("DT-RG-2", { deadlineMs: 5_000 })).cost).toEqual({
      amount: "10.50",
      currency: "USD",
    });
  });

  it("sync mode holds the connection until the final status, or answers SUBMITTED when DVS stops holding", async () => {
    await simulator.close();
    simulator = createDtoneSimulator({ ...fastSandbox, syncHoldMs: 60 });
    await simulator.start();
    const client = newClient({ adapter: { mode: "sync" } });
    const placed = await client.placeOrder(airtime("DT-SY-1"));
    expect(placed.status).toBe("succeeded");
    expect(creations("DT-SY-1")[0]!.path).toBe("/v1/sync/transactions");
    // A 3xx number takes longer than the hold: the answer is SUBMITTED, the rest comes by query.
    const slow = await client.placeOrder(airtime("DT-SY-2", "+6591234300"));
    expect(slow).toMatchObject({ status: "processing", vendorStatus: "SUBMITTED" });
    expect((await client.waitForFinal("DT-SY-2", { deadlineMs: 5_000 })).status).toBe("succeeded");
  });

  it("insufficient balance as a REJECTED-INSUFFICIENT-BALANCE transaction is a failed order", async () => {
    await simulator.close();
    simulator = createDtoneSimulator({
      ...fastSandbox,
      balance: "1.00",
      insufficientBalance: "rejected-status",
    });
    await simulator.start();
    const client = newClient();
    const placed = await client.placeOrder(airtime("DT-RB-1"));
    expect(placed).toMatchObject({
      status: "failed",
      vendorStatus: "REJECTED-INSUFFICIENT-BALANCE",
      failure: { code: "insufficient_balance" },
    });
    expect(simulator.ledger("DT-RB-1")).toHaveLength(0);
    expect(simulator.balance()).toBe("1.00");
  });

  it("without auto_confirm, kaquan creates then confirms; cancel releases a transaction left CREATED", async () => {
    const client = newClient({ adapter: { autoConfirm: false } });
    await client.placeOrder(airtime("DT-C-1"));
    expect(creations("DT-C-1")[0]!.body).toMatchObject({ auto_confirm: false });
    expect(simulator.requests("confirmTransaction")).toHaveLength(1);
    expect((await client.waitForFinal("DT-C-1", { deadlineMs: 5_000 })).status).toBe("succeeded");

    simulator.injectFault({ kind: "drop-before-commit", method: "confirmTransaction" });
    const placed = await client.placeOrder(airtime("DT-C-2"));
    expect(placed).toMatchObject({ status: "processing", vendorStatus: "CREATED" });
    const adapter = adapterFor({ autoConfirm: false });
    const http = createHttpTransport();
    const context = { http, clock: { now: () => Date.now() }, logger: silentLogger };
    try {
      const cancelled = await adapter.cancel(placed.supplierOrderId!, context);
      expect(cancelled).toMatchObject({ status: "failed", vendorStatus: "CANCELLED" });
      expect(simulator.ledger("DT-C-2").map((entry) => entry.movement)).toEqual(["authorize", "void"]);
      await expect(adapter.confirm(placed.supplierOrderId!, context)).rejects.toMatchObject({
        vendorCode: "1007004",
      });
    } finally {
      http.close();
    }
    expect((await client.getOrder("DT-C-2")).status).toBe("failed");
  });

  it("looks up a number's operator and reads the balance", async () => {
    const client = newClient();
    expect((await client.getBalance()).available).toEqual({ amount: "10000.00", currency: "USD" });
    const adapter = adapterFor();
    const http = createHttpTransport();
    try {
      const operators = await adapter.lookup("6591234567", {
        http,
        clock: { now: () => Date.now() },
        logger: silentLogger,
      });
      expect(operators).toEqual([
        { operatorId: "101", name: "Singtel Singapore", countryIsoCode: "SGP", identified: true },
      ]);
    } finally {
      http.close();
    }
  });

  it("no secret, Basic credential or PIN reaches the debug log of a whole run", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "createTransaction" });
    await client.placeOrder(giftCard("DT-LOG-1"));
    const final = await client.waitForFinal("DT-LOG-1", { deadlineMs: 5_000 });
    await client.placeOrder(airtime("DT-LOG-2", "+6591234102"));
    await client.waitForFinal("DT-LOG-2", { deadlineMs: 5_000 });
    await client.listProducts();
    const basic = Buffer.from(`${simulator.apiKey}:${simulator.apiSecret}`).toString("base64");
    const pin = final.cards[0]!.password.reveal();
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      expect(line).not.toContain(simulator.apiSecret);
      expect(line).not.toContain(basic);
      expect(line).not.toContain(pin);
    }
  });
});

describe("DT One callbacks: unsigned, verified by re-fetching the transaction", () => {
  it("delivers the final state through createCallbackHandler, re-fetched by external_id", async () => {
    const endpoint = await callbackEndpoint();
    const client = newClient({ adapter: { callbackUrl: endpoint.url } });
    const events = endpoint.serve(client);
    await client.placeOrder(airtime("DT-CB-1"));
    await simulator.idle();
    expect(events.map((event) => event.status)).toContain("succeeded");
    expect(simulator.callbacks("DT-CB-1").at(-1)).toMatchObject({ status: 200, acknowledged: true });
    expect(creations("DT-CB-1")[0]!.body).toMatchObject({ callback_url: endpoint.url });
  });

  it("a reversal after success arrives as `reversed` through the callback handler", async () => {
    const endpoint = await callbackEndpoint();
    const client = newClient({ adapter: { callbackUrl: endpoint.url } });
    const events = endpoint.serve(client);
    simulator.injectFault({ kind: "reversal-after-success", delayMs: 30 });
    await client.placeOrder(airtime("DT-REV-1"));
    await simulator.idle();
    expect(
      committed("DT-REV-1")[0]!
        .history.map((entry) => entry.status)
        .slice(-2),
    ).toEqual(["COMPLETED", "REVERSED"]);
    expect(events.map((event) => event.status)).toEqual(["succeeded", "reversed"]);
    expect(events.at(-1)).toMatchObject({
      previousStatus: "succeeded",
      vendorStatus: "REVERSED",
      source: "callback",
    });
    expect((await client.getStoredOrder("DT-REV-1"))?.status).toBe("reversed");
    expect(simulator.ledger("DT-REV-1").map((entry) => entry.movement)).toEqual([
      "authorize",
      "capture",
      "reverse",
    ]);
    expect(simulator.balance()).toBe("10000.00");
  });

  it("the sandbox-style x08 number completes then reverses", async () => {
    const endpoint = await callbackEndpoint();
    const client = newClient({ adapter: { callbackUrl: endpoint.url } });
    const events = endpoint.serve(client);
    await client.placeOrder(airtime("DT-REV-2", "+6591234108"));
    await simulator.idle();
    expect(events.map((event) => event.status)).toEqual(["succeeded", "reversed"]);
  });

  it("a forged callback claiming success is not applied: the re-fetched state wins", async () => {
    const endpoint = await callbackEndpoint();
    const client = newClient({ adapter: { callbackUrl: endpoint.url } });
    const events = endpoint.serve(client);
    await client.placeOrder(airtime("DT-FORGE-1", "+6591234309")); // x09 stays SUBMITTED
    await simulator.idle();
    const attempts = await simulator.sendCallback("DT-FORGE-1", {
      status: { id: 70000, message: "COMPLETED", class: { id: 7, message: "COMPLETED" } },
      pin: { code: "FORGED-PIN", serial: "FORGED" },
    });
    expect(attempts[0]!.acknowledged).toBe(true);
    const stored = await client.getStoredOrder("DT-FORGE-1");
    expect(stored?.status).toBe("processing");
    expect(stored?.cards).toHaveLength(0);
    expect(events.map((event) => event.status)).not.toContain("succeeded");
    simulator.completeOrder("DT-FORGE-1", "DECLINED-BARRED-CREDIT-PARTY");
    await simulator.idle();
    expect((await client.getStoredOrder("DT-FORGE-1"))?.status).toBe("failed");
    // A callback naming an order kaquan never placed is refused, so DT One retries it.
    const unknownOrder = await createCallbackHandler({ clients: [client], onEvent: () => {} }).handle({
      supplier: "dtone",
      body: JSON.stringify({ id: 1, external_id: "NEVER-PLACED" }),
      headers: { "content-type": "application/json" },
    });
    expect(unknownOrder.outcome).toBe("unknown_order");
    expect(unknownOrder.ack.status).toBe(500);
  });

  it("duplicate and out-of-order callbacks deliver each state once and never regress", async () => {
    const endpoint = await callbackEndpoint();
    const client = newClient({ adapter: { callbackUrl: endpoint.url } });
    const events = endpoint.serve(client);
    simulator.injectFault({ kind: "duplicate-callback" });
    simulator.injectFault({ kind: "out-of-order-callback" });
    await client.placeOrder(airtime("DT-DUP-1"));
    await simulator.idle();
    expect(simulator.callbacks("DT-DUP-1").map((attempt) => attempt.reason)).toEqual([
      "status",
      "duplicate",
      "stale",
    ]);
    expect(events.filter((event) => event.status === "succeeded")).toHaveLength(1);
    expect((await client.getStoredOrder("DT-DUP-1"))?.status).toBe("succeeded");
  });
});
