export * from "./aes.js";
export * from "./clock.js";
export * from "./http-failures.js";
export * from "./http-transport.js";
export * from "./json.js";
export * from "./logging.js";
export * from "./signing.js";
export * from "./vendor-errors.js";
