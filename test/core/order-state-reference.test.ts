import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ApplyResult,
  applyUpdate,
  isFinal,
  type Order,
  type OrderUpdate,
} from "../../src/core/index.js";

/**
 * The reducer as first written (spread copies, a helper closure, unconditional `delete`). The
 * current one is built for speed and memory; it must give the same orders, key for key and in
 * the same key order, for every sequence of updates.
 */
function referenceApplyUpdate(current: Order | undefined, update: OrderUpdate, now: string): ApplyResult {
  if (current === undefined) {
    const { source: _source, occurredAt, ...fields } = update;
    const order: Order = {
      ...fields,
      supplier: update.supplier ?? "",
      cards: update.cards ?? [],
      createdAt: update.createdAt ?? now,
      updatedAt: now,
      ...(isFinal(update.status) && update.finishedAt === undefined ? { finishedAt: occurredAt ?? now } : {}),
    };
    if (update.status !== "unknown") delete order.unknownReason;
    return { order, statusChanged: true, changed: true };
  }
  if (update.merchantOrderId !== current.merchantOrderId) {
    return { order: current, statusChanged: false, changed: false, ignored: "different_order" };
  }
  const ignored = canMove(current.status, update.status);
  const next: Order = { ...current };
  let changed = false;
  // Merge data that was missing: it never overwrites what is known, so order does not matter.
  const fill = <K extends keyof Order>(key: K, value: Order[K] | undefined) => {
    if (value !== undefined && next[key] === undefined) {
      next[key] = value;
      changed = true;
    }
  };
  fill("supplierOrderId", update.supplierOrderId);
  fill("kind", update.kind);
  fill("sku", update.sku);
  fill("quantity", update.quantity);
  fill("account", update.account);
  fill("cost", update.cost);
  if (update.cards !== undefined && update.cards.length > next.cards.length) {
    // Card codes only ever grow: a later answer carrying more codes completes a partial delivery.
    next.cards = update.cards;
    changed = true;
  }
  if (ignored === undefined && update.status !== current.status) {
    next.status = update.status;
    next.vendorStatus = update.vendorStatus ?? next.vendorStatus;
    if (update.failure !== undefined) next.failure = update.failure;
    if (isFinal(update.status)) next.finishedAt = update.finishedAt ?? update.occurredAt ?? now;
    if (update.status !== "unknown") delete next.unknownReason;
    changed = true;
  } else if (ignored === undefined) {
    fill("vendorStatus", update.vendorStatus);
    fill("failure", update.failure);
    fill("finishedAt", update.finishedAt);
    // The latest explanation of an unknown outcome replaces the earlier one.
    if (
      update.status === "unknown" &&
      update.unknownReason !== undefined &&
      update.unknownReason !== next.unknownReason
    ) {
      next.unknownReason = update.unknownReason;
      changed = true;
    }
  }
  if (changed) next.updatedAt = now;
  const statusChanged = next.status !== current.status;
  return ignored === undefined
    ? { order: changed ? next : current, statusChanged, changed }
    : { order: changed ? next : current, statusChanged, changed, ignored };
}

function canMove(from: Order["status"], to: Order["status"]): ApplyResult["ignored"] {
  const rank: Record<Order["status"], number> = {
    unknown: 0,
    processing: 1,
    succeeded: 2,
    partially_succeeded: 2,
    failed: 2,
    reversed: 3,
  };
  if (from === to) return undefined;
  if (to === "unknown") return "regression";
  if (to === "reversed") return from === "failed" ? "not_reversible" : undefined;
  if (isFinal(from)) return rank[to] < rank[from] || from === "reversed" ? "regression" : "final_conflict";
  return rank[to] < rank[from] ? "regression" : undefined;
}

const status = fc.constantFrom<Order["status"]>(
  "unknown",
  "processing",
  "succeeded",
  "partially_succeeded",
  "failed",
  "reversed",
);
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const update: fc.Arbitrary<OrderUpdate> = fc
  .record(
    {
      merchantOrderId: fc.constantFrom("A1", "A1", "A1", "B2"),
      status,
      source: fc.constantFrom<OrderUpdate["source"]>("place", "query", "callback", "local"),
      supplier: maybe(fc.constant("fulu")),
      supplierOrderId: maybe(fc.constantFrom("S1", "S2")),
      kind: maybe(fc.constantFrom<NonNullable<OrderUpdate["kind"]>>("card", "direct", "mobile")),
      sku: maybe(fc.constantFrom("10000001", "10000002")),
      quantity: maybe(fc.integer({ min: 1, max: 3 })),
      account: maybe(fc.constant("13800138000")),
      vendorStatus: maybe(fc.constantFrom("success", "processing", "failed")),
      unknownReason: maybe(fc.constantFrom("timeout", "no answer")),
      finishedAt: maybe(fc.constant("2026-01-01T00:00:05.000Z")),
      occurredAt: maybe(fc.constant("2026-01-01T00:00:04.000Z")),
      createdAt: maybe(fc.constant("2025-12-31T23:59:00.000Z")),
    },
    { requiredKeys: ["merchantOrderId", "status", "source"] },
  )
  .map((fields) => fields as OrderUpdate);

describe("order state machine against the reference reducer", () => {
  it("gives the same orders, keys and flags for any sequence of updates", () => {
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 6 }), (updates) => {
        let current: Order | undefined;
        let reference: Order | undefined;
        updates.forEach((next, index) => {
          const now = `2026-01-01T00:00:0${index}.000Z`;
          const result = applyUpdate(current, next, now);
          const expected = referenceApplyUpdate(reference, next, now);
          expect(JSON.stringify(result.order)).toBe(JSON.stringify(expected.order));
          expect(Object.keys(result.order)).toEqual(Object.keys(expected.order));
          expect(result.statusChanged).toBe(expected.statusChanged);
          expect(result.changed).toBe(expected.changed);
          expect(result.ignored).toBe(expected.ignored);
          current = result.order;
          reference = expected.order;
        });
      }),
      { numRuns: 3_000 },
    );
  });

  it("never changes the order or the update it is given", () => {
    const current = applyUpdate(
      undefined,
      { merchantOrderId: "A1", status: "processing", source: "place", unknownReason: "x" },
      "2026-01-01T00:00:00.000Z",
    ).order;
    const frozen = Object.freeze({ ...current, cards: Object.freeze([...current.cards]) }) as Order;
    const next = Object.freeze({
      merchantOrderId: "A1",
      status: "succeeded",
      source: "callback",
      supplierOrderId: "S1",
    } as const);
    expect(() => applyUpdate(frozen, next, "2026-01-01T00:00:01.000Z")).not.toThrow();
    expect(frozen.supplierOrderId).toBeUndefined();
  });
});
