/**
 * The read-modify-write every Redis record store uses: GET the JSON, run the caller's `mutate` in
 * JavaScript, then write with a script that only writes while the stored value is still the one
 * read — otherwise read again and retry. WATCH/MULTI would do the same, but WATCH belongs to a
 * connection, and one ioredis client is shared by every caller in the process, so one caller's
 * EXEC would be judged against another caller's WATCH.
 *
 * `mutate` may therefore run more than once for one update (once per conflicting write); each run
 * receives the latest stored record, and only the last run's result is written. A `mutate` must
 * not act on the outside world; it should only compute the next record.
 */
import { StoreUnavailableError } from "../core/index.js";
import { sleep } from "../runtime/clock.js";
import type { RedisCommandRunner } from "./redis-command-runner.js";
import { decodeStoredValue, encodeStoredValue } from "./redis-value-codec.js";

/** How many conflicting writes one update survives before it gives up. */
const MAX_ATTEMPTS = 200;

/** What {@link optimisticUpdate} needs to know about one record. */
export interface OptimisticUpdate<T> {
  runner: RedisCommandRunner;
  /** The full Redis key of the record. */
  redisKey: string;
  /** What the update is, in words, for error messages (`update order fulu:A-1`). */
  operation: string;
  mutate: (current: T | undefined) => T | undefined;
  /**
   * Writes `nextText` only if the stored value is still `expected` (`null`: still absent).
   * Resolves `false` when it was not (someone else wrote first).
   */
  write: (expected: string | null, nextText: string, next: T) => Promise<boolean>;
}

/**
 * Atomic read-modify-write by compare-and-set. Resolves with the record as stored afterwards
 * (the current one when `mutate` returned `undefined`).
 * @throws StoreUnavailableError when Redis fails, or when the record kept changing under the
 *   update for {@link MAX_ATTEMPTS} attempts.
 */
export async function optimisticUpdate<T>(update: OptimisticUpdate<T>): Promise<T | undefined> {
  const { runner, redisKey, operation } = update;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const text = await runner.command(`read before ${operation}`, (redis) => redis.get(redisKey));
    const current = text === null ? undefined : decodeStoredValue<T>(text, redisKey);
    const next = update.mutate(current);
    if (next === undefined) return current;
    const nextText = encodeStoredValue(next);
    if (await update.write(text, nextText, next)) return decodeStoredValue<T>(nextText, redisKey);
    // Under heavy contention, spread the retries so the writers do not collide in step.
    if (attempt > 3) await sleep(Math.floor(Math.random() * Math.min(50, 2 ** (attempt - 3))));
  }
  throw new StoreUnavailableError(
    `Redis store could not ${operation}: the record changed under ${MAX_ATTEMPTS} attempts in a row. Too many writers share this record; retry later`,
  );
}
