export * from "./retry-policy.js";
export * from "./supplier-client.js";
