/**
 * The chaos harness in CI size: a seeded run through the real clients, router, callback handler
 * and poller against three simulated suppliers must keep the four promises — and the same
 * harness, given planted problems, must report each of them, so a zero is worth something.
 */
import { describe, expect, it } from "vitest";
import { findSecrets } from "./capturing-logger.js";
import { planRun } from "./chaos-faults.js";
import { formatChaosReport, runChaos } from "./chaos-run.js";
import { type ChaosSupplier, type ChaosSupplierName, startChaosSupplier } from "./chaos-suppliers.js";
import { seededRandom } from "./seeded-random.js";

describe("chaos run", () => {
  it("200 orders at a 25 % fault rate: nothing double-fulfilled, lost, forged or leaked", async () => {
    const report = await runChaos({ orders: 200, faultRate: 0.25, seed: 7 });
    const table = formatChaosReport(report);
    expect(report.reconciliation.problems, table).toEqual([]);
    expect(report.reconciliation.doubleFulfilled).toBe(0);
    expect(report.reconciliation.lost).toBe(0);
    expect(report.reconciliation.forgedAccepted).toBe(0);
    expect(report.reconciliation.secretsLeaked).toBe(0);
    expect(report.failed).toBe(false);
    // The run did exercise faults and a restart, and most orders were fulfilled.
    expect(report.crashes).toBe(1);
    expect(report.faults.reduce((sum, fault) => sum + fault.planned, 0)).toBeGreaterThan(50);
    expect(report.reconciliation.fulfilledOnce).toBeGreaterThan(80);
  }, 180_000);

  it("reports a planted double fulfilment, lost order, accepted forgery and leaked secret", async () => {
    const report = await runChaos({
      orders: 60,
      faultRate: 0.25,
      seed: 3,
      plant: { doubleFulfilment: true, lostOrder: true, acceptedForgery: true, leakedSecret: true },
    });
    expect(report.reconciliation.doubleFulfilled).toBe(1);
    expect(report.reconciliation.lost).toBe(1);
    expect(report.reconciliation.forgedAccepted).toBe(1);
    expect(report.reconciliation.secretsLeaked).toBe(1);
    expect(report.failed).toBe(true);
    expect(formatChaosReport(report)).toContain("RESULT: a promise was broken");
  }, 180_000);
});

describe("chaos plan", () => {
  async function suppliersOf(
    names: readonly ChaosSupplierName[],
  ): Promise<Map<ChaosSupplierName, ChaosSupplier>> {
    const started = new Map<ChaosSupplierName, ChaosSupplier>();
    const timing = {
      settleAfterMs: 1,
      pollIntervalMs: 10,
      notFoundGraceMs: 100,
      callbackAttempts: 1,
      callbackRetryIntervalMs: 10,
    };
    for (const name of names) {
      started.set(name, await startChaosSupplier(name, { callbackBase: "http://127.0.0.1:9", timing }));
    }
    return started;
  }

  it("is the same for the same seed and differs for another", async () => {
    const suppliers = await suppliersOf(["fulu", "juhe", "chengquan"]);
    try {
      const summary = (seed: number) =>
        planRun({
          orders: 300,
          faultRate: 0.25,
          random: seededRandom(seed),
          suppliers,
          routes: [],
        }).orders.map(
          (order) =>
            `${order.merchantOrderId}:${order.supplier}:${order.orderFault?.variant.key}:${order.callbackFault?.variant.key}`,
        );
      expect(summary(5)).toEqual(summary(5));
      expect(summary(5)).not.toEqual(summary(6));
    } finally {
      await Promise.all([...suppliers.values()].map((supplier) => supplier.close()));
    }
  });

  it("finds a secret inside a longer line and ignores values too short to mean anything", () => {
    const leaks = findSecrets(
      ['{"msg":"ok"}', '{"detail":"key=ab12cd34ef56gh78 end"}', "abc"],
      [
        { label: "app secret", value: "ab12cd34ef56gh78" },
        { label: "short", value: "abc" },
      ],
    );
    expect(leaks).toEqual([{ label: "app secret", line: 1 }]);
  });
});
