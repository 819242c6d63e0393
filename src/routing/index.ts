export * from "./admission-policy.js";
export * from "./fail-over-rules.js";
export * from "./route-table.js";
export * from "./routing-strategy.js";
export * from "./supplier-profile.js";
export * from "./supplier-router.js";
