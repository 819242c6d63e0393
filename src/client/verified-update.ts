/**
 * How the callback handler applies an update its adapter verified: in one read-modify-write that
 * also decides whether the order is known, without re-validating the adapter's own output against
 * the full schema and without the adoption read `applyUpdate` makes. Deliberately not exported
 * from the package: it is not part of `SupplierClient`, a client built another way lacks it, and
 * the handler then reads the order and calls `applyUpdate`.
 */
import type { Order, OrderUpdate } from "../core/index.js";
import type { AppliedUpdate, SupplierClient } from "./supplier-client.js";

export const applyVerifiedUpdate: unique symbol = Symbol("kaquan.applyVerifiedUpdate");

/**
 * What the verified path did, decided in one read-modify-write of the order's record:
 * - `applied`: the update went through the reducer and was stored;
 * - `no_order`: kaquan has no order under this id (never written down, or its placement has not
 *   recorded one yet) — nothing was written;
 * - `held`: `accept` refused the stored order (a card success without its codes) — nothing was
 *   written, `order` is the stored one.
 */
export type VerifiedUpdateOutcome =
  | ({ kind: "applied" } & AppliedUpdate)
  | { kind: "no_order" }
  | { kind: "held"; order: Order };

/** A client that has the handler's path for verified updates. */
export type VerifiedUpdateClient = SupplierClient & {
  /**
   * Applies `update` to the stored order unless there is none or `accept(stored)` is false. One
   * read of the store decides, where the handler used to read the order first and then update it
   * (on Redis a GET, then a GET and a compare-and-set).
   */
  [applyVerifiedUpdate](
    update: OrderUpdate,
    accept?: (stored: Order) => boolean,
  ): Promise<VerifiedUpdateOutcome>;
};
