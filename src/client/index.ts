export { requestFingerprint } from "./fingerprint.js";
export * from "./rate-limiter.js";
export * from "./retry-policy.js";
export * from "./supplier-client.js";
export * from "./stock-cache.js";
