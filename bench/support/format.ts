/** Number formatting for the printed tables: fixed widths, thousands separators, units. */

const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** A count or a rate, grouped: `12,345`. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? grouped.format(value) : "-";
}

/** Milliseconds with a precision that suits their size. */
export function formatMilliseconds(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** Microseconds, for per-operation CPU costs. */
export function formatMicroseconds(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value >= 100 ? 0 : 1)} µs` : "-";
}

/** A ratio: `0.93×`. */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "-";
}

/** Seconds: `512.3 s`. */
export function formatSeconds(milliseconds: number): string {
  return Number.isFinite(milliseconds) ? `${(milliseconds / 1000).toFixed(1)} s` : "-";
}

/** Bytes in KB (1 KB = 1,000 bytes, as bundle-size budgets are usually stated) or MB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "-";
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${(bytes / 1000).toFixed(1)} KB`;
}

/** A share: `97.5 %`. */
export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)} %` : "-";
}
