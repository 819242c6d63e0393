/**
 * `kaquan/callbacks`: supplier callbacks and the poller that finds what callbacks miss — the
 * callback pipeline (raw body → verify → claim → reduce → `onEvent` → acknowledgement), the
 * bindings for node:http, Express, Fastify, Koa and Fetch-style runtimes, `createStatusPoller`, and
 * the two stores only they use (delivery claims and poll leases). A merchant that only places
 * orders imports `kaquan` alone and loads none of it.
 *
 * @module kaquan/callbacks
 */
export * from "../stores/event-claim-store.js";
export * from "../stores/poll-lease-store.js";
export * from "./bindings/index.js";
export * from "./callback-handler.js";
export * from "./callback-types.js";
export * from "./event-delivery.js";
export * from "./raw-body.js";
export * from "./status-poller.js";
