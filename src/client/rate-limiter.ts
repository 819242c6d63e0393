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
}

/** A token bucket: `burst` tokens, refilled at `requestsPerSecond`. Waiters are served in order. */
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
  const intervalMs = 1000 / rate;
  // GCRA: `theoreticalArrival` is when the bucket would be empty again. Each request reserves
  // one interval; it may go at once while the reservation is within `burst` intervals of now.
  let theoreticalArrival = now();
  return {
    async acquire(signal) {
      const current = now();
      theoreticalArrival = Math.max(theoreticalArrival, current) + intervalMs;
      const waitMs = theoreticalArrival - burst * intervalMs - current;
      if (waitMs > 0) await sleep(Math.ceil(waitMs), signal);
    },
  };
}
