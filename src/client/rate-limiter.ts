/**
 * A client-side rate limit per supplier (failure-modes F27: "10 requests/second", Tango's
 * 1 request/second). Every request the client sends — placements, queries, the poller's polls —
 * takes a token first, so bursts from many callers never exceed the supplier's limit.
 */
import { ConfigurationError } from "../core/index.js";
import { sleep } from "../runtime/clock.js";

export interface RateLimiter {
  /** Resolves when the caller may send one request. */
  acquire(signal?: AbortSignal): Promise<void>;
}

export interface RateLimitOptions {
  /** Sustained requests per second. */
  requestsPerSecond: number;
  /** Requests allowed at once after a quiet period. Default 1 (no bursts). */
  burst?: number;
  /**
   * How much longer than a second the window guard of {@link createTokenBucket} is kept, in
   * milliseconds. Default 50. It absorbs what bunches requests between this process and the
   * supplier's counter — the event loop, the network, a stall in the supplier's own process —
   * at a cost of `margin / (1000 + margin)` of the rate, and only while the window binds. Raise it
   * for a supplier that counts requests after a stall-prone gateway. (The shared Redis limiter
   * paces without a window guard and does not read it.)
   */
  windowMarginMs?: number;
}

/**
 * A token bucket: `burst` tokens, refilled at `requestsPerSecond`. Waiters are served in order.
 *
 * Timers fire late, never on time to the microsecond: a bucket that only paces from its own
 * schedule lets a late request and the on-time ones behind it through closer together than the
 * rate, and a supplier counting any 1-second window then sees more than its limit (measured:
 * 206 in a window at 200/s). So waiters take turns, and besides pacing, the release times of the
 * last `floor(rate) + burst − 1` requests are kept: a request waits until the oldest of them is a
 * full second (and a margin) old. At 200/s no 1-second window holds more than 200 releases.
 */
export function createTokenBucket(
  options: RateLimitOptions,
  now: () => number = () => performance.now(),
): RateLimiter {
  const rate = options.requestsPerSecond;
  const burst = options.burst ?? 1;
  if (!(rate > 0) || !Number.isFinite(rate))
    throw new ConfigurationError("rateLimit.requestsPerSecond must be a positive number");
  if (!(burst >= 1) || !Number.isInteger(burst))
    throw new ConfigurationError("rateLimit.burst must be a whole number ≥ 1");
  const marginMs = options.windowMarginMs ?? DEFAULT_WINDOW_MARGIN_MS;
  if (!(marginMs >= 0) || !Number.isFinite(marginMs))
    throw new ConfigurationError(
      `rateLimit.windowMarginMs must be a non-negative number of milliseconds (got ${String(marginMs)}); omit it for the default ${DEFAULT_WINDOW_MARGIN_MS}`,
    );
  const intervalMs = 1000 / rate;
  // GCRA: `theoreticalArrival` is when the bucket would be empty again. Each request reserves
  // one interval; it may go at once while the reservation is within `burst` intervals of now.
  let theoreticalArrival = now();
  // The last releases, oldest at `oldest` (a ring): below one request a second there is no
  // window to guard beyond the pacing itself.
  const windowSize = rate >= 1 ? Math.floor(rate) + burst - 1 : 0;
  const releases = new Float64Array(windowSize).fill(Number.NEGATIVE_INFINITY);
  let oldest = 0;
  /** The previous waiter's turn: each turn starts when the one before it has been let through. */
  let queue: Promise<void> = Promise.resolve();

  async function turn(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    const current = now();
    const paced = Math.max(theoreticalArrival, current) + intervalMs - burst * intervalMs - current;
    const windowed = windowSize > 0 ? releases[oldest]! + WINDOW_MS + marginMs - current : 0;
    const waitMs = Math.max(paced, windowed);
    if (waitMs > 0) await sleep(Math.ceil(waitMs), signal);
    const released = Math.max(now(), current + Math.max(0, waitMs));
    theoreticalArrival = Math.max(theoreticalArrival, current) + intervalMs;
    if (windowSize > 0) {
      releases[oldest] = released;
      oldest = (oldest + 1) % windowSize;
    }
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const mine = queue.then(() => turn(signal));
      queue = mine.then(ignore, ignore);
      if (!signal) return mine;
      // An aborted waiter leaves at once; its turn, when it comes, is skipped.
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        mine.then(
          () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          },
          (error: unknown) => {
            signal.removeEventListener("abort", onAbort);
            reject(error);
          },
        );
      });
    },
  };
}

function ignore(): void {}

const WINDOW_MS = 1000;
/**
 * Between a release here and the supplier's counter lie the rest of the client (signing, the
 * event loop), loopback or the network, and the supplier's own event loop; each can bunch
 * requests by some milliseconds. Measured at 200/s: with a 25 ms margin, 200 releases a second
 * became 202–207 in a second at a simulator that counts in its own (stalling) event loop. The
 * window is kept this much longer than a second so that bunching does not push a supplier over
 * its limit; it costs under 5 % of the rate, and only when the window binds. It also covers a
 * timer firing up to a millisecond early against `performance.now()`.
 */
const DEFAULT_WINDOW_MARGIN_MS = 50;
