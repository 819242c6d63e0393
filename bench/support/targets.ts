/**
 * Targets printed beside the results. A target is information for whoever reads the run, never
 * an assertion: a benchmark that misses one still finishes and exits 0 (timings vary with the
 * machine and its load; nothing in `npm test` depends on them).
 */

export interface TargetCheck {
  /** What is checked, e.g. `throughput ratio at c=64`. */
  name: string;
  /** The target as text, e.g. `≥ 0.90`. */
  target: string;
  /** The measured value as text. */
  measured: string;
  /** The measured value as a number (for the JSON results). */
  value: number;
  pass: boolean;
}

/** A target met when `value ≥ threshold`. */
export function atLeast(
  name: string,
  value: number,
  threshold: number,
  format: (value: number) => string,
): TargetCheck {
  return { name, target: `≥ ${format(threshold)}`, measured: format(value), value, pass: value >= threshold };
}

/** A target met when `value ≤ threshold`. */
export function atMost(
  name: string,
  value: number,
  threshold: number,
  format: (value: number) => string,
): TargetCheck {
  return { name, target: `≤ ${format(threshold)}`, measured: format(value), value, pass: value <= threshold };
}

/** A yes/no check, e.g. "pino is never loaded". */
export function holds(name: string, pass: boolean, measured: string): TargetCheck {
  return { name, target: "yes", measured, value: pass ? 1 : 0, pass };
}
