/**
 * Summaries of measured durations for the probe report: percentiles (nearest rank, the values a
 * supplier's SLA quotes) and a histogram with round bin edges.
 */

/** Count, extremes, mean and percentiles of a set of durations in milliseconds. */
export interface DistributionSummary {
  readonly count: number;
  readonly minMs?: number;
  readonly p50Ms?: number;
  readonly p90Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  readonly meanMs?: number;
}

/** The nearest-rank percentile `p` (0–100) of ascending `sorted`; undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)];
}

/** Summarises finite values; non-finite ones are ignored. */
export function summarizeDurations(values: readonly number[]): DistributionSummary {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((left, right) => left - right);
  if (sorted.length === 0) return { count: 0 };
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    minMs: sorted[0]!,
    p50Ms: percentile(sorted, 50)!,
    p90Ms: percentile(sorted, 90)!,
    p99Ms: percentile(sorted, 99)!,
    maxMs: sorted[sorted.length - 1]!,
    meanMs: Math.round(total / sorted.length),
  };
}

/** One histogram bin: values in `[fromMs, toMs)` (the last bin includes `toMs`). */
export interface HistogramBin {
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
}

/** A bin width of 1, 2 or 5 × 10ⁿ ms, so edges read as round numbers. */
function roundWidth(raw: number): number {
  if (!(raw > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= raw) return step * magnitude;
  return 10 * magnitude;
}

/** Splits finite, non-negative values into at most `maxBins` bins of a round width. */
export function histogram(values: readonly number[], maxBins = 12): HistogramBin[] {
  const finite = values.filter((value) => Number.isFinite(value) && value >= 0);
  if (finite.length === 0) return [];
  const max = Math.max(...finite);
  // Never narrower than 1 ms: the measurements are whole milliseconds.
  const width = Math.max(1, roundWidth(max / Math.max(1, maxBins)));
  const count = Math.max(1, Math.min(maxBins, Math.floor(max / width) + 1));
  const bins = Array.from({ length: count }, (_unused, index) => ({
    fromMs: index * width,
    toMs: (index + 1) * width,
    count: 0,
  }));
  for (const value of finite) {
    const index = Math.min(count - 1, Math.floor(value / width));
    bins[index]!.count += 1;
  }
  return bins;
}
