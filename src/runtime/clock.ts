import type { Clock } from "../core/index.js";

/** The system clock. Inject another {@link Clock} in tests. */
export const systemClock: Clock = { now: () => Date.now() };

/** Resolves after `ms` milliseconds, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Formats `epochMs` as `yyyy-MM-dd HH:mm:ss` in a fixed UTC offset (China Standard Time is
 * UTC+8 all year, so no time-zone database is needed).
 */
export function formatDateTime(epochMs: number, offsetMinutes = 480): string {
  const shifted = new Date(epochMs + offsetMinutes * 60_000);
  const pad = (value: number) => String(value).padStart(2, "0");
  return (
    `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())} ` +
    `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}`
  );
}

/** Parses `yyyy-MM-dd HH:mm:ss` in a fixed UTC offset to epoch milliseconds; `undefined` if malformed. */
export function parseDateTime(text: string, offsetMinutes = 480): number | undefined {
  // Read by position rather than with a regular expression: suppliers stamp every callback and
  // order answer with such a time, and this is several times cheaper.
  const value = text.length === 19 ? text : text.trim();
  if (value.length !== 19) return undefined;
  const separator = value.charCodeAt(10);
  if (
    value.charCodeAt(4) !== 45 /* - */ ||
    value.charCodeAt(7) !== 45 ||
    (separator !== 32 /* space */ && separator !== 84) /* T */ ||
    value.charCodeAt(13) !== 58 /* : */ ||
    value.charCodeAt(16) !== 58
  )
    return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if ((year | month | day | hour | minute | second) < 0) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  return Number.isNaN(utc) ? undefined : utc - offsetMinutes * 60_000;
}

/** The decimal number written by `length` ASCII digits at `start`, or -1 if one is not a digit. */
function digitsAt(text: string, start: number, length: number): number {
  let value = 0;
  for (let index = start; index < start + length; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

let lastEpochMs = Number.NaN;
let lastIsoText = "";

/** ISO 8601 text of an epoch time. */
export function isoTime(epochMs: number): string {
  // The last answer is kept: stamps come in runs of the same millisecond (every write of an
  // order asks for "now"), and formatting a Date costs about half a microsecond.
  if (epochMs !== lastEpochMs) {
    lastIsoText = new Date(epochMs).toISOString();
    lastEpochMs = epochMs;
  }
  return lastIsoText;
}
