/**
 * `kaquan/routing`: one call buys a merchant sku from the best supplier that can deliver it now —
 * the router, its strategies and fail-over rules, supplier profiles and the admission policy.
 *
 * @module kaquan/routing
 */
export * from "./admission-policy.js";
export * from "./fail-over-rules.js";
export * from "./route-table.js";
export * from "./routing-strategy.js";
export * from "./supplier-profile.js";
export * from "./supplier-router.js";
