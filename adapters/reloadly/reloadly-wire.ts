/**
 * Reloadly's wire shapes (vendor-protocols.md §2.1–§2.7). Deliberately tolerant: unknown fields
 * pass through, ids and amounts may come as numbers or strings, optional fields may be missing or
 * null, and the places where sources disagree (a wrapped or flat status answer, one redeem code or
 * an array, a page object or a bare array) accept both. A new vendor field never breaks an order.
 *
 * Bodies are parsed with `parseJsonLossless`, so long ids and card numbers arrive as strings.
 */
import { z } from "zod";

const text = z.union([z.string(), z.number()]).transform(String);
const optionalText = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));
/** Reloadly's operator and product ids: whole numbers. */
const numericId = /^\d{1,18}$/;
const optionalDecimalList = z
  .array(z.union([z.string(), z.number()]).transform(String))
  .nullish()
  .transform((value) => value ?? undefined);

/** The error body: `{timeStamp, message, path, errorCode, infoLink, details[]}` (§2.6). */
export const reloadlyErrorSchema = z.looseObject({
  errorCode: optionalText,
  message: optionalText,
  path: optionalText,
  timeStamp: optionalText,
  error: optionalText,
});

/** `POST /oauth/token` answer (§2.1). `expires_in` is in seconds. */
export const reloadlyTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number),
  token_type: optionalText,
  scope: optionalText,
});

/** `GET /accounts/balance` (§2.2; the gift-card host answers the same shape [M]). */
export const reloadlyBalanceSchema = z.looseObject({
  balance: text,
  currencyCode: z.string(),
  currencyName: optionalText,
  updatedAt: optionalText,
});

const countrySchema = z.looseObject({ isoName: optionalText, name: optionalText }).nullish();

/** An airtime operator (§2.2). Auto-detect answers the same shape. */
export const reloadlyOperatorSchema = z
  .looseObject({
    operatorId: optionalText,
    id: optionalText,
    name: optionalText,
    bundle: z.boolean().nullish(),
    data: z.boolean().nullish(),
    pin: z.boolean().nullish(),
    supportsLocalAmounts: z.boolean().nullish(),
    denominationType: optionalText,
    senderCurrencyCode: optionalText,
    destinationCurrencyCode: optionalText,
    minAmount: optionalText,
    maxAmount: optionalText,
    localMinAmount: optionalText,
    localMaxAmount: optionalText,
    fixedAmounts: optionalDecimalList,
    localFixedAmounts: optionalDecimalList,
    country: countrySchema,
  })
  .transform((operator, context) => {
    const operatorId = operator.operatorId ?? operator.id;
    // The id is sent back as a bare JSON number in the top-up: anything but digits is not an operator.
    if (operatorId === undefined || !numericId.test(operatorId)) {
      context.addIssue({ code: "custom", message: "an operator without a numeric operatorId" });
      return z.NEVER;
    }
    return { ...operator, operatorId };
  });
export type ReloadlyOperator = z.infer<typeof reloadlyOperatorSchema>;

/** `POST /operators/fx-rate` (§2.2). */
export const reloadlyFxRateSchema = z.looseObject({
  id: optionalText,
  name: optionalText,
  fxRate: text,
  currencyCode: z.string(),
});

/** `pinDetail` of a PIN operator's top-up: the code is a card secret (failure-modes need 19). */
export const reloadlyPinDetailSchema = z.looseObject({
  serial: optionalText,
  info1: optionalText,
  info2: optionalText,
  info3: optionalText,
  value: optionalText,
  code: optionalText,
  ivr: optionalText,
  validity: optionalText,
});

const phoneSchema = z
  .union([
    z.string(),
    z.number(),
    z.looseObject({ countryCode: optionalText, number: optionalText }),
    z.null(),
  ])
  .optional()
  .transform((value) => {
    if (value === null || value === undefined) return undefined;
    if (typeof value === "object") return value.number;
    return String(value);
  });

/** A top-up transaction: the sync answer, the status answer and a reports row (§2.2). */
export const reloadlyTopupSchema = z.looseObject({
  transactionId: text,
  status: optionalText,
  operatorTransactionId: optionalText,
  customIdentifier: optionalText,
  recipientPhone: phoneSchema,
  countryCode: optionalText,
  operatorId: optionalText,
  operatorName: optionalText,
  discount: optionalText,
  discountCurrencyCode: optionalText,
  requestedAmount: optionalText,
  requestedAmountCurrencyCode: optionalText,
  deliveredAmount: optionalText,
  deliveredAmountCurrencyCode: optionalText,
  transactionDate: optionalText,
  pinDetail: reloadlyPinDetailSchema.nullish(),
  balanceInfo: z
    .looseObject({
      oldBalance: optionalText,
      newBalance: optionalText,
      cost: optionalText,
      currencyCode: optionalText,
    })
    .nullish(),
});
export type ReloadlyTopup = z.infer<typeof reloadlyTopupSchema>;

/** `POST /topups-async` answers the transaction id only (§2.2). */
export const reloadlyAsyncTopupSchema = z.looseObject({ transactionId: text });

/**
 * `GET /topups/{id}/status`: the Java SDK fixture and the Reloadly blog wrap the transaction
 * (`{code, message, status, transaction}`), the OpenAPI example is flat (§2.2 [M]). Both parse;
 * the wrapper's `status` wins when the inner transaction has none.
 */
export const reloadlyTopupStatusSchema = z.union([
  z.looseObject({ status: optionalText, transaction: reloadlyTopupSchema }).transform((wrapped) => ({
    ...wrapped.transaction,
    status: wrapped.transaction.status ?? wrapped.status,
  })),
  reloadlyTopupSchema,
]);

/** A gift-card product (§2.3). */
export const reloadlyGiftProductSchema = z.looseObject({
  // Sent back as a bare JSON number in the order: anything but digits is not a product.
  productId: text.refine((value) => numericId.test(value), "productId is not a number"),
  productName: optionalText,
  global: z.boolean().nullish(),
  senderFee: optionalText,
  discountPercentage: optionalText,
  denominationType: optionalText,
  recipientCurrencyCode: optionalText,
  minRecipientDenomination: optionalText,
  maxRecipientDenomination: optionalText,
  senderCurrencyCode: optionalText,
  minSenderDenomination: optionalText,
  maxSenderDenomination: optionalText,
  fixedRecipientDenominations: optionalDecimalList,
  fixedSenderDenominations: optionalDecimalList,
  fixedRecipientToSenderDenominationsMap: z
    .record(z.string(), z.union([z.string(), z.number()]).transform(String))
    .nullish(),
  brand: z.looseObject({ brandId: optionalText, brandName: optionalText }).nullish(),
  country: countrySchema,
});
export type ReloadlyGiftProduct = z.infer<typeof reloadlyGiftProductSchema>;

/** A gift-card order answer or transactions-report row (§2.3). */
export const reloadlyGiftTransactionSchema = z.looseObject({
  transactionId: text,
  amount: optionalText,
  discount: optionalText,
  currencyCode: optionalText,
  fee: optionalText,
  smsFee: optionalText,
  customIdentifier: optionalText,
  status: optionalText,
  transactionCreatedTime: optionalText,
  product: z
    .looseObject({
      productId: optionalText,
      productName: optionalText,
      countryCode: optionalText,
      quantity: optionalText,
      unitPrice: optionalText,
      totalPrice: optionalText,
      currencyCode: optionalText,
    })
    .nullish(),
});
export type ReloadlyGiftTransaction = z.infer<typeof reloadlyGiftTransactionSchema>;

/** One redeem code. The example is one object; several units may come as an array (§2.3 [?]). */
export const reloadlyRedeemCodeSchema = z.looseObject({
  cardNumber: optionalText,
  pinCode: optionalText,
  redemptionUrl: optionalText,
});
export type ReloadlyRedeemCode = z.infer<typeof reloadlyRedeemCodeSchema>;

export const reloadlyRedeemCodesSchema = z.union([
  z.array(reloadlyRedeemCodeSchema),
  reloadlyRedeemCodeSchema.transform((code) => [code]),
]);

/**
 * A list answer: a Spring page (`{content, totalPages, last, …}`) or a bare array (the gift-card
 * report example). A bare array says nothing about further pages: a full one may have a next.
 * Items are parsed one by one by the caller.
 */
export const reloadlyPageSchema = z.union([
  z.array(z.unknown()).transform((content) => ({
    content,
    last: undefined as boolean | undefined,
    totalPages: undefined as number | undefined,
  })),
  z
    .looseObject({
      content: z.array(z.unknown()),
      totalPages: z.number().nullish(),
      last: z.boolean().nullish(),
    })
    .transform((page) => ({
      content: page.content,
      last: page.last ?? undefined,
      totalPages: page.totalPages ?? undefined,
    })),
]);

/**
 * A webhook (§2.7 [M]): `{type, data: {transaction: {…}}}`; other integrations read `data` as the
 * transaction itself, so both are accepted.
 */
export const reloadlyWebhookSchema = z.looseObject({
  id: optionalText,
  type: optionalText,
  data: z.looseObject({ transaction: z.looseObject({}).nullish() }),
});
