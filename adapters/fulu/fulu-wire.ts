/**
 * Fulu's wire shapes (vendor-protocols.md §1.4, §1.5, §1.7). Deliberately tolerant: unknown
 * fields pass through, ids and amounts may come as numbers or strings, optional fields may be
 * missing or null — a new vendor field must never break an order.
 */
import { z } from "zod";
import { listOf, textRecordSchema } from "../../src/runtime/text-record.js";

const text = z.union([z.string(), z.number()]).transform(String);
/** An id that names something: a number, or a non-empty string (an empty one names nothing). */
const identifier = z.union([z.string().min(1), z.number()]).transform(String);
const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));

/** The response envelope (§1.4): `result` is a JSON *string*, parsed a second time. */
export interface FuluEnvelope {
  code: string;
  message?: string;
  result?: string;
  sign?: string;
}

/** Read on every call, so from a table like {@link fuluOrderSchema}. */
export const fuluEnvelopeSchema = textRecordSchema<FuluEnvelope>({
  code: "text",
  message: "string?",
  result: "string?",
  sign: "string?",
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

/** One card of an order answer (§1.8); the code fields are AES ciphertext. */
export interface FuluCard {
  card_number?: string;
  card_pwd?: string;
  card_deadline?: string;
  card_type?: string;
}

export const fuluCardSchema = textRecordSchema<FuluCard>({
  card_number: "text?",
  card_pwd: "text?",
  card_deadline: "text?",
  card_type: "text?",
});

/** An order as `fulu.order.info.get` and the order methods answer it (§1.5), every field as text. */
export interface FuluOrder {
  order_id?: string;
  customer_order_no: string;
  product_id?: string;
  product_name?: string;
  charge_account?: string;
  buy_num?: string;
  order_type?: string;
  order_price?: string;
  order_state: string;
  create_time?: string;
  finish_time?: string;
  operator_serial_number?: string;
  cards?: FuluCard[];
}

/**
 * Read from a table rather than with zod: it is read on every placement and poll (see
 * text-record.ts for what the schema cost there). Same rules as the other shapes here.
 */
export const fuluOrderSchema = textRecordSchema<FuluOrder>({
  order_id: "text?",
  customer_order_no: "text",
  product_id: "text?",
  product_name: "text?",
  charge_account: "text?",
  buy_num: "text?",
  order_type: "text?",
  order_price: "text?",
  order_state: "text",
  create_time: "text?",
  finish_time: "text?",
  operator_serial_number: "text?",
  cards: listOf(fuluCardSchema),
});

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
