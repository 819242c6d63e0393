/** A memory idempotency store that counts its calls: each is a round trip on a shared store (Redis). */
import { MemoryIdempotencyStore } from "kaquan";

export function countingStore() {
  const store = new MemoryIdempotencyStore();
  const calls = { claim: 0, get: 0, update: 0 };
  const claim = store.claim.bind(store);
  const get = store.get.bind(store);
  const update = store.update.bind(store);
  store.claim = (record) => {
    calls.claim += 1;
    return claim(record);
  };
  store.get = (key) => {
    calls.get += 1;
    return get(key);
  };
  store.update = (key, mutate) => {
    calls.update += 1;
    return update(key, mutate);
  };
  /** Starts counting afresh (after a test's set-up). */
  const reset = () => Object.assign(calls, { claim: 0, get: 0, update: 0 });
  return { store, calls, reset };
}
