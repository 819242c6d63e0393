/**
 * The one check every numeric option of the health machinery (breaker, window, retry budget)
 * goes through, so a bad value is refused with the same kind of message everywhere: the option's
 * name, the range it must be in, and an example.
 */
import { ConfigurationError } from "../core/index.js";

/** The range an option must be in. */
export interface NumberOptionRule {
  /** A whole number only. */
  integer?: boolean;
  min: number;
  /** `min` itself is refused. */
  exclusiveMin?: boolean;
  max?: number;
}

/**
 * Returns `value` when it is a finite number within `rule`.
 * @throws ConfigurationError naming `name` (e.g. "circuit breaker openMs"), the range and `example`.
 */
export function requireNumberOption(
  name: string,
  value: number,
  rule: NumberOptionRule,
  example: string,
): number {
  const finite = typeof value === "number" && Number.isFinite(value);
  const aboveMin = finite && (rule.exclusiveMin ? value > rule.min : value >= rule.min);
  const belowMax = rule.max === undefined || value <= rule.max;
  if (!aboveMin || !belowMax || (rule.integer && !Number.isInteger(value))) {
    const kind = rule.integer ? "a whole number" : "a finite number";
    const range =
      rule.max === undefined
        ? `${rule.exclusiveMin ? ">" : "≥"} ${rule.min}`
        : `${rule.exclusiveMin ? "above" : "from"} ${rule.min} to ${rule.max}`;
    throw new ConfigurationError(`${name} must be ${kind} ${range}, e.g. ${example}`);
  }
  return value;
}
