/**
 * Ding Connect wire shapes (vendor-protocols.md §7; the vendor's Swagger 2.0 spec:
 * `TransferRecord`, `Product`, `GetBalanceResponse`, `ErrorCodeItem`). Deliberately tolerant:
 * unknown fields pass through, references may come as numbers or (after lossless parsing of long
 * numbers) as strings, amounts as numbers or strings, optional objects may be missing or null — a
 * field Ding adds must never break an order.
 */
import { z } from "zod";

/** An amount as sent: a JSON number, or a string (long numbers are kept as strings). */
const numeric = z.union([z.number(), z.string()]);
const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));

/** `{ Code, Context }`: one entry of `ErrorCodes`. */
export const dingErrorCodeSchema = z.looseObject({ Code: optionalText, Context: optionalText });
export type DingErrorCode = z.infer<typeof dingErrorCodeSchema>;

/** The envelope every Ding answer carries: `ResultCode` (1 = success [M]) and `ErrorCodes`. */
export const dingEnvelopeSchema = z.looseObject({
  ResultCode: numeric.nullish(),
  ErrorCodes: z.array(dingErrorCodeSchema).nullish(),
});

/** `Price` of a transfer, and `Minimum` / `Maximum` of a product. */
export const dingPriceSchema = z.looseObject({
  CustomerFee: numeric.nullish(),
  DistributorFee: numeric.nullish(),
  ReceiveValue: numeric.nullish(),
  ReceiveCurrencyIso: optionalText,
  ReceiveValueExcludingTax: numeric.nullish(),
  TaxRate: numeric.nullish(),
  TaxName: optionalText,
  TaxCalculation: optionalText,
  SendValue: numeric.nullish(),
  SendCurrencyIso: optionalText,
});
export type DingPrice = z.infer<typeof dingPriceSchema>;

export const dingTransferRecordSchema = z.looseObject({
  TransferId: z.looseObject({ TransferRef: optionalText, DistributorRef: optionalText }).nullish(),
  SkuCode: optionalText,
  Price: dingPriceSchema.nullish(),
  CommissionApplied: numeric.nullish(),
  StartedUtc: optionalText,
  CompletedUtc: optionalText,
  ProcessingState: optionalText,
  ReceiptText: optionalText,
  ReceiptParams: z.record(z.string(), z.unknown()).nullish(),
  AccountNumber: optionalText,
});
export type DingTransferRecord = z.infer<typeof dingTransferRecordSchema>;

/** The `SendTransfer` answer: a transfer record plus the envelope. */
export const dingSendTransferResponseSchema = dingEnvelopeSchema.extend({
  TransferRecord: dingTransferRecordSchema.nullish(),
});

/**
 * `ListTransferRecords` answer. Each item is `{ TransferRecord, ResultCode, ErrorCodes }` in the
 * spec; a bare transfer record is accepted too.
 */
export const dingListTransferRecordsSchema = dingEnvelopeSchema.extend({
  Items: z.array(z.looseObject({ TransferRecord: dingTransferRecordSchema.nullish() })).nullish(),
  ThereAreMoreItems: z.boolean().nullish(),
});

export const dingBalanceSchema = dingEnvelopeSchema.extend({
  Balance: numeric,
  CurrencyIso: optionalText,
});

export const dingProductSchema = z.looseObject({
  ProviderCode: optionalText,
  // An empty SkuCode names no product.
  SkuCode: z.union([z.string().min(1), z.number()]).transform(String),
  LocalizationKey: optionalText,
  DefaultDisplayText: optionalText,
  Minimum: dingPriceSchema.nullish(),
  Maximum: dingPriceSchema.nullish(),
  CommissionRate: numeric.nullish(),
  ProcessingMode: optionalText,
  RedemptionMechanism: optionalText,
  Benefits: z.array(z.string()).nullish(),
  ValidityPeriodIso: optionalText,
  UatNumber: optionalText,
  RegionCode: optionalText,
  LookupBillsRequired: z.boolean().nullish(),
});
export type DingProduct = z.infer<typeof dingProductSchema>;

export const dingProductsResponseSchema = dingEnvelopeSchema.extend({
  Items: z.array(z.unknown()).nullish(),
});
