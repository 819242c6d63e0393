import { MemoryIdempotencyStore, type OrderRecord } from "kaquan";
import { describe, expect, it } from "vitest";

function record(key = "fulu:M-1"): OrderRecord {
  return {
    key,
    supplier: "fulu",
    merchantOrderId: key.slice(5),
    fingerprint: "f",
    request: { merchantOrderId: key.slice(5), kind: "card", sku: "10000002", quantity: 1 },
    sends: 0,
    resendable: false,
    placing: true,
    createdAt: 1,
    updatedAt: 1,
  };
}

describe("memory idempotency store keeps its own copy of each record", () => {
  it("a claimed record changed afterwards by its caller does not change the stored one", async () => {
    const store = new MemoryIdempotencyStore();
    const mine = record();
    await store.claim(mine);
    mine.sends = 5;
    mine.placing = false;
    const stored = await store.get(mine.key);
    expect(stored).toMatchObject({ sends: 0, placing: true });
    expect(stored).not.toBe(mine);
  });

  it("the record returned by mutate, changed afterwards, does not change the stored one", async () => {
    const store = new MemoryIdempotencyStore();
    await store.claim(record());
    let handedBack: OrderRecord | undefined;
    const after = await store.update("fulu:M-1", (current) => {
      handedBack = { ...current!, sends: 1 };
      return handedBack;
    });
    handedBack!.sends = 9;
    expect(after).toEqual({ ...record(), sends: 1 });
    expect((await store.get("fulu:M-1"))!.sends).toBe(1);
  });

  it("stores every field, in the same key order, and nothing else", async () => {
    const store = new MemoryIdempotencyStore();
    const mine = { ...record(), lastSentAt: 7 };
    await store.claim(mine);
    const stored = await store.get(mine.key);
    expect(Object.keys(stored!)).toEqual(Object.keys(mine));
    expect(stored).toEqual(mine);
  });
});
