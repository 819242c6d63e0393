/**
 * Reloadly's value tables as data (vendor-protocols.md §2.4, §2.6). Anything not in a table maps
 * to `unknown` (statuses) or to an *unknown outcome* (error codes), never to a guess.
 */
import type { OrderStatus } from "../../src/core/index.js";
import type { VendorErrorTable } from "../../src/runtime/vendor-errors.js";

/**
 * Transaction statuses of airtime top-ups (`AirtimeTransactionStatus`) and gift-card orders
 * (`GiftCardTransactionStatus`) [H]. SUCCESSFUL, FAILED and REFUNDED are terminal.
 *
 * REFUNDED maps to `reversed`: the supplier gave the money back. After a success this is the one
 * move out of a final state the order reducer allows (an operator rolled the top-up back,
 * failure-modes F9); a refund of an order never reported successful also ends `reversed`, because
 * the adapter cannot know the earlier state and `failed` would lose a refund that follows a success.
 */
export const reloadlyTransactionStatuses: Readonly<Record<string, OrderStatus>> = {
  SUCCESSFUL: "succeeded",
  PROCESSING: "processing",
  PENDING: "processing",
  FAILED: "failed",
  REFUNDED: "reversed",
};

/**
 * `errorCode` values (§2.6): the legacy documentation's list [H], the codes seen in production by
 * a public integration [M], and the auth codes of the OpenAPI examples [H]. Replace or extend
 * entries through the adapter's `errorCodes` option.
 *
 * - `CUSTOM_IDENTIFIER_ALREADY_USED` is a duplicate, never a failure: in production most of these
 *   answers followed an earlier attempt that had succeeded (§2.5), so kaquan looks the order up.
 * - Operator and provider hiccups (`TRANSACTION_FAILED_ON_OPERATOR`, `PROVIDER_INTERNAL_ERROR`,
 *   `TOPUP_TRANSACTION_FAILED`, …) are `system_error`: the transaction may exist, so the outcome is
 *   resolved by looking it up by `customIdentifier`, never reported failed on the error alone.
 * - `PHONE_RECENTLY_RECHARGED` (the same number within 2 minutes) is a recipient limit: a
 *   `RateLimitError` whose `retryAfterMs` comes from {@link reloadlyRetryAfterMs}; nothing was
 *   processed, so the same id may be sent again after the wait.
 */
export const defaultReloadlyErrorTable: VendorErrorTable = {
  codes: {
    // Authentication and account (§2.1).
    TOKEN_EXPIRED: "authentication",
    INVALID_TOKEN: "authentication",
    INVALID_CREDENTIALS: "authentication",
    INVALID_AUDIENCE: "authentication",
    ACCESS_DENIED: "authentication",
    INACTIVE_ACCOUNT: "authentication",
    ACCOUNT_NOT_FOUND: "authentication",
    // Idempotency (§2.5).
    CUSTOM_IDENTIFIER_ALREADY_USED: "duplicate_order",
    // Money.
    INSUFFICIENT_BALANCE: "insufficient_balance",
    // The recipient (the phone number) was refused.
    INVALID_RECIPIENT_PHONE: "invalid_account",
    INVALID_PHONE_NUMBER: "invalid_account",
    COULD_NOT_AUTO_DETECT_OPERATOR: "invalid_account",
    PHONE_BANNED_BY_OPERATOR: "invalid_account",
    RECIPIENT_PHONE_INACTIVE: "invalid_account",
    TRANSACTION_REJECTED_BY_OPERATOR: "invalid_account",
    TRANSACTION_REFUSED_BY_OPERATOR: "invalid_account",
    // Our own request was refused.
    INVALID_SENDER_PHONE: "bad_request",
    MAX_DAILY_TRANSACTION_COUNT_REACHED: "bad_request",
    MAX_DAILY_TRANSACTION_AMOUNT_REACHED: "bad_request",
    RECIPIENT_REACHED_MAX_TOPUP_NUMBER: "bad_request",
    // Product, operator or denomination not available.
    COUNTRY_NOT_SUPPORTED: "product_unavailable",
    OPERATOR_NOT_FOUND: "product_unavailable",
    OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE: "product_unavailable",
    OPERATOR_NOT_IN_SERVICE: "product_unavailable",
    INVALID_AMOUNT_FOR_OPERATOR: "product_unavailable",
    INVALID_AMOUNT: "product_unavailable",
    IMPOSSIBLE_AMOUNT: "product_unavailable",
    INVALID_AMOUNT_FOR_RECIPIENT_PHONE: "product_unavailable",
    INVALID_GIFT_CARD_DETAILS: "product_unavailable",
    PRODUCT_NOT_FOUND: "product_unavailable",
    FX_RATE_NOT_AVAILABLE: "product_unavailable",
    // Throttling.
    RATE_LIMIT_REACHED: "rate_limited",
    PHONE_RECENTLY_RECHARGED: "rate_limited",
    // Transient or provider-side: the transaction may exist; look it up.
    TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT: "system_error",
    TOPUP_TRANSACTION_FAILED: "system_error",
    RECIPIENT_HAS_PENDING_TRANSACTION: "system_error",
    TRANSACTION_FAILED_ON_OPERATOR: "system_error",
    PROVIDER_INTERNAL_ERROR: "system_error",
    REQUEST_FAILED_ON_PROVIDER: "system_error",
    CONNECTION_TO_OPERATOR_TEMPORARILY_DOWN: "system_error",
    CONNECTION_TO_OPERATOR_FAILED: "system_error",
    REQUEST_PROCESSING_FAILED: "system_error",
  },
  // For answers whose `errorCode` is null (the gift-card price error is one, §2.3).
  messagePatterns: [
    [/custom identifier.*(already|used)/i, "duplicate_order"],
    [/insufficient (balance|funds)/i, "insufficient_balance"],
    [/invalid price|denomination/i, "product_unavailable"],
    [/out of stock|no stock|stock (is )?unavailable/i, "out_of_stock"],
    [/full authentication is required|access denied|invalid token|token expired/i, "authentication"],
    [/too many requests|rate limit/i, "rate_limited"],
  ],
};

/** How long a throttling code asks us to wait, in milliseconds (§2.6: 2 minutes per number). */
export const reloadlyRetryAfterMs: Readonly<Record<string, number>> = {
  PHONE_RECENTLY_RECHARGED: 120_000,
};

/**
 * 401 `errorCode`s that prove the request was refused by the authentication filter, before any
 * processing — so even an order may be sent again once the token is refreshed (need 16).
 */
export const reloadlyAuthRejectionCodes: ReadonlySet<string> = new Set([
  "TOKEN_EXPIRED",
  "INVALID_TOKEN",
  "UNAUTHORIZED",
]);

/** The 401 message of an unauthenticated request (OpenAPI examples) [H]. */
export const reloadlyAuthRejectionMessage = /full authentication is required|token (has )?expired/i;
