/**
 * How many writes a placement costs, and what the store holds when the request leaves: every
 * write is a round trip on a shared store (Redis), and the write-ahead record must be there
 * before the supplier can see the order (promise 1).
 */
import { createSupplierClient, NoAnswerError, NotSentError, type OrderRecord } from "kaquan";
import { describe, expect, it } from "vitest";
import { countingStore } from "../stores/counting-store.js";
import { commitThenLose, createFakeAdapter } from "./fake-adapter.js";

const request = { merchantOrderId: "W-1", kind: "direct" as const, sku: "1001", account: "player" };

describe("writes per placement", () => {
  it("an answered order costs a claim and two updates, and the send is recorded before it leaves", async () => {
    const { store, calls } = countingStore();
    const fake = createFakeAdapter();
    let atSend: OrderRecord | undefined;
    fake.placeSteps.push(async (placed) => {
      atSend = await store.get(`fake:${placed.merchantOrderId}`);
      return {
        merchantOrderId: placed.merchantOrderId,
        supplier: "fake",
        status: "processing",
        source: "place",
      };
    });
    const client = createSupplierClient({ adapter: fake.adapter, store });
    const order = await client.placeOrder(request);
    expect(order.status).toBe("processing");
    expect({ claim: calls.claim, update: calls.update }).toEqual({ claim: 1, update: 2 });
    // Write-ahead: counted, marked as placing, and the order recorded as being sent.
    expect(atSend).toMatchObject({ sends: 1, placing: true, order: { status: "unknown" } });
    expect(atSend?.order?.unknownReason).toMatch(/being sent/);
    expect(await store.get("fake:W-1")).toMatchObject({ sends: 1, placing: false, resendable: false });
  });

  it("a refused order still ends its placement and frees the id", async () => {
    const { store } = countingStore();
    const fake = createFakeAdapter();
    fake.placeSteps.push(() => new NotSentError("connection refused", { supplier: "fake" }));
    const client = createSupplierClient({ adapter: fake.adapter, store, retry: { maxAttempts: 1 } });
    await expect(client.placeOrder(request)).rejects.toBeInstanceOf(NotSentError);
    expect(await store.get("fake:W-1")).toBeUndefined();
  });

  it("an unanswered order ends its placement before it is resolved by query", async () => {
    const { store } = countingStore();
    const fake = createFakeAdapter();
    fake.placeSteps.push(
      commitThenLose(fake.orders, new NoAnswerError("timed out after sending", { supplier: "fake" })),
    );
    const client = createSupplierClient({ adapter: fake.adapter, store, retry: { maxAttempts: 1 } });
    const order = await client.placeOrder(request);
    expect(order.status).toBe("succeeded");
    expect(fake.calls.place).toBe(1);
    expect(await store.get("fake:W-1")).toMatchObject({ sends: 1, placing: false });
  });
});
