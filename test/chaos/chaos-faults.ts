/**
 * The chaos run's fault catalogue and its plan. Each failure mode of failure-modes.md §3 that a
 * supplier here can express is one or more *variants* (F1 has several ways to lose an answer after
 * the commit); each variant says where it applies. The plan draws, from one seeded PRNG and in
 * order-index order, every order's shape and its faults — so the same seed always plans the same
 * run, whatever the timing of the run itself.
 */
import type { Money, ProductKind } from "kaquan";
import type { ChaosSupplier, ChaosSupplierName, ProductOffer } from "./chaos-suppliers.js";
import type { SeededRandom } from "./seeded-random.js";

/** When a variant acts: around the placement (`order`), on the callbacks (`callback`), or once per run. */
export type FaultStage = "order" | "callback" | "run";

/** What a variant sees of an order when the plan asks whether it applies. */
export interface FaultContext {
  supplier: ChaosSupplier;
  via: "router" | "client";
  kind: ProductKind;
  offer: ProductOffer | undefined;
  plannedFail: boolean;
}

export interface FaultVariant {
  /** `F1 commit-then-drop`: the mode and how it is acted out. */
  key: string;
  mode: string;
  stage: FaultStage;
  /** How the harness injects it, for the report. */
  how: string;
  /** True when it queues a fault on the placement request (two of those would race for it). */
  onPlacement: boolean;
  applies(context: FaultContext): boolean;
}

const has = (context: FaultContext, kind: Parameters<ChaosSupplier["faults"]["has"]>[0]) =>
  context.supplier.faults.has(kind);

export const faultVariants: readonly FaultVariant[] = [
  {
    key: "F1 commit-then-drop",
    mode: "F1",
    stage: "order",
    how: "simulator commits the order, then destroys the socket without an answer",
    onPlacement: true,
    applies: (context) => has(context, "commit-then-drop"),
  },
  {
    key: "F1 timeout-after-commit",
    mode: "F1",
    stage: "order",
    how: "simulator commits at once and answers after the client's timeout",
    onPlacement: true,
    applies: (context) => has(context, "delay"),
  },
  {
    key: "F1 garbled-answer",
    mode: "F1",
    stage: "order",
    how: "simulator commits, then sends half of its answer",
    onPlacement: true,
    applies: (context) => has(context, "malformed-json"),
  },
  {
    key: "F1 unverifiable-answer",
    mode: "F1",
    stage: "order",
    how: "simulator commits, then signs its answer wrongly",
    onPlacement: true,
    applies: (context) => has(context, "bad-response-signature"),
  },
  {
    key: "F1 system-error-after-commit",
    mode: "F1",
    stage: "order",
    how: "simulator commits, then answers its 'system error, query the order' code (Juhe 10014, Chengquan 7777)",
    onPlacement: true,
    applies: (context) => has(context, "committed-system-error"),
  },
  {
    key: "F2 connect-refused",
    mode: "F2",
    stage: "order",
    how: "egress tap sends the placement to a closed loopback port (1-3 times), so nothing leaves",
    onPlacement: false,
    applies: () => true,
  },
  {
    key: "F3 http-500",
    mode: "F3",
    stage: "order",
    how: "simulator answers HTTP 500 without processing",
    onPlacement: true,
    applies: (context) => has(context, "http-500"),
  },
  {
    key: "F3 html-gateway",
    mode: "F3",
    stage: "order",
    how: "simulator answers an nginx 502 HTML page without processing",
    onPlacement: true,
    applies: (context) => has(context, "html-gateway"),
  },
  {
    key: "F9 reversal",
    mode: "F9",
    stage: "order",
    how: "simulator refunds the order after it succeeded (Reloadly REFUNDED), with a webhook",
    onPlacement: false,
    applies: (context) =>
      context.via === "client" && !context.plannedFail && context.supplier.reverse !== undefined,
  },
  {
    key: "F10 partial",
    mode: "F10",
    stage: "order",
    how: "order buys a product whose every second unit fails (Bitrefill test-gift-card-partial × 2)",
    onPlacement: false,
    applies: (context) =>
      context.via === "client" && context.supplier.offers.some((offer) => offer.partial === true),
  },
  {
    key: "F11 second-instance",
    mode: "F11",
    stage: "order",
    how: "a second process with an empty store places the same order; the supplier answers 'duplicate id'",
    onPlacement: false,
    applies: (context) => context.via === "client" && context.supplier.answersDuplicates,
  },
  {
    key: "F14 balance-drained",
    mode: "F14",
    stage: "order",
    how: "simulator balance set to 0 while the order (and whatever else is in flight there) is placed",
    onPlacement: false,
    applies: (context) => context.supplier.drainBalance !== undefined,
  },
  {
    key: "F15 out-of-stock",
    mode: "F15",
    stage: "order",
    how: "simulator stock set to 0 (Juhe: denomination in maintenance) while the order is placed",
    onPlacement: false,
    applies: (context) => context.supplier.stockKinds.includes(context.kind),
  },
  {
    key: "F15 price-rise",
    mode: "F15",
    stage: "order",
    how: "simulator price raised above the order's maxCost after the route was quoted",
    onPlacement: false,
    applies: (context) =>
      context.supplier.priceKinds.includes(context.kind) &&
      (context.via === "router" ? context.kind === "card" : context.offer?.maxCost !== undefined),
  },
  {
    key: "F16 not-found-lag",
    mode: "F16",
    stage: "order",
    how: "answer lost after commit, and the next 1-12 queries answer 'not found' although the order exists",
    onPlacement: true,
    applies: (context) => has(context, "not-found-until") && has(context, "commit-then-drop"),
  },
  {
    key: "F19 clock-skew",
    mode: "F19",
    stage: "order",
    how: "simulator clock moved 10 min ahead while the order is placed (Chengquan: request timestamps refused; Reloadly: webhooks stamped outside kaquan's window)",
    onPlacement: false,
    applies: (context) => context.supplier.skewClock !== undefined,
  },
  {
    key: "F20 token-expired",
    mode: "F20",
    stage: "order",
    how: "every access token expires as the placement arrives (Reloadly token-expired-mid-batch)",
    onPlacement: true,
    applies: (context) => has(context, "token-expired"),
  },
  {
    key: "F21 reset-on-read",
    mode: "F21",
    stage: "order",
    how: "the merchant's status query meets a connection reset (socket destroyed on a reused keep-alive connection)",
    onPlacement: false,
    applies: (context) => has(context, "drop-before-commit"),
  },
  {
    key: "F21 reset-on-create",
    mode: "F21",
    stage: "order",
    how: "the placement meets a connection reset before the supplier processed it",
    onPlacement: true,
    applies: (context) => has(context, "drop-before-commit"),
  },
  {
    key: "F24 empty-card-code",
    mode: "F24",
    stage: "order",
    how: "coupon delivered SUCCESS with empty codes (Chengquan)",
    onPlacement: false,
    applies: (context) => has(context, "empty-card-code") && context.kind === "card",
  },
  {
    key: "F27 rate-limited-place",
    mode: "F27",
    stage: "order",
    how: "simulator answers its rate-limit code (HTTP 429 / envelope, Retry-After 1 s) to the placement",
    onPlacement: true,
    applies: (context) => has(context, "rate-limit"),
  },
  {
    key: "F27 rate-limited-read",
    mode: "F27",
    stage: "order",
    how: "simulator answers its rate-limit code to the merchant's status query",
    onPlacement: false,
    applies: (context) => has(context, "rate-limit"),
  },
  {
    key: "F5 callback-before-answer",
    mode: "F5",
    stage: "callback",
    how: "order committed and settled at once, answer held back so the callback arrives first (Juhe before-answer mode; others: a delayed answer)",
    onPlacement: true,
    applies: (context) => has(context, "callback-before-answer"),
  },
  {
    key: "F6 duplicate-callback",
    mode: "F6",
    stage: "callback",
    how: "simulator delivers the final callback twice",
    onPlacement: false,
    applies: (context) => has(context, "duplicate-callback"),
  },
  {
    key: "F7 out-of-order-callback",
    mode: "F7",
    stage: "callback",
    how: "simulator delivers a stale 'processing' callback after the final one",
    onPlacement: false,
    applies: (context) => has(context, "out-of-order-callback"),
  },
  {
    key: "F8 callback-lost",
    mode: "F8",
    stage: "callback",
    how: "callback network drops every callback of the order until the simulator gives up",
    onPlacement: false,
    applies: () => true,
  },
  {
    key: "F25 forged-callback",
    mode: "F25",
    stage: "callback",
    how: "a callback claiming the opposite outcome, signed with a wrong key (Bitrefill: unsigned), posted to kaquan's server",
    onPlacement: false,
    applies: (context) => context.supplier.forgeWrongSignature !== undefined,
  },
  {
    key: "F25 replayed-callback",
    mode: "F25",
    stage: "callback",
    how: "the genuine callback captured on the callback network is posted again after the order is final",
    onPlacement: false,
    applies: () => true,
  },
  {
    key: "F25 flipped-status",
    mode: "F25",
    stage: "callback",
    how: "the genuine signature with the unsigned status field flipped (Juhe sta)",
    onPlacement: false,
    applies: (context) => context.supplier.forgeFlippedStatus !== undefined,
  },
  {
    key: "F25 stale-replay",
    mode: "F25",
    stage: "callback",
    how: "a genuinely signed webhook stamped 10 min ago, claiming the opposite outcome (Reloadly)",
    onPlacement: false,
    applies: (context) => context.supplier.sendStaleReplay !== undefined,
  },
  {
    key: "F22 crash-restart",
    mode: "F22",
    stage: "run",
    how: "mid-run the merchant process dies: its stores freeze, calls in flight are cut, clients/router/handler/poller are dropped; new ones start over the same stores, re-issue the interrupted calls and the poller resolves the rest",
    onPlacement: false,
    applies: () => true,
  },
];

/** The failure modes the harness is asked to exercise (failure-modes.md §3), in report order. */
export const exercisedModes: ReadonlyArray<{ mode: string; title: string }> = [
  { mode: "F1", title: "commit, then the answer is lost" },
  { mode: "F2", title: "not sent" },
  { mode: "F3", title: "5xx / HTML page" },
  { mode: "F5", title: "callback before the place answer" },
  { mode: "F6", title: "duplicate callbacks" },
  { mode: "F7", title: "out-of-order callbacks" },
  { mode: "F8", title: "missing callback" },
  { mode: "F9", title: "reversal after success" },
  { mode: "F10", title: "partial success" },
  { mode: "F11", title: "duplicate-id answer" },
  { mode: "F14", title: "insufficient balance mid-batch" },
  { mode: "F15", title: "out of stock / price change" },
  { mode: "F16", title: "not found right after submit" },
  { mode: "F19", title: "clock skew" },
  { mode: "F20", title: "token expiry" },
  { mode: "F21", title: "stale keep-alive reset" },
  { mode: "F22", title: "crash and restart" },
  { mode: "F24", title: "success with empty card codes" },
  { mode: "F25", title: "forged / replayed callbacks" },
  { mode: "F27", title: "rate limits" },
];

// ---- the plan ----------------------------------------------------------------------------------

/** A merchant sku of the router and the suppliers that offer it, first choice first. */
export interface RoutePlan {
  sku: string;
  kind: "card" | "mobile";
  suppliers: readonly ChaosSupplierName[];
  faceValue?: Money;
  maxCost?: Money;
}

export interface PlannedFault {
  variant: FaultVariant;
  /** F16: "not found" answers; F2: refusals. */
  count?: number;
}

export interface OrderPlan {
  index: number;
  merchantOrderId: string;
  via: "router" | "client";
  /** The direct order's supplier, or the routed order's first choice. */
  supplier: ChaosSupplierName;
  kind: ProductKind;
  /** Direct orders: the product bought. */
  offer?: ProductOffer;
  route?: RoutePlan;
  /** The order number carries `FAIL`: every simulator fails it after accepting it. */
  plannedFail: boolean;
  orderFault?: PlannedFault;
  callbackFault?: PlannedFault;
}

export interface RunPlan {
  orders: OrderPlan[];
  /** Crash the merchant process just before starting these order indexes. */
  crashBefore: number[];
}

export interface PlanOptions {
  orders: number;
  faultRate: number;
  random: SeededRandom;
  suppliers: ReadonlyMap<ChaosSupplierName, ChaosSupplier>;
  routes: readonly RoutePlan[];
}

/** Share of orders sent through the router (when it has routes). */
const ROUTED_SHARE = 0.35;
/** Share of orders whose number makes the supplier fail them. */
const PLANNED_FAIL_SHARE = 0.08;
/** One crash per this many orders (at least one when faults are on). */
const ORDERS_PER_CRASH = 2_500;

/** The merchant order id of order `index`: 8+ letters and digits, as every supplier accepts. */
export function merchantOrderIdOf(index: number, plannedFail: boolean): string {
  return `KQ${String(index).padStart(6, "0")}${plannedFail ? "FAIL" : ""}`;
}

export function planRun(options: PlanOptions): RunPlan {
  const { random, faultRate } = options;
  const crashes =
    faultRate > 0 && options.orders >= 20 ? Math.max(1, Math.round(options.orders / ORDERS_PER_CRASH)) : 0;
  const crashBefore: number[] = [];
  for (let crash = 0; crash < crashes; crash += 1) {
    // Somewhere in the middle 80 % of the run, so orders are in flight on both sides of it.
    const span = options.orders / crashes;
    crashBefore.push(Math.floor(crash * span + span * (0.1 + 0.8 * random.next())));
  }
  const names = [...options.suppliers.keys()];
  const orders: OrderPlan[] = [];
  for (let index = 0; index < options.orders; index += 1) {
    const routed = options.routes.length > 0 && random.chance(ROUTED_SHARE);
    let plan: OrderPlan;
    if (routed) {
      const route = random.pick(options.routes);
      const plannedFail = random.chance(PLANNED_FAIL_SHARE);
      plan = {
        index,
        merchantOrderId: merchantOrderIdOf(index, plannedFail),
        via: "router",
        supplier: route.suppliers[0]!,
        kind: route.kind,
        route,
        plannedFail,
      };
    } else {
      const name = random.pick(names);
      const supplier = options.suppliers.get(name)!;
      const regular = supplier.offers.filter((offer) => !offer.partial);
      const offer = random.pick(regular);
      // Bitrefill has no order-number magic: its failures come from faults only.
      const plannedFail = name !== "bitrefill" && random.chance(PLANNED_FAIL_SHARE);
      plan = {
        index,
        merchantOrderId: merchantOrderIdOf(index, plannedFail),
        via: "client",
        supplier: name,
        kind: offer.kind,
        offer,
        plannedFail,
      };
    }
    const context: FaultContext = {
      supplier: options.suppliers.get(plan.supplier)!,
      via: plan.via,
      kind: plan.kind,
      offer: plan.offer,
      plannedFail: plan.plannedFail,
    };
    const orderRoll = random.next();
    const orderPick = random.next();
    const callbackRoll = random.next();
    const callbackPick = random.next();
    const countRoll = random.next();
    if (orderRoll < faultRate) {
      const candidates = faultVariants.filter(
        (variant) => variant.stage === "order" && variant.applies(context),
      );
      const variant = candidates[Math.floor(orderPick * candidates.length)];
      if (variant) {
        plan.orderFault = { variant, ...countFor(variant, countRoll) };
        if (variant.key === "F10 partial") {
          const partial = context.supplier.offers.find((offer) => offer.partial);
          if (partial) plan.offer = partial;
        }
      }
    }
    if (callbackRoll < faultRate) {
      const candidates = faultVariants.filter(
        (variant) =>
          variant.stage === "callback" &&
          variant.applies(context) &&
          // Two faults queued on one placement would race for it.
          !(variant.onPlacement && plan.orderFault?.variant.onPlacement),
      );
      const variant = candidates[Math.floor(callbackPick * candidates.length)];
      if (variant) plan.callbackFault = { variant };
    }
    orders.push(plan);
  }
  return { orders, crashBefore };
}

function countFor(variant: FaultVariant, roll: number): { count?: number } {
  if (variant.key === "F16 not-found-lag") return { count: 1 + Math.floor(roll * 12) };
  if (variant.key === "F2 connect-refused") return { count: 1 + Math.floor(roll * 3) };
  return {};
}
