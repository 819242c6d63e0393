/**
 * One token bucket shared by every process that calls a supplier, so a published limit
 * ("10 requests/second") holds for the merchant as a whole, not per instance. The bucket is GCRA
 * (the pacing of `createTokenBucket`, without its in-process one-second window guard: the last
 * releases of every process are not tracked), computed in one Lua script against Redis's own clock (TIME), so the
 * processes' clocks do not matter. The script reserves the caller's slot and answers how long to
 * wait; the caller sleeps that long (abortable). An aborted wait does not give its slot back:
 * the bucket only errs on the side of fewer requests.
 *
 * Key: `<prefix>:rate:<key>`, holding the bucket's theoretical arrival time; it expires by itself
 * about one second after the bucket would be full again.
 */
import type { RateLimiter, RateLimitOptions } from "../client/rate-limiter.js";
import { ConfigurationError } from "../core/index.js";
import { sleep } from "../runtime/clock.js";
import { defineFencedScript, RedisCommandRunner, type RedisStoreOptions } from "./redis-command-runner.js";

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions extends RedisStoreOptions, RateLimitOptions {
  /**
   * Names the bucket: every limiter created with the same prefix and key shares one, e.g.
   * `"fulu"` for everything sent to Fulu, or `"fulu:placeOrder"` for one endpoint's limit.
   */
  key: string;
}

// KEYS: bucket. ARGV: fence, emission interval (µs), burst. Returns the wait in ms (0: go now).
const acquireScript = defineFencedScript(`
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local arrival = kaquan_now_us
local stored = tonumber(redis.call('GET', KEYS[1]) or '')
if stored and stored > arrival then arrival = stored end
arrival = arrival + interval
local wait_us = arrival - burst * interval - kaquan_now_us
local ttl_ms = math.ceil((arrival - kaquan_now_us) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', arrival), 'PX', string.format('%d', ttl_ms))
if wait_us <= 0 then return 0 end
return math.ceil(wait_us / 1000)
`);

/**
 * Creates a {@link RateLimiter} shared through Redis. Pass it as the client's `rateLimit` (or one
 * endpoint's). When Redis fails, `acquire` rejects with `StoreUnavailableError` and the request is
 * not sent.
 * @throws ConfigurationError for a missing key or a limit that is not positive.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const runner = new RedisCommandRunner(options, "createRedisRateLimiter");
  const rate = options.requestsPerSecond;
  const burst = options.burst ?? 1;
  if (typeof options.key !== "string" || options.key.length === 0)
    throw new ConfigurationError('createRedisRateLimiter needs { key }, e.g. { key: "fulu" }');
  if (!(rate > 0) || !Number.isFinite(rate))
    throw new ConfigurationError("createRedisRateLimiter: requestsPerSecond must be a positive number");
  if (!(burst >= 1) || !Number.isInteger(burst))
    throw new ConfigurationError("createRedisRateLimiter: burst must be a whole number ≥ 1");
  const intervalUs = 1_000_000 / rate;
  const redisKey = runner.key("rate", options.key);
  return {
    async acquire(signal) {
      signal?.throwIfAborted();
      const waitMs = Number(
        await runner.script(
          `take a ${options.key} rate-limit token`,
          acquireScript,
          [redisKey],
          [intervalUs, burst],
        ),
      );
      if (waitMs > 0) await sleep(waitMs, signal);
    },
  };
}
