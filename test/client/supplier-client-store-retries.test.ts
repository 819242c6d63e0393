/**
 * A store shared between processes (Redis) runs `update`'s mutation again when another write got
 * in first; only the last run counts. The client must not act on what an earlier run decided.
 */
import { createSupplierClient, MemoryIdempotencyStore, NoAnswerError, type OrderRecord } from "kaquan";
import { describe, expect, it } from "vitest";
import { createFakeAdapter } from "./fake-adapter.js";

/** Lets another process claim the re-send between this process's read and its write, once. */
class RacingStore extends MemoryIdempotencyStore {
  raced = false;

  override async update(
    key: string,
    mutate: (current: OrderRecord | undefined) => OrderRecord | undefined,
  ): Promise<OrderRecord | undefined> {
    if (!this.raced) {
      const current = await this.get(key);
      const next = current ? mutate(current) : undefined;
      const claimsResend =
        current && next && !current.placing && next.placing && next.sends === current.sends + 1;
      if (claimsResend) {
        this.raced = true;
        await super.update(key, (record) =>
          record ? { ...record, sends: record.sends + 1, placing: true, updatedAt: Date.now() } : undefined,
        );
        // This process's compare-and-set lost: its mutation runs again on what is there now.
      }
    }
    return super.update(key, mutate);
  }
}

describe("a re-send claim that loses a race in the store", () => {
  it("is not acted on: the order is not sent again by this process", async () => {
    const store = new RacingStore();
    const fake = createFakeAdapter();
    // The answer is lost and the supplier then says "not found": the re-send path.
    fake.placeSteps.push(() => new NoAnswerError("socket hang up after the request was written"));
    const client = createSupplierClient({
      adapter: fake.adapter,
      store,
      retry: { maxAttempts: 1 },
      notFoundGraceMs: 0,
      pollIntervalMs: 5,
      resolveTimeoutMs: 100,
      health: false,
    });
    const placed = await client.placeOrder({
      merchantOrderId: "M-RACE-1",
      kind: "direct",
      sku: "1001",
      account: "player",
    });
    expect(store.raced).toBe(true);
    expect(fake.calls.place).toBe(1);
    expect(placed.status).toBe("unknown");
  });
});
