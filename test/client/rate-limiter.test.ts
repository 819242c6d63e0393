import { ConfigurationError, createTokenBucket } from "kaquan";
import { describe, expect, it } from "vitest";

describe("token bucket", () => {
  it("lets `burst` requests through at once and spaces the rest by 1/rate (virtual clock)", async () => {
    let now = 0;
    const waits: number[] = [];
    const bucket = createTokenBucket({ requestsPerSecond: 10, burst: 3 }, () => now);
    // Measure the wait each acquire asks for by advancing the virtual clock instead of sleeping.
    for (let i = 0; i < 6; i++) {
      const started = now;
      const pending = bucket.acquire();
      const settledAt = await Promise.race([
        pending.then(() => "now"),
        new Promise((resolve) => setTimeout(() => resolve("later"), 0)),
      ]);
      waits.push(settledAt === "now" ? 0 : 1);
      if (settledAt === "later") await pending;
      now = started;
    }
    expect(waits).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it("never lets more than rate × window + burst requests through in any window", async () => {
    const bucket = createTokenBucket({ requestsPerSecond: 200, burst: 1 });
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, () => bucket.acquire().then(() => times.push(performance.now()))),
    );
    times.sort((a, b) => a - b);
    const spanMs = times[times.length - 1]! - times[0]!;
    // 40 requests at 200/s need at least 39 intervals of 5 ms between the first and the last.
    expect(spanMs).toBeGreaterThanOrEqual(39 * 5 - 5);
  });

  it("refuses nonsense limits", () => {
    expect(() => createTokenBucket({ requestsPerSecond: 0 })).toThrow(ConfigurationError);
    expect(() => createTokenBucket({ requestsPerSecond: 5, burst: 0 })).toThrow(ConfigurationError);
  });
});
