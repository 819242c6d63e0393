export * from "./bindings/index.js";
export * from "./callback-handler.js";
export * from "./callback-types.js";
export * from "./event-delivery.js";
export * from "./raw-body.js";
export * from "./status-poller.js";
