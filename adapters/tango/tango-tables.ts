/**
 * Tango Card RaaS v2 value tables as data (vendor-protocols.md §6). The raw status is always kept
 * as `vendorStatus`; every table can be replaced through the adapter's options.
 */
import type { OrderStatus } from "../../src/core/index.js";
import type { VendorErrorMeaning } from "../../src/runtime/vendor-errors.js";

/**
 * Order status → order state. Sources disagree on the enum [?]: the swagger lists COMPLETE,
 * PENDING, FAILED and CANCELLED; an older summary says FULFILLED, read here as COMPLETE.
 * CANCELLED is a reward Tango cancelled (and refunded) after issuing it — `reversed`; nothing
 * issued by it may still be used. An unlisted status is `unknown`, never guessed.
 */
export const tangoOrderStatuses: Readonly<Record<string, OrderStatus>> = {
  COMPLETE: "succeeded",
  FULFILLED: "succeeded",
  PENDING: "processing",
  FAILED: "failed",
  CANCELLED: "reversed",
};

/**
 * What a Tango error means. Tango's own meanings beyond kaquan's shared ones:
 * - `in_process`: 409.002 "another order with the same external reference ID is currently in
 *   process": the order exists and is not complete — wait and query (an unknown outcome).
 */
export type TangoErrorMeaning = VendorErrorMeaning | "in_process";

/**
 * Error i18n keys → meaning. A full key (`402.001`) is looked up first, then its HTTP prefix
 * (`402`): Tango documents only a few keys [?], and every key starts with its HTTP status. An
 * unlisted key is an *unknown outcome* for an order (kaquan queries it by `externalRefID`), never
 * a failure. Replace entries through the adapter's `errorCodes` option.
 */
export const defaultTangoErrorCodes: Readonly<Record<string, TangoErrorMeaning>> = {
  "402.001": "insufficient_balance",
  "409.002": "in_process",
  "400": "bad_request",
  "401": "authentication",
  "402": "insufficient_balance",
  "403": "authentication",
  "404": "order_not_found",
  "409": "in_process",
  "422": "bad_request",
  "429": "rate_limited",
  "500": "system_error",
  "503": "system_error",
};

/** Catalogue item `valueType`s: a fixed face value, or an amount chosen per order in a range. */
export const TANGO_VALUE_TYPES = { fixed: "FIXED_VALUE", variable: "VARIABLE_VALUE" } as const;

/** Credential labels or types that name the card number (the rest are codes, PINs or links) [?]. */
export const tangoCardNumberLabels: ReadonlySet<string> = new Set([
  "card number",
  "cardnumber",
  "card_number",
  "number",
]);

/** Credential labels or types that name a PIN or security code, paired with the card number. */
export const tangoPinLabels: ReadonlySet<string> = new Set(["pin", "security code", "securitycode", "cvv"]);
