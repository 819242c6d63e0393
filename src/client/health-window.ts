/**
 * What one request says about a supplier's health, and a sliding window of those outcomes.
 *
 * The window is time-bucketed and lazy: nothing runs in the background; a bucket that has fallen
 * out of the window is recycled the next time it is written or skipped when it is read. Memory is
 * fixed at creation (a ring of `buckets` count slots and a ring of `maxLatencySamples` latencies),
 * so a supplier answering 10 000 requests a second costs no more than one answering ten.
 */
import { z } from "zod";
import { type FailureClass, KaquanError, ValidationError } from "../core/index.js";
import { requireNumberOption } from "./number-option.js";

/**
 * How one request counts against a supplier's health:
 * - `success`: the supplier answered (even with a refusal);
 * - `failure`: the supplier could not be reached or gave no usable answer;
 * - `neutral`: the request says nothing about the supplier (throttled, aborted by the caller,
 *   refused locally before sending).
 */
export type HealthOutcome = "success" | "failure" | "neutral";

const healthOutcomes: readonly HealthOutcome[] = ["success", "failure", "neutral"];

/** True when `value` is one of the three {@link HealthOutcome}s. */
export function isHealthOutcome(value: unknown): value is HealthOutcome {
  return typeof value === "string" && (healthOutcomes as readonly string[]).includes(value);
}

/**
 * The health outcome of each failure class. A `Record` over {@link FailureClass}, so a class
 * added to the error model without a row here does not compile.
 */
export const healthOutcomeByFailureClass: Readonly<Record<FailureClass, HealthOutcome>> = Object.freeze({
  // Nothing reached the supplier (DNS, refused connection, connect timeout): it is unreachable.
  not_sent: "failure",
  // Timeout after writing, reset, 5xx, an HTML gateway page, an unparseable or unverifiable body.
  sent_no_answer: "failure",
  // A definitive refusal (out of stock, bad account, low balance) is a working supplier answering.
  rejected: "success",
  // "This id is already used" is an answer too; the client resolves it by query.
  duplicate: "success",
  // The supplier asked us to slow down. Back-off and the rate limiter handle that; tripping the
  // breaker on 429s would turn a rate limit into an outage.
  throttled: "neutral",
  // Raised by kaquan before any request (validation, configuration, idempotency conflict).
  local: "neutral",
});

/**
 * Error codes whose health outcome differs from their failure class's. Checked before
 * {@link healthOutcomeByFailureClass}.
 */
export const healthOutcomeByErrorCode: Readonly<Record<string, HealthOutcome>> = Object.freeze({
  // AbortedError is `not_sent`, but it was the caller's own signal, not the supplier.
  aborted: "neutral",
  // CircuitOpenError is `not_sent` because the breaker refused it. Counting it as a failure would
  // keep an open breaker open on its own refusals.
  circuit_open: "neutral",
  // A router's verdict over several suppliers, not one supplier's answer.
  no_supplier_available: "neutral",
});

/**
 * Which outcome an error (or its absence) counts as for the supplier's health:
 * - no error (`undefined` or `null`) → `success`;
 * - a kaquan error → {@link healthOutcomeByErrorCode} by `code`, else
 *   {@link healthOutcomeByFailureClass} by `failureClass` (`failure` for a class this copy of
 *   kaquan does not know);
 * - an `AbortError` (a caller's `AbortSignal` firing) → `neutral`;
 * - any other error → `failure`: something went wrong that kaquan could not classify.
 */
export function healthOutcomeOf(error: unknown): HealthOutcome {
  if (error === undefined || error === null) return "success";
  if (KaquanError.isInstance(error)) {
    if (Object.hasOwn(healthOutcomeByErrorCode, error.code))
      return healthOutcomeByErrorCode[error.code] as HealthOutcome;
    if (Object.hasOwn(healthOutcomeByFailureClass, error.failureClass))
      return healthOutcomeByFailureClass[error.failureClass];
    return "failure";
  }
  if (typeof error === "object" && (error as { name?: unknown }).name === "AbortError") return "neutral";
  return "failure";
}

// ---- The sliding window ------------------------------------------------------------------------

/** Options of {@link createHealthWindow}. */
export interface HealthWindowOptions {
  /** How much history the window covers. Default 60 000 ms. */
  windowMs?: number;
  /**
   * Slots the window is divided into. Outcomes leave the window one slot at a time, so the window
   * covers between `windowMs - windowMs / buckets` and `windowMs` of history. Default 12 (5 s slots).
   */
  buckets?: number;
  /**
   * Most latency samples kept: a ring of the most recent requests' latencies. While the window
   * holds no more requests than this, the percentiles cover every one of them; above that, the
   * most recent `maxLatencySamples`. `0` keeps none (only the maximum). Default 1 024.
   */
  maxLatencySamples?: number;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Latency percentiles over the samples the window keeps, in milliseconds. */
export interface LatencyStats {
  /** Nearest-rank percentiles: the smallest kept sample with at least p% of samples at or below it. */
  p50: number;
  p95: number;
  p99: number;
  /** The slowest request in the window (tracked for every request, not only the kept samples). */
  max: number;
  /** How many samples the percentiles were computed from. */
  samples: number;
}

/** What the window holds now. */
export interface HealthStats {
  /** Every outcome recorded in the window, neutral ones included. */
  requests: number;
  successes: number;
  failures: number;
  neutral: number;
  /** `successes / (successes + failures)`; absent when the window holds neither. */
  successRate?: number;
  /** Absent when no latency was recorded in the window. */
  latencyMs?: LatencyStats;
}

/** The counts of one slot, for {@link HealthWindow.snapshot}. */
export interface HealthWindowBucket {
  /** When the slot began (epoch ms). */
  startedAt: number;
  successes: number;
  failures: number;
  neutral: number;
}

/** JSON-safe counts of a window (latency samples are not kept in a snapshot). */
export const HealthWindowBucketSchema = z.object({
  startedAt: z.number(),
  successes: z.number().int().min(0),
  failures: z.number().int().min(0),
  neutral: z.number().int().min(0).default(0),
});

/** A time-bucketed sliding window of health outcomes and latencies. */
export interface HealthWindow {
  /**
   * Records one request's outcome and, when known, its latency (a finite number ≥ 0).
   * @throws ValidationError for an outcome that is not a {@link HealthOutcome} or a bad latency.
   */
  record(outcome: HealthOutcome, latencyMs?: number): void;
  /** Counts and latency percentiles over the window as of now. */
  stats(): HealthStats;
  /** The live slots' counts, oldest first, for saving a window across restarts. */
  snapshot(): HealthWindowBucket[];
  /**
   * Replaces the window's counts with saved ones. Slots already out of the window are dropped;
   * slots are re-bucketed by `startedAt` when this window's slot width differs.
   */
  restore(buckets: readonly HealthWindowBucket[]): void;
  /** Forgets everything. */
  clear(): void;
}

interface Slot {
  /** `floor(time / bucketMs)` of the slot's period; `-Infinity` when the slot is unused. */
  index: number;
  successes: number;
  failures: number;
  neutral: number;
  /** Slowest latency of the slot; -1 when none was recorded. */
  max: number;
}

function emptySlot(): Slot {
  return { index: Number.NEGATIVE_INFINITY, successes: 0, failures: 0, neutral: 0, max: -1 };
}

/** Nearest-rank percentile of an ascending, non-empty list. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/**
 * Creates a sliding window of health outcomes: `record` each request, read `stats()` whenever
 * needed. Percentiles are exact (nearest rank) over the kept samples; `max` is exact over every
 * request in the window.
 * @throws ConfigurationError for an option out of range.
 */
export function createHealthWindow(options: HealthWindowOptions = {}): HealthWindow {
  const windowMs = requireNumberOption(
    "health window.windowMs",
    options.windowMs ?? 60_000,
    { min: 0, exclusiveMin: true },
    "{ windowMs: 60_000 }",
  );
  const bucketCount = requireNumberOption(
    "health window.buckets",
    options.buckets ?? 12,
    { integer: true, min: 1 },
    "{ buckets: 12 }",
  );
  const maxLatencySamples = requireNumberOption(
    "health window.maxLatencySamples",
    options.maxLatencySamples ?? 1_024,
    { integer: true, min: 0 },
    "{ maxLatencySamples: 1024 }",
  );
  const now = options.now ?? Date.now;
  const bucketMs = windowMs / bucketCount;
  const slots: Slot[] = Array.from({ length: bucketCount }, emptySlot);
  // The latency ring: each sample with the slot index it was recorded in, so samples leave the
  // window together with their slot. Fixed-size typed arrays: memory is set here, once.
  const sampleLatencies = new Float64Array(maxLatencySamples);
  const sampleSlots = new Float64Array(maxLatencySamples);
  let samplesWritten = 0;
  // The newest slot index seen. A wall clock may step backwards (NTP); outcomes then land in the
  // newest slot instead of resurrecting or corrupting an older one.
  let newestIndex = Number.NEGATIVE_INFINITY;

  const currentIndex = (): number => {
    const index = Math.floor(now() / bucketMs);
    if (index > newestIndex) newestIndex = index;
    return newestIndex;
  };
  const slotAt = (index: number): Slot => {
    const slot = slots[((index % bucketCount) + bucketCount) % bucketCount] as Slot;
    if (slot.index !== index) {
      slot.index = index;
      slot.successes = 0;
      slot.failures = 0;
      slot.neutral = 0;
      slot.max = -1;
    }
    return slot;
  };
  const liveSlots = (current = currentIndex()): Slot[] => {
    return slots
      .filter((slot) => slot.index > current - bucketCount && slot.index <= current)
      .sort((a, b) => a.index - b.index);
  };
  const add = (slot: Slot, outcome: HealthOutcome, count: number) => {
    if (outcome === "success") slot.successes += count;
    else if (outcome === "failure") slot.failures += count;
    else slot.neutral += count;
  };

  return {
    record(outcome, latencyMs) {
      if (!isHealthOutcome(outcome))
        throw new ValidationError('outcome must be "success", "failure" or "neutral"', [
          { path: "outcome", message: 'use "success", "failure" or "neutral" (see healthOutcomeOf)' },
        ]);
      if (
        latencyMs !== undefined &&
        !(typeof latencyMs === "number" && Number.isFinite(latencyMs) && latencyMs >= 0)
      )
        throw new ValidationError("latencyMs must be a finite number ≥ 0 (or omitted when unknown)", [
          { path: "latencyMs", message: "pass the measured duration in milliseconds, or omit it" },
        ]);
      const index = currentIndex();
      const slot = slotAt(index);
      add(slot, outcome, 1);
      if (latencyMs === undefined) return;
      if (latencyMs > slot.max) slot.max = latencyMs;
      if (maxLatencySamples === 0) return;
      const position = samplesWritten % maxLatencySamples;
      sampleLatencies[position] = latencyMs;
      sampleSlots[position] = index;
      samplesWritten += 1;
    },

    stats() {
      let successes = 0;
      let failures = 0;
      let neutral = 0;
      let max = -1;
      const current = currentIndex();
      for (const slot of liveSlots(current)) {
        successes += slot.successes;
        failures += slot.failures;
        neutral += slot.neutral;
        if (slot.max > max) max = slot.max;
      }
      const samples: number[] = [];
      const kept = Math.min(samplesWritten, maxLatencySamples);
      for (let position = 0; position < kept; position++) {
        if ((sampleSlots[position] as number) > current - bucketCount)
          samples.push(sampleLatencies[position] as number);
      }
      const stats: HealthStats = { requests: successes + failures + neutral, successes, failures, neutral };
      if (successes + failures > 0) stats.successRate = successes / (successes + failures);
      if (max >= 0) {
        samples.sort((a, b) => a - b);
        // With maxLatencySamples 0 only the maximum is known; it stands in for every percentile.
        const pick = (p: number) => (samples.length > 0 ? percentile(samples, p) : max);
        stats.latencyMs = { p50: pick(50), p95: pick(95), p99: pick(99), max, samples: samples.length };
      }
      return stats;
    },

    snapshot() {
      return liveSlots()
        .filter((slot) => slot.successes + slot.failures + slot.neutral > 0)
        .map((slot) => ({
          startedAt: slot.index * bucketMs,
          successes: slot.successes,
          failures: slot.failures,
          neutral: slot.neutral,
        }));
    },

    restore(buckets) {
      for (const slot of slots) Object.assign(slot, emptySlot());
      samplesWritten = 0;
      const current = currentIndex();
      for (const bucket of buckets) {
        // A slot from the future (the saving process's clock ran ahead) counts as the current one.
        const index = Math.min(Math.floor(bucket.startedAt / bucketMs), current);
        if (index <= current - bucketCount) continue;
        const slot = slotAt(index);
        add(slot, "success", bucket.successes);
        add(slot, "failure", bucket.failures);
        add(slot, "neutral", bucket.neutral ?? 0);
      }
    },

    clear() {
      for (const slot of slots) Object.assign(slot, emptySlot());
      samplesWritten = 0;
      newestIndex = Number.NEGATIVE_INFINITY;
    },
  };
}
