/**
 * The client's write-ahead records in Redis, shared by every process that places orders: the
 * claim is one atomic SET-if-absent, so two processes given the same `merchantOrderId` agree on
 * one owner and the supplier sees the order once (promise 1).
 *
 * Keys (prefix `kaquan` by default):
 * - `<prefix>:order:<supplier>:<merchantOrderId>` — the record's JSON. Lives `recordTtlMs`
 *   (default 30 days) after its last write.
 * - `<prefix>:pending:<supplier>` — a set of the record keys whose order is not final, kept in the
 *   same atomic writes as the records (a record leaves it when its order becomes final). Lives as
 *   long as its newest pending record.
 * - `<prefix>:suppliers:pending` — the suppliers that have had pending records, for `listPending()`
 *   without a supplier. Same lifetime.
 */
import { isFinal } from "../core/index.js";
import type { ClaimResult, IdempotencyStore, OrderRecord } from "../stores/idempotency-store.js";
import {
  defineFencedScript,
  RedisCommandRunner,
  type RedisStoreOptions,
  requirePositiveMs,
} from "./redis-command-runner.js";
import { optimisticUpdate } from "./redis-optimistic-update.js";
import { decodeStoredValue, encodeStoredValue } from "./redis-value-codec.js";

/** Options of {@link RedisIdempotencyStore}. */
export interface RedisIdempotencyStoreOptions extends RedisStoreOptions {
  /**
   * How long a record lives after its last write, in milliseconds. It must outlast every retry
   * of an order and every late callback: past it, the same `merchantOrderId` could be placed
   * again. Default 30 days.
   */
  recordTtlMs?: number;
}

/** The default lifetime of an order record after its last write: 30 days. */
export const DEFAULT_ORDER_RECORD_TTL_MS = 30 * 24 * 3600_000;

// KEYS: record, pending set, suppliers index. ARGV: fence, record JSON, ttl, pending flag,
// pending member (the record's key), supplier.
const claimScript = defineFencedScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[2], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  redis.call('SADD', KEYS[3], ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return {1}
`);

// KEYS: record, pending set, suppliers index. ARGV: fence, expected present ('1'/'0'), expected
// JSON, next JSON, ttl, pending flag, pending member, supplier.
const compareAndSetScript = defineFencedScript(`
local current = redis.call('GET', KEYS[1])
if ARGV[2] == '1' then
  if current ~= ARGV[3] then return 0 end
elseif current then
  return 0
end
redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
if ARGV[6] == '1' then
  redis.call('SADD', KEYS[2], ARGV[7])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  redis.call('SADD', KEYS[3], ARGV[8])
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
else
  redis.call('SREM', KEYS[2], ARGV[7])
end
return 1
`);

// KEYS: record. ARGV: fence, fingerprint, pending member, pending-set key prefix. The pending set
// is named after the record's own supplier, read here, so the whole check-and-delete is atomic.
// (That key is computed in the script: kaquan's Redis stores need a single Redis node, not Cluster.)
const releaseScript = defineFencedScript(`
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, record = pcall(cjson.decode, current)
if not ok or type(record) ~= 'table' then return 0 end
if record['fingerprint'] ~= ARGV[2] or tonumber(record['sends']) ~= 0 then return 0 end
redis.call('DEL', KEYS[1])
if type(record['supplier']) == 'string' then
  redis.call('SREM', ARGV[4] .. record['supplier'], ARGV[3])
end
return 1
`);

// KEYS: pending set. ARGV: fence, record-key prefix, members... Drops members whose record expired,
// checked at the moment of removal so a member claimed again meanwhile is kept.
const dropExpiredScript = defineFencedScript(`
local dropped = 0
for index = 3, #ARGV do
  if redis.call('EXISTS', ARGV[2] .. ARGV[index]) == 0 then
    dropped = dropped + redis.call('SREM', KEYS[1], ARGV[index])
  end
end
return dropped
`);

/** How many records one MGET reads. */
const READ_BATCH = 200;

/**
 * An {@link IdempotencyStore} in Redis, for several processes placing orders for the same
 * merchant. `update` is an optimistic compare-and-set: `mutate` may run more than once (see
 * `redis-optimistic-update.ts`). Every command is bounded by `commandTimeoutMs`; any Redis failure
 * rejects with `StoreUnavailableError`, and the client then sends nothing.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #runner: RedisCommandRunner;
  readonly #ttlMs: number;

  constructor(options: RedisIdempotencyStoreOptions) {
    this.#runner = new RedisCommandRunner(options, "RedisIdempotencyStore");
    this.#ttlMs = requirePositiveMs(
      options.recordTtlMs ?? DEFAULT_ORDER_RECORD_TTL_MS,
      "RedisIdempotencyStore: recordTtlMs",
    );
  }

  async claim(record: OrderRecord): Promise<ClaimResult> {
    const redisKey = this.#recordKey(record.key);
    const text = encodeStoredValue(record);
    const reply = (await this.#runner.script(
      `claim order ${record.key}`,
      claimScript,
      [redisKey, this.#pendingKey(record.supplier), this.#suppliersKey()],
      [text, this.#ttlMs, isPending(record) ? "1" : "0", record.key, record.supplier],
    )) as [number, string?];
    if (Number(reply[0]) === 1) return { claimed: true, record: decodeStoredValue(text, redisKey) };
    return { claimed: false, existing: decodeStoredValue(String(reply[1]), redisKey) };
  }

  async get(key: string): Promise<OrderRecord | undefined> {
    const redisKey = this.#recordKey(key);
    const text = await this.#runner.command(`read order ${key}`, (redis) => redis.get(redisKey));
    return text === null ? undefined : decodeStoredValue<OrderRecord>(text, redisKey);
  }

  async update(
    key: string,
    mutate: (current: OrderRecord | undefined) => OrderRecord | undefined,
  ): Promise<OrderRecord | undefined> {
    const redisKey = this.#recordKey(key);
    return optimisticUpdate<OrderRecord>({
      runner: this.#runner,
      redisKey,
      operation: `update order ${key}`,
      mutate,
      write: async (expected, nextText, next) => {
        const reply = await this.#runner.script(
          `update order ${key}`,
          compareAndSetScript,
          [redisKey, this.#pendingKey(next.supplier), this.#suppliersKey()],
          [
            expected === null ? "0" : "1",
            expected ?? "",
            nextText,
            this.#ttlMs,
            isPending(next) ? "1" : "0",
            key,
            next.supplier,
          ],
        );
        return Number(reply) === 1;
      },
    });
  }

  async release(key: string, fingerprint: string): Promise<void> {
    await this.#runner.script(
      `release order ${key}`,
      releaseScript,
      [this.#recordKey(key)],
      [fingerprint, key, this.#runner.key("pending", "")],
    );
  }

  async listPending(supplier?: string): Promise<OrderRecord[]> {
    const suppliers =
      supplier === undefined
        ? await this.#runner.command("list suppliers with pending orders", (redis) =>
            redis.smembers(this.#suppliersKey()),
          )
        : [supplier];
    const pending: OrderRecord[] = [];
    for (const name of suppliers.sort()) pending.push(...(await this.#pendingOf(name)));
    return pending;
  }

  async #pendingOf(supplier: string): Promise<OrderRecord[]> {
    const pendingKey = this.#pendingKey(supplier);
    const members = await this.#runner.command(`list pending orders of ${supplier}`, (redis) =>
      redis.smembers(pendingKey),
    );
    members.sort();
    const records: OrderRecord[] = [];
    const expired: string[] = [];
    for (let start = 0; start < members.length; start += READ_BATCH) {
      const batch = members.slice(start, start + READ_BATCH);
      const texts = await this.#runner.command(`read pending orders of ${supplier}`, (redis) =>
        redis.mget(...batch.map((member) => this.#recordKey(member))),
      );
      texts.forEach((text, index) => {
        const member = batch[index]!;
        if (text === null) {
          expired.push(member);
          return;
        }
        const record = decodeStoredValue<OrderRecord>(text, this.#recordKey(member));
        if (record.supplier === supplier && isPending(record)) records.push(record);
      });
    }
    if (expired.length > 0) {
      // Tidying only: a failure here leaves members that the next listing skips again.
      await this.#runner
        .script(
          `tidy the pending orders of ${supplier}`,
          dropExpiredScript,
          [pendingKey],
          [this.#runner.key("order", ""), ...expired],
        )
        .catch(() => undefined);
    }
    return records;
  }

  #recordKey(key: string): string {
    return this.#runner.key("order", key);
  }

  #pendingKey(supplier: string): string {
    return this.#runner.key("pending", supplier);
  }

  #suppliersKey(): string {
    return this.#runner.key("suppliers", "pending");
  }
}

/** A record is pending until its order is final (a record with no order yet is pending too). */
function isPending(record: OrderRecord): boolean {
  return !record.order || !isFinal(record.order.status);
}
