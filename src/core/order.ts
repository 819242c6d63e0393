import { z } from "zod";
import { MoneySchema } from "./money.js";
import { ProductKindSchema } from "./product.js";
import { Secret } from "./secret.js";

/**
 * Order states.
 * - `processing`: accepted by the supplier, not final.
 * - `succeeded`, `partially_succeeded`, `failed`: final.
 * - `reversed`: refunded or rolled back after success; final.
 * - `unknown`: kaquan could not learn the outcome yet. Never final; resolve it with
 *   `getOrder`/`waitForFinal`. An ambiguous failure is always `unknown`, never `failed`.
 */
export const OrderStatusSchema = z.enum([
  "processing",
  "succeeded",
  "partially_succeeded",
  "failed",
  "reversed",
  "unknown",
]);
export type OrderStatus = z.infer<typeof OrderStatusSchema>;

const secretString = z.custom<Secret<string>>((value) => Secret.isSecret(value), {
  message: "expected a Secret",
});

/** One delivered card code (卡密). Number and password are secrets. */
export const CardSchema = z.object({
  number: secretString.optional(),
  password: secretString,
  /** Expiry as the supplier states it. */
  expiresAt: z.string().optional(),
  /** How the code is delivered: a plain code, a QR payload or a short link. */
  format: z.enum(["code", "qr", "link", "unknown"]),
});
export type Card = z.infer<typeof CardSchema>;

/** Why an order failed, as the supplier said it. */
export const OrderFailureSchema = z.object({
  code: z.string(),
  message: z.string(),
  vendorCode: z.string().optional(),
  vendorMessage: z.string().optional(),
});
export type OrderFailure = z.infer<typeof OrderFailureSchema>;

export const OrderSchema = z.object({
  merchantOrderId: z.string(),
  /** Adapter name of the supplier that holds the order. */
  supplier: z.string(),
  supplierOrderId: z.string().optional(),
  status: OrderStatusSchema,
  kind: ProductKindSchema.optional(),
  sku: z.string().optional(),
  quantity: z.number().int().optional(),
  account: z.string().optional(),
  /** Delivered card codes; empty until the supplier reports them. */
  cards: z.array(CardSchema),
  /** What the supplier charged. */
  cost: MoneySchema.optional(),
  /** The supplier's raw status value, always kept. */
  vendorStatus: z.string().optional(),
  failure: OrderFailureSchema.optional(),
  /** ISO 8601 timestamps. */
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  /** Why the status is `unknown`, in words (e.g. "no answer after the request was sent"). */
  unknownReason: z.string().optional(),
});
export type Order = z.infer<typeof OrderSchema>;

/** What an adapter learned about an order from one response, query or callback. */
export const OrderUpdateSchema = OrderSchema.partial().extend({
  merchantOrderId: z.string(),
  status: OrderStatusSchema,
  /** Where the update came from. */
  source: z.enum(["place", "query", "callback", "local"]),
  /** When the supplier says the change happened, if it says. ISO 8601. */
  occurredAt: z.string().optional(),
});
export type OrderUpdate = z.infer<typeof OrderUpdateSchema>;

/** A change of an order's state, as delivered to merchant code. */
export const StatusEventSchema = z.object({
  supplier: z.string(),
  merchantOrderId: z.string(),
  supplierOrderId: z.string().optional(),
  previousStatus: OrderStatusSchema.optional(),
  status: OrderStatusSchema,
  vendorStatus: z.string().optional(),
  source: z.enum(["place", "query", "callback", "local"]),
  occurredAt: z.string(),
  order: OrderSchema,
});
export type StatusEvent = z.infer<typeof StatusEventSchema>;
