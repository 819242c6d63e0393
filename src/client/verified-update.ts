/**
 * How the callback handler applies an update its adapter verified, for an order it has just read
 * from the store: without re-validating the adapter's own output against the full schema and
 * without the adoption read `applyUpdate` makes. Deliberately not exported from the package: it
 * is not part of `SupplierClient`, a client built another way lacks it, and the handler then
 * calls `applyUpdate`.
 */
import type { OrderUpdate } from "../core/index.js";
import type { AppliedUpdate, SupplierClient } from "./supplier-client.js";

export const applyVerifiedUpdate: unique symbol = Symbol("kaquan.applyVerifiedUpdate");

/** A client that has the handler's path for verified updates. */
export type VerifiedUpdateClient = SupplierClient & {
  [applyVerifiedUpdate](update: OrderUpdate): Promise<AppliedUpdate>;
};
