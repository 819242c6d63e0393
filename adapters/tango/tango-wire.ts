/**
 * Tango Card RaaS v2 wire shapes (vendor-protocols.md §6; the official starter's swagger.json:
 * `OrderViewSummary`, `AccountView`, `CatalogView`, the error body). Deliberately tolerant:
 * unknown fields pass through, amounts may be numbers or strings, optional objects may be
 * missing or null — a field Tango adds must never break an order.
 */
import { z } from "zod";

/** An amount as sent: a JSON number, or a string (long numbers are kept as strings). */
const numeric = z.union([z.number(), z.string()]);
const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));

/** `amountCharged{ value, currencyCode, exchangeRate, fee, total }`. */
export const tangoAmountChargedSchema = z.looseObject({
  value: numeric.nullish(),
  currencyCode: optionalText,
  exchangeRate: numeric.nullish(),
  fee: numeric.nullish(),
  total: numeric.nullish(),
});

/** `denomination{ value, currencyCode }`: the reward's face value. */
export const tangoDenominationSchema = z.looseObject({
  value: numeric.nullish(),
  currencyCode: optionalText,
});

/** One entry of `reward.credentialList`. */
export const tangoCredentialSchema = z.looseObject({
  label: optionalText,
  value: optionalText,
  type: optionalText,
  credentialType: optionalText,
});
export type TangoCredential = z.infer<typeof tangoCredentialSchema>;

export const tangoRewardSchema = z.looseObject({
  credentials: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).nullish(),
  credentialList: z.array(tangoCredentialSchema).nullish(),
  redemptionInstructions: optionalText,
});

/** `OrderViewSummary` (create answer, list entries) and `OrderView` (by id). */
export const tangoOrderSchema = z.looseObject({
  referenceOrderID: z.union([z.string(), z.number()]).transform(String),
  externalRefID: optionalText,
  customerIdentifier: optionalText,
  accountIdentifier: optionalText,
  status: optionalText,
  utid: optionalText,
  rewardName: optionalText,
  amountCharged: tangoAmountChargedSchema.nullish(),
  denomination: tangoDenominationSchema.nullish(),
  reward: tangoRewardSchema.nullish(),
  createdAt: optionalText,
});
export type TangoOrder = z.infer<typeof tangoOrderSchema>;

/** `GET /orders?…`: `{ page{…}, orders[…] }`. */
export const tangoOrderListSchema = z.looseObject({
  page: z.looseObject({}).nullish(),
  orders: z.array(z.unknown()).nullish(),
});

/** `GET /accounts/{identifier}`. */
export const tangoAccountSchema = z.looseObject({
  accountIdentifier: optionalText,
  displayName: optionalText,
  currencyCode: optionalText,
  currentBalance: numeric,
  status: optionalText,
});

/** One catalogue item (a `utid`). `valueType` is `FIXED_VALUE` or `VARIABLE_VALUE`. */
export const tangoItemSchema = z.looseObject({
  // An empty utid names no item.
  utid: z.union([z.string().min(1), z.number()]).transform(String),
  rewardName: optionalText,
  currencyCode: optionalText,
  status: optionalText,
  valueType: optionalText,
  rewardType: optionalText,
  faceValue: numeric.nullish(),
  minValue: numeric.nullish(),
  maxValue: numeric.nullish(),
  countries: z.array(z.string()).nullish(),
});
export type TangoItem = z.infer<typeof tangoItemSchema>;

export const tangoBrandSchema = z.looseObject({
  brandKey: optionalText,
  brandName: optionalText,
  status: optionalText,
  items: z.array(z.unknown()).nullish(),
});

/** `GET /catalogs`: `{ catalogName, brands[{ brandKey, brandName, items[…] }] }`. */
export const tangoCatalogSchema = z.looseObject({
  catalogName: optionalText,
  // Required: a body without a brand list is not a catalogue, and reading it as an empty one
  // would report every utid unknown and refuse orders on an unreadable answer.
  brands: z.array(z.unknown()),
});

/**
 * The error body: `{ timestamp, requestId, path, httpCode, httpPhrase, i18nKey, message,
 * errors[{ path, i18nKey, message, invalidValue }] }`. The i18n key (e.g. `402.001`) is the code.
 */
export const tangoErrorSchema = z
  .looseObject({
    requestId: optionalText,
    httpCode: numeric.nullish(),
    i18nKey: optionalText,
    message: optionalText,
    errors: z
      .array(z.looseObject({ i18nKey: optionalText, code: optionalText, message: optionalText }))
      .nullish(),
  })
  .refine((body) => body.i18nKey !== undefined || (body.errors?.length ?? 0) > 0);
