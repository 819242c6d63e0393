/**
 * A retry budget shared by every call to one supplier: the retry quota of the AWS SDK v3
 * standard retry strategy (500 units; a retry costs 5, a retry after a timeout 10; a success
 * returns what its retry cost, or 1 when it needed none). While a supplier is healthy the budget
 * stays full; in an outage retries drain it within a hundred or so, and from then on each call
 * makes one attempt — so the outage is not multiplied by the retry count on top of it.
 */
import { z } from "zod";
import { KaquanError, parseInput } from "../core/index.js";
import { requireNumberOption } from "./number-option.js";

/** Options of {@link createRetryBudget}. Every one has a default. */
export interface RetryBudgetOptions {
  /** Units the budget holds when full (and starts with). Default 500. `0` disables retries. */
  capacity?: number;
  /** Units one retry costs. Default 5. */
  retryCost?: number;
  /**
   * Units a retry after a timeout or another unanswered request costs: those tie up the
   * supplier's capacity as well as ours. Default 10.
   */
  timeoutRetryCost?: number;
  /** Units a success that needed no retry puts back. Default 1. */
  successRefund?: number;
  /**
   * Units returned per second whatever happens, so a supplier with little traffic is not left
   * without retries for long after an outage. Default 0 (only successes refill, as in AWS).
   */
  refillPerSecond?: number;
  /** Clock in epoch milliseconds (used by `refillPerSecond`). Default `Date.now`. */
  now?: () => number;
}

/** JSON-safe state of a {@link RetryBudget}. */
export interface RetryBudgetSnapshot {
  /** Units left. */
  available: number;
  capacity: number;
  /** True from a refused retry until the budget can pay for any retry again. */
  exhausted: boolean;
}

/** The schema {@link RetryBudget.restore} validates against. */
export const RetryBudgetSnapshotSchema = z.object({
  available: z.number().min(0),
  capacity: z.number().min(0).optional(),
  exhausted: z.boolean().optional(),
});

/** A shared retry quota. Create it with {@link createRetryBudget}. */
export interface RetryBudget {
  /** What retrying after `error` costs: `timeoutRetryCost` for an unanswered request, else `retryCost`. */
  costOf(error: unknown): number;
  /**
   * Takes the cost of one retry after `error`. `false` (nothing taken) when the budget cannot pay:
   * give up and report the error. Only accounting: whether the error may be retried at all is the
   * retry policy's decision, made first.
   */
  tryWithdraw(error: unknown): boolean;
  /**
   * Records a successful request. After a retry it returns that retry's cost (`withdrawnCost`,
   * default `retryCost`; see {@link RetryBudget.costOf}); otherwise `successRefund`. Never above
   * `capacity`.
   */
  recordSuccess(afterRetry?: boolean, withdrawnCost?: number): void;
  /** Units left. */
  available(): number;
  /** True from a refused withdrawal until the budget can pay for any retry again. */
  exhausted(): boolean;
  /** JSON-safe state. */
  snapshot(): RetryBudgetSnapshot;
  /**
   * Replaces the state with a saved one; `available` is capped at this budget's capacity.
   * @throws ValidationError naming each bad field.
   */
  restore(snapshot: RetryBudgetSnapshot | { available: number; exhausted?: boolean }): void;
}

/** True for errors that mean "sent, no answer": a timeout, a reset, a 5xx, an unusable body. */
function isUnanswered(error: unknown): boolean {
  if (KaquanError.isInstance(error)) return error.failureClass === "sent_no_answer";
  // AbortSignal.timeout() rejects with a DOMException named TimeoutError.
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TimeoutError";
}

/**
 * Creates a retry budget. Share one between every call to a supplier (the supplier's
 * {@link SupplierHealth} does).
 * @throws ConfigurationError for an option out of range.
 */
export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const capacity = requireNumberOption(
    "retry budget capacity",
    options.capacity ?? 500,
    { min: 0 },
    "{ capacity: 500 }",
  );
  const retryCost = requireNumberOption(
    "retry budget retryCost",
    options.retryCost ?? 5,
    { min: 0 },
    "{ retryCost: 5 }",
  );
  const timeoutRetryCost = requireNumberOption(
    "retry budget timeoutRetryCost",
    options.timeoutRetryCost ?? 10,
    { min: 0 },
    "{ timeoutRetryCost: 10 }",
  );
  const successRefund = requireNumberOption(
    "retry budget successRefund",
    options.successRefund ?? 1,
    { min: 0 },
    "{ successRefund: 1 }",
  );
  const refillPerSecond = requireNumberOption(
    "retry budget refillPerSecond",
    options.refillPerSecond ?? 0,
    { min: 0 },
    "{ refillPerSecond: 0 }",
  );
  const now = options.now ?? Date.now;
  // "Restored" needs room for the dearest retry, so the exhausted/restored signal does not
  // flap on every cheap retry the budget can just afford.
  const restoredAt = Math.max(retryCost, timeoutRetryCost);

  let available = capacity;
  let exhausted = false;
  let refilledAt = now();

  const deposit = (amount: number) => {
    available = Math.min(capacity, available + amount);
    if (exhausted && available >= restoredAt) exhausted = false;
  };
  const refill = () => {
    if (refillPerSecond === 0) return;
    const time = now();
    // A clock stepping backwards refills nothing (and does not move the mark back).
    if (time > refilledAt) {
      deposit(((time - refilledAt) / 1000) * refillPerSecond);
      refilledAt = time;
    }
  };

  const costOf = (error: unknown) => (isUnanswered(error) ? timeoutRetryCost : retryCost);

  return {
    costOf,

    tryWithdraw(error) {
      refill();
      const cost = costOf(error);
      if (available < cost) {
        exhausted = true;
        return false;
      }
      available -= cost;
      return true;
    },

    recordSuccess(afterRetry = false, withdrawnCost) {
      refill();
      const refund = afterRetry ? (withdrawnCost ?? retryCost) : successRefund;
      if (typeof refund === "number" && Number.isFinite(refund) && refund > 0) deposit(refund);
    },

    available() {
      refill();
      return available;
    },

    exhausted() {
      refill();
      return exhausted;
    },

    snapshot() {
      refill();
      return { available, capacity, exhausted };
    },

    restore(value) {
      const snapshot = parseInput(RetryBudgetSnapshotSchema, value, "retry budget snapshot");
      refill();
      available = Math.min(capacity, snapshot.available);
      exhausted = snapshot.exhausted ?? false;
      if (exhausted && available >= restoredAt) exhausted = false;
    },
  };
}
