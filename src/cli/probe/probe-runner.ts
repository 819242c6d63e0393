/**
 * The test orders the industry places to vet a supplier before trusting it, run through kaquan's
 * own client so the supplier is measured the way production will use it: acceptance latency,
 * time to a final state, callback delay, success rate, how often stock and price answers change,
 * and three anomalies — an invalid account (a typed rejection is expected), a duplicate order id
 * (the same order back, one supplier order) and a query for an order that does not exist (not
 * found, not a crash).
 *
 * The duplicate check sends one order id to the supplier twice — from a second client with its
 * own store, as a second process without a shared store would — and only to suppliers that
 * declare they deduplicate ids (`duplicateOrderId` `replay` or `reject`). Suppliers that do not
 * (`none`) could fulfil twice, so the check is skipped for them (promise 1 in design.md).
 */
import type { OrderResult, SupplierClient } from "../../client/index.js";
import {
  DeadlineExceededError,
  IdempotencyConflictError,
  InvalidAccountError,
  isFinal,
  KaquanError,
  type Order,
  OrderNotFoundError,
  type OrderRequestInput,
  type StockLevel,
} from "../../core/index.js";
import type { OrderTemplate } from "../supplier-registry.js";
import type { AnswerSample } from "./answer-samples.js";
import type { CallbackTracker } from "./callback-tracker.js";
import type {
  ProbeCheck,
  ProbeMeasurements,
  ProbeOrderResult,
  ProbeProduct,
  ProbeTarget,
  ReportedError,
} from "./probe-report.js";

/** What a probe needs. Every duration is in milliseconds. */
export interface ProbeRunOptions {
  readonly supplier: string;
  readonly target: ProbeTarget;
  /** The client the test orders go through (its store is shared with the callback handler). */
  readonly client: SupplierClient;
  /** A client with its own store, for the duplicate-id check. */
  readonly createSecondClient: () => SupplierClient;
  /** The test orders, cycled through. */
  readonly templates: readonly OrderTemplate[];
  readonly invalidAccountOrder?: OrderTemplate | undefined;
  /** Why there is no invalid-account order, when there is none. */
  readonly invalidAccountMissingReason?: string | undefined;
  readonly orders: number;
  readonly concurrency: number;
  readonly finalDeadlineMs: number;
  readonly sampleIntervalMs: number;
  /** The sku whose stock and price are sampled. Default: the first template's. */
  readonly stockSku?: string | undefined;
  readonly orderIdPrefix: string;
  /** Callback arrivals, when callbacks reach this probe. */
  readonly callbacks?: CallbackTracker | undefined;
  /** How long to wait for callbacks still due after the last order is final. Default 30 000. */
  readonly callbackWaitMs?: number | undefined;
  /** Counts the supplier's orders under an id (the simulator can; a real supplier cannot). */
  readonly countSupplierOrders?: ((merchantOrderId: string) => number) | undefined;
  /** Called after each test order. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** Monotonic milliseconds. Default `performance.now`. */
  readonly now?: (() => number) | undefined;
  /** Wall-clock milliseconds, for the report's start time and the order ids. Default `Date.now`. */
  readonly wallClock?: (() => number) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Waits `ms`, or less when `signal` fires. Never rejects. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** An error as the report keeps it. Only kaquan's messages are copied: they are secret-free by design. */
export function reportedError(error: unknown): ReportedError {
  if (KaquanError.isInstance(error)) return { code: error.code, message: error.message };
  return { code: "unexpected", message: error instanceof Error ? error.name : "unexpected error" };
}

/** Order ids of letters and digits only (Juhe allows nothing else), digits after the prefix so no
 * id ever contains a simulator's magic words (`fail`, `pending`). */
function orderIdFactory(prefix: string, wallClock: () => number): (tag: string, index: number) => string {
  const run = new Date(wallClock()).toISOString().replace(/\D/g, "").slice(2, 14);
  return (tag, index) => `${prefix}${run}${tag}${String(index).padStart(3, "0")}`.slice(0, 32);
}

function describeStock(stock: StockLevel): string {
  return `${stock.status}${stock.available !== undefined ? ` (${stock.available})` : ""}`;
}

/** Runs the probe and returns its measurements (summarise them with `buildProbeReport`). */
export async function runProbe(options: ProbeRunOptions): Promise<ProbeMeasurements> {
  const now = options.now ?? (() => performance.now());
  const wallClock = options.wallClock ?? Date.now;
  const origin = now();
  const elapsed = () => Math.round(now() - origin);
  const startedAt = new Date(wallClock()).toISOString();
  const client = options.client;
  const capabilities = client.adapter.capabilities;
  const idFor = orderIdFactory(options.orderIdPrefix, wallClock);
  const templates = options.templates;
  const stockSku = options.stockSku ?? templates.find((template) => template.sku !== undefined)?.sku;

  const products = await describeProducts(client, templates, stockSku, options.signal);

  // Stock and price are sampled for the whole run, at the configured cadence.
  const stockSamples: AnswerSample[] = [];
  const productSamples: AnswerSample[] = [];
  const stopSampling = new AbortController();
  const sampling = (async () => {
    if (!stockSku) return;
    const sample = async () => {
      const at = elapsed();
      if (capabilities.stock) {
        try {
          stockSamples.push({ atMs: at, answer: describeStock(await client.getStock(stockSku)) });
        } catch (error) {
          stockSamples.push({ atMs: at, error: reportedError(error).code });
        }
      }
      try {
        const product = await client.getProduct(stockSku);
        const price = product?.price ? `${product.price.amount} ${product.price.currency}` : "no price";
        productSamples.push({
          atMs: at,
          answer: product
            ? `${price} ${product.saleStatus}${product.stockStatus ? ` ${product.stockStatus}` : ""}`
            : "unknown sku",
        });
      } catch (error) {
        productSamples.push({ atMs: at, error: reportedError(error).code });
      }
    };
    await sample();
    while (!stopSampling.signal.aborted) {
      await pause(options.sampleIntervalMs, stopSampling.signal);
      await sample();
    }
  })();

  // The test orders, `concurrency` at a time.
  const results: ProbeOrderResult[] = [];
  const requests = new Map<number, OrderRequestInput>();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < options.orders && !options.signal?.aborted) {
      const index = next;
      next += 1;
      const template = templates[index % templates.length]!;
      const request: OrderRequestInput = { ...template, merchantOrderId: idFor("T", index) };
      requests.set(index, request);
      results.push(await placeTestOrder(index, request));
      done += 1;
      options.onProgress?.(done, options.orders);
    }
  };

  async function placeTestOrder(index: number, request: OrderRequestInput): Promise<ProbeOrderResult> {
    const base = {
      index,
      merchantOrderId: request.merchantOrderId,
      kind: request.kind,
      ...(request.sku ? { sku: request.sku } : {}),
      startedAtMs: elapsed(),
    };
    let placed: OrderResult;
    try {
      placed = await client.placeOrder(request, options.signal ? { signal: options.signal } : {});
    } catch (error) {
      const at = elapsed();
      const rejected = KaquanError.isInstance(error) && error.failureClass === "rejected";
      return {
        ...base,
        ...(rejected ? { acceptedAtMs: at, finalAtMs: at, finalBy: "answer" as const } : {}),
        status: rejected ? "failed" : "error",
        cardCount: 0,
        error: reportedError(error),
      };
    }
    const acceptedAtMs = elapsed();
    if (isFinal(placed.status)) {
      return orderResult(base, placed, { acceptedAtMs, finalAtMs: acceptedAtMs, finalBy: "answer" });
    }
    const stop = new AbortController();
    const forward = () => stop.abort();
    options.signal?.addEventListener("abort", forward, { once: true });
    const polling = client
      .waitForFinal(request.merchantOrderId, { deadlineMs: options.finalDeadlineMs, signal: stop.signal })
      .then((order) => ({ by: "query" as const, at: elapsed(), order }));
    const racers: Array<Promise<{ by: "query" | "callback"; at: number; order?: Order }>> = [polling];
    if (options.callbacks) {
      racers.push(
        options.callbacks
          .whenFinal(request.merchantOrderId, stop.signal)
          .then((at) => ({ by: "callback" as const, at: Math.round(at - origin) })),
      );
    }
    try {
      const first = await Promise.race(racers);
      const order = first.order ?? (await client.getStoredOrder(request.merchantOrderId)) ?? placed;
      return orderResult(base, order, { acceptedAtMs, finalAtMs: first.at, finalBy: first.by });
    } catch (error) {
      const last = DeadlineExceededError.isInstance(error)
        ? ((error as DeadlineExceededError).order as Order | undefined)
        : undefined;
      const order = last ?? (await client.getStoredOrder(request.merchantOrderId)) ?? placed;
      return { ...orderResult(base, order, { acceptedAtMs }), error: reportedError(error) };
    } finally {
      stop.abort();
      options.signal?.removeEventListener("abort", forward);
      polling.catch(() => undefined);
    }
  }

  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.orders) }, worker));
  results.sort((left, right) => left.index - right.index);

  // Callbacks due for final orders may still be on their way: give them a bounded wait.
  if (options.callbacks) {
    const tracker = options.callbacks;
    const until = now() + (options.callbackWaitMs ?? 30_000);
    const due = () =>
      results.filter(
        (result) =>
          result.finalAtMs !== undefined && tracker.finalArrival(result.merchantOrderId) === undefined,
      );
    while (due().length > 0 && now() < until && !options.signal?.aborted) await pause(50, options.signal);
  }

  const checks: ProbeCheck[] = [];
  checks.push(await checkInvalidAccount());
  checks.push(await checkDuplicateId());
  checks.push(await checkUnknownOrder());
  checks.push(checkCallbacks());

  stopSampling.abort();
  await sampling;

  const orders = results.map((result) => withCallback(result));
  return {
    supplier: options.supplier,
    target: options.target,
    startedAt,
    durationMs: elapsed(),
    settings: {
      orders: options.orders,
      concurrency: options.concurrency,
      finalDeadlineMs: options.finalDeadlineMs,
      sampleIntervalMs: options.sampleIntervalMs,
      callbacks: options.callbacks !== undefined,
    },
    products,
    orders,
    stockSamples,
    productSamples,
    callbacks: options.callbacks?.counts() ?? { received: 0, refused: 0 },
    checks,
  };

  function withCallback(result: ProbeOrderResult): ProbeOrderResult {
    const arrival = options.callbacks?.finalArrival(result.merchantOrderId);
    if (arrival === undefined) return result;
    const callbackAtMs = Math.round(arrival - origin);
    const known = [result.finalAtMs, callbackAtMs].filter((value): value is number => value !== undefined);
    return { ...result, callbackAtMs, callbackDelayMs: Math.max(0, callbackAtMs - Math.min(...known)) };
  }

  async function checkInvalidAccount(): Promise<ProbeCheck> {
    const name = "invalid account is refused";
    const template = options.invalidAccountOrder;
    if (!template) {
      return {
        name,
        status: "skipped",
        detail: options.invalidAccountMissingReason ?? "no invalidAccountOrder configured",
      };
    }
    const request: OrderRequestInput = { ...template, merchantOrderId: idFor("I", 0) };
    try {
      const placed = await client.placeOrder(request);
      const final = isFinal(placed.status)
        ? placed
        : await client.waitForFinal(request.merchantOrderId, { deadlineMs: options.finalDeadlineMs });
      if (final.status === "failed") {
        return {
          name,
          status: "warning",
          detail: `accepted, then failed (vendor status ${final.vendorStatus ?? "?"}): a typed rejection at order time would save a round of polling`,
        };
      }
      return {
        name,
        status: "failed",
        detail: `the supplier answered ${final.status} for an invalid account`,
      };
    } catch (error) {
      if (InvalidAccountError.isInstance(error)) {
        return {
          name,
          status: "passed",
          detail: `refused with InvalidAccountError${error.vendorCode ? ` (vendor code ${error.vendorCode})` : ""}`,
        };
      }
      if (KaquanError.isInstance(error) && error.failureClass === "rejected") {
        return {
          name,
          status: "warning",
          detail: `refused, but as ${error.code}${error.vendorCode ? ` (vendor code ${error.vendorCode})` : ""} rather than invalid_account`,
        };
      }
      return { name, status: "failed", detail: `no typed rejection: ${reportedError(error).code}` };
    }
  }

  async function checkDuplicateId(): Promise<ProbeCheck> {
    const name = "duplicate order id returns the same order";
    if (capabilities.duplicateOrderId === "none") {
      return {
        name,
        status: "skipped",
        detail: `${options.supplier} does not deduplicate order ids (duplicateOrderId "none"): sending an id twice could fulfil twice, so kaquan never does`,
      };
    }
    const original = results.find(
      (result) => result.status !== "error" && result.supplierOrderId !== undefined,
    );
    const request = original ? requests.get(original.index) : undefined;
    if (!original || !request) {
      return { name, status: "skipped", detail: "no test order reached the supplier to repeat" };
    }
    const same = await client.placeOrder(request);
    if (same.meta.attempts !== 0) {
      return { name, status: "failed", detail: "kaquan sent the id again from the same client" };
    }
    const second = options.createSecondClient();
    try {
      const repeated = await second.placeOrder(request);
      const count = options.countSupplierOrders?.(request.merchantOrderId);
      if (count !== undefined && count !== 1) {
        return { name, status: "failed", detail: `the supplier holds ${count} orders under one id` };
      }
      if (repeated.supplierOrderId !== undefined && repeated.supplierOrderId !== original.supplierOrderId) {
        return {
          name,
          status: "failed",
          detail:
            "the supplier answered the repeated id with a different supplier order: it may have fulfilled twice",
        };
      }
      const how =
        capabilities.duplicateOrderId === "replay"
          ? "replayed the original order"
          : "refused the id as used, and a query found the original";
      return {
        name,
        status: "passed",
        detail: `the supplier ${how} (${repeated.status}); kaquan's own client did not send it again${count === 1 ? "; the simulator holds one order" : ""}`,
      };
    } catch (error) {
      if (IdempotencyConflictError.isInstance(error)) {
        return { name, status: "failed", detail: "the supplier holds a different order under this id" };
      }
      return {
        name,
        status: "failed",
        detail: `the repeated id was answered with ${reportedError(error).code}`,
      };
    } finally {
      second.close();
    }
  }

  async function checkUnknownOrder(): Promise<ProbeCheck> {
    const name = "unknown order is reported not found";
    try {
      const order = await client.getOrder(idFor("U", 0));
      return { name, status: "failed", detail: `the supplier answered ${order.status} for an id never used` };
    } catch (error) {
      if (OrderNotFoundError.isInstance(error))
        return { name, status: "passed", detail: "answered not found" };
      return {
        name,
        status: "failed",
        detail: `answered with ${reportedError(error).code} instead of not found`,
      };
    }
  }

  function checkCallbacks(): ProbeCheck {
    const name = "callbacks verify";
    if (!options.callbacks) {
      return {
        name,
        status: "skipped",
        detail:
          capabilities.callbacks === "none"
            ? `${options.supplier} sends no callbacks: kaquan polls`
            : "no callbackUrl configured: callbacks were not received",
      };
    }
    const { received, refused } = options.callbacks.counts();
    const finals = results.filter((result) => result.finalAtMs !== undefined).length;
    const arrived = results.filter(
      (result) => options.callbacks?.finalArrival(result.merchantOrderId) !== undefined,
    ).length;
    if (refused > 0) {
      return {
        name,
        status: "failed",
        detail: `${refused} of ${received} callbacks were refused (signature, replay window or body)`,
      };
    }
    if (arrived < finals) {
      return {
        name,
        status: "warning",
        detail: `${arrived} of ${finals} final orders got their callback in time: rely on polling as well`,
      };
    }
    return { name, status: "passed", detail: `${received} callbacks received, every one verified` };
  }
}

async function describeProducts(
  client: SupplierClient,
  templates: readonly OrderTemplate[],
  stockSku: string | undefined,
  signal: AbortSignal | undefined,
): Promise<ProbeProduct[]> {
  const skus = [
    ...new Set([
      ...templates.flatMap((template) => (template.sku ? [template.sku] : [])),
      ...(stockSku ? [stockSku] : []),
    ]),
  ];
  const products: ProbeProduct[] = [];
  for (const sku of skus) {
    try {
      const product = await client.getProduct(sku, signal ? { signal } : {});
      products.push({
        sku,
        ...(product ? { name: product.name } : { name: "(the supplier does not know this sku)" }),
        ...(product?.price ? { price: `${product.price.amount} ${product.price.currency}` } : {}),
      });
    } catch (error) {
      products.push({ sku, error: reportedError(error) });
    }
  }
  return products;
}

function orderResult(
  base: Pick<ProbeOrderResult, "index" | "merchantOrderId" | "kind" | "sku" | "startedAtMs">,
  order: Order,
  times: Pick<ProbeOrderResult, "acceptedAtMs" | "finalAtMs" | "finalBy">,
): ProbeOrderResult {
  return {
    ...base,
    ...times,
    status: order.status,
    ...(order.vendorStatus ? { vendorStatus: order.vendorStatus } : {}),
    ...(order.supplierOrderId ? { supplierOrderId: order.supplierOrderId } : {}),
    cardCount: order.cards.length,
    ...(order.cost ? { cost: `${order.cost.amount} ${order.cost.currency}` } : {}),
  };
}
