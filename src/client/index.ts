// The stock cache (./stock-cache.ts) is exported by `kaquan/routing`, beside the router that uses
// it, so a merchant that only places orders never loads it.
export * from "./circuit-breaker.js";
export { requestFingerprint } from "./fingerprint.js";
export * from "./health-window.js";
export * from "./rate-limiter.js";
export * from "./retry-budget.js";
export * from "./retry-policy.js";
export * from "./supplier-client.js";
export * from "./supplier-health.js";
