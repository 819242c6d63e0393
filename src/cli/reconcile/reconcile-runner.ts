/**
 * The daily 对账: each local order in the date range is queried at the supplier through kaquan's
 * client (which enforces the adapter's published rate limits, or the `--rate` given), and, where
 * the supplier has an order-list (bill) endpoint, the supplier's own list for the range is read to
 * find orders missing locally. Credential and configuration failures stop the run: every further
 * query would fail the same way.
 */
import type { SupplierClient } from "../../client/index.js";
import {
  type AdapterContext,
  AuthenticationError,
  ConfigurationError,
  KaquanError,
  OrderNotFoundError,
} from "../../core/index.js";
import type { SupplierEntry } from "../supplier-registry.js";
import {
  compareRecord,
  DIFFERENCE_KINDS,
  type Difference,
  type DifferenceKind,
  findMissingLocally,
  type SupplierAnswer,
} from "./compare-records.js";
import type { LocalRecord } from "./local-records.js";

/** What a reconciliation needs. */
export interface ReconcileRunOptions {
  readonly entry: SupplierEntry;
  readonly client: SupplierClient;
  /** A context for the order-list call (it bypasses the client: one request per run). */
  readonly listContext: () => AdapterContext;
  /** Every local record of the file (the range is applied here). */
  readonly records: readonly LocalRecord[];
  readonly fromMs: number;
  readonly toMs: number;
  /** Queries in flight at once (the client's rate limit still applies). Default 4. */
  readonly concurrency?: number;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Counts of the run. */
export interface ReconcileSummary {
  readonly localRecords: number;
  readonly inRange: number;
  readonly matched: number;
  /** Matched on status, but the supplier reported no cost to compare the amount with. */
  readonly amountUnchecked: number;
  readonly differences: Readonly<Record<DifferenceKind, number>>;
  /** The order-list endpoint read, or why orders missing locally could not be looked for. */
  readonly missingLocallyNote: string;
}

/** The outcome of a reconciliation. */
export interface ReconcileResult {
  readonly summary: ReconcileSummary;
  /** Ordered by kind, then by merchant order id. */
  readonly differences: readonly Difference[];
}

/** Queries one order and reduces the answer to what the comparison needs. */
async function ask(
  client: SupplierClient,
  record: LocalRecord,
  signal?: AbortSignal,
): Promise<SupplierAnswer> {
  try {
    const order = await client.getOrder(record.merchantOrderId, signal ? { signal } : {});
    return {
      kind: "found",
      status: order.status,
      cost: order.cost,
      supplierOrderId: order.supplierOrderId,
      vendorStatus: order.vendorStatus,
    };
  } catch (error) {
    if (OrderNotFoundError.isInstance(error)) return { kind: "not_found" };
    // Wrong credentials or configuration would fail every query: stop and say so once.
    if (AuthenticationError.isInstance(error) || ConfigurationError.isInstance(error)) throw error;
    if (KaquanError.isInstance(error)) return { kind: "error", code: error.code, message: error.message };
    throw error;
  }
}

/** Runs the reconciliation. */
export async function runReconcile(options: ReconcileRunOptions): Promise<ReconcileResult> {
  const inRange = options.records.filter(
    (record) => record.createdAtMs >= options.fromMs && record.createdAtMs < options.toMs,
  );
  const differences: Difference[] = [];
  let matched = 0;
  let amountUnchecked = 0;
  let next = 0;
  let done = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < inRange.length && failure === undefined && !options.signal?.aborted) {
      const record = inRange[next]!;
      next += 1;
      try {
        const comparison = compareRecord(record, await ask(options.client, record, options.signal));
        differences.push(...comparison.differences);
        if (comparison.matched) matched += 1;
        if (comparison.amountUnchecked && comparison.matched) amountUnchecked += 1;
      } catch (error) {
        failure ??= error;
      }
      done += 1;
      options.onProgress?.(done, inRange.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, inRange.length)) }, worker),
  );
  if (failure !== undefined) throw failure;

  let missingLocallyNote: string;
  const orderList = options.entry.orderList;
  if (orderList) {
    const listed = await orderList.list(
      options.client.adapter,
      options.fromMs,
      options.toMs,
      options.listContext(),
    );
    differences.push(
      ...findMissingLocally(
        listed,
        new Set(options.records.map((record) => record.merchantOrderId)),
        options.fromMs,
        options.toMs,
      ),
    );
    missingLocallyNote = `read ${listed.length} orders from ${orderList.endpoint}`;
  } else {
    missingLocallyNote = `${options.entry.name} has no order-list endpoint: orders missing from your records cannot be found, only the orders in your file were checked`;
  }

  const counts = Object.fromEntries(DIFFERENCE_KINDS.map((kind) => [kind, 0])) as Record<
    DifferenceKind,
    number
  >;
  for (const difference of differences) counts[difference.kind] += 1;
  differences.sort(
    (left, right) =>
      DIFFERENCE_KINDS.indexOf(left.kind) - DIFFERENCE_KINDS.indexOf(right.kind) ||
      (left.merchantOrderId < right.merchantOrderId
        ? -1
        : left.merchantOrderId > right.merchantOrderId
          ? 1
          : 0),
  );
  return {
    summary: {
      localRecords: options.records.length,
      inRange: inRange.length,
      matched,
      amountUnchecked,
      differences: counts,
      missingLocallyNote,
    },
    differences,
  };
}
