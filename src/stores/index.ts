// The stores the supplier client needs. The delivery-claim and poll-lease stores are exported by
// `kaquan/callbacks` and the route store by `kaquan/routing`, next to the only code that uses them,
// so a merchant that only places orders never loads them.
export * from "./idempotency-store.js";
export * from "./memory-store.js";
