/**
 * The in-memory stores are bounded in time: delivery claims (src/stores/event-claim-store.ts)
 * expire by their lease or TTL on the store's clock, so a crashed holder never strands a state and
 * a delivered state is forgotten after its TTL. Driven by an injected clock, never by sleeping.
 */
import { MemoryEventClaimStore } from "kaquan/callbacks";
import { describe, expect, it } from "vitest";

function clockAt(start: number) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

describe("MemoryEventClaimStore TTL", () => {
  it("a delivered key stays done for its TTL, then is forgotten", async () => {
    const clock = clockAt(1_000);
    const store = new MemoryEventClaimStore({ now: clock.read });
    expect(await store.claim("order-1:succeeded", 5_000)).toBe("claimed");
    await store.complete("order-1:succeeded", 60_000);
    clock.now += 59_999;
    expect(await store.claim("order-1:succeeded", 5_000)).toBe("done");
    clock.now += 1;
    expect(await store.claim("order-1:succeeded", 5_000)).toBe("claimed");
  });

  it("an in-progress lease that expires (its holder crashed) can be claimed again", async () => {
    const clock = clockAt(0);
    const store = new MemoryEventClaimStore({ now: clock.read });
    expect(await store.claim("order-2:failed", 1_000)).toBe("claimed");
    clock.now += 999;
    expect(await store.claim("order-2:failed", 1_000)).toBe("in_progress");
    clock.now += 1;
    expect(await store.claim("order-2:failed", 1_000)).toBe("claimed");
  });

  it("expired entries do not answer for keys claimed long ago, however many there were", async () => {
    const clock = clockAt(0);
    const store = new MemoryEventClaimStore({ now: clock.read });
    // More than the sweep threshold: the sweep runs, and expired keys behave as never seen.
    for (let index = 0; index < 10_050; index += 1) {
      await store.claim(`old-${index}`, 10);
      await store.complete(`old-${index}`, 10);
    }
    clock.now += 11;
    for (let index = 0; index < 10_050; index += 997)
      expect(await store.claim(`old-${index}`, 10)).toBe("claimed");
  });
});
