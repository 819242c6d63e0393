/**
 * Claims that make `onEvent` run once per order state, whichever path (callback, duplicate
 * callback, poller, another process) learns the state first.
 */

import { SweepThreshold } from "./sweep-threshold.js";

/** The result of a claim: yours to deliver, someone else's in flight, or already delivered. */
export type EventClaim = "claimed" | "in_progress" | "done";

export interface EventClaimStore {
  /**
   * Atomically claims `key` for `leaseMs`. A lease that expires (its holder crashed) can be
   * claimed again, so a state is never stranded undelivered.
   */
  claim(key: string, leaseMs: number): Promise<EventClaim>;
  /** Marks `key` delivered; it stays `done` for `ttlMs`. */
  complete(key: string, ttlMs: number): Promise<void>;
  /** Gives a claim back after a failed delivery, so the next attempt may deliver. */
  release(key: string): Promise<void>;
}

interface Entry {
  state: "in_progress" | "done";
  expiresAt: number;
}

/** In-process {@link EventClaimStore}; several processes need a shared one (Redis). */
export class MemoryEventClaimStore implements EventClaimStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweep = new SweepThreshold();

  constructor(options: { now?: () => number } = {}) {
    // `null` slips past the default parameter; fall back to the system clock like `{}` does.
    this.#now = typeof options?.now === "function" ? options.now : Date.now;
  }

  async claim(key: string, leaseMs: number): Promise<EventClaim> {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > now) return entry.state;
    this.#entries.set(key, { state: "in_progress", expiresAt: now + leaseMs });
    if (this.#sweep.due(this.#entries.size)) this.#removeExpired(now);
    return "claimed";
  }

  async complete(key: string, ttlMs: number): Promise<void> {
    const expiresAt = this.#now() + ttlMs;
    const entry = this.#entries.get(key);
    // The claim's own entry is updated in place (entries never leave this store).
    if (entry) {
      entry.state = "done";
      entry.expiresAt = expiresAt;
    } else this.#entries.set(key, { state: "done", expiresAt });
  }

  async release(key: string): Promise<void> {
    if (this.#entries.get(key)?.state === "in_progress") this.#entries.delete(key);
  }

  #removeExpired(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    this.#sweep.swept(this.#entries.size);
  }
}
