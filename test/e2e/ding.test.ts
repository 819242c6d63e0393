import { Writable } from "node:stream";
import {
  createSupplierClient,
  InsufficientBalanceError,
  InvalidAccountError,
  type SupplierClient,
} from "kaquan";
import { createDingAdapter, type DingAdapterOptions } from "kaquan/adapters/ding";
import { createDingSimulator, type DingSimulator, type DingSimulatorOptions } from "kaquan/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runAdapterConformance } from "../../src/testing/conformance.js";

const fast: DingSimulatorOptions = { settleAfterMs: 20 };

runAdapterConformance({
  name: "ding",
  test: it,
  finalDeadlineMs: 10_000,
  async start() {
    const simulator = createDingSimulator(fast);
    await simulator.start();
    const adapter = createDingAdapter({
      apiKey: simulator.apiKey,
      endpoint: simulator.url,
      pollIntervalMs: 20,
      notFoundGraceMs: 200,
    });
    return {
      adapter,
      fixtures: {
        // A batch (Submitted → Complete) Airtel India product: the USD faceValue is the SendValue.
        mobile: {
          account: "+919812345678",
          faceValue: { amount: "5.00", currency: "USD" },
          sku: "IN_AT_TopUp",
        },
        unknownSku: "XX_NO_SUCH_SKU",
      },
      setRawOrderStatus: (merchantOrderId, rawStatus) =>
        simulator.setRawOrderState(merchantOrderId, rawStatus),
      close: () => simulator.close(),
    };
  },
});

let simulator: DingSimulator;
let clients: SupplierClient[] = [];
let logLines: string[] = [];

function newClient(options: { adapter?: Partial<DingAdapterOptions>; resolveTimeoutMs?: number } = {}) {
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
    adapter: createDingAdapter({
      apiKey: simulator.apiKey,
      endpoint: simulator.url,
      pollIntervalMs: 20,
      notFoundGraceMs: 100,
      ...options.adapter,
    }),
    http: { timeoutMs: 1_000 },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    resolveTimeoutMs: options.resolveTimeoutMs ?? 1_500,
    logger,
  });
  clients.push(client);
  return client;
}

const topUp = (merchantOrderId: string, account = "+6591234567", amount = "10.00", sku = "SG_SI_TopUp") => ({
  merchantOrderId,
  kind: "mobile" as const,
  sku,
  account,
  faceValue: { amount, currency: "USD" },
});

const sends = (ref: string) =>
  simulator
    .requests("SendTransfer")
    .filter((record) => record.distributorRef === ref && !record.validateOnly);

beforeEach(async () => {
  logLines = [];
  simulator = createDingSimulator(fast);
  await simulator.start();
});

afterEach(async () => {
  for (const client of clients) client.close();
  clients = [];
  await simulator.close();
});

describe("Ding end to end: one transfer at Ding, its real state reported", () => {
  it("sends an instant transfer with the api_key header and the exact SendValue, and debits once", async () => {
    const client = newClient();
    const placed = await client.placeOrder(topUp("DG-1", "+6591234567", "10"));
    expect(placed).toMatchObject({
      status: "succeeded",
      vendorStatus: "Complete",
      cost: { amount: "10.00", currency: "USD" },
      account: "+6591234567",
    });
    const [send] = sends("DG-1");
    expect(send).toMatchObject({ authorized: true, apiKey: simulator.apiKey, correlationId: "DG-1" });
    expect(send!.path).toBe("/api/V1/SendTransfer");
    expect(send!.body).toEqual({
      SkuCode: "SG_SI_TopUp",
      SendValue: 10,
      SendCurrencyIso: "USD",
      AccountNumber: "6591234567",
      DistributorRef: "DG-1",
      ValidateOnly: false,
    });
    expect(simulator.transfers("DG-1")).toHaveLength(1);
    expect(simulator.ledger("DG-1").map((entry) => entry.movement)).toEqual(["debit"]);
    expect(simulator.balance()).toBe("990.00");
  });

  it("takes a batch transfer Submitted → Complete by polling ListTransferRecords", async () => {
    const client = newClient();
    const placed = await client.placeOrder(topUp("DG-B1", "+919812345678", "5.00", "IN_AT_TopUp"));
    expect(placed).toMatchObject({ status: "processing", vendorStatus: "Submitted" });
    const final = await client.waitForFinal("DG-B1", { deadlineMs: 5_000 });
    expect(final).toMatchObject({ status: "succeeded", vendorStatus: "Complete" });
    expect(
      simulator.requests("ListTransferRecords").some((record) => record.distributorRef === "DG-B1"),
    ).toBe(true);
    expect(simulator.balance()).toBe("994.90"); // 5.00 + 0.10 distributor fee
  });

  it("F1: commit-then-drop → exactly one transfer, its real state found by DistributorRef", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "SendTransfer" });
    const placed = await client.placeOrder(topUp("DG-F1"));
    expect(placed.status).toBe("succeeded");
    expect(placed.meta.resolvedBy).toBe("query");
    expect(sends("DG-F1")).toHaveLength(1);
    expect(simulator.transfers("DG-F1")).toHaveLength(1);
    expect(simulator.ledger("DG-F1").map((entry) => entry.movement)).toEqual(["debit"]);
  });

  it("drop-before-commit → no re-send: the order stays unknown, one request, zero transfers", async () => {
    const client = newClient({ resolveTimeoutMs: 600 });
    simulator.injectFault({ kind: "drop-before-commit", method: "SendTransfer" });
    const placed = await client.placeOrder(topUp("DG-F2"));
    expect(placed.status).toBe("unknown");
    // Well past the grace window kaquan still has not re-sent: Ding's DistributorRef does not dedupe.
    const later = await client.getOrder("DG-F2");
    expect(later.status).toBe("unknown");
    expect(sends("DG-F2")).toHaveLength(1);
    expect(simulator.transfers("DG-F2")).toHaveLength(0);
    expect(simulator.ledger("DG-F2")).toHaveLength(0);
    expect(simulator.balance()).toBe("1000.00");
  });

  it("the simulator's DistributorRef does not dedupe: a second send is a second transfer", async () => {
    const adapter = createDingAdapter({ apiKey: simulator.apiKey, endpoint: simulator.url });
    const { createHttpTransport } = await import("kaquan");
    const http = createHttpTransport({ timeoutMs: 2_000 });
    const context = { http, clock: { now: () => Date.now() }, logger: pino({ level: "silent" }) };
    const { OrderRequestSchema } = await import("kaquan");
    const request = OrderRequestSchema.parse(topUp("DG-DUP"));
    await adapter.placeOrder(request, context);
    await adapter.placeOrder(request, context);
    http.close();
    expect(simulator.transfers("DG-DUP")).toHaveLength(2);
    expect(simulator.ledger("DG-DUP").map((entry) => entry.movement)).toEqual(["debit", "debit"]);
    expect(simulator.balance()).toBe("980.00");
  });

  it("insufficient balance as HTTP 500 → InsufficientBalanceError, the order failed, nothing debited", async () => {
    const client = newClient();
    simulator.setBalance("3.00");
    const error = await client.placeOrder(topUp("DG-IB")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InsufficientBalanceError);
    expect(error).toMatchObject({ httpStatus: 500, vendorCode: "InsufficientBalance" });
    expect((await client.getOrder("DG-IB")).status).toBe("failed");
    expect(sends("DG-IB")).toHaveLength(1);
    expect(sends("DG-IB")[0]!.httpStatus).toBe(500);
    expect(simulator.transfers("DG-IB")).toHaveLength(0);
    expect(simulator.balance()).toBe("3.00");
  });

  it("an invalid account number → InvalidAccountError, failed, no transfer", async () => {
    const client = newClient();
    const error = await client.placeOrder(topUp("DG-ACC", "+6591230004")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidAccountError);
    expect((await client.getOrder("DG-ACC")).status).toBe("failed");
    expect(simulator.transfers("DG-ACC")).toHaveLength(0);
  });

  it("a failed instant transfer (ProviderError, record Failed) → failed, refunded", async () => {
    const client = newClient();
    const placed = await client.placeOrder(topUp("DG-FAIL", "+6591230002"));
    expect(placed).toMatchObject({ status: "failed", vendorStatus: "Failed" });
    expect(placed.failure).toMatchObject({ vendorCode: "ProviderError" });
    expect(simulator.ledger("DG-FAIL").map((entry) => entry.movement)).toEqual(["debit", "refund"]);
    expect(simulator.balance()).toBe("1000.00");
  });

  it("validateFirst sends ValidateOnly first, then one real transfer", async () => {
    const client = newClient({ adapter: { validateFirst: true } });
    const placed = await client.placeOrder(topUp("DG-V1"));
    expect(placed.status).toBe("succeeded");
    const all = simulator.requests("SendTransfer").filter((record) => record.distributorRef === "DG-V1");
    expect(all.map((record) => record.validateOnly)).toEqual([true, false]);
    expect(simulator.transfers("DG-V1")).toHaveLength(1);
  });

  it("a rate limit is retried (nothing was sent) and the order placed once", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "rate-limit", method: "SendTransfer" });
    const placed = await client.placeOrder(topUp("DG-RL"));
    expect(placed.status).toBe("succeeded");
    expect(sends("DG-RL")).toHaveLength(2);
    expect(simulator.transfers("DG-RL")).toHaveLength(1);
  });

  it("an HTML gateway page after sending → unknown, never re-sent", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "html-gateway", method: "SendTransfer" });
    const placed = await client.placeOrder(topUp("DG-GW"));
    expect(placed.status).toBe("unknown");
    expect(sends("DG-GW")).toHaveLength(1);
    expect(simulator.transfers("DG-GW")).toHaveLength(0);
  });

  it("never writes the api_key to the logs", async () => {
    const client = newClient();
    simulator.setBalance("1.00");
    await client.placeOrder(topUp("DG-LOG")).catch(() => undefined);
    await client.getBalance();
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("\n")).not.toContain(simulator.apiKey);
  });
});
