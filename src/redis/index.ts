/**
 * `kaquan/redis`: Redis implementations of every kaquan store, for merchants that run several
 * instances. Needs the optional peer dependency `ioredis` (≥ 5); the core package never loads it.
 *
 * @module kaquan/redis
 */
export * from "./create-redis-stores.js";
export {
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_PREFIX,
  type RedisStoreOptions,
} from "./redis-command-runner.js";
export * from "./redis-event-claim-store.js";
export * from "./redis-health-state-store.js";
export * from "./redis-idempotency-store.js";
export * from "./redis-poll-lease-store.js";
export * from "./redis-rate-limiter.js";
export * from "./redis-route-store.js";
export * from "./sync-supplier-health.js";
