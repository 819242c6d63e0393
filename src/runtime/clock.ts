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
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const utc = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  return Number.isNaN(utc) ? undefined : utc - offsetMinutes * 60_000;
}

/** ISO 8601 text of an epoch time. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
