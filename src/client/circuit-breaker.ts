/**
 * A per-supplier circuit breaker. When a supplier stops answering, sending it more orders only
 * piles up `unknown` outcomes that must be resolved by query later; the breaker stops sending
 * for a cool-down, then lets a few probe requests through and closes again only when they succeed.
 *
 * It is synchronous and clock-driven: no timer runs, and `open → half_open` happens the first
 * time the breaker is looked at after the cool-down. Every permit carries the generation it was
 * granted in, so a request that started before a trip and reports afterwards cannot close (or
 * re-trip) a breaker that has since moved on.
 */
import { z } from "zod";
import { CircuitOpenError, parseInput, ValidationError } from "../core/index.js";
import {
  createHealthWindow,
  type HealthOutcome,
  HealthWindowBucketSchema,
  isHealthOutcome,
} from "./health-window.js";
import { requireNumberOption } from "./number-option.js";

/** Options of {@link createCircuitBreaker}. Every one has a default. */
export interface CircuitBreakerOptions {
  /** Trip after this many failures in a row. Default 5. */
  consecutiveFailures?: number;
  /** Trip when `failures / (failures + successes)` over the window reaches this (0–1]. Default 0.5. */
  failureRate?: number;
  /** …but only once the window holds this many successes and failures. Default 20. */
  minimumRequests?: number;
  /** The failure-rate window. Default 30 000 ms. */
  windowMs?: number;
  /** The first cool-down after a trip. Default 30 000 ms. */
  openMs?: number;
  /** The cool-down doubles each time a probe fails, up to this. Default 300 000 ms. */
  maxOpenMs?: number;
  /** Requests let through while half-open; this many successes close the breaker. Default 1. */
  halfOpenProbes?: number;
  /**
   * A probe that has not reported after this long is given up (as neutral) and its slot freed,
   * so a lost permit cannot keep the breaker half-open forever. Default 60 000 ms (four times the
   * transport's default 15 s request timeout).
   */
  probeTimeoutMs?: number;
  /** The supplier named in {@link CircuitOpenError}s. */
  supplier?: string;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Called once per state change, after the change is complete. Errors it throws are ignored. */
  onTransition?: (transition: CircuitTransition) => void;
}

/** `closed`: requests flow; `open`: refused until the cool-down ends; `half_open`: probing. */
export type CircuitState = "closed" | "open" | "half_open";

/** Why the breaker opened. `forced`: {@link CircuitBreaker.forceOpen}. */
export type CircuitOpenReason = "consecutive_failures" | "failure_rate" | "probe_failed" | "forced";

/** One state change of a breaker. */
export interface CircuitTransition {
  from: CircuitState;
  to: CircuitState;
  /** When the change happened (epoch ms); for `open → half_open`, the end of the cool-down. */
  at: number;
  /** Set when `to` is `open`. */
  reason?: CircuitOpenReason;
  /** Set when `to` is `open`: the cool-down, in ms. */
  retryAfterMs?: number;
}

/** Leave to send one request, from {@link CircuitBreaker.acquire}. Hand it back to `record`. */
export interface CircuitPermit {
  /** True for a half-open probe: its outcome decides whether the breaker closes. */
  readonly probe: boolean;
  /** The breaker generation the permit belongs to; outcomes of older generations are ignored. */
  readonly generation: number;
}

/** JSON-safe state of a breaker, for {@link CircuitBreaker.restore}. */
export interface CircuitSnapshot {
  version: 1;
  state: CircuitState;
  /** When the breaker last opened (epoch ms); set while open or half-open. */
  openedAt?: number;
  /** When the cool-down ends (epoch ms); set while open or half-open. */
  openUntil?: number;
  /** Why it last opened; set while open or half-open. */
  reason?: CircuitOpenReason;
  consecutiveFailures: number;
  /** How many times the breaker has opened. */
  trips: number;
  /** The cool-down the next probe failure doubles. */
  currentOpenMs: number;
  /** The failure-rate window's counts. */
  window: { startedAt: number; successes: number; failures: number; neutral: number }[];
  /** When the snapshot was taken (epoch ms). */
  at: number;
}

const whole = z.number().int().min(0);

/** The schema {@link CircuitBreaker.restore} validates against. */
export const CircuitSnapshotSchema = z
  .object({
    version: z.literal(1, { error: "version must be 1 (a snapshot from this version of kaquan)" }),
    state: z.enum(["closed", "open", "half_open"]),
    openedAt: z.number().optional(),
    openUntil: z.number().optional(),
    reason: z.enum(["consecutive_failures", "failure_rate", "probe_failed", "forced"]).optional(),
    consecutiveFailures: whole,
    trips: whole,
    currentOpenMs: z.number().positive(),
    window: z.array(HealthWindowBucketSchema).default([]),
    at: z.number().optional(),
  })
  .superRefine((snapshot, context) => {
    if (snapshot.state !== "closed" && snapshot.openUntil === undefined)
      context.addIssue({
        code: "custom",
        path: ["openUntil"],
        message: `an ${snapshot.state} breaker needs openUntil (when its cool-down ends)`,
      });
  });

/**
 * Parses an untrusted value (e.g. `JSON.parse` of a saved snapshot) into a {@link CircuitSnapshot}.
 * @throws ValidationError naming each bad field.
 */
export function parseCircuitSnapshot(value: unknown): CircuitSnapshot {
  return parseInput(CircuitSnapshotSchema, value, "circuit snapshot") as CircuitSnapshot;
}

/** A circuit breaker for one supplier. Create it with {@link createCircuitBreaker}. */
export interface CircuitBreaker {
  /** The current state (a finished cool-down turns `open` into `half_open` here). */
  state(): CircuitState;
  /**
   * Asks to send one request: a normal permit while closed, a probe while half-open with a free
   * probe slot.
   * @throws CircuitOpenError (with `supplier` and `retryAfterMs`: the time until a probe may go)
   *   when the breaker is open or every probe slot is taken. Nothing was sent.
   */
  acquire(): CircuitPermit;
  /**
   * A permit for a request that goes out whatever the breaker says (e.g. an order-status query:
   * resolving existing orders must never be blocked). While closed it is an ordinary permit whose
   * outcome counts; otherwise `undefined`: such a request never takes a probe slot.
   */
  observe(): CircuitPermit | undefined;
  /**
   * Records the outcome of a permitted request. `neutral` frees a probe slot without judging.
   * A second record of the same permit, a permit of an older generation (granted before a trip,
   * a close or a restore) and a permit from another breaker are ignored.
   * @throws ValidationError when `outcome` is not a {@link HealthOutcome}.
   */
  record(permit: CircuitPermit, outcome: HealthOutcome): void;
  /** True unless open, or half-open with every probe slot taken. */
  isAvailable(): boolean;
  /** JSON-safe state; see {@link CircuitSnapshot}. */
  snapshot(): CircuitSnapshot;
  /**
   * Replaces the state with a saved one (validated first; nothing changes when it is bad).
   * Outstanding permits are invalidated and a half-open breaker starts probing afresh. A restore
   * emits no transition; read `state()` afterwards. `currentOpenMs` is clamped to this breaker's
   * `[openMs, maxOpenMs]`.
   * @throws ValidationError naming each bad field.
   */
  restore(snapshot: CircuitSnapshot): void;
  /** Forces the breaker closed and forgets its history (an operator override). */
  reset(): void;
  /**
   * Forces the breaker open for `forMs` (default `maxOpenMs`), e.g. while the supplier announces
   * maintenance. Afterwards it probes as after any trip; `reset()` closes it at once.
   * @throws ValidationError when `forMs` is not a finite number > 0.
   */
  forceOpen(forMs?: number): void;
}

// The failure-rate window is counted in ten slots: outcomes leave it a tenth of windowMs at a time.
const rateWindowBuckets = 10;

/**
 * Creates a circuit breaker. Trips (opens) after `consecutiveFailures` failures in a row, or when
 * the failure rate over `windowMs` reaches `failureRate` once `minimumRequests` outcomes are in
 * the window. After the cool-down, `halfOpenProbes` probes go through: all succeed → closed; any
 * fails → open again with the cool-down doubled (up to `maxOpenMs`).
 * @throws ConfigurationError for an option out of range.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const consecutiveLimit = requireNumberOption(
    "circuit breaker consecutiveFailures",
    options.consecutiveFailures ?? 5,
    { integer: true, min: 1 },
    "{ consecutiveFailures: 5 }",
  );
  const failureRate = requireNumberOption(
    "circuit breaker failureRate",
    options.failureRate ?? 0.5,
    { min: 0, exclusiveMin: true, max: 1 },
    "{ failureRate: 0.5 }",
  );
  const minimumRequests = requireNumberOption(
    "circuit breaker minimumRequests",
    options.minimumRequests ?? 20,
    { integer: true, min: 1 },
    "{ minimumRequests: 20 }",
  );
  const windowMs = requireNumberOption(
    "circuit breaker windowMs",
    options.windowMs ?? 30_000,
    { min: 0, exclusiveMin: true },
    "{ windowMs: 30_000 }",
  );
  const openMs = requireNumberOption(
    "circuit breaker openMs",
    options.openMs ?? 30_000,
    { min: 0, exclusiveMin: true },
    "{ openMs: 30_000 }",
  );
  const maxOpenMs = requireNumberOption(
    "circuit breaker maxOpenMs",
    options.maxOpenMs ?? Math.max(300_000, openMs),
    { min: openMs },
    "{ maxOpenMs: 300_000 } (at least openMs)",
  );
  const halfOpenProbes = requireNumberOption(
    "circuit breaker halfOpenProbes",
    options.halfOpenProbes ?? 1,
    { integer: true, min: 1 },
    "{ halfOpenProbes: 1 }",
  );
  const probeTimeoutMs = requireNumberOption(
    "circuit breaker probeTimeoutMs",
    options.probeTimeoutMs ?? 60_000,
    { min: 0, exclusiveMin: true },
    "{ probeTimeoutMs: 60_000 }",
  );
  const now = options.now ?? Date.now;
  const supplier = options.supplier;
  const onTransition = options.onTransition;

  let state: CircuitState = "closed";
  let generation = 0;
  let openedAt: number | undefined;
  let openUntil: number | undefined;
  let reason: CircuitOpenReason | undefined;
  let consecutiveFailures = 0;
  let trips = 0;
  let currentOpenMs = openMs;
  let probeSuccesses = 0;
  const window = createHealthWindow({ windowMs, buckets: rateWindowBuckets, maxLatencySamples: 0, now });
  /** Permits not yet recorded. Held weakly: a permit its caller dropped costs nothing. */
  const outstanding = new WeakSet<CircuitPermit>();
  /** Probes in flight, with when each was granted. */
  const probes = new Map<CircuitPermit, number>();
  /** Transitions waiting to be reported once the current call has finished changing state. */
  const pending: CircuitTransition[] = [];

  const flush = () => {
    while (pending.length > 0) {
      const transition = pending.shift() as CircuitTransition;
      try {
        onTransition?.(transition);
      } catch {
        // A listener's failure must never break (or un-break) a request.
      }
    }
  };

  const forgetHistory = () => {
    generation += 1;
    consecutiveFailures = 0;
    probeSuccesses = 0;
    probes.clear();
    window.clear();
  };

  const open = (why: CircuitOpenReason, forMs: number, at: number) => {
    const from = state;
    forgetHistory();
    state = "open";
    openedAt = at;
    openUntil = at + forMs;
    reason = why;
    if (from !== "open") {
      trips += 1;
      pending.push({ from, to: "open", at, reason: why, retryAfterMs: forMs });
    }
  };

  const close = (at: number) => {
    const from = state;
    forgetHistory();
    state = "closed";
    openedAt = undefined;
    openUntil = undefined;
    reason = undefined;
    currentOpenMs = openMs;
    if (from !== "closed") pending.push({ from, to: "closed", at });
  };

  /** Applies what time alone changes: the end of a cool-down, probes that never reported. */
  const advance = (time: number) => {
    if (state === "open" && openUntil !== undefined && time >= openUntil) {
      generation += 1;
      state = "half_open";
      probeSuccesses = 0;
      probes.clear();
      pending.push({ from: "open", to: "half_open", at: openUntil });
    }
    if (state === "half_open") {
      for (const [permit, grantedAt] of probes) {
        if (time - grantedAt >= probeTimeoutMs) {
          probes.delete(permit);
          outstanding.delete(permit);
        }
      }
    }
  };

  const freeProbeSlots = () => halfOpenProbes - probeSuccesses - probes.size;

  const grant = (probe: boolean, time: number): CircuitPermit => {
    const permit: CircuitPermit = Object.freeze({ probe, generation });
    outstanding.add(permit);
    if (probe) probes.set(permit, time);
    return permit;
  };

  const refusal = (time: number): CircuitOpenError => {
    let waitMs: number;
    let why: string;
    if (state === "open") {
      waitMs = (openUntil as number) - time;
      why = "its circuit breaker is open after repeated failures";
    } else {
      // Every probe slot is taken: a slot frees at the latest when the oldest probe times out.
      const oldest = Math.min(...probes.values());
      waitMs = oldest + probeTimeoutMs - time;
      why = "its circuit breaker is testing it with a probe request";
    }
    const retryAfterMs = Math.max(1, Math.ceil(waitMs));
    const name = supplier === undefined ? "The supplier" : `Supplier "${supplier}"`;
    return new CircuitOpenError(
      `${name} is not accepting requests: ${why}. Nothing was sent; retry after ${retryAfterMs} ms ` +
        "or route the order to another supplier.",
      { supplier, retryAfterMs },
    );
  };

  const judge = (outcome: HealthOutcome, at: number) => {
    if (outcome === "neutral") return;
    window.record(outcome);
    if (outcome === "success") {
      consecutiveFailures = 0;
      return;
    }
    consecutiveFailures += 1;
    if (consecutiveFailures >= consecutiveLimit) {
      open("consecutive_failures", currentOpenMs, at);
      return;
    }
    const { successes, failures } = window.stats();
    if (successes + failures >= minimumRequests && failures / (successes + failures) >= failureRate)
      open("failure_rate", currentOpenMs, at);
  };

  return {
    state() {
      try {
        advance(now());
        return state;
      } finally {
        flush();
      }
    },

    acquire() {
      try {
        const time = now();
        advance(time);
        if (state === "closed") return grant(false, time);
        if (state === "half_open" && freeProbeSlots() > 0) return grant(true, time);
        throw refusal(time);
      } finally {
        flush();
      }
    },

    observe() {
      try {
        const time = now();
        advance(time);
        return state === "closed" ? grant(false, time) : undefined;
      } finally {
        flush();
      }
    },

    record(permit, outcome) {
      if (!isHealthOutcome(outcome))
        throw new ValidationError('outcome must be "success", "failure" or "neutral"', [
          { path: "outcome", message: 'use "success", "failure" or "neutral" (see healthOutcomeOf)' },
        ]);
      try {
        const time = now();
        advance(time);
        if (typeof permit !== "object" || permit === null || !outstanding.has(permit)) return;
        outstanding.delete(permit);
        if (permit.generation !== generation) return;
        if (!permit.probe) {
          if (state === "closed") judge(outcome, time);
          return;
        }
        if (state !== "half_open" || !probes.delete(permit)) return;
        if (outcome === "failure") {
          currentOpenMs = Math.min(currentOpenMs * 2, maxOpenMs);
          open("probe_failed", currentOpenMs, time);
        } else if (outcome === "success") {
          probeSuccesses += 1;
          if (probeSuccesses >= halfOpenProbes) close(time);
        }
      } finally {
        flush();
      }
    },

    isAvailable() {
      try {
        advance(now());
        if (state === "closed") return true;
        return state === "half_open" && freeProbeSlots() > 0;
      } finally {
        flush();
      }
    },

    snapshot() {
      try {
        const time = now();
        advance(time);
        const snapshot: CircuitSnapshot = {
          version: 1,
          state,
          consecutiveFailures,
          trips,
          currentOpenMs,
          window: window.snapshot(),
          at: time,
        };
        if (openedAt !== undefined) snapshot.openedAt = openedAt;
        if (openUntil !== undefined) snapshot.openUntil = openUntil;
        if (reason !== undefined) snapshot.reason = reason;
        return snapshot;
      } finally {
        flush();
      }
    },

    restore(value) {
      const snapshot = parseCircuitSnapshot(value);
      forgetHistory();
      state = snapshot.state;
      trips = snapshot.trips;
      currentOpenMs = Math.min(Math.max(snapshot.currentOpenMs, openMs), maxOpenMs);
      if (state === "closed") {
        openedAt = undefined;
        openUntil = undefined;
        reason = undefined;
        consecutiveFailures = snapshot.consecutiveFailures;
        window.restore(snapshot.window);
      } else {
        openUntil = snapshot.openUntil as number;
        openedAt = snapshot.openedAt ?? openUntil - currentOpenMs;
        reason = snapshot.reason;
      }
    },

    reset() {
      try {
        close(now());
      } finally {
        flush();
      }
    },

    forceOpen(forMs = maxOpenMs) {
      if (!(typeof forMs === "number" && Number.isFinite(forMs) && forMs > 0))
        throw new ValidationError("forceOpen(forMs) needs a finite number of milliseconds > 0", [
          { path: "forMs", message: "pass how long to keep the breaker open, e.g. forceOpen(600_000)" },
        ]);
      try {
        const time = now();
        advance(time);
        open("forced", forMs, time);
      } finally {
        flush();
      }
    },
  };
}
