/**
 * The supplier router: "buy this sku from the best supplier that can deliver it now", as one call,
 * without ever sending one order twice.
 *
 * A merchant sku maps to offers from several supplier clients. `placeOrder` tries them in the
 * strategy's order among those that are admitted, healthy, not known to be out of stock and within
 * `maxCost`, and moves to the next one only after a definitive failure (see fail-over-rules.ts).
 * Each attempt carries its own supplier reference derived from the merchant order id, and every
 * attempt is written to the route store before the supplier is asked, so a crash or a second
 * process resumes that attempt rather than starting another.
 */
import { z } from "zod";
import { requestFingerprint } from "../client/fingerprint.js";
import { createStockCache, type StockCacheOptions } from "../client/stock-cache.js";
import type { CallOptions, OrderMeta, SupplierClient, WaitOptions } from "../client/supplier-client.js";
import {
  AccountFieldsSchema,
  ConfigurationError,
  compareMoney,
  IdempotencyConflictError,
  KaquanError,
  type Logger,
  MoneySchema,
  multiplyMoney,
  NoSupplierAvailableError,
  type Order,
  OrderNotFoundError,
  type OrderRequestInput,
  parseInput,
  type RouteAttemptSummary,
  type StockLevel,
  ValidationError,
} from "../core/index.js";
import { createRedactingLogger } from "../runtime/logging.js";
import {
  MemoryRouteStore,
  type RouteAttempt,
  type RouteRecord,
  type RouteStore,
} from "../stores/route-store.js";
import { failOverDecisionFor, failOverDecisionOf } from "./fail-over-rules.js";
import { parseRoutes, type Route, type RouteInput, type RouteOffer } from "./route-table.js";
import {
  type CandidateOffer,
  type OfferHealth,
  type RoutingStrategy,
  type RoutingStrategyName,
  routingStrategies,
} from "./routing-strategy.js";

/** What the router reads of a supplier's health (a client's `health`, see `createSupplierHealth`). */
export interface RouterHealthSource {
  /** False while the supplier's breaker refuses requests. */
  isAvailable(): boolean;
  /** Counts and latencies over the health window. */
  stats(): { requests: number; successRate?: number | undefined; latencyMs?: { p50: number } | undefined };
  /** A JSON-safe snapshot (a client's `health` has one: breaker state, window stats, retry budget). */
  snapshot?(): unknown;
}

/** One supplier's entry in {@link SupplierRouter.health}. */
export interface RouterSupplierHealth {
  /** False while the supplier's breaker refuses requests; true for a supplier without health. */
  available: boolean;
  /** The health window's counts and latencies; absent for a supplier without health. */
  stats?: ReturnType<RouterHealthSource["stats"]>;
  /** The health source's own snapshot (see `SupplierHealth.snapshot`), when it has one. */
  snapshot?: unknown;
}

/** What the router reads of a supplier's stock (see `createStockCache`). */
export interface RouterStockSource {
  isKnownEmpty(sku: string, quantity?: number): boolean;
  recordOutOfStock(sku: string): void;
  getStock(sku: string, quantity?: number, options?: CallOptions): Promise<StockLevel>;
}

/** What the router asks of an admission policy (see `createAdmissionPolicy`). */
export interface RouterAdmission {
  evaluate(
    supplier: string,
    context?: { brand?: string; kind?: "direct" | "card" | "mobile" },
  ): {
    admitted: boolean;
    refusals: ReadonlyArray<{ rule: string; fact: string; message: string }>;
    warnings: ReadonlyArray<{ rule: string; fact: string; message: string }>;
  };
}

/** One supplier behind the router, with its optional health and stock sources. */
export interface RouterSupplier {
  client: SupplierClient;
  /** Default: `client.health` when the client has one. */
  health?: RouterHealthSource | undefined;
  /**
   * A stock source over this client, e.g. `createStockCache({ client, ttlMs })`. Default: a stock
   * cache with the router's `stockCache` options; `false`: stock is never consulted.
   */
  stock?: RouterStockSource | false | undefined;
}

/** How each attempt's supplier reference is made from the merchant order id, and read back. */
export interface ReferenceFormat {
  /** The id sent to the supplier for attempt `attempt` (1, 2, …). Must be unique per order and attempt. */
  format(merchantOrderId: string, attempt: number): string;
  /** The inverse, for callbacks: `undefined` when the reference is not one of the router's. */
  parse(reference: string): { merchantOrderId: string; attempt: number } | undefined;
}

/** `<merchantOrderId>-<attempt>`, e.g. `M1001-1`, `M1001-2`. */
export const defaultReferenceFormat: ReferenceFormat = {
  format: (merchantOrderId, attempt) => `${merchantOrderId}-${attempt}`,
  parse(reference) {
    const match = /^(.+)-(\d{1,3})$/.exec(reference);
    if (!match) return undefined;
    return { merchantOrderId: match[1]!, attempt: Number(match[2]) };
  },
};

/** Something the router did, for metrics and alerts. */
export type RouterEvent =
  | { type: "offer_skipped"; merchantOrderId: string; supplier: string; code: string; message: string }
  | {
      type: "attempt_rejected";
      merchantOrderId: string;
      supplier: string;
      reference: string;
      code: string;
      failOver: boolean;
    }
  | { type: "order_placed"; merchantOrderId: string; supplier: string; reference: string; attempt: number }
  | { type: "order_held"; merchantOrderId: string; supplier: string; reference: string; reason: string }
  | { type: "routes_exhausted"; merchantOrderId: string; attempts: readonly RouteAttemptSummary[] }
  | { type: "admission_warning"; supplier: string; rule: string; fact: string };

export interface SupplierRouterOptions {
  /** The supplier clients (or clients with their health and stock sources). Names come from `client.supplier`. */
  suppliers: ReadonlyArray<SupplierClient | RouterSupplier>;
  /** The routing table: merchant sku → offers. Validated now; a bad route throws `ValidationError`. */
  routes: readonly RouteInput[];
  /**
   * The order offers are tried in: `priority` (default: lowest priority number first, then lowest
   * cost, then route order), `lowest-cost`, `weighted`, `health-aware`, or your own function.
   * Admission, open breakers, known-empty stock and `maxCost` filter offers before any strategy.
   */
  strategy?: RoutingStrategyName | RoutingStrategy;
  /** Refuses suppliers that fail the merchant's compliance rules. Default: every supplier admitted. */
  admission?: RouterAdmission;
  /** Where routed orders are recorded. Default: in-process memory; several processes need a shared store. */
  store?: RouteStore;
  /**
   * `known` (default): skip an offer only when its stock source already knows it is empty — no
   * extra request. `fetch`: ask the stock source (through its cache) before each attempt.
   */
  stockCheck?: "known" | "fetch";
  /**
   * Options of the stock cache the router makes for each supplier that has no `stock` of its own
   * (`ttlMs`, `maxEntries`, `outOfStockTtlMs`, …). An order rejected as out of stock marks the sku
   * empty there, so later orders skip that supplier until the mark expires or a fresh stock answer
   * says otherwise. `false`: no caches.
   */
  stockCache?: Omit<StockCacheOptions, "client"> | false;
  /** How attempt references are made. Default `<merchantOrderId>-<attempt>`. */
  reference?: ReferenceFormat;
  logger?: Logger;
  /** Random numbers for the weighted strategy. Default `Math.random`. */
  random?: () => number;
  now?: () => number;
}

/** What `placeOrder` on a router takes: the merchant's sku; the route supplies kind and supplier skus. */
export const RoutedOrderRequestSchema = z
  .object({
    merchantOrderId: z
      .string({ error: "merchantOrderId must be a string" })
      .regex(
        /^[A-Za-z0-9_-]{1,60}$/,
        "merchantOrderId must be 1-60 letters, digits, '-' or '_' (the router adds a -<attempt> suffix per supplier)",
      ),
    /** The merchant's own sku: a route key. */
    sku: z.string().min(1, "sku must name one of the router's routes"),
    quantity: z.number().int("quantity must be a whole number").min(1).max(10_000).default(1),
    account: z.string().min(1).max(128).optional(),
    accountFields: AccountFieldsSchema.optional(),
    /** For mobile routes placed by amount (when the route has no faceValue). */
    faceValue: MoneySchema.optional(),
    /** Never pay more than this: offers above it are skipped and each supplier's quote is checked. */
    maxCost: MoneySchema.optional(),
    passThrough: z.string().max(128).optional(),
  })
  .strict();
export type RoutedOrderRequestInput = z.input<typeof RoutedOrderRequestSchema>;
export type RoutedOrderRequest = z.output<typeof RoutedOrderRequestSchema>;

/** A routed order: the supplier's order under the merchant's id, and how it got there. */
export type RoutedOrder = Order & {
  /** The id the fulfilling supplier knows the order by (e.g. `M1001-2`). */
  readonly supplierReference: string;
  /** Every offer tried or skipped, in order. */
  readonly route: { readonly attempts: readonly RouteAttempt[] };
  readonly meta: OrderMeta;
};

export interface SupplierRouter {
  /**
   * Places the order with the best supplier that can take it, failing over only after a
   * definitive refusal. Resolves with the order (`processing`, final, or `unknown` on the supplier
   * that holds it). Rejects with `NoSupplierAvailableError` listing every supplier's reason when
   * none could take it, or with the definitive error that ends routing (e.g. an invalid account).
   */
  placeOrder(request: RoutedOrderRequestInput, options?: CallOptions): Promise<RoutedOrder>;
  /** Queries the supplier holding the order and returns it. */
  getOrder(merchantOrderId: string, options?: CallOptions): Promise<RoutedOrder>;
  /** Polls the supplier holding the order until it is final or the deadline passes. */
  waitForFinal(merchantOrderId: string, options?: WaitOptions): Promise<RoutedOrder>;
  /** The last known state, without asking any supplier. `undefined` for an unknown id. */
  getStoredOrder(merchantOrderId: string): Promise<RoutedOrder | undefined>;
  /** The router's record of an order (attempts and their outcomes). */
  getRoute(merchantOrderId: string): Promise<RouteRecord | undefined>;
  /** The merchant order id behind a supplier reference (for callbacks), if it is one of the router's. */
  parseReference(reference: string): { merchantOrderId: string; attempt: number } | undefined;
  /** The client for a supplier name. */
  client(supplier: string): SupplierClient;
  /** Listens to router events; returns the unsubscribe function. A throwing listener is logged, never propagated. */
  on(listener: (event: RouterEvent) => void): () => void;
  /**
   * Every supplier's health now, by supplier name: whether the router would send to it, the
   * window's stats and the breaker/budget snapshot. JSON-safe, for dashboards and health checks.
   */
  health(): Record<string, RouterSupplierHealth>;
}

interface SupplierEntry {
  client: SupplierClient;
  health: RouterHealthSource | undefined;
  stock: RouterStockSource | undefined;
}

/** Creates a router over several supplier clients. */
export function createSupplierRouter(options: SupplierRouterOptions): SupplierRouter {
  if (!options || !Array.isArray(options.suppliers) || options.suppliers.length === 0) {
    throw new ConfigurationError(
      "createSupplierRouter needs { suppliers: [clientA, clientB, …], routes: [...] }",
    );
  }
  const suppliers = new Map<string, SupplierEntry>();
  for (const item of options.suppliers) {
    // `in` throws on a primitive: check the shape before reading it.
    const client = item !== null && typeof item === "object" && "client" in item ? item.client : item;
    if (!client || typeof client.placeOrder !== "function")
      throw new ConfigurationError(
        "every suppliers[] entry must be a supplier client or { client, health?, stock? }",
      );
    if (suppliers.has(client.supplier))
      throw new ConfigurationError(
        `two supplier clients are named ${client.supplier}; each needs its own name`,
      );
    const ownHealth = (client as SupplierClient & { health?: RouterHealthSource }).health;
    const ownStock = "client" in item ? item.stock : undefined;
    suppliers.set(client.supplier, {
      client,
      health: ("client" in item ? item.health : undefined) ?? ownHealth,
      stock:
        ownStock === false
          ? undefined
          : (ownStock ??
            (options.stockCache === false
              ? undefined
              : createStockCache({
                  ...options.stockCache,
                  client,
                  ...(options.logger ? { logger: options.logger } : {}),
                }))),
    });
  }
  const routes = parseRoutes(options.routes, new Set(suppliers.keys()));
  const strategy = resolveStrategy(options.strategy);
  const store = options.store ?? new MemoryRouteStore();
  const stockCheck = options.stockCheck ?? "known";
  if (stockCheck !== "known" && stockCheck !== "fetch")
    throw new ConfigurationError('stockCheck must be "known" or "fetch"');
  const references = options.reference ?? defaultReferenceFormat;
  const logger = createRedactingLogger(options.logger);
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const listeners = new Set<(event: RouterEvent) => void>();
  const inflight = new Map<string, { fingerprint: string; promise: Promise<RoutedOrder> }>();
  /** Admission warnings already raised (supplier, rule, fact). */
  const warned = new Set<string>();

  function emit(event: RouterEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        logger.warn({ error, event: event.type }, "a router event listener threw");
      }
    }
  }

  function entryOf(supplier: string): SupplierEntry {
    const entry = suppliers.get(supplier);
    if (!entry) throw new ConfigurationError(`the router has no supplier named ${supplier}`);
    return entry;
  }

  function routeOf(sku: string): Route {
    const route = routes.get(sku);
    if (!route) {
      throw new ValidationError(`no route for sku ${sku}; known skus: ${[...routes.keys()].join(", ")}`, [
        { path: "sku", message: `use one of the router's skus: ${[...routes.keys()].join(", ")}` },
      ]);
    }
    return route;
  }

  /** The client request for one offer: the same for every retry and resume of that attempt. */
  function supplierRequest(
    request: RoutedOrderRequest,
    route: Route,
    offer: RouteOffer,
    reference: string,
  ): OrderRequestInput {
    const faceValue = route.faceValue ?? request.faceValue;
    return {
      merchantOrderId: reference,
      kind: offer.kind ?? route.kind,
      quantity: request.quantity,
      ...(offer.sku ? { sku: offer.sku } : {}),
      ...(request.account ? { account: request.account } : {}),
      ...(request.accountFields ? { accountFields: request.accountFields } : {}),
      ...(faceValue && !offer.sku ? { faceValue } : {}),
      // The client checks maxCost against the supplier's live quote, which needs a sku.
      ...(request.maxCost && offer.sku ? { maxCost: request.maxCost } : {}),
      ...(request.passThrough ? { passThrough: request.passThrough } : {}),
    };
  }

  function healthOf(entry: SupplierEntry): OfferHealth | undefined {
    const window = entry.health?.stats();
    if (!window) return undefined;
    return {
      requests: window.requests,
      successRate: window.successRate,
      latencyP50Ms: window.latencyMs?.p50,
    };
  }

  /** Why an offer cannot be tried now, or `undefined` when it can. Asks no supplier. */
  function skipReason(
    offer: RouteOffer,
    route: Route,
    request: RoutedOrderRequest,
  ): { code: string; message: string } | undefined {
    const entry = entryOf(offer.supplier);
    if (!offer.enabled) return { code: "disabled", message: "the offer is disabled" };
    const kind = offer.kind ?? route.kind;
    if (options.admission) {
      const decision = options.admission.evaluate(offer.supplier, {
        ...(route.brand ? { brand: route.brand } : {}),
        kind,
      });
      for (const warning of decision.warnings) {
        // Once per supplier, rule and fact: a licence expiring in 30 days would otherwise raise an
        // event on every order for a month.
        const key = `${offer.supplier}\u0000${warning.rule}\u0000${warning.fact}`;
        if (warned.has(key)) continue;
        warned.add(key);
        emit({ type: "admission_warning", supplier: offer.supplier, rule: warning.rule, fact: warning.fact });
      }
      if (!decision.admitted) {
        const refusal = decision.refusals[0];
        return {
          code: "admission",
          message: refusal
            ? `refused by admission rule ${refusal.rule}: ${refusal.fact}`
            : "refused by the admission policy",
        };
      }
    }
    const constraints = offer.constraints;
    if (constraints?.minQuantity && request.quantity < constraints.minQuantity)
      return { code: "constraint", message: `takes at least ${constraints.minQuantity} units` };
    if (constraints?.maxQuantity && request.quantity > constraints.maxQuantity)
      return { code: "constraint", message: `takes at most ${constraints.maxQuantity} units` };
    if (constraints?.accountPattern) {
      constraints.accountPattern.lastIndex = 0;
      if (!request.account || !constraints.accountPattern.test(request.account))
        return { code: "constraint", message: "the account does not match the offer's accountPattern" };
    }
    if (request.maxCost && offer.cost) {
      if (offer.cost.currency !== request.maxCost.currency)
        return {
          code: "price_above_max_cost",
          message: `costs are in ${offer.cost.currency}, maxCost in ${request.maxCost.currency}`,
        };
      const total = multiplyMoney(offer.cost, request.quantity);
      if (compareMoney(total, request.maxCost) > 0)
        return {
          code: "price_above_max_cost",
          message: `costs ${total.amount} ${total.currency}, above maxCost ${request.maxCost.amount}`,
        };
    }
    if (entry.health && !entry.health.isAvailable())
      return { code: "circuit_open", message: "the supplier's circuit breaker is open" };
    if (offer.sku && entry.stock?.isKnownEmpty(offer.sku, request.quantity))
      return { code: "out_of_stock", message: "the stock cache knows this sku is out of stock" };
    return undefined;
  }

  /** The offers not yet tried for this order, filtered and ordered; skipped ones are returned too. */
  function candidatesFor(
    record: RouteRecord,
    route: Route,
    request: RoutedOrderRequest,
  ): { ordered: CandidateOffer[]; skipped: RouteAttempt[] } {
    // Each supplier is considered once per order: tried, or skipped with its reason.
    const tried = new Set(record.attempts.map((attempt) => attempt.supplier));
    const skipped: RouteAttempt[] = [];
    const candidates: CandidateOffer[] = [];
    route.offers.forEach((offer, index) => {
      if (tried.has(offer.supplier)) return;
      const reason = skipReason(offer, route, request);
      if (reason) {
        skipped.push({
          supplier: offer.supplier,
          ...(offer.sku ? { sku: offer.sku } : {}),
          outcome: "skipped",
          ...reason,
          at: now(),
        });
        return;
      }
      // Health is read only if the strategy looks at it (the health window sorts its latency
      // samples to answer), and then once per order.
      let health: OfferHealth | undefined | null = null;
      candidates.push({
        offer,
        index,
        totalCost: offer.cost ? multiplyMoney(offer.cost, request.quantity) : undefined,
        get health() {
          if (health === null) health = healthOf(entryOf(offer.supplier));
          return health;
        },
      });
    });
    const ordered = [...strategy(candidates, { route, quantity: request.quantity, random })].filter(
      (candidate) => candidates.includes(candidate),
    );
    return { ordered, skipped };
  }

  function routedOrder(order: Order, record: RouteRecord, reference: string, meta: OrderMeta): RoutedOrder {
    return {
      ...order,
      merchantOrderId: record.merchantOrderId,
      supplierReference: reference,
      route: { attempts: record.attempts },
      meta,
    };
  }

  function summaries(record: RouteRecord): RouteAttemptSummary[] {
    return record.attempts
      .filter((attempt) => attempt.outcome === "skipped" || attempt.outcome === "rejected")
      .map((attempt) => ({
        supplier: attempt.supplier,
        ...(attempt.reference ? { supplierOrderId: attempt.reference } : {}),
        outcome: attempt.outcome as "skipped" | "rejected",
        code: attempt.code ?? "unknown",
        message: attempt.message ?? "",
      }));
  }

  function exhaustedError(record: RouteRecord): NoSupplierAvailableError {
    const attempts = summaries(record);
    const reasons = attempts.map((attempt) => `${attempt.supplier}: ${attempt.code}`).join(", ");
    return new NoSupplierAvailableError(
      `no supplier could take order ${record.merchantOrderId} (sku ${record.request.sku})${reasons ? `: ${reasons}` : ": the route has no usable offer"}`,
      attempts,
      { merchantOrderId: record.merchantOrderId },
    );
  }

  /** Appends to the record only if nobody else changed its attempts meanwhile (another caller or process). */
  async function appendAttempts(
    record: RouteRecord,
    added: RouteAttempt[],
    state: RouteRecord["state"] = record.state,
  ): Promise<{ record: RouteRecord; appended: boolean }> {
    let appended = false;
    const stored = await store.update(record.merchantOrderId, (current) => {
      // The store may run this more than once (a lost compare-and-set): only the last run counts.
      appended = false;
      if (!current || current.attempts.length !== record.attempts.length || current.state !== "routing")
        return undefined;
      appended = true;
      return { ...current, attempts: [...current.attempts, ...added], state, updatedAt: now() };
    });
    if (!stored) throw new OrderNotFoundError(`the route record of ${record.merchantOrderId} disappeared`);
    return { record: stored, appended };
  }

  /** Rewrites the outcome of the last attempt (the one being sent). */
  async function settleLast(
    record: RouteRecord,
    change: Partial<RouteAttempt>,
    state: RouteRecord["state"],
  ): Promise<RouteRecord> {
    const index = record.attempts.length - 1;
    const stored = await store.update(record.merchantOrderId, (current) => {
      if (!current || current.attempts.length !== record.attempts.length) return undefined;
      const attempts = current.attempts.map((attempt, position) =>
        position === index ? { ...attempt, ...change, at: now() } : attempt,
      );
      return { ...current, attempts, state, updatedAt: now() };
    });
    return stored ?? record;
  }

  /** Sends (or resumes) the last attempt of the record, which is `sending`. */
  async function runAttempt(
    record: RouteRecord,
    route: Route,
    request: RoutedOrderRequest,
    signal: AbortSignal | undefined,
  ): Promise<{ order?: RoutedOrder; record: RouteRecord; error?: unknown; stop?: boolean }> {
    const attempt = record.attempts[record.attempts.length - 1]!;
    const reference = attempt.reference!;
    const entry = entryOf(attempt.supplier);
    const offer = route.offers.find((candidate) => candidate.supplier === attempt.supplier);
    const clientRequest = offer ? supplierRequest(request, route, offer, reference) : undefined;
    try {
      if (!clientRequest) {
        // The offer left the routing table after this attempt was written: never re-send
        // elsewhere; learn what the supplier has under the reference.
        const order = await entry.client.getOrder(reference, signal ? { signal } : {});
        const settled = await settleLast(record, { outcome: "placed" }, "placed");
        return { record: settled, order: routedOrder(order, settled, reference, order.meta) };
      }
      const order = await entry.client.placeOrder(clientRequest, signal ? { signal } : {});
      if (order.status === "failed") {
        // A synchronous, definitive failure: nothing was delivered there.
        const code = order.failure?.code ?? "failed";
        const settled = await settleLast(
          record,
          { outcome: "rejected", code, message: order.failure?.message ?? "the supplier failed the order" },
          "routing",
        );
        if (code === "out_of_stock" && offer?.sku) entry.stock?.recordOutOfStock(offer.sku);
        const decision = failOverDecisionFor(code, "rejected");
        emit({
          type: "attempt_rejected",
          merchantOrderId: record.merchantOrderId,
          supplier: attempt.supplier,
          reference,
          code,
          failOver: decision === "fail-over",
        });
        return { record: settled, stop: decision !== "fail-over" };
      }
      const settled = await settleLast(record, { outcome: "placed" }, "placed");
      emit({
        type: "order_placed",
        merchantOrderId: record.merchantOrderId,
        supplier: attempt.supplier,
        reference,
        attempt: record.attempts.filter((item) => item.reference).length,
      });
      return { record: settled, order: routedOrder(order, settled, reference, order.meta) };
    } catch (error) {
      const decision = failOverDecisionOf(error);
      const code = KaquanError.isInstance(error) ? error.code : "unexpected_error";
      const message = KaquanError.isInstance(error) ? error.message : "an unexpected error";
      if (decision === "hold") {
        // The order may exist at this supplier: it stays there. Aborted calls keep `sending` so
        // the next call resumes exactly this attempt.
        if (!(KaquanError.isInstance(error) && error.code === "aborted")) {
          await settleLast(record, { outcome: "unknown", code, message }, "placed");
          emit({
            type: "order_held",
            merchantOrderId: record.merchantOrderId,
            supplier: attempt.supplier,
            reference,
            reason: message,
          });
        }
        return { record, error };
      }
      if (code === "out_of_stock" && offer?.sku) entry.stock?.recordOutOfStock(offer.sku);
      const settled = await settleLast(record, { outcome: "rejected", code, message }, "routing");
      emit({
        type: "attempt_rejected",
        merchantOrderId: record.merchantOrderId,
        supplier: attempt.supplier,
        reference,
        code,
        failOver: decision === "fail-over",
      });
      return { record: settled, error, stop: decision === "stop" };
    }
  }

  /** Walks the offers from where the record stands until a supplier holds the order or none can. */
  async function route(record: RouteRecord, signal: AbortSignal | undefined): Promise<RoutedOrder> {
    const request = record.request as RoutedOrderRequest;
    const table = routeOf(request.sku);
    for (;;) {
      if (record.state === "exhausted") throw exhaustedError(record);
      const last = record.attempts[record.attempts.length - 1];
      if (last?.reference && last.outcome === "placed") return holderOrder(record, last, signal);
      // A held attempt (`unknown`) is resumed like one being sent: the client's write-ahead record
      // decides — the order it holds comes back, never sent again; if it holds none (an error
      // before anything left, such as a store that could not be reached), it is sent now.
      if (last && (last.outcome === "sending" || last.outcome === "unknown")) {
        const result = await runAttempt(record, table, request, signal);
        if (result.order) return result.order;
        if (result.error !== undefined && failOverDecisionOf(result.error) === "hold") throw result.error;
        record = result.record;
        if (result.stop) {
          const stored = await store.update(record.merchantOrderId, (current) =>
            current ? { ...current, state: "exhausted", updatedAt: now() } : undefined,
          );
          record = stored ?? record;
          throw result.error ?? exhaustedError(record);
        }
        continue;
      }
      const { ordered, skipped } = candidatesFor(record, table, request);
      for (const skip of skipped) {
        emit({
          type: "offer_skipped",
          merchantOrderId: record.merchantOrderId,
          supplier: skip.supplier,
          code: skip.code!,
          message: skip.message!,
        });
      }
      // Skips are written with the next attempt (or the exhaustion), once per supplier and order.
      const next = ordered[0];
      if (!next) {
        const { record: stored, appended } = await appendAttempts(record, skipped, "exhausted");
        if (!appended) {
          record = stored;
          continue;
        }
        emit({
          type: "routes_exhausted",
          merchantOrderId: record.merchantOrderId,
          attempts: summaries(stored),
        });
        throw exhaustedError(stored);
      }
      // Asked before the attempt is written, never when resuming one: an attempt already being
      // sent may hold the order (it may have taken the last unit), and skipping it would place
      // the order a second time elsewhere.
      const nextStock = entryOf(next.offer.supplier).stock;
      if (stockCheck === "fetch" && next.offer.sku && nextStock) {
        const level = await nextStock
          .getStock(next.offer.sku, request.quantity, signal ? { signal } : {})
          .catch(() => undefined);
        if (level?.status === "out_of_stock") {
          const stockSkip: RouteAttempt = {
            supplier: next.offer.supplier,
            sku: next.offer.sku,
            outcome: "skipped",
            code: "out_of_stock",
            message: "the supplier's stock API says out of stock",
            at: now(),
          };
          emit({
            type: "offer_skipped",
            merchantOrderId: record.merchantOrderId,
            supplier: stockSkip.supplier,
            code: stockSkip.code!,
            message: stockSkip.message!,
          });
          ({ record } = await appendAttempts(record, [...skipped, stockSkip]));
          continue;
        }
      }
      const sent = record.attempts.filter((attempt) => attempt.reference).length;
      const reference = references.format(record.merchantOrderId, sent + 1);
      const attempt: RouteAttempt = {
        supplier: next.offer.supplier,
        reference,
        ...(next.offer.sku ? { sku: next.offer.sku } : {}),
        outcome: "sending",
        at: now(),
      };
      // Appended or not (another caller wrote first), the loop goes on from what is stored.
      ({ record } = await appendAttempts(record, [...skipped, attempt]));
    }
  }

  async function holderOrder(
    record: RouteRecord,
    holder: RouteAttempt,
    signal: AbortSignal | undefined,
  ): Promise<RoutedOrder> {
    const client = entryOf(holder.supplier).client;
    const stored = await client.getStoredOrder(holder.reference!);
    if (stored) {
      return routedOrder(stored, record, holder.reference!, {
        attempts: 0,
        totalRetryDelayMs: 0,
        resolvedBy: "existing",
      });
    }
    const order = await client.getOrder(holder.reference!, signal ? { signal } : {});
    return routedOrder(order, record, holder.reference!, order.meta);
  }

  async function placeRouted(request: RoutedOrderRequest, fingerprint: string, signal?: AbortSignal) {
    const created = now();
    const claim = await store.claim({
      merchantOrderId: request.merchantOrderId,
      fingerprint,
      request: stripUndefined(request),
      attempts: [],
      state: "routing",
      createdAt: created,
      updatedAt: created,
    });
    const record = claim.claimed ? claim.record : claim.existing;
    if (!claim.claimed && claim.existing.fingerprint !== fingerprint) {
      throw new IdempotencyConflictError(
        `merchantOrderId ${request.merchantOrderId} was already routed with a different request; use a new id for a new order`,
        { merchantOrderId: request.merchantOrderId },
      );
    }
    const order = await route(record, signal);
    if (!claim.claimed)
      return { ...order, meta: { ...order.meta, attempts: 0, resolvedBy: "existing" as const } };
    return order;
  }

  /** The last attempt that reached (or may have reached) a supplier. */
  function holderAttempt(record: RouteRecord): RouteAttempt | undefined {
    return [...record.attempts]
      .reverse()
      .find(
        (attempt) => attempt.reference && attempt.outcome !== "rejected" && attempt.outcome !== "skipped",
      );
  }

  /** The attempt that holds the order, or the error that says none does. */
  async function holderOf(merchantOrderId: string): Promise<{ record: RouteRecord; holder: RouteAttempt }> {
    const record = await store.get(merchantOrderId);
    if (!record)
      throw new OrderNotFoundError(`the router has no order ${merchantOrderId}`, { merchantOrderId });
    if (record.state === "exhausted") throw exhaustedError(record);
    const holder = holderAttempt(record);
    if (!holder) {
      throw new OrderNotFoundError(
        `order ${merchantOrderId} has not reached a supplier yet; call placeOrder again with the same request to resume it`,
        { merchantOrderId },
      );
    }
    return { record, holder };
  }

  return {
    placeOrder(input, callOptions = {}) {
      let request: RoutedOrderRequest;
      try {
        request = parseInput(RoutedOrderRequestSchema, input, "routed order request");
        routeOf(request.sku);
      } catch (error) {
        return Promise.reject(error);
      }
      const fingerprint = requestFingerprint(request);
      const running = inflight.get(request.merchantOrderId);
      if (running) {
        if (running.fingerprint !== fingerprint) {
          return Promise.reject(
            new IdempotencyConflictError(
              `merchantOrderId ${request.merchantOrderId} is being routed with a different request; use a new id for a new order`,
              { merchantOrderId: request.merchantOrderId },
            ),
          );
        }
        return running.promise.then((order) => ({
          ...order,
          meta: { ...order.meta, attempts: 0, resolvedBy: "existing" },
        }));
      }
      const promise = placeRouted(request, fingerprint, callOptions.signal).finally(() =>
        inflight.delete(request.merchantOrderId),
      );
      inflight.set(request.merchantOrderId, { fingerprint, promise });
      return promise;
    },

    async getOrder(merchantOrderId, callOptions = {}) {
      const { record, holder } = await holderOf(merchantOrderId);
      const order = await entryOf(holder.supplier).client.getOrder(holder.reference!, callOptions);
      return routedOrder(order, record, holder.reference!, order.meta);
    },

    async waitForFinal(merchantOrderId, waitOptions = {}) {
      const { record, holder } = await holderOf(merchantOrderId);
      const order = await entryOf(holder.supplier).client.waitForFinal(holder.reference!, waitOptions);
      return routedOrder(order, record, holder.reference!, order.meta);
    },

    async getStoredOrder(merchantOrderId) {
      const record = await store.get(merchantOrderId);
      if (!record) return undefined;
      const holder = holderAttempt(record);
      if (!holder) return undefined;
      const order = await entryOf(holder.supplier).client.getStoredOrder(holder.reference!);
      if (!order) return undefined;
      return routedOrder(order, record, holder.reference!, {
        attempts: 0,
        totalRetryDelayMs: 0,
        resolvedBy: "existing",
      });
    },

    getRoute: (merchantOrderId) => store.get(merchantOrderId),

    parseReference: (reference) => references.parse(reference),

    client: (supplier) => entryOf(supplier).client,

    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    health() {
      const report: Record<string, RouterSupplierHealth> = {};
      for (const [name, entry] of suppliers) {
        const source = entry.health;
        const supplierHealth: RouterSupplierHealth = { available: source ? source.isAvailable() : true };
        if (source) supplierHealth.stats = source.stats();
        if (source?.snapshot) supplierHealth.snapshot = source.snapshot();
        report[name] = supplierHealth;
      }
      return report;
    },
  };
}

function resolveStrategy(strategy: SupplierRouterOptions["strategy"]): RoutingStrategy {
  if (strategy === undefined) return routingStrategies.priority;
  if (typeof strategy === "function") return strategy;
  const named = routingStrategies[strategy as RoutingStrategyName];
  if (!named) {
    throw new ConfigurationError(
      `unknown routing strategy ${String(strategy)}: use ${Object.keys(routingStrategies).join(", ")} or a function`,
    );
  }
  return named;
}

function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
