/**
 * The option and fault-parameter checks every supplier simulator makes, with errors that name
 * the simulator ("Fulu simulator: settleAfterMs must be a number of 0 or more"). Options are
 * refused with `ConfigurationError` when the simulator is created; fault parameters with
 * `RangeError` when the fault is queued.
 */
import { ConfigurationError, type Money, money } from "../core/index.js";
import type { ScriptedFault } from "./simulator-faults.js";

/** Checks bound to one simulator's name; see {@link simulatorChecks}. */
export interface SimulatorChecks {
  /** Returns `value` when it is a finite number of 0 or more; throws `ConfigurationError` naming `option` otherwise. */
  nonNegative(value: number, option: string): number;
  /** Parses `url`; throws `ConfigurationError` naming `option` when it is not a URL. */
  url(url: string, option: string): URL;
  /**
   * Parses a decimal amount in 元; throws `ConfigurationError` naming `option` otherwise, quoting
   * `example` (default "10000.00") as a valid amount.
   */
  amount(amount: string, option: string, example?: string): Money;
  /** Throws `RangeError` when `kinds` does not hold the fault's kind. */
  faultKind(kinds: ReadonlySet<string>, fault: ScriptedFault): void;
  /** Throws `RangeError` when the fault's `delayMs` is not a number of 0 or more, or its `queries` not a whole number of 0 or more. */
  faultTiming(fault: { delayMs?: number | undefined; queries?: number | undefined }): void;
  /** Throws `RangeError` when the fault's `code` is not a whole number. */
  faultCode(fault: { code?: number | undefined }): void;
}

/** The checks of the simulator called `name` ("Fulu", "OFPay", …). */
export function simulatorChecks(name: string): SimulatorChecks {
  const prefix = `${name} simulator:`;
  return {
    nonNegative(value, option) {
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new ConfigurationError(`${prefix} ${option} must be a number of 0 or more`);
      }
      return value;
    },
    url(url, option) {
      try {
        return new URL(url);
      } catch {
        throw new ConfigurationError(`${prefix} ${option} "${url}" is not a URL`);
      }
    },
    amount(amount, option, example = "10000.00") {
      try {
        return money(amount, "CNY");
      } catch {
        throw new ConfigurationError(
          `${prefix} ${option} "${amount}" is not a decimal amount in 元 such as "${example}"`,
        );
      }
    },
    faultKind(kinds, fault) {
      if (!kinds.has(fault.kind)) throw new RangeError(`${prefix} unknown fault kind "${fault.kind}"`);
    },
    faultTiming(fault) {
      if (fault.delayMs !== undefined && !(Number.isFinite(fault.delayMs) && fault.delayMs >= 0)) {
        throw new RangeError(`${prefix} delayMs must be 0 or more`);
      }
      if (fault.queries !== undefined && !(Number.isSafeInteger(fault.queries) && fault.queries >= 0)) {
        throw new RangeError(`${prefix} queries must be a whole number of 0 or more`);
      }
    },
    faultCode(fault) {
      if (fault.code !== undefined && !Number.isSafeInteger(fault.code)) {
        throw new RangeError(`${prefix} code must be a whole number`);
      }
    },
  };
}
