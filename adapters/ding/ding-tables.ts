/**
 * Ding Connect value tables as data (vendor-protocols.md §7 and §11). The raw `ProcessingState`
 * is always kept as `vendorStatus`; errors are classified by `ErrorCodes[].Code`, never by HTTP
 * status (Ding sends `InsufficientBalance` with HTTP 500, §11 pitfall 6).
 */
import type { OrderStatus } from "../../src/core/index.js";
import type { VendorErrorTable } from "../../src/runtime/vendor-errors.js";

/**
 * `ProcessingState` → order state [H unless noted]:
 * - instant products end in `Complete` (the spec; some integrations spell it `Completed`) or `Failed`;
 * - batch products answer `Submitted` and are polled with `ListTransferRecords`;
 * - `Processing` is Ding's in-flight state between the two;
 * - `Cancelled` follows a successful `CancelTransfers`: nothing was delivered;
 * - `Approved` is accepted as success by one production integration [L] [?].
 * Any other value is `unknown` (never guessed); the raw value stays in `vendorStatus`.
 */
export const dingProcessingStates: Readonly<Record<string, OrderStatus>> = {
  Submitted: "processing",
  Processing: "processing",
  Complete: "succeeded",
  Completed: "succeeded",
  Approved: "succeeded",
  Failed: "failed",
  Cancelled: "failed",
};

/** Failure codes (`order.failure.code`) by state, for the failed states. */
export const dingFailureCodes: Readonly<Record<string, string>> = {
  Failed: "supplier_failed",
  Cancelled: "cancelled",
};

/** `ResultCode` of a successful answer (public integration code) [M]. */
export const DING_RESULT_SUCCESS = "1";

/**
 * Ding error codes (§7, PascalCase) → meaning. Classified by code whatever the HTTP status. Every
 * entry can be replaced or added to through the adapter's `errorCodes` option. An unlisted code
 * is an *unknown outcome* for an order (kaquan queries it by `DistributorRef`), never a failure.
 *
 * - `RateLimited` doubles as a per-number fraud rule (§11 pitfall 9): throttled, nothing was sent.
 * - `ProviderError` and `TransientProviderError` are `system_error` [?] — Ding reports them when the
 *   operator's side failed, and "retries of an identical failed request succeeded" (§7) — so
 *   kaquan treats the transfer as unknown and looks it up, and only a transfer record with
 *   `ProcessingState: Failed` makes the order failed.
 * - `DuplicateTransactionPrevented` is Ding refusing a transfer it takes for a repeat of a recent
 *   one to the same number (a same-number throttle), *not* a duplicate-reference answer: Ding
 *   does not deduplicate `DistributorRef`, and kaquan never re-sends one. `bad_request` [?]:
 *   this transfer was refused and nothing was delivered by it.
 */
export const defaultDingErrorTable: VendorErrorTable = {
  codes: {
    InsufficientBalance: "insufficient_balance",
    AuthenticationFailed: "authentication",
    RateLimited: "rate_limited",
    ParameterInvalid: "bad_request",
    AccountNumberInvalid: "invalid_account",
    ProviderError: "system_error",
    TransientProviderError: "system_error",
    DuplicateTransactionPrevented: "bad_request",
  },
};

/** The codes the adapter itself looks for. */
export const DING_ERROR_CODES = {
  insufficientBalance: "InsufficientBalance",
  authenticationFailed: "AuthenticationFailed",
  rateLimited: "RateLimited",
  parameterInvalid: "ParameterInvalid",
  accountNumberInvalid: "AccountNumberInvalid",
  providerError: "ProviderError",
  transientProviderError: "TransientProviderError",
  duplicateTransactionPrevented: "DuplicateTransactionPrevented",
} as const;
