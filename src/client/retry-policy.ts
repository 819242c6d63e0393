/**
 * Retries, only ever in the client. p-retry runs the attempts; kaquan supplies the delays itself
 * (full jitter, a cap, `Retry-After` honoured) because p-retry's own randomisation is not full
 * jitter. `maxAttempts` means exactly that: 1 is one attempt and no retry.
 */
import pRetry from "p-retry";
import { KaquanError, ValidationError } from "../core/index.js";
import { sleep } from "../runtime/clock.js";

export interface RetryOptions {
  /** Attempts in all, including the first. Default 3. `1` disables retries. */
  maxAttempts?: number;
  /** Base of the exponential backoff. Default 250 ms. */
  baseDelayMs?: number;
  /** Cap on one delay (a longer `Retry-After` is still honoured up to the deadline). Default 5 000 ms. */
  maxDelayMs?: number;
  /** No retry starts after this long from the first attempt. Default 30 000 ms. */
  totalDeadlineMs?: number;
}

export interface ResolvedRetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  totalDeadlineMs: number;
}

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved = {
    maxAttempts: options.maxAttempts ?? 3,
    baseDelayMs: options.baseDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 5_000,
    totalDeadlineMs: options.totalDeadlineMs ?? 30_000,
  };
  const problems = Object.entries(resolved)
    .filter(([name, value]) => !Number.isFinite(value) || value < (name === "maxAttempts" ? 1 : 0))
    .map(([name]) => ({
      path: `retry.${name}`,
      message: `${name} must be a finite number${name === "maxAttempts" ? " ≥ 1" : " ≥ 0"}`,
    }));
  if (!Number.isInteger(resolved.maxAttempts))
    problems.push({ path: "retry.maxAttempts", message: "maxAttempts must be a whole number" });
  if (problems.length > 0)
    throw new ValidationError(
      `Invalid retry options: ${problems.map((p) => p.message).join("; ")}`,
      problems,
    );
  return resolved;
}

/** Full jitter: a uniformly random delay between 0 and the capped exponential backoff. */
export function backoffDelay(
  attempt: number,
  options: ResolvedRetryOptions,
  random: () => number = Math.random,
): number {
  const exponential = options.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  // 0 × 2^1024 is 0 × Infinity = NaN: a zero base must stay a zero delay, however many attempts.
  const ceiling = Math.min(options.maxDelayMs, Number.isNaN(exponential) ? 0 : exponential);
  return Math.floor(random() * ceiling);
}

export interface RetryOutcome<T> {
  value: T;
  attempts: number;
  totalRetryDelayMs: number;
}

export interface RunWithRetriesOptions {
  policy: ResolvedRetryOptions;
  /** Whether this error may be retried at all (by class). */
  shouldRetry: (error: unknown) => boolean;
  signal?: AbortSignal | undefined;
  random?: () => number;
  now?: () => number;
}

/**
 * Runs `operation` until it succeeds, fails with an error `shouldRetry` refuses, runs out of
 * attempts, or the next delay would cross the deadline. The error thrown carries `attempts` and
 * `totalRetryDelayMs`.
 */
export async function runWithRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: RunWithRetriesOptions,
): Promise<RetryOutcome<T>> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  let attempts = 0;
  let totalRetryDelayMs = 0;
  // What the operation itself produced, kept apart from what p-retry reports (see the catch below).
  let succeeded: { value: T } | undefined;
  let lastThrown: { error: unknown } | undefined;
  const annotate = (error: unknown) => {
    if (KaquanError.isInstance(error)) {
      error.attempts = attempts;
      error.totalRetryDelayMs = totalRetryDelayMs;
    }
    return error;
  };
  // The first attempt runs without p-retry: nearly every call succeeds at once, and p-retry's
  // bookkeeping (signal listeners, option objects, promise chain) cost more per call than the
  // request's own signing. A first failure is replayed into p-retry below as its attempt 1, so
  // everything after it (classes, delays, deadline, abort) follows the one path.
  let firstFailure: { error: unknown } | undefined;
  if (!options.signal?.aborted) {
    attempts = 1;
    try {
      return { value: await operation(1), attempts, totalRetryDelayMs };
    } catch (error) {
      firstFailure = { error };
    }
  }
  try {
    const value = await pRetry(
      async (attemptNumber) => {
        attempts = attemptNumber;
        if (attemptNumber === 1 && firstFailure) {
          lastThrown = firstFailure;
          throw firstFailure.error;
        }
        try {
          const value = await operation(attemptNumber);
          succeeded = { value };
          return value;
        } catch (error) {
          lastThrown = { error };
          throw error;
        }
      },
      {
        retries: options.policy.maxAttempts - 1,
        // Delays are computed below (full jitter, Retry-After); p-retry's own are switched off.
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        randomize: false,
        signal: options.signal,
        shouldRetry: ({ error }) => options.shouldRetry(error),
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          // p-retry lands here too when its signal check throws after a successful attempt: there
          // is nothing to retry (and no delay to count); the catch below returns the answer.
          if (succeeded) throw error;
          if (retriesLeft <= 0 || !options.shouldRetry(error)) return;
          const retryAfterMs = KaquanError.isInstance(error) ? error.retryAfterMs : undefined;
          const delay = Math.max(
            backoffDelay(attemptNumber, options.policy, options.random),
            // A NaN would slip past the deadline check below and poison totalRetryDelayMs.
            typeof retryAfterMs === "number" && retryAfterMs > 0 ? retryAfterMs : 0,
          );
          if (now() - startedAt + delay > options.policy.totalDeadlineMs) throw error;
          totalRetryDelayMs += delay;
          if (delay > 0) await sleep(delay, options.signal);
        },
      },
    );
    return { value, attempts, totalRetryDelayMs };
  } catch (error) {
    // p-retry checks the signal again *after* a successful attempt and throws the result away
    // when the signal aborted meanwhile. The supplier has answered by then (an order may have
    // been placed): that answer must reach the caller, never be reported as an abort.
    if (succeeded) return { value: succeeded.value, attempts, totalRetryDelayMs };
    // p-retry replaces a thrown non-Error with its own TypeError: give back what was thrown.
    if (lastThrown && !(lastThrown.error instanceof Error) && error instanceof TypeError)
      throw lastThrown.error;
    throw annotate(error);
  }
}
