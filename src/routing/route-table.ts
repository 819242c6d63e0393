/**
 * The routing table: a merchant sku maps to offers from several suppliers. Validated once, when
 * the router is created, so a typo in a supplier name or a cost fails at start-up, not at the
 * first order.
 */
import { z } from "zod";
import { MoneySchema, ProductKindSchema, parseInput, ValidationError } from "../core/index.js";

/** Limits one supplier puts on an offer (what it accepts for this product). */
export const OfferConstraintsSchema = z
  .object({
    /** Fewest units per order this supplier accepts. */
    minQuantity: z.number().int().min(1).optional(),
    /** Most units per order this supplier accepts. */
    maxQuantity: z.number().int().min(1).optional(),
    /** The account must match (e.g. only some phone number ranges or carriers). */
    accountPattern: z.instanceof(RegExp).optional(),
  })
  .strict();
export type OfferConstraints = z.infer<typeof OfferConstraintsSchema>;

/** One supplier's offer of a merchant sku. */
export const RouteOfferSchema = z
  .object({
    /** The supplier client's name (`client.supplier`, e.g. `fulu`). */
    supplier: z.string().min(1),
    /** The supplier's own sku. Omit for mobile recharge placed by face value. */
    sku: z.string().min(1).optional(),
    /** What one unit costs from this supplier (used by `lowest-cost` and checked against `maxCost`). */
    cost: MoneySchema.optional(),
    /** Lower goes first with the `priority` strategy. Default 100. */
    priority: z.number().finite().default(100),
    /** Relative share with the `weighted` strategy. Default 1. */
    weight: z.number().finite().positive().default(1),
    /** Overrides the route's kind for this supplier. */
    kind: ProductKindSchema.optional(),
    constraints: OfferConstraintsSchema.optional(),
    /** `false` takes the offer out of rotation without deleting it. Default true. */
    enabled: z.boolean().default(true),
  })
  .strict();
export type RouteOfferInput = z.input<typeof RouteOfferSchema>;
export type RouteOffer = z.output<typeof RouteOfferSchema>;

/** A merchant sku and the offers that can fulfil it. */
export const RouteSchema = z
  .object({
    /** The merchant's own sku: what orders to the router name. */
    sku: z.string().min(1),
    kind: ProductKindSchema,
    /** The product's brand (e.g. `腾讯`, `China Mobile`), checked against suppliers' brand authorisations. */
    brand: z.string().min(1).optional(),
    /** Face value of a mobile recharge product, sent to offers that have no sku. */
    faceValue: MoneySchema.optional(),
    offers: z.array(RouteOfferSchema).min(1, "a route needs at least one offer"),
  })
  .strict();
export type RouteInput = z.input<typeof RouteSchema>;
export type Route = z.output<typeof RouteSchema>;

/**
 * Validates the routes against the suppliers the router knows. Throws a `ValidationError` naming
 * the route and field, e.g. `routes[2].offers[0].supplier`.
 */
export function parseRoutes(input: unknown, suppliers: ReadonlySet<string>): Map<string, Route> {
  const list = parseInput(z.array(RouteSchema), input, "routes");
  const routes = new Map<string, Route>();
  const problems: Array<{ path: string; message: string }> = [];
  list.forEach((route, index) => {
    if (routes.has(route.sku))
      problems.push({
        path: `routes[${index}].sku`,
        message: `sku ${route.sku} has two routes; merge their offers`,
      });
    routes.set(route.sku, route);
    const seen = new Set<string>();
    route.offers.forEach((offer, offerIndex) => {
      const path = `routes[${index}].offers[${offerIndex}]`;
      if (!suppliers.has(offer.supplier)) {
        problems.push({
          path: `${path}.supplier`,
          message: `no supplier client named ${offer.supplier}; known: ${[...suppliers].join(", ")}`,
        });
      }
      if (seen.has(offer.supplier)) {
        problems.push({
          path: `${path}.supplier`,
          message: `${offer.supplier} has two offers for ${route.sku}; an order is tried at most once per supplier`,
        });
      }
      seen.add(offer.supplier);
      const kind = offer.kind ?? route.kind;
      if (kind !== "mobile" && offer.sku === undefined)
        problems.push({ path: `${path}.sku`, message: `a ${kind} offer needs the supplier's sku` });
      if (kind === "mobile" && offer.sku === undefined && route.faceValue === undefined) {
        problems.push({
          path: `${path}.sku`,
          message: "a mobile offer without a sku needs the route's faceValue",
        });
      }
      const constraints = offer.constraints;
      if (
        constraints?.minQuantity &&
        constraints.maxQuantity &&
        constraints.minQuantity > constraints.maxQuantity
      )
        problems.push({ path: `${path}.constraints`, message: "minQuantity is above maxQuantity" });
    });
  });
  if (problems.length > 0) {
    throw new ValidationError(
      `Invalid routes: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join("; ")}`,
      problems,
    );
  }
  return routes;
}
