/**
 * Keeps one process's supplier health in step with the others through a shared
 * {@link HealthStateStore}: every local health event (the breaker opening, half-opening, closing,
 * the retry budget running out) saves this process's snapshot; a timer loads the shared state and
 * restores it when another process saved it more recently than anything this process has seen.
 *
 * Only the circuit breaker is restored from other processes. The retry budget measures this
 * process's own retries against its own successes; adopting another process's budget would make
 * one busy instance shed the load of all.
 */
import { randomUUID } from "node:crypto";
import type { SupplierHealth } from "../client/supplier-health.js";
import { ConfigurationError, type Logger } from "../core/index.js";
import { createRedactingLogger } from "../runtime/logging.js";
import type { HealthStateStore } from "./redis-health-state-store.js";

/** Options of {@link syncSupplierHealth}. */
export interface HealthSyncOptions {
  /** How often the shared state is loaded, in milliseconds. Default 1000. */
  intervalMs?: number;
  /** Told (at `warn`) when a save or a load fails; the sync carries on. Default: silent. */
  logger?: Logger;
}

/** A running health sync. */
export interface HealthSync {
  /**
   * Loads the shared state now and restores its breaker when another process saved it after
   * everything this process has seen. Resolves `true` when it restored something.
   */
  pull(): Promise<boolean>;
  /** Saves this process's snapshot now (the events do this by themselves). */
  push(): Promise<void>;
  /** Stops the timer and stops listening to the health. Idempotent. */
  close(): void;
}

/**
 * Starts syncing `health` through `store`: an immediate load, a save on every local health event,
 * and a load every `intervalMs`. The timer does not keep the process alive; `close()` stops it.
 * @throws ConfigurationError for a missing health or store, or a non-positive interval.
 */
export function syncSupplierHealth(
  health: SupplierHealth,
  store: HealthStateStore,
  options: HealthSyncOptions = {},
): HealthSync {
  if (!health || typeof health.snapshot !== "function" || typeof health.on !== "function")
    throw new ConfigurationError("syncSupplierHealth needs a SupplierHealth (createSupplierHealth)");
  if (!store || typeof store.load !== "function" || typeof store.save !== "function")
    throw new ConfigurationError("syncSupplierHealth needs a health state store (RedisHealthStateStore)");
  const intervalMs = options.intervalMs ?? 1000;
  if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs < 1)
    throw new ConfigurationError("syncSupplierHealth: intervalMs must be a number of milliseconds ≥ 1");
  const logger = createRedactingLogger(options.logger);
  const supplier = health.supplier;
  // Tells this process's saves apart from the others' (restoring our own save would be a no-op).
  const origin = randomUUID();
  /** The newest `savedAt` this process saved or restored. */
  let lastSeenAt = 0;
  /** A local change that has not reached the store yet (a save failed): it wins over older shared state. */
  let unsaved = false;
  let saving: Promise<void> = Promise.resolve();
  let closed = false;

  function push(): Promise<void> {
    // Saves run one after another, so the shared state ends as this process's latest snapshot.
    const run = saving.then(async () => {
      unsaved = true;
      const savedAt = await store.save(supplier, health.snapshot(), origin);
      lastSeenAt = Math.max(lastSeenAt, savedAt);
      unsaved = false;
    });
    saving = run.catch(() => undefined);
    return run;
  }

  let pulling: Promise<boolean> | undefined;
  function pull(): Promise<boolean> {
    // A slow Redis must not pile loads up behind the timer: callers share the load in flight.
    pulling ??= load().finally(() => {
      pulling = undefined;
    });
    return pulling;
  }

  async function load(): Promise<boolean> {
    if (unsaved) await push();
    const stored = await store.load(supplier);
    if (!stored || stored.savedAt <= lastSeenAt) return false;
    lastSeenAt = stored.savedAt;
    if (stored.origin === origin || !stored.snapshot.circuit) return false;
    health.restore(stored.snapshot.circuit);
    return true;
  }

  const report = (action: string) => (error: unknown) => {
    logger.warn({ supplier, error }, `could not ${action} the shared supplier health`);
  };
  const stopListening = health.on(() => {
    if (!closed) push().catch(report("save"));
  });
  const timer = setInterval(() => {
    pull().catch(report("load"));
  }, intervalMs);
  timer.unref();
  pull().catch(report("load"));

  return {
    pull,
    push,
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      stopListening();
    },
  };
}
