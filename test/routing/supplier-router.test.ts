import {
  createSupplierClient,
  InsufficientBalanceError,
  InvalidAccountError,
  KaquanError,
  MemoryIdempotencyStore,
  NoAnswerError,
  NoSupplierAvailableError,
  NotSentError,
  OutOfStockError,
  requestFingerprint,
  StoreUnavailableError,
  type SupplierClient,
} from "kaquan";
import {
  createSupplierRouter,
  MemoryRouteStore,
  RoutedOrderRequestSchema,
  type RouteInput,
  type RouterEvent,
} from "kaquan/routing";
import { afterEach, describe, expect, it } from "vitest";
import { commitThenLose, createFakeAdapter } from "../client/fake-adapter.js";

type Fake = ReturnType<typeof createFakeAdapter> & { client: SupplierClient };

const clients: SupplierClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

function fakeSupplier(name: string, extra: Partial<Parameters<typeof createSupplierClient>[0]> = {}): Fake {
  const fake = createFakeAdapter();
  const client = createSupplierClient({
    adapter: { ...fake.adapter, name },
    retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
    resolveTimeoutMs: 200,
    pollIntervalMs: 5,
    notFoundGraceMs: 10_000,
    ...extra,
  });
  clients.push(client);
  return { ...fake, client };
}

function threeSuppliers() {
  const a = fakeSupplier("alpha");
  const b = fakeSupplier("beta");
  const c = fakeSupplier("gamma");
  for (const [fake, sku, price] of [
    [a, "A-60", "5.90"],
    [b, "B-60", "5.70"],
    [c, "C-60", "5.80"],
  ] as const) {
    fake.products.set(sku, {
      sku,
      name: "Game 60",
      kind: "direct",
      saleStatus: "on_sale",
      price: { amount: price, currency: "CNY" },
    });
  }
  const routes: RouteInput[] = [
    {
      sku: "GAME-60",
      kind: "direct",
      offers: [
        { supplier: "alpha", sku: "A-60", priority: 1, cost: { amount: "5.90", currency: "CNY" } },
        { supplier: "beta", sku: "B-60", priority: 2, cost: { amount: "5.70", currency: "CNY" } },
        { supplier: "gamma", sku: "C-60", priority: 3, cost: { amount: "5.80", currency: "CNY" } },
      ],
    },
  ];
  return { a, b, c, routes };
}

const order = (merchantOrderId: string, extra: Record<string, unknown> = {}) => ({
  merchantOrderId,
  sku: "GAME-60",
  account: "10001",
  ...extra,
});

describe("createSupplierRouter: fail-over", () => {
  const definitive: Array<[string, () => Error]> = [
    ["out of stock", () => new OutOfStockError("no stock")],
    ["insufficient balance", () => new InsufficientBalanceError("top up")],
    ["not sent (supplier down)", () => new NotSentError("connect ECONNREFUSED")],
  ];
  for (const [name, makeError] of definitive) {
    it(`moves to the next supplier after ${name}, with a new reference per attempt`, async () => {
      const { a, b, c, routes } = threeSuppliers();
      // alpha fails every attempt (the client retries a not-sent error once).
      a.placeSteps.push(makeError, makeError);
      const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
      const placed = await router.placeOrder(order("M1"));
      expect(placed.supplier).toBe("beta");
      expect(placed.merchantOrderId).toBe("M1");
      expect(placed.supplierReference).toBe("M1-2");
      expect(placed.route.attempts.map((attempt) => [attempt.supplier, attempt.outcome])).toEqual([
        ["alpha", "rejected"],
        ["beta", "placed"],
      ]);
      expect(b.orders.has("M1-2")).toBe(true);
      expect(a.orders.has("M1-1")).toBe(false);
      expect(c.calls.place).toBe(0);
    });
  }

  it("never fails over after an ambiguous failure: the order stays unknown on that supplier", async () => {
    const { a, b, c, routes } = threeSuppliers();
    // alpha commits the order and the answer is lost; its query says "not found" (lag).
    a.placeSteps.push(commitThenLose(a.orders, new NoAnswerError("socket hang up")));
    a.querySteps.push(...Array.from({ length: 1000 }, () => () => undefined));
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    const placed = await router.placeOrder(order("M2"));
    expect(placed.status).toBe("unknown");
    expect(placed.supplier).toBe("alpha");
    expect(b.calls.place + c.calls.place).toBe(0);
    // Resolved there, later.
    a.querySteps.length = 0;
    const resolved = await router.getOrder("M2");
    expect(resolved.status).toBe("succeeded");
    expect(resolved.supplierReference).toBe("M2-1");
  });

  it("stops without failing over when the account is invalid (every supplier would refuse it)", async () => {
    const { a, b, c, routes } = threeSuppliers();
    a.placeSteps.push(() => new InvalidAccountError("no such account"));
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    await expect(router.placeOrder(order("M3"))).rejects.toSatisfy((error) =>
      InvalidAccountError.isInstance(error),
    );
    expect(b.calls.place + c.calls.place).toBe(0);
  });

  it("reports every supplier's reason when none can take the order", async () => {
    const { a, b, c, routes } = threeSuppliers();
    a.placeSteps.push(() => new OutOfStockError("a empty"));
    b.placeSteps.push(() => new InsufficientBalanceError("b broke"));
    c.placeSteps.push(() => new OutOfStockError("c empty"));
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    const error = await router.placeOrder(order("M4")).catch((caught: unknown) => caught);
    expect(NoSupplierAvailableError.isInstance(error)).toBe(true);
    const routeAttempts = (error as NoSupplierAvailableError).routeAttempts;
    expect(routeAttempts.map((attempt) => [attempt.supplier, attempt.code])).toEqual([
      ["alpha", "out_of_stock"],
      ["beta", "insufficient_balance"],
      ["gamma", "out_of_stock"],
    ]);
    // The same id again returns the same outcome without asking anyone.
    const before = a.calls.place + b.calls.place + c.calls.place;
    await expect(router.placeOrder(order("M4"))).rejects.toSatisfy((caught) =>
      NoSupplierAvailableError.isInstance(caught),
    );
    expect(a.calls.place + b.calls.place + c.calls.place).toBe(before);
  });

  it("a synchronous failed answer is definitive: fails over", async () => {
    const { a, b, c, routes } = threeSuppliers();
    a.placeSteps.push((request) => ({
      merchantOrderId: request.merchantOrderId,
      status: "failed",
      source: "place",
      failure: { code: "out_of_stock", message: "sold out" },
    }));
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    const placed = await router.placeOrder(order("M5"));
    expect(placed.supplier).toBe("beta");
  });
});

describe("createSupplierRouter: circuit breakers", () => {
  it("a tripped breaker is skipped without asking the supplier, and recovers through a probe", async () => {
    let clock = 1_000_000;
    const a = fakeSupplier("alpha", {
      retry: { maxAttempts: 1 },
      health: { breaker: { consecutiveFailures: 2, openMs: 5_000 }, now: () => clock },
    });
    const b = fakeSupplier("beta");
    const routes: RouteInput[] = [
      {
        sku: "GAME-60",
        kind: "direct",
        offers: [
          { supplier: "alpha", sku: "A-60", priority: 1 },
          { supplier: "beta", sku: "B-60", priority: 2 },
        ],
      },
    ];
    const router = createSupplierRouter({ suppliers: [a.client, b.client], routes });
    const down = () => new NotSentError("connect ECONNREFUSED");
    a.placeSteps.push(down, down);
    // Two orders fail over from alpha (connection refused): the breaker opens.
    expect((await router.placeOrder(order("B1"))).supplier).toBe("beta");
    expect((await router.placeOrder(order("B2"))).supplier).toBe("beta");
    expect(a.client.health?.circuit?.state()).toBe("open");
    const opened = router.health();
    expect(opened.alpha).toMatchObject({
      available: false,
      snapshot: { supplier: "alpha", circuit: { state: "open" } },
    });
    expect(opened.beta?.available).toBe(true);
    expect(JSON.parse(JSON.stringify(opened))).toEqual(opened);
    const asked = a.calls.place;
    const third = await router.placeOrder(order("B3"));
    expect(third.supplier).toBe("beta");
    expect(third.route.attempts[0]).toMatchObject({
      supplier: "alpha",
      outcome: "skipped",
      code: "circuit_open",
    });
    expect(a.calls.place).toBe(asked);
    // After the cool-down one probe goes through; its success closes the breaker.
    clock += 5_001;
    const fourth = await router.placeOrder(order("B4"));
    expect(fourth.supplier).toBe("alpha");
    expect(a.client.health?.circuit?.state()).toBe("closed");
    expect(router.health().alpha?.available).toBe(true);
  });

  it("an open breaker on the client refuses a direct placement with CircuitOpenError and sends nothing", async () => {
    const a = fakeSupplier("alpha", {
      retry: { maxAttempts: 1 },
      health: { breaker: { consecutiveFailures: 1 } },
    });
    a.placeSteps.push(() => new NotSentError("connect ECONNREFUSED"));
    await expect(
      a.client.placeOrder({ merchantOrderId: "C1", kind: "direct", sku: "1001", account: "1" }),
    ).rejects.toSatisfy((error) => NotSentError.isInstance(error));
    const before = a.calls.place;
    const error = await a.client
      .placeOrder({ merchantOrderId: "C2", kind: "direct", sku: "1001", account: "1" })
      .catch((caught: unknown) => caught);
    expect(KaquanError.isInstance(error) && error.code).toBe("circuit_open");
    expect(a.calls.place).toBe(before);
    // Nothing was sent, so the id is free again.
    expect(await a.client.getStoredOrder("C2")).toBeUndefined();
  });
});

describe("createSupplierRouter: idempotency", () => {
  it("the same id and request returns the existing order; another request is a conflict", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    const first = await router.placeOrder(order("M6"));
    const again = await router.placeOrder(order("M6"));
    expect(again.supplierReference).toBe(first.supplierReference);
    expect(again.meta.resolvedBy).toBe("existing");
    expect(a.calls.place).toBe(1);
    await expect(router.placeOrder(order("M6", { account: "other" }))).rejects.toSatisfy(
      (error) => KaquanError.isInstance(error) && error.code === "idempotency_conflict",
    );
  });

  it("100 concurrent calls with one id reach one supplier once", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    const results = await Promise.all(Array.from({ length: 100 }, () => router.placeOrder(order("M7"))));
    expect(new Set(results.map((result) => result.supplierReference))).toEqual(new Set(["M7-1"]));
    expect(a.calls.place + b.calls.place + c.calls.place).toBe(1);
  });

  it("two routers sharing stores (two processes) never fork an order", async () => {
    const { a, b, c, routes } = threeSuppliers();
    a.placeSteps.push(() => new OutOfStockError("empty"));
    const store = new MemoryRouteStore();
    const first = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes, store });
    const second = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes, store });
    const [left, right] = await Promise.all([first.placeOrder(order("M8")), second.placeOrder(order("M8"))]);
    expect(left.supplierReference).toBe(right.supplierReference);
    expect(a.calls.place).toBe(1);
    expect(b.calls.place).toBe(1);
    expect(c.calls.place).toBe(0);
  });

  it("resumes the recorded attempt after a crash instead of trying another supplier", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const store = new MemoryRouteStore();
    // A crash right after the attempt was written: the record says alpha is being sent M9-1.
    await store.claim({
      merchantOrderId: "M9",
      fingerprint: "x",
      request: { merchantOrderId: "M9", sku: "GAME-60", quantity: 1, account: "10001" },
      attempts: [{ supplier: "alpha", reference: "M9-1", sku: "A-60", outcome: "sending", at: 0 }],
      state: "routing",
      createdAt: 0,
      updatedAt: 0,
    });
    await store.update(
      "M9",
      (current) =>
        current && {
          ...current,
          fingerprint: requestFingerprint(RoutedOrderRequestSchema.parse(order("M9"))),
        },
    );
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes, store });
    const placed = await router.placeOrder(order("M9"));
    expect(placed.supplierReference).toBe("M9-1");
    expect(placed.supplier).toBe("alpha");
    expect(b.calls.place + c.calls.place).toBe(0);
  });
});

/** A route store that says `supplier` is being sent `<id>-1` (a crash or an abort right after). */
async function storeWithSendingAttempt(merchantOrderId: string, supplier: string, sku: string) {
  const store = new MemoryRouteStore();
  const request = RoutedOrderRequestSchema.parse(order(merchantOrderId));
  await store.claim({
    merchantOrderId,
    fingerprint: requestFingerprint(request),
    request: { merchantOrderId, sku: "GAME-60", quantity: 1, account: "10001" },
    attempts: [{ supplier, reference: `${merchantOrderId}-1`, sku, outcome: "sending", at: 0 }],
    state: "routing",
    createdAt: 0,
    updatedAt: 0,
  });
  return store;
}

/** A stock source that always answers `status`, counting the questions. */
function stockSaying(status: "in_stock" | "out_of_stock") {
  const source = {
    asked: 0,
    isKnownEmpty: () => false,
    recordOutOfStock: () => {},
    async getStock(sku: string) {
      source.asked += 1;
      return { sku, status, checkedAt: new Date(0).toISOString() };
    },
  };
  return source;
}

describe("createSupplierRouter: stockCheck fetch and resumed attempts", () => {
  it("asks the stock API before writing an attempt, and skips an empty supplier unasked", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const empty = stockSaying("out_of_stock");
    const router = createSupplierRouter({
      suppliers: [{ client: a.client, stock: empty }, b.client, c.client],
      routes,
      stockCheck: "fetch",
    });
    const placed = await router.placeOrder(order("S1"));
    expect(placed.supplier).toBe("beta");
    // The skip used no reference: beta's attempt is the first one sent.
    expect(placed.supplierReference).toBe("S1-1");
    expect(placed.route.attempts[0]).toMatchObject({
      supplier: "alpha",
      outcome: "skipped",
      code: "out_of_stock",
    });
    expect(a.calls.place).toBe(0);
  });

  it("resumes an attempt being sent without asking stock: an empty answer never moves the order elsewhere", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const store = await storeWithSendingAttempt("S2", "alpha", "A-60");
    // Alpha took the order (perhaps its last unit) before the crash; its stock now says empty.
    const empty = stockSaying("out_of_stock");
    const router = createSupplierRouter({
      suppliers: [{ client: a.client, stock: empty }, b.client, c.client],
      routes,
      store,
      stockCheck: "fetch",
    });
    const placed = await router.placeOrder(order("S2"));
    expect(placed.supplier).toBe("alpha");
    expect(placed.supplierReference).toBe("S2-1");
    expect(empty.asked).toBe(0);
    expect(b.calls.place + c.calls.place).toBe(0);
  });

  it("an error before anything left (the client's store unreachable) holds the order, and the next call sends it there", async () => {
    class FlakyStore extends MemoryIdempotencyStore {
      failures = 1;
      override async claim(record: Parameters<MemoryIdempotencyStore["claim"]>[0]) {
        if (this.failures-- > 0) throw new StoreUnavailableError("the store could not be reached");
        return super.claim(record);
      }
    }
    const { b, c, routes } = threeSuppliers();
    const a = fakeSupplier("alpha", { store: new FlakyStore() });
    a.products.set("A-60", { sku: "A-60", name: "Game 60", kind: "direct", saleStatus: "on_sale" });
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    const first = await router.placeOrder(order("S3")).catch((error: unknown) => error);
    expect(KaquanError.isInstance(first) && first.code).toBe("store_unavailable");
    expect(a.calls.place).toBe(0);
    const placed = await router.placeOrder(order("S3"));
    expect(placed.supplier).toBe("alpha");
    expect(placed.supplierReference).toBe("S3-1");
    expect(a.calls.place).toBe(1);
    expect(b.calls.place + c.calls.place).toBe(0);
  });
});

describe("createSupplierRouter: strategies, checks and events", () => {
  it("lowest-cost tries the cheapest offer first", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const router = createSupplierRouter({
      suppliers: [a.client, b.client, c.client],
      routes,
      strategy: "lowest-cost",
    });
    expect((await router.placeOrder(order("M10"))).supplier).toBe("beta");
  });

  it("weighted shares traffic in proportion to weight", async () => {
    const { a, b, c } = threeSuppliers();
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const router = createSupplierRouter({
      suppliers: [a.client, b.client, c.client],
      routes: [
        {
          sku: "GAME-60",
          kind: "direct",
          offers: [
            { supplier: "alpha", sku: "A", weight: 3 },
            { supplier: "beta", sku: "B", weight: 1 },
          ],
        },
      ],
      strategy: "weighted",
      random,
    });
    const counts: Record<string, number> = {};
    for (let index = 0; index < 400; index += 1) {
      const placed = await router.placeOrder(order(`W${index}`));
      counts[placed.supplier] = (counts[placed.supplier] ?? 0) + 1;
    }
    expect(counts.alpha! / 400).toBeGreaterThan(0.65);
    expect(counts.alpha! / 400).toBeLessThan(0.85);
  });

  it("skips offers above maxCost and says so", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const events: RouterEvent[] = [];
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    router.on((event) => events.push(event));
    const placed = await router.placeOrder(order("M11", { maxCost: { amount: "5.75", currency: "CNY" } }));
    expect(placed.supplier).toBe("beta");
    expect(placed.route.attempts[0]).toMatchObject({
      supplier: "alpha",
      outcome: "skipped",
      code: "price_above_max_cost",
    });
    expect(events.some((event) => event.type === "offer_skipped" && event.supplier === "alpha")).toBe(true);
  });

  it("refuses suppliers the admission policy refuses, naming the rule and fact", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const router = createSupplierRouter({
      suppliers: [a.client, b.client, c.client],
      routes,
      admission: {
        evaluate: (supplier) =>
          supplier === "alpha"
            ? {
                admitted: false,
                refusals: [
                  { rule: "licence-expired", fact: "licence B2-1 expired on 2026-10-01", message: "renew" },
                ],
                warnings: [],
              }
            : { admitted: true, refusals: [], warnings: [] },
      },
    });
    const placed = await router.placeOrder(order("M12"));
    expect(placed.supplier).toBe("beta");
    expect(placed.route.attempts[0]?.message).toContain("licence-expired");
    expect(placed.route.attempts[0]?.message).toContain("2026-10-01");
    expect(a.calls.place).toBe(0);
  });

  it("raises an admission warning once per supplier, rule and fact, not on every order", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const expiring = {
      rule: "licence-expiring",
      fact: "licence B2-1 expires on 2026-12-01",
      message: "renew",
    };
    const router = createSupplierRouter({
      suppliers: [a.client, b.client, c.client],
      routes,
      admission: {
        evaluate: (supplier) => ({
          admitted: true,
          refusals: [],
          warnings: supplier === "alpha" ? [expiring] : [],
        }),
      },
    });
    const warnings: RouterEvent[] = [];
    router.on((event) => {
      if (event.type === "admission_warning") warnings.push(event);
    });
    for (const id of ["W1", "W2", "W3"]) await router.placeOrder(order(id));
    expect(warnings).toEqual([
      { type: "admission_warning", supplier: "alpha", rule: expiring.rule, fact: expiring.fact },
    ]);
  });

  it("an out-of-stock answer marks the supplier's stock cache, so the next order skips it unasked", async () => {
    const { a, b, c, routes } = threeSuppliers();
    a.placeSteps.push(() => new OutOfStockError("sold out"));
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    expect((await router.placeOrder(order("S1"))).supplier).toBe("beta");
    expect(a.calls.place).toBe(1);
    const next = await router.placeOrder(order("S2"));
    expect(next.supplier).toBe("beta");
    expect(next.route.attempts[0]).toMatchObject({
      supplier: "alpha",
      outcome: "skipped",
      code: "out_of_stock",
    });
    expect(a.calls.place).toBe(1);
    // Without caches, the supplier is asked again.
    const uncached = createSupplierRouter({
      suppliers: [a.client, b.client, c.client],
      routes,
      stockCache: false,
    });
    a.placeSteps.push(() => new OutOfStockError("sold out"));
    await uncached.placeOrder(order("S3"));
    expect(a.calls.place).toBe(2);
  });

  it("validates routes at creation, naming the field", () => {
    const { a } = threeSuppliers();
    expect(() =>
      createSupplierRouter({
        suppliers: [a.client],
        routes: [{ sku: "X", kind: "card", offers: [{ supplier: "nobody", sku: "1" }] }],
      }),
    ).toThrow(/routes\[0\]\.offers\[0\]\.supplier/);
  });

  it("rejects an unknown sku before anything is sent", async () => {
    const { a, b, c, routes } = threeSuppliers();
    const router = createSupplierRouter({ suppliers: [a.client, b.client, c.client], routes });
    await expect(router.placeOrder(order("M13", { sku: "NOPE" }))).rejects.toThrow(/GAME-60/);
    expect(a.calls.place + b.calls.place + c.calls.place).toBe(0);
  });
});
