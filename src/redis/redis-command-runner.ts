/**
 * How every Redis store talks to Redis: namespaced keys, a bound on every command, one error type
 * for every failure, and fenced Lua scripts.
 *
 * Why a fence: ioredis queues commands while it is disconnected (its offline queue) and sends
 * them when it reconnects — possibly long after kaquan stopped waiting and told its caller the
 * store was unavailable. A write that lands then would contradict what kaquan reported (a
 * write-ahead claim nobody acts on would block the order id forever). So every write runs in a
 * Lua script that first compares Redis's own clock with a deadline sent along with it, and
 * changes nothing when it arrives after the deadline. The deadline is expressed in Redis time
 * (through a measured offset), so the processes' clocks do not matter.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { ConfigurationError, StoreUnavailableError } from "../core/index.js";

/** Options every Redis store takes. */
export interface RedisStoreOptions {
  /**
   * An ioredis client (`new Redis(process.env.REDIS_URL)`), shared by every store. kaquan never
   * closes a client it was given. Any ioredis options work; see docs/redis.md for the ones that
   * matter (a reconnect strategy that keeps retrying, and no `keyPrefix` unless you want two).
   */
  redis: Redis;
  /**
   * The namespace of every key: `<prefix>:<kind>:<key>`. Give each environment (and each test
   * run) its own. Default `kaquan`.
   */
  prefix?: string;
  /**
   * The longest kaquan waits for one Redis command, in milliseconds, including the time it spends
   * in ioredis's offline queue while Redis is unreachable. Past it the call fails with
   * `StoreUnavailableError` and nothing is acted on. Default 2000.
   */
  commandTimeoutMs?: number;
}

/** The default key namespace. */
export const DEFAULT_REDIS_PREFIX = "kaquan";
/** The default bound on one Redis command, in milliseconds. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000;

/** A Lua script with its SHA-1, run with EVALSHA (falling back to EVAL once per server). */
export interface RedisScript {
  readonly lua: string;
  readonly sha: string;
}

/** Arguments of a script after the fence (`ARGV[2]` onwards). */
export type ScriptArgument = string | number;

const FENCED_ERROR = "KAQUAN_FENCED";

/**
 * Prepended to every write script. `ARGV[1]` is the fence: the last moment, in Redis's own epoch
 * milliseconds, at which the script may still change anything. The script body can use
 * `kaquan_now_ms` and `kaquan_now_us` (Redis's clock). Scripts need Redis ≥ 5, where scripts
 * replicate their effects, so reading TIME before writing is allowed.
 */
const fencePrologue = `
local kaquan_time = redis.call('TIME')
local kaquan_now_us = tonumber(kaquan_time[1]) * 1000000 + tonumber(kaquan_time[2])
local kaquan_now_ms = math.floor(kaquan_now_us / 1000)
if kaquan_now_ms > tonumber(ARGV[1]) then
  return redis.error_reply('${FENCED_ERROR} the command reached Redis after its deadline')
end
`;

/** Defines a fenced write script (see the module comment). */
export function defineFencedScript(body: string): RedisScript {
  const lua = `${fencePrologue}\n${body}`;
  return { lua, sha: createHash("sha1").update(lua).digest("hex") };
}

/** Why a command failed, before it becomes a {@link StoreUnavailableError}. */
const timedOut = Symbol("timed out");

/** How long a measured Redis clock offset is trusted before it is measured again. */
const OFFSET_TTL_MS = 30_000;

/** Reads and validates the shared store options. */
export function resolveRedisStoreOptions(
  options: RedisStoreOptions | undefined,
  storeName: string,
): { redis: Redis; prefix: string; commandTimeoutMs: number } {
  const redis = options?.redis;
  if (
    typeof redis !== "object" ||
    redis === null ||
    typeof (redis as { evalsha?: unknown }).evalsha !== "function"
  ) {
    throw new ConfigurationError(
      `${storeName} needs { redis }: an ioredis client, e.g. new Redis(process.env.REDIS_URL) from "ioredis"`,
    );
  }
  const prefix = options?.prefix ?? DEFAULT_REDIS_PREFIX;
  if (typeof prefix !== "string" || !/^[^\s]{1,128}$/.test(prefix)) {
    throw new ConfigurationError(
      `${storeName}: prefix must be 1-128 characters without spaces, e.g. "kaquan" or "kaquan-staging"`,
    );
  }
  const commandTimeoutMs = options?.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  if (typeof commandTimeoutMs !== "number" || !Number.isFinite(commandTimeoutMs) || commandTimeoutMs < 10) {
    throw new ConfigurationError(`${storeName}: commandTimeoutMs must be a number of milliseconds ≥ 10`);
  }
  return { redis, prefix, commandTimeoutMs };
}

/** Validates a positive duration option. */
export function requirePositiveMs(value: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a number of milliseconds ≥ 1`);
  }
  return Math.ceil(value);
}

/**
 * Runs commands for one store: namespaced keys, bounded waits, fenced scripts, and every failure
 * turned into a {@link StoreUnavailableError} whose message carries no connection string, no
 * command argument and no stored value (an ioredis error may carry all three).
 */
export class RedisCommandRunner {
  readonly prefix: string;
  readonly commandTimeoutMs: number;
  readonly #redis: Redis;
  /** Redis epoch ms minus local epoch ms, with when it was measured (local performance time). */
  #offset: { ms: number; measuredAt: number } | undefined;

  constructor(options: RedisStoreOptions | undefined, storeName: string) {
    const resolved = resolveRedisStoreOptions(options, storeName);
    this.#redis = resolved.redis;
    this.prefix = resolved.prefix;
    this.commandTimeoutMs = resolved.commandTimeoutMs;
  }

  /** `<prefix>:<kind>:<key>`. */
  key(kind: string, key: string): string {
    return `${this.prefix}:${kind}:${key}`;
  }

  /** Runs one read (or a write that is harmless when late) within the command timeout. */
  async command<T>(operation: string, run: (redis: Redis) => Promise<T>): Promise<T> {
    const deadline = performance.now() + this.commandTimeoutMs;
    try {
      return await this.#bounded(() => run(this.#redis), deadline);
    } catch (error) {
      throw this.#unavailable(operation, error);
    }
  }

  /**
   * Runs a fenced write script within the command timeout. The fence lies a little before the
   * local deadline, so a script that runs at all runs while kaquan still waits for its answer.
   */
  async script(
    operation: string,
    script: RedisScript,
    keys: readonly string[],
    args: readonly ScriptArgument[],
  ): Promise<unknown> {
    const startedAt = Date.now();
    const deadline = performance.now() + this.commandTimeoutMs;
    try {
      const offsetMs = await this.#clockOffset(deadline);
      const margin = Math.min(250, Math.floor(this.commandTimeoutMs / 4));
      const fence = Math.floor(startedAt + offsetMs + this.commandTimeoutMs - margin);
      const argv = [String(fence), ...args.map(String)];
      try {
        return await this.#bounded(
          () => this.#redis.evalsha(script.sha, keys.length, ...keys, ...argv),
          deadline,
        );
      } catch (error) {
        // A server that restarted (or never ran the script) has no cached copy: send it once.
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return await this.#bounded(
          () => this.#redis.eval(script.lua, keys.length, ...keys, ...argv),
          deadline,
        );
      }
    } catch (error) {
      throw this.#unavailable(operation, error);
    }
  }

  /** Redis time minus local time, measured with TIME and cached for a while. */
  async #clockOffset(deadline: number): Promise<number> {
    const cached = this.#offset;
    if (cached && performance.now() - cached.measuredAt < OFFSET_TTL_MS) return cached.ms;
    const before = Date.now();
    const reply = await this.#bounded(() => this.#redis.time(), deadline);
    const after = Date.now();
    const redisMs = Number(reply[0]) * 1000 + Number(reply[1]) / 1000;
    if (!Number.isFinite(redisMs)) throw new Error("TIME answered something other than a time");
    const ms = redisMs - (before + after) / 2;
    this.#offset = { ms, measuredAt: performance.now() };
    return ms;
  }

  /** Resolves with `run()`'s result, or rejects with `timedOut` at `deadline` (performance time). */
  #bounded<T>(run: () => Promise<T>, deadline: number): Promise<T> {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return Promise.reject(timedOut);
    return new Promise<T>((resolve, reject) => {
      let pending: Promise<T>;
      try {
        pending = run();
      } catch (error) {
        reject(error);
        return;
      }
      const timer = setTimeout(() => reject(timedOut), remaining);
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #unavailable(operation: string, error: unknown): StoreUnavailableError {
    if (StoreUnavailableError.isInstance(error)) return error;
    const reason = describeFailure(error, this.commandTimeoutMs);
    // The server may have changed (a restart, a fail-over): measure its clock again.
    if (reason.connection) this.#offset = undefined;
    return new StoreUnavailableError(
      `Redis store could not ${operation}: ${reason.text}. kaquan failed closed and acted on nothing it could not record; check that Redis is running and reachable, then retry (the same merchantOrderId is safe to retry)`,
    );
  }
}

/** A secret-free description of a failure: codes and fixed words only, never a message body. */
function describeFailure(error: unknown, timeoutMs: number): { text: string; connection: boolean } {
  if (error === timedOut) return { text: `Redis did not answer within ${timeoutMs} ms`, connection: true };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,31}$/.test(code))
      return { text: `Redis could not be reached (${code})`, connection: true };
    if (error.name === "MaxRetriesPerRequestError")
      return { text: "Redis could not be reached (ioredis gave up reconnecting)", connection: true };
    if (/^Connection is closed|Stream isn't writeable|enableOfflineQueue/.test(error.message))
      return { text: "the Redis connection is closed or not ready", connection: true };
    const word = /^([A-Z][A-Z_]{1,31})(?:\s|$)/.exec(error.message)?.[1];
    if (word === FENCED_ERROR)
      return {
        text: "the command reached Redis only after kaquan had stopped waiting for it, so it changed nothing",
        connection: true,
      };
    if (word === "NOSCRIPT") return { text: "Redis lost its script cache", connection: true };
    if (word) return { text: `Redis refused the command (${word})`, connection: false };
  }
  return { text: "the Redis command failed", connection: false };
}
