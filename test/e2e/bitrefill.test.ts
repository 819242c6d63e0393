import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createSupplierClient,
  InsufficientBalanceError,
  type StatusEvent,
  type SupplierClient,
} from "kaquan";
import { type BitrefillAdapterOptions, createBitrefillAdapter } from "kaquan/adapters/bitrefill";
import { createCallbackHandler, nodeCallbackListener } from "kaquan/callbacks";
import {
  type BitrefillSimulator,
  type BitrefillSimulatorOptions,
  createBitrefillSimulator,
} from "kaquan/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runAdapterConformance } from "../../src/testing/conformance.js";

runAdapterConformance({
  name: "bitrefill",
  test: it,
  finalDeadlineMs: 10_000,
  async start() {
    const simulator = createBitrefillSimulator({ settleAfterMs: 20 });
    await simulator.start();
    const adapter = createBitrefillAdapter({
      auth: { bearer: simulator.apiKey },
      endpoint: simulator.url,
      pollIntervalMs: 20,
      notFoundGraceMs: 200,
    });
    return {
      adapter,
      fixtures: {
        card: { sku: "test-gift-card-code<&>10" },
        mobile: {
          account: "+15555550100",
          faceValue: { amount: "10", currency: "USD" },
          sku: "test-phone-refill<&>10",
        },
        unknownSku: "no-such-product",
      },
      setRawOrderStatus: (merchantOrderId, rawStatus) =>
        simulator.setRawOrderState(merchantOrderId, rawStatus),
      close: () => simulator.close(),
    };
  },
});

let simulator: BitrefillSimulator;
let clients: SupplierClient[] = [];
let servers: Server[] = [];

async function startSimulator(options: BitrefillSimulatorOptions = {}) {
  simulator = createBitrefillSimulator({ settleAfterMs: 20, ...options });
  await simulator.start();
}

function newClient(adapter: Partial<BitrefillAdapterOptions> = {}): SupplierClient {
  const client = createSupplierClient({
    adapter: createBitrefillAdapter({
      auth: { bearer: simulator.apiKey },
      endpoint: simulator.url,
      pollIntervalMs: 20,
      notFoundGraceMs: 150,
      ...adapter,
    }),
    http: { timeoutMs: 1_000 },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    resolveTimeoutMs: 3_000,
  });
  clients.push(client);
  return client;
}

beforeEach(() => {
  clients = [];
  servers = [];
});
afterEach(async () => {
  for (const client of clients) client.close?.();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await simulator?.close();
});

describe("bitrefill end to end against the simulator", () => {
  it("a dropped answer after the invoice was paid: one invoice, one debit, its real state", async () => {
    await startSimulator();
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "createInvoice" });
    const placed = await client.placeOrder({
      merchantOrderId: "BR-DROP-1",
      kind: "card",
      sku: "test-gift-card-code<&>10",
    });
    expect(["processing", "succeeded"]).toContain(placed.status);
    const final = await client.waitForFinal("BR-DROP-1", { deadlineMs: 5_000 });
    expect(final.status).toBe("succeeded");
    expect(final.cards).toHaveLength(1);
    expect(simulator.requests("createInvoice")).toHaveLength(1);
    expect(simulator.orders()).toHaveLength(1);
    const invoice = simulator.order("BR-DROP-1")!;
    expect(final.supplierOrderId).toBe(invoice.id);
    expect(simulator.ledger("BR-DROP-1")).toEqual([
      expect.objectContaining({ movement: "debit", amount: "10.00", currency: "USD" }),
    ]);
    expect(simulator.balance()).toBe("990.00");
    // The codes came from the authenticated order endpoint, as Secrets.
    expect(final.cards[0]!.number?.reveal()).toBe(invoice.orders[0]!.redemption?.code);
    expect(final.cards[0]!.password.reveal()).toBe(invoice.orders[0]!.redemption?.pin);
    expect(simulator.requests("order").every((request) => request.authorized)).toBe(true);
  });

  it("a partial delivery is partially_succeeded, with the delivered codes and the failed unit refunded", async () => {
    await startSimulator();
    const client = newClient();
    await client.placeOrder({
      merchantOrderId: "BR-PART-1",
      kind: "card",
      sku: "test-gift-card-partial<&>10",
      quantity: 3,
    });
    const final = await client.waitForFinal("BR-PART-1", { deadlineMs: 5_000 });
    expect(final.status).toBe("partially_succeeded");
    expect(final.vendorStatus).toBe("complete:delivered,failed,delivered");
    expect(final.cards).toHaveLength(2);
    expect(final.failure?.code).toBe("partially_delivered");
    const movements = simulator.ledger("BR-PART-1").map((entry) => `${entry.movement} ${entry.amount}`);
    expect(movements).toEqual(["debit 30.00", "refund 10.00"]);
    expect(simulator.balance()).toBe("980.00");
  });

  it("a forged webhook claiming completion is not applied: the invoice is re-fetched", async () => {
    await startSimulator();
    const events: StatusEvent[] = [];
    let client: SupplierClient | undefined;
    const server = createServer((request, response) => {
      if (!client) return void response.writeHead(503).end();
      const handler = createCallbackHandler({
        clients: [client],
        onEvent: (event) => void events.push(event),
      });
      nodeCallbackListener(handler)(request, response);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bitrefill/webhook`;
    client = newClient({ webhookUrl });
    simulator.setAutoSettle(false);
    const placed = await client.placeOrder({
      merchantOrderId: "BR-FORGE-1",
      kind: "card",
      sku: "test-gift-card-code<&>10",
    });
    expect(placed.status).toBe("processing");
    const invoice = simulator.order("BR-FORGE-1")!;
    expect(invoice.webhookUrl).toContain("kaquan_order_id=BR-FORGE-1");
    const forged = {
      status: "complete",
      orders: invoice.orders.map((order) => ({
        id: order.id,
        status: "delivered",
        redemption_info: { code: "FORGED-CODE" },
      })),
    };
    const attempts = await simulator.sendCallback("BR-FORGE-1", forged);
    expect(attempts[0]!.status).toBe(200);
    const order = await client.getOrder("BR-FORGE-1");
    expect(order.status).toBe("processing");
    expect(order.cards).toEqual([]);
    expect(JSON.stringify(events)).not.toContain("FORGED-CODE");
    // The genuine completion arrives by webhook and is applied after a re-fetch.
    simulator.completeOrder("BR-FORGE-1");
    await simulator.idle();
    const final = await client.getOrder("BR-FORGE-1");
    expect(final.status).toBe("succeeded");
    expect(final.cards[0]!.password.reveal()).not.toBe("FORGED-CODE");
    expect(events.at(-1)?.status).toBe("succeeded");
  });

  it("insufficient balance is InsufficientBalanceError and creates no invoice", async () => {
    await startSimulator({ balance: "5.00" });
    const client = newClient();
    await expect(
      client.placeOrder({ merchantOrderId: "BR-POOR-1", kind: "card", sku: "test-gift-card-code<&>10" }),
    ).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect(simulator.orders()).toHaveLength(0);
    expect(simulator.ledger()).toEqual([]);
    expect(simulator.balance()).toBe("5.00");
  });

  it("a -fail product is failed and refunded; Basic business credentials work too", async () => {
    await startSimulator();
    const client = newClient({ auth: { id: simulator.businessId, secret: simulator.businessSecret } });
    await client.placeOrder({
      merchantOrderId: "BR-FAIL-1",
      kind: "card",
      sku: "test-gift-card-code-fail<&>10",
    });
    const final = await client.waitForFinal("BR-FAIL-1", { deadlineMs: 5_000 });
    expect(final.status).toBe("failed");
    expect(simulator.balance()).toBe("1000.00");
    expect(simulator.requests().every((request) => request.authorization?.startsWith("Basic "))).toBe(true);
  });

  it("a ranged product is ordered by faceValue", async () => {
    await startSimulator();
    const client = newClient();
    await client.placeOrder({
      merchantOrderId: "BR-RANGE-1",
      kind: "card",
      sku: "test-gift-card-range",
      faceValue: { amount: "12.50", currency: "EUR" },
    });
    const final = await client.waitForFinal("BR-RANGE-1", { deadlineMs: 5_000 });
    expect(final.status).toBe("succeeded");
    expect(simulator.requests("createInvoice")[0]!.body).toMatchObject({
      products: [{ product_id: "test-gift-card-range", quantity: 1, value: 12.5 }],
      payment_method: "balance",
      auto_pay: true,
      reference: "BR-RANGE-1",
    });
    expect(final.cost).toEqual({ amount: "13.75", currency: "USD" });
  });
});
