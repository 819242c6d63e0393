/**
 * Reconciliation rules: how one local record compares with what the supplier says, and which
 * supplier orders are missing from the local records. Pure functions, so every rule is unit-tested.
 *
 * Amounts are compared with the supplier's charged cost only where money changed hands: a failed
 * or reversed order was refunded, so its cost field (some suppliers keep it) is not a difference.
 */
import { compareMoney, isFinal, type Money, type OrderStatus } from "../../core/index.js";
import type { ListedOrder } from "../supplier-registry.js";
import type { LocalRecord } from "./local-records.js";

/** Kinds of difference, in the order the report lists them. */
export const DIFFERENCE_KINDS = [
  "missing_at_supplier",
  "missing_locally",
  "status_mismatch",
  "amount_mismatch",
  "unresolved",
] as const;

/** One kind of difference. */
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

/** What the supplier answered for one local record. */
export type SupplierAnswer =
  | {
      readonly kind: "found";
      readonly status: OrderStatus;
      readonly cost?: Money | undefined;
      readonly supplierOrderId?: string | undefined;
      readonly vendorStatus?: string | undefined;
    }
  | { readonly kind: "not_found" }
  | { readonly kind: "error"; readonly code: string; readonly message: string };

/** One difference between the local records and the supplier. */
export interface Difference {
  readonly kind: DifferenceKind;
  readonly merchantOrderId: string;
  readonly localStatus?: OrderStatus;
  readonly supplierStatus?: OrderStatus;
  readonly localAmount?: Money;
  readonly supplierAmount?: Money;
  readonly supplierOrderId?: string;
  readonly vendorStatus?: string;
  /** The CSV line or JSON item of the local record, when there is one. */
  readonly position?: number;
  readonly detail: string;
}

/** The outcome of comparing one record. */
export interface RecordComparison {
  readonly differences: readonly Difference[];
  /** True when status and amount agree. */
  readonly matched: boolean;
  /** True when the supplier reported no cost, so the amount could not be checked. */
  readonly amountUnchecked: boolean;
}

function amountText(value: Money): string {
  return `${value.amount} ${value.currency}`;
}

/** Compares one local record with the supplier's answer. */
export function compareRecord(local: LocalRecord, answer: SupplierAnswer): RecordComparison {
  const base = {
    merchantOrderId: local.merchantOrderId,
    localStatus: local.status,
    localAmount: local.amount,
    position: local.position,
  };
  if (answer.kind === "not_found") {
    return {
      differences: [
        { ...base, kind: "missing_at_supplier", detail: "the supplier has no order with this id" },
      ],
      matched: false,
      amountUnchecked: false,
    };
  }
  if (answer.kind === "error") {
    return {
      differences: [
        { ...base, kind: "unresolved", detail: `the query failed (${answer.code}): run again later` },
      ],
      matched: false,
      amountUnchecked: false,
    };
  }
  const supplier = {
    supplierStatus: answer.status,
    ...(answer.cost ? { supplierAmount: answer.cost } : {}),
    ...(answer.supplierOrderId ? { supplierOrderId: answer.supplierOrderId } : {}),
    ...(answer.vendorStatus ? { vendorStatus: answer.vendorStatus } : {}),
  };
  const differences: Difference[] = [];
  if (answer.status !== local.status) {
    const hint =
      !isFinal(local.status) && isFinal(answer.status)
        ? "your record is not final yet: update it"
        : answer.status === "unknown"
          ? "the supplier's status is not one kaquan recognises"
          : "the two sides disagree: check before any refund or re-delivery";
    differences.push({
      ...base,
      ...supplier,
      kind: "status_mismatch",
      detail: `local ${local.status}, supplier ${answer.status}: ${hint}`,
    });
  }
  const charged = answer.status !== "failed" && answer.status !== "reversed";
  const amountUnchecked = charged && answer.cost === undefined;
  if (charged && answer.cost) {
    const same =
      answer.cost.currency === local.amount.currency && compareMoney(answer.cost, local.amount) === 0;
    if (!same) {
      differences.push({
        ...base,
        ...supplier,
        kind: "amount_mismatch",
        detail: `local ${amountText(local.amount)}, supplier charged ${amountText(answer.cost)}`,
      });
    }
  }
  return { differences, matched: differences.length === 0, amountUnchecked };
}

/**
 * Supplier orders missing from the local records: listed orders whose id the local file does not
 * hold at all (an id recorded outside the date range is not missing — clocks differ), created
 * within the range when the list says when.
 */
export function findMissingLocally(
  listed: readonly ListedOrder[],
  localIds: ReadonlySet<string>,
  fromMs: number,
  toMs: number,
): Difference[] {
  const seen = new Set<string>();
  const differences: Difference[] = [];
  for (const order of listed) {
    if (localIds.has(order.merchantOrderId) || seen.has(order.merchantOrderId)) continue;
    if (order.createdAtMs !== undefined && (order.createdAtMs < fromMs || order.createdAtMs >= toMs))
      continue;
    seen.add(order.merchantOrderId);
    differences.push({
      kind: "missing_locally",
      merchantOrderId: order.merchantOrderId,
      ...(order.status ? { supplierStatus: order.status } : {}),
      ...(order.amount ? { supplierAmount: order.amount } : {}),
      ...(order.supplierOrderId ? { supplierOrderId: order.supplierOrderId } : {}),
      ...(order.vendorStatus ? { vendorStatus: order.vendorStatus } : {}),
      detail: "the supplier has this order; your records do not",
    });
  }
  return differences;
}
