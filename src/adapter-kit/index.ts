/**
 * `kaquan/adapter-kit`: connect a supplier platform by describing its protocol —
 * `defineSignedFormAdapter` for MD5-signed form platforms — and the machinery a hand-written
 * adapter shares: canonical `k=v&…` strings and Fulu-style sorted-character signing, the
 * `yyyy-MM-dd HH:mm:ss` supplier times, lossless JSON (long ids stay exact), records of text fields
 * read from a table (`textRecordSchema`), the OAuth token cache
 * and the AES helpers for card codes. (Hashes, HMAC and constant-time comparison are in the root
 * export: the client uses them too.)
 *
 * @module kaquan/adapter-kit
 */
export { type AesMode, type AesOptions, aesDecryptBase64, aesEncryptBase64 } from "../runtime/aes.js";
export { formatDateTime, parseDateTime } from "../runtime/clock.js";
export { parseJsonLossless, tryParseJson } from "../runtime/json.js";
export { type CanonicalOptions, canonicalize, sortCharacters } from "../runtime/signing.js";
export {
  listOf,
  type TextFieldRule,
  type TextRecordList,
  textRecordSchema,
} from "../runtime/text-record.js";
export {
  type CachedToken,
  createTokenCache,
  type FetchedToken,
  TokenCache,
  type TokenCacheOptions,
  type TokenFetcher,
  type TokenGetOptions,
  type TokenKey,
} from "../runtime/token-cache.js";
export type { PayloadSchema } from "../runtime/vendor-payload.js";
export * from "./signed-form-adapter.js";
export * from "./signed-form-spec.js";
