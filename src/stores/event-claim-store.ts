/**
 * Claims that make `onEvent` run once per order state, whichever path (callback, duplicate
 * callback, poller, another process) learns the state first.
 */

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

/** Below this many entries the map is never swept: expired entries then cost little memory. */
const SWEEP_MINIMUM_SIZE = 10_000;

interface Entry {
  state: "in_progress" | "done";
  expiresAt: number;
}

/** In-process {@link EventClaimStore}; several processes need a shared one (Redis). */
export class MemoryEventClaimStore implements EventClaimStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  /**
   * The map size at which the next sweep runs. Sweeping on every claim past a fixed size costs
   * O(entries) per callback once the map holds that many live entries (a busy day's `done`
   * claims), so the threshold doubles from what a sweep leaves: sweeping stays amortised O(1)
   * per claim while expired entries still go within one doubling.
   */
  #sweepAtSize = SWEEP_MINIMUM_SIZE;

  constructor(options: { now?: () => number } = {}) {
    // `null` slips past the default parameter; fall back to the system clock like `{}` does.
    this.#now = typeof options?.now === "function" ? options.now : Date.now;
  }

  async claim(key: string, leaseMs: number): Promise<EventClaim> {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > now) return entry.state;
    this.#entries.set(key, { state: "in_progress", expiresAt: now + leaseMs });
    if (this.#entries.size > this.#sweepAtSize) this.#sweep(now);
    return "claimed";
  }

  async complete(key: string, ttlMs: number): Promise<void> {
    this.#entries.set(key, { state: "done", expiresAt: this.#now() + ttlMs });
  }

  async release(key: string): Promise<void> {
    if (this.#entries.get(key)?.state === "in_progress") this.#entries.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    this.#sweepAtSize = Math.max(SWEEP_MINIMUM_SIZE, this.#entries.size * 2);
  }
}
