/**
 * Callback (notification) delivery for the supplier simulators: POST a body to the merchant's URL
 * and retry, a few times at small intervals, until the merchant acknowledges it. Every attempt is
 * reported, so a test can check what the merchant saw and what it answered.
 */
import { sleep } from "../runtime/clock.js";

/** One POST to deliver. */
export interface CallbackPost {
  url: string;
  /** The exact body bytes (as UTF-8 text). */
  body: string;
  contentType: string;
}

/** The outcome of one delivery attempt. */
export interface CallbackAttemptOutcome {
  /** 1 for the first attempt of a delivery, 2 for its first retry, and so on. */
  attempt: number;
  /** The merchant's HTTP status, when it answered. */
  status?: number | undefined;
  /** The merchant's reply body, when it answered. */
  reply?: string | undefined;
  /** Why no answer was read (connection refused, timeout, simulator closed). */
  error?: string | undefined;
  /** Whether the reply counted as an acknowledgement; the delivery stops at the first one. */
  acknowledged: boolean;
}

/** Retry and timing settings for {@link deliverCallback}. */
export interface CallbackDeliveryOptions {
  /** Attempts in all, the first included. At least 1. */
  attempts: number;
  /** Pause between attempts, in milliseconds. */
  intervalMs: number;
  /** Deadline of one attempt, in milliseconds. */
  timeoutMs: number;
  /** Whether an answer acknowledges the callback (Fulu: the body is exactly `success`). */
  isAcknowledged(status: number, reply: string): boolean;
  /** Aborts the delivery (the simulator is closing): no further attempt is made. */
  signal: AbortSignal;
  /** Called after every attempt, in order. */
  onAttempt?(outcome: CallbackAttemptOutcome): void;
}

/** POSTs `post` until it is acknowledged or the attempts run out; resolves with every attempt's outcome. */
export async function deliverCallback(
  post: CallbackPost,
  options: CallbackDeliveryOptions,
): Promise<CallbackAttemptOutcome[]> {
  const outcomes: CallbackAttemptOutcome[] = [];
  const attempts = Math.max(1, Math.floor(options.attempts));
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal.aborted) break;
    const outcome = await attemptOnce(post, attempt, options);
    outcomes.push(outcome);
    options.onAttempt?.(outcome);
    if (outcome.acknowledged || attempt === attempts) break;
    try {
      await sleep(options.intervalMs, options.signal);
    } catch {
      break;
    }
  }
  return outcomes;
}

async function attemptOnce(
  post: CallbackPost,
  attempt: number,
  options: CallbackDeliveryOptions,
): Promise<CallbackAttemptOutcome> {
  try {
    const response = await fetch(post.url, {
      method: "POST",
      headers: { "content-type": post.contentType },
      body: post.body,
      redirect: "manual",
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    const reply = await response.text();
    return {
      attempt,
      status: response.status,
      reply,
      acknowledged: options.isAcknowledged(response.status, reply),
    };
  } catch (error) {
    return { attempt, error: describe(error), acknowledged: false };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
