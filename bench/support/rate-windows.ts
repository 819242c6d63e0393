/**
 * How many requests a supplier saw per second, from the arrival times it recorded: per
 * wall-clock second (a counter reset each second, as rate limiters at gateways usually count)
 * and over any 1-second window (the strictest reading of "N requests per second").
 */

export interface RateWindows {
  requests: number;
  /** Most requests in one wall-clock second (floor(t / 1000)). */
  busiestClockSecond: number;
  /** Most requests in any window [t, t + 1000 ms). */
  busiestSlidingSecond: number;
  /** Wall-clock seconds with more than `limit` requests. */
  clockSecondsOverLimit: number;
  /** First to last request, in ms. */
  spanMs: number;
}

/** Counts `times` (epoch milliseconds, any order) against `limit` requests per second. */
export function rateWindows(times: readonly number[], limit: number): RateWindows {
  const sorted = Float64Array.from(times).sort();
  const perSecond = new Map<number, number>();
  for (const time of sorted) {
    const second = Math.floor(time / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  let busiestSlidingSecond = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start += 1;
    busiestSlidingSecond = Math.max(busiestSlidingSecond, end - start + 1);
  }
  const counts = [...perSecond.values()];
  return {
    requests: sorted.length,
    busiestClockSecond: counts.length === 0 ? 0 : Math.max(...counts),
    busiestSlidingSecond,
    clockSecondsOverLimit: counts.filter((count) => count > limit).length,
    spanMs: sorted.length === 0 ? 0 : sorted[sorted.length - 1]! - sorted[0]!,
  };
}
