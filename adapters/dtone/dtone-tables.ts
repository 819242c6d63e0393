/**
 * DT One DVS value tables as data (vendor-protocols.md §3, the vendor's OpenAPI spec v1.11–1.14).
 * DT One recommends putting application logic on status *classes*; the status itself (e.g.
 * `DECLINED-INVALID-CREDIT-PARTY`) is kept raw as `vendorStatus` and only refines the failure.
 */
import type { OrderStatus, ProductKind } from "../../src/core/index.js";
import type { VendorErrorTable } from "../../src/runtime/vendor-errors.js";

/** The status classes DT One documents. */
export type DtoneStatusClass =
  | "CREATED"
  | "CONFIRMED"
  | "REJECTED"
  | "CANCELLED"
  | "SUBMITTED"
  | "COMPLETED"
  | "REVERSED"
  | "DECLINED";

/**
 * Status class → order state. CREATED, CONFIRMED and SUBMITTED are not final; COMPLETED is
 * success; REJECTED (by DVS), DECLINED (by the operator) and CANCELLED (by us, before
 * confirmation) are definitive failures — nothing was delivered and the held amount is voided;
 * REVERSED is a manual reversal, normally of a COMPLETED transaction. [H]
 */
export const dtoneStatusClasses: Readonly<Record<DtoneStatusClass, OrderStatus>> = {
  CREATED: "processing",
  CONFIRMED: "processing",
  SUBMITTED: "processing",
  COMPLETED: "succeeded",
  REJECTED: "failed",
  DECLINED: "failed",
  CANCELLED: "failed",
  REVERSED: "reversed",
};

/**
 * Class ids as DT One's "Handling Transactions" guide draws them (CREATED 1, CONFIRMED 2,
 * REJECTED 3, CANCELLED 4, SUBMITTED 5, COMPLETED 7, REVERSED 8, DECLINED 9) [M]. Used only when
 * an answer carries a class id without its message; the spec itself does not list them [?].
 */
export const dtoneStatusClassIds: Readonly<Record<string, DtoneStatusClass>> = {
  "1": "CREATED",
  "2": "CONFIRMED",
  "3": "REJECTED",
  "4": "CANCELLED",
  "5": "SUBMITTED",
  "7": "COMPLETED",
  "8": "REVERSED",
  "9": "DECLINED",
};

/**
 * Failure codes (`order.failure.code`) by status, for REJECTED / DECLINED / CANCELLED. The
 * status itself stays in `failure.vendorCode`. Any other status of a failed class is
 * `supplier_failed`.
 *
 * `DECLINED-DUPLICATED-TRANSACTION` is the *operator* refusing a top-up it takes for a repeat of
 * a recent one to the same number (a same-number throttle, vendor-protocols.md §11 pitfall 9). It
 * is final for this transaction and nothing was delivered by it, so the order is `failed`, not a
 * duplicate-id answer: our `external_id` was new (DVS answers a reused one with error 1007001).
 * Check for an earlier order to that number before sending a new one.
 */
export const dtoneFailureCodes: Readonly<Record<string, string>> = {
  CANCELLED: "cancelled",
  "REJECTED-INSUFFICIENT-BALANCE": "insufficient_balance",
  "REJECTED-INVALID-CREDIT-PARTY": "invalid_account",
  "REJECTED-BARRED-CREDIT-PARTY": "invalid_account",
  "REJECTED-INELIGIBLE-CREDIT-PARTY": "invalid_account",
  "REJECTED-INVALID-DEBIT-PARTY": "invalid_debit_party",
  "REJECTED-BARRED-DEBIT-PARTY": "invalid_debit_party",
  "REJECTED-LIMITATIONS-ON-CREDIT-PARTY-AMOUNT": "recipient_limit",
  "REJECTED-LIMITATIONS-ON-CREDIT-PARTY-QUANTITY": "recipient_limit",
  "REJECTED-OPERATOR-CURRENTLY-UNAVAILABLE": "operator_unavailable",
  "DECLINED-INVALID-CREDIT-PARTY": "invalid_account",
  "DECLINED-BARRED-CREDIT-PARTY": "invalid_account",
  "DECLINED-INELIGIBLE-CREDIT-PARTY": "invalid_account",
  "DECLINED-INVALID-DEBIT-PARTY": "invalid_debit_party",
  "DECLINED-BARRED-DEBIT-PARTY": "invalid_debit_party",
  "DECLINED-LIMITATIONS-ON-OPERATOR-AMOUNT": "operator_limit",
  "DECLINED-LIMITATIONS-ON-OPERATOR-QUANTITY": "operator_limit",
  "DECLINED-LIMITATIONS-ON-CREDIT-PARTY-AMOUNT": "recipient_limit",
  "DECLINED-LIMITATIONS-ON-CREDIT-PARTY-QUANTITY": "recipient_limit",
  "DECLINED-LIMITATIONS-ON-CUSTOMER-AMOUNT": "customer_limit",
  "DECLINED-LIMITATIONS-ON-CUSTOMER-QUANTITY": "customer_limit",
  "DECLINED-DUPLICATED-TRANSACTION": "duplicated_transaction",
  "DECLINED-OPERATOR-CURRENTLY-UNAVAILABLE": "operator_unavailable",
};

/** The five product types (§3) and what kaquan order kind each is sold as. */
export type DtoneProductType =
  | "FIXED_VALUE_RECHARGE"
  | "RANGED_VALUE_RECHARGE"
  | "FIXED_VALUE_PIN_PURCHASE"
  | "RANGED_VALUE_PIN_PURCHASE"
  | "RANGED_VALUE_PAYMENT";

/**
 * Product type → order kind:
 * - recharges credited to a mobile number (`required_credit_party_identifier_fields` names
 *   `mobile_number`, or names nothing) are `mobile` (airtime, data bundles);
 * - recharges credited to an account number (broadband, utilities, VoIP) are `direct`;
 * - PIN purchases (vouchers, gift cards) are `card`: the PIN comes back as `pin.code` / `pin.serial`;
 * - bill payments are `direct` (the bill's account number).
 */
export const dtoneProductKinds: Readonly<Record<DtoneProductType, ProductKind>> = {
  FIXED_VALUE_RECHARGE: "mobile",
  RANGED_VALUE_RECHARGE: "mobile",
  FIXED_VALUE_PIN_PURCHASE: "card",
  RANGED_VALUE_PIN_PURCHASE: "card",
  RANGED_VALUE_PAYMENT: "direct",
};

/** Product types whose amount the order must state (`calculation_mode` + `source`/`destination`). */
export const dtoneRangedProductTypes: ReadonlySet<string> = new Set([
  "RANGED_VALUE_RECHARGE",
  "RANGED_VALUE_PIN_PURCHASE",
  "RANGED_VALUE_PAYMENT",
]);

/**
 * DVS API error codes (§3, the spec's "API Error Codes" table) → meaning. Classified by code,
 * never by HTTP status: the HTTP status DT One sends with 1006001 is not documented [?], and a
 * code means the same whatever status carries it. Every entry can be replaced through the
 * adapter's `errorCodes` option. An unlisted code is an *unknown outcome* for an order (kaquan
 * queries it by `external_id`), never a failure.
 */
export const defaultDtoneErrorTable: VendorErrorTable = {
  codes: {
    "1000400": "bad_request",
    "1000401": "authentication",
    "1000404": "bad_request",
    "1000429": "rate_limited",
    "1003001": "product_unavailable",
    "1003002": "product_unavailable",
    "1003003": "bad_request",
    "1003101": "product_unavailable",
    "1003201": "bad_request",
    "1003301": "bad_request",
    "1005003": "invalid_account",
    "1005004": "product_unavailable",
    "1005005": "product_unavailable",
    "1005006": "product_unavailable",
    "1005503": "bad_request",
    "1006001": "insufficient_balance",
    "1006003": "bad_request",
    "1006009": "bad_request",
    "1006503": "bad_request",
    "1007001": "duplicate_order",
    "1007002": "bad_request",
    "1007004": "bad_request",
    "1007005": "bad_request",
    "1007007": "bad_request",
    "1007500": "bad_request",
    "1008004": "order_not_found",
    "1009001": "system_error",
    "1009503": "system_error",
  },
};

/** The codes with a meaning of their own for confirm and cancel (the adapter's extra methods). */
export const DTONE_ERROR_CODES = {
  duplicateExternalId: "1007001",
  alreadyConfirmed: "1007002",
  cannotConfirm: "1007004",
  alreadyCancelled: "1007005",
  cannotCancel: "1007007",
  transactionNotFound: "1008004",
  insufficientBalance: "1006001",
} as const;
