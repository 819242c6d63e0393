import { describe, expect, it } from "vitest";
import { applyUpdate, isFinal, type Order, type OrderUpdate, Secret } from "../../src/core/index.js";

const now = "2026-01-01T00:00:00.000Z";
const base = { merchantOrderId: "A1", supplier: "fulu" };

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

function reduce(events: OrderUpdate[]): Order | undefined {
  let order: Order | undefined;
  for (const event of events) order = applyUpdate(order, event, now).order;
  return order;
}

const card = { password: new Secret("CODE-1"), format: "code" as const };

describe("order state machine", () => {
  it("knows the final states", () => {
    expect(["succeeded", "partially_succeeded", "failed", "reversed"].every((s) => isFinal(s as never))).toBe(
      true,
    );
    expect(isFinal("processing")).toBe(false);
    expect(isFinal("unknown")).toBe(false);
  });

  it("never regresses from a final state", () => {
    const succeeded = reduce([{ ...base, status: "succeeded", source: "callback" }])!;
    const late = applyUpdate(succeeded, { ...base, status: "processing", source: "callback" }, now);
    expect(late.order.status).toBe("succeeded");
    expect(late.ignored).toBe("regression");
    const conflict = applyUpdate(succeeded, { ...base, status: "failed", source: "query" }, now);
    expect(conflict.order.status).toBe("succeeded");
    expect(conflict.ignored).toBe("final_conflict");
    expect(applyUpdate(succeeded, { ...base, status: "unknown", source: "local" }, now).order.status).toBe(
      "succeeded",
    );
  });

  it("allows succeeded → reversed but not failed → reversed", () => {
    const succeeded = reduce([{ ...base, status: "succeeded", source: "callback" }])!;
    const reversed = applyUpdate(succeeded, { ...base, status: "reversed", source: "callback" }, now);
    expect(reversed.order.status).toBe("reversed");
    expect(reversed.statusChanged).toBe(true);
    const failed = reduce([{ ...base, status: "failed", source: "callback" }])!;
    expect(applyUpdate(failed, { ...base, status: "reversed", source: "callback" }, now).ignored).toBe(
      "not_reversible",
    );
  });

  it("does not mutate its input", () => {
    const order = reduce([{ ...base, status: "processing", source: "place" }])!;
    const copy = structuredClone({ ...order, cards: [] });
    applyUpdate(order, { ...base, status: "succeeded", source: "query", supplierOrderId: "S1" }, now);
    expect({ ...order, cards: [] }).toEqual(copy);
  });

  const lifecycles: Array<[string, OrderUpdate[], string]> = [
    [
      "accepted, processing, succeeded with cards",
      [
        { ...base, status: "unknown", source: "local", unknownReason: "sent" },
        { ...base, status: "processing", source: "place", supplierOrderId: "S1" },
        { ...base, status: "succeeded", source: "callback", vendorStatus: "success" },
        { ...base, status: "succeeded", source: "query", cards: [card] },
      ],
      "succeeded",
    ],
    [
      "processing, succeeded, reversed",
      [
        { ...base, status: "processing", source: "place" },
        { ...base, status: "succeeded", source: "callback", supplierOrderId: "S1" },
        { ...base, status: "reversed", source: "callback" },
      ],
      "reversed",
    ],
    [
      "processing, processing, failed, unknown",
      [
        { ...base, status: "processing", source: "place" },
        { ...base, status: "processing", source: "callback", supplierOrderId: "S1" },
        { ...base, status: "failed", source: "query" },
        { ...base, status: "unknown", source: "local" },
      ],
      "failed",
    ],
  ];

  for (const [name, events, expected] of lifecycles) {
    it(`every order of "${name}" converges`, () => {
      const results = permutations(events).map(reduce);
      for (const order of results) {
        expect(order?.status).toBe(expected);
        expect(order?.supplierOrderId).toBe(events.find((event) => event.supplierOrderId)?.supplierOrderId);
        expect(order?.cards.length).toBe(events.some((event) => event.cards?.length) ? 1 : 0);
      }
    });
  }
});
