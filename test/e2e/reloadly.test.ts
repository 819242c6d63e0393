import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import {
  createSupplierClient,
  InsufficientBalanceError,
  MemoryIdempotencyStore,
  RateLimitError,
  type StatusEvent,
  type SupplierClient,
  ValidationError,
} from "kaquan";
import {
  createReloadlyAdapter,
  type ReloadlyAdapterOptions,
  type ReloadlyProduct,
} from "kaquan/adapters/reloadly";
import { createCallbackHandler, nodeCallbackListener } from "kaquan/callbacks";
import { createReloadlySimulator, type ReloadlySimulator } from "kaquan/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runAdapterConformance } from "../../src/testing/conformance.js";

function conformance(product: ReloadlyProduct) {
  runAdapterConformance({
    name: `reloadly-${product}`,
    test: it,
    finalDeadlineMs: 10_000,
    async start() {
      const simulator = createReloadlySimulator({ settleAfterMs: 20, giftOrdersSettleLater: true });
      await simulator.start();
      const adapter = createReloadlyAdapter({
        clientId: simulator.clientId,
        clientSecret: simulator.clientSecret,
        environment: "sandbox",
        product,
        endpoints: { auth: simulator.urls.auth, api: simulator.urls[product] },
        webhookSecrets: [simulator.webhookSecret],
        // Async top-ups answer PROCESSING, so an unseen status can be checked before it settles.
        topupMode: "async",
        pollIntervalMs: 20,
        notFoundGraceMs: 200,
      });
      return {
        adapter,
        fixtures: {
          mobile: { account: "+2348031234567", faceValue: { amount: "5.00", currency: "USD" }, sku: "341" },
          card: { sku: "120" },
          unknownSku: "999999",
        },
        callbackFor({ merchantOrderId, status }) {
          const transaction =
            product === "airtime"
              ? {
                  transactionId: 4602843,
                  customIdentifier: merchantOrderId,
                  operatorId: 341,
                  recipientPhone: 2348031234567,
                }
              : {
                  transactionId: 4602843,
                  customIdentifier: merchantOrderId,
                  product: { productId: 120, quantity: 1 },
                };
          const body = JSON.stringify({
            type: product === "airtime" ? "airtime_transaction.status" : "giftcard_transaction.status",
            data: { transaction: { ...transaction, status: status === "success" ? "SUCCESSFUL" : "FAILED" } },
          });
          return { body: Buffer.from(body), headers: simulator.signWebhook(body) };
        },
        setRawOrderStatus: (merchantOrderId, rawStatus) =>
          simulator.setRawOrderState(merchantOrderId, rawStatus),
        close: () => simulator.close(),
      };
    },
  });
}

conformance("airtime");
conformance("giftcards");

// ---- end to end under faults, checked against the simulator's ledger ---------------------------

let simulator: ReloadlySimulator;
let clients: SupplierClient[] = [];
let servers: Server[] = [];
let logLines: string[] = [];

function logger() {
  return pino(
    { level: "debug" },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
}

function newAdapter(product: ReloadlyProduct, options: Partial<ReloadlyAdapterOptions> = {}) {
  return createReloadlyAdapter({
    clientId: simulator.clientId,
    clientSecret: simulator.clientSecret,
    environment: "sandbox",
    product,
    endpoints: { auth: simulator.urls.auth, api: simulator.urls[product] },
    webhookSecrets: [simulator.webhookSecret],
    pollIntervalMs: 20,
    notFoundGraceMs: 150,
    ...options,
  });
}

function newClient(
  product: ReloadlyProduct = "airtime",
  options: {
    store?: MemoryIdempotencyStore;
    timeoutMs?: number;
    adapter?: Partial<ReloadlyAdapterOptions>;
    clock?: { now(): number };
    concurrency?: number;
  } = {},
): SupplierClient {
  const client = createSupplierClient({
    adapter: newAdapter(product, options.adapter),
    http: { timeoutMs: options.timeoutMs ?? 1_000 },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    resolveTimeoutMs: 3_000,
    logger: logger(),
    ...(options.store ? { store: options.store } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  clients.push(client);
  return client;
}

const topup = (merchantOrderId: string, phone = "+2348031234567", amount = "5.00") => ({
  merchantOrderId,
  kind: "mobile" as const,
  sku: "341",
  account: phone,
  faceValue: { amount, currency: "USD" },
});

const giftCard = (merchantOrderId: string, quantity = 2) => ({
  merchantOrderId,
  kind: "card" as const,
  sku: "121",
  quantity,
  faceValue: { amount: "50.00", currency: "USD" },
});

const ledger = (customIdentifier: string) =>
  simulator.orders().filter((transaction) => transaction.customIdentifier === customIdentifier);

async function startSimulator(options: Parameters<typeof createReloadlySimulator>[0] = {}) {
  await simulator?.close();
  simulator = createReloadlySimulator({ settleAfterMs: 30, ...options });
  await simulator.start();
}

beforeEach(async () => {
  logLines = [];
  await startSimulator();
});

afterEach(async () => {
  for (const client of clients) client.close();
  clients = [];
  for (const server of servers) server.close();
  servers = [];
  await simulator.close();
});

describe("Reloadly airtime end to end: one top-up at the supplier, its real state reported", () => {
  it("F1: the top-up is committed and the answer lost; the reports lookup by customIdentifier finds it", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "airtime.topups" });
    const placed = await client.placeOrder(topup("F1-1"));
    expect(placed.status).toBe("succeeded");
    expect(placed.meta.resolvedBy).toBe("query");
    expect(ledger("F1-1")).toHaveLength(1);
    expect(simulator.requests("airtime.topups")).toHaveLength(1);
    const lookups = simulator.requests("airtime.reports");
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups[0]!.path).toContain("customIdentifier=F1-1");
    expect(placed.supplierOrderId).toBe(String(ledger("F1-1")[0]!.transactionId));
    expect(placed.cost).toEqual({ amount: ledger("F1-1")[0]!.cost, currency: "USD" });
  });

  it("F1 with report lag: not found for a while is lag, never a second top-up", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "not-found-until", queries: 2 });
    simulator.injectFault({ kind: "commit-then-drop", method: "airtime.topups" });
    const placed = await client.placeOrder(topup("NF-1"));
    expect(placed.status).not.toBe("failed");
    expect((await client.waitForFinal("NF-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(ledger("NF-1")).toHaveLength(1);
    // A re-send after the grace window is refused as a duplicate, so the ledger still has one.
    expect(simulator.requests("airtime.topups").filter((record) => record.httpStatus === 200)).toHaveLength(
      0,
    );
  });

  it("an HTML gateway page before commit: not found past the grace window, re-sent once with the same id", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "html-gateway", method: "airtime.topups" });
    const placed = await client.placeOrder(topup("G-1"));
    expect(placed.status).not.toBe("failed");
    expect((await client.waitForFinal("G-1", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(ledger("G-1")).toHaveLength(1);
    expect(simulator.requests("airtime.topups")).toHaveLength(2);
  });

  it("CUSTOM_IDENTIFIER_ALREADY_USED is adopted by lookup, never failed (a second instance lost its records)", async () => {
    const first = newClient();
    expect((await first.placeOrder(topup("D-1"))).status).toBe("succeeded");
    const amnesiac = newClient("airtime", { store: new MemoryIdempotencyStore() });
    const again = await amnesiac.placeOrder(topup("D-1"));
    expect(again.status).toBe("succeeded");
    expect(again.meta.resolvedBy).toBe("query");
    expect(ledger("D-1")).toHaveLength(1);
    const sent = simulator.requests("airtime.topups");
    expect(sent.map((record) => record.errorCode)).toEqual([undefined, "CUSTOM_IDENTIFIER_ALREADY_USED"]);
  });

  it("token expiry mid-batch: 50 top-ups, every one sent once, one token refresh", async () => {
    await startSimulator({ recentRechargeWindowMs: 0 });
    const client = newClient("airtime", { concurrency: 16 });
    await client.getBalance();
    expect(simulator.tokenRequests()).toHaveLength(1);
    simulator.injectFault({ kind: "token-expired-mid-batch", method: "airtime.topups" });
    const ids = Array.from({ length: 50 }, (_, index) => `TB-${index}`);
    const placed = await Promise.all(
      ids.map((id, index) =>
        client.placeOrder(topup(id, `+2348031${String(index + 1000).padStart(6, "0")}`)),
      ),
    );
    expect(placed.every((order) => order.status === "succeeded")).toBe(true);
    expect(simulator.tokenRequests()).toHaveLength(2);
    for (const id of ids) expect(ledger(id)).toHaveLength(1);
    const refused = simulator.requests("airtime.topups").filter((record) => record.httpStatus === 401);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((record) => record.errorCode === "TOKEN_EXPIRED")).toBe(true);
    expect(simulator.requests("airtime.topups")).toHaveLength(50 + refused.length);
  });

  it("50 concurrent calls with an expired token make one token request", async () => {
    let now = Date.now();
    const clock = { now: () => now };
    await startSimulator({ clock, tokenTtlSeconds: 3_600 });
    const client = newClient("airtime", { clock, concurrency: 50 });
    await client.getBalance();
    now += 3_601_000;
    await Promise.all(Array.from({ length: 50 }, () => client.getBalance()));
    expect(simulator.tokenRequests()).toHaveLength(2);
    expect(simulator.requests("airtime.balance").every((record) => record.authorization === "valid")).toBe(
      true,
    );
  });

  it("insufficient balance is a definitive InsufficientBalanceError; nothing is charged", async () => {
    const client = newClient();
    simulator.setBalance("1.00");
    await expect(client.placeOrder(topup("B-1"))).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect((await client.getStoredOrder("B-1"))?.status).toBe("failed");
    expect(simulator.orders()).toHaveLength(0);
    expect(simulator.balance()).toBe("1.00");
  });

  it("PHONE_RECENTLY_RECHARGED is a recipient limit with a 2-minute wait; the id stays usable", async () => {
    const client = newClient();
    await client.placeOrder(topup("PR-1"));
    const error = await client.placeOrder(topup("PR-2")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(120_000);
    expect((error as RateLimitError).vendorCode).toBe("PHONE_RECENTLY_RECHARGED");
    expect(ledger("PR-2")).toHaveLength(0);
    expect(await client.getStoredOrder("PR-2")).toBeUndefined();
  });

  it("an async top-up settles and is followed by the reports and status endpoints", async () => {
    const client = newClient("airtime", { adapter: { topupMode: "async" } });
    const placed = await client.placeOrder(topup("slow-1"));
    expect(placed.status).toBe("processing");
    const final = await client.waitForFinal("slow-1", { deadlineMs: 5_000 });
    expect(final.status).toBe("succeeded");
    expect(simulator.requests("airtime.topups-async")).toHaveLength(1);
    expect(simulator.requests("airtime.status").length).toBeGreaterThan(0);
  });

  it("a local-currency amount is sent with useLocalAmount and charged in the sender currency", async () => {
    const client = newClient();
    const placed = await client.placeOrder({
      ...topup("L-1"),
      faceValue: { amount: "7500", currency: "NGN" },
    });
    expect(placed.status).toBe("succeeded");
    const [transaction] = ledger("L-1");
    expect(transaction).toMatchObject({
      useLocalAmount: true,
      requestedAmount: "7500.00",
      deliveredCurrency: "NGN",
    });
    expect(placed.cost).toEqual({ amount: transaction!.cost, currency: "USD" });
    await expect(
      client.placeOrder({ ...topup("L-2"), faceValue: { amount: "5", currency: "EUR" } }),
    ).rejects.toThrow(/USD \(sender\) or NGN \(local\)/);
    expect(ledger("L-2")).toHaveLength(0);
  });

  it("a PIN operator's pinDetail arrives as Secret cards", async () => {
    const client = newClient();
    const placed = await client.placeOrder({
      merchantOrderId: "PIN-1",
      kind: "mobile",
      sku: "535",
      account: "+447951631337",
      faceValue: { amount: "10.00", currency: "USD" },
    });
    expect(placed.status).toBe("succeeded");
    const pin = ledger("PIN-1")[0]!.pin!;
    expect(placed.cards[0]?.password.reveal()).toBe(pin.code);
    expect(placed.cards[0]?.number?.reveal()).toBe(pin.serial);
    expect(JSON.stringify(placed)).not.toContain(pin.code);
  });

  it("auto-detects the operator from the phone and the country", async () => {
    const client = newClient("airtime", { adapter: { defaultCountryCode: "NG" } });
    const placed = await client.placeOrder({
      merchantOrderId: "AD-1",
      kind: "mobile",
      account: "08031234567",
      faceValue: { amount: "2.00", currency: "USD" },
    });
    expect(placed.status).toBe("succeeded");
    expect(ledger("AD-1")[0]?.operatorId).toBe(341);
    expect(simulator.requests("airtime.auto-detect")).toHaveLength(1);
  });

  it("a refund after success is a reversal (F9)", async () => {
    const client = newClient();
    await client.placeOrder(topup("RV-1"));
    const before = simulator.balance();
    simulator.completeOrder("RV-1", "REFUNDED");
    expect((await client.getOrder("RV-1")).status).toBe("reversed");
    expect(Number(simulator.balance())).toBeGreaterThan(Number(before));
  });

  it("no secret or token reaches the debug log of a whole run", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "airtime.topups" });
    simulator.injectFault({ kind: "token-expired-mid-batch", method: "airtime.reports" });
    await client.placeOrder({
      ...topup("S-1", "+447951631337"),
      sku: "535",
      faceValue: { amount: "5.00", currency: "USD" },
    });
    const final = await client.waitForFinal("S-1", { deadlineMs: 5_000 });
    await client.listProducts();
    expect(logLines.length).toBeGreaterThan(0);
    const code = final.cards[0]?.password.reveal() ?? "never";
    for (const line of logLines) {
      expect(line).not.toContain(simulator.clientSecret);
      expect(line).not.toContain(simulator.webhookSecret);
      expect(line).not.toMatch(/sim\.[A-Za-z0-9_-]{20,}/);
      expect(line).not.toContain(code);
    }
  });
});

describe("Reloadly gift cards end to end", () => {
  it("orders two cards and delivers both codes as Secrets, matching the supplier's ledger", async () => {
    const client = newClient("giftcards");
    const placed = await client.placeOrder(giftCard("GC-1"));
    expect(placed.status).toBe("succeeded");
    const [transaction] = ledger("GC-1");
    expect(transaction).toMatchObject({ productId: 121, quantity: 2, unitPrice: "50.00" });
    expect(placed.cards.map((card) => card.password.reveal()).sort()).toEqual(
      transaction!.cards.map((card) => card.pinCode).sort(),
    );
    expect(placed.cards.map((card) => card.number?.reveal()).sort()).toEqual(
      transaction!.cards.map((card) => card.cardNumber).sort(),
    );
    expect(placed.cost).toEqual({ amount: "100.00", currency: "USD" });
  });

  it("F1: an order committed and dropped is found in the transactions report, paging when the filter is ignored", async () => {
    await startSimulator({ giftReportsIgnoreCustomIdentifier: true, balance: "10000.00" });
    const client = newClient("giftcards", { adapter: { maxReportPages: 5 } });
    for (let index = 0; index < 120; index++)
      await client.placeOrder({ ...giftCard(`FILL-${index}`, 1), sku: "120", faceValue: undefined });
    simulator.setBalance("1000.00");
    simulator.injectFault({ kind: "commit-then-drop", method: "giftcards.orders" });
    const placed = await client.placeOrder(giftCard("GF-1"));
    expect(placed.status).toBe("succeeded");
    expect(placed.cards).toHaveLength(2);
    expect(ledger("GF-1")).toHaveLength(1);
    expect(
      simulator.requests("giftcards.orders").filter((record) => record.customIdentifier === "GF-1"),
    ).toHaveLength(1);
    expect(simulator.requests("giftcards.reports").some((record) => record.path.includes("page=2"))).toBe(
      true,
    );
  });

  it("a wrong denomination is refused before anything is sent", async () => {
    const client = newClient("giftcards");
    await expect(
      client.placeOrder({ ...giftCard("W-1"), faceValue: { amount: "30.00", currency: "USD" } }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(simulator.requests("giftcards.orders")).toHaveLength(0);
  });

  it("a pending order completes later; its codes come with the query", async () => {
    const client = newClient("giftcards");
    const placed = await client.placeOrder(giftCard("pending-1", 1));
    expect(placed.status).toBe("processing");
    simulator.completeOrder("pending-1", "SUCCESSFUL");
    const final = await client.waitForFinal("pending-1", { deadlineMs: 5_000 });
    expect(final.status).toBe("succeeded");
    expect(final.cards).toHaveLength(1);
    expect(simulator.requests("giftcards.cards").length).toBeGreaterThan(0);
  });
});

describe("Reloadly webhooks end to end", () => {
  async function webhookServer(client: SupplierClient, events: StatusEvent[]) {
    const handler = createCallbackHandler({ clients: [client], onEvent: (event) => void events.push(event) });
    const server = createServer(nodeCallbackListener(handler, { supplier: client.supplier }));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/reloadly`;
  }

  it("signed webhooks are applied once; duplicates and a stale PROCESSING never regress the order", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await startSimulator({ webhookUrl: `http://127.0.0.1:${port}/reloadly` });
    const client = newClient("airtime", { adapter: { topupMode: "async" } });
    const events: StatusEvent[] = [];
    const handler = createCallbackHandler({ clients: [client], onEvent: (event) => void events.push(event) });
    const server = createServer(nodeCallbackListener(handler, { supplier: client.supplier }));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    simulator.injectFault({ kind: "duplicate-webhook" });
    simulator.injectFault({ kind: "out-of-order-webhook" });
    await client.placeOrder(topup("WH-1"));
    await simulator.idle();
    const attempts = simulator.webhooks("WH-1");
    expect(attempts.map((attempt) => attempt.reason)).toEqual(["final", "duplicate", "stale"]);
    expect(attempts.every((attempt) => attempt.acknowledged)).toBe(true);
    expect((await client.getStoredOrder("WH-1"))?.status).toBe("succeeded");
    expect(events.filter((event) => event.status === "succeeded")).toHaveLength(1);
  });

  it("a forged or stale webhook is refused and never applied", async () => {
    const client = newClient("airtime", { adapter: { topupMode: "async" } });
    const url = await webhookServer(client, []);
    await client.placeOrder(topup("pending-WH"));
    const forged = await simulator.sendWebhook("pending-WH", {
      url,
      signature: "0".repeat(64),
      transaction: { status: "SUCCESSFUL" },
    });
    expect(forged.every((attempt) => !attempt.acknowledged && attempt.status === 500)).toBe(true);
    const stale = await simulator.sendWebhook("pending-WH", {
      url,
      timestamp: String(Math.floor(Date.now() / 1000) - 3_600),
      transaction: { status: "SUCCESSFUL" },
    });
    expect(stale.every((attempt) => !attempt.acknowledged)).toBe(true);
    expect((await client.getStoredOrder("pending-WH"))?.status).toBe("processing");
  });
});

describe("signCallback for Reloadly", () => {
  it("signs webhooks the adapter verifies, with any active secret during rotation", async () => {
    const { signCallback } = await import("kaquan/testing");
    const { createReloadlyAdapter } = await import("kaquan/adapters/reloadly");
    const { createHttpTransport, silentLogger } = await import("kaquan");
    const adapter = createReloadlyAdapter({
      clientId: "id",
      clientSecret: "secret",
      environment: "sandbox",
      product: "airtime",
      webhookSecrets: ["old-secret-0001", "new-secret-0002"],
    });
    const http = createHttpTransport();
    const context = { http, clock: { now: () => Date.now() }, logger: silentLogger };
    const payload = {
      type: "airtime_transaction.status",
      data: { transaction: { transactionId: 1, customIdentifier: "RL-SIGN-1", status: "SUCCESSFUL" } },
    };
    for (const webhookSecret of ["old-secret-0001", "new-secret-0002"]) {
      const signed = signCallback("reloadly", payload, { webhookSecret });
      const { update } = await adapter.verifyCallback!(
        { body: signed.body, headers: signed.headers },
        context,
      );
      expect(update.merchantOrderId).toBe("RL-SIGN-1");
    }
    const retired = signCallback("reloadly", payload, { webhookSecret: "retired-secret" });
    await expect(
      adapter.verifyCallback!({ body: retired.body, headers: retired.headers }, context),
    ).rejects.toThrow();
    http.close();
  });
});
