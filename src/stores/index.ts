export * from "./event-claim-store.js";
export * from "./idempotency-store.js";
export * from "./memory-store.js";
export * from "./poll-lease-store.js";
export * from "./route-store.js";
