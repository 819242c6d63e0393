/**
 * When a router may try the next supplier. The one rule that matters: only after a *definitive*
 * failure — the supplier refused the order, or it provably never left this process. After an
 * ambiguous failure the order may exist at that supplier; trying another one is exactly how an
 * order is fulfilled twice (design.md, promise 1), so it stays there, `unknown`, and is resolved
 * there.
 */
import { type FailureClass, KaquanError } from "../core/index.js";
import { lookup } from "../runtime/table-lookup.js";

/**
 * - `fail-over`: nothing was delivered and nothing can be: try the next offer.
 * - `stop`: a definitive failure another supplier would repeat (the customer's account is
 *   invalid): the routed order fails with this reason.
 * - `hold`: the order may exist at this supplier: never try another.
 */
export type FailOverDecision = "fail-over" | "stop" | "hold";

/**
 * By error code. The client only throws these after the write-ahead record shows nothing was sent
 * or the supplier refused: an ambiguous placement resolves to an `unknown` order, never throws.
 */
export const failOverByCode: Readonly<Record<string, FailOverDecision>> = {
  out_of_stock: "fail-over",
  insufficient_balance: "fail-over",
  product_unavailable: "fail-over",
  /** The breaker refused before anything was sent. */
  circuit_open: "fail-over",
  /** Connection refused, DNS: the request never left (retries exhausted). */
  not_sent: "fail-over",
  /** The supplier kept asking us to slow down; the order was not taken. */
  rate_limited: "fail-over",
  /** This supplier's live quote is above `maxCost`; another may be cheaper. */
  price_above_max_cost: "fail-over",
  /** Our credentials at this supplier are wrong: a configuration problem there, not with the order. */
  authentication_failed: "fail-over",
  request_rejected: "fail-over",
  rejected: "fail-over",
  /** This supplier cannot take the order as routed (kind, id format, a required field). */
  validation_error: "fail-over",
  unsupported_operation: "fail-over",
  /**
   * The caller aborted. The client may already have sent the order (an abort while it resolves a
   * lost answer is still an AbortedError), and the caller asked to stop, not to go elsewhere: the
   * attempt stays `sending` and the next call with the same id resumes it.
   */
  aborted: "hold",
  /** The phone number or game account is wrong: every supplier would refuse it. */
  invalid_account: "stop",
  /** The supplier holds a different order under this id: it is real and may be fulfilled. */
  idempotency_conflict: "hold",
  duplicate_order: "hold",
};

/** The decision for a failure with this code and failure class. Anything unrecognised holds. */
export function failOverDecisionFor(code: string, failureClass: FailureClass | undefined): FailOverDecision {
  const byCode = lookup(failOverByCode, code);
  if (byCode) return byCode;
  // A code this table does not know: only a provable "never sent" or a supplier refusal is safe.
  if (failureClass === "not_sent" || failureClass === "rejected") return "fail-over";
  return "hold";
}

/** The decision for an error thrown by `client.placeOrder`. A non-kaquan error holds. */
export function failOverDecisionOf(error: unknown): FailOverDecision {
  if (!KaquanError.isInstance(error)) return "hold";
  return failOverDecisionFor(error.code, error.failureClass);
}
