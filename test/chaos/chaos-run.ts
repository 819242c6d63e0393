/**
 * The chaos run: many orders through kaquan's real supplier clients, router, callback handler and
 * status poller, against several suppliers' simulators at once, with faults drawn from a seeded
 * plan (chaos-faults.ts). At the end the simulators' own ledgers are reconciled against what
 * kaquan reported (chaos-reconcile.ts), so a broken promise is counted where it matters: at the
 * suppliers.
 *
 * The merchant's process lives in a *generation*: its clients, router, handler and poller, and a
 * view of the shared stores. A simulated crash (F22) kills the generation — its store views refuse
 * every call, its egress refuses every request, its callback listener drops connections and its
 * calls in flight are aborted — and starts the next one over the same stores, as a restarted
 * process with a durable store would.
 */
import { setMaxListeners } from "node:events";
import { inspect } from "node:util";
import {
  createHttpTransport,
  createSupplierClient,
  type HttpRequest,
  type IdempotencyStore,
  isFinal,
  KaquanError,
  MemoryIdempotencyStore,
  type Order,
  type OrderRequestInput,
  type OrderStatus,
  type SupplierClient,
} from "kaquan";
import {
  type CallbackHandler,
  createCallbackHandler,
  createStatusPoller,
  type EventClaimStore,
  MemoryEventClaimStore,
  nodeCallbackListener,
  type StatusPoller,
} from "kaquan/callbacks";
import {
  createSupplierRouter,
  MemoryRouteStore,
  type RoutedOrderRequestInput,
  type RouteInput,
  type RouteStore,
  type SupplierRouter,
} from "kaquan/routing";
import {
  type CapturingLogger,
  createCapturingLogger,
  findSecrets,
  type SecretToFind,
} from "./capturing-logger.js";
import { exercisedModes, type OrderPlan, planRun, type RoutePlan, type RunPlan } from "./chaos-faults.js";
import {
  type CallbackNetwork,
  type CallbackServer,
  closedLoopbackPort,
  postCallback,
  startCallbackNetwork,
  startCallbackServer,
  tapTransport,
} from "./chaos-network.js";
import {
  type ForgeryObservation,
  type OrderObservation,
  type Reconciliation,
  reconcile,
} from "./chaos-reconcile.js";
import {
  type ChaosSupplier,
  type ChaosSupplierName,
  chaosSupplierNames,
  defaultChaosSuppliers,
  type LedgerEntry,
  type Restore,
  type SupplierTiming,
  startChaosSupplier,
} from "./chaos-suppliers.js";
import { seededRandom } from "./seeded-random.js";

/** Problems planted after a run, to prove the reconciliation can fail. */
export interface ChaosPlant {
  /** A second supplier's fulfilment of one fulfilled order is added to the ledgers. */
  doubleFulfilment?: boolean;
  /** One fulfilled order is reported `failed` by kaquan. */
  lostOrder?: boolean;
  /** One forged callback is recorded as acknowledged. */
  acceptedForgery?: boolean;
  /** One supplier credential is written through the merchant's logger. */
  leakedSecret?: boolean;
}

/** What a chaos run takes. Every option has a default that makes a small, fast run. */
export interface ChaosOptions {
  /** Orders placed. Default 200. */
  orders?: number;
  /** Share of orders given an order fault, and (independently) a callback fault. Default 0.25. */
  faultRate?: number;
  /** The seed every random choice is drawn from. Default 1. */
  seed?: number;
  /** The suppliers started. Default fulu, juhe, chengquan. */
  suppliers?: readonly ChaosSupplierName[];
  /** Orders in flight at once. Default 24. */
  concurrency?: number;
  /** How long the poller gets, after the last placement, to resolve what is not final. Default 30 000 ms. */
  drainMs?: number;
  /** Called with a line of progress now and then. */
  onProgress?: (line: string) => void;
  /** Planted problems (tests of the harness itself). */
  plant?: ChaosPlant;
}

/** One row of the faults table. */
export interface FaultCount {
  key: string;
  mode: string;
  /** Orders the plan gave this fault. */
  planned: number;
}

/** The result of a chaos run. */
export interface ChaosReport {
  orders: number;
  faultRate: number;
  seed: number;
  suppliers: readonly ChaosSupplierName[];
  wallTimeMs: number;
  faults: FaultCount[];
  /** What the simulators and the network report actually acted (request faults, refusals, lost callbacks). */
  fired: Record<string, number>;
  crashes: number;
  /** The codes `placeOrder` threw with, by how many orders ended on each. */
  placementErrors: Record<string, number>;
  reconciliation: Reconciliation;
  /** Modes of failure-modes.md that a run of these suppliers exercised (planned at least once). */
  modesExercised: string[];
  /** True when any of double-fulfilled, lost, forged accepted or leaked is above zero. */
  failed: boolean;
}

/** The timing every supplier, client and poller of the run gets. */
const timing: SupplierTiming = {
  settleAfterMs: 30,
  pollIntervalMs: 25,
  notFoundGraceMs: 600,
  callbackAttempts: 3,
  callbackRetryIntervalMs: 100,
};
/** One HTTP request's deadline; the timeout-after-commit fault answers later than this. */
const HTTP_TIMEOUT_MS = 1_000;
const LATE_ANSWER_MS = 1_600;
/** The callback-before-answer fault holds the answer this long (below the timeout). */
const HELD_ANSWER_MS = 400;
const RESOLVE_TIMEOUT_MS = 3_000;
const ABANDONED_PLACEMENT_MS = 5_000;
/** A clock skew beyond every supplier's and kaquan's tolerance. */
const SKEW_MS = 10 * 60_000;

/** A generation of the merchant's process. */
interface Generation {
  readonly id: number;
  alive: boolean;
  readonly controller: AbortController;
  readonly clients: Map<ChaosSupplierName, SupplierClient>;
  readonly router: SupplierRouter | undefined;
  readonly handler: CallbackHandler;
  readonly poller: StatusPoller;
}

/** A dead process does nothing: every store call of a killed generation fails. */
function guarded<T extends object>(target: T, alive: () => boolean): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof value !== "function") return value;
      return (...parameters: unknown[]) => {
        if (!alive()) return Promise.reject(new Error("the merchant process has stopped"));
        return (value as (...values: unknown[]) => unknown).apply(object, parameters);
      };
    },
  });
}

/** Levers pulled by several orders at once: restored when the last of them lets go. */
class LeverBoard {
  readonly #held = new Map<string, { count: number; restore: Restore }>();

  hold(key: string, pull: () => Restore | undefined): (() => void) | undefined {
    const held = this.#held.get(key);
    if (held) {
      held.count += 1;
    } else {
      const restore = pull();
      if (!restore) return undefined;
      this.#held.set(key, { count: 1, restore });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.#held.get(key);
      if (!current) return;
      current.count -= 1;
      if (current.count === 0) {
        this.#held.delete(key);
        current.restore();
      }
    };
  }
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The router's routes over the suppliers that offer a product of the kind, each first once. */
function routesOf(suppliers: ReadonlyMap<ChaosSupplierName, ChaosSupplier>): RoutePlan[] {
  const plans: RoutePlan[] = [];
  for (const kind of ["card", "mobile"] as const) {
    const offering = [...suppliers.values()].filter((supplier) => supplier.routeOffer(kind) !== undefined);
    if (offering.length < 2) continue;
    offering.forEach((_, rotation) => {
      const order = [...offering.slice(rotation), ...offering.slice(0, rotation)].map(
        (supplier) => supplier.name,
      );
      plans.push({
        sku: `${kind.toUpperCase()}-ROUTE-${order[0]}`,
        kind,
        suppliers: order,
        ...(kind === "mobile" ? { faceValue: { amount: "50", currency: "CNY" } } : {}),
        ...(kind === "card" ? { maxCost: { amount: "30.00", currency: "CNY" } } : {}),
      });
    });
  }
  return plans;
}

function routeInputs(
  plans: readonly RoutePlan[],
  suppliers: ReadonlyMap<ChaosSupplierName, ChaosSupplier>,
): RouteInput[] {
  return plans.map((plan) => ({
    sku: plan.sku,
    kind: plan.kind,
    ...(plan.faceValue ? { faceValue: plan.faceValue } : {}),
    offers: plan.suppliers.map((name, position) => {
      const offer = suppliers.get(name)!.routeOffer(plan.kind)!;
      return {
        supplier: name,
        ...(offer.sku ? { sku: offer.sku } : {}),
        cost: offer.cost,
        priority: position + 1,
      };
    }),
  }));
}

function requestOf(plan: OrderPlan): OrderRequestInput {
  const offer = plan.offer!;
  return {
    merchantOrderId: plan.merchantOrderId,
    kind: offer.kind,
    ...(offer.sku ? { sku: offer.sku } : {}),
    ...(offer.quantity ? { quantity: offer.quantity } : {}),
    ...(offer.account ? { account: offer.account(plan.index) } : {}),
    ...(offer.faceValue ? { faceValue: offer.faceValue } : {}),
    ...(offer.maxCost ? { maxCost: offer.maxCost } : {}),
  };
}

function routedRequestOf(plan: OrderPlan): RoutedOrderRequestInput {
  const route = plan.route!;
  return {
    merchantOrderId: plan.merchantOrderId,
    sku: route.sku,
    ...(route.kind === "mobile" ? { account: `13900${String(plan.index % 100_000).padStart(5, "0")}7` } : {}),
    ...(route.maxCost ? { maxCost: route.maxCost } : {}),
  };
}

/** Runs one chaos run and reconciles it. */
export async function runChaos(options: ChaosOptions = {}): Promise<ChaosReport> {
  const started = Date.now();
  const orderCount = options.orders ?? 200;
  const faultRate = options.faultRate ?? 0.25;
  const seed = options.seed ?? 1;
  const names = options.suppliers ?? defaultChaosSuppliers;
  const concurrency = options.concurrency ?? 24;
  const drainMs = options.drainMs ?? 30_000;
  const report = options.onProgress ?? (() => {});
  const progress = (line: string) => report(`${((Date.now() - started) / 1000).toFixed(1)} s: ${line}`);
  for (const name of names) {
    if (!chaosSupplierNames.includes(name)) {
      throw new RangeError(`unknown supplier ${name}: use ${chaosSupplierNames.join(", ")}`);
    }
  }

  const capture: CapturingLogger = createCapturingLogger();
  const logger = capture.logger;
  const tokens = new Set<string>();
  const closedPort = await closedLoopbackPort();

  // The shared, durable stores: they outlive every generation, as a database would.
  const orderStore = new MemoryIdempotencyStore();
  const routeStore = new MemoryRouteStore();
  const eventStore = new MemoryEventClaimStore();

  const callbackServer: CallbackServer = await startCallbackServer();
  const suppliers = new Map<ChaosSupplierName, ChaosSupplier>();
  /** merchant order ids whose callbacks are lost on the way (F8). */
  const losing = new Set<string>();
  let router: SupplierRouter | undefined;
  const merchantOrderIdOf = (orderNo: string) => router?.parseReference(orderNo)?.merchantOrderId ?? orderNo;
  const network: CallbackNetwork = await startCallbackNetwork({
    target: callbackServer.origin,
    orderOf(path, body) {
      const supplier = [...suppliers.values()].find((candidate) => path.startsWith(candidate.callbackPath));
      const orderNo = supplier?.callbackOrderNo(body, path);
      return supplier && orderNo ? { supplier: supplier.name, orderNo } : undefined;
    },
    lose: (_supplier, orderNo) => losing.has(merchantOrderIdOf(orderNo)),
  });
  for (const name of names) {
    suppliers.set(name, await startChaosSupplier(name, { callbackBase: network.origin, timing }));
  }

  const routePlans = routesOf(suppliers);
  const plan: RunPlan = planRun({
    orders: orderCount,
    faultRate,
    random: seededRandom(seed),
    suppliers,
    routes: routePlans,
  });

  // What kaquan told the merchant, gathered across generations.
  const statusHistory = new Map<string, OrderStatus[]>();
  const events = new Map<string, number>();
  const forgeries: ForgeryObservation[] = [];
  const errors = new Map<number, { code: string; failureClass?: string | undefined }>();
  const secondInstance = new Map<number, OrderStatus | "error">();
  /** What each placement call answered, for the problem report. */
  const answers = new Map<number, string>();
  /** F2: placements of these order numbers still to refuse. */
  const refusals = new Map<string, number>();
  let refused = 0;
  /** F11 second processes actually started. */
  let secondInstances = 0;

  const noteError = (error: unknown) => {
    capture.capture(String(error));
    capture.capture(inspect(error, { depth: 5 }));
    try {
      capture.capture(JSON.stringify(error));
    } catch {
      // A circular error is still searched through inspect.
    }
  };

  function transportFor(supplier: ChaosSupplier, alive: () => boolean) {
    const inner = createHttpTransport({ timeoutMs: HTTP_TIMEOUT_MS });
    const tapped = tapTransport(inner, {
      closedPort,
      onToken: (token) => tokens.add(token),
      refuse(request: HttpRequest) {
        if (!supplier.isPlacement(request.operation)) return false;
        const body =
          typeof request.body === "string" ? request.body : Buffer.from(request.body ?? "").toString();
        for (const [orderNo, left] of refusals) {
          if (left > 0 && (body.includes(orderNo) || request.url.includes(orderNo))) {
            refusals.set(orderNo, left - 1);
            refused += 1;
            return true;
          }
        }
        return false;
      },
    });
    return {
      send(request: HttpRequest, sendOptions?: Parameters<typeof tapped.send>[1]) {
        // A dead process sends nothing.
        if (!alive()) return Promise.reject(new Error("the merchant process has stopped"));
        return tapped.send(request, sendOptions);
      },
      close: () => inner.close(),
    };
  }

  const clientOptions = {
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
    resolveTimeoutMs: RESOLVE_TIMEOUT_MS,
    notFoundGraceMs: timing.notFoundGraceMs,
    pollIntervalMs: timing.pollIntervalMs,
    // Above the longest send here (3 attempts × 1 s timeout plus backoff), so a live placement
    // is never taken for a crashed one.
    abandonedPlacementMs: ABANDONED_PLACEMENT_MS,
    logger,
  } as const;

  let generationCount = 0;
  const transports: Array<{ close(): void }> = [];

  function startGeneration(): Generation {
    const id = ++generationCount;
    const state = { alive: true };
    const alive = () => state.alive;
    const store = guarded<IdempotencyStore>(orderStore, alive);
    const routes = guarded<RouteStore>(routeStore, alive);
    const claims = guarded<EventClaimStore>(eventStore, alive);
    const clients = new Map<ChaosSupplierName, SupplierClient>();
    for (const [name, supplier] of suppliers) {
      const http = transportFor(supplier, alive);
      transports.push(http);
      clients.set(
        name,
        createSupplierClient({
          adapter: supplier.createAdapter(),
          store,
          http,
          ...clientOptions,
          onStatusChange(order: Order) {
            if (!alive()) return;
            const key = `${order.supplier}:${order.merchantOrderId}`;
            const history = statusHistory.get(key);
            if (history) history.push(order.status);
            else statusHistory.set(key, [order.status]);
          },
        }),
      );
    }
    const generationRouter =
      routePlans.length > 0
        ? createSupplierRouter({
            suppliers: [...clients.values()],
            routes: routeInputs(routePlans, suppliers),
            store: routes,
            logger,
          })
        : undefined;
    router = generationRouter;
    const handler = createCallbackHandler({
      clients: [...clients.values()],
      paths: Object.fromEntries(
        [...suppliers.values()].map((supplier) => [supplier.callbackPath, supplier.name]),
      ),
      events: claims,
      logger,
      onEvent(event) {
        const key = `${event.supplier}:${event.merchantOrderId}:${event.status}`;
        events.set(key, (events.get(key) ?? 0) + 1);
      },
    });
    const poller = createStatusPoller({
      clients: [...clients.values()],
      delivery: handler.delivery,
      tickMs: 50,
      concurrency: 8,
      maxIntervalMs: 500,
      logger,
    });
    callbackServer.setListener(nodeCallbackListener(handler));
    poller.start();
    const controller = new AbortController();
    // Every call in flight listens on the process's one signal.
    setMaxListeners(0, controller.signal);
    const generation: Generation = {
      id,
      get alive() {
        return state.alive;
      },
      set alive(value: boolean) {
        state.alive = value;
      },
      controller,
      clients,
      router: generationRouter,
      handler,
      poller,
    };
    return generation;
  }

  let current = startGeneration();

  async function crash(): Promise<void> {
    const dying = current;
    progress(`crash: generation ${dying.id} stops`);
    callbackServer.setListener(undefined);
    dying.alive = false;
    dying.controller.abort();
    await Promise.race([dying.poller.stop(), sleep(2_000)]);
    current = startGeneration();
  }

  const levers = new LeverBoard();

  /** Places one order in the current generation; re-issues it in the next one when a crash cut it. */
  async function place(order: OrderPlan): Promise<void> {
    for (;;) {
      const generation = current;
      try {
        const answer =
          order.via === "router"
            ? await generation.router!.placeOrder(routedRequestOf(order), {
                signal: generation.controller.signal,
              })
            : await generation.clients
                .get(order.supplier)!
                .placeOrder(requestOf(order), { signal: generation.controller.signal });
        answers.set(order.index, `${answer.status} (generation ${generation.id})`);
        errors.delete(order.index);
        return;
      } catch (error) {
        if (!generation.alive) {
          // The process died under the call: the merchant's recovery places it again (same id).
          await sleep(20);
          continue;
        }
        noteError(error);
        answers.set(order.index, `error ${String(error)} (generation ${generation.id})`);
        errors.set(
          order.index,
          KaquanError.isInstance(error)
            ? { code: error.code, failureClass: error.failureClass }
            : { code: "unexpected", failureClass: undefined },
        );
        return;
      }
    }
  }

  const claimOf = (order: OrderPlan): "succeeded" | "failed" => (order.plannedFail ? "succeeded" : "failed");
  const orderNoOf = (order: OrderPlan) =>
    order.via === "router" ? `${order.merchantOrderId}-1` : order.merchantOrderId;

  async function forge(order: OrderPlan, variant: string): Promise<void> {
    const supplier = suppliers.get(order.supplier)!;
    const orderNo = orderNoOf(order);
    const base = { variant, merchantOrderId: order.merchantOrderId, supplier: supplier.name, orderNo };
    if (variant === "F25 forged-callback" && supplier.forgeWrongSignature) {
      const claim = claimOf(order);
      const answer = await postCallback(callbackServer.origin, supplier.forgeWrongSignature(orderNo, claim));
      forgeries.push({
        ...base,
        claim,
        acknowledged: answer ? supplier.ackAccepted(answer.status, answer.body) : undefined,
        // Bitrefill's webhooks are unsigned: kaquan may acknowledge one, it re-fetches the invoice.
        mustNotAcknowledge: supplier.name !== "bitrefill",
        replay: false,
      });
    } else if (variant === "F25 replayed-callback") {
      const captured = network.captured(supplier.name, orderNo);
      if (!captured) return;
      const answer = await postCallback(callbackServer.origin, captured);
      const claimed = statusHistory.get(`${supplier.name}:${orderNo}`)?.at(-1) ?? "processing";
      forgeries.push({
        ...base,
        claim: claimed,
        acknowledged: answer ? supplier.ackAccepted(answer.status, answer.body) : undefined,
        mustNotAcknowledge: false,
        replay: true,
      });
    } else if (variant === "F25 flipped-status" && supplier.forgeFlippedStatus) {
      const forged = supplier.forgeFlippedStatus(orderNo);
      if (!forged) return;
      const answer = await postCallback(callbackServer.origin, forged.callback);
      forgeries.push({
        ...base,
        claim: forged.claim,
        acknowledged: answer ? supplier.ackAccepted(answer.status, answer.body) : undefined,
        mustNotAcknowledge: false,
        replay: false,
      });
    } else if (variant === "F25 stale-replay" && supplier.sendStaleReplay) {
      const claim = claimOf(order);
      const acknowledged = await supplier.sendStaleReplay(
        orderNo,
        claim,
        `${callbackServer.origin}${supplier.callbackPath}`,
      );
      if (acknowledged === undefined) return;
      forgeries.push({ ...base, claim, acknowledged, mustNotAcknowledge: true, replay: false });
    }
  }

  /** Acts out one order with its faults. */
  async function runOrder(order: OrderPlan): Promise<void> {
    const supplier = suppliers.get(order.supplier)!;
    const orderNo = orderNoOf(order);
    const orderKind = order.kind;
    const releases: Array<() => void> = [];
    const hold = (key: string, pull: () => Restore | undefined) => {
      const release = levers.hold(`${supplier.name}:${key}`, pull);
      if (release) releases.push(release);
    };
    const orderFault = order.orderFault?.variant.key;
    switch (orderFault) {
      case "F1 commit-then-drop":
        supplier.inject({ kind: "commit-then-drop", orderNo, orderKind });
        break;
      case "F1 timeout-after-commit":
        supplier.inject({ kind: "delay", orderNo, orderKind, delayMs: LATE_ANSWER_MS });
        break;
      case "F1 garbled-answer":
        supplier.inject({ kind: "malformed-json", orderNo, orderKind });
        break;
      case "F1 unverifiable-answer":
        supplier.inject({ kind: "bad-response-signature", orderNo, orderKind });
        break;
      case "F1 system-error-after-commit":
        supplier.inject({ kind: "committed-system-error", orderNo, orderKind });
        break;
      case "F2 connect-refused":
        refusals.set(orderNo, order.orderFault?.count ?? 1);
        break;
      case "F3 http-500":
        supplier.inject({ kind: "http-500", orderNo, orderKind });
        break;
      case "F3 html-gateway":
        supplier.inject({ kind: "html-gateway", orderNo, orderKind });
        break;
      case "F14 balance-drained":
        if (supplier.drainBalance) hold("balance", () => supplier.drainBalance!());
        break;
      case "F15 out-of-stock":
        hold(`stock:${orderKind}`, () => supplier.outOfStock?.(orderKind));
        break;
      case "F15 price-rise":
        hold(`price:${orderKind}`, () => supplier.raisePrice?.(orderKind));
        break;
      case "F16 not-found-lag":
        supplier.inject({ kind: "commit-then-drop", orderNo, orderKind });
        supplier.inject({
          kind: "not-found-until",
          orderNo,
          orderKind,
          queries: order.orderFault?.count ?? 3,
        });
        break;
      case "F19 clock-skew":
        if (supplier.skewClock) hold("clock", () => supplier.skewClock!(SKEW_MS));
        break;
      case "F20 token-expired":
        supplier.inject({ kind: "token-expired", orderNo, orderKind });
        break;
      case "F21 reset-on-read":
        supplier.inject({ kind: "drop-before-commit", orderNo, orderKind, on: "query" });
        break;
      case "F21 reset-on-create":
        supplier.inject({ kind: "drop-before-commit", orderNo, orderKind });
        break;
      case "F24 empty-card-code":
        supplier.inject({ kind: "empty-card-code", orderNo, orderKind });
        break;
      case "F27 rate-limited-place":
        supplier.inject({ kind: "rate-limit", orderNo, orderKind });
        break;
      case "F27 rate-limited-read":
        supplier.inject({ kind: "rate-limit", orderNo, orderKind, on: "query" });
        break;
      default:
        break;
    }
    const callbackFault = order.callbackFault?.variant.key;
    switch (callbackFault) {
      case "F5 callback-before-answer":
        supplier.inject({ kind: "callback-before-answer", orderNo, orderKind, delayMs: HELD_ANSWER_MS });
        break;
      case "F6 duplicate-callback":
        supplier.inject({ kind: "duplicate-callback", orderNo, orderKind });
        break;
      case "F7 out-of-order-callback":
        supplier.inject({ kind: "out-of-order-callback", orderNo, orderKind });
        break;
      case "F8 callback-lost":
        losing.add(order.merchantOrderId);
        break;
      default:
        break;
    }

    stages.set(order.index, "placing");
    try {
      await place(order);
    } finally {
      for (const release of releases) release();
      refusals.delete(orderNo);
    }

    // F11 is the supplier's "duplicate id" answer: it needs the first process's placement to have
    // reached the supplier. After a definitive refusal (nothing delivered, reported failed) a
    // second process would simply place a new order, which is no fault of either.
    const refusedFirst =
      errors.has(order.index) ||
      (await current.clients.get(order.supplier)?.getStoredOrder(order.merchantOrderId))?.status === "failed";
    if (orderFault === "F11 second-instance" && !refusedFirst) {
      secondInstances += 1;
      stages.set(order.index, "second instance");
      // A second process that shares nothing with the first places the same order.
      const second = createSupplierClient({
        adapter: supplier.createAdapter(),
        store: new MemoryIdempotencyStore(),
        http: transportFor(supplier, () => true),
        ...clientOptions,
        health: false,
      });
      try {
        let answer = await second.placeOrder(requestOf(order));
        // Followed to its end, as that process's poller would: a `failed` there is a lost order.
        if (!isFinal(answer.status)) {
          answer = await second
            .waitForFinal(order.merchantOrderId, { deadlineMs: 15_000 })
            .catch(() => answer);
        }
        secondInstance.set(order.index, answer.status);
      } catch (error) {
        noteError(error);
        secondInstance.set(order.index, "error");
      } finally {
        second.close();
      }
    }
    stages.set(order.index, "reversing");
    if (orderFault === "F9 reversal") await supplier.reverse?.(orderNo, 5_000);
    stages.set(order.index, "forging");
    if (callbackFault === "F25 forged-callback") await forge(order, callbackFault);
    stages.delete(order.index);
  }

  // ---- the run ----------------------------------------------------------------------------------
  const inFlight = new Set<Promise<void>>();
  /** Where each order in flight is, for CHAOS_TRACE. */
  const stages = new Map<number, string>();
  const trace = process.env.CHAOS_TRACE
    ? setInterval(
        () =>
          progress(
            `in flight: ${[...stages]
              .slice(0, 12)
              .map(
                ([index, stage]) =>
                  `${index}:${stage}[${plan.orders[index]?.supplier} ${plan.orders[index]?.orderFault?.variant.key ?? ""}|${plan.orders[index]?.callbackFault?.variant.key ?? ""}]`,
              )
              .join(" ")}`,
          ),
        5_000,
      )
    : undefined;
  const crashes = new Set(plan.crashBefore);
  let crashCount = 0;
  for (const order of plan.orders) {
    if (crashes.has(order.index)) {
      await crash();
      crashCount += 1;
    }
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const running: Promise<void> = runOrder(order)
      .catch((error: unknown) => {
        noteError(error);
        errors.set(order.index, { code: "harness_error", failureClass: undefined });
      })
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
    if ((order.index + 1) % 500 === 0) progress(`${order.index + 1}/${orderCount} orders started`);
  }
  await Promise.all(inFlight);
  progress("all orders placed; forging late callbacks");

  // Replays and flipped statuses need an order that settled and a genuine callback to copy.
  await Promise.all([...suppliers.values()].map((supplier) => supplier.idle()));
  for (const order of plan.orders) {
    const variant = order.callbackFault?.variant.key;
    if (
      variant === "F25 replayed-callback" ||
      variant === "F25 flipped-status" ||
      variant === "F25 stale-replay"
    ) {
      await forge(order, variant);
    }
  }

  progress("late callbacks forged; draining");
  if (trace) clearInterval(trace);
  // ---- the drain: the poller resolves what callbacks did not ------------------------------------
  // Read from the store itself: a record still marked as being placed counts as pending too.
  const pendingCount = async () => (await orderStore.listPending()).length;
  const drainUntil = Date.now() + drainMs;
  let drainPasses = 0;
  for (;;) {
    await Promise.all([...suppliers.values()].map((supplier) => supplier.idle()));
    const pending = await pendingCount();
    if (pending === 0 || Date.now() > drainUntil) break;
    drainPasses += 1;
    if (process.env.CHAOS_TRACE && drainPasses % 10 === 0) {
      const records = await orderStore.listPending();
      progress(
        records
          .map(
            (record) =>
              `${record.key}=${record.order?.status}${record.placing ? "/placing" : ""}/${record.order?.unknownReason ?? ""}`,
          )
          .join(", "),
      );
    }
    await sleep(200);
  }
  const leftPending = await orderStore.listPending();
  progress(
    `drained; ${leftPending.length} record(s) not final: ${leftPending
      .slice(0, 10)
      .map(
        (record) => `${record.key}=${record.order?.status ?? "no order"}${record.placing ? " placing" : ""}`,
      )
      .join(", ")}`,
  );
  await current.poller.stop();
  callbackServer.setListener(undefined);

  // ---- what kaquan reported ---------------------------------------------------------------------
  const observations: OrderObservation[] = [];
  for (const order of plan.orders) {
    let stored: OrderStatus | undefined;
    let holder: { supplier: string; orderNo: string } | undefined;
    if (order.via === "router") {
      const routed = await current.router!.getStoredOrder(order.merchantOrderId);
      if (routed) {
        stored = routed.status;
        holder = { supplier: routed.supplier, orderNo: routed.supplierReference };
      }
    } else {
      const found = await current.clients.get(order.supplier)!.getStoredOrder(order.merchantOrderId);
      if (found) {
        stored = found.status;
        holder = { supplier: found.supplier, orderNo: found.merchantOrderId };
      }
    }
    observations.push({
      index: order.index,
      merchantOrderId: order.merchantOrderId,
      via: order.via,
      stored,
      holder,
      error: errors.get(order.index),
      secondInstance: secondInstance.get(order.index),
    });
  }
  const ledger: LedgerEntry[] = [...suppliers.values()].flatMap((supplier) => supplier.ledger());
  const secrets: SecretToFind[] = [
    ...[...suppliers.values()].flatMap((supplier) => supplier.secrets()),
    ...[...tokens].map((token) => ({ label: "access token", value: token })),
    ...ledger.flatMap((entry) =>
      entry.codes.map((code) => ({ label: `${entry.supplier} card code`, value: code })),
    ),
  ];

  if (options.plant) plantProblems(options.plant, { observations, ledger, forgeries, secrets, capture });

  const reconciliation = reconcile({
    orders: observations,
    ledger,
    merchantOrderIdOf,
    statusHistory,
    events,
    forgeries,
    leaks: findSecrets(capture.lines(), secrets),
  });

  // Name each problem's plan (route, supplier, faults), so it can be reproduced from the seed.
  for (const problem of reconciliation.problems) {
    const order = problem.index === undefined ? undefined : plan.orders[problem.index];
    if (!order) continue;
    const faults = [order.orderFault?.variant.key, order.callbackFault?.variant.key]
      .filter(Boolean)
      .join(" + ");
    problem.detail += `; plan: ${order.via} ${order.via === "router" ? order.route?.sku : order.supplier} ${order.kind}${order.plannedFail ? " planned-fail" : ""}${faults ? `, ${faults}` : ", no fault"}; placeOrder answered ${answers.get(order.index) ?? "nothing"}`;
  }

  for (const transport of transports) transport.close();
  await network.close();
  await callbackServer.close();
  await Promise.all([...suppliers.values()].map((supplier) => supplier.close()));

  const fired: Record<string, number> = {};
  for (const supplier of suppliers.values()) {
    for (const [kind, count] of supplier.firedFaults()) fired[kind] = (fired[kind] ?? 0) + count;
  }
  fired["connect-refused"] = refused;
  fired["callback-lost"] = network.lost();
  fired["second-instance"] = secondInstances;
  const faults = new Map<string, FaultCount>();
  for (const order of plan.orders) {
    for (const fault of [order.orderFault, order.callbackFault]) {
      if (!fault) continue;
      const row = faults.get(fault.variant.key) ?? {
        key: fault.variant.key,
        mode: fault.variant.mode,
        planned: 0,
      };
      row.planned += 1;
      faults.set(fault.variant.key, row);
    }
  }
  if (crashCount > 0)
    faults.set("F22 crash-restart", { key: "F22 crash-restart", mode: "F22", planned: crashCount });
  const modesExercised = exercisedModes
    .map((entry) => entry.mode)
    .filter((mode) => [...faults.values()].some((row) => row.mode === mode));
  const failed =
    reconciliation.doubleFulfilled > 0 ||
    reconciliation.lost > 0 ||
    reconciliation.forgedAccepted > 0 ||
    reconciliation.secretsLeaked > 0;
  return {
    orders: orderCount,
    faultRate,
    seed,
    suppliers: names,
    wallTimeMs: Date.now() - started,
    faults: [...faults.values()].sort((left, right) =>
      left.key.localeCompare(right.key, "en", { numeric: true }),
    ),
    fired,
    crashes: crashCount,
    placementErrors: Object.fromEntries(
      [
        ...[...errors.values()].reduce(
          (counts, error) => counts.set(error.code, (counts.get(error.code) ?? 0) + 1),
          new Map<string, number>(),
        ),
      ].sort(),
    ),
    reconciliation,
    modesExercised,
    failed,
  };
}

/** Plants the asked-for problems into a finished run's observations. */
function plantProblems(
  plant: ChaosPlant,
  run: {
    observations: OrderObservation[];
    ledger: LedgerEntry[];
    forgeries: ForgeryObservation[];
    secrets: SecretToFind[];
    capture: CapturingLogger;
  },
): void {
  const fulfilled = run.observations.filter((order) => order.stored === "succeeded" && order.holder);
  const [first, second] = fulfilled;
  if (plant.doubleFulfilment && first?.holder) {
    const original = run.ledger.find(
      (entry) => entry.supplier === first.holder!.supplier && entry.orderNo === first.holder!.orderNo,
    );
    if (original) run.ledger.push({ ...original, supplier: original.supplier === "fulu" ? "juhe" : "fulu" });
  }
  if (plant.lostOrder && second) second.stored = "failed";
  if (plant.acceptedForgery && first?.holder) {
    run.forgeries.push({
      variant: "planted forgery",
      merchantOrderId: first.merchantOrderId,
      supplier: first.holder.supplier,
      orderNo: first.holder.orderNo,
      claim: "failed",
      acknowledged: true,
      mustNotAcknowledge: true,
      replay: false,
    });
  }
  if (plant.leakedSecret) {
    const secret = run.secrets[0];
    if (secret) run.capture.logger.info({ detail: `credential ${secret.value}` }, "planted leak");
  }
}

/** The run's result as the table the harness prints. */
export function formatChaosReport(report: ChaosReport): string {
  const result = report.reconciliation;
  const lines: string[] = [];
  const row = (label: string, value: string | number) =>
    lines.push(`  ${label.padEnd(46)} ${String(value).padStart(8)}`);
  lines.push(
    `kaquan chaos run: ${report.orders} orders, fault rate ${report.faultRate}, seed ${report.seed}, suppliers ${report.suppliers.join(",")}`,
  );
  lines.push(
    `wall time ${(report.wallTimeMs / 1000).toFixed(1)} s, ${report.crashes} crash(es) and restart(s)`,
  );
  lines.push("");
  lines.push("faults injected (orders planned with each):");
  for (const fault of report.faults) row(fault.key, fault.planned);
  lines.push("faults that acted (simulator and network records):");
  for (const [kind, count] of Object.entries(report.fired).sort()) row(kind, count);
  lines.push("placeOrder errors (each a definitive refusal unless listed as a problem below):");
  for (const [code, count] of Object.entries(report.placementErrors)) row(code, count);
  lines.push("");
  lines.push("reconciliation (simulator ledgers against kaquan):");
  row("orders", report.orders);
  row("fulfilled exactly once", result.fulfilledOnce);
  row("  of which partly (F10)", result.partiallyFulfilled);
  row("  of which reversed after (F9)", result.reversed);
  row("  reversal not learned yet", result.reversalsNotLearned);
  row("failed (definitive, nothing delivered)", result.failed);
  row("left unknown after the poller's deadline", result.unknown);
  row("  of which delivered at the supplier", result.unknownButDelivered);
  row("wrong status", result.wrongStatus);
  row("onEvent delivered twice", result.duplicateEvents);
  row("DOUBLE-FULFILLED", result.doubleFulfilled);
  row("LOST", result.lost);
  row("FORGED CALLBACKS ACCEPTED", result.forgedAccepted);
  row("SECRETS FOUND IN LOGS", result.secretsLeaked);
  lines.push("");
  lines.push(`modes exercised: ${report.modesExercised.join(" ")}`);
  if (result.problems.length > 0) {
    lines.push("problems:");
    for (const problem of result.problems.slice(0, 40)) {
      lines.push(`  ${problem.kind} ${problem.merchantOrderId ?? ""} ${problem.detail}`);
    }
  }
  lines.push(report.failed ? "RESULT: a promise was broken" : "RESULT: the four promises held");
  return lines.join("\n");
}
