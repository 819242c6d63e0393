/**
 * The contract between kaquan's client and one supplier's adapter. Adapters translate: they build
 * requests, send them once through the transport they are given, and turn the answer into domain
 * values or a classified {@link KaquanError}. They never retry, sleep or keep order state — the
 * client does that, the same way for every supplier.
 */
import type { Order, OrderUpdate } from "./order.js";
import type { OrderRequest } from "./order-request.js";
import type { AccountFieldSpec, Balance, Product, ProductKind, ProductQuery, StockLevel } from "./product.js";

/** An HTTP request as an adapter builds it. The body is sent byte for byte as given. */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  url: string;
  headers?: Record<string, string>;
  /** Exact bytes to send: signatures are computed over this value, so it is never re-serialised. */
  body?: string | Uint8Array;
  /** Per-request deadline override (connect + headers + body), in milliseconds. */
  timeoutMs?: number;
  /** A short label for logs and metrics, e.g. `fulu.order.direct.add`. */
  operation?: string;
}

/** An HTTP response with its raw bytes kept for signature checks. */
export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The raw body bytes, exactly as received (after content decoding). */
  body: Uint8Array;
  /** The body decoded as UTF-8. */
  text: string;
  durationMs: number;
}

/**
 * Sends one request, once. Resolves for every HTTP status; rejects only with `NotSentError`
 * (nothing reached the supplier), `NoAnswerError` (sent, no usable answer) or `AbortedError`.
 */
export interface HttpTransport {
  send(request: HttpRequest, options?: { signal?: AbortSignal | undefined }): Promise<HttpResponse>;
  /**
   * Optional: resolves when `send` can put a request on the wire without first loading anything
   * (a transport that loads its HTTP client lazily; kaquan's own, on Node's client, is ready at
   * once). A client with a rate limit waits for it before it takes a token, so a token is never
   * spent while the transport loads — requests held up by the load would otherwise reach the
   * supplier bunched, closer together than the limit. A wrapping transport should pass it
   * through.
   */
  ready?(): Promise<void>;
}

/** A pino-compatible logger: kaquan calls `logger.level(object, message)`. */
export interface Logger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** What the client gives an adapter for one operation. */
export interface AdapterContext {
  http: HttpTransport;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal | undefined;
}

/**
 * How the supplier answers an order sent again with an id it has seen:
 * - `replay`: it returns the original order (safe to re-send);
 * - `reject`: it refuses with a "duplicate id" error (safe to re-send; kaquan then queries);
 * - `none`: it does not deduplicate — re-sending could create a second order, so kaquan never does.
 */
export type DuplicateOrderIdBehaviour = "replay" | "reject" | "none";

/** A request-rate limit: a token bucket of `burst` refilled at `requestsPerSecond`. */
export interface RateLimitSpec {
  requestsPerSecond: number;
  burst?: number;
}

/** Rate limits by client operation; `default` applies to every request as well. */
export type OperationRateLimits = Partial<
  Record<
    "default" | "placeOrder" | "queryOrder" | "listProducts" | "getProduct" | "getStock" | "getBalance",
    RateLimitSpec
  >
>;

/** What an adapter can do and how its supplier behaves. Declared, never assumed. */
export interface AdapterCapabilities {
  duplicateOrderId: DuplicateOrderIdBehaviour;
  /** `signed`: callbacks carry a signature; `refetch`: unsigned, verified by re-querying; `none`: no callbacks. */
  callbacks: "signed" | "refetch" | "none";
  stock: boolean;
  balance: boolean;
  cardDelivery: boolean;
  batchQuery: boolean;
  orderKinds: readonly ProductKind[];
  /**
   * How long after a placement a "not found" answer may be propagation lag rather than proof the
   * order never arrived. Before this window passes kaquan neither re-sends nor concludes anything.
   */
  notFoundGraceMs: number;
  /** The supplier's recommended status-poll interval. */
  pollIntervalMs: number;
  /**
   * Whether re-sending the same id after the supplier said "not found" (past the grace window) is
   * safe. Only meaningful when `duplicateOrderId` is not `none`.
   */
  resendAfterNotFound: boolean;
  /**
   * The supplier's published request-rate limits (e.g. Tango's 1 request/second). The client
   * enforces them unless it is given its own `rateLimit`.
   */
  publishedRateLimits?: OperationRateLimits;
}

/** A callback as it arrived: the raw bytes and headers. */
export interface RawCallback {
  body: Uint8Array | string;
  headers: Record<string, string | readonly string[] | undefined>;
}

/** A callback that passed verification. */
export interface VerifiedCallback {
  update: OrderUpdate;
  /** The supplier's own timestamp for the event, in ms since the epoch, when it sends one. */
  sentAtMs?: number;
}

/** The exact bytes to answer a callback with. */
export interface CallbackAck {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Optional hints an adapter may use to query an order (some suppliers need the kind). */
export interface OrderQueryHint {
  kind?: Order["kind"];
  sku?: string;
}

export interface SupplierAdapter {
  /** Stable adapter name, e.g. `fulu`. */
  readonly name: string;
  readonly capabilities: AdapterCapabilities;
  /** Literal secret values (keys, app secrets) that logs must scrub wherever they appear. */
  secretValues(): readonly string[];

  listProducts(query: ProductQuery, context: AdapterContext): Promise<Product[]>;
  /** The product, or `undefined` when the supplier does not know the sku. */
  getProduct(sku: string, context: AdapterContext): Promise<Product | undefined>;
  getStock?(sku: string, quantity: number, context: AdapterContext): Promise<StockLevel>;
  getBalance?(context: AdapterContext): Promise<Balance>;
  getAccountTemplate?(templateId: string, context: AdapterContext): Promise<AccountFieldSpec[]>;

  /** Sends the order once. Resolves with what the supplier said, or throws a classified error. */
  placeOrder(request: OrderRequest, context: AdapterContext): Promise<OrderUpdate>;
  /** Queries by the merchant's order id. `undefined` means the supplier says it has no such order. */
  queryOrder(
    merchantOrderId: string,
    context: AdapterContext,
    hint?: OrderQueryHint,
  ): Promise<OrderUpdate | undefined>;

  /**
   * Verifies a callback over its raw bytes and parses it. Throws `SignatureError` when it does not
   * verify and `MalformedPayloadError` when it cannot be read. Suppliers with unsigned callbacks
   * (`capabilities.callbacks === "refetch"`) return an update that the caller must confirm by query.
   */
  verifyCallback?(callback: RawCallback, context: AdapterContext): Promise<VerifiedCallback>;
  /** The exact answer the supplier expects: `accepted` acknowledges, otherwise asks for a retry. */
  callbackAck?(accepted: boolean): CallbackAck;
}
