/**
 * A supplier router's write-ahead records in Redis, so a crash or a second process resumes the
 * same routed attempt instead of trying another supplier. Keys: `<prefix>:route:<merchantOrderId>`,
 * the record's JSON, living `recordTtlMs` (default 30 days) after its last write.
 */
import type { RouteClaimResult, RouteRecord, RouteStore } from "../stores/route-store.js";
import {
  defineFencedScript,
  RedisCommandRunner,
  type RedisStoreOptions,
  requirePositiveMs,
} from "./redis-command-runner.js";
import { optimisticUpdate } from "./redis-optimistic-update.js";
import { decodeStoredValue, encodeStoredValue } from "./redis-value-codec.js";

/** Options of {@link RedisRouteStore}. */
export interface RedisRouteStoreOptions extends RedisStoreOptions {
  /** How long a route record lives after its last write, in milliseconds. Default 30 days. */
  recordTtlMs?: number;
}

/** The default lifetime of a route record after its last write: 30 days. */
export const DEFAULT_ROUTE_RECORD_TTL_MS = 30 * 24 * 3600_000;

// KEYS: record. ARGV: fence, record JSON, ttl.
const claimScript = defineFencedScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return {1}
`);

// KEYS: record. ARGV: fence, expected present ('1'/'0'), expected JSON, next JSON, ttl.
const compareAndSetScript = defineFencedScript(`
local current = redis.call('GET', KEYS[1])
if ARGV[2] == '1' then
  if current ~= ARGV[3] then return 0 end
elseif current then
  return 0
end
redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
return 1
`);

/**
 * A {@link RouteStore} in Redis. `update` is an optimistic compare-and-set (`mutate` may run more
 * than once); Redis failures reject with `StoreUnavailableError`.
 */
export class RedisRouteStore implements RouteStore {
  readonly #runner: RedisCommandRunner;
  readonly #ttlMs: number;

  constructor(options: RedisRouteStoreOptions) {
    this.#runner = new RedisCommandRunner(options, "RedisRouteStore");
    this.#ttlMs = requirePositiveMs(
      options.recordTtlMs ?? DEFAULT_ROUTE_RECORD_TTL_MS,
      "RedisRouteStore: recordTtlMs",
    );
  }

  async claim(record: RouteRecord): Promise<RouteClaimResult> {
    const redisKey = this.#runner.key("route", record.merchantOrderId);
    const text = encodeStoredValue(record);
    const reply = (await this.#runner.script(
      `claim route ${record.merchantOrderId}`,
      claimScript,
      [redisKey],
      [text, this.#ttlMs],
    )) as [number, string?];
    if (Number(reply[0]) === 1) return { claimed: true, record: decodeStoredValue(text, redisKey) };
    return { claimed: false, existing: decodeStoredValue(String(reply[1]), redisKey) };
  }

  async get(merchantOrderId: string): Promise<RouteRecord | undefined> {
    const redisKey = this.#runner.key("route", merchantOrderId);
    const text = await this.#runner.command(`read route ${merchantOrderId}`, (redis) => redis.get(redisKey));
    return text === null ? undefined : decodeStoredValue<RouteRecord>(text, redisKey);
  }

  async update(
    merchantOrderId: string,
    mutate: (current: RouteRecord | undefined) => RouteRecord | undefined,
  ): Promise<RouteRecord | undefined> {
    const redisKey = this.#runner.key("route", merchantOrderId);
    return optimisticUpdate<RouteRecord>({
      runner: this.#runner,
      redisKey,
      operation: `update route ${merchantOrderId}`,
      mutate,
      write: async (expected, nextText) => {
        const reply = await this.#runner.script(
          `update route ${merchantOrderId}`,
          compareAndSetScript,
          [redisKey],
          [expected === null ? "0" : "1", expected ?? "", nextText, this.#ttlMs],
        );
        return Number(reply) === 1;
      },
    });
  }
}
