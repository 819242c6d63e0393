export * from "./idempotency-store.js";
export * from "./memory-store.js";
