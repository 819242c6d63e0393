import { MemoryEventClaimStore } from "kaquan/callbacks";
import { afterEach, describe, expect, it, vi } from "vitest";

/**
 * Counts deletions from the claim store's map: the first map with thousands of entries that
 * deletes (nothing else in these tests grows that big).
 */
function countLargeMapDeletes() {
  const original = Map.prototype.delete;
  let target: Map<unknown, unknown> | undefined;
  let count = 0;
  vi.spyOn(Map.prototype, "delete").mockImplementation(function (this: Map<unknown, unknown>, key) {
    if (!target && this.size >= 5_000) target = this;
    if (this === target) count += 1;
    return original.call(this, key);
  });
  return () => count;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("memory event claim store sweep", () => {
  it("sweeps expired claims once the map passes 10,000 entries, and they claim again", async () => {
    let now = 0;
    const store = new MemoryEventClaimStore({ now: () => now });
    for (let index = 0; index < 10_000; index++) await store.claim(`old-${index}`, 10);
    const deletes = countLargeMapDeletes();
    now = 100;
    expect(await store.claim("new-0", 10)).toBe("claimed");
    expect(deletes()).toBe(10_000);
    expect(await store.claim("old-1", 10)).toBe("claimed");
  });

  it("below the threshold nothing is swept", async () => {
    let now = 0;
    const store = new MemoryEventClaimStore({ now: () => now });
    for (let index = 0; index < 9_999; index++) await store.claim(`old-${index}`, 10);
    const deletes = countLargeMapDeletes();
    now = 100;
    await store.claim("new-0", 10);
    expect(deletes()).toBe(0);
  });

  it("doubles the threshold from what a sweep leaves, so live claims are not rescanned per claim", async () => {
    let now = 0;
    const store = new MemoryEventClaimStore({ now: () => now });
    // 30,000 live claims: sweeps at 10,001 (nothing expired, next at 20,002) and at 20,003
    // (next at 40,006).
    for (let index = 0; index < 30_000; index++) await store.claim(`live-${index}`, 1_000);
    const deletes = countLargeMapDeletes();
    now = 2_000; // every claim has expired, but the map is below the doubled threshold
    await store.claim("one-more", 1_000);
    expect(deletes()).toBe(0);
    // Past the doubled threshold the expired ones go.
    for (let index = 0; index < 10_006; index++) await store.claim(`later-${index}`, 1_000);
    expect(deletes()).toBe(30_000);
  });
});
