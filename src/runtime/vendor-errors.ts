/**
 * Vendor error classification as data. Each adapter keeps a table from its vendor's codes (and,
 * where codes are undocumented, message patterns) to one of these meanings; this module turns a
 * meaning into the right typed error, the same way for every supplier.
 */
import {
  AuthenticationError,
  DuplicateOrderError,
  InsufficientBalanceError,
  InvalidAccountError,
  type KaquanError,
  type KaquanErrorOptions,
  OutOfStockError,
  ProductUnavailableError,
  RateLimitError,
  RequestRejectedError,
  UnrecognizedVendorError,
} from "../core/index.js";
import { lookup } from "./table-lookup.js";

/** What a vendor error code means, independent of the vendor. */
export type VendorErrorMeaning =
  | "insufficient_balance"
  | "out_of_stock"
  | "invalid_account"
  | "product_unavailable"
  | "authentication"
  | "bad_request"
  | "duplicate_order"
  | "order_not_found"
  | "rate_limited"
  /** The vendor says it failed internally: the outcome of a write is unknown; query it. */
  | "system_error";

/** A vendor's error table: codes, then message patterns for vendors whose codes are undocumented. */
export interface VendorErrorTable {
  codes: Readonly<Record<string, VendorErrorMeaning>>;
  messagePatterns?: ReadonlyArray<readonly [RegExp, VendorErrorMeaning]>;
}

/** Looks up a vendor error's meaning: by code first, then by message; `undefined` if unrecognised. */
export function classifyVendorError(
  table: VendorErrorTable,
  code: string | number | undefined,
  message: string | undefined,
): VendorErrorMeaning | undefined {
  if (code !== undefined) {
    const byCode = lookup(table.codes, code);
    if (byCode) return byCode;
  }
  if (message) {
    for (const [pattern, meaning] of table.messagePatterns ?? []) if (pattern.test(message)) return meaning;
  }
  return undefined;
}

const describe: Readonly<Record<VendorErrorMeaning, string>> = {
  insufficient_balance: "the supplier account balance is too low: top it up with the supplier",
  out_of_stock: "the product is out of stock at this supplier",
  invalid_account: "the target account was refused: check the account and its fields",
  product_unavailable: "the product is unknown, off sale or in maintenance at this supplier",
  authentication:
    "the supplier refused the credentials or the request signature: check the app key and secret",
  bad_request: "the supplier refused the request parameters",
  duplicate_order: "the supplier says this order id was already used",
  order_not_found: "the supplier has no order with this id",
  rate_limited: "the supplier asked us to slow down",
  system_error: "the supplier reported an internal error; the outcome is unknown",
};

/**
 * The typed error for a vendor error. `undefined` meaning (unrecognised) and `system_error` give
 * an {@link UnrecognizedVendorError}, which the client treats as ambiguous for order placement.
 */
export function vendorError(
  meaning: VendorErrorMeaning | undefined,
  options: KaquanErrorOptions & { operation?: string },
): KaquanError {
  const where = options.supplier
    ? `${options.supplier}${options.operation ? ` ${options.operation}` : ""}`
    : "supplier";
  const vendorDetail =
    options.vendorCode !== undefined || options.vendorMessage !== undefined
      ? ` (vendor code ${options.vendorCode ?? "none"}: ${options.vendorMessage ?? ""})`
      : "";
  const message = `${where}: ${meaning ? describe[meaning] : "unrecognised vendor error; the outcome is unknown"}${vendorDetail}`;
  switch (meaning) {
    case "insufficient_balance":
      return new InsufficientBalanceError(message, options);
    case "out_of_stock":
      return new OutOfStockError(message, options);
    case "invalid_account":
      return new InvalidAccountError(message, options);
    case "product_unavailable":
      return new ProductUnavailableError(message, options);
    case "authentication":
      return new AuthenticationError(message, options);
    case "bad_request":
      return new RequestRejectedError(message, options);
    case "duplicate_order":
      return new DuplicateOrderError(message, options);
    case "rate_limited":
      return new RateLimitError(message, options);
    default:
      return new UnrecognizedVendorError(message, options);
  }
}
