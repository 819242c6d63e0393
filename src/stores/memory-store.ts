import { isFinal } from "../core/index.js";
import type { ClaimResult, IdempotencyStore, OrderRecord } from "./idempotency-store.js";

/**
 * An in-process {@link IdempotencyStore}. Atomic within one process (JavaScript runs one
 * callback at a time and nothing here awaits between read and write); several processes need a
 * shared store such as Redis.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #records = new Map<string, OrderRecord>();

  async claim(record: OrderRecord): Promise<ClaimResult> {
    const existing = this.#records.get(record.key);
    if (existing) return { claimed: false, existing };
    this.#records.set(record.key, record);
    return { claimed: true, record };
  }

  async get(key: string): Promise<OrderRecord | undefined> {
    return this.#records.get(key);
  }

  async update(
    key: string,
    mutate: (current: OrderRecord | undefined) => OrderRecord | undefined,
  ): Promise<OrderRecord | undefined> {
    const next = mutate(this.#records.get(key));
    if (next) this.#records.set(key, next);
    return this.#records.get(key);
  }

  async release(key: string, fingerprint: string): Promise<void> {
    const existing = this.#records.get(key);
    if (existing && existing.fingerprint === fingerprint && existing.sends === 0) this.#records.delete(key);
  }

  async listPending(supplier?: string): Promise<OrderRecord[]> {
    return [...this.#records.values()].filter(
      (record) =>
        (supplier === undefined || record.supplier === supplier) &&
        (!record.order || !isFinal(record.order.status)),
    );
  }
}
