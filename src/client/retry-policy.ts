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
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
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
  const annotate = (error: unknown) => {
    if (KaquanError.isInstance(error)) {
      error.attempts = attempts;
      error.totalRetryDelayMs = totalRetryDelayMs;
    }
    return error;
  };
  try {
    const value = await pRetry(
      async (attemptNumber) => {
        attempts = attemptNumber;
        return operation(attemptNumber);
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
          if (retriesLeft <= 0 || !options.shouldRetry(error)) return;
          const retryAfterMs = KaquanError.isInstance(error) ? error.retryAfterMs : undefined;
          const delay = Math.max(
            backoffDelay(attemptNumber, options.policy, options.random),
            retryAfterMs ?? 0,
          );
          if (now() - startedAt + delay > options.policy.totalDeadlineMs) throw error;
          totalRetryDelayMs += delay;
          if (delay > 0) await sleep(delay, options.signal);
        },
      },
    );
    return { value, attempts, totalRetryDelayMs };
  } catch (error) {
    throw annotate(error);
  }
}
