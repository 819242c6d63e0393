/**
 * Bitrefill value tables as data (vendor-protocols.md §8). An invoice is the payment; its orders
 * are the deliveries, one per unit. "Invoice complete ≠ all orders delivered" (failure-modes
 * need 3): the order state comes from the invoice *and* every order.
 */
import type { OperationRateLimits, OrderStatus } from "../../src/core/index.js";
import type { VendorErrorTable } from "../../src/runtime/vendor-errors.js";

/** What an invoice status says: still open, paid (read the orders), or refused. */
export type BitrefillInvoiceClass = "open" | "paid" | "refused";

/** Invoice status → class. `unpaid → complete | denied | payment_error` (§8) [M]. */
export const bitrefillInvoiceStatuses: Readonly<Record<string, BitrefillInvoiceClass>> = {
  unpaid: "open",
  complete: "paid",
  denied: "refused",
  payment_error: "refused",
};

/** What an order status says about its unit. */
export type BitrefillOrderClass = "pending" | "delivered" | "undelivered";

/**
 * Order status → class. `created → delivered | failed | refunded` (§8) [M]. `refunded` is a
 * unit Bitrefill did not deliver and paid back to the balance; a refund after delivery cannot be
 * told apart from it [?].
 */
export const bitrefillOrderStatuses: Readonly<Record<string, BitrefillOrderClass>> = {
  created: "pending",
  delivered: "delivered",
  failed: "undelivered",
  refunded: "undelivered",
};

/**
 * Delivered / undelivered / pending counts of a paid invoice → order state. Pending orders keep
 * it processing; otherwise all delivered is success, none delivered is failure, and a mix is
 * `partially_succeeded`. A paid invoice that lists no order yet is still processing.
 */
export function bitrefillOutcome(counts: {
  delivered: number;
  undelivered: number;
  pending: number;
}): OrderStatus {
  if (counts.pending > 0 || counts.delivered + counts.undelivered === 0) return "processing";
  if (counts.undelivered === 0) return "succeeded";
  if (counts.delivered === 0) return "failed";
  return "partially_succeeded";
}

/** Failure codes (`order.failure.code`) of refused invoices, by invoice status. */
export const bitrefillFailureCodes: Readonly<Record<string, string>> = {
  denied: "payment_denied",
  payment_error: "payment_error",
};

/**
 * Bitrefill's published rate limits (§8, §11.12) as the client enforces them: `POST /invoices`
 * and balance 60 per 10 min, products 60 per minute, item GETs 60 per 10 min. A query is at
 * least two item GETs (the invoice list and one `GET /orders/{id}` per delivered unit), so it
 * gets half the item-GET budget.
 */
export const bitrefillPublishedRateLimits: OperationRateLimits = {
  placeOrder: { requestsPerSecond: 60 / 600, burst: 60 },
  getBalance: { requestsPerSecond: 60 / 600, burst: 60 },
  listProducts: { requestsPerSecond: 1, burst: 60 },
  getProduct: { requestsPerSecond: 60 / 600, burst: 60 },
  queryOrder: { requestsPerSecond: 30 / 600, burst: 30 },
};

/**
 * Error codes → meaning. Bitrefill publishes no code list [?]: these are the codes its answers
 * are reported to carry, and message patterns catch the rest. Every entry can be replaced
 * through the adapter's `errorCodes`. Unlisted errors of an order are an *unknown outcome*.
 */
export const defaultBitrefillErrorTable: VendorErrorTable = {
  codes: {
    insufficient_balance: "insufficient_balance",
    unauthorized: "authentication",
    invalid_api_key: "authentication",
    forbidden: "authentication",
    product_not_found: "product_unavailable",
    product_unavailable: "product_unavailable",
    out_of_stock: "out_of_stock",
    invalid_value: "bad_request",
    invalid_package: "bad_request",
    invalid_request: "bad_request",
    validation_error: "bad_request",
    invalid_phone_number: "invalid_account",
    invoice_not_found: "order_not_found",
    order_not_found: "order_not_found",
    not_found: "order_not_found",
    rate_limited: "rate_limited",
    too_many_requests: "rate_limited",
    internal_error: "system_error",
  },
  messagePatterns: [
    [/insufficient (balance|funds)|not enough (balance|funds)/i, "insufficient_balance"],
    [/unauthori[sz]ed|invalid api key|invalid credentials/i, "authentication"],
    [/rate limit|too many requests/i, "rate_limited"],
    [/out of stock/i, "out_of_stock"],
    [/product .*(not found|unavailable|disabled)/i, "product_unavailable"],
  ],
};

/** The separator inside a package id, e.g. `amazon-us<&>50` (§8). */
export const BITREFILL_PACKAGE_SEPARATOR = "<&>";
