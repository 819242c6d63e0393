/**
 * The reconciliation at the end of a chaos run: what the simulators' own ledgers say happened to
 * every merchant order, against what kaquan reported. It knows nothing of how the run went, so a
 * planted double fulfilment or lost order is found the same way as a real one.
 *
 * - *double-fulfilled*: two ledger entries of one merchant order that are fulfilled (or may still
 *   be: a supplier still processing one) — at two suppliers, or twice at one (promise 1);
 * - *lost*: kaquan reported it `failed` while a ledger shows it fulfilled (or still processing),
 *   or kaquan has no final state and no `unknown` for it (promise 2);
 * - *wrong status*: kaquan reported a success the ledgers do not show;
 * - *forged accepted*: a forged or replayed callback was acknowledged where it must not be, its
 *   claimed status was applied, or it reached `onEvent` again (promise 3);
 * - *secrets leaked*: a credential, token or delivered code in a log line or error (promise 4).
 */
import type { OrderStatus } from "kaquan";
import type { SecretLeak } from "./capturing-logger.js";
import type { LedgerEntry, LedgerState } from "./chaos-suppliers.js";

/** What kaquan told the merchant about one order at the end of the run. */
export interface OrderObservation {
  index: number;
  merchantOrderId: string;
  via: "router" | "client";
  /** Its status in kaquan's store (through the router for routed orders), if kaquan has one. */
  stored?: OrderStatus | undefined;
  /** The supplier and order number holding it, when kaquan knows. */
  holder?: { supplier: string; orderNo: string } | undefined;
  /** The error the last placement call ended with, if it threw. */
  error?: { code: string; failureClass?: string | undefined } | undefined;
  /** A second process (F11) reported this status for the same order. */
  secondInstance?: OrderStatus | "error" | undefined;
}

/** One forged or replayed callback and what came of it. */
export interface ForgeryObservation {
  variant: string;
  merchantOrderId: string;
  supplier: string;
  orderNo: string;
  /** The status the callback claimed. */
  claim: OrderStatus;
  /** Whether kaquan answered with the supplier's "accepted" acknowledgement. */
  acknowledged?: boolean | undefined;
  /** An acknowledgement alone is a failure (a wrong signature must never be acknowledged). */
  mustNotAcknowledge: boolean;
  /** A replay of a genuine callback: a second `onEvent` for its state is a failure. */
  replay: boolean;
}

export interface ReconcileInput {
  orders: readonly OrderObservation[];
  ledger: readonly LedgerEntry[];
  /** The merchant order id behind a supplier order number (a router reference or the id itself). */
  merchantOrderIdOf(orderNo: string): string;
  /** Every status each supplier order moved through in kaquan, keyed `supplier:orderNo`. */
  statusHistory: ReadonlyMap<string, readonly OrderStatus[]>;
  /** `onEvent` deliveries, keyed `supplier:orderNo:status`. */
  events: ReadonlyMap<string, number>;
  forgeries: readonly ForgeryObservation[];
  leaks: readonly SecretLeak[];
}

/** One order (or callback, or line) that broke a promise, with enough to reproduce it. */
export interface ChaosProblem {
  kind:
    | "double-fulfilled"
    | "lost"
    | "wrong-status"
    | "forged-accepted"
    | "secret-leaked"
    | "duplicate-event";
  merchantOrderId?: string;
  index?: number;
  detail: string;
}

export interface Reconciliation {
  fulfilledOnce: number;
  /** Of those fulfilled once: partly (F10), and reversed after (F9). */
  partiallyFulfilled: number;
  reversed: number;
  /** Reversed at the supplier but still `succeeded` in kaquan (the reversal's webhook never arrived). */
  reversalsNotLearned: number;
  failed: number;
  unknown: number;
  /** Of the unknown ones: a supplier shows them delivered (e.g. F24 codes missing), so kaquan waits. */
  unknownButDelivered: number;
  doubleFulfilled: number;
  lost: number;
  wrongStatus: number;
  forgedAccepted: number;
  secretsLeaked: number;
  /** `onEvent` ran more than once for one supplier:order:status. */
  duplicateEvents: number;
  problems: ChaosProblem[];
}

const ledgerStatus: Record<LedgerState, OrderStatus> = {
  fulfilled: "succeeded",
  partial: "partially_succeeded",
  failed: "failed",
  reversed: "reversed",
  processing: "processing",
};

const delivered = (state: LedgerState) =>
  state === "fulfilled" || state === "partial" || state === "reversed";

export function reconcile(input: ReconcileInput): Reconciliation {
  const result: Reconciliation = {
    fulfilledOnce: 0,
    partiallyFulfilled: 0,
    reversed: 0,
    reversalsNotLearned: 0,
    failed: 0,
    unknown: 0,
    unknownButDelivered: 0,
    doubleFulfilled: 0,
    lost: 0,
    wrongStatus: 0,
    forgedAccepted: 0,
    secretsLeaked: 0,
    duplicateEvents: 0,
    problems: [],
  };
  const byMerchantOrder = new Map<string, LedgerEntry[]>();
  for (const entry of input.ledger) {
    const id = input.merchantOrderIdOf(entry.orderNo);
    const list = byMerchantOrder.get(id);
    if (list) list.push(entry);
    else byMerchantOrder.set(id, [entry]);
  }
  const problem = (item: ChaosProblem) => result.problems.push(item);
  const describe = (entries: readonly LedgerEntry[]) =>
    entries.map((entry) => `${entry.supplier}:${entry.orderNo}=${entry.state}`).join(", ") || "none";

  for (const order of input.orders) {
    const entries = byMerchantOrder.get(order.merchantOrderId) ?? [];
    const fulfilled = entries.filter((entry) => delivered(entry.state));
    const live = entries.filter((entry) => entry.state === "processing");
    const where = `ledgers: ${describe(entries)}; kaquan: ${order.stored ?? "no record"}${order.error ? ` (error ${order.error.code})` : ""}`;
    const base = { merchantOrderId: order.merchantOrderId, index: order.index };
    if (fulfilled.length + live.length >= 2 && fulfilled.length >= 1) {
      result.doubleFulfilled += 1;
      problem({ ...base, kind: "double-fulfilled", detail: where });
      continue;
    }
    if (order.secondInstance === "failed" && fulfilled.length > 0) {
      result.lost += 1;
      problem({ ...base, kind: "lost", detail: `a second instance reported it failed; ${where}` });
      continue;
    }
    const reported = reportedStatus(order);
    switch (reported) {
      case "succeeded":
      case "partially_succeeded":
      case "reversed": {
        const entry = fulfilled[0];
        if (!entry) {
          result.wrongStatus += 1;
          problem({
            ...base,
            kind: "wrong-status",
            detail: `kaquan reports ${reported} but nothing was delivered; ${where}`,
          });
          break;
        }
        const truth = ledgerStatus[entry.state];
        if (truth === reported || (truth === "reversed" && reported === "succeeded")) {
          result.fulfilledOnce += 1;
          if (entry.state === "partial") result.partiallyFulfilled += 1;
          if (reported === "reversed") result.reversed += 1;
          if (truth === "reversed" && reported === "succeeded") result.reversalsNotLearned += 1;
        } else {
          result.wrongStatus += 1;
          problem({
            ...base,
            kind: "wrong-status",
            detail: `kaquan reports ${reported}, the supplier ${truth}; ${where}`,
          });
        }
        break;
      }
      case "failed":
        if (fulfilled.length > 0 || live.length > 0) {
          result.lost += 1;
          problem({ ...base, kind: "lost", detail: `reported failed; ${where}` });
        } else result.failed += 1;
        break;
      case "unknown":
        result.unknown += 1;
        if (fulfilled.length > 0) result.unknownButDelivered += 1;
        break;
      case "none":
        result.lost += 1;
        problem({ ...base, kind: "lost", detail: `neither a final state nor unknown; ${where}` });
        break;
    }
  }

  for (const forgery of input.forgeries) {
    const key = `${forgery.supplier}:${forgery.orderNo}`;
    const base = { merchantOrderId: forgery.merchantOrderId, detail: "" };
    const entry = input.ledger.find(
      (item) => item.supplier === forgery.supplier && item.orderNo === forgery.orderNo,
    );
    // The states the order really went through: its ledger state (a reversal passed through a
    // success first), or `failed` when the supplier never had it.
    const genuine = new Set<OrderStatus>(
      entry
        ? [ledgerStatus[entry.state], ...(entry.state === "reversed" ? ["succeeded" as const] : [])]
        : ["failed"],
    );
    const events = input.events.get(`${key}:${forgery.claim}`) ?? 0;
    const history = input.statusHistory.get(key) ?? [];
    let reason: string | undefined;
    if (forgery.mustNotAcknowledge && forgery.acknowledged === true) reason = "acknowledged";
    else if (!genuine.has(forgery.claim) && history.includes(forgery.claim))
      reason = `its claim ${forgery.claim} was applied`;
    else if (!genuine.has(forgery.claim) && events > 0) reason = `its claim ${forgery.claim} reached onEvent`;
    else if (forgery.replay && events > 1) reason = `onEvent ran again for ${forgery.claim}`;
    if (reason) {
      result.forgedAccepted += 1;
      problem({
        ...base,
        kind: "forged-accepted",
        detail: `${forgery.variant} to ${key} claiming ${forgery.claim}: ${reason}; ledger ${entry?.state ?? "none"}`,
      });
    }
  }

  for (const [key, count] of input.events) {
    if (count > 1) {
      result.duplicateEvents += 1;
      if (result.duplicateEvents <= 20)
        problem({ kind: "duplicate-event", detail: `onEvent ran ${count} times for ${key}` });
    }
  }

  result.secretsLeaked = input.leaks.length;
  for (const leak of input.leaks.slice(0, 20)) {
    problem({ kind: "secret-leaked", detail: `${leak.label} in captured line ${leak.line}` });
  }
  return result;
}

/** kaquan's final word on an order: its stored status, else what its placement error says. */
function reportedStatus(order: OrderObservation): OrderStatus | "none" {
  if (
    order.stored === "failed" ||
    order.stored === "succeeded" ||
    order.stored === "partially_succeeded" ||
    order.stored === "reversed"
  )
    return order.stored;
  if (order.stored !== undefined) return "unknown"; // unknown, processing: not final, still tracked
  // No record: only a definitive refusal (nothing sent, or refused by the supplier) is "failed".
  if (
    order.error &&
    (order.error.failureClass === "rejected" ||
      order.error.failureClass === "not_sent" ||
      order.error.failureClass === "local" ||
      order.error.failureClass === "throttled" ||
      order.error.code === "no_supplier_available")
  )
    return "failed";
  return "none";
}
