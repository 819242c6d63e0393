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
    this.#records.set(record.key, storedCopy(record));
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
    if (next) this.#records.set(key, storedCopy(next));
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

/**
 * The store keeps its own top-level copy of each record written: the object a caller built (and
 * may still hold) is never the stored one. (Reads hand out the stored record itself, for speed:
 * every writer in kaquan builds a new record rather than changing one it read.) The copy is made
 * with Object.assign for memory: records built as `{ ...current, order, updatedAt }` each get a
 * hidden class of their own in V8 (a map and a descriptor array, about 0.4 KB per record);
 * copied this way, records of one shape share one. Nested values (the order, the request) are
 * shared, not copied: every writer replaces them rather than mutating them.
 */
function storedCopy(record: OrderRecord): OrderRecord {
  return Object.assign({}, record);
}
