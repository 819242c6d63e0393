/**
 * The kaquan error hierarchy.
 *
 * Every error kaquan throws is a {@link KaquanError} with a stable `code`, a failure class that
 * says what happened to the request, and a `retry` hint that says what the caller may do next.
 * Errors carry an allow-list of fields only: never a request config, a header, a body or a
 * secret (axios errors carry `config.headers`, which is how Authorization headers end up in logs).
 */

/**
 * What happened to the request, in the terms that decide whether a retry is safe.
 * - `not_sent`: no byte reached the supplier (DNS, refused connection): safe to retry anything.
 * - `sent_no_answer`: the supplier may have acted (timeout after write, reset, 5xx, HTML page,
 *   unparseable or unverifiable body): reads retry; an order is resolved by query.
 * - `rejected`: the supplier answered with a definitive refusal: never retried.
 * - `throttled`: the supplier asked us to slow down; retry after `retryAfterMs`.
 * - `duplicate`: the supplier says the order id is already used: query it and adopt the answer.
 * - `local`: raised by kaquan itself before any request (validation, configuration, conflict).
 */
export type FailureClass = "not_sent" | "sent_no_answer" | "rejected" | "throttled" | "duplicate" | "local";

/**
 * What the caller may do after this error.
 * - `never`: do not retry; fix the cause (configuration, input) first.
 * - `same-id`: retrying with the same `merchantOrderId` is safe.
 * - `new-id`: the order definitively failed; a new attempt needs a new `merchantOrderId`.
 * - `after-resolve`: the outcome is unknown; resolve it with `getOrder`/`waitForFinal` first.
 */
export type RetryHint = "never" | "same-id" | "new-id" | "after-resolve";

/** One field-level problem in a {@link ValidationError}. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `accountFields.region`. Empty for the whole value. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Fields every kaquan error may carry. All optional except those set by the class. */
export interface KaquanErrorOptions {
  supplier?: string | undefined;
  merchantOrderId?: string | undefined;
  vendorCode?: string | undefined;
  vendorMessage?: string | undefined;
  requestId?: string | undefined;
  httpStatus?: number | undefined;
  /** Attempts made before this error was raised (1 = one attempt, no retry). */
  attempts?: number | undefined;
  /** Total time spent waiting between attempts, in milliseconds. */
  totalRetryDelayMs?: number | undefined;
  retryAfterMs?: number | undefined;
  /**
   * A cause. Only another KaquanError or a plain, secret-free `Error` should be passed; kaquan
   * itself never attaches transport-library errors, which carry request configs.
   */
  cause?: unknown;
}

const brand = Symbol.for("kaquan.error");

type ErrorClass = { readonly errorName: string; prototype: KaquanError };

/**
 * Base class of every kaquan error. Use `KaquanError.isInstance(value)` (or the subclass's own
 * `isInstance`) rather than `instanceof` when two copies of kaquan may be loaded (an ESM and a
 * CJS copy, or two versions in one tree): it checks a `Symbol.for` brand, not a prototype.
 */
export class KaquanError extends Error {
  static readonly errorName: string = "KaquanError";

  /** Stable machine-readable code, e.g. `insufficient_balance`. */
  readonly code: string = "kaquan_error";
  readonly failureClass: FailureClass = "local";
  readonly retry: RetryHint = "never";
  readonly supplier: string | undefined;
  readonly merchantOrderId: string | undefined;
  readonly vendorCode: string | undefined;
  readonly vendorMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly httpStatus: number | undefined;
  attempts: number | undefined;
  totalRetryDelayMs: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: KaquanErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = (new.target as unknown as ErrorClass).errorName;
    this.supplier = options.supplier;
    this.merchantOrderId = options.merchantOrderId;
    this.vendorCode = options.vendorCode;
    this.vendorMessage = options.vendorMessage;
    this.requestId = options.requestId;
    this.httpStatus = options.httpStatus;
    this.attempts = options.attempts;
    this.totalRetryDelayMs = options.totalRetryDelayMs;
    this.retryAfterMs = options.retryAfterMs;
    // The brand lists the class chain by name so `isInstance` works across package copies.
    const chain: string[] = [];
    for (let proto = new.target as unknown as ErrorClass | null; proto; ) {
      if (typeof proto.errorName === "string") chain.push(proto.errorName);
      const parent = Object.getPrototypeOf(proto) as ErrorClass | null;
      if (!parent || parent === (Error as unknown)) break;
      proto = parent;
    }
    Object.defineProperty(this, brand, { value: chain, enumerable: false });
  }

  /** Whether retrying is safe without first resolving the outcome. */
  get isRetryable(): boolean {
    return this.retry === "same-id";
  }

  /** True when `value` is an error of this class (or a subclass) from any copy of kaquan. */
  static isInstance<T extends abstract new (...args: never[]) => KaquanError>(
    this: T & { readonly errorName: string },
    value: unknown,
  ): value is InstanceType<T> {
    if (typeof value !== "object" || value === null) return false;
    const chain = (value as Record<symbol, unknown>)[brand];
    return Array.isArray(chain) && chain.includes(this.errorName);
  }

  /** An allow-listed, secret-free JSON form. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
      failureClass: this.failureClass,
      retry: this.retry,
    };
    const optional = {
      supplier: this.supplier,
      merchantOrderId: this.merchantOrderId,
      vendorCode: this.vendorCode,
      vendorMessage: this.vendorMessage,
      requestId: this.requestId,
      httpStatus: this.httpStatus,
      attempts: this.attempts,
      totalRetryDelayMs: this.totalRetryDelayMs,
      retryAfterMs: this.retryAfterMs,
    };
    for (const [key, value] of Object.entries(optional)) if (value !== undefined) json[key] = value;
    return json;
  }
}

// ---- Local errors: raised before any request ------------------------------------------------

/** Bad input to a public method. Names each field and the fix; raised before any network call. */
export class ValidationError extends KaquanError {
  static override readonly errorName: string = "ValidationError";
  override readonly code: string = "validation_error";
  readonly issues: readonly ValidationIssue[];
  constructor(message: string, issues: readonly ValidationIssue[], options: KaquanErrorOptions = {}) {
    super(message, options);
    this.issues = issues;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/** A client or adapter was configured wrongly (missing secret, bad endpoint, bad key length). */
export class ConfigurationError extends KaquanError {
  static override readonly errorName: string = "ConfigurationError";
  override readonly code: string = "configuration_error";
}

/** The same `merchantOrderId` was used with a different request. */
export class IdempotencyConflictError extends KaquanError {
  static override readonly errorName: string = "IdempotencyConflictError";
  override readonly code: string = "idempotency_conflict";
}

/** The order's cost (quoted or charged) is above the caller's `maxCost`. Nothing was sent. */
export class PriceAboveMaxCostError extends KaquanError {
  static override readonly errorName: string = "PriceAboveMaxCostError";
  override readonly code: string = "price_above_max_cost";
  override readonly retry: RetryHint = "new-id";
}

/** `getOrder` for an order neither kaquan nor the supplier knows. */
export class OrderNotFoundError extends KaquanError {
  static override readonly errorName: string = "OrderNotFoundError";
  override readonly code: string = "order_not_found";
}

/** `waitForFinal` reached its deadline before the order was final. `order` holds the last state. */
export class DeadlineExceededError extends KaquanError {
  static override readonly errorName: string = "DeadlineExceededError";
  override readonly code: string = "deadline_exceeded";
  override readonly retry: RetryHint = "after-resolve";
  /** The last known order; its card codes, if any, are `Secret`s. */
  readonly order: unknown;
  constructor(message: string, order: unknown, options: KaquanErrorOptions = {}) {
    super(message, options);
    Object.defineProperty(this, "order", { value: order, enumerable: false });
  }
}

/** The caller's `AbortSignal` fired before the request was written. Nothing reached the supplier. */
export class AbortedError extends KaquanError {
  static override readonly errorName: string = "AbortedError";
  override readonly code: string = "aborted";
  override readonly failureClass: FailureClass = "not_sent";
  override readonly retry: RetryHint = "same-id";
}

/** An adapter does not offer the requested operation (e.g. no stock API). */
export class UnsupportedOperationError extends KaquanError {
  static override readonly errorName: string = "UnsupportedOperationError";
  override readonly code: string = "unsupported_operation";
}

// ---- Transport errors ------------------------------------------------------------------------

/** No byte reached the supplier: DNS failure, refused connection, connect timeout. */
export class NotSentError extends KaquanError {
  static override readonly errorName: string = "NotSentError";
  override readonly code: string = "not_sent";
  override readonly failureClass: FailureClass = "not_sent";
  override readonly retry: RetryHint = "same-id";
}

/**
 * The request was (or may have been) written and no usable answer came back: a timeout after
 * writing, a reset, a 5xx, an HTML gateway page, an oversized, unparseable or badly signed body.
 * The supplier may have acted on it.
 */
export class NoAnswerError extends KaquanError {
  static override readonly errorName: string = "NoAnswerError";
  override readonly code: string = "sent_no_answer";
  override readonly failureClass: FailureClass = "sent_no_answer";
  override readonly retry: RetryHint = "after-resolve";
}

/** The supplier's response signature did not verify. Treated as no answer: never trusted. */
export class ResponseSignatureError extends NoAnswerError {
  static override readonly errorName: string = "ResponseSignatureError";
  override readonly code: string = "response_signature_invalid";
}

/** The supplier asked us to slow down (HTTP 429 or a vendor rate-limit code). */
export class RateLimitError extends KaquanError {
  static override readonly errorName: string = "RateLimitError";
  override readonly code: string = "rate_limited";
  override readonly failureClass: FailureClass = "throttled";
  override readonly retry: RetryHint = "same-id";
}

/**
 * The supplier answered with an error kaquan does not recognise. For reads this is final; for
 * an order placement it is ambiguous, so the client resolves it by query and never reports it
 * as failed.
 */
export class UnrecognizedVendorError extends KaquanError {
  static override readonly errorName: string = "UnrecognizedVendorError";
  override readonly code: string = "unrecognized_vendor_error";
  override readonly failureClass: FailureClass = "sent_no_answer";
  override readonly retry: RetryHint = "after-resolve";
}

/** The supplier says this order id was already used. The client queries it and adopts the answer. */
export class DuplicateOrderError extends KaquanError {
  static override readonly errorName: string = "DuplicateOrderError";
  override readonly code: string = "duplicate_order";
  override readonly failureClass: FailureClass = "duplicate";
  override readonly retry: RetryHint = "after-resolve";
}

// ---- Definitive rejections -------------------------------------------------------------------

/** A definitive refusal by the supplier. The order failed; nothing was delivered. */
export class RejectedError extends KaquanError {
  static override readonly errorName: string = "RejectedError";
  override readonly code: string = "rejected";
  override readonly failureClass: FailureClass = "rejected";
  override readonly retry: RetryHint = "new-id";
}

/** The supplier account's balance is too low. Top it up; later orders need a new id. */
export class InsufficientBalanceError extends RejectedError {
  static override readonly errorName: string = "InsufficientBalanceError";
  override readonly code: string = "insufficient_balance";
}

/** The product is out of stock at this supplier. */
export class OutOfStockError extends RejectedError {
  static override readonly errorName: string = "OutOfStockError";
  override readonly code: string = "out_of_stock";
}

/** The target account (game account, phone number) is invalid for this product. */
export class InvalidAccountError extends RejectedError {
  static override readonly errorName: string = "InvalidAccountError";
  override readonly code: string = "invalid_account";
}

/** The product is unknown, off sale, in maintenance, or the denomination is not offered. */
export class ProductUnavailableError extends RejectedError {
  static override readonly errorName: string = "ProductUnavailableError";
  override readonly code: string = "product_unavailable";
}

/** The supplier rejected our credentials or our request signature. Fix the configuration. */
export class AuthenticationError extends RejectedError {
  static override readonly errorName: string = "AuthenticationError";
  override readonly code: string = "authentication_failed";
  override readonly retry: RetryHint = "never";
}

/** The supplier refused a request for another definitive reason (bad parameter, IP not allowed). */
export class RequestRejectedError extends RejectedError {
  static override readonly errorName: string = "RequestRejectedError";
  override readonly code: string = "request_rejected";
}

// ---- Stores ----------------------------------------------------------------------------------

/**
 * The shared store (e.g. Redis) could not be reached or did not answer in time. kaquan fails
 * closed: an order whose write-ahead claim cannot be recorded is not sent, and a callback whose
 * dedupe claim cannot be taken is not applied (the supplier retries it).
 */
export class StoreUnavailableError extends KaquanError {
  static override readonly errorName: string = "StoreUnavailableError";
  override readonly code: string = "store_unavailable";
  override readonly failureClass: FailureClass = "local";
  override readonly retry: RetryHint = "same-id";
}

// ---- Health and routing --------------------------------------------------------------------

/**
 * The supplier's circuit breaker is open: recent requests failed, so kaquan did not send this one
 * (nothing left the process). `retryAfterMs` says when the breaker lets a probe through.
 */
export class CircuitOpenError extends KaquanError {
  static override readonly errorName: string = "CircuitOpenError";
  override readonly code: string = "circuit_open";
  override readonly failureClass: FailureClass = "not_sent";
  override readonly retry: RetryHint = "same-id";
}

/** What one supplier said (or why it was skipped) when a router tried to place an order. */
export interface RouteAttemptSummary {
  readonly supplier: string;
  /** The order id sent to this supplier (absent when it was skipped before sending). */
  readonly supplierOrderId?: string | undefined;
  /** `skipped`: never sent (admission, breaker, stock, cost); `rejected`: the supplier refused. */
  readonly outcome: "skipped" | "rejected";
  /** A stable code: the error's code (`out_of_stock`, `circuit_open`, …) or the skip rule. */
  readonly code: string;
  readonly message: string;
}

/**
 * No supplier could take the order: every offer was skipped or definitively refused it. Nothing
 * was fulfilled; `routeAttempts` lists every supplier and its reason. Placing the same id again
 * returns this outcome; a new attempt needs a new `merchantOrderId`.
 */
export class NoSupplierAvailableError extends KaquanError {
  static override readonly errorName: string = "NoSupplierAvailableError";
  override readonly code: string = "no_supplier_available";
  override readonly failureClass: FailureClass = "rejected";
  override readonly retry: RetryHint = "new-id";
  readonly routeAttempts: readonly RouteAttemptSummary[];

  constructor(
    message: string,
    routeAttempts: readonly RouteAttemptSummary[],
    options: KaquanErrorOptions = {},
  ) {
    super(message, options);
    this.routeAttempts = routeAttempts;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), routeAttempts: this.routeAttempts };
  }
}

// ---- Callback errors -------------------------------------------------------------------------

/** A callback's signature did not verify (or could not be checked). It was not applied. */
export class SignatureError extends KaquanError {
  static override readonly errorName: string = "SignatureError";
  override readonly code: string = "signature_invalid";
}

/** A callback's timestamp is outside the replay window. It was not applied. */
export class ReplayError extends KaquanError {
  static override readonly errorName: string = "ReplayError";
  override readonly code: string = "replay_rejected";
}

/** A parsed object was passed where the raw callback bytes are needed. */
export class RawBodyRequiredError extends KaquanError {
  static override readonly errorName: string = "RawBodyRequiredError";
  override readonly code: string = "raw_body_required";
}

/** A callback or response body did not match the supplier's documented shape. */
export class MalformedPayloadError extends KaquanError {
  static override readonly errorName: string = "MalformedPayloadError";
  override readonly code: string = "malformed_payload";
  override readonly failureClass: FailureClass = "sent_no_answer";
  override readonly retry: RetryHint = "after-resolve";
}

/** Narrowing helper: `isKaquanError(e)` is `KaquanError.isInstance(e)`. */
export function isKaquanError(value: unknown): value is KaquanError {
  return KaquanError.isInstance(value);
}
