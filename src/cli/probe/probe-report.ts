/**
 * The probe report: what the test orders measured, the anomaly checks, and the stock and price
 * samples — the shape written to `probe.json` and rendered as the terminal table and the HTML
 * report. It holds no secret: card codes are counted, never copied, and errors are kaquan's
 * allow-listed `code` and `message`.
 */
import type { OrderStatus } from "../../core/index.js";
import { type AnswerSample, type SampleSummary, summarizeSamples } from "./answer-samples.js";
import { type DistributionSummary, type HistogramBin, histogram, summarizeDurations } from "./statistics.js";

/** Version of the JSON layout; bumped when a field changes meaning. */
export const PROBE_REPORT_VERSION = 1;

/** An error as the report keeps it: kaquan's stable code and its secret-free message. */
export interface ReportedError {
  readonly code: string;
  readonly message: string;
}

/** One test order. Times are milliseconds since the probe started. */
export interface ProbeOrderResult {
  readonly index: number;
  readonly merchantOrderId: string;
  readonly kind: string;
  readonly sku?: string;
  readonly startedAtMs: number;
  /** When `placeOrder` answered: acceptance latency is this minus `startedAtMs`. */
  readonly acceptedAtMs?: number;
  /** When kaquan first knew the final state (by query or callback). */
  readonly finalAtMs?: number;
  /** How the final state was learned first. */
  readonly finalBy?: "query" | "callback" | "answer";
  /** When the callback carrying the final state arrived. */
  readonly callbackAtMs?: number;
  /** Callback arrival minus the moment kaquan first knew the order was final (0 when the callback told it first). */
  readonly callbackDelayMs?: number;
  readonly status: OrderStatus | "error";
  readonly vendorStatus?: string;
  readonly supplierOrderId?: string;
  /** Card codes delivered (counted only; the codes stay secret). */
  readonly cardCount: number;
  readonly cost?: string;
  readonly error?: ReportedError;
}

/** The verdict of one anomaly check. */
export type CheckStatus = "passed" | "warning" | "failed" | "skipped";

/** One anomaly check: invalid account, duplicate id, unknown order, callbacks. */
export interface ProbeCheck {
  readonly name: string;
  readonly status: CheckStatus;
  /** What was seen, in words. */
  readonly detail: string;
}

/** A product the test orders used, as the supplier describes it. */
export interface ProbeProduct {
  readonly sku: string;
  readonly name?: string;
  readonly price?: string;
  readonly error?: ReportedError;
}

/** Where the probe ran. */
export interface ProbeTarget {
  readonly mode: "simulator" | "supplier";
  readonly baseUrl?: string;
  readonly sandbox?: boolean;
}

/** Everything measured, before it is summarised. */
export interface ProbeMeasurements {
  readonly supplier: string;
  readonly target: ProbeTarget;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly settings: {
    readonly orders: number;
    readonly concurrency: number;
    readonly finalDeadlineMs: number;
    readonly sampleIntervalMs: number;
    readonly callbacks: boolean;
  };
  readonly products: readonly ProbeProduct[];
  readonly orders: readonly ProbeOrderResult[];
  readonly stockSamples: readonly AnswerSample[];
  readonly productSamples: readonly AnswerSample[];
  readonly callbacks: { readonly received: number; readonly refused: number };
  readonly checks: readonly ProbeCheck[];
}

/** The summary figures of a probe. */
export interface ProbeSummary {
  readonly placed: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly notFinal: number;
  readonly errors: number;
  /** Succeeded (or partially succeeded) orders over placed orders, 0–1. */
  readonly successRate: number;
  readonly acceptanceLatency: DistributionSummary;
  readonly timeToFinal: DistributionSummary;
  readonly callbackDelay: DistributionSummary;
  readonly acceptanceHistogram: readonly HistogramBin[];
  readonly timeToFinalHistogram: readonly HistogramBin[];
  readonly stock: SampleSummary;
  readonly price: SampleSummary;
}

/** The report written to `probe.json`. */
export interface ProbeReport extends ProbeMeasurements {
  readonly version: typeof PROBE_REPORT_VERSION;
  readonly summary: ProbeSummary;
  /** True when every check passed (or was skipped) and every test order succeeded. */
  readonly clean: boolean;
}

/** Summarises measurements into a report. Pure: the same measurements give the same report. */
export function buildProbeReport(measurements: ProbeMeasurements): ProbeReport {
  const orders = measurements.orders;
  const acceptance = orders.flatMap((order) =>
    order.acceptedAtMs === undefined ? [] : [order.acceptedAtMs - order.startedAtMs],
  );
  const toFinal = orders.flatMap((order) =>
    order.finalAtMs === undefined ? [] : [order.finalAtMs - order.startedAtMs],
  );
  const delays = orders.flatMap((order) =>
    order.callbackDelayMs === undefined ? [] : [order.callbackDelayMs],
  );
  const succeeded = orders.filter(
    (order) => order.status === "succeeded" || order.status === "partially_succeeded",
  ).length;
  const failed = orders.filter((order) => order.status === "failed" || order.status === "reversed").length;
  const errors = orders.filter((order) => order.status === "error").length;
  const summary: ProbeSummary = {
    placed: orders.length,
    succeeded,
    failed,
    errors,
    notFinal: orders.length - succeeded - failed - errors,
    successRate: orders.length === 0 ? 0 : succeeded / orders.length,
    acceptanceLatency: summarizeDurations(acceptance),
    timeToFinal: summarizeDurations(toFinal),
    callbackDelay: summarizeDurations(delays),
    acceptanceHistogram: histogram(acceptance),
    timeToFinalHistogram: histogram(toFinal),
    stock: summarizeSamples(measurements.stockSamples),
    price: summarizeSamples(measurements.productSamples),
  };
  const clean =
    orders.length > 0 &&
    succeeded === orders.length &&
    measurements.checks.every((check) => check.status === "passed" || check.status === "skipped");
  return { version: PROBE_REPORT_VERSION, ...measurements, summary, clean };
}
