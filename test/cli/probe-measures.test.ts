import { describe, expect, it } from "vitest";
import { summarizeSamples } from "../../src/cli/probe/answer-samples.js";
import { createCallbackTracker } from "../../src/cli/probe/callback-tracker.js";
import {
  buildProbeReport,
  type ProbeMeasurements,
  type ProbeOrderResult,
} from "../../src/cli/probe/probe-report.js";
import { histogram, percentile, summarizeDurations } from "../../src/cli/probe/statistics.js";
import type { Order, StatusEvent } from "../../src/index.js";

describe("duration statistics", () => {
  it("takes nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_unused, index) => index + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 90)).toBe(90);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([], 50)).toBeUndefined();
  });

  it("summarises, ignoring non-finite values", () => {
    expect(summarizeDurations([30, 10, 20, Number.NaN])).toEqual({
      count: 3,
      minMs: 10,
      p50Ms: 20,
      p90Ms: 30,
      p99Ms: 30,
      maxMs: 30,
      meanMs: 20,
    });
    expect(summarizeDurations([])).toEqual({ count: 0 });
  });

  it("bins with round widths and counts every value once", () => {
    const values = [0, 5, 140, 260, 999];
    const bins = histogram(values, 10);
    expect(bins[0]?.fromMs).toBe(0);
    expect(bins[1]?.fromMs).toBe(100);
    expect(bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(values.length);
    expect(bins.length).toBeLessThanOrEqual(10);
    expect(histogram([])).toEqual([]);
  });
});

describe("stock and price samples", () => {
  it("says nothing changed when every answer is the same", () => {
    const summary = summarizeSamples([0, 5000, 10000].map((atMs) => ({ atMs, answer: "in_stock" })));
    expect(summary.changes).toBe(0);
    expect(summary.verdict).toContain("no change in 10 s");
    expect(summary.refreshIntervalMs).toBeUndefined();
  });

  it("estimates the refresh interval from the time between changes", () => {
    const answers = ["a", "a", "b", "b", "c", "c", "d"];
    const summary = summarizeSamples(answers.map((answer, index) => ({ atMs: index * 5000, answer })));
    expect(summary.changes).toBe(3);
    expect(summary.refreshIntervalMs).toBe(10_000);
    expect(summary.distinctAnswers).toBe(4);
    expect(summary.verdict).toContain("refreshes about every 10 s");
  });

  it("counts failed samples and skips them when comparing", () => {
    const summary = summarizeSamples([
      { atMs: 0, answer: "a" },
      { atMs: 1000, error: "sent_no_answer" },
      { atMs: 2000, answer: "a" },
    ]);
    expect(summary.errors).toBe(1);
    expect(summary.changes).toBe(0);
    expect(summary.verdict).toContain("1 of 3 samples failed");
  });
});

function order(
  index: number,
  status: ProbeOrderResult["status"],
  times: Partial<ProbeOrderResult> = {},
): ProbeOrderResult {
  return {
    index,
    merchantOrderId: `O${index}`,
    kind: "card",
    startedAtMs: 0,
    status,
    cardCount: 0,
    ...times,
  };
}

function measurements(
  orders: ProbeOrderResult[],
  checks: ProbeMeasurements["checks"] = [],
): ProbeMeasurements {
  return {
    supplier: "fulu",
    target: { mode: "simulator" },
    startedAt: "2026-11-24T00:00:00.000Z",
    durationMs: 1000,
    settings: {
      orders: orders.length,
      concurrency: 1,
      finalDeadlineMs: 1000,
      sampleIntervalMs: 1000,
      callbacks: true,
    },
    products: [],
    orders,
    stockSamples: [],
    productSamples: [],
    callbacks: { received: 0, refused: 0 },
    checks,
  };
}

describe("the probe report", () => {
  it("computes the success rate, latencies and callback delays from the orders", () => {
    const report = buildProbeReport(
      measurements([
        order(0, "succeeded", { acceptedAtMs: 100, finalAtMs: 400, callbackDelayMs: 50 }),
        order(1, "failed", { acceptedAtMs: 200, finalAtMs: 200 }),
        order(2, "processing", { acceptedAtMs: 300 }),
        order(3, "error"),
      ]),
    );
    expect(report.summary).toMatchObject({
      placed: 4,
      succeeded: 1,
      failed: 1,
      notFinal: 1,
      errors: 1,
      successRate: 0.25,
    });
    expect(report.summary.acceptanceLatency).toMatchObject({ count: 3, minMs: 100, maxMs: 300 });
    expect(report.summary.timeToFinal).toMatchObject({ count: 2, minMs: 200, maxMs: 400 });
    expect(report.summary.callbackDelay).toMatchObject({ count: 1, p50Ms: 50 });
    expect(report.clean).toBe(false);
  });

  it("is clean only when every order succeeded and no check failed or warned", () => {
    const ok = [order(0, "succeeded", { acceptedAtMs: 1, finalAtMs: 2 })];
    expect(buildProbeReport(measurements(ok, [{ name: "a", status: "skipped", detail: "" }])).clean).toBe(
      true,
    );
    expect(buildProbeReport(measurements(ok, [{ name: "a", status: "warning", detail: "" }])).clean).toBe(
      false,
    );
    expect(buildProbeReport(measurements([])).clean).toBe(false);
  });
});

describe("the callback tracker", () => {
  const event = (
    merchantOrderId: string,
    status: StatusEvent["status"],
    source: StatusEvent["source"] = "callback",
  ) =>
    ({
      merchantOrderId,
      status,
      source,
      supplier: "fulu",
      occurredAt: "",
      order: {} as Order,
    }) as StatusEvent;

  it("records the first final callback of each order and wakes whoever waits for it", async () => {
    let now = 100;
    const tracker = createCallbackTracker(() => now);
    const waiting = tracker.whenFinal("A", new AbortController().signal);
    tracker.onEvent(event("A", "processing"));
    tracker.onEvent(event("A", "succeeded", "query"));
    expect(tracker.finalArrival("A")).toBeUndefined();
    now = 250;
    tracker.onEvent(event("A", "succeeded"));
    now = 300;
    tracker.onEvent(event("A", "reversed"));
    await expect(waiting).resolves.toBe(250);
    expect(tracker.finalArrival("A")).toBe(250);
  });

  it("counts refused callbacks", () => {
    const tracker = createCallbackTracker(() => 0);
    tracker.onResult({ outcome: "delivered", ack: { status: 200, headers: {}, body: "" } });
    tracker.onResult({ outcome: "rejected", ack: { status: 500, headers: {}, body: "" } });
    expect(tracker.counts()).toEqual({ received: 2, refused: 1 });
  });
});
