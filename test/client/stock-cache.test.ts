import {
  AbortedError,
  ConfigurationError,
  createSupplierClient,
  type Logger,
  NoAnswerError,
  OutOfStockError,
  type Product,
  type ProductQuery,
  type StockLevel,
  type StockStatus,
  type SupplierClient,
  UnsupportedOperationError,
  ValidationError,
} from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createFuluSimulator, type FuluSimulator } from "kaquan/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createStockCache,
  type StockCacheClient,
  type StockCacheOptions,
} from "../../src/client/stock-cache.js";

function level(sku: string, status: StockStatus, available?: number): StockLevel {
  return {
    sku,
    status,
    checkedAt: "2026-01-01T00:00:00.000Z",
    ...(available === undefined ? {} : { available }),
  };
}

function product(sku: string, stockStatus?: StockStatus): Product {
  return {
    sku,
    name: `product ${sku}`,
    kind: "card",
    saleStatus: "on_sale",
    price: { amount: "9.50", currency: "CNY" },
    ...(stockStatus ? { stockStatus } : {}),
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks (a background refresh) run to their end. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A client whose answers each test scripts; every call and the signal it carried is recorded. */
function createFakeClient() {
  const calls = {
    stock: [] as Array<{ sku: string; quantity: number | undefined; signal: AbortSignal | undefined }>,
    product: [] as Array<{ sku: string; signal: AbortSignal | undefined }>,
    list: [] as Array<{ query: ProductQuery | undefined; signal: AbortSignal | undefined }>,
  };
  const fake = {
    calls,
    stock: (sku: string, _quantity: number, _signal?: AbortSignal): StockLevel | Promise<StockLevel> =>
      level(sku, "in_stock"),
    product: (sku: string): Product | undefined | Promise<Product | undefined> => product(sku, "in_stock"),
    list: (_query: ProductQuery | undefined): Product[] | Promise<Product[]> => [],
    client: undefined as unknown as StockCacheClient,
  };
  fake.client = {
    supplier: "fake",
    async getStock(sku, quantity, options) {
      calls.stock.push({ sku, quantity, signal: options?.signal });
      return fake.stock(sku, quantity ?? 1, options?.signal);
    },
    async getProduct(sku, options) {
      calls.product.push({ sku, signal: options?.signal });
      return fake.product(sku);
    },
    async listProducts(query, options) {
      calls.list.push({ query, signal: options?.signal });
      return fake.list(query);
    },
  };
  return fake;
}

function setup(options: Omit<StockCacheOptions, "client" | "now"> = {}) {
  const fake = createFakeClient();
  const clock = { now: 1_000_000 };
  const cache = createStockCache({ client: fake.client, now: () => clock.now, ...options });
  return { fake, clock, cache };
}

describe("stock cache: hits, misses and expiry", () => {
  it("asks the supplier on a miss and answers the next read from the cache", async () => {
    const { fake, cache } = setup();
    expect(await cache.getStock("A")).toMatchObject({ sku: "A", status: "in_stock" });
    expect(await cache.getStock("A")).toMatchObject({ sku: "A", status: "in_stock" });
    expect(fake.calls.stock).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, size: 1 });
  });

  it("never serves an expired entry, even when the new request fails", async () => {
    const { fake, clock, cache } = setup({ ttlMs: 1_000, refreshAheadMs: 0 });
    await cache.getStock("A");
    clock.now += 999;
    await cache.getStock("A");
    expect(fake.calls.stock).toHaveLength(1);
    clock.now += 1;
    fake.stock = () => Promise.reject(new NoAnswerError("timed out", { supplier: "fake" }));
    await expect(cache.getStock("A")).rejects.toBeInstanceOf(NoAnswerError);
    expect(fake.calls.stock).toHaveLength(2);
    expect(cache.peek("A")).toMatchObject({ fresh: false, source: "stock" });
    fake.stock = (sku) => level(sku, "low");
    expect((await cache.getStock("A")).status).toBe("low");
  });

  it("returns copies: a caller changing an answer does not change the cache", async () => {
    const { cache } = setup();
    const first = await cache.getStock("A");
    first.status = "out_of_stock";
    expect((await cache.getStock("A")).status).toBe("in_stock");
  });

  it("keys stock answers by sku and quantity", async () => {
    const { fake, cache } = setup();
    fake.stock = (sku, quantity) => level(sku, quantity > 3 ? "out_of_stock" : "in_stock", 3);
    expect((await cache.getStock("A", 1)).status).toBe("in_stock");
    expect((await cache.getStock("A", 5)).status).toBe("out_of_stock");
    await cache.getStock("A", 1);
    await cache.getStock("A", 5);
    expect(fake.calls.stock.map((call) => call.quantity)).toEqual([1, 5]);
    expect(cache.peek("A", 1)?.level.status).toBe("in_stock");
    expect(cache.peek("A", 5)?.level.status).toBe("out_of_stock");
    expect(cache.peek("A", 2)).toBeUndefined();
    expect(cache.isKnownEmpty("A", 1)).toBe(false);
    expect(cache.isKnownEmpty("A", 5)).toBe(true);
  });

  it("treats a count below the quantity as empty", async () => {
    const { fake, cache } = setup();
    fake.stock = (sku) => level(sku, "low", 2);
    await cache.getStock("A", 4);
    expect(cache.isKnownEmpty("A", 4)).toBe(true);
    expect(cache.isKnownEmpty("A", 1)).toBe(false);
  });
});

describe("stock cache: refresh-ahead", () => {
  it("returns the cached value near expiry and makes exactly one background request", async () => {
    const { fake, clock, cache } = setup({ ttlMs: 1_000, refreshAheadMs: 200 });
    await cache.getStock("A");
    fake.stock = (sku) => level(sku, "low");
    clock.now += 850;
    const reads = await Promise.all([cache.getStock("A"), cache.getStock("A"), cache.getStock("A")]);
    expect(reads.map((read) => read.status)).toEqual(["in_stock", "in_stock", "in_stock"]);
    await settle();
    expect(fake.calls.stock).toHaveLength(2);
    expect(cache.stats()).toMatchObject({ refreshes: 1, hits: 3, misses: 1 });
    expect((await cache.getStock("A")).status).toBe("low");
    // The refreshed entry's lifetime counts from the refresh, so the old expiry no longer applies.
    clock.now += 500;
    expect((await cache.getStock("A")).status).toBe("low");
    expect(fake.calls.stock).toHaveLength(2);
  });

  it("does not refresh a read outside the window", async () => {
    const { fake, clock, cache } = setup({ ttlMs: 1_000, refreshAheadMs: 200 });
    await cache.getStock("A");
    clock.now += 799;
    await cache.getStock("A");
    await settle();
    expect(fake.calls.stock).toHaveLength(1);
    expect(cache.stats().refreshes).toBe(0);
  });

  it("keeps the old value when a background refresh fails, counts and logs it, and lets it expire", async () => {
    const debugLines: Array<{ object: object; message: string | undefined }> = [];
    const logger: Logger = {
      debug: (object, message) => debugLines.push({ object, message }),
      info() {},
      warn() {},
      error() {},
    };
    const { fake, clock, cache } = setup({ ttlMs: 1_000, refreshAheadMs: 200, logger });
    await cache.getStock("A");
    fake.stock = () => Promise.reject(new NoAnswerError("gateway timeout", { supplier: "fake" }));
    clock.now += 900;
    expect((await cache.getStock("A")).status).toBe("in_stock");
    await settle();
    expect(cache.stats()).toMatchObject({ refreshes: 1, refreshFailures: 1 });
    expect(debugLines).toHaveLength(1);
    expect(debugLines[0]!.message).toMatch(/refresh failed/);
    expect(cache.peek("A")).toMatchObject({ fresh: true, level: { status: "in_stock" } });
    clock.now += 100;
    await expect(cache.getStock("A")).rejects.toBeInstanceOf(NoAnswerError);
  });
});

describe("stock cache: single flight", () => {
  it("shares one request among 50 concurrent callers", async () => {
    const { fake, cache } = setup();
    const answer = deferred<StockLevel>();
    fake.stock = () => answer.promise;
    const reads = Array.from({ length: 50 }, () => cache.getStock("A", 2));
    answer.resolve(level("A", "in_stock", 10));
    const levels = await Promise.all(reads);
    expect(fake.calls.stock).toHaveLength(1);
    expect(levels.every((read) => read.available === 10)).toBe(true);
    expect(cache.stats()).toMatchObject({ misses: 50, hits: 0 });
  });

  it("does not cache a failure: every waiter gets the error and the next read asks again", async () => {
    const { fake, cache } = setup();
    const answer = deferred<StockLevel>();
    fake.stock = () => answer.promise;
    const reads = Array.from({ length: 3 }, () => cache.getStock("A"));
    answer.reject(new NoAnswerError("reset", { supplier: "fake" }));
    for (const read of reads) await expect(read).rejects.toBeInstanceOf(NoAnswerError);
    expect(cache.peek("A")).toBeUndefined();
    fake.stock = (sku) => level(sku, "in_stock");
    expect((await cache.getStock("A")).status).toBe("in_stock");
    expect(fake.calls.stock).toHaveLength(2);
  });
});

describe("stock cache: abort signals", () => {
  it("passes the caller's abort through to the supplier request", async () => {
    const { fake, cache } = setup();
    let seen: AbortSignal | undefined;
    fake.stock = (_sku, _quantity, signal) =>
      new Promise<StockLevel>((_resolve, reject) => {
        seen = signal;
        signal?.addEventListener("abort", () => reject(new AbortedError("aborted")));
      });
    const controller = new AbortController();
    const read = cache.getStock("A", 1, { signal: controller.signal });
    await settle();
    expect(seen?.aborted).toBe(false);
    controller.abort();
    await expect(read).rejects.toBeInstanceOf(AbortedError);
    expect(seen?.aborted).toBe(true);
    expect(cache.peek("A")).toBeUndefined();
  });

  it("keeps a shared request running while another caller still waits", async () => {
    const { fake, cache } = setup();
    const answer = deferred<StockLevel>();
    fake.stock = () => answer.promise;
    const controller = new AbortController();
    const leaving = cache.getStock("A", 1, { signal: controller.signal });
    const staying = cache.getStock("A");
    controller.abort();
    await expect(leaving).rejects.toBeInstanceOf(AbortedError);
    expect(fake.calls.stock[0]!.signal?.aborted).toBe(false);
    answer.resolve(level("A", "low"));
    expect((await staying).status).toBe("low");
    expect(cache.peek("A")?.level.status).toBe("low");
  });

  it("rejects an already aborted call without a request", async () => {
    const { fake, cache } = setup();
    await expect(cache.getStock("A", 1, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    await expect(cache.getProduct("A", { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(fake.calls.stock).toHaveLength(0);
    expect(fake.calls.product).toHaveLength(0);
  });
});

describe("stock cache: LRU bound", () => {
  it("evicts the least recently used entry at maxEntries", async () => {
    const { fake, cache } = setup({ maxEntries: 2 });
    await cache.getStock("A");
    await cache.getStock("B");
    await cache.getStock("A");
    await cache.getStock("C");
    expect(cache.stats()).toMatchObject({ evictions: 1, size: 2 });
    expect(cache.peek("B")).toBeUndefined();
    await cache.getStock("A");
    expect(fake.calls.stock.map((call) => call.sku)).toEqual(["A", "B", "C"]);
    await cache.getStock("B");
    expect(fake.calls.stock.map((call) => call.sku)).toEqual(["A", "B", "C", "B"]);
  });
});

describe("stock cache: out of stock learnt from an order", () => {
  it("invalidates the positive entry and believes the sku empty until outOfStockTtlMs", async () => {
    const { fake, clock, cache } = setup({ ttlMs: 1_000, refreshAheadMs: 0, outOfStockTtlMs: 400 });
    await cache.getStock("A");
    expect(cache.isKnownEmpty("A")).toBe(false);
    cache.recordOutOfStock("A");
    expect(cache.isKnownEmpty("A")).toBe(true);
    expect(cache.isKnownEmpty("A", 7)).toBe(true);
    expect(cache.peek("A")).toMatchObject({
      source: "order",
      fresh: true,
      level: { status: "out_of_stock" },
    });
    expect((await cache.getStock("A")).status).toBe("out_of_stock");
    expect(fake.calls.stock).toHaveLength(1);
    clock.now += 399;
    expect(cache.isKnownEmpty("A")).toBe(true);
    clock.now += 1;
    // The mark expired and the positive entry (still inside its own ttl) is gone, not resurrected.
    expect(cache.isKnownEmpty("A")).toBe(false);
    expect((await cache.getStock("A")).status).toBe("in_stock");
    expect(fake.calls.stock).toHaveLength(2);
  });

  it("does not let an answer requested before the mark override it", async () => {
    const { fake, cache } = setup();
    const answer = deferred<StockLevel>();
    fake.stock = () => answer.promise;
    const read = cache.getStock("A");
    cache.recordOutOfStock("A");
    answer.resolve(level("A", "in_stock"));
    expect((await read).status).toBe("in_stock");
    expect(cache.peek("A")?.source).toBe("order");
    expect(cache.isKnownEmpty("A")).toBe(true);
  });

  it("is replaced by a successful stock read made after it", async () => {
    const { fake, clock, cache } = setup({ ttlMs: 1_000, refreshAheadMs: 200 });
    cache.recordOutOfStock("A");
    clock.now += 900;
    expect((await cache.getStock("A")).status).toBe("out_of_stock");
    await settle();
    expect(fake.calls.stock).toHaveLength(1);
    expect(cache.peek("A")).toMatchObject({ source: "stock", level: { status: "in_stock" } });
    expect(cache.isKnownEmpty("A")).toBe(false);
  });

  it("takes precedence over a newer catalogue answer of a supplier with a stock API", async () => {
    const { fake, cache } = setup();
    cache.recordOutOfStock("A");
    fake.list = () => [product("A", "in_stock")];
    await cache.listProducts();
    expect(cache.peek("A")?.source).toBe("order");
    expect(cache.isKnownEmpty("A")).toBe(true);
  });
});

describe("stock cache: suppliers without a stock API", () => {
  it("falls back to the product's stock status and asks the stock API only once", async () => {
    const { fake, cache } = setup();
    fake.stock = () => Promise.reject(new UnsupportedOperationError("fake has no stock API"));
    fake.product = (sku) => product(sku, "low");
    expect((await cache.getStock("A")).status).toBe("low");
    expect((await cache.getStock("A", 3)).status).toBe("low");
    expect(await cache.getStock("B")).toMatchObject({ sku: "B", status: "low" });
    expect(fake.calls.stock).toHaveLength(1);
    expect(fake.calls.product.map((call) => call.sku)).toEqual(["A", "B"]);
    expect(cache.peek("A")?.source).toBe("product");
    expect(await cache.getProduct("A")).toMatchObject({ sku: "A", stockStatus: "low" });
    expect(fake.calls.product).toHaveLength(2);
  });

  it("answers unknown, source unsupported, for a product without a stock status", async () => {
    const { fake, cache } = setup();
    fake.stock = () => Promise.reject(new UnsupportedOperationError("fake has no stock API"));
    fake.product = (sku) => product(sku);
    expect((await cache.getStock("A")).status).toBe("unknown");
    expect(cache.peek("A")).toMatchObject({ source: "unsupported", level: { status: "unknown" } });
    expect(cache.isKnownEmpty("A")).toBe(false);
  });

  it("answers unknown without requests when neither stock nor product lookups exist", async () => {
    const { fake, cache } = setup();
    fake.stock = () => Promise.reject(new UnsupportedOperationError("fake has no stock API"));
    fake.product = () => Promise.reject(new UnsupportedOperationError("fake has no product lookup"));
    expect((await cache.getStock("A")).status).toBe("unknown");
    expect((await cache.getStock("B", 2)).status).toBe("unknown");
    expect(cache.peek("C")).toMatchObject({ source: "unsupported", fresh: true });
    await expect(cache.getProduct("A")).rejects.toBeInstanceOf(UnsupportedOperationError);
    expect(fake.calls.stock).toHaveLength(1);
    expect(fake.calls.product).toHaveLength(1);
    // An order rejection is still worth remembering for such a supplier.
    cache.recordOutOfStock("A");
    expect(cache.isKnownEmpty("A")).toBe(true);
    expect((await cache.getStock("A")).status).toBe("out_of_stock");
  });

  it("lets a newer product answer replace an out-of-stock mark when the product is the stock source", async () => {
    const { fake, clock, cache } = setup({ ttlMs: 1_000, refreshAheadMs: 0, outOfStockTtlMs: 5_000 });
    fake.stock = () => Promise.reject(new UnsupportedOperationError("fake has no stock API"));
    await cache.getStock("A");
    cache.recordOutOfStock("A");
    expect((await cache.getStock("A")).status).toBe("out_of_stock");
    clock.now += 10;
    fake.product = (sku) => product(sku, "in_stock");
    await cache.getProduct("A");
    expect(cache.peek("A")).toMatchObject({ source: "product", level: { status: "in_stock" } });
  });
});

describe("stock cache: products and listings", () => {
  it("caches an unknown sku's undefined answer", async () => {
    const { fake, cache } = setup();
    fake.product = () => undefined;
    expect(await cache.getProduct("NOPE")).toBeUndefined();
    expect(await cache.getProduct("NOPE")).toBeUndefined();
    expect(fake.calls.product).toHaveLength(1);
  });

  it("fills product entries from a listing", async () => {
    const { fake, cache } = setup();
    fake.list = () => [product("A", "in_stock"), product("B", "out_of_stock")];
    const listed = await cache.listProducts({ kind: "card" });
    expect(listed.map((item) => item.sku)).toEqual(["A", "B"]);
    expect(await cache.getProduct("A")).toMatchObject({ sku: "A" });
    expect(fake.calls.product).toHaveLength(0);
    expect(cache.peek("A")).toMatchObject({ source: "product", level: { status: "in_stock" } });
    expect(cache.isKnownEmpty("B")).toBe(true);
    // getStock asks the stock API: a catalogue level is coarser than the supplier's stock check.
    await cache.getStock("A");
    expect(fake.calls.stock).toHaveLength(1);
  });

  it("keys listings by a stable form of the query", async () => {
    const { fake, cache } = setup();
    fake.list = () => [product("A")];
    await cache.listProducts({ kind: "card", name: "vip" });
    await cache.listProducts({ name: "vip", kind: "card" });
    await cache.listProducts({ kind: "card", name: "vip", sku: undefined });
    expect(fake.calls.list).toHaveLength(1);
    await cache.listProducts({ kind: "direct" });
    await cache.listProducts();
    expect(fake.calls.list).toHaveLength(3);
    await expect(cache.listProducts({ colour: "red" } as ProductQuery)).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe("stock cache: invalidate and close", () => {
  it("invalidates one sku (every quantity) or everything", async () => {
    const { fake, cache } = setup();
    fake.list = () => [product("A"), product("B")];
    await cache.getStock("A", 1);
    await cache.getStock("A", 5);
    await cache.getStock("B");
    await cache.listProducts();
    cache.invalidate("A");
    expect(cache.peek("A", 1)).toBeUndefined();
    expect(cache.peek("A", 5)).toBeUndefined();
    expect(cache.peek("B")).toBeDefined();
    await cache.getStock("A", 5);
    await cache.getStock("B");
    await cache.listProducts();
    expect(fake.calls.stock).toHaveLength(4);
    // The listing held A, so it went too.
    expect(fake.calls.list).toHaveLength(2);
    cache.invalidate();
    expect(cache.stats().size).toBe(0);
    await cache.getStock("B");
    expect(fake.calls.stock).toHaveLength(5);
  });

  it("does not store the answer of a request in flight when it was invalidated", async () => {
    const { fake, cache } = setup();
    const answer = deferred<StockLevel>();
    fake.stock = () => answer.promise;
    const read = cache.getStock("A");
    cache.invalidate("A");
    answer.resolve(level("A", "in_stock"));
    expect((await read).status).toBe("in_stock");
    expect(cache.peek("A")).toBeUndefined();
  });

  it("close() discards a refresh in flight and sends nothing more", async () => {
    const { fake, clock, cache } = setup({ ttlMs: 1_000, refreshAheadMs: 200 });
    await cache.getStock("A");
    const refreshed = deferred<StockLevel>();
    fake.stock = () => refreshed.promise;
    clock.now += 900;
    expect((await cache.getStock("A")).status).toBe("in_stock");
    expect(fake.calls.stock).toHaveLength(2);
    cache.close();
    expect(fake.calls.stock[1]!.signal?.aborted).toBe(true);
    refreshed.resolve(level("A", "out_of_stock"));
    await settle();
    expect(cache.peek("A")).toMatchObject({ source: "stock", level: { status: "in_stock" } });
    expect(cache.stats().refreshFailures).toBe(0);
    // Still fresh: served without a request. A miss rejects and sends nothing.
    expect((await cache.getStock("A")).status).toBe("in_stock");
    await expect(cache.getStock("B")).rejects.toBeInstanceOf(ConfigurationError);
    clock.now += 100;
    await expect(cache.getStock("A")).rejects.toBeInstanceOf(ConfigurationError);
    expect(fake.calls.stock).toHaveLength(2);
  });
});

describe("stock cache: input and configuration", () => {
  it("refuses bad input with a ValidationError that names the field", async () => {
    const { cache } = setup();
    await expect(cache.getStock("")).rejects.toBeInstanceOf(ValidationError);
    await expect(cache.getStock("A", 0)).rejects.toMatchObject({ issues: [{ path: "quantity" }] });
    expect(() => cache.peek("A", 1.5)).toThrow(ValidationError);
    expect(() => cache.isKnownEmpty("")).toThrow(ValidationError);
    expect(() => cache.recordOutOfStock(undefined as unknown as string)).toThrow(ValidationError);
  });

  it("refuses nonsense options with a ConfigurationError that teaches the fix", () => {
    const { client } = createFakeClient();
    expect(() => createStockCache({} as StockCacheOptions)).toThrow(/createSupplierClient/);
    expect(() => createStockCache({ client, ttlMs: 0 })).toThrow(ConfigurationError);
    expect(() => createStockCache({ client, ttlMs: 1_000, refreshAheadMs: 1_000 })).toThrow(/below ttlMs/);
    expect(() => createStockCache({ client, maxEntries: 0 })).toThrow(ConfigurationError);
    expect(() => createStockCache({ client, outOfStockTtlMs: -1 })).toThrow(ConfigurationError);
    expect(createStockCache({ client, refreshAheadMs: 0 }).supplier).toBe("fake");
  });
});

describe("stock cache end to end against the Fulu simulator", () => {
  let simulator: FuluSimulator;
  let client: SupplierClient;

  beforeEach(async () => {
    simulator = createFuluSimulator({ settleAfterMs: 30 });
    await simulator.start();
    client = createSupplierClient({
      adapter: createFuluAdapter({
        appKey: simulator.appKey,
        appSecret: simulator.appSecret,
        endpoint: simulator.url,
      }),
      http: { timeoutMs: 2_000 },
      retry: { maxAttempts: 1 },
    });
  });

  afterEach(async () => {
    client.close();
    await simulator.close();
  });

  it("does not see 断货 set after a cached read until expiry or recordOutOfStock", async () => {
    const clock = { now: 1_000_000 };
    const cache = createStockCache({ client, ttlMs: 10_000, refreshAheadMs: 0, now: () => clock.now });
    const stockChecks = () => simulator.requests("fulu.goods.stock.check").length;

    expect((await cache.getStock("10000002", 2)).status).toBe("in_stock");
    simulator.setStock(10000002, "断货");
    expect((await cache.getStock("10000002", 2)).status).toBe("in_stock");
    expect(stockChecks()).toBe(1);

    // The order tells the truth; the merchant records it and the cache believes it at once.
    await expect(
      client.placeOrder({ merchantOrderId: "SC-1", kind: "card", sku: "10000002", quantity: 2 }),
    ).rejects.toBeInstanceOf(OutOfStockError);
    cache.recordOutOfStock("10000002");
    expect(cache.isKnownEmpty("10000002", 2)).toBe(true);
    expect((await cache.getStock("10000002", 2)).status).toBe("out_of_stock");
    expect(stockChecks()).toBe(1);

    // Another sku, cached before it ran out, is only seen empty once its entry expires.
    expect((await cache.getStock("10000003")).status).toBe("in_stock");
    simulator.setStock(10000003, "断货");
    clock.now += 9_999;
    expect((await cache.getStock("10000003")).status).toBe("in_stock");
    clock.now += 1;
    expect(await cache.getStock("10000003")).toMatchObject({ status: "out_of_stock", vendorStatus: "断货" });
    expect(cache.peek("10000003")?.source).toBe("stock");
    expect(stockChecks()).toBe(3);
  });
});
