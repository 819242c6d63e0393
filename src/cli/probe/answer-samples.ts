/**
 * How a supplier's stock and price answers change over a probe. Suppliers cache stock: an answer
 * that changes every few seconds is live, one that changes every few minutes is a cached level
 * (and a product "in stock" may still be refused). The probe samples the answers at a fixed
 * cadence and this summary turns the samples into the observed refresh interval.
 */

/** One sampled answer. */
export interface AnswerSample {
  /** Milliseconds since the probe started. */
  readonly atMs: number;
  /** The answer, reduced to comparable text (e.g. `in_stock` or `25.50 CNY on_sale`); absent on error. */
  readonly answer?: string;
  /** The error code when the request failed. */
  readonly error?: string;
}

/** What the samples show. */
export interface SampleSummary {
  readonly samples: number;
  readonly errors: number;
  /** Different answers seen. */
  readonly distinctAnswers: number;
  /** How many times an answer differed from the previous successful one. */
  readonly changes: number;
  /** Milliseconds between the first and last successful sample. */
  readonly observedMs: number;
  /** The median time between two changes: the observed refresh interval (needs two changes). */
  readonly refreshIntervalMs?: number;
  /** The summary in words, for the table and the report. */
  readonly verdict: string;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** Summarises samples taken in time order. */
export function summarizeSamples(samples: readonly AnswerSample[]): SampleSummary {
  const answered = samples.filter((sample) => sample.answer !== undefined);
  const errors = samples.length - answered.length;
  const changeTimes: number[] = [];
  for (let index = 1; index < answered.length; index += 1) {
    if (answered[index]!.answer !== answered[index - 1]!.answer) changeTimes.push(answered[index]!.atMs);
  }
  const observedMs = answered.length > 1 ? answered[answered.length - 1]!.atMs - answered[0]!.atMs : 0;
  const gaps = changeTimes.slice(1).map((time, index) => time - changeTimes[index]!);
  const refreshIntervalMs = median(gaps);
  const distinctAnswers = new Set(answered.map((sample) => sample.answer)).size;
  let verdict: string;
  if (answered.length === 0) verdict = samples.length === 0 ? "not sampled" : "every sample failed";
  else if (changeTimes.length === 0)
    verdict = `no change in ${seconds(observedMs)} (${answered.length} samples): refreshes less often, or never changed`;
  else if (refreshIntervalMs === undefined)
    verdict = `changed once in ${seconds(observedMs)}: too few changes to estimate a refresh interval`;
  else
    verdict = `changed ${changeTimes.length} times in ${seconds(observedMs)}: refreshes about every ${seconds(refreshIntervalMs)}`;
  return {
    samples: samples.length,
    errors,
    distinctAnswers,
    changes: changeTimes.length,
    observedMs,
    ...(refreshIntervalMs !== undefined ? { refreshIntervalMs } : {}),
    verdict: errors > 0 ? `${verdict}; ${errors} of ${samples.length} samples failed` : verdict,
  };
}
