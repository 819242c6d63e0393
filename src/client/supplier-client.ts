/**
 * The supplier client: one adapter plus everything a merchant needs around it — validation,
 * retries, idempotency, unknown-outcome resolution and a concurrency limit. It keeps the four
 * promises:
 * 1. at most one order reaches the supplier per `merchantOrderId` (write-ahead record, atomic
 *    claim, re-send only when the supplier said "not found" past its grace window and is known to
 *    refuse duplicate ids);
 * 2. an ambiguous failure is `unknown`, resolved by query — never `failed`;
 * 4. nothing secret reaches a log line or an error (redacting logger, allow-listed errors).
 */
import pLimit from "p-limit";
import {
  AbortedError,
  type AdapterContext,
  applyUpdate,
  type Balance,
  type Clock,
  ConfigurationError,
  compareMoney,
  DeadlineExceededError,
  type HttpTransport,
  IdempotencyConflictError,
  type IgnoredReason,
  isFinal,
  KaquanError,
  type Logger,
  multiplyMoney,
  NotSentError,
  type Order,
  OrderNotFoundError,
  type OrderRequest,
  type OrderRequestInput,
  OrderRequestSchema,
  OrderStatusSchema,
  type OrderUpdate,
  OrderUpdateSchema,
  PriceAboveMaxCostError,
  type Product,
  type ProductQuery,
  ProductQuerySchema,
  ProductUnavailableError,
  parseInput,
  type StockLevel,
  type SupplierAdapter,
  UnsupportedOperationError,
  ValidationError,
} from "../core/index.js";
import { isoTime, sleep, systemClock } from "../runtime/clock.js";
import { createHttpTransport, type HttpTransportOptions } from "../runtime/http-transport.js";
import { createRedactingLogger } from "../runtime/logging.js";
import type { IdempotencyStore, OrderRecord } from "../stores/idempotency-store.js";
import { MemoryIdempotencyStore } from "../stores/memory-store.js";
import { requestFingerprint } from "./fingerprint.js";
import { createTokenBucket, type RateLimiter, type RateLimitOptions } from "./rate-limiter.js";
import {
  type ResolvedRetryOptions,
  type RetryOptions,
  resolveRetryOptions,
  runWithRetries,
} from "./retry-policy.js";
import { createSupplierHealth, type SupplierHealth, type SupplierHealthOptions } from "./supplier-health.js";
import { applyVerifiedUpdate, type VerifiedUpdateClient } from "./verified-update.js";

export interface SupplierClientOptions {
  adapter: SupplierAdapter;
  /** Write-ahead records. Default: in-process memory. Use a shared store when several processes place orders. */
  store?: IdempotencyStore;
  /** Your own transport, or options for kaquan's (timeouts, keep-alive, agents, proxy). */
  http?: HttpTransport | HttpTransportOptions;
  /** Retries of reads and of requests that provably never left. */
  retry?: RetryOptions;
  /** Most requests in flight to this supplier at once. Default 16. */
  concurrency?: number;
  /**
   * The supplier's request-rate limits, enforced before every request (placements, queries, the
   * poller's polls). Either one limit for every request — `{ requestsPerSecond, burst? }` or your
   * own {@link RateLimiter} (e.g. one shared by several processes) — or per endpoint:
   * `{ default?, placeOrder?, queryOrder?, listProducts?, getProduct?, getStock?, getBalance? }`,
   * where a request takes a token from `default` and from its own endpoint's limit. Default: the
   * adapter's `capabilities.publishedRateLimits` (none for most suppliers).
   */
  rateLimit?: RateLimitOptions | RateLimiter | EndpointRateLimits;
  /** A pino (or compatible) logger. Default: silent. Secrets are removed before it sees anything. */
  logger?: Logger;
  clock?: Clock;
  /**
   * How long `placeOrder` spends resolving an ambiguous outcome by query before it returns the
   * order as `unknown`. Default 15 000 ms. `waitForFinal` continues from there.
   */
  resolveTimeoutMs?: number;
  /** Overrides the adapter's not-found grace window (ms). */
  notFoundGraceMs?: number;
  /** Overrides the adapter's poll interval (ms). */
  pollIntervalMs?: number;
  /** Most re-sends of one order after "not found" (each only when safe). Default 2. */
  maxResends?: number;
  /**
   * How long a placement may hold its record without a store write before it is presumed
   * abandoned by a process that stopped (failure-modes F22: a crash between the write-ahead claim
   * and the end of the send). An abandoned placement is taken over as "sent, no answer" and
   * resolved by query, never failed and never blindly re-sent. Keep it above the longest send
   * (timeout × attempts plus backoff). Default 60 000 ms.
   */
  abandonedPlacementMs?: number;
  /**
   * The supplier's health: a circuit breaker over placements and catalogue/balance reads (order
   * status queries always go through, so orders already at the supplier keep resolving), success
   * rate and latency over a sliding window, and a retry budget shared by every call so an outage
   * is not multiplied by retries. Default: `createSupplierHealth` with its defaults (see
   * docs/health.md); pass options, your own {@link SupplierHealth} (e.g. one kept in sync across
   * processes), or `false` to turn it off.
   */
  health?: SupplierHealth | Omit<SupplierHealthOptions, "supplier"> | false;
  /** Called whenever an order's status changes. Errors it throws are logged, not propagated. */
  onStatusChange?: (order: Order, previous: Order | undefined) => void;
}

/** The client's request kinds, for per-endpoint rate limits. */
export type ClientOperation =
  | "placeOrder"
  | "queryOrder"
  | "listProducts"
  | "getProduct"
  | "getStock"
  | "getBalance";

/** Rate limits per endpoint; `default` applies to every request as well. */
export type EndpointRateLimits = { default?: RateLimitOptions | RateLimiter } & {
  [operation in ClientOperation]?: RateLimitOptions | RateLimiter;
};

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface WaitOptions extends CallOptions {
  /** Give up after this long. Default 120 000 ms. */
  deadlineMs?: number;
}

/** How an order result was reached. */
export interface OrderMeta {
  /** Sends to the supplier made by this call (0 when an existing order was returned). */
  attempts: number;
  /** Time spent waiting between attempts and queries, in ms. */
  totalRetryDelayMs: number;
  /** `answer`: the supplier's own reply; `query`: resolved by querying; `existing`: a stored order. */
  resolvedBy: "answer" | "query" | "existing";
}

/** Record fields written with an update: fixed, or computed from the record being updated. */
type RecordPatch = Partial<OrderRecord> | ((current: OrderRecord) => Partial<OrderRecord>);

/** What applying an update did. */
export interface AppliedUpdate {
  order: Order;
  /** The order before the update (absent when the update created it). */
  previous?: Order;
  statusChanged: boolean;
  /** Set when the update's status was not applied (a late or conflicting state). */
  ignored?: IgnoredReason;
}

/** An order as returned by the client. */
export type OrderResult = Order & { readonly meta: OrderMeta };

export interface SupplierClient {
  readonly supplier: string;
  readonly adapter: SupplierAdapter;
  /** The supplier's health (breaker, window, retry budget); `undefined` when turned off. */
  readonly health: SupplierHealth | undefined;
  listProducts(query?: ProductQuery, options?: CallOptions): Promise<Product[]>;
  getProduct(sku: string, options?: CallOptions): Promise<Product | undefined>;
  getStock(sku: string, quantity?: number, options?: CallOptions): Promise<StockLevel>;
  getBalance(options?: CallOptions): Promise<Balance>;
  /**
   * Places an order at most once per `merchantOrderId`. Resolves with the order (`processing`,
   * a final state, or `unknown` when the outcome could not be learned in time — resolve it with
   * `waitForFinal`). Rejects with a typed error for a definitive rejection, bad input, or an
   * id reused with another request.
   */
  placeOrder(request: OrderRequestInput, options?: CallOptions): Promise<OrderResult>;
  /** Queries the supplier, reduces the answer into the stored order, and returns it. */
  getOrder(merchantOrderId: string, options?: CallOptions): Promise<OrderResult>;
  /** Polls with the supplier's cadence, then backs off, until the order is final or the deadline passes. */
  waitForFinal(merchantOrderId: string, options?: WaitOptions): Promise<OrderResult>;
  /**
   * Applies an update learned elsewhere (a verified callback) through the reducer. Orders this
   * client has no record of are adopted.
   */
  applyUpdate(update: OrderUpdate): Promise<AppliedUpdate>;
  /** The last known state of an order from the store, without asking the supplier. */
  getStoredOrder(merchantOrderId: string): Promise<Order | undefined>;
  /**
   * One resolution step: queries the supplier and reduces the answer; for an order whose
   * placement got no usable answer and that the supplier still does not know past its grace
   * window, re-sends it when that is safe. The poller and `waitForFinal` are built on it.
   */
  refreshOrder(merchantOrderId: string, options?: CallOptions): Promise<OrderResult>;
  /** Orders in the store that are not final (processing or unknown), for pollers and recovery. */
  listPendingOrders(): Promise<Order[]>;
  /** Closes kaquan's keep-alive sockets (not a transport you passed in). */
  close(): void;
}

/** How long a request may wait for rate-limit tokens. */
interface TokenWait {
  /** The caller's signal: an abort stops the wait. */
  signal?: AbortSignal | undefined;
  /** Stop waiting at this time (the client's clock, epoch ms). */
  untilMs?: number | undefined;
}

/**
 * Checks a call's options before anything else runs: a `signal` that is not an AbortSignal
 * would fail deep inside a retry as an untyped TypeError.
 */
function checkCallOptions(callOptions: CallOptions | undefined): void {
  if (callOptions === undefined || callOptions === null) return;
  if (typeof callOptions !== "object")
    throw new ValidationError("call options must be an object, e.g. { signal }", [
      { path: "options", message: "pass { signal?: AbortSignal } or nothing" },
    ]);
  const signal = callOptions.signal as unknown;
  if (
    signal !== undefined &&
    (signal === null ||
      typeof signal !== "object" ||
      typeof (signal as AbortSignal).aborted !== "boolean" ||
      typeof (signal as AbortSignal).addEventListener !== "function" ||
      typeof (signal as AbortSignal).throwIfAborted !== "function")
  )
    throw new ValidationError("signal must be an AbortSignal", [
      { path: "signal", message: "pass an AbortController's signal, e.g. AbortSignal.timeout(10000)" },
    ]);
}

const orderIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Creates a client for one supplier. */
export function createSupplierClient(options: SupplierClientOptions): SupplierClient {
  return createClient(options);
}

function createClient(options: SupplierClientOptions): VerifiedUpdateClient {
  const adapter = options?.adapter;
  if (!adapter || typeof adapter.placeOrder !== "function" || typeof adapter.queryOrder !== "function") {
    throw new ConfigurationError(
      "createSupplierClient needs { adapter }, e.g. createFuluAdapter({ appKey, appSecret })",
    );
  }
  const store = options.store ?? new MemoryIdempotencyStore();
  if (options.http !== undefined && (options.http === null || typeof options.http !== "object"))
    throw new ConfigurationError(
      "http must be an HttpTransport ({ send }) or transport options ({ timeoutMs, ... }); omit it for the default",
    );
  const ownsTransport = !(options.http && "send" in options.http);
  const http: HttpTransport & { close?: () => void } =
    options.http && "send" in options.http
      ? options.http
      : createHttpTransport(options.http as HttpTransportOptions | undefined);
  /** Whether the transport is known to be ready to send (see HttpTransport.ready). */
  let transportReady = typeof http.ready !== "function";
  let readying: Promise<void> | undefined;
  /** Asks the transport once, on the first rate-limited request (not at creation: lazy stays lazy). */
  const transportReadiness = (): Promise<void> =>
    (readying ??= Promise.resolve()
      .then(() => http.ready?.())
      // A transport that cannot get ready says so when it sends (NotSentError).
      .catch(ignoreError)
      .then(() => {
        transportReady = true;
      }));
  const retry: ResolvedRetryOptions = resolveRetryOptions(options.retry);
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ConfigurationError("concurrency must be a whole number ≥ 1");
  const concurrencyLimit = pLimit(concurrency);
  // The supplier's published limits apply unless the merchant sets its own.
  const limiters = resolveRateLimits(options.rateLimit ?? adapter.capabilities.publishedRateLimits);
  const health = resolveHealth(options.health, adapter.name, options.logger);
  /**
   * Every request to the supplier goes through here: the concurrency limit, the rate limits, then
   * the breaker (which refuses before anything is sent) and the health window.
   */
  const limit = <T>(
    operation: ClientOperation,
    run: () => Promise<T>,
    retryOf?: unknown,
    wait: TokenWait = {},
  ): Promise<T> =>
    concurrencyLimit(async () => {
      if (limiters.default || limiters[operation]) {
        // The transport first: a token taken while it loads would let the requests queued
        // behind the load reach the supplier bunched, faster than the limit.
        if (!transportReady) await transportReadiness();
        await acquireTokens(operation, wait);
      }
      if (!health) return run();
      const ticket = health.begin({
        gated: operation !== "queryOrder",
        ...(retryOf !== undefined ? { retryOf } : {}),
      });
      try {
        const value = await run();
        ticket.end("success");
        return value;
      } catch (error) {
        ticket.end({ error });
        throw error;
      }
    });
  /** Retries only what the failure class allows, never past an open breaker or an empty budget. */
  const mayRetry = (error: unknown, classes: readonly string[]) =>
    KaquanError.isInstance(error) &&
    classes.includes(error.failureClass) &&
    error.code !== "aborted" &&
    error.code !== "circuit_open" &&
    (health ? health.canRetry(error) : true);
  const clock = options.clock ?? systemClock;
  const logger = createRedactingLogger(options.logger, { secretValues: adapter.secretValues() });
  /**
   * Waits for the rate limits' tokens, for no longer than the caller allows: an aborted call stops
   * waiting, and a wait that would outlast `untilMs` (resolving a lost answer within
   * `resolveTimeoutMs`) gives up — a supplier that publishes 30 queries per ten minutes would
   * otherwise hold the call far past its deadline. Nothing has been sent while waiting.
   */
  async function acquireTokens(operation: ClientOperation, wait: TokenWait): Promise<void> {
    let signal = wait.signal;
    let deadline: AbortSignal | undefined;
    if (wait.untilMs !== undefined) {
      deadline = AbortSignal.timeout(Math.max(0, wait.untilMs - clock.now()));
      signal = signal ? AbortSignal.any([signal, deadline]) : deadline;
    }
    try {
      await limiters.default?.acquire(signal);
      await limiters[operation]?.acquire(signal);
    } catch (error) {
      if (wait.signal?.aborted) throw normalizeError(error, wait.signal);
      if (deadline?.aborted)
        throw new NotSentError(
          `${supplier}: the rate limit allows no ${operation} before the deadline; nothing was sent`,
          { supplier },
        );
      throw error;
    }
  }
  const capabilities = adapter.capabilities;
  const graceMs = options.notFoundGraceMs ?? capabilities.notFoundGraceMs;
  const pollIntervalMs = options.pollIntervalMs ?? capabilities.pollIntervalMs;
  const resolveTimeoutMs = options.resolveTimeoutMs ?? 15_000;
  const maxResends = options.maxResends ?? 2;
  const abandonedPlacementMs = options.abandonedPlacementMs ?? 60_000;
  if (!(abandonedPlacementMs > 0) || !Number.isFinite(abandonedPlacementMs))
    throw new ConfigurationError(
      "abandonedPlacementMs must be a positive number of milliseconds, e.g. 60000",
    );
  const mayResend = capabilities.duplicateOrderId !== "none" && capabilities.resendAfterNotFound;
  const supplier = adapter.name;
  /** Placements in flight in this process, so concurrent callers share one. */
  const inflight = new Map<string, { fingerprint: string; promise: Promise<OrderResult> }>();

  // Joined, not a template literal: the key is kept with every record, and V8 keeps a built-up
  // `${a}:${b}` as a rope and, once a Map hashes it, a flat copy beside it (64 bytes, not 32).
  const keyOf = (merchantOrderId: string) => [supplier, merchantOrderId].join(":");
  const context = (signal?: AbortSignal): AdapterContext => ({ http, clock, logger, signal });
  // Every state change is stamped; several land in the same millisecond, and formatting a Date
  // is a visible share of an order's own CPU, so the last stamp is reused while the clock stands.
  let lastStampMs = Number.NaN;
  let lastStamp = "";
  const nowIso = () => {
    const now = clock.now();
    if (now !== lastStampMs) {
      lastStamp = isoTime(now);
      lastStampMs = now;
    }
    return lastStamp;
  };

  /** A read, retried on not sent, no answer and throttled. */
  async function read<T>(
    operation: ClientOperation,
    run: (adapterContext: AdapterContext) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    let previous: unknown;
    try {
      const outcome = await runWithRetries(
        (attempt) =>
          limit(operation, () => run(context(signal)), attempt > 1 ? previous : undefined, { signal }).catch(
            (error: unknown) => {
              previous = error;
              throw error;
            },
          ),
        {
          policy: retry,
          signal,
          now: () => clock.now(),
          shouldRetry: (error) => mayRetry(error, ["not_sent", "sent_no_answer", "throttled"]),
        },
      );
      return outcome.value;
    } catch (error) {
      logger.debug({ supplier, operation, error }, "read failed");
      throw normalizeError(error, signal);
    }
  }

  function normalizeError(error: unknown, signal?: AbortSignal): unknown {
    if (KaquanError.isInstance(error)) return error;
    if (signal?.aborted) return new AbortedError("the call was aborted", { supplier });
    return error;
  }

  function fingerprintOf(request: OrderRequest): string {
    return requestFingerprint(request);
  }

  /** Applies an update through the reducer, atomically in the store, and returns the stored record. */
  async function saveUpdate(key: string, update: OrderUpdate, patch?: RecordPatch): Promise<OrderRecord> {
    return (await saveUpdateDescribed(key, update, patch)).record;
  }

  function saveUpdateDescribed(
    key: string,
    update: OrderUpdate,
    patch?: RecordPatch,
  ): Promise<{ record: OrderRecord } & Omit<AppliedUpdate, "order">>;
  /** With `admit`: nothing is written, and `undefined` returned, when it refuses the record. */
  function saveUpdateDescribed(
    key: string,
    update: OrderUpdate,
    patch: RecordPatch | undefined,
    admit: (current: OrderRecord | undefined) => boolean,
  ): Promise<({ record: OrderRecord } & Omit<AppliedUpdate, "order">) | undefined>;
  async function saveUpdateDescribed(
    key: string,
    update: OrderUpdate,
    patch?: RecordPatch,
    admit?: (current: OrderRecord | undefined) => boolean,
  ): Promise<({ record: OrderRecord } & Omit<AppliedUpdate, "order">) | undefined> {
    let previous: Order | undefined;
    let changedStatus = false;
    let ignored: IgnoredReason | undefined;
    let refused = false;
    const stored = await store.update(key, (current) => {
      // May run more than once (see IdempotencyStore.update): each run sets every outcome anew.
      previous = current?.order;
      refused = admit !== undefined && !admit(current);
      if (!current || refused) return undefined;
      // Adapters name their supplier on every update; a copy is made only to fill it in.
      const named = update.supplier === supplier ? update : { ...update, supplier };
      const result = applyUpdate(current.order, named, nowIso());
      changedStatus = result.statusChanged;
      ignored = result.ignored;
      // Object.assign, not spread: in V8 a spread copy that gains properties gets a hidden class of
      // its own, and record writes are on every order's path (1.4 us against 0.17 us per write).
      const fields = typeof patch === "function" ? patch(current) : patch;
      return Object.assign({}, current, fields, { order: result.order, updatedAt: clock.now() });
    });
    if (refused) return undefined;
    if (!stored?.order)
      throw new OrderNotFoundError(`no record for ${key}`, {
        supplier,
        merchantOrderId: update.merchantOrderId,
      });
    if (changedStatus) notify(stored.order, previous);
    return {
      record: stored,
      statusChanged: changedStatus,
      ...(previous ? { previous } : {}),
      ...(ignored ? { ignored } : {}),
    };
  }

  function notify(order: Order, previous: Order | undefined): void {
    logger.info(
      {
        supplier,
        merchantOrderId: order.merchantOrderId,
        status: order.status,
        previousStatus: previous?.status,
        vendorStatus: order.vendorStatus,
      },
      "order status changed",
    );
    try {
      options.onStatusChange?.(order, previous);
    } catch (error) {
      logger.warn({ supplier, merchantOrderId: order.merchantOrderId, error }, "onStatusChange threw");
    }
  }

  function withMeta(order: Order, meta: OrderMeta): OrderResult {
    // Object.assign rather than a spread that then gains `meta` (see saveUpdateDescribed).
    return Object.assign({}, order, { meta });
  }

  function unknownOrder(record: OrderRecord, reason: string): Order {
    return {
      merchantOrderId: record.merchantOrderId,
      supplier,
      status: "unknown",
      cards: [],
      createdAt: isoTime(record.createdAt),
      updatedAt: nowIso(),
      unknownReason: reason,
      kind: record.request.kind,
      ...(record.request.sku ? { sku: record.request.sku } : {}),
      quantity: record.request.quantity,
      ...(record.request.account ? { account: record.request.account } : {}),
    };
  }

  /** Checks `maxCost` against the supplier's quote before anything is sent. */
  async function guardMaxCost(request: OrderRequest, signal?: AbortSignal): Promise<void> {
    if (!request.maxCost) return;
    const details = { supplier, merchantOrderId: request.merchantOrderId };
    if (!request.sku) {
      throw new PriceAboveMaxCostError(
        "maxCost needs a sku the supplier can quote; this order has none, so it was not sent",
        details,
      );
    }
    const sku = request.sku;
    let product: Product | undefined;
    try {
      product = await read("getProduct", (adapterContext) => adapter.getProduct(sku, adapterContext), signal);
    } catch (error) {
      // The quote is a read made before anything is sent: however it failed, the order never
      // left. Its own class ("sent, no answer" for a garbled quote) would tell the caller the
      // order's outcome is unknown, for an order kaquan then holds no record of.
      if (KaquanError.isInstance(error) && error.failureClass === "sent_no_answer") {
        throw new NotSentError(
          `${supplier} could not quote ${sku} (${error.code}), so maxCost cannot be checked; the order was not sent. Place it again with the same merchantOrderId`,
          { ...details, cause: error },
        );
      }
      throw error;
    }
    if (!product)
      throw new ProductUnavailableError(
        `${supplier} does not know sku ${sku}; the order was not sent`,
        details,
      );
    if (!product.price) {
      throw new PriceAboveMaxCostError(
        `${supplier} did not quote a price for ${sku}, so maxCost cannot be guaranteed; the order was not sent`,
        details,
      );
    }
    const cost = multiplyMoney(product.price, request.quantity);
    if (product.price.currency !== request.maxCost.currency) {
      throw new PriceAboveMaxCostError(
        `${supplier} quotes ${sku} in ${product.price.currency} but maxCost is in ${request.maxCost.currency}; pass maxCost in ${product.price.currency}. The order was not sent`,
        details,
      );
    }
    if (compareMoney(cost, request.maxCost) > 0) {
      throw new PriceAboveMaxCostError(
        `the order would cost ${cost.amount} ${cost.currency}, above maxCost ${request.maxCost.amount} ${request.maxCost.currency}; it was not sent`,
        details,
      );
    }
  }

  /**
   * Sends the order, retrying only what provably never left (or was throttled). Returns the
   * supplier's answer, or `undefined` when the outcome is ambiguous and must be resolved by query.
   */
  async function send(
    key: string,
    request: OrderRequest,
    signal: AbortSignal | undefined,
    meta: OrderMeta,
    preCounted = false,
    firstUpdate?: OrderUpdate,
  ): Promise<{ update?: OrderUpdate; duplicate?: boolean; rejected?: KaquanError }> {
    let previous: unknown;
    try {
      const outcome = await runWithRetries(
        async (attempt) => {
          // Write-ahead: the send is recorded before the first byte can leave. A re-send was
          // already counted by the atomic claim that allowed it. A first placement records the
          // order ("being sent") in the same write: one store round trip fewer per order.
          if (attempt === 1 && firstUpdate) {
            await saveUpdate(key, firstUpdate, (current) => ({
              sends: current.sends + 1,
              lastSentAt: clock.now(),
            }));
          } else if (!(preCounted && attempt === 1)) {
            await store.update(key, (current) =>
              current
                ? Object.assign({}, current, {
                    sends: current.sends + 1,
                    lastSentAt: clock.now(),
                    updatedAt: clock.now(),
                  })
                : undefined,
            );
          }
          meta.attempts += 1;
          // Whether the adapter was called: a rate limiter (a shared one in Redis can fail) or the
          // breaker that refuses first has sent nothing, whatever its error says.
          let handedToAdapter = false;
          try {
            return await limit(
              "placeOrder",
              () => {
                handedToAdapter = true;
                return adapter.placeOrder(request, context(signal));
              },
              attempt > 1 ? previous : undefined,
              { signal },
            );
          } catch (thrown) {
            const error =
              handedToAdapter || KaquanError.isInstance(thrown)
                ? thrown
                : new NotSentError(
                    `${supplier}: the order was not sent (${thrown instanceof Error ? thrown.name : typeof thrown} before the request)`,
                    {
                      supplier,
                      merchantOrderId: request.merchantOrderId,
                      cause: thrown,
                    },
                  );
            previous = error;
            if (
              !handedToAdapter ||
              (KaquanError.isInstance(error) &&
                (error.failureClass === "not_sent" ||
                  error.failureClass === "throttled" ||
                  error.code === "validation_error"))
            ) {
              // It never left, or the supplier refused to take it: take the send back so the
              // record stays truthful (a record with no sends may be released and reused).
              await store.update(key, (current) =>
                current ? Object.assign({}, current, { sends: Math.max(0, current.sends - 1) }) : undefined,
              );
            }
            throw error;
          }
        },
        {
          policy: retry,
          signal,
          now: () => clock.now(),
          shouldRetry: (error) => mayRetry(error, ["not_sent", "throttled"]),
        },
      );
      meta.totalRetryDelayMs += outcome.totalRetryDelayMs;
      return { update: outcome.value };
    } catch (caught) {
      const error = normalizeError(caught, signal);
      if (KaquanError.isInstance(error)) {
        meta.totalRetryDelayMs += error.totalRetryDelayMs ?? 0;
        logger.warn({ supplier, merchantOrderId: request.merchantOrderId, error }, "place order failed");
        if (error.failureClass === "duplicate") return { duplicate: true };
        if (error.failureClass === "rejected" || error.failureClass === "local") return { rejected: error };
        if (error.failureClass === "not_sent" || error.failureClass === "throttled")
          return { rejected: error };
        return {}; // sent, no answer; unrecognised vendor error; unreadable or unverifiable answer
      }
      // Anything else (a bug, a non-kaquan error) happened somewhere during a send: ambiguous.
      logger.error(
        { supplier, merchantOrderId: request.merchantOrderId, error },
        "unexpected error while placing an order",
      );
      return {};
    }
  }

  /** Queries the order; `undefined` for "not found", `null` when the query itself failed. */
  async function query(
    merchantOrderId: string,
    request: OrderRequest | undefined,
    signal?: AbortSignal,
    untilMs?: number,
  ): Promise<OrderUpdate | undefined | null> {
    try {
      const hint = request ? { kind: request.kind, ...(request.sku ? { sku: request.sku } : {}) } : undefined;
      return await limit(
        "queryOrder",
        () => adapter.queryOrder(merchantOrderId, context(signal), hint),
        undefined,
        { signal, untilMs },
      );
    } catch (error) {
      if (signal?.aborted) throw normalizeError(error, signal);
      logger.debug({ supplier, merchantOrderId, error }, "order query failed");
      return null;
    }
  }

  /**
   * Claims one re-send across every caller and process: the store's atomic update only lets the
   * caller that saw `sends === expected` through.
   */
  async function claimResend(key: string, expectedSends: number): Promise<boolean> {
    let won = false;
    await store.update(key, (current) => {
      // The store may run this more than once (a lost compare-and-set): only the last run counts.
      won = false;
      if (!current || current.sends !== expectedSends || !current.resendable || current.placing)
        return undefined;
      won = true;
      const now = clock.now();
      return Object.assign({}, current, {
        sends: current.sends + 1,
        lastSentAt: now,
        placing: true,
        updatedAt: now,
      });
    });
    return won;
  }

  /**
   * Resolves an order whose placement got no usable answer: query until the supplier knows it;
   * re-send only when it says "not found" past the grace window and re-sending is safe.
   */
  async function resolve(
    key: string,
    request: OrderRequest,
    signal: AbortSignal | undefined,
    meta: OrderMeta,
    untilMs: number,
  ): Promise<OrderResult> {
    let queries = 0;
    while (clock.now() < untilMs) {
      const delay = Math.min(
        queries === 0 ? Math.min(pollIntervalMs, 500) : pollIntervalMs,
        Math.max(0, untilMs - clock.now()),
      );
      meta.totalRetryDelayMs += delay;
      await sleep(delay, signal).catch((error) => {
        throw normalizeError(error, signal);
      });
      queries += 1;
      const step = await resolveStep(key, request, signal, meta, untilMs);
      if (step === "released") break;
      if (step) return step;
    }
    return unresolved(key, request, meta);
  }

  /**
   * One resolution step: a query, and the re-send it allows. Returns the order once the supplier
   * has told its outcome, `"released"` when the record is gone, `undefined` while unresolved.
   * `untilMs` bounds the wait for a rate-limit token; without it the query waits as `getOrder` does.
   */
  async function resolveStep(
    key: string,
    request: OrderRequest,
    signal: AbortSignal | undefined,
    meta: OrderMeta,
    untilMs?: number,
  ): Promise<OrderResult | "released" | undefined> {
    const found = await query(request.merchantOrderId, request, signal, untilMs);
    if (found) {
      const stored = await saveUpdate(key, found, { resendable: false });
      return withMeta(stored.order!, { ...meta, resolvedBy: "query" });
    }
    if (found === null) return undefined; // the query itself failed: nothing learned
    const record = await store.get(key);
    if (!record) return "released";
    const resends = record.sends - 1;
    const sinceSend = clock.now() - (record.lastSentAt ?? record.createdAt);
    if (
      mayResend &&
      record.resendable &&
      sinceSend >= graceMs &&
      resends < maxResends &&
      (await claimResend(key, record.sends))
    ) {
      logger.warn(
        { supplier, merchantOrderId: request.merchantOrderId, sinceSend },
        "supplier has no such order past the grace window; re-sending the same id",
      );
      const outcome = await send(key, request, signal, meta, true).finally(() => markPlaced(key));
      return settle(key, request, outcome, meta);
    }
    return undefined;
  }

  /** The order when resolution ends without the supplier's word: `unknown`, never failed. */
  async function unresolved(key: string, request: OrderRequest, meta: OrderMeta): Promise<OrderResult> {
    const record = await store.get(key);
    const reason = "no usable answer after the order was sent, and the supplier has not confirmed it yet";
    if (record?.order && record.order.status !== "unknown")
      return withMeta(record.order, { ...meta, resolvedBy: "existing" });
    const stored = record
      ? await saveUpdate(key, { ...unknownOrder(record, reason), source: "local" })
      : undefined;
    return withMeta(stored?.order ?? unknownOrderFallback(request, reason), { ...meta, resolvedBy: "query" });
  }

  function unknownOrderFallback(request: OrderRequest, reason: string): Order {
    return {
      merchantOrderId: request.merchantOrderId,
      supplier,
      status: "unknown",
      cards: [],
      createdAt: nowIso(),
      updatedAt: nowIso(),
      unknownReason: reason,
    };
  }

  /**
   * Turns a send outcome into a result: an answer is saved; a rejection is recorded as failed and
   * thrown; `undefined` means "still ambiguous, keep resolving".
   */
  async function settle(
    key: string,
    request: OrderRequest,
    outcome: Awaited<ReturnType<typeof send>>,
    meta: OrderMeta,
  ): Promise<OrderResult | undefined> {
    if (outcome.update) {
      const stored = await saveUpdate(key, outcome.update, { resendable: false, placing: false });
      return withMeta(stored.order!, { ...meta, resolvedBy: "answer" });
    }
    if (outcome.rejected) {
      const error = outcome.rejected;
      error.attempts = meta.attempts;
      error.totalRetryDelayMs = meta.totalRetryDelayMs;
      const record = await store.get(key);
      if (record && record.sends === 0) {
        await store.release(key, record.fingerprint); // it never left: the id may be used again
      } else if (error.code === "idempotency_conflict") {
        // The supplier holds a different order under this id (e.g. a replayed externalRefID). That
        // order is real and may be fulfilled: never record it failed, never re-send; flag it.
        await saveUpdate(
          key,
          {
            merchantOrderId: request.merchantOrderId,
            status: "unknown",
            source: "local",
            unknownReason: "the supplier holds a different order under this id; resolve it by hand",
          },
          { resendable: false },
        );
      } else if (error.failureClass === "rejected") {
        await saveUpdate(
          key,
          {
            merchantOrderId: request.merchantOrderId,
            status: "failed",
            source: "place",
            failure: {
              code: error.code,
              message: error.message,
              ...(error.vendorCode ? { vendorCode: error.vendorCode } : {}),
              ...(error.vendorMessage ? { vendorMessage: error.vendorMessage } : {}),
            },
          },
          { resendable: false },
        );
      } else {
        return undefined; // throttled or not sent after an earlier ambiguous send: keep resolving
      }
      throw error;
    }
    if (outcome.duplicate)
      await store.update(key, (current) =>
        current ? Object.assign({}, current, { resendable: false }) : undefined,
      );
    return undefined;
  }

  async function runPlacement(
    request: OrderRequest,
    fingerprint: string,
    signal?: AbortSignal,
  ): Promise<OrderResult> {
    const key = keyOf(request.merchantOrderId);
    const now = clock.now();
    const claim = await store.claim({
      key,
      supplier,
      merchantOrderId: request.merchantOrderId,
      fingerprint,
      request,
      sends: 0,
      resendable: true,
      placing: true,
      createdAt: now,
      updatedAt: now,
    });
    if (!claim.claimed) return existingOrder(claim.existing, fingerprint, signal);
    const meta: OrderMeta = { attempts: 0, totalRetryDelayMs: 0, resolvedBy: "answer" };
    try {
      await guardMaxCost(request, signal);
    } catch (error) {
      await store.release(key, fingerprint);
      throw error;
    }
    const beingSent: OrderUpdate = {
      merchantOrderId: request.merchantOrderId,
      status: "unknown",
      source: "local",
      kind: request.kind,
      quantity: request.quantity,
      ...(request.sku ? { sku: request.sku } : {}),
      ...(request.account ? { account: request.account } : {}),
      unknownReason: "the order is being sent",
    };
    let outcome: Awaited<ReturnType<typeof send>>;
    try {
      outcome = await send(key, request, signal, meta, false, beingSent);
    } catch (error) {
      await markPlaced(key);
      throw error;
    }
    // An answer is recorded together with the end of the placement (settle); any other outcome
    // ends the placement first, as before.
    if (!outcome.update) await markPlaced(key);
    const settled = await settle(key, request, outcome, meta);
    if (settled) {
      warnIfAboveMaxCost(request, settled);
      return settled;
    }
    await saveUpdate(key, {
      merchantOrderId: request.merchantOrderId,
      status: "unknown",
      source: "local",
      unknownReason: outcome.duplicate
        ? "the supplier says this id is already used; querying it"
        : "no usable answer after the order was sent; querying it",
    });
    return resolve(key, request, signal, meta, clock.now() + resolveTimeoutMs);
  }

  /** A placement whose placer has written nothing for `abandonedPlacementMs`: its process stopped. */
  const isAbandoned = (record: OrderRecord): boolean =>
    record.placing && clock.now() - record.updatedAt > abandonedPlacementMs;

  /**
   * Takes over an abandoned placement (F22). Whether its request left cannot be known, so it
   * becomes "sent, no answer": the query resolves it, and it is re-sent only where and when an
   * ordinary unanswered send would be (past the grace window, on a supplier that refuses
   * duplicate ids). Without this the record stayed `placing` forever: no poller listed it and
   * every later placeOrder waited on a placer that no longer exists.
   */
  async function reclaimAbandoned(key: string): Promise<OrderRecord | undefined> {
    let taken = false;
    const record = await store.update(key, (current) => {
      // The mutation may run more than once (an optimistic store retries it): no side effects.
      taken = false;
      if (!current || !isAbandoned(current)) return undefined;
      taken = true;
      const now = clock.now();
      return {
        ...current,
        placing: false,
        sends: Math.max(1, current.sends),
        lastSentAt: current.lastSentAt ?? now,
        updatedAt: now,
        order: current.order ?? unknownOrder(current, "the process placing it stopped; querying it"),
      };
    });
    if (taken && record) {
      logger.warn(
        { supplier, merchantOrderId: record.merchantOrderId },
        "placement abandoned by a stopped process; resolving it by query",
      );
    }
    return taken ? record : undefined;
  }

  async function markPlaced(key: string): Promise<void> {
    await store.update(key, (current) =>
      current?.placing ? Object.assign({}, current, { placing: false, updatedAt: clock.now() }) : undefined,
    );
  }

  function warnIfAboveMaxCost(request: OrderRequest, order: Order): void {
    if (
      request.maxCost &&
      order.cost &&
      order.cost.currency === request.maxCost.currency &&
      compareMoney(order.cost, request.maxCost) > 0
    ) {
      logger.warn(
        { supplier, merchantOrderId: order.merchantOrderId, cost: order.cost, maxCost: request.maxCost },
        "the supplier charged more than maxCost",
      );
    }
  }

  async function existingOrder(
    existing: OrderRecord,
    fingerprint: string,
    signal?: AbortSignal,
  ): Promise<OrderResult> {
    if (existing.fingerprint !== fingerprint) {
      throw new IdempotencyConflictError(
        `merchantOrderId ${existing.merchantOrderId} was already used for a different order; use a new id for a new order`,
        { supplier, merchantOrderId: existing.merchantOrderId },
      );
    }
    // Placed by another caller (or process): wait briefly for its outcome rather than guess.
    const until = clock.now() + resolveTimeoutMs;
    let record: OrderRecord | undefined = existing;
    while (record?.placing && clock.now() < until) {
      await sleep(Math.min(100, pollIntervalMs), signal);
      record = await store.get(existing.key);
    }
    const meta: OrderMeta = { attempts: 0, totalRetryDelayMs: 0, resolvedBy: "existing" };
    if (!record) {
      throw new OrderNotFoundError(
        `order ${existing.merchantOrderId} was released before it was sent; place it again`,
        {
          supplier,
          merchantOrderId: existing.merchantOrderId,
        },
      );
    }
    return withMeta(record.order ?? unknownOrder(record, "being placed by another caller"), meta);
  }

  async function getOrder(merchantOrderId: string, callOptions: CallOptions = {}): Promise<OrderResult> {
    checkCallOptions(callOptions);
    if (typeof merchantOrderId !== "string" || !orderIdPattern.test(merchantOrderId)) {
      throw new ValidationError("merchantOrderId must be 1-64 characters of letters, digits, '-' or '_'", [
        { path: "merchantOrderId", message: "pass the id you placed the order with" },
      ]);
    }
    const key = keyOf(merchantOrderId);
    const record = await store.get(key);
    const found = await read(
      "queryOrder",
      async (adapterContext) => {
        const hint = record
          ? { kind: record.request.kind, ...(record.request.sku ? { sku: record.request.sku } : {}) }
          : undefined;
        return adapter.queryOrder(merchantOrderId, adapterContext, hint);
      },
      callOptions.signal,
    );
    const meta: OrderMeta = { attempts: 0, totalRetryDelayMs: 0, resolvedBy: "query" };
    if (found) {
      if (!record) {
        // Known to the supplier but not to this store (placed elsewhere): adopt it.
        await store.update(key, (current) => current ?? adoptedRecord(key, merchantOrderId, found));
      }
      const stored = await saveUpdate(key, found, { resendable: false });
      return withMeta(stored.order!, meta);
    }
    if (!record) {
      throw new OrderNotFoundError(`neither kaquan nor ${supplier} knows order ${merchantOrderId}`, {
        supplier,
        merchantOrderId,
      });
    }
    return withMeta(record.order ?? unknownOrder(record, "the supplier has not confirmed the order yet"), {
      ...meta,
      resolvedBy: "existing",
    });
  }

  /** `key` is the one the store is keyed by: one string for both (a copy costs 32 bytes an order). */
  function adoptedRecord(key: string, merchantOrderId: string, update: OrderUpdate): OrderRecord {
    const now = clock.now();
    return {
      key,
      supplier,
      merchantOrderId,
      fingerprint: "",
      request: {
        merchantOrderId,
        kind: update.kind ?? "direct",
        quantity: update.quantity ?? 1,
        ...(update.sku ? { sku: update.sku } : {}),
      },
      sends: 1,
      resendable: false,
      placing: false,
      createdAt: now,
      updatedAt: now,
    };
  }

  async function refreshOrder(merchantOrderId: string, callOptions: CallOptions = {}): Promise<OrderResult> {
    checkCallOptions(callOptions);
    const key = keyOf(merchantOrderId);
    let record = await store.get(key);
    if (record && isAbandoned(record)) record = (await reclaimAbandoned(key)) ?? (await store.get(key));
    if (record?.resendable && record.sends > 0 && !record.placing && mayResend) {
      // Placed with no usable answer and still unconfirmed: one resolution step, as placeOrder
      // takes them (query; re-send the same id only past the grace window). Exactly one step,
      // not a deadline: a deadline a moment away on the clock passed before the first query
      // whenever the process was descheduled, and the order stayed `unknown` unasked.
      const meta: OrderMeta = { attempts: 0, totalRetryDelayMs: 0, resolvedBy: "query" };
      const step = await resolveStep(key, record.request, callOptions.signal, meta);
      return step && step !== "released" ? step : unresolved(key, record.request, meta);
    }
    return getOrder(merchantOrderId, callOptions);
  }

  async function waitForFinal(merchantOrderId: string, waitOptions: WaitOptions = {}): Promise<OrderResult> {
    checkCallOptions(waitOptions);
    const deadlineMs = waitOptions.deadlineMs ?? 120_000;
    if (typeof deadlineMs !== "number" || !(deadlineMs >= 0) || !Number.isFinite(deadlineMs)) {
      throw new ValidationError("deadlineMs must be a finite number of milliseconds ≥ 0", [
        { path: "deadlineMs", message: "pass how long to wait, e.g. { deadlineMs: 120000 }" },
      ]);
    }
    const until = clock.now() + deadlineMs;
    const signal = waitOptions.signal;
    let polls = 0;
    let delay = pollIntervalMs;
    let last: OrderResult | undefined;
    for (;;) {
      try {
        last = await refreshOrder(merchantOrderId, { ...(signal ? { signal } : {}) });
      } catch (error) {
        if (!KaquanError.isInstance(error) || error.code === "validation_error" || error.code === "aborted")
          throw error;
        if (error.code === "order_not_found" && !(await store.get(keyOf(merchantOrderId)))) throw error;
        logger.debug({ supplier, merchantOrderId, error }, "poll failed; will poll again");
      }
      if (last && isFinal(last.status)) return last;
      const remaining = until - clock.now();
      if (remaining <= 0) break;
      polls += 1;
      // The supplier's cadence for the first polls, then exponential backoff with jitter.
      if (polls > 5) delay = Math.min(delay * 1.5, 30_000);
      const wait = Math.min(remaining, Math.round(delay * (0.8 + Math.random() * 0.4)));
      await sleep(wait, signal).catch((error) => {
        throw normalizeError(error, signal);
      });
    }
    const order = last ?? (await store.get(keyOf(merchantOrderId)))?.order;
    throw new DeadlineExceededError(
      `order ${merchantOrderId} is still ${order?.status ?? "unknown"} after ${deadlineMs} ms; keep polling with waitForFinal or getOrder`,
      order,
      { supplier, merchantOrderId },
    );
  }

  return {
    supplier,
    adapter,
    health,

    async listProducts(query = {}, callOptions = {}) {
      checkCallOptions(callOptions);
      const parsed = parseInput(ProductQuerySchema, query, "product query");
      return read(
        "listProducts",
        (adapterContext) => adapter.listProducts(parsed, adapterContext),
        callOptions.signal,
      );
    },

    async getProduct(sku, callOptions = {}) {
      checkCallOptions(callOptions);
      requireText(sku, "sku");
      return read(
        "getProduct",
        (adapterContext) => adapter.getProduct(sku, adapterContext),
        callOptions.signal,
      );
    },

    async getStock(sku, quantity = 1, callOptions = {}) {
      checkCallOptions(callOptions);
      requireText(sku, "sku");
      if (!Number.isInteger(quantity) || quantity < 1) {
        throw new ValidationError("quantity must be a whole number ≥ 1", [
          { path: "quantity", message: "pass how many units you want to buy" },
        ]);
      }
      const getStock = adapter.getStock?.bind(adapter);
      if (!getStock) throw new UnsupportedOperationError(`${supplier} has no stock API`, { supplier });
      return read(
        "getStock",
        (adapterContext) => getStock(sku, quantity, adapterContext),
        callOptions.signal,
      );
    },

    async getBalance(callOptions = {}) {
      checkCallOptions(callOptions);
      const getBalance = adapter.getBalance?.bind(adapter);
      if (!getBalance) throw new UnsupportedOperationError(`${supplier} has no balance API`, { supplier });
      return read("getBalance", (adapterContext) => getBalance(adapterContext), callOptions.signal);
    },

    placeOrder(input, callOptions = {}) {
      let request: OrderRequest;
      try {
        checkCallOptions(callOptions);
        request = parseInput(OrderRequestSchema, input, "order request");
        if (!capabilities.orderKinds.includes(request.kind)) {
          throw new ValidationError(`${supplier} does not take ${request.kind} orders`, [
            { path: "kind", message: `use one of: ${capabilities.orderKinds.join(", ")}` },
          ]);
        }
      } catch (error) {
        return Promise.reject(error);
      }
      const fingerprint = fingerprintOf(request);
      const key = keyOf(request.merchantOrderId);
      const running = inflight.get(key);
      if (running) {
        if (running.fingerprint !== fingerprint) {
          return Promise.reject(
            new IdempotencyConflictError(
              `merchantOrderId ${request.merchantOrderId} is being placed with a different request; use a new id for a new order`,
              { supplier, merchantOrderId: request.merchantOrderId },
            ),
          );
        }
        return running.promise.then((order) =>
          withMeta(order, { ...order.meta, attempts: 0, resolvedBy: "existing" }),
        );
      }
      const promise = runPlacement(request, fingerprint, callOptions.signal).finally(() =>
        inflight.delete(key),
      );
      inflight.set(key, { fingerprint, promise });
      return promise;
    },

    getOrder,
    waitForFinal,

    async applyUpdate(input) {
      const update = parseInput(OrderUpdateSchema, input, "order update");
      const key = keyOf(update.merchantOrderId);
      if (!(await store.get(key)))
        await store.update(key, (current) => current ?? adoptedRecord(key, update.merchantOrderId, update));
      const { record, ...applied } = await saveUpdateDescribed(key, update, { resendable: false });
      return { order: record.order!, ...applied };
    },

    async [applyVerifiedUpdate](update: OrderUpdate, accept?: (stored: Order) => boolean) {
      // Only the fields the reducer and the store key on are checked here; the full schema
      // (about a microsecond per callback) is the adapter's contract, checked by the conformance
      // suite. Anything off takes the public path, whose error names the field.
      if (!isKeyedUpdate(update)) return { kind: "applied" as const, ...(await this.applyUpdate(update)) };
      let held: Order | undefined;
      let known = false;
      const outcome = await saveUpdateDescribed(
        keyOf(update.merchantOrderId),
        update,
        { resendable: false },
        (current) => {
          // May run more than once (a shared store retries a lost compare-and-set): reset first.
          held = undefined;
          known = current?.order !== undefined;
          // Not written down yet (or its placement has not recorded an order): refused, so the
          // supplier sends it again — a callback never creates an order.
          if (!current?.order) return false;
          if (accept && !accept(current.order)) {
            held = current.order;
            return false;
          }
          return true;
        },
      );
      // Refused: either no order (`known` false) or `accept` held the stored one.
      if (!outcome) return known ? { kind: "held" as const, order: held! } : { kind: "no_order" as const };
      const { record, ...applied } = outcome;
      return { kind: "applied" as const, order: record.order!, ...applied };
    },

    async getStoredOrder(merchantOrderId) {
      return (await store.get(keyOf(merchantOrderId)))?.order;
    },

    refreshOrder,

    async listPendingOrders() {
      if (!store.listPending) {
        throw new ConfigurationError(
          "this IdempotencyStore cannot list pending orders (listPending), which the poller needs",
        );
      }
      const records = await store.listPending(supplier);
      // An abandoned placement is listed too, so the poller's refreshOrder takes it over.
      return records
        .filter((record) => (record.placing ? isAbandoned(record) : record.order !== undefined))
        .map((record) => record.order ?? unknownOrder(record, "the process placing it stopped; querying it"));
    },

    close() {
      if (ownsTransport) http.close?.();
    },
  };
}

function ignoreError(): void {}

const orderStatuses: ReadonlySet<unknown> = new Set(OrderStatusSchema.options);
const updateSources: ReadonlySet<unknown> = new Set(OrderUpdateSchema.shape.source.options);

/** Whether the fields the reducer and the store key on are well formed. */
function isKeyedUpdate(update: OrderUpdate): boolean {
  return (
    typeof update === "object" &&
    update !== null &&
    typeof update.merchantOrderId === "string" &&
    update.merchantOrderId.length > 0 &&
    orderStatuses.has(update.status) &&
    updateSources.has(update.source)
  );
}

const operations: readonly ClientOperation[] = [
  "placeOrder",
  "queryOrder",
  "listProducts",
  "getProduct",
  "getStock",
  "getBalance",
];

function resolveHealth(
  option: SupplierClientOptions["health"],
  supplier: string,
  logger: Logger | undefined,
): SupplierHealth | undefined {
  if (option === false) return undefined;
  if (option && "begin" in option) return option;
  return createSupplierHealth({
    ...(option ?? {}),
    supplier,
    ...(logger ? { logger: createRedactingLogger(logger) } : {}),
  });
}

function asLimiter(limit: RateLimitOptions | RateLimiter): RateLimiter {
  return "acquire" in limit ? limit : createTokenBucket(limit);
}

/** One limiter for `default` and each endpoint that has its own limit. */
function resolveRateLimits(
  rateLimit: RateLimitOptions | RateLimiter | EndpointRateLimits | undefined,
): Partial<Record<ClientOperation | "default", RateLimiter>> {
  if (rateLimit === undefined) return {};
  if ("acquire" in rateLimit || "requestsPerSecond" in rateLimit) {
    return { default: asLimiter(rateLimit as RateLimitOptions | RateLimiter) };
  }
  const limits = rateLimit as EndpointRateLimits;
  const unknown = Object.keys(limits).filter(
    (key) => key !== "default" && !operations.includes(key as ClientOperation),
  );
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `rateLimit has unknown endpoint(s) ${unknown.join(", ")}: use default, ${operations.join(", ")}`,
    );
  }
  const resolved: Partial<Record<ClientOperation | "default", RateLimiter>> = {};
  for (const [key, value] of Object.entries(limits)) {
    if (value) resolved[key as ClientOperation | "default"] = asLimiter(value);
  }
  return resolved;
}

function requireText(value: unknown, field: string): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new ValidationError(`${field} must be a non-empty string`, [
      { path: field, message: `pass the supplier's ${field}` },
    ]);
  }
}
