/**
 * DT One DVS wire shapes (vendor-protocols.md §3; the vendor's OpenAPI spec: `Transaction`,
 * `Product*`, `Balance`, `Errors`, the mobile-number lookup). Deliberately tolerant: unknown
 * fields pass through, ids may come as numbers or (after lossless parsing of long numbers) as
 * strings, amounts as numbers or strings, optional objects may be missing or null — a field DT One
 * adds must never break an order.
 */
import { z } from "zod";

/** An id or amount as sent: a JSON number, or a string (long numbers are kept as strings). */
const numeric = z.union([z.number(), z.string()]);
const text = z.union([z.string(), z.number()]).transform(String);
/** An id that names something: a number, or a non-empty string (an empty one names nothing). */
const identifier = z.union([z.string().min(1), z.number()]).transform(String);
const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));

/** `{ unit_type, unit, amount }` with a single amount (transactions, fixed products). */
export const dtoneAmountSchema = z.looseObject({
  unit_type: optionalText,
  unit: optionalText,
  amount: numeric.nullish(),
});
export type DtoneAmount = z.infer<typeof dtoneAmountSchema>;

/** A price: an amount plus DT One's fee, both in `unit`. */
export const dtonePriceSchema = z.looseObject({
  unit_type: optionalText,
  unit: optionalText,
  amount: z.union([numeric, z.looseObject({ min: numeric.nullish(), max: numeric.nullish() })]).nullish(),
  fee: numeric.nullish(),
});
export type DtonePrice = z.infer<typeof dtonePriceSchema>;

/** `{ min, max, increment? }` of a ranged product. */
export const dtoneRangeSchema = z.looseObject({
  min: numeric.nullish(),
  max: numeric.nullish(),
  increment: numeric.nullish(),
});

/** `source` / `destination` of a product: a fixed amount or a range. */
export const dtoneProductAmountSchema = z.looseObject({
  unit_type: optionalText,
  unit: optionalText,
  amount: z.union([numeric, dtoneRangeSchema]).nullish(),
});
export type DtoneProductAmount = z.infer<typeof dtoneProductAmountSchema>;

const namedSchema = z.looseObject({ id: optionalText, name: optionalText });

export const dtoneProductSchema = z.looseObject({
  id: identifier,
  name: optionalText,
  description: optionalText,
  type: optionalText,
  service: namedSchema.nullish(),
  operator: z
    .looseObject({
      id: optionalText,
      name: optionalText,
      country: z.looseObject({ iso_code: optionalText, name: optionalText }).nullish(),
    })
    .nullish(),
  source: dtoneProductAmountSchema.nullish(),
  destination: dtoneProductAmountSchema.nullish(),
  prices: z
    .looseObject({ wholesale: dtonePriceSchema.nullish(), retail: dtonePriceSchema.nullish() })
    .nullish(),
  required_credit_party_identifier_fields: z.array(z.array(z.string())).nullish(),
  accepted_calculation_modes: z.array(z.string()).nullish(),
});
export type DtoneProduct = z.infer<typeof dtoneProductSchema>;

/** `status{ id, message, class{ id, message } }`. The numeric ids are unconfirmed [?]. */
export const dtoneStatusSchema = z.looseObject({
  id: optionalText,
  message: optionalText,
  class: z.looseObject({ id: optionalText, message: optionalText }).nullish(),
});

export const dtonePartySchema = z.looseObject({
  mobile_number: optionalText,
  account_number: optionalText,
  account_qualifier: optionalText,
});

export const dtoneTransactionSchema = z.looseObject({
  id: text,
  external_id: text,
  creation_date: optionalText,
  confirmation_expiration_date: optionalText,
  confirmation_date: optionalText,
  status: dtoneStatusSchema.nullish(),
  operator_reference: optionalText,
  pin: z.looseObject({ code: optionalText, serial: optionalText }).nullish(),
  product: z
    .looseObject({
      id: optionalText,
      name: optionalText,
      type: optionalText,
    })
    .nullish(),
  prices: z
    .looseObject({ wholesale: dtonePriceSchema.nullish(), retail: dtonePriceSchema.nullish() })
    .nullish(),
  credit_party_identifier: dtonePartySchema.nullish(),
  callback_url: optionalText,
});
export type DtoneTransaction = z.infer<typeof dtoneTransactionSchema>;

export const dtoneBalanceSchema = z.looseObject({
  id: optionalText,
  unit_type: optionalText,
  unit: optionalText,
  available: numeric,
  holding: numeric.nullish(),
  credit_limit: numeric.nullish(),
});

/** One operator of a mobile-number lookup. */
export const dtoneLookupOperatorSchema = z.looseObject({
  id: text,
  name: optionalText,
  identified: z.boolean().nullish(),
  country: z.looseObject({ iso_code: optionalText, name: optionalText }).nullish(),
});

/** The error body: `{ errors: [{ code, message }] }`. */
export const dtoneErrorsSchema = z.looseObject({
  errors: z.array(z.looseObject({ code: optionalText, message: optionalText })).min(1),
});
