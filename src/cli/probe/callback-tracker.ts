/**
 * Records when callbacks arrive during a probe, from the callback pipeline's `onEvent` (a state
 * delivered from a verified callback) and the binding's `onResult` (every callback, refused ones
 * included). A callback that does not verify is a finding: the probe counts it.
 */
import type { CallbackResult } from "../../callbacks/index.js";
import { isFinal, type StatusEvent } from "../../core/index.js";

/** Callback arrivals, by merchant order id. */
export interface CallbackTracker {
  /** Give to `createCallbackHandler({ onEvent })`. */
  onEvent(event: StatusEvent): void;
  /** Give to the binding's `onResult`. */
  onResult(result: CallbackResult): void;
  /** When the callback carrying the order's final state arrived, if it did. */
  finalArrival(merchantOrderId: string): number | undefined;
  /** Resolves with the final callback's arrival time; never rejects (stays pending once `signal` fires). */
  whenFinal(merchantOrderId: string, signal: AbortSignal): Promise<number>;
  /** Callbacks received, and how many were refused (signature, replay window, malformed). */
  counts(): { received: number; refused: number };
}

/** A tracker whose times come from `now` (the probe's clock). */
export function createCallbackTracker(now: () => number): CallbackTracker {
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, Array<(at: number) => void>>();
  let received = 0;
  let refused = 0;
  return {
    onEvent(event) {
      // Only callbacks that moved an order into a final state count as "the final callback".
      if (event.source !== "callback" || !isFinal(event.status) || arrivals.has(event.merchantOrderId))
        return;
      const at = now();
      arrivals.set(event.merchantOrderId, at);
      for (const wake of waiters.get(event.merchantOrderId) ?? []) wake(at);
      waiters.delete(event.merchantOrderId);
    },
    onResult(result) {
      received += 1;
      if (result.outcome === "rejected") refused += 1;
    },
    finalArrival: (merchantOrderId) => arrivals.get(merchantOrderId),
    whenFinal(merchantOrderId, signal) {
      const known = arrivals.get(merchantOrderId);
      if (known !== undefined) return Promise.resolve(known);
      return new Promise((resolve) => {
        if (signal.aborted) return;
        const list = waiters.get(merchantOrderId) ?? [];
        list.push(resolve);
        waiters.set(merchantOrderId, list);
        signal.addEventListener(
          "abort",
          () => {
            const remaining = (waiters.get(merchantOrderId) ?? []).filter((wake) => wake !== resolve);
            if (remaining.length > 0) waiters.set(merchantOrderId, remaining);
            else waiters.delete(merchantOrderId);
          },
          { once: true },
        );
      });
    },
    counts: () => ({ received, refused }),
  };
}
