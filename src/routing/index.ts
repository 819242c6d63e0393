/**
 * `kaquan/routing`: one call buys a merchant sku from the best supplier that can deliver it now —
 * the router, its strategies and fail-over rules, supplier profiles and the admission policy, the
 * stock cache that spares a stock query per order, and the store of routed orders.
 *
 * @module kaquan/routing
 */
export * from "../client/stock-cache.js";
export * from "../stores/route-store.js";
export * from "./admission-policy.js";
export * from "./fail-over-rules.js";
export * from "./route-table.js";
export * from "./routing-strategy.js";
export * from "./supplier-profile.js";
export * from "./supplier-router.js";
