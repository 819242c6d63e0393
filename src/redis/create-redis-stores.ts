/**
 * Every Redis store kaquan has, on one ioredis client and one prefix: what a merchant running
 * several instances passes to its clients, router, callback handlers and pollers.
 */
import { Redis } from "ioredis";
import type { RateLimiter, RateLimitOptions } from "../client/rate-limiter.js";
import { ConfigurationError, type Logger } from "../core/index.js";
import { createRedactingLogger } from "../runtime/logging.js";
import { resolveRedisStoreOptions } from "./redis-command-runner.js";
import { RedisEventClaimStore } from "./redis-event-claim-store.js";
import { RedisHealthStateStore } from "./redis-health-state-store.js";
import { RedisIdempotencyStore } from "./redis-idempotency-store.js";
import { RedisPollLeaseStore } from "./redis-poll-lease-store.js";
import { createRedisRateLimiter } from "./redis-rate-limiter.js";
import { RedisRouteStore } from "./redis-route-store.js";

/** Options of {@link createRedisStores}: a client, or a URL to create one from. */
export interface RedisStoresOptions {
  /** An ioredis client to use (kaquan never closes it). Give this or `url`. */
  redis?: Redis;
  /**
   * A `redis://` or `rediss://` URL (user, password, host, port, database) to create a client
   * from; `close()` then closes it. Read it from the environment: it may hold a password, which
   * kaquan never prints.
   */
  url?: string;
  /** The key namespace, `<prefix>:<kind>:<key>`. Default `kaquan`. */
  prefix?: string;
  /** The longest wait for one Redis command, in milliseconds. Default 2000. */
  commandTimeoutMs?: number;
  /** How long order and route records live after their last write, in milliseconds. Default 30 days. */
  recordTtlMs?: number;
  /** How long a saved supplier health state lives, in milliseconds. Default 24 hours. */
  healthTtlMs?: number;
  /**
   * With `url`: told (at `warn`, error code only) when the connection to Redis fails, once per
   * outage. Default: silent.
   */
  logger?: Logger;
}

/** Every Redis store, sharing one client and one prefix. */
export interface RedisStores {
  /** Write-ahead order records: the supplier client's `store`. */
  readonly idempotency: RedisIdempotencyStore;
  /** Delivery claims: the callback handler's and the poller's `events`. */
  readonly events: RedisEventClaimStore;
  /** Routed-order records: the supplier router's route store. */
  readonly routes: RedisRouteStore;
  /** Poll leases: the poller's `leases`. */
  readonly pollLeases: RedisPollLeaseStore;
  /** Shared supplier health, for {@link syncSupplierHealth}. */
  readonly health: RedisHealthStateStore;
  /** The client the stores use (not enumerable, so printing the stores never prints its options). */
  readonly redis: Redis;
  /** A rate limiter shared by every process using the same prefix and `key`. */
  rateLimiter(options: RateLimitOptions & { key: string }): RateLimiter;
  /** Closes the client when it was created from `url`; does nothing to a client you passed. */
  close(): Promise<void>;
}

/**
 * Creates every Redis store on one client.
 * @throws ConfigurationError without `redis` or a valid `url`, or for an invalid option.
 */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  if (!options || (options.redis === undefined && options.url === undefined)) {
    throw new ConfigurationError(
      "createRedisStores needs { redis } (an ioredis client) or { url } (e.g. process.env.REDIS_URL)",
    );
  }
  const owned = options.redis === undefined;
  const redis = options.redis ?? createClient(options.url!, options.logger);
  try {
    return storesOn(redis, owned, options);
  } catch (error) {
    // A client created here must not outlive a bad option: it would reconnect forever and keep
    // the process alive.
    if (owned) redis.disconnect();
    throw error;
  }
}

/** The stores on `redis`, validating every option. */
function storesOn(redis: Redis, owned: boolean, options: RedisStoresOptions): RedisStores {
  const shared = {
    redis,
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
  };
  const resolved = resolveRedisStoreOptions(shared, "createRedisStores");
  const recordTtl = options.recordTtlMs !== undefined ? { recordTtlMs: options.recordTtlMs } : {};
  const stores = {
    idempotency: new RedisIdempotencyStore({ ...shared, ...recordTtl }),
    events: new RedisEventClaimStore(shared),
    routes: new RedisRouteStore({ ...shared, ...recordTtl }),
    pollLeases: new RedisPollLeaseStore(shared),
    health: new RedisHealthStateStore({
      ...shared,
      ...(options.healthTtlMs !== undefined ? { ttlMs: options.healthTtlMs } : {}),
    }),
    rateLimiter(limit: RateLimitOptions & { key: string }): RateLimiter {
      return createRedisRateLimiter({ ...shared, ...limit });
    },
    async close(): Promise<void> {
      if (!owned || redis.status === "end") return;
      const ended = new Promise<void>((resolve) => redis.once("end", () => resolve()));
      if (redis.status !== "ready") {
        // Between two reconnect attempts ioredis has no socket to close: disconnect() only cancels
        // the pending attempt and never emits 'end'. Nothing is left open then, so stop waiting.
        const between = redis.status === "reconnecting";
        redis.disconnect();
        if (between || (redis.status as string) === "end") return;
      } else {
        // QUIT lets commands in flight finish; a Redis that stops answering is dropped instead.
        const timer = setTimeout(() => redis.disconnect(), resolved.commandTimeoutMs);
        await redis.quit().catch(() => redis.disconnect());
        clearTimeout(timer);
      }
      await ended;
    },
  };
  Object.defineProperty(stores, "redis", { value: redis, enumerable: false });
  return stores as RedisStores;
}

/** A client for kaquan's stores: reconnects quickly and forever, and never prints its URL. */
function createClient(url: string, logger: Logger | undefined): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(
      "createRedisStores: url is not a URL; pass redis://[user:password@]host:port[/db] (the value is not shown, it may hold a password)",
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new ConfigurationError("createRedisStores: url must start with redis:// or rediss://");
  }
  const client = new Redis(url, {
    // Reconnect every 100 ms, backing off to 1 s: commands wait at most commandTimeoutMs anyway,
    // so a quick reconnect shortens an outage without piling anything up.
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  const log = createRedactingLogger(logger);
  let failing = false;
  // An 'error' listener also keeps ioredis from printing its own "Unhandled error event" lines.
  client.on("error", (error: unknown) => {
    if (failing) return;
    failing = true;
    const code = (error as { code?: unknown })?.code;
    log.warn(
      { code: typeof code === "string" && /^[A-Z][A-Z0-9_]{1,31}$/.test(code) ? code : "unknown" },
      "Redis connection failed; kaquan's Redis stores fail closed until it is back",
    );
  });
  client.on("ready", () => {
    failing = false;
  });
  return client;
}
