/**
 * Bitrefill API v2 wire shapes (vendor-protocols.md §8; Bitrefill's own client code). Answers come
 * in an envelope `{ meta, data }`; {@link unwrapBitrefill} takes `data` out and accepts a bare
 * object too. Deliberately tolerant: unknown fields pass through, amounts may be numbers or
 * strings, optional objects may be missing or null — a field Bitrefill adds must never break an
 * order.
 */
import { z } from "zod";

const numeric = z.union([z.number(), z.string()]);
const text = z.union([z.string(), z.number()]).transform(String);
/** An id that names something: a number, or a non-empty string (an empty one names nothing). */
const identifier = z.union([z.string().min(1), z.number()]).transform(String);
const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));

/** `data` of a `{ meta, data }` envelope, or the value itself when it has no envelope. */
export function unwrapBitrefill(value: unknown): unknown {
  if (typeof value === "object" && value !== null && !Array.isArray(value) && "data" in value) {
    return (value as { data: unknown }).data;
  }
  return value;
}

/** `GET /accounts/balance`. */
export const bitrefillBalanceSchema = z.looseObject({
  balance: numeric,
  currency: optionalText,
});

/** One package of a fixed-denomination product: `id` is `<product_id><&><value>`. */
export const bitrefillPackageSchema = z.looseObject({
  id: optionalText,
  value: numeric.nullish(),
  price: numeric.nullish(),
});

/** The range of a variable-value product; the price is `value × price_rate` when given. */
export const bitrefillRangeSchema = z.looseObject({
  min: numeric.nullish(),
  max: numeric.nullish(),
  step: numeric.nullish(),
  price_rate: numeric.nullish(),
});

export const bitrefillProductSchema = z.looseObject({
  id: identifier,
  name: optionalText,
  type: optionalText,
  country_code: optionalText,
  /** The currency of the face value (`packages[].value`, `range`). */
  currency: optionalText,
  /** The currency of `packages[].price` (the account's balance currency) [?]. */
  price_currency: optionalText,
  in_stock: z.boolean().nullish(),
  recipient_type: optionalText,
  packages: z.array(bitrefillPackageSchema).nullish(),
  range: bitrefillRangeSchema.nullish(),
});
export type BitrefillProduct = z.infer<typeof bitrefillProductSchema>;

/** `redemption_info` of an order: a code, a PIN, a link, instructions. */
export const bitrefillRedemptionSchema = z.looseObject({
  code: optionalText,
  pin: optionalText,
  link: optionalText,
  instructions: optionalText,
  expiration_date: optionalText,
});

export const bitrefillOrderSchema = z.looseObject({
  id: text,
  status: optionalText,
  product: z
    .looseObject({ id: optionalText, name: optionalText, value: numeric.nullish(), currency: optionalText })
    .nullish(),
  invoice: z.looseObject({ id: optionalText }).nullish(),
  created_time: optionalText,
  delivered_time: optionalText,
  /** Only in `GET /orders/{id}` (authenticated), never in a webhook. */
  redemption_info: z.union([bitrefillRedemptionSchema, z.string()]).nullish(),
});
export type BitrefillOrder = z.infer<typeof bitrefillOrderSchema>;

export const bitrefillInvoiceSchema = z.looseObject({
  id: text,
  status: optionalText,
  created_time: optionalText,
  completed_time: optionalText,
  payment_method: optionalText,
  payment: z
    .looseObject({
      method: optionalText,
      currency: optionalText,
      price: numeric.nullish(),
      status: optionalText,
    })
    .nullish(),
  /** Where kaquan records the merchant's order id (`referenceField`, default `reference`) [?]. */
  reference: optionalText,
  webhook_url: optionalText,
  orders: z.array(bitrefillOrderSchema).nullish(),
});
export type BitrefillInvoice = z.infer<typeof bitrefillInvoiceSchema>;

/** An error answer: `{ error_code, message }`, `{ error: { code, message } }` or `{ message }`. */
export const bitrefillErrorSchema = z
  .looseObject({
    error_code: optionalText,
    code: optionalText,
    message: optionalText,
    error: z.union([z.looseObject({ code: optionalText, message: optionalText }), z.string()]).nullish(),
  })
  .transform((value) => {
    const nested = typeof value.error === "object" && value.error !== null ? value.error : undefined;
    const code = value.error_code ?? nested?.code ?? value.code;
    const message =
      value.message ?? nested?.message ?? (typeof value.error === "string" ? value.error : undefined);
    return { code, message };
  })
  .refine((value) => value.code !== undefined || value.message !== undefined);
