/**
 * Everything kaquan knows about one supplier's health, in one place: its circuit breaker, a
 * sliding window of outcomes and latencies, and the retry budget every call to it shares. The
 * supplier client asks it before each request and tells it how the request went; a router reads
 * it to choose between suppliers and listens to its events.
 *
 * Order-status queries are never gated: an open breaker must not stop kaquan from resolving
 * orders that are already at the supplier (promise 2: an `unknown` order is resolved by query).
 */
import { z } from "zod";
import { ConfigurationError, type Logger, parseInput, ValidationError } from "../core/index.js";
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitOpenReason,
  type CircuitSnapshot,
  CircuitSnapshotSchema,
  type CircuitTransition,
  createCircuitBreaker,
} from "./circuit-breaker.js";
import {
  createHealthWindow,
  type HealthOutcome,
  type HealthStats,
  type HealthWindowOptions,
  healthOutcomeOf,
  isHealthOutcome,
} from "./health-window.js";
import {
  createRetryBudget,
  type RetryBudgetOptions,
  type RetryBudgetSnapshot,
  RetryBudgetSnapshotSchema,
} from "./retry-budget.js";

/** Options of {@link createSupplierHealth}. */
export interface SupplierHealthOptions {
  /** The supplier's name, as in `SupplierAdapter.name`. Required. */
  supplier: string;
  /** Circuit-breaker options, or `false` for no breaker. Default: the breaker's defaults. */
  breaker?: Omit<CircuitBreakerOptions, "supplier" | "onTransition"> | false;
  /** Sliding-window options. Default: 60 s in 12 slots, 1 024 latency samples. */
  window?: HealthWindowOptions;
  /** Retry-budget options, or `false` for no budget. Default: the AWS-standard quota. */
  retryBudget?: RetryBudgetOptions | false;
  /** Clock in epoch milliseconds, shared by the parts that set none. Default `Date.now`. */
  now?: () => number;
  /** Told (at `warn`) when an event listener throws. Default: silent. */
  logger?: Logger;
}

/** What happened to a supplier's health. Emitted once per change. */
export type HealthEvent =
  | {
      type: "circuit_opened";
      supplier: string;
      at: number;
      reason: CircuitOpenReason;
      /** How long until a probe may go. */
      retryAfterMs: number;
    }
  | { type: "circuit_half_opened"; supplier: string; at: number }
  | { type: "circuit_closed"; supplier: string; at: number }
  | { type: "retry_budget_exhausted"; supplier: string; at: number }
  | { type: "retry_budget_restored"; supplier: string; at: number };

/** Options of {@link SupplierHealth.begin}. */
export interface BeginOptions {
  /**
   * `true` (default): the breaker may refuse the request (placements, catalogue, balance).
   * `false`: the request goes whatever the breaker says and never takes a probe slot — for
   * order-status queries, which must keep resolving orders already at the supplier.
   */
  gated?: boolean;
  /**
   * When this request is a retry: the error it retries (the one `canRetry` accepted). A success
   * then returns that retry's cost to the budget instead of the plain success refund.
   */
  retryOf?: unknown;
}

/** One request in flight, from {@link SupplierHealth.begin}. */
export interface HealthTicket {
  /** True when the request is the breaker's half-open probe. */
  readonly probe: boolean;
  /**
   * Reports how the request went: a {@link HealthOutcome}, or `{ error }` to have it judged by
   * {@link healthOutcomeOf} (`{ error: undefined }` is a success). Measures the latency. Only the
   * first call counts; later ones are ignored.
   * @throws ValidationError for an outcome that is neither (the ticket stays open).
   */
  end(outcome: HealthOutcome | { error: unknown }): void;
}

/** JSON-safe health of one supplier. */
export interface HealthSnapshot {
  version: 1;
  supplier: string;
  /** When the snapshot was taken (epoch ms). */
  at: number;
  /** Absent when the breaker is disabled. */
  circuit?: CircuitSnapshot;
  /** The sliding window's counts and latencies (informational: `restore` does not read it). */
  window: HealthStats;
  /** Absent when the retry budget is disabled. */
  retryBudget?: RetryBudgetSnapshot;
}

/** The schema {@link SupplierHealth.restore} validates a {@link HealthSnapshot} against. */
export const HealthSnapshotSchema = z.object({
  version: z.literal(1, { error: "version must be 1 (a snapshot from this version of kaquan)" }),
  supplier: z.string().min(1),
  at: z.number().optional(),
  circuit: CircuitSnapshotSchema.optional(),
  window: z.unknown().optional(),
  retryBudget: RetryBudgetSnapshotSchema.optional(),
});

/** The health of one supplier. Create it with {@link createSupplierHealth}. */
export interface SupplierHealth {
  readonly supplier: string;
  /** The breaker, for operator overrides (`reset`, `forceOpen`); absent when disabled. */
  readonly circuit: CircuitBreaker | undefined;
  /**
   * Call before each request, then `end` the ticket.
   * @throws CircuitOpenError (with `supplier` and `retryAfterMs`) when `gated` and the breaker
   *   refuses. Nothing was sent. An ungated request never throws.
   */
  begin(options?: BeginOptions): HealthTicket;
  /**
   * Whether the shared retry budget can pay for retrying after `error`; when it can, the cost is
   * taken. Always true without a budget. Ask only after deciding the error is retryable at all.
   */
  canRetry(error: unknown): boolean;
  /** True unless the breaker is open, or half-open with every probe slot taken. */
  isAvailable(): boolean;
  /** The sliding window's counts and latency percentiles. */
  stats(): HealthStats;
  /** JSON-safe: supplier, circuit, window stats, retry budget, time. */
  snapshot(): HealthSnapshot;
  /**
   * Restores a saved {@link HealthSnapshot} (its breaker and budget) or a bare
   * {@link CircuitSnapshot}. Everything is validated before anything changes; parts this health
   * has disabled are ignored. Emits no event.
   * @throws ValidationError naming each bad field, or when the snapshot is another supplier's.
   */
  restore(snapshot: HealthSnapshot | CircuitSnapshot): void;
  /**
   * Listens to {@link HealthEvent}s; returns the function that stops listening. A listener that
   * throws is isolated: the request and the other listeners carry on.
   */
  on(listener: (event: HealthEvent) => void): () => void;
}

const invalidOutcome = () =>
  new ValidationError('end() takes "success", "failure", "neutral" or { error }', [
    {
      path: "outcome",
      message: "pass a health outcome, or { error } to have the error judged (see healthOutcomeOf)",
    },
  ]);

/**
 * Creates the health of one supplier.
 * @throws ConfigurationError for a missing supplier name or an option out of range.
 */
export function createSupplierHealth(options: SupplierHealthOptions): SupplierHealth {
  const supplier = options?.supplier;
  if (typeof supplier !== "string" || supplier.length === 0)
    throw new ConfigurationError('createSupplierHealth needs { supplier }, e.g. { supplier: "fulu" }');
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const listeners = new Set<(event: HealthEvent) => void>();

  const emit = (event: HealthEvent) => {
    // A copy: a listener may unsubscribe (itself or another) while events are delivered.
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        // Only the error's class name: a listener's message could carry anything.
        const errorName = error instanceof Error ? error.name : typeof error;
        try {
          logger?.warn(
            { supplier, eventType: event.type, errorName },
            "health event listener threw; ignored",
          );
        } catch {
          // Nor may a failing logger break the request.
        }
      }
    }
  };

  const onTransition = (transition: CircuitTransition) => {
    if (transition.to === "open")
      emit({
        type: "circuit_opened",
        supplier,
        at: transition.at,
        reason: transition.reason ?? "forced",
        retryAfterMs: transition.retryAfterMs ?? 0,
      });
    else if (transition.to === "half_open")
      emit({ type: "circuit_half_opened", supplier, at: transition.at });
    else emit({ type: "circuit_closed", supplier, at: transition.at });
  };

  const breaker =
    options.breaker === false
      ? undefined
      : createCircuitBreaker({
          ...options.breaker,
          now: options.breaker?.now ?? now,
          supplier,
          onTransition,
        });
  const window = createHealthWindow({ ...options.window, now: options.window?.now ?? now });
  const budget =
    options.retryBudget === false
      ? undefined
      : createRetryBudget({ ...options.retryBudget, now: options.retryBudget?.now ?? now });
  let budgetExhausted = budget?.exhausted() ?? false;

  /** Emits the budget's change since last looked at, if any. */
  const watchBudget = () => {
    if (!budget) return;
    const exhausted = budget.exhausted();
    if (exhausted === budgetExhausted) return;
    budgetExhausted = exhausted;
    emit({ type: exhausted ? "retry_budget_exhausted" : "retry_budget_restored", supplier, at: now() });
  };

  return {
    supplier,
    circuit: breaker,

    begin(beginOptions = {}) {
      const gated = beginOptions?.gated !== false;
      const permit = breaker ? (gated ? breaker.acquire() : breaker.observe()) : undefined;
      const startedAt = now();
      const retried = beginOptions?.retryOf !== undefined;
      const retryCost = retried && budget ? budget.costOf(beginOptions.retryOf) : undefined;
      let ended = false;
      return {
        probe: permit?.probe ?? false,
        end(result) {
          if (ended) return;
          const outcome =
            typeof result === "object" && result !== null && "error" in result
              ? healthOutcomeOf(result.error)
              : result;
          if (!isHealthOutcome(outcome)) throw invalidOutcome();
          ended = true;
          // Latency only for requests that judged the supplier: a throttled or aborted request's
          // duration says nothing about how fast the supplier answers orders.
          const latencyMs = outcome === "neutral" ? undefined : Math.max(0, now() - startedAt);
          window.record(outcome, latencyMs);
          if (permit && breaker) breaker.record(permit, outcome);
          if (outcome === "success" && budget) {
            budget.recordSuccess(retried, retryCost);
            watchBudget();
          }
        },
      };
    },

    canRetry(error) {
      if (!budget) return true;
      const allowed = budget.tryWithdraw(error);
      watchBudget();
      return allowed;
    },

    isAvailable() {
      return breaker ? breaker.isAvailable() : true;
    },

    stats() {
      return window.stats();
    },

    snapshot() {
      const snapshot: HealthSnapshot = { version: 1, supplier, at: now(), window: window.stats() };
      if (breaker) snapshot.circuit = breaker.snapshot();
      if (budget) {
        snapshot.retryBudget = budget.snapshot();
        watchBudget();
      }
      return snapshot;
    },

    restore(value) {
      let circuit: CircuitSnapshot | undefined;
      let retryBudget: { available: number; exhausted?: boolean | undefined } | undefined;
      if (typeof value === "object" && value !== null && "supplier" in value) {
        const snapshot = parseInput(HealthSnapshotSchema, value, "health snapshot");
        if (snapshot.supplier !== supplier)
          throw new ValidationError(
            `This is the health snapshot of supplier "${snapshot.supplier}"; restore it into that supplier's health, not "${supplier}"`,
            [{ path: "supplier", message: `expected "${supplier}"` }],
          );
        circuit = snapshot.circuit as CircuitSnapshot | undefined;
        retryBudget = snapshot.retryBudget;
      } else {
        circuit = parseInput(CircuitSnapshotSchema, value, "circuit snapshot") as CircuitSnapshot;
      }
      if (circuit && breaker) breaker.restore(circuit);
      if (retryBudget && budget) {
        budget.restore(retryBudget);
        budgetExhausted = budget.exhausted();
      }
    },

    on(listener) {
      if (typeof listener !== "function")
        throw new ValidationError("on(listener) needs a function", [
          { path: "listener", message: "pass a function that receives each HealthEvent" },
        ]);
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
