/**
 * JSON for stored records that keeps `Secret` values. A `Secret` serialises as `[secret]` on
 * purpose (so it never reaches a log line), which would destroy a delivered card code (卡密) on its
 * way into Redis; here each one is written as `{"$kaquanSecret": value}` and read back as a
 * `Secret`. The stored JSON therefore holds card codes in clear: protect the Redis server as you
 * protect your database (ACLs, TLS, no public port) — docs/redis.md says more.
 */
import { Secret, StoreUnavailableError } from "../core/index.js";

const secretTag = "$kaquanSecret";

/** Serialises a record, keeping the values of its `Secret`s. */
export function encodeStoredValue(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, replaced: unknown) {
    // `replaced` is already the result of `toJSON` (the mask); the holder still has the original.
    const original = this[key];
    return Secret.isSecret(original) ? { [secretTag]: original.reveal() } : replaced;
  });
}

/**
 * Parses a stored record, turning tagged values back into `Secret`s.
 * @throws StoreUnavailableError when the value is not kaquan's JSON (a key written by something
 *   else under kaquan's prefix).
 */
export function decodeStoredValue<T>(text: string, redisKey: string): T {
  try {
    return JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === secretTag)
          return new Secret((value as Record<string, unknown>)[secretTag]);
      }
      return value;
    }) as T;
  } catch {
    throw new StoreUnavailableError(
      `Redis key ${redisKey} does not hold a kaquan record; another program writes under kaquan's prefix — give kaquan a prefix of its own`,
    );
  }
}
