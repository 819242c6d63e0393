/**
 * Callback (notification) delivery for the supplier simulators: POST a body to the merchant's URL
 * and retry, a few times at small intervals, until the merchant acknowledges it. Every attempt is
 * reported, so a test can check what the merchant saw and what it answered. A simulator reads its
 * retry options with {@link callbackRetrySettings} and numbers and logs its deliveries with a
 * {@link CallbackRecorder}.
 */
import { sleep } from "../runtime/clock.js";
import { SimulatorLog } from "./simulator-lifecycle.js";
import type { SimulatorCallbackAttempt, SimulatorCallbackRetryOptions } from "./simulator-types.js";

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

/** How often and how long a simulator tries one callback. */
export interface CallbackRetrySettings {
  /** Attempts in all, the first included. At least 1. */
  attempts: number;
  /** Pause between attempts, in milliseconds. */
  intervalMs: number;
  /** Deadline of one attempt, in milliseconds. */
  timeoutMs: number;
}

/**
 * Reads the callback retry options with their defaults: 4 attempts (at least 1, whole), 20 ms
 * apart, 2000 ms each. `nonNegative` validates one option — it throws the simulator's own
 * `ConfigurationError` — and returns it.
 */
export function callbackRetrySettings(
  options: SimulatorCallbackRetryOptions,
  nonNegative: (value: number, name: string) => number,
): CallbackRetrySettings {
  const attempts = Math.max(1, Math.floor(nonNegative(options.callbackAttempts ?? 4, "callbackAttempts")));
  const intervalMs = nonNegative(options.callbackRetryIntervalMs ?? 20, "callbackRetryIntervalMs");
  const timeoutMs = nonNegative(options.callbackTimeoutMs ?? 2000, "callbackTimeoutMs");
  return { attempts, intervalMs, timeoutMs };
}

/** Settings of a {@link CallbackRecorder}. */
export interface CallbackRecorderOptions<Entry> extends CallbackRetrySettings {
  /** Whether an answer acknowledges a callback. */
  isAcknowledged(status: number, reply: string): boolean;
  /** Stops every delivery (the simulator's lifetime). */
  signal: AbortSignal;
  /** The `at` of each attempt: epoch milliseconds, from the simulator's clock. */
  now(): number;
  /** Makes the copies {@link CallbackRecorder.select} returns; a shallow copy by default. */
  copy?: ((entry: Entry) => Entry) | undefined;
}

/** The fields a simulator adds to the shared ones of its callback attempts (`orderid`, `sta`, …). */
export type VendorAttemptFields<Entry> = Omit<Entry, keyof SimulatorCallbackAttempt<string>>;

/**
 * A simulator's callback deliveries: numbers each delivery, delivers it with retries
 * ({@link deliverCallback}) and logs every attempt.
 */
export class CallbackRecorder<Entry extends SimulatorCallbackAttempt<string>> {
  readonly #options: CallbackRecorderOptions<Entry>;
  readonly #log: SimulatorLog<Entry>;
  #deliveries = 0;

  constructor(options: CallbackRecorderOptions<Entry>) {
    this.#options = options;
    this.#log = new SimulatorLog<Entry>(options.copy);
  }

  /**
   * Delivers `post` as a new delivery, sent for `reason`. Each attempt is logged as its outcome,
   * the delivery's number and reason, the simulator's `fields()` (called once per attempt), the
   * URL, content type and body, and the time. Resolves with this delivery's attempts.
   */
  async deliver(
    post: CallbackPost,
    reason: Entry["reason"],
    fields: () => VendorAttemptFields<Entry>,
  ): Promise<Entry[]> {
    this.#deliveries += 1;
    const deliveryId = this.#deliveries;
    const entries: Entry[] = [];
    await deliverCallback(post, {
      attempts: this.#options.attempts,
      intervalMs: this.#options.intervalMs,
      timeoutMs: this.#options.timeoutMs,
      isAcknowledged: this.#options.isAcknowledged,
      signal: this.#options.signal,
      onAttempt: (outcome) => {
        const entry = {
          ...outcome,
          deliveryId,
          reason,
          ...fields(),
          url: post.url,
          contentType: post.contentType,
          body: post.body,
          at: this.#options.now(),
        } as Entry;
        this.#log.push(entry);
        entries.push(entry);
      },
    });
    return entries;
  }

  /** Copies of the logged attempts, oldest first; only those whose `field` is `value`, unless `value` is `undefined`. */
  select<Field extends keyof Entry>(field: Field, value: Entry[Field] | undefined): Entry[] {
    return this.#log.select(field, value);
  }
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
