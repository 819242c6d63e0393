/**
 * Routing strategies: the order in which a router tries the offers that passed its checks
 * (admitted, breaker not open, not known to be out of stock, within `maxCost`). A strategy only
 * orders; it cannot make the router send an order twice.
 */
import { compareMoney, type Money } from "../core/index.js";
import type { Route, RouteOffer } from "./route-table.js";

/** What a strategy knows of a supplier's health (from its client's `health`, when it has one). */
export interface OfferHealth {
  /** Share of requests in the health window the supplier answered (undefined: too few to tell). */
  successRate?: number | undefined;
  /** Median latency over the window, in ms. */
  latencyP50Ms?: number | undefined;
  /** Requests counted in the window. */
  requests: number;
}

/** An offer as a strategy sees it. */
export interface CandidateOffer {
  offer: RouteOffer;
  /** The offer's position in the route (a stable tie-breaker). */
  index: number;
  /** `offer.cost` × quantity, when the offer states a cost. */
  totalCost?: Money | undefined;
  health?: OfferHealth | undefined;
}

export interface StrategyContext {
  route: Route;
  quantity: number;
  /** A random number in [0, 1): `Math.random` unless the router was given one. */
  random: () => number;
}

/** Orders candidates, best first. It may drop some; it must not invent any. */
export type RoutingStrategy = (
  candidates: readonly CandidateOffer[],
  context: StrategyContext,
) => readonly CandidateOffer[];

export type RoutingStrategyName = "priority" | "lowest-cost" | "weighted" | "health-aware";

/**
 * Compares costs. Costs in different currencies cannot be compared without a rate, so offers are
 * grouped by currency — in the order each currency first appears in the route — and ordered by
 * amount within a group; offers without a cost go last. A total order, so sorting is stable
 * whatever the route lists first.
 */
function costComparator(
  candidates: readonly CandidateOffer[],
): (left: CandidateOffer, right: CandidateOffer) => number {
  const currencyRank = new Map<string, number>();
  for (const candidate of [...candidates].sort((left, right) => left.index - right.index)) {
    const currency = candidate.totalCost?.currency;
    if (currency !== undefined && !currencyRank.has(currency)) currencyRank.set(currency, currencyRank.size);
  }
  return (left, right) => {
    if (!left.totalCost || !right.totalCost) return left.totalCost ? -1 : right.totalCost ? 1 : 0;
    if (left.totalCost.currency !== right.totalCost.currency)
      return currencyRank.get(left.totalCost.currency)! - currencyRank.get(right.totalCost.currency)!;
    return compareMoney(left.totalCost, right.totalCost);
  };
}

const byPriority = (left: CandidateOffer, right: CandidateOffer) =>
  left.offer.priority - right.offer.priority;
const byIndex = (left: CandidateOffer, right: CandidateOffer) => left.index - right.index;

/** Lowest `priority` first; then cheaper; then the order the route lists them. */
export const priorityStrategy: RoutingStrategy = (candidates) => {
  const byCost = costComparator(candidates);
  return [...candidates].sort(
    (left, right) => byPriority(left, right) || byCost(left, right) || byIndex(left, right),
  );
};

/** Cheapest first (grouped by currency, offers without a cost last); then `priority`; then route order. */
export const lowestCostStrategy: RoutingStrategy = (candidates) => {
  const byCost = costComparator(candidates);
  return [...candidates].sort(
    (left, right) => byCost(left, right) || byPriority(left, right) || byIndex(left, right),
  );
};

/**
 * A random order in proportion to `weight` (weighted sampling without replacement: each offer
 * draws `random() ^ (1 / weight)` and the largest goes first), so traffic is shared — e.g. 70/30 —
 * while every offer stays a fail-over for the others.
 */
export const weightedStrategy: RoutingStrategy = (candidates, context) =>
  candidates
    .map((candidate) => ({ candidate, key: context.random() ** (1 / candidate.offer.weight) }))
    .sort((left, right) => right.key - left.key || byIndex(left.candidate, right.candidate))
    .map(({ candidate }) => candidate);

/** Options of {@link createHealthAwareStrategy}. */
export interface HealthAwareOptions {
  /** A supplier answering fewer than this share of requests is degraded. Default 0.8. */
  degradedBelow?: number;
  /** Fewer requests than this in the window: not enough to judge; treated as healthy. Default 10. */
  minimumRequests?: number;
}

/**
 * `priority` order, except that a degraded supplier (success rate below `degradedBelow` over the
 * health window) goes behind every healthy one; among healthy suppliers with equal priority the
 * faster (lower median latency) goes first. Suppliers whose breaker is open never reach a
 * strategy.
 */
export function createHealthAwareStrategy(options: HealthAwareOptions = {}): RoutingStrategy {
  const degradedBelow = options.degradedBelow ?? 0.8;
  const minimumRequests = options.minimumRequests ?? 10;
  const degraded = (candidate: CandidateOffer) => {
    const health = candidate.health;
    if (!health || health.requests < minimumRequests || health.successRate === undefined) return 0;
    return health.successRate < degradedBelow ? 1 : 0;
  };
  const latency = (candidate: CandidateOffer) => candidate.health?.latencyP50Ms ?? Number.POSITIVE_INFINITY;
  return (candidates) => {
    const byCost = costComparator(candidates);
    return [...candidates].sort(
      (left, right) =>
        degraded(left) - degraded(right) ||
        byPriority(left, right) ||
        (latency(left) === latency(right) ? 0 : latency(left) < latency(right) ? -1 : 1) ||
        byCost(left, right) ||
        byIndex(left, right),
    );
  };
}

/** The built-in strategies by name. */
export const routingStrategies: Readonly<Record<RoutingStrategyName, RoutingStrategy>> = {
  priority: priorityStrategy,
  "lowest-cost": lowestCostStrategy,
  weighted: weightedStrategy,
  "health-aware": createHealthAwareStrategy(),
};
