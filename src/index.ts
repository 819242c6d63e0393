/**
 * kaquan — one typed interface to the upstream suppliers of virtual goods.
 *
 * The root export holds what a merchant needs to place orders: the contract (types, schemas,
 * errors, the order state machine), the supplier client with its health, rate-limit and retry
 * machinery, the idempotency store, and the helpers adapters share. Everything else lives in its
 * own subpath, so a merchant loads only what it uses: each supplier adapter
 * (`kaquan/adapters/fulu`); the callback pipeline, its framework bindings and the status poller
 * in `kaquan/callbacks`; multi-supplier routing, the stock cache and supplier admission in
 * `kaquan/routing`; the toolkit for writing an adapter (`defineSignedFormAdapter`, canonical strings and
 * sorted-character signing, supplier date-times, lossless JSON, the token cache, the AES helpers)
 * in `kaquan/adapter-kit`; Redis stores in `kaquan/redis`; simulators and the
 * conformance suite in `kaquan/testing`.
 *
 * @module kaquan
 */
export * from "./client/index.js";
export * from "./core/index.js";
export {
  createHttpTransport,
  createRedactingLogger,
  type HttpTransportOptions,
  hash,
  hmac,
  isSecretKey,
  md5Hex,
  type ProxyOptions,
  parseRetryAfter,
  redact,
  safeEqual,
  safeEqualHex,
  silentLogger,
  systemClock,
} from "./runtime/index.js";
export * from "./stores/index.js";
