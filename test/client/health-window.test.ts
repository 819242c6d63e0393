/**
 * What counts against a supplier's health (the healthOutcomeOf table), and the sliding window:
 * expiry, exact percentiles, bounded memory. Time is an injected clock moved by hand.
 */
import { describe, expect, it } from "vitest";
import {
  createHealthWindow,
  type HealthOutcome,
  healthOutcomeByErrorCode,
  healthOutcomeByFailureClass,
  healthOutcomeOf,
} from "../../src/client/health-window.js";
import * as core from "../../src/core/errors.js";
import {
  AbortedError,
  AuthenticationError,
  CircuitOpenError,
  ConfigurationError,
  DuplicateOrderError,
  type FailureClass,
  KaquanError,
  MalformedPayloadError,
  NoAnswerError,
  NoSupplierAvailableError,
  NotSentError,
  OutOfStockError,
  RateLimitError,
  ValidationError,
} from "../../src/core/index.js";

/** Every KaquanError class in the error module, constructed with placeholder arguments. */
function everyErrorClass(): KaquanError[] {
  return Object.values(core)
    .filter(
      (value): value is typeof KaquanError =>
        typeof value === "function" && (value === KaquanError || value.prototype instanceof KaquanError),
    )
    .map((ErrorClass) => new (ErrorClass as new (...args: unknown[]) => KaquanError)("test", []));
}

describe("healthOutcomeOf", () => {
  it("has a row for the failure class of every kaquan error class", () => {
    const errors = everyErrorClass();
    expect(errors.length).toBeGreaterThan(20);
    const classes = new Set(errors.map((error) => error.failureClass));
    for (const failureClass of classes) {
      expect(Object.hasOwn(healthOutcomeByFailureClass, failureClass), failureClass).toBe(true);
    }
    // And no row for a class nothing uses.
    for (const failureClass of Object.keys(healthOutcomeByFailureClass))
      expect(classes.has(failureClass as FailureClass), failureClass).toBe(true);
  });

  it("judges by the table: every failure class, then the code overrides", () => {
    const expected: Record<FailureClass, HealthOutcome> = {
      not_sent: "failure",
      sent_no_answer: "failure",
      rejected: "success",
      duplicate: "success",
      throttled: "neutral",
      local: "neutral",
    };
    expect(healthOutcomeByFailureClass).toEqual(expected);
    for (const error of everyErrorClass()) {
      const want = Object.hasOwn(healthOutcomeByErrorCode, error.code)
        ? healthOutcomeByErrorCode[error.code]
        : expected[error.failureClass];
      expect(healthOutcomeOf(error), error.name).toBe(want);
    }
  });

  it.each<[string, unknown, HealthOutcome]>([
    ["no error", undefined, "success"],
    ["null", null, "success"],
    ["not sent", new NotSentError("connect refused"), "failure"],
    ["no answer", new NoAnswerError("timeout after write"), "failure"],
    ["malformed body", new MalformedPayloadError("HTML gateway page"), "failure"],
    ["out of stock", new OutOfStockError("sold out"), "success"],
    ["authentication", new AuthenticationError("bad sign"), "success"],
    ["duplicate id", new DuplicateOrderError("used"), "success"],
    ["throttled", new RateLimitError("429"), "neutral"],
    ["validation", new ValidationError("bad", []), "neutral"],
    ["configuration", new ConfigurationError("bad"), "neutral"],
    ["aborted by the caller", new AbortedError("aborted"), "neutral"],
    ["refused by the breaker", new CircuitOpenError("open"), "neutral"],
    ["router verdict", new NoSupplierAvailableError("none", []), "neutral"],
    ["a native AbortError", new DOMException("aborted", "AbortError"), "neutral"],
    ["a native TimeoutError", new DOMException("timed out", "TimeoutError"), "failure"],
    ["a plain Error", new Error("socket hang up"), "failure"],
    ["a thrown string", "boom", "failure"],
  ])("%s → %s", (_name, error, outcome) => {
    expect(healthOutcomeOf(error)).toBe(outcome);
  });

  it("treats an error from another copy of kaquan by its brand, not its prototype", () => {
    const foreign = new NotSentError("refused");
    Object.setPrototypeOf(foreign, Error.prototype);
    expect(foreign instanceof KaquanError).toBe(false);
    expect(healthOutcomeOf(foreign)).toBe("failure");
    const foreignThrottle = new RateLimitError("429");
    Object.setPrototypeOf(foreignThrottle, Error.prototype);
    expect(healthOutcomeOf(foreignThrottle)).toBe("neutral");
  });
});

function windowWithClock(options: Parameters<typeof createHealthWindow>[0] = {}) {
  const clock = { time: 1_700_000_000_000 };
  const window = createHealthWindow({ now: () => clock.time, ...options });
  return { clock, window };
}

describe("health window", () => {
  it("is empty at first, without a success rate or latencies", () => {
    const { window } = windowWithClock();
    expect(window.stats()).toEqual({ requests: 0, successes: 0, failures: 0, neutral: 0 });
  });

  it("counts outcomes and a success rate that ignores neutral ones", () => {
    const { window } = windowWithClock();
    for (const outcome of ["success", "success", "success", "failure", "neutral", "neutral"] as const)
      window.record(outcome);
    expect(window.stats()).toEqual({
      requests: 6,
      successes: 3,
      failures: 1,
      neutral: 2,
      successRate: 0.75,
    });
  });

  it("drops outcomes older than windowMs, a slot at a time", () => {
    const { clock, window } = windowWithClock({ windowMs: 60_000, buckets: 12 });
    window.record("failure");
    clock.time += 30_000;
    window.record("success");
    expect(window.stats().requests).toBe(2);
    clock.time += 30_000;
    // The first slot has left the window; the second (30 s old) is still in.
    expect(window.stats()).toMatchObject({ requests: 1, successes: 1, failures: 0 });
    clock.time += 30_000;
    expect(window.stats().requests).toBe(0);
  });

  it("never keeps an outcome for more than windowMs, wherever it falls in its slot", () => {
    const { clock, window } = windowWithClock({ windowMs: 1_000, buckets: 4 });
    for (let offset = 0; offset < 250; offset += 10) {
      clock.time = 1_700_000_000_000 + offset;
      window.record("success");
      clock.time += 1_000;
      expect(window.stats().requests, `recorded at +${offset} ms`).toBe(0);
      window.clear();
    }
  });

  it("keeps outcomes recorded while the clock stepped backwards in the newest slot", () => {
    const { clock, window } = windowWithClock({ windowMs: 10_000, buckets: 10 });
    window.record("success");
    clock.time -= 60_000;
    window.record("failure");
    expect(window.stats()).toMatchObject({ successes: 1, failures: 1 });
  });

  it("computes exact nearest-rank percentiles and the maximum", () => {
    const { window } = windowWithClock();
    // 1..100 in a scrambled order.
    for (let i = 0; i < 100; i++) window.record("success", ((i * 37) % 100) + 1);
    expect(window.stats().latencyMs).toEqual({ p50: 50, p95: 95, p99: 99, max: 100, samples: 100 });
  });

  it("computes percentiles of a small, uneven sample", () => {
    const { window } = windowWithClock();
    for (const latency of [900, 10, 20]) window.record("failure", latency);
    // Nearest rank of 3 samples: p50 → 2nd, p95 and p99 → 3rd.
    expect(window.stats().latencyMs).toEqual({ p50: 20, p95: 900, p99: 900, max: 900, samples: 3 });
  });

  it("computes percentiles over the most recent samples once more than maxLatencySamples arrive", () => {
    const { window } = windowWithClock({ maxLatencySamples: 10 });
    for (let i = 0; i < 10; i++) window.record("success", 1_000);
    for (let i = 1; i <= 10; i++) window.record("success", i);
    expect(window.stats().latencyMs).toEqual({ p50: 5, p95: 10, p99: 10, max: 1_000, samples: 10 });
  });

  it("lets latency samples leave the window with their slot", () => {
    const { clock, window } = windowWithClock({ windowMs: 10_000, buckets: 10 });
    window.record("success", 500);
    clock.time += 5_000;
    window.record("success", 20);
    expect(window.stats().latencyMs).toMatchObject({ p99: 500, max: 500, samples: 2 });
    clock.time += 6_000;
    expect(window.stats().latencyMs).toEqual({ p50: 20, p95: 20, p99: 20, max: 20, samples: 1 });
  });

  it("reports only the maximum when no samples are kept", () => {
    const { window } = windowWithClock({ maxLatencySamples: 0 });
    window.record("success", 40);
    window.record("success", 70);
    expect(window.stats().latencyMs).toEqual({ p50: 70, p95: 70, p99: 70, max: 70, samples: 0 });
  });

  it("bounds memory at maxLatencySamples across 100 000 records and keeps the exact maximum", () => {
    const { clock, window } = windowWithClock({ windowMs: 60_000, buckets: 12, maxLatencySamples: 1_024 });
    for (let i = 0; i < 100_000; i++) {
      clock.time += 0.5;
      window.record(i % 10 === 0 ? "failure" : "success", i === 77_777 ? 99_999 : i % 500);
    }
    const stats = window.stats();
    expect(stats.requests).toBe(100_000);
    expect(stats.latencyMs!.samples).toBe(1_024);
    expect(stats.latencyMs!.max).toBe(99_999);
    expect(stats.successRate).toBeCloseTo(0.9, 5);
  });

  it("refuses a bad outcome or latency with a ValidationError", () => {
    const { window } = windowWithClock();
    expect(() => window.record("ok" as HealthOutcome)).toThrow(ValidationError);
    for (const latency of [-1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => window.record("success", latency)).toThrow(ValidationError);
    expect(window.stats().requests).toBe(0);
  });

  it("saves and restores its counts", () => {
    const first = windowWithClock({ windowMs: 10_000, buckets: 5 });
    first.window.record("success");
    first.clock.time += 4_000;
    first.window.record("failure");
    first.window.record("neutral");
    const saved = JSON.parse(JSON.stringify(first.window.snapshot()));
    const second = windowWithClock({ windowMs: 10_000, buckets: 5 });
    second.clock.time = first.clock.time;
    second.window.restore(saved);
    expect(second.window.stats()).toEqual({
      requests: 3,
      successes: 1,
      failures: 1,
      neutral: 1,
      successRate: 0.5,
    });
    second.clock.time += 7_000;
    expect(second.window.stats()).toMatchObject({ requests: 2, successes: 0, failures: 1 });
  });

  it.each([
    { windowMs: 0 },
    { buckets: 0 },
    { buckets: 1.5 },
    { maxLatencySamples: -1 },
    { maxLatencySamples: 2.5 },
  ])("refuses %o with a ConfigurationError", (options) => {
    expect(() => createHealthWindow(options)).toThrow(ConfigurationError);
  });
});
