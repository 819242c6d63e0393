import { MemoryPollLeaseStore } from "kaquan/callbacks";
import { describe, expect, it } from "vitest";
import { SweepThreshold } from "../../src/stores/sweep-threshold.js";

describe("SweepThreshold", () => {
  it("is due past its minimum, then past twice what the last sweep left", () => {
    const threshold = new SweepThreshold(100);
    expect(threshold.due(100)).toBe(false);
    expect(threshold.due(101)).toBe(true);
    threshold.swept(80); // 80 live entries left: the next sweep waits for 160
    expect(threshold.due(160)).toBe(false);
    expect(threshold.due(161)).toBe(true);
    threshold.swept(10); // never below the minimum
    expect(threshold.due(100)).toBe(false);
  });
});

describe("MemoryPollLeaseStore with many live leases", () => {
  it("does not sweep the whole map on every lease once it holds more than 10,000 live leases", async () => {
    let now = 0;
    const store = new MemoryPollLeaseStore({ now: () => now });
    for (let index = 0; index < 10_001; index++) await store.tryLease(`fulu:L-${index}`, 60_000);
    // Count how often the map is walked from here on: one sweep, then none until it doubles.
    let walks = 0;
    const entries = Map.prototype[Symbol.iterator];
    Map.prototype[Symbol.iterator] = function (this: Map<unknown, unknown>) {
      if (this.size > 10_000) walks += 1;
      return entries.call(this);
    };
    try {
      for (let index = 10_001; index < 12_000; index++) await store.tryLease(`fulu:L-${index}`, 60_000);
    } finally {
      Map.prototype[Symbol.iterator] = entries;
    }
    expect(walks).toBeLessThanOrEqual(1);
    // Expired leases are still taken again.
    now = 120_000;
    expect(await store.tryLease("fulu:L-1", 1_000)).toBe(true);
  });
});
