/**
 * The retry policy (failure-modes.md need 13): `maxAttempts` means exactly that under every error
 * class, delays are full jitter below a cap, `Retry-After` is honoured, a total deadline bounds
 * the retries and an AbortSignal stops them. Delays are checked through the injected `random`
 * and `now` and the reported `totalRetryDelayMs`, never by measuring wall-clock time; waits run
 * on fake timers.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  backoffDelay,
  type ResolvedRetryOptions,
  resolveRetryOptions,
  runWithRetries,
} from "../../src/client/retry-policy.js";
import {
  AbortedError,
  AuthenticationError,
  ConfigurationError,
  DuplicateOrderError,
  InsufficientBalanceError,
  KaquanError,
  MalformedPayloadError,
  NoAnswerError,
  NotSentError,
  OutOfStockError,
  RateLimitError,
  ResponseSignatureError,
  UnrecognizedVendorError,
  ValidationError,
} from "../../src/core/index.js";

const policy = (overrides: Partial<ResolvedRetryOptions> = {}): ResolvedRetryOptions => ({
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  totalDeadlineMs: 60_000,
  ...overrides,
});

const always = () => true;
const never = () => false;

/** One error of every class a supplier call can end in, and a few that are not kaquan's. */
const errorsOfEveryClass: Array<[string, () => unknown]> = [
  ["NotSentError", () => new NotSentError("refused")],
  ["NoAnswerError", () => new NoAnswerError("reset")],
  ["RateLimitError", () => new RateLimitError("429", { retryAfterMs: 10 })],
  ["UnrecognizedVendorError", () => new UnrecognizedVendorError("?")],
  ["DuplicateOrderError", () => new DuplicateOrderError("dup")],
  ["InsufficientBalanceError", () => new InsufficientBalanceError("balance")],
  ["OutOfStockError", () => new OutOfStockError("stock")],
  ["AuthenticationError", () => new AuthenticationError("auth")],
  ["ResponseSignatureError", () => new ResponseSignatureError("bad sign")],
  ["MalformedPayloadError", () => new MalformedPayloadError("shape")],
  ["AbortedError", () => new AbortedError("aborted")],
  ["ValidationError", () => new ValidationError("bad", [])],
  ["ConfigurationError", () => new ConfigurationError("config")],
  ["plain Error", () => new Error("boom")],
  ["TypeError", () => new TypeError("bug")],
  ["a thrown string", () => "not an error"],
];

/** Runs `runWithRetries` to completion on fake timers and reports the outcome. */
async function run<T>(
  operation: (attempt: number) => Promise<T>,
  options: Parameters<typeof runWithRetries>[1],
): Promise<
  { ok: true; value: T; attempts: number; totalRetryDelayMs: number } | { ok: false; error: unknown }
> {
  const pending = runWithRetries(operation, options).then(
    (outcome) => ({ ok: true as const, ...outcome }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await vi.runAllTimersAsync();
  return pending;
}

function failing(makeError: () => unknown) {
  return vi.fn(async (_attempt: number): Promise<string> => {
    throw makeError();
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("maxAttempts means exactly that", () => {
  it.each(errorsOfEveryClass)(
    "maxAttempts 1 makes exactly one call for %s, even if shouldRetry says yes",
    async (_name, make) => {
      const operation = failing(make);
      const outcome = await run(operation, { policy: policy({ maxAttempts: 1 }), shouldRetry: always });
      expect(operation).toHaveBeenCalledTimes(1);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      if (typeof outcome.error === "string") expect(outcome.error).toBe("not an error");
      if (KaquanError.isInstance(outcome.error)) {
        expect(outcome.error.attempts).toBe(1);
        expect(outcome.error.totalRetryDelayMs).toBe(0);
      }
    },
  );

  it("maxAttempts 3 with a retryable error makes 3 calls and reports attempts 3", async () => {
    const error = new NotSentError("refused");
    const operation = failing(() => error);
    const outcome = await run(operation, { policy: policy(), shouldRetry: always, random: () => 0.5 });
    expect(operation).toHaveBeenCalledTimes(3);
    expect(operation.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
    expect(outcome).toEqual({ ok: false, error });
    expect(error.attempts).toBe(3);
    // 0.5 × 100 after the first attempt, 0.5 × 200 after the second.
    expect(error.totalRetryDelayMs).toBe(150);
    expect(error.toJSON()).toMatchObject({ attempts: 3, totalRetryDelayMs: 150 });
  });

  it("any maxAttempts n: exactly n calls when every attempt fails retryably", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), async (maxAttempts) => {
        const operation = failing(() => new NoAnswerError("reset"));
        const outcome = await run(operation, {
          policy: policy({ maxAttempts, baseDelayMs: 1, maxDelayMs: 5 }),
          shouldRetry: always,
        });
        expect(operation).toHaveBeenCalledTimes(maxAttempts);
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect((outcome.error as KaquanError).attempts).toBe(maxAttempts);
      }),
      { numRuns: 30 },
    );
  });

  it("a success on attempt k returns its value with attempts k and stops", async () => {
    let calls = 0;
    const operation = vi.fn(async (attempt: number) => {
      calls += 1;
      if (attempt < 3) throw new NotSentError("refused");
      return `value from attempt ${attempt}`;
    });
    const outcome = await run(operation, {
      policy: policy({ maxAttempts: 5 }),
      shouldRetry: always,
      random: () => 0,
    });
    expect(outcome).toEqual({ ok: true, value: "value from attempt 3", attempts: 3, totalRetryDelayMs: 0 });
    expect(calls).toBe(3);
  });

  it("a first-time success is one call with no delay", async () => {
    const operation = vi.fn(async () => 42);
    expect(await run(operation, { policy: policy(), shouldRetry: always })).toEqual({
      ok: true,
      value: 42,
      attempts: 1,
      totalRetryDelayMs: 0,
    });
    expect(operation).toHaveBeenCalledTimes(1);
  });
});

describe("shouldRetry decides by class", () => {
  it.each(errorsOfEveryClass)("a non-retryable %s is one call", async (_name, make) => {
    const operation = failing(make);
    const shouldRetry = vi.fn(never);
    const outcome = await run(operation, { policy: policy({ maxAttempts: 5 }), shouldRetry });
    expect(operation).toHaveBeenCalledTimes(1);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok && KaquanError.isInstance(outcome.error)) expect(outcome.error.attempts).toBe(1);
  });

  it("shouldRetry sees the very error the operation threw", async () => {
    const error = new NoAnswerError("reset");
    const shouldRetry = vi.fn((_error: unknown) => false);
    await run(
      failing(() => error),
      { policy: policy(), shouldRetry },
    );
    expect(shouldRetry).toHaveBeenCalled();
    for (const [seen] of shouldRetry.mock.calls) expect(seen).toBe(error);
  });

  it("retries a retryable error, then stops at the first non-retryable one", async () => {
    const rejection = new InsufficientBalanceError("balance");
    const operation = vi.fn(async (attempt: number): Promise<string> => {
      throw attempt === 1 ? new NotSentError("refused") : rejection;
    });
    const outcome = await run(operation, {
      policy: policy({ maxAttempts: 5 }),
      shouldRetry: (error) => NotSentError.isInstance(error),
    });
    expect(operation).toHaveBeenCalledTimes(2);
    expect(outcome).toEqual({ ok: false, error: rejection });
    expect(rejection.attempts).toBe(2);
  });

  it("a TypeError (a bug in our code) is never retried", async () => {
    const operation = failing(() => new TypeError("cannot read properties of undefined"));
    const outcome = await run(operation, { policy: policy(), shouldRetry: always });
    expect(operation).toHaveBeenCalledTimes(1);
    expect(!outcome.ok && outcome.error instanceof TypeError).toBe(true);
  });

  it("a thrown non-Error comes back as thrown, not replaced", async () => {
    const thrown = { code: "weird" };
    const outcome = await run(
      failing(() => thrown),
      { policy: policy(), shouldRetry: always },
    );
    expect(outcome).toEqual({ ok: false, error: thrown });
    if (!outcome.ok) expect(outcome.error).toBe(thrown);
  });
});

describe("Retry-After", () => {
  it("is honoured: the delay is at least retryAfterMs, even above maxDelayMs", async () => {
    const error = new RateLimitError("429", { retryAfterMs: 7_000 });
    const operation = failing(() => error);
    await run(operation, {
      policy: policy({ maxAttempts: 2, maxDelayMs: 1_000 }),
      shouldRetry: always,
      random: () => 0.999,
    });
    expect(operation).toHaveBeenCalledTimes(2);
    expect(error.totalRetryDelayMs).toBe(7_000);
    expect(error.totalRetryDelayMs).toBeGreaterThanOrEqual(error.retryAfterMs!);
  });

  it("takes the larger of the backoff and Retry-After", async () => {
    // Backoff with random 0.5: 50, then 100. Retry-After: 80 each time → 80, then 100.
    const error = new RateLimitError("429", { retryAfterMs: 80 });
    await run(
      failing(() => error),
      { policy: policy({ maxAttempts: 3 }), shouldRetry: always, random: () => 0.5 },
    );
    expect(error.totalRetryDelayMs).toBe(180);
  });

  it("the next attempt does not start before Retry-After has passed", async () => {
    const operation = vi.fn(async (attempt: number): Promise<string> => {
      if (attempt === 1) throw new RateLimitError("429", { retryAfterMs: 5_000 });
      return "ok";
    });
    const pending = runWithRetries(operation, { policy: policy(), shouldRetry: always, random: () => 0 });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(operation).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(operation).toHaveBeenCalledTimes(2);
    expect(await pending).toEqual({ value: "ok", attempts: 2, totalRetryDelayMs: 5_000 });
  });

  it("an unusable retryAfterMs (NaN, negative) falls back to the backoff", async () => {
    for (const retryAfterMs of [Number.NaN, -5]) {
      const error = new RateLimitError("429", { retryAfterMs });
      await run(
        failing(() => error),
        { policy: policy({ maxAttempts: 2 }), shouldRetry: always, random: () => 0.5 },
      );
      expect(error.attempts).toBe(2);
      expect(error.totalRetryDelayMs).toBe(50);
    }
  });
});

describe("total deadline", () => {
  it("stops retrying once the next delay would cross the deadline", async () => {
    let clock = 0;
    const operation = vi.fn(async (): Promise<string> => {
      clock += 1_000; // each attempt takes a second on the injected clock
      throw new NoAnswerError("timeout");
    });
    const outcome = await run(operation, {
      policy: policy({ maxAttempts: 10, totalDeadlineMs: 2_500 }),
      shouldRetry: always,
      random: () => 0,
      now: () => clock,
    });
    // Attempts end at 1 000 and 2 000 (retry), then 3 000 (past the deadline: stop).
    expect(operation).toHaveBeenCalledTimes(3);
    expect(!outcome.ok && (outcome.error as KaquanError).attempts).toBe(3);
  });

  it("a Retry-After beyond the deadline stops at once instead of waiting", async () => {
    const error = new RateLimitError("429", { retryAfterMs: 120_000 });
    const operation = failing(() => error);
    await run(operation, {
      policy: policy({ maxAttempts: 5, totalDeadlineMs: 30_000 }),
      shouldRetry: always,
      now: () => 0,
    });
    expect(operation).toHaveBeenCalledTimes(1);
    expect(error.attempts).toBe(1);
    expect(error.totalRetryDelayMs).toBe(0);
  });

  it("the delays taken never add up past the deadline", async () => {
    // Uses the default clock, Date.now, which the fake timers move as the waits pass.
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (maxAttempts, totalDeadlineMs, draw) => {
          const error = new NotSentError("refused");
          const operation = failing(() => error);
          const startedAt = Date.now();
          await run(operation, {
            policy: policy({ maxAttempts, totalDeadlineMs, baseDelayMs: 300, maxDelayMs: 2_000 }),
            shouldRetry: always,
            random: () => draw,
          });
          expect(error.totalRetryDelayMs).toBeLessThanOrEqual(totalDeadlineMs);
          expect(Date.now() - startedAt).toBeLessThanOrEqual(totalDeadlineMs);
          expect(operation.mock.calls.length).toBeLessThanOrEqual(maxAttempts);
          expect(error.attempts).toBe(operation.mock.calls.length);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("abort", () => {
  it("an already aborted signal makes no call", async () => {
    const controller = new AbortController();
    controller.abort();
    const operation = vi.fn(async () => "never");
    const outcome = await run(operation, {
      policy: policy(),
      shouldRetry: always,
      signal: controller.signal,
    });
    expect(operation).not.toHaveBeenCalled();
    expect(outcome.ok).toBe(false);
  });

  it("an abort during the wait before a retry stops the retries", async () => {
    const controller = new AbortController();
    const operation = failing(() => new RateLimitError("429", { retryAfterMs: 10_000 }));
    const pending = runWithRetries(operation, {
      policy: policy({ maxAttempts: 5 }),
      shouldRetry: always,
      signal: controller.signal,
    }).then(
      () => "resolved",
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(operation).toHaveBeenCalledTimes(1);
    controller.abort();
    await vi.runAllTimersAsync();
    const error = await pending;
    expect(error).not.toBe("resolved");
    expect((error as Error).name).toBe("AbortError");
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it("an abort during an attempt that then fails stops the retries", async () => {
    const controller = new AbortController();
    const operation = vi.fn(async (): Promise<string> => {
      controller.abort();
      throw new NotSentError("refused");
    });
    const outcome = await run(operation, {
      policy: policy({ maxAttempts: 5 }),
      shouldRetry: always,
      signal: controller.signal,
      random: () => 0,
    });
    expect(operation).toHaveBeenCalledTimes(1);
    expect(outcome.ok).toBe(false);
  });

  it("an abort during an attempt that succeeds keeps its answer", async () => {
    // The supplier answered (an order may have been placed): the answer must not be dropped.
    const controller = new AbortController();
    const operation = vi.fn(async () => {
      controller.abort();
      return { status: "succeeded" };
    });
    const outcome = await run(operation, {
      policy: policy(),
      shouldRetry: always,
      signal: controller.signal,
    });
    expect(outcome).toEqual({ ok: true, value: { status: "succeeded" }, attempts: 1, totalRetryDelayMs: 0 });
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it("an abort during a later successful attempt keeps its answer and the attempt count", async () => {
    const controller = new AbortController();
    const operation = vi.fn(async (attempt: number) => {
      if (attempt === 1) throw new NotSentError("refused");
      controller.abort();
      return "placed";
    });
    const outcome = await run(operation, {
      policy: policy(),
      shouldRetry: always,
      signal: controller.signal,
      random: () => 0.5,
    });
    expect(outcome).toEqual({ ok: true, value: "placed", attempts: 2, totalRetryDelayMs: 50 });
  });
});

describe("backoffDelay (full jitter)", () => {
  it("stays within [0, min(cap, base·2^(n-1))) for any draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelayMs, maxDelayMs, draw) => {
          const options = policy({ baseDelayMs, maxDelayMs });
          const delay = backoffDelay(attempt, options, () => draw);
          // (0 × 2^1024 would be NaN: a zero base has a zero ceiling.)
          const ceiling = baseDelayMs === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          if (ceiling === 0) expect(delay).toBe(0);
          else expect(delay).toBeLessThan(ceiling);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("stays within the bound with the real Math.random", () => {
    const options = policy({ baseDelayMs: 250, maxDelayMs: 5_000 });
    for (let attempt = 1; attempt <= 12; attempt += 1) {
      const ceiling = Math.min(5_000, 250 * 2 ** (attempt - 1));
      for (let draw = 0; draw < 500; draw += 1) {
        const delay = backoffDelay(attempt, options);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it("is full jitter: the whole range is used, not only its upper half", () => {
    const options = policy({ baseDelayMs: 1_000, maxDelayMs: 1_000 });
    expect(backoffDelay(1, options, () => 0)).toBe(0);
    expect(backoffDelay(1, options, () => 0.25)).toBe(250);
    expect(backoffDelay(1, options, () => 0.9999)).toBe(999);
  });

  it("grows exponentially until the cap", () => {
    const options = policy({ baseDelayMs: 100, maxDelayMs: 1_000 });
    const top = (attempt: number) => backoffDelay(attempt, options, () => 0.999_999);
    expect([1, 2, 3, 4, 5, 6].map(top)).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it("a zero base is a zero delay however many attempts (no NaN)", () => {
    expect(backoffDelay(5_000, policy({ baseDelayMs: 0 }), () => 0.5)).toBe(0);
    expect(backoffDelay(1, policy({ maxDelayMs: 0 }), () => 0.5)).toBe(0);
  });
});

describe("resolveRetryOptions", () => {
  it("has safe defaults: 3 attempts, bounded delays and deadline", () => {
    expect(resolveRetryOptions()).toEqual({
      maxAttempts: 3,
      baseDelayMs: 250,
      maxDelayMs: 5_000,
      totalDeadlineMs: 30_000,
    });
  });

  it.each([
    { maxAttempts: 0 },
    { maxAttempts: -1 },
    { maxAttempts: 1.5 },
    { maxAttempts: Number.NaN },
    { maxAttempts: Number.POSITIVE_INFINITY },
    { baseDelayMs: -1 },
    { maxDelayMs: Number.NaN },
    { totalDeadlineMs: Number.POSITIVE_INFINITY },
  ])("rejects %o", (options) => {
    expect(() => resolveRetryOptions(options)).toThrow(ValidationError);
  });

  it("names the offending field", () => {
    try {
      resolveRetryOptions({ maxAttempts: 0 });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).issues.map((issue) => issue.path)).toContain("retry.maxAttempts");
    }
  });
});
