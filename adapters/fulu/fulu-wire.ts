/**
 * Fulu's wire shapes (vendor-protocols.md §1.4, §1.5, §1.7). Deliberately tolerant: unknown
 * fields pass through, ids and amounts may come as numbers or strings, optional fields may be
 * missing or null — a new vendor field must never break an order.
 */
import { z } from "zod";

const text = z.union([z.string(), z.number()]).transform(String);
/** An id that names something: a number, or a non-empty string (an empty one names nothing). */
const identifier = z.union([z.string().min(1), z.number()]).transform(String);
const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));

/** The response envelope: `result` is a JSON *string*, parsed a second time. */
export const fuluEnvelopeSchema = z.looseObject({
  code: z.union([z.number(), z.string()]),
  message: z.string().nullish(),
  result: z.string().nullish(),
  sign: z.string().nullish(),
});

export const fuluProductSchema = z.looseObject({
  product_id: identifier,
  product_name: optionalText,
  product_type: optionalText,
  face_value: optionalText,
  purchase_price: optionalText,
  sales_status: optionalText,
  stock_status: optionalText,
  template_id: optionalText,
  details: optionalText,
});
export type FuluProduct = z.infer<typeof fuluProductSchema>;

export const fuluStockSchema = z.looseObject({
  product_id: optionalText,
  stock_status: optionalText,
});

export const fuluBalanceSchema = z.looseObject({
  name: optionalText,
  balance: text,
  is_open: optionalText,
});

export const fuluCardSchema = z.looseObject({
  card_number: optionalText,
  card_pwd: optionalText,
  card_deadline: optionalText,
  card_type: optionalText,
});

export const fuluOrderSchema = z.looseObject({
  order_id: optionalText,
  customer_order_no: text,
  product_id: optionalText,
  product_name: optionalText,
  charge_account: optionalText,
  buy_num: optionalText,
  order_type: optionalText,
  order_price: optionalText,
  order_state: text,
  create_time: optionalText,
  finish_time: optionalText,
  operator_serial_number: optionalText,
  cards: z.array(fuluCardSchema).nullish(),
});
export type FuluOrder = z.infer<typeof fuluOrderSchema>;

/**
 * The callback fields (§1.7), as text: the callback reader turns numbers into text and drops
 * null fields, so only presence is left to check. Unknown fields are kept and ignored.
 */
export interface FuluCallbackFields {
  order_id?: string;
  charge_finish_time?: string;
  customer_order_no: string;
  order_status: string;
  recharge_description?: string;
  product_id?: string;
  price?: string;
  buy_num?: string;
  operator_serial_number?: string;
  sign: string;
}
