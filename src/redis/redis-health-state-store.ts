/**
 * Supplier health shared across processes: the JSON snapshot of a supplier's circuit breaker
 * (and retry budget), so when one instance sees a supplier fail and opens its breaker, the others
 * stop sending too instead of each learning the outage from its own failed orders.
 *
 * Key: `<prefix>:health:<supplier>`, a hash of the snapshot JSON, the saving process's origin tag
 * and `savedAt` — Redis's clock at the save, strictly increasing per supplier, so "newer" never
 * depends on the processes' clocks. Lives `ttlMs` (default 24 hours) after the last save.
 */
import type { HealthSnapshot } from "../client/supplier-health.js";
import { StoreUnavailableError } from "../core/index.js";
import {
  defineFencedScript,
  RedisCommandRunner,
  type RedisStoreOptions,
  requirePositiveMs,
} from "./redis-command-runner.js";

/** Options of {@link RedisHealthStateStore}. */
export interface RedisHealthStateStoreOptions extends RedisStoreOptions {
  /** How long a saved health state lives after its last save, in milliseconds. Default 24 hours. */
  ttlMs?: number;
}

/** The default lifetime of a saved health state: 24 hours. */
export const DEFAULT_HEALTH_STATE_TTL_MS = 24 * 3600_000;

/** A health snapshot as saved, with when (Redis time) and by whom. */
export interface StoredHealthState {
  snapshot: HealthSnapshot;
  /** Redis's epoch milliseconds at the save; strictly increasing per supplier. */
  savedAt: number;
  /** The tag the saving process passed (empty when none). */
  origin: string;
}

/** Where {@link syncSupplierHealth} keeps shared health; {@link RedisHealthStateStore} is one. */
export interface HealthStateStore {
  /** The last saved state of `supplier`, if any. */
  load(supplier: string): Promise<StoredHealthState | undefined>;
  /** Saves `snapshot` as `supplier`'s state; resolves with its `savedAt`. */
  save(supplier: string, snapshot: HealthSnapshot, origin?: string): Promise<number>;
}

// KEYS: state. ARGV: fence, snapshot JSON, origin, ttl ms.
const saveScript = defineFencedScript(`
local saved_at = kaquan_now_ms
local previous = tonumber(redis.call('HGET', KEYS[1], 'savedAt') or '')
if previous and previous >= saved_at then saved_at = previous + 1 end
local stamp = string.format('%.0f', saved_at)
redis.call('HSET', KEYS[1], 'snapshot', ARGV[2], 'origin', ARGV[3], 'savedAt', stamp)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return stamp
`);

/** Supplier health snapshots in Redis. Redis failures reject with `StoreUnavailableError`. */
export class RedisHealthStateStore implements HealthStateStore {
  readonly #runner: RedisCommandRunner;
  readonly #ttlMs: number;

  constructor(options: RedisHealthStateStoreOptions) {
    this.#runner = new RedisCommandRunner(options, "RedisHealthStateStore");
    this.#ttlMs = requirePositiveMs(
      options.ttlMs ?? DEFAULT_HEALTH_STATE_TTL_MS,
      "RedisHealthStateStore: ttlMs",
    );
  }

  async load(supplier: string): Promise<StoredHealthState | undefined> {
    const redisKey = this.#runner.key("health", supplier);
    const fields = await this.#runner.command(`read the health of ${supplier}`, (redis) =>
      redis.hgetall(redisKey),
    );
    if (!fields || fields.snapshot === undefined) return undefined;
    let snapshot: HealthSnapshot;
    try {
      snapshot = JSON.parse(fields.snapshot) as HealthSnapshot;
    } catch {
      throw new StoreUnavailableError(
        `Redis key ${redisKey} does not hold a kaquan health state; give kaquan a prefix of its own`,
      );
    }
    return { snapshot, savedAt: Number(fields.savedAt), origin: fields.origin ?? "" };
  }

  async save(supplier: string, snapshot: HealthSnapshot, origin = ""): Promise<number> {
    const reply = await this.#runner.script(
      `save the health of ${supplier}`,
      saveScript,
      [this.#runner.key("health", supplier)],
      [JSON.stringify(snapshot), origin, this.#ttlMs],
    );
    return Number(reply);
  }
}
