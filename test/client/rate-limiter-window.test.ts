import { ConfigurationError, createTokenBucket } from "kaquan";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** The most releases in any window of `windowMs` (sliding, from each release). */
function busiestWindow(times: readonly number[], windowMs: number): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe("token bucket one-second window", () => {
  it.each([
    ["timers that fire late in 7 ms steps", 7],
    ["timers that fire late in 37 ms steps", 37],
    ["timers that fire late in 120 ms steps", 120],
  ])("never lets more than the rate through in any second, with %s", async (_name, stepMs) => {
    // The clock the limiter reads is the fake one; timers only fire when the test advances it,
    // in coarse steps, so every wait ends late, as on a busy machine.
    const bucket = createTokenBucket({ requestsPerSecond: 50 }, () => Date.now());
    const released: number[] = [];
    const waiting = Array.from({ length: 400 }, () => bucket.acquire().then(() => released.push(Date.now())));
    for (let step = 0; step < 20_000 && released.length < waiting.length; step++)
      await vi.advanceTimersByTimeAsync(stepMs);
    await Promise.all(waiting);
    expect(released).toHaveLength(400);
    expect(busiestWindow(released, 1000)).toBeLessThanOrEqual(50);
  });

  it("holds when the limiter's clock reads a few milliseconds apart from the supplier's, unevenly", async () => {
    // Timers and clocks disagree by a few milliseconds on a busy machine: here the readings the
    // limiter paces from run 3 ms ahead of the true time in every other 350 ms. Pacing
    // alone then lets two releases a second apart land 3 ms closer than a second; the supplier
    // counts in true time.
    const unevenClock = () => Date.now() + (Math.floor(Date.now() / 350) % 2) * 3;
    const bucket = createTokenBucket({ requestsPerSecond: 50 }, unevenClock);
    const released: number[] = [];
    const waiting = Array.from({ length: 400 }, () => bucket.acquire().then(() => released.push(Date.now())));
    for (let step = 0; step < 20_000 && released.length < waiting.length; step++)
      await vi.advanceTimersByTimeAsync(1);
    await Promise.all(waiting);
    expect(released).toHaveLength(400);
    expect(busiestWindow(released, 1000)).toBeLessThanOrEqual(50);
  });

  it("with a burst, any second holds at most rate + burst − 1 releases", async () => {
    const bucket = createTokenBucket({ requestsPerSecond: 20, burst: 5 }, () => Date.now());
    const released: number[] = [];
    const waiting = Array.from({ length: 200 }, () => bucket.acquire().then(() => released.push(Date.now())));
    for (let step = 0; step < 20_000 && released.length < waiting.length; step++)
      await vi.advanceTimersByTimeAsync(13);
    await Promise.all(waiting);
    expect(busiestWindow(released, 1000)).toBeLessThanOrEqual(24);
  });

  it("keeps the sustained rate: 400 releases at 50/s take at least 7.9 s of clock time", async () => {
    const bucket = createTokenBucket({ requestsPerSecond: 50 }, () => Date.now());
    const started = Date.now();
    const released: number[] = [];
    const waiting = Array.from({ length: 400 }, () => bucket.acquire().then(() => released.push(Date.now())));
    for (let step = 0; step < 20_000 && released.length < waiting.length; step++)
      await vi.advanceTimersByTimeAsync(5);
    await Promise.all(waiting);
    expect(released.at(-1)! - started).toBeGreaterThanOrEqual(7_900);
  });

  it("keeps the window a margin longer than a second: no 1.2 s holds more than the rate at a 200 ms margin", async () => {
    const bucket = createTokenBucket({ requestsPerSecond: 50, windowMarginMs: 200 }, () => Date.now());
    const released: number[] = [];
    const waiting = Array.from({ length: 300 }, () => bucket.acquire().then(() => released.push(Date.now())));
    for (let step = 0; step < 20_000 && released.length < waiting.length; step++)
      await vi.advanceTimersByTimeAsync(3);
    await Promise.all(waiting);
    expect(busiestWindow(released, 1200)).toBeLessThanOrEqual(50);
    // The default margin is narrower: 1.2 s windows then hold more than 50.
    const narrow = createTokenBucket({ requestsPerSecond: 50 }, () => Date.now());
    const narrowReleased: number[] = [];
    const narrowWaiting = Array.from({ length: 300 }, () =>
      narrow.acquire().then(() => narrowReleased.push(Date.now())),
    );
    for (let step = 0; step < 20_000 && narrowReleased.length < narrowWaiting.length; step++)
      await vi.advanceTimersByTimeAsync(3);
    await Promise.all(narrowWaiting);
    expect(busiestWindow(narrowReleased, 1200)).toBeGreaterThan(50);
    expect(busiestWindow(narrowReleased, 1050)).toBeLessThanOrEqual(50);
  });

  it("refuses a margin that is negative or not a number", () => {
    for (const windowMarginMs of [-1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => createTokenBucket({ requestsPerSecond: 5, windowMarginMs })).toThrow(ConfigurationError);
  });
});
