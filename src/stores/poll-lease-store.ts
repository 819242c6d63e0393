/**
 * Leases that let several status pollers share one pending set without polling the same order at
 * the same time: before it polls an order, a poller takes the order's lease; a poller that finds
 * the lease held by another skips the order until its next pass. A lease simply expires, so the
 * orders of a poller that crashed are taken over once its leases run out.
 */

import { SweepThreshold } from "./sweep-threshold.js";

/** Short, expiring leases keyed by order (`<supplier>:<merchantOrderId>`). */
export interface PollLeaseStore {
  /**
   * Takes the lease on `key` for `leaseMs` unless someone holds it. Resolves `true` when this
   * caller now holds it, `false` when another holder does. A lease is not re-entrant: a holder
   * that asks again before it expires is refused too, so choose `leaseMs` no longer than the
   * time until the holder's own next poll.
   */
  tryLease(key: string, leaseMs: number): Promise<boolean>;
}

/**
 * An in-process {@link PollLeaseStore}, for several pollers in one process (tests, or a poller
 * per supplier). Pollers in several processes need a shared one (`RedisPollLeaseStore` from
 * `kaquan/redis`).
 */
export class MemoryPollLeaseStore implements PollLeaseStore {
  readonly #expiries = new Map<string, number>();
  readonly #now: () => number;
  readonly #sweep = new SweepThreshold();

  /** @param options.now Clock in epoch milliseconds. Default `Date.now`. */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async tryLease(key: string, leaseMs: number): Promise<boolean> {
    const now = this.#now();
    const expiresAt = this.#expiries.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.#expiries.set(key, now + Math.max(1, leaseMs));
    // Expired leases are dropped now and then so a long-running poller does not grow the map.
    if (this.#sweep.due(this.#expiries.size)) {
      for (const [leased, until] of this.#expiries) if (until <= now) this.#expiries.delete(leased);
      this.#sweep.swept(this.#expiries.size);
    }
    return true;
  }
}
