/**
 * Delivers order states to merchant code exactly once per (supplier, order, state), whichever
 * path learns the state first: a callback, a duplicate callback, the poller, another process.
 * The claim is taken before `onEvent` runs and given back if it throws, so a failed delivery is
 * retried (by the supplier's next callback or the poller's next pass) instead of lost.
 */
import type { Logger, Order, StatusEvent } from "../core/index.js";
import { isoTime, systemClock } from "../runtime/clock.js";
import { createRedactingLogger } from "../runtime/logging.js";
import { type EventClaimStore, MemoryEventClaimStore } from "../stores/event-claim-store.js";

export interface EventDeliveryOptions {
  /** Merchant code to run once per order state. Throw to have the state delivered again later. */
  onEvent: (event: StatusEvent) => void | Promise<void>;
  /** Where claims live. Default in-memory; share one store between the handler, the poller and processes. */
  store?: EventClaimStore;
  /** How long a delivery may run before another path may take it over. Default 60 s. */
  leaseMs?: number;
  /** How long a delivered state is remembered. Default 7 days. */
  rememberMs?: number;
  logger?: Logger;
  clock?: { now(): number };
}

export type DeliveryResult =
  | { outcome: "delivered"; event: StatusEvent }
  | { outcome: "duplicate" }
  | { outcome: "skipped" }
  | { outcome: "failed"; error: unknown };

export interface EventDelivery {
  /** Delivers the order's current state unless it was delivered (or is being delivered) already. */
  deliver(order: Order, previous: Order | undefined, source: StatusEvent["source"]): Promise<DeliveryResult>;
}

/**
 * The claim key of an order state. Joined, not a template literal: a claim store keeps the key
 * for days, and V8 keeps a built-up template string as a rope of pieces (about 100 bytes more).
 */
export function eventKey(order: Pick<Order, "supplier" | "merchantOrderId" | "status">): string {
  return ["event", order.supplier, order.merchantOrderId, order.status].join(":");
}

export function createEventDelivery(options: EventDeliveryOptions): EventDelivery {
  if (typeof options?.onEvent !== "function")
    throw new TypeError("createEventDelivery needs an onEvent function");
  const store = options.store ?? new MemoryEventClaimStore();
  const leaseMs = options.leaseMs ?? 60_000;
  const rememberMs = options.rememberMs ?? 7 * 24 * 3600_000;
  const clock = options.clock ?? systemClock;
  const logger = createRedactingLogger(options.logger);

  return {
    async deliver(order, previous, source) {
      // `unknown` is kaquan not knowing yet, not a state of the order: nothing to act on.
      if (order.status === "unknown") return { outcome: "skipped" };
      const key = eventKey(order);
      const claim = await store.claim(key, leaseMs);
      if (claim !== "claimed") return { outcome: "duplicate" };
      const event: StatusEvent = {
        supplier: order.supplier,
        merchantOrderId: order.merchantOrderId,
        status: order.status,
        source,
        occurredAt: order.finishedAt ?? isoTime(clock.now()),
        order,
      };
      // Assigned, not spread in: each conditional spread allocated an object per event.
      if (order.supplierOrderId) event.supplierOrderId = order.supplierOrderId;
      if (previous && previous.status !== order.status) event.previousStatus = previous.status;
      if (order.vendorStatus) event.vendorStatus = order.vendorStatus;
      try {
        const returned = options.onEvent(event);
        // A synchronous onEvent is not awaited: that would cost a turn of the microtask queue.
        if (isThenable(returned)) await returned;
      } catch (error) {
        await store.release(key);
        logger.warn(
          { supplier: order.supplier, merchantOrderId: order.merchantOrderId, status: order.status, error },
          "onEvent failed; the state will be delivered again",
        );
        return { outcome: "failed", error };
      }
      await store.complete(key, rememberMs);
      return { outcome: "delivered", event };
    },
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}
