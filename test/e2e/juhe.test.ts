import {
  createHttpTransport,
  createSupplierClient,
  MemoryIdempotencyStore,
  RejectedError,
  type StatusEvent,
  type SupplierClient,
  silentLogger,
  ValidationError,
} from "kaquan";
import { createJuheAdapter } from "kaquan/adapters/juhe";
import { createCallbackHandler } from "kaquan/callbacks";
import { createJuheSimulator, type JuheSimulator, runAdapterConformance } from "kaquan/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

runAdapterConformance({
  name: "juhe",
  test: it,
  async start() {
    const simulator = createJuheSimulator({ settleAfterMs: 20 });
    await simulator.start();
    return {
      adapter: createJuheAdapter({
        key: simulator.appKey,
        openId: simulator.openId,
        endpoint: simulator.url,
        pollIntervalMs: 20,
      }),
      fixtures: {
        mobile: { account: "13800138000", faceValue: { amount: "100", currency: "CNY" } },
        unknownSku: "7",
      },
      callbackFor({ merchantOrderId, status }) {
        const signed = simulator.signCallback({
          sporder_id: "J000001",
          orderid: merchantOrderId,
          sta: status === "success" ? "1" : "9",
        });
        return { body: signed.form, headers: { "content-type": "application/x-www-form-urlencoded" } };
      },
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      close: () => simulator.close(),
    };
  },
});

let simulator: JuheSimulator;
let clients: SupplierClient[] = [];

function newClient(store?: MemoryIdempotencyStore): SupplierClient {
  const client = createSupplierClient({
    adapter: createJuheAdapter({
      key: simulator.appKey,
      openId: simulator.openId,
      endpoint: simulator.url,
      pollIntervalMs: 20,
      notFoundGraceMs: 150,
    }),
    http: { timeoutMs: 500 },
    retry: { maxAttempts: 3, baseDelayMs: 5 },
    resolveTimeoutMs: 3_000,
    ...(store ? { store } : {}),
  });
  clients.push(client);
  return client;
}

const order = (merchantOrderId: string, account = "13800138000") => ({
  merchantOrderId,
  kind: "mobile" as const,
  account,
  faceValue: { amount: "50", currency: "CNY" },
});

const committed = (orderid: string) => simulator.orders().filter((o) => o.orderid === orderid);

beforeEach(async () => {
  simulator = createJuheSimulator({ settleAfterMs: 30 });
  await simulator.start();
});

afterEach(async () => {
  for (const client of clients) client.close();
  clients = [];
  await simulator.close();
});

describe("Juhe end to end", () => {
  it("10014 after the order was committed means query, never failed (the vendor's own rule)", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "system-error-10014", method: "onlineorder" });
    const placed = await client.placeOrder(order("JUHE10014A"));
    expect(placed.status).not.toBe("failed");
    expect((await client.waitForFinal("JUHE10014A", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("JUHE10014A")).toHaveLength(1);
    expect(simulator.requests("onlineorder")).toHaveLength(1);
  });

  it("F1: commit then drop → one order, its real final state", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "commit-then-drop", method: "onlineorder" });
    await client.placeOrder(order("JUHEDROP01"));
    expect((await client.waitForFinal("JUHEDROP01", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("JUHEDROP01")).toHaveLength(1);
  });

  it("dropped before commit → re-sent once with the same orderid after the grace window", async () => {
    const client = newClient();
    simulator.injectFault({ kind: "drop-before-commit", method: "onlineorder" });
    await client.placeOrder(order("JUHEDROP02"));
    expect((await client.waitForFinal("JUHEDROP02", { deadlineMs: 5_000 })).status).toBe("succeeded");
    expect(committed("JUHEDROP02")).toHaveLength(1);
    expect(simulator.requests("onlineorder")).toHaveLength(2);
  });

  it("a second instance re-using an orderid adopts the existing order (208516)", async () => {
    await newClient().placeOrder(order("JUHEDUP001"));
    const again = await newClient(new MemoryIdempotencyStore()).placeOrder(order("JUHEDUP001"));
    expect(again.status).not.toBe("failed");
    expect(committed("JUHEDUP001")).toHaveLength(1);
  });

  it("refuses an unsupported number and an orderid Juhe cannot take, before or at the supplier", async () => {
    const client = newClient();
    // 208501: Juhe does not allow this number and amount — a definitive refusal, nothing created.
    await expect(client.placeOrder(order("JUHEBAD001", "13800009999"))).rejects.toSatisfy((error) =>
      RejectedError.isInstance(error),
    );
    await expect(client.placeOrder(order("short"))).rejects.toBeInstanceOf(ValidationError);
    expect(simulator.orders()).toHaveLength(0);
  });

  it("a genuine callback with sta flipped verifies, but only the queried state is applied", async () => {
    const client = newClient();
    simulator.setAutoSettle(false);
    await client.placeOrder(order("JUHEFLIP01"));
    simulator.completeOrder("JUHEFLIP01", "failed");
    const events: StatusEvent[] = [];
    const handler = createCallbackHandler({ clients: [client], onEvent: (event) => void events.push(event) });
    const sporderId = committed("JUHEFLIP01")[0]!.sporderId;
    const flipped = simulator.signCallback({ sporder_id: sporderId, orderid: "JUHEFLIP01", sta: "1" });
    const result = await handler.handle({ supplier: "juhe", body: flipped.form, headers: {} });
    expect(result.ack.body).toBe("success");
    expect(events.map((event) => event.status)).toEqual(["failed"]);
    expect((await client.getStoredOrder("JUHEFLIP01"))?.status).toBe("failed");
    const forged = { ...flipped, form: flipped.form.replace(/sign=[0-9a-f]+/, `sign=${"0".repeat(32)}`) };
    expect((await handler.handle({ supplier: "juhe", body: forged.form, headers: {} })).outcome).toBe(
      "rejected",
    );
  });

  it("reads the balance, checks a number and quotes it", async () => {
    const client = newClient();
    expect((await client.getBalance()).available).toEqual({ amount: "10000.00", currency: "CNY" });
    const adapter = createJuheAdapter({
      key: simulator.appKey,
      openId: simulator.openId,
      endpoint: simulator.url,
    });
    const http = createHttpTransport();
    const context = { http, clock: { now: () => Date.now() }, logger: silentLogger };
    try {
      await expect(adapter.checkNumber("13800138000", 50, context)).resolves.toBeUndefined();
      await expect(adapter.checkNumber("13800009999", 50, context)).rejects.toSatisfy((error) =>
        RejectedError.isInstance(error),
      );
      expect(await adapter.quote("13800138000", 50, context)).toMatchObject({ cardname: expect.any(String) });
    } finally {
      http.close();
    }
  });
});

describe("signCallback for Juhe", () => {
  it("signs callbacks the Juhe adapter verifies", async () => {
    const { signCallback } = await import("kaquan/testing");
    const adapter = createJuheAdapter({ key: "k-0001", openId: "o-0001", endpoint: "http://127.0.0.1:1/" });
    const context = { http: createHttpTransport(), clock: { now: () => Date.now() }, logger: silentLogger };
    const signed = signCallback(
      "juhe",
      { sporder_id: "J1", orderid: "JUHE000002", sta: "1" },
      { key: "k-0001" },
    );
    const { update } = await adapter.verifyCallback!({ body: signed.body, headers: signed.headers }, context);
    expect(update).toMatchObject({ merchantOrderId: "JUHE000002", status: "succeeded" });
    const wrong = signCallback(
      "juhe",
      { sporder_id: "J1", orderid: "JUHE000002", sta: "1" },
      { key: "k-0002" },
    );
    await expect(
      adapter.verifyCallback!({ body: wrong.body, headers: wrong.headers }, context),
    ).rejects.toThrow(/signature/);
    context.http.close();
  });
});
