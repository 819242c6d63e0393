/**
 * kaquan — one typed interface to the upstream suppliers of virtual goods.
 *
 * The root export holds the contract (types, schemas, errors, the order state machine), the
 * supplier client, the stores and the machinery adapters share. Each supplier adapter lives in
 * its own subpath (`kaquan/adapters/fulu`); simulators and the conformance suite in `kaquan/testing`;
 * multi-supplier routing and supplier admission in `kaquan/routing`; the toolkit for writing an
 * adapter (`defineSignedFormAdapter`) in `kaquan/adapter-kit`. A merchant with one supplier loads
 * neither.
 *
 * @module kaquan
 */
export * from "./callbacks/index.js";
export * from "./client/index.js";
export * from "./core/index.js";
export {
  aesDecryptBase64,
  aesEncryptBase64,
  type CachedToken,
  canonicalize,
  createHttpTransport,
  createRedactingLogger,
  createTokenCache,
  type FetchedToken,
  formatDateTime,
  type HttpTransportOptions,
  hash,
  hmac,
  isSecretKey,
  md5Hex,
  parseDateTime,
  parseJsonLossless,
  parseRetryAfter,
  redact,
  safeEqual,
  safeEqualHex,
  silentLogger,
  sortCharacters,
  systemClock,
  TokenCache,
  type TokenCacheOptions,
  type TokenFetcher,
  type TokenGetOptions,
  type TokenKey,
} from "./runtime/index.js";
export * from "./stores/index.js";
