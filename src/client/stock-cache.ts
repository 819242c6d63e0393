/**
 * A per-supplier cache of stock and catalogue answers. A merchant that routes orders across
 * several suppliers must not send an order to a supplier known to be empty, yet asking every
 * supplier's stock API on every order costs latency and rate-limit budget (Tango allows one
 * request a second; Bitrefill 60 product look-ups per 10 minutes). The cache answers from what
 * it learnt recently, shares one request among concurrent callers, refreshes entries that are
 * about to expire in the background, and believes an order's out-of-stock rejection over an older
 * positive answer.
 *
 * It keeps no timer: expiry is checked on read and refresh-ahead is triggered by reads, so an
 * idle cache costs nothing and never keeps the process alive.
 */
import {
  AbortedError,
  ConfigurationError,
  type Logger,
  type Product,
  type ProductQuery,
  ProductQuerySchema,
  parseInput,
  type StockLevel,
  UnsupportedOperationError,
  ValidationError,
} from "../core/index.js";
import { isoTime } from "../runtime/clock.js";
import { createRedactingLogger } from "../runtime/logging.js";
import type { CallOptions, SupplierClient } from "./supplier-client.js";

/** The part of a {@link SupplierClient} the cache uses: its name and its three reads. */
export type StockCacheClient = Pick<SupplierClient, "supplier" | "getStock" | "getProduct" | "listProducts">;

/** Options of {@link createStockCache}. Every option but `client` has a safe default. */
export interface StockCacheOptions {
  /** The client whose answers are cached (only `supplier`, `getStock`, `getProduct` and `listProducts` are used). */
  client: StockCacheClient;
  /** How long an answer is fresh, in ms, counted from when its request started. Default 30 000. */
  ttlMs?: number;
  /**
   * A read within this many ms of an entry's expiry returns the cached value and refreshes it in
   * the background, so busy keys never fall back to a waiting miss. 0 turns refresh-ahead off.
   * Must be below `ttlMs`. Default `ttlMs / 5`.
   */
  refreshAheadMs?: number;
  /** Most entries kept (stock, product, listing and out-of-stock entries together); the least recently used goes first. Default 1 000. */
  maxEntries?: number;
  /** How long an out of stock learnt from an order rejection ({@link StockCache.recordOutOfStock}) is believed, in ms. Default `ttlMs`. */
  outOfStockTtlMs?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** A pino (or compatible) logger for background refresh failures (at debug). Default: silent. Secrets are removed first. */
  logger?: Logger;
}

/**
 * Where a cached stock level came from:
 * - `stock`: the supplier's stock API;
 * - `product`: the `stockStatus` of a product answer (`getProduct` or `listProducts`);
 * - `order`: an order the supplier rejected as out of stock ({@link StockCache.recordOutOfStock});
 * - `unsupported`: the supplier reports no stock at all, so the level is `unknown`.
 */
export type CachedStockSource = "stock" | "product" | "order" | "unsupported";

/** What the cache knows about one sku and quantity. */
export interface CachedStock {
  readonly level: StockLevel;
  /** How long ago the answer's request started, in ms. */
  readonly ageMs: number;
  readonly source: CachedStockSource;
  /** False once the entry has expired: it is shown for diagnosis but never served or trusted. */
  readonly fresh: boolean;
}

/** Counters since the cache was created. */
export interface StockCacheStats {
  /** Reads answered from a fresh entry. */
  hits: number;
  /** Reads that had to wait for the supplier (one per caller, also when callers share a request). */
  misses: number;
  /** Background refreshes started by refresh-ahead. */
  refreshes: number;
  /** Background refreshes that failed (the old value stays until it expires). */
  refreshFailures: number;
  /** Entries dropped to stay within `maxEntries`. */
  evictions: number;
  /** Entries held now. */
  size: number;
}

/**
 * Stock and catalogue answers of one supplier, cached. Reads take the same arguments as the
 * {@link SupplierClient}'s; `peek` and `isKnownEmpty` answer from memory without any request.
 */
export interface StockCache {
  readonly supplier: string;
  /**
   * The stock of `sku` for `quantity` units (default 1), from a fresh entry or the supplier. A
   * fresh out-of-stock mark from an order rejection is served as `out_of_stock`. For a supplier
   * without a stock API the level comes from `getProduct`'s `stockStatus`, or is `unknown`.
   */
  getStock(sku: string, quantity?: number, options?: CallOptions): Promise<StockLevel>;
  /** The product, from a fresh entry or the supplier; `undefined` (an unknown sku) is cached too. */
  getProduct(sku: string, options?: CallOptions): Promise<Product | undefined>;
  /** The catalogue for `query`, from a fresh entry or the supplier. Also fills the product entries. */
  listProducts(query?: ProductQuery, options?: CallOptions): Promise<Product[]>;
  /**
   * What is known now, without any request: the level for `sku` and `quantity` (default 1), its
   * age and source. Catalogue answers count too. An expired entry still held is returned with
   * `fresh: false`; `undefined` when nothing is known.
   */
  peek(sku: string, quantity?: number): CachedStock | undefined;
  /** True when a fresh entry says `sku` cannot supply `quantity` (default 1): out of stock, or fewer units available. */
  isKnownEmpty(sku: string, quantity?: number): boolean;
  /**
   * An order for `sku` came back out of stock: its stock and product entries are dropped and the
   * sku is believed empty for `outOfStockTtlMs`, until a stock answer requested after this call
   * says otherwise.
   */
  recordOutOfStock(sku: string): void;
  /** Forgets one sku (every quantity, its product and out-of-stock entries, listings holding it), or everything. */
  invalidate(sku?: string): void;
  stats(): StockCacheStats;
  /**
   * Stops asking the supplier: background refreshes in flight are abandoned and their results
   * discarded. Fresh entries are still served and `peek` still answers; a read that would need a
   * request rejects with a {@link ConfigurationError}. The cache holds no timer, so nothing keeps
   * the process alive either way.
   */
  close(): void;
}

interface EntryTimes {
  /** Order of the request that produced the entry among every request and mark of this cache. */
  sequence: number;
  /** When the entry's request started (or the mark was recorded), ms since the epoch. */
  storedAt: number;
  expiresAt: number;
}

interface StockEntry extends EntryTimes {
  kind: "stock";
  sku: string;
  quantity: number;
  level: StockLevel;
}

interface ProductEntry extends EntryTimes {
  kind: "product";
  sku: string;
  product: Product | undefined;
}

interface OutOfStockMark extends EntryTimes {
  kind: "order";
  sku: string;
}

interface ListEntry extends EntryTimes {
  kind: "list";
  query: ProductQuery;
  products: Product[];
}

type Entry = StockEntry | ProductEntry | OutOfStockMark | ListEntry;

/** A stock level as the cache knows it, with what is needed to serve, age and refresh it. */
interface Known {
  level: StockLevel;
  source: CachedStockSource;
  sequence: number;
  storedAt: number;
  expiresAt: number;
  /** The entry it came from (absent for a supplier that reports no stock at all). */
  key?: string;
}

/** One request to the supplier, shared by every caller that asks the same thing meanwhile. */
interface Flight<T> {
  readonly key: string;
  /** The sku it is about; absent for a listing. */
  readonly sku: string | undefined;
  readonly sequence: number;
  readonly startedAt: number;
  readonly controller: AbortController;
  /** Started by refresh-ahead: it runs to its end even when no caller waits. */
  readonly background: boolean;
  /** Callers waiting that may still give up (an abort); the request is aborted when the last one does. */
  waiters: number;
  /** Invalidated or closed while in flight: its answer reaches its callers but is not stored. */
  discarded: boolean;
  promise: Promise<T>;
}

interface StockAnswer {
  level: StockLevel;
  source: CachedStockSource;
}

/**
 * Creates a stock and catalogue cache in front of one supplier's client.
 *
 * @example
 * ```ts
 * const stock = createStockCache({ client, ttlMs: 30_000 });
 * if (!stock.isKnownEmpty("10000002", 2)) {
 *   try {
 *     await client.placeOrder(request);
 *   } catch (error) {
 *     if (OutOfStockError.isInstance(error)) stock.recordOutOfStock("10000002");
 *     throw error;
 *   }
 * }
 * ```
 */
export function createStockCache(options: StockCacheOptions): StockCache {
  const client = options?.client;
  if (
    !client ||
    typeof client.supplier !== "string" ||
    typeof client.getStock !== "function" ||
    typeof client.getProduct !== "function" ||
    typeof client.listProducts !== "function"
  ) {
    throw new ConfigurationError(
      "createStockCache needs { client } with supplier, getStock, getProduct and listProducts, e.g. createStockCache({ client: createSupplierClient({ adapter }) })",
    );
  }
  const supplier = client.supplier;
  const ttlMs = options.ttlMs ?? 30_000;
  if (typeof ttlMs !== "number" || !(ttlMs > 0) || !Number.isFinite(ttlMs)) {
    throw new ConfigurationError("stock cache ttlMs must be a positive, finite number of ms, e.g. 30000");
  }
  const refreshAheadMs = options.refreshAheadMs ?? ttlMs / 5;
  if (typeof refreshAheadMs !== "number" || !(refreshAheadMs >= 0) || !(refreshAheadMs < ttlMs)) {
    throw new ConfigurationError(
      `stock cache refreshAheadMs must be at least 0 and below ttlMs (${ttlMs}): a window as long as the lifetime would refresh on every read; leave it out for ttlMs / 5, or pass 0 to turn refresh-ahead off`,
    );
  }
  const maxEntries = options.maxEntries ?? 1_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigurationError("stock cache maxEntries must be a whole number ≥ 1, e.g. 1000");
  }
  const outOfStockTtlMs = options.outOfStockTtlMs ?? ttlMs;
  if (typeof outOfStockTtlMs !== "number" || !(outOfStockTtlMs > 0) || !Number.isFinite(outOfStockTtlMs)) {
    throw new ConfigurationError(
      "stock cache outOfStockTtlMs must be a positive, finite number of ms; leave it out to use ttlMs",
    );
  }
  if (options.now !== undefined && typeof options.now !== "function") {
    throw new ConfigurationError("stock cache now must be a function returning ms since the epoch");
  }
  const now = options.now ?? Date.now;
  const logger = createRedactingLogger(options.logger);

  /** Every entry, least recently used first (a Map keeps insertion order; a use re-inserts). */
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Flight<unknown>>();
  const counters = { hits: 0, misses: 0, refreshes: 0, refreshFailures: 0, evictions: 0 };
  let sequence = 0;
  let closed = false;
  // What the supplier cannot do is a fact about the client, not an answer that expires: asking
  // again on every read would spend a request to learn the same thing (design: capabilities are
  // declared, not assumed).
  let stockUnsupported = false;
  let productUnsupported = false;

  const stockKey = (sku: string, quantity: number) => JSON.stringify(["stock", sku, quantity]);
  const productKey = (sku: string) => JSON.stringify(["product", sku]);
  const markKey = (sku: string) => JSON.stringify(["order", sku]);
  const listKey = (query: ProductQuery) => JSON.stringify(["list", stableQuery(query)]);

  function put(key: string, entry: Entry): void {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
      counters.evictions += 1;
    }
  }

  function touch(key: string | undefined): void {
    if (key === undefined) return;
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    entries.set(key, entry);
  }

  const isFresh = (times: { expiresAt: number }, at = now()) => at < times.expiresAt;
  const dueForRefresh = (times: { expiresAt: number }) =>
    refreshAheadMs > 0 && times.expiresAt - now() <= refreshAheadMs;

  function closedError(): ConfigurationError {
    return new ConfigurationError(
      `the stock cache for ${supplier} was closed, so it sends no more requests; create a new one with createStockCache`,
      { supplier },
    );
  }

  function abortedError(): AbortedError {
    return new AbortedError("the call was aborted", { supplier });
  }

  // ---- what is known -------------------------------------------------------------------------

  /** The stock level a product answer carries (the catalogue's stock status), as of `checkedAtMs`. */
  function levelFromProduct(sku: string, product: Product | undefined, checkedAtMs: number) {
    const status = product?.stockStatus;
    const level: StockLevel = { sku, status: status ?? "unknown", checkedAt: isoTime(checkedAtMs) };
    if (product?.vendorStockStatus !== undefined) level.vendorStatus = product.vendorStockStatus;
    return { level, source: status === undefined ? ("unsupported" as const) : ("product" as const) };
  }

  function knownFromProduct(sku: string, key: string, entry: ProductEntry): Known {
    const { level, source } = levelFromProduct(sku, entry.product, entry.storedAt);
    return {
      level,
      source,
      sequence: entry.sequence,
      storedAt: entry.storedAt,
      expiresAt: entry.expiresAt,
      key,
    };
  }

  function knownUnsupported(sku: string): Known {
    const at = now();
    return {
      level: { sku, status: "unknown", checkedAt: isoTime(at) },
      source: "unsupported",
      sequence: 0,
      storedAt: at,
      expiresAt: Number.POSITIVE_INFINITY,
    };
  }

  /** The answer of the sku's stock source: the stock API, else the product, else nothing. */
  function stockSourceKnown(sku: string, quantity: number): Known | undefined {
    if (!stockUnsupported) {
      const key = stockKey(sku, quantity);
      const entry = entries.get(key);
      if (entry?.kind !== "stock") return undefined;
      return {
        level: entry.level,
        source: "stock",
        sequence: entry.sequence,
        storedAt: entry.storedAt,
        expiresAt: entry.expiresAt,
        key,
      };
    }
    if (productUnsupported) return knownUnsupported(sku);
    const key = productKey(sku);
    const entry = entries.get(key);
    return entry?.kind === "product" ? knownFromProduct(sku, key, entry) : undefined;
  }

  /**
   * The level to believe for `sku` and `quantity`. A fresh out-of-stock mark wins: a stock-source
   * answer requested after it removes it (see `acceptsAfterMark`), so a mark still present is the
   * newest word on the sku. Otherwise the newest answer wins. `catalogue` adds product answers
   * for a supplier that has a stock API (peek and isKnownEmpty use them; getStock asks the API).
   */
  function lookup(
    sku: string,
    quantity: number,
    { catalogue, includeExpired }: { catalogue: boolean; includeExpired: boolean },
  ): Known | undefined {
    const at = now();
    const candidates: Known[] = [];
    const markEntryKey = markKey(sku);
    const mark = entries.get(markEntryKey);
    if (mark?.kind === "order") {
      const level: StockLevel = { sku, status: "out_of_stock", checkedAt: isoTime(mark.storedAt) };
      const known: Known = {
        level,
        source: "order",
        sequence: mark.sequence,
        storedAt: mark.storedAt,
        expiresAt: mark.expiresAt,
        key: markEntryKey,
      };
      if (isFresh(known, at)) return known;
      candidates.push(known);
    }
    const own = stockSourceKnown(sku, quantity);
    if (own) candidates.push(own);
    if (catalogue && !stockUnsupported) {
      const key = productKey(sku);
      const entry = entries.get(key);
      if (entry?.kind === "product" && entry.product?.stockStatus !== undefined)
        candidates.push(knownFromProduct(sku, key, entry));
    }
    const newest = (list: Known[]) =>
      list.reduce<Known | undefined>(
        (best, known) => (!best || known.sequence > best.sequence ? known : best),
        undefined,
      );
    return (
      newest(candidates.filter((known) => isFresh(known, at))) ??
      (includeExpired ? newest(candidates) : undefined)
    );
  }

  // ---- storing answers ----------------------------------------------------------------------

  const accepts = (flight: Flight<unknown>) => !flight.discarded && !closed;

  /**
   * Whether an answer about `sku` may be stored: not when its request started before the sku's
   * out-of-stock mark (the order rejection is newer news). When it may and it comes from the
   * sku's stock source with a definite status, it replaces the mark.
   */
  function acceptsAfterMark(sku: string, flight: Flight<unknown>, replacesMark: boolean): boolean {
    const key = markKey(sku);
    const mark = entries.get(key);
    if (mark?.kind !== "order") return true;
    if (mark.sequence > flight.sequence) return false;
    if (replacesMark) entries.delete(key);
    return true;
  }

  function storeStock(sku: string, quantity: number, level: StockLevel, flight: Flight<unknown>): void {
    if (!accepts(flight)) return;
    if (!acceptsAfterMark(sku, flight, level.status !== "unknown")) return;
    put(stockKey(sku, quantity), {
      kind: "stock",
      sku,
      quantity,
      level,
      sequence: flight.sequence,
      storedAt: flight.startedAt,
      expiresAt: flight.startedAt + ttlMs,
    });
  }

  function storeProduct(sku: string, product: Product | undefined, flight: Flight<unknown>): void {
    if (!accepts(flight)) return;
    // A product answer speaks for the sku's stock only when there is no stock API.
    const status = product?.stockStatus;
    const replacesMark = stockUnsupported && status !== undefined && status !== "unknown";
    if (!acceptsAfterMark(sku, flight, replacesMark)) return;
    put(productKey(sku), {
      kind: "product",
      sku,
      product,
      sequence: flight.sequence,
      storedAt: flight.startedAt,
      expiresAt: flight.startedAt + ttlMs,
    });
  }

  // ---- requests -----------------------------------------------------------------------------

  function startFlight<T>(
    key: string,
    sku: string | undefined,
    background: boolean,
    run: (signal: AbortSignal, flight: Flight<unknown>) => Promise<T>,
  ): Flight<T> {
    sequence += 1;
    const flight: Flight<T> = {
      key,
      sku,
      sequence,
      startedAt: now(),
      controller: new AbortController(),
      background,
      waiters: 0,
      discarded: false,
      promise: Promise.resolve() as Promise<never>,
    };
    inflight.set(key, flight as Flight<unknown>);
    flight.promise = run(flight.controller.signal, flight as Flight<unknown>).finally(() => {
      if (inflight.get(key) === flight) inflight.delete(key);
    });
    // Every caller attaches its own handlers; this one keeps an abandoned request's rejection
    // from surfacing as an unhandled rejection.
    flight.promise.catch(() => {});
    if (background) {
      counters.refreshes += 1;
      flight.promise.catch((error: unknown) => {
        if (flight.discarded) return;
        counters.refreshFailures += 1;
        logger.debug(
          { supplier, sku, error },
          "stock cache background refresh failed; the cached answer is kept until it expires",
        );
      });
    }
    return flight;
  }

  /** Waits for a shared request; giving up (the caller's signal) aborts it only when nobody else waits. */
  function join<T>(flight: Flight<T>, signal: AbortSignal | undefined): Promise<T> {
    flight.waiters += 1;
    if (!signal) return flight.promise;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        flight.waiters -= 1;
        if (flight.waiters === 0 && !flight.background) abandon(flight as Flight<unknown>);
        reject(abortedError());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      flight.promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }

  /** Drops a request from sharing; aborts it when nobody waits for its answer. */
  function abandon(flight: Flight<unknown>): void {
    flight.discarded = true;
    if (inflight.get(flight.key) === flight) inflight.delete(flight.key);
    if (flight.waiters === 0) flight.controller.abort(abortedError());
  }

  function stockFlight(sku: string, quantity: number, background: boolean): Flight<StockAnswer> {
    return startFlight(stockKey(sku, quantity), sku, background, async (signal, flight) => {
      try {
        const level = await client.getStock(sku, quantity, { signal });
        storeStock(sku, quantity, level, flight);
        return { level, source: "stock" };
      } catch (error) {
        if (!UnsupportedOperationError.isInstance(error)) throw error;
        // No stock API (most suppliers: design, "whether it has a stock API"): the catalogue's
        // stock status is the next best answer, and the stock API is not asked again.
        stockUnsupported = true;
        return stockFromProduct(sku, signal);
      }
    });
  }

  function productFlight(sku: string, background: boolean): Flight<Product | undefined> {
    return startFlight(productKey(sku), sku, background, async (signal, flight) => {
      try {
        const product = await client.getProduct(sku, { signal });
        storeProduct(sku, product, flight);
        return product;
      } catch (error) {
        if (UnsupportedOperationError.isInstance(error)) productUnsupported = true;
        throw error;
      }
    });
  }

  function listFlight(query: ProductQuery, background: boolean): Flight<Product[]> {
    return startFlight(listKey(query), undefined, background, async (signal, flight) => {
      const products = await client.listProducts(query, { signal });
      if (accepts(flight)) {
        for (const product of products) storeProduct(product.sku, product, flight);
        // Stored after its products, so a small cache does not evict the listing with its own fill.
        put(listKey(query), {
          kind: "list",
          query,
          products,
          sequence: flight.sequence,
          storedAt: flight.startedAt,
          expiresAt: flight.startedAt + ttlMs,
        });
      }
      return products;
    });
  }

  function shared<T>(key: string, start: () => Flight<T>): Flight<T> {
    return (inflight.get(key) as Flight<T> | undefined) ?? start();
  }

  async function stockFromProduct(sku: string, signal: AbortSignal | undefined): Promise<StockAnswer> {
    const unsupported = (): StockAnswer => {
      const known = knownUnsupported(sku);
      return { level: known.level, source: known.source };
    };
    if (productUnsupported) return unsupported();
    const key = productKey(sku);
    const entry = entries.get(key);
    if (entry?.kind === "product" && isFresh(entry)) {
      const known = knownFromProduct(sku, key, entry);
      return { level: known.level, source: known.source };
    }
    try {
      const product = await join(
        shared(key, () => productFlight(sku, false)),
        signal,
      );
      return levelFromProduct(sku, product, now());
    } catch (error) {
      if (UnsupportedOperationError.isInstance(error)) return unsupported();
      throw error;
    }
  }

  /** Starts a background refresh of `key` unless one is already running. */
  function refreshInBackground(key: string, start: () => void): void {
    if (closed || inflight.has(key)) return;
    start();
  }

  function refreshStock(sku: string, quantity: number): void {
    if (!stockUnsupported) {
      refreshInBackground(stockKey(sku, quantity), () => stockFlight(sku, quantity, true));
    } else if (!productUnsupported) {
      refreshInBackground(productKey(sku), () => productFlight(sku, true));
    }
  }

  // ---- input --------------------------------------------------------------------------------

  function requireSku(sku: unknown): asserts sku is string {
    if (typeof sku !== "string" || sku.length === 0) {
      throw new ValidationError("sku must be a non-empty string", [
        { path: "sku", message: "pass the supplier's sku" },
      ]);
    }
  }

  function requireQuantity(quantity: unknown): asserts quantity is number {
    if (!Number.isInteger(quantity) || (quantity as number) < 1) {
      throw new ValidationError("quantity must be a whole number ≥ 1", [
        { path: "quantity", message: "pass how many units you want to buy" },
      ]);
    }
  }

  function throwIfAborted(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw abortedError();
  }

  function removeSku(sku: string): void {
    for (const [key, entry] of entries) {
      const holds =
        entry.kind === "list" ? entry.products.some((product) => product.sku === sku) : entry.sku === sku;
      if (holds) entries.delete(key);
    }
  }

  return {
    supplier,

    async getStock(sku, quantity = 1, callOptions = {}) {
      requireSku(sku);
      requireQuantity(quantity);
      throwIfAborted(callOptions.signal);
      const known = lookup(sku, quantity, { catalogue: false, includeExpired: false });
      if (known) {
        counters.hits += 1;
        touch(known.key);
        if (dueForRefresh(known)) refreshStock(sku, quantity);
        return structuredClone(known.level);
      }
      counters.misses += 1;
      if (closed) throw closedError();
      if (stockUnsupported) return structuredClone((await stockFromProduct(sku, callOptions.signal)).level);
      const answer = await join(
        shared(stockKey(sku, quantity), () => stockFlight(sku, quantity, false)),
        callOptions.signal,
      );
      return structuredClone(answer.level);
    },

    async getProduct(sku, callOptions = {}) {
      requireSku(sku);
      throwIfAborted(callOptions.signal);
      if (productUnsupported) {
        throw new UnsupportedOperationError(`${supplier} has no product lookup`, { supplier });
      }
      const key = productKey(sku);
      const entry = entries.get(key);
      if (entry?.kind === "product" && isFresh(entry)) {
        counters.hits += 1;
        touch(key);
        if (dueForRefresh(entry)) refreshInBackground(key, () => productFlight(sku, true));
        return cloneProduct(entry.product);
      }
      counters.misses += 1;
      if (closed) throw closedError();
      const product = await join(
        shared(key, () => productFlight(sku, false)),
        callOptions.signal,
      );
      return cloneProduct(product);
    },

    async listProducts(query = {}, callOptions = {}) {
      const parsed = parseInput(ProductQuerySchema, query, "product query");
      throwIfAborted(callOptions.signal);
      const key = listKey(parsed);
      const entry = entries.get(key);
      if (entry?.kind === "list" && isFresh(entry)) {
        counters.hits += 1;
        touch(key);
        if (dueForRefresh(entry)) refreshInBackground(key, () => listFlight(entry.query, true));
        return structuredClone(entry.products);
      }
      counters.misses += 1;
      if (closed) throw closedError();
      const products = await join(
        shared(key, () => listFlight(parsed, false)),
        callOptions.signal,
      );
      return structuredClone(products);
    },

    peek(sku, quantity = 1) {
      requireSku(sku);
      requireQuantity(quantity);
      const known = lookup(sku, quantity, { catalogue: true, includeExpired: true });
      if (!known) return undefined;
      const at = now();
      return {
        level: structuredClone(known.level),
        ageMs: Math.max(0, at - known.storedAt),
        source: known.source,
        fresh: isFresh(known, at),
      };
    },

    isKnownEmpty(sku, quantity = 1) {
      requireSku(sku);
      requireQuantity(quantity);
      const known = lookup(sku, quantity, { catalogue: true, includeExpired: false });
      if (!known) return false;
      const { status, available } = known.level;
      return status === "out_of_stock" || (available !== undefined && available < quantity);
    },

    recordOutOfStock(sku) {
      requireSku(sku);
      // The positive answers this rejection contradicts go now; answers of requests already in
      // flight are older than the mark and will not be stored (acceptsAfterMark).
      for (const [key, entry] of entries) {
        if ((entry.kind === "stock" || entry.kind === "product") && entry.sku === sku) entries.delete(key);
      }
      sequence += 1;
      const at = now();
      put(markKey(sku), { kind: "order", sku, sequence, storedAt: at, expiresAt: at + outOfStockTtlMs });
    },

    invalidate(sku) {
      if (sku === undefined) {
        entries.clear();
        for (const flight of [...inflight.values()]) abandon(flight);
        return;
      }
      requireSku(sku);
      removeSku(sku);
      // A listing in flight may hold the sku too: its answer is not stored either.
      for (const flight of [...inflight.values()]) {
        if (flight.sku === sku || flight.sku === undefined) abandon(flight);
      }
    },

    stats() {
      return { ...counters, size: entries.size };
    },

    close() {
      closed = true;
      for (const flight of [...inflight.values()]) abandon(flight);
    },
  };
}

function cloneProduct(product: Product | undefined): Product | undefined {
  return product === undefined ? undefined : structuredClone(product);
}

/** A listing query as text with its keys sorted and unset fields left out, so equal queries share an entry. */
function stableQuery(query: ProductQuery): string {
  const fields = Object.entries(query)
    .filter(([, value]) => value !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return JSON.stringify(fields);
}
