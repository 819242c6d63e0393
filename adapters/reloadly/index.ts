/**
 * The `kaquan/adapters/reloadly` entry point.
 *
 * @module kaquan/adapters/reloadly
 */
export {
  createReloadlyAdapter,
  type ReloadlyAdapter,
  type ReloadlyAdapterOptions,
} from "./reloadly-adapter.js";
export type { ReloadlyFxRate, ReloadlyOperatorSummary } from "./reloadly-airtime.js";
export {
  buildReloadlyTokenRequest,
  isReloadlyAuthRejection,
  RELOADLY_ACCEPT,
  RELOADLY_API_URLS,
  RELOADLY_AUTH_URL,
  type ReloadlyEnvironment,
  type ReloadlyProduct,
  readReloadlyTokenResponse,
  reloadlyAudience,
} from "./reloadly-auth.js";
export { type ReloadlyEndpoint, type ReloadlyRateLimiter, reloadlyEndpoints } from "./reloadly-connection.js";
export {
  defaultReloadlyErrorTable,
  reloadlyAuthRejectionCodes,
  reloadlyRetryAfterMs,
  reloadlyTransactionStatuses,
} from "./reloadly-tables.js";
export {
  defaultReloadlyWebhookSignature,
  type ReloadlyWebhookCheck,
  type ReloadlyWebhookSignatureOptions,
  reloadlyWebhookSignedInput,
  resolveReloadlyWebhookSignature,
  signReloadlyWebhook,
  verifyReloadlyWebhookSignature,
} from "./reloadly-webhook.js";
