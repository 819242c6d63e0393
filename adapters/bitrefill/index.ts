/**
 * The `kaquan/adapters/bitrefill` entry point.
 *
 * @module kaquan/adapters/bitrefill
 */
export {
  BITREFILL_ENDPOINT,
  BITREFILL_WEBHOOK_ORDER_PARAMETER,
  type BitrefillAdapter,
  type BitrefillAdapterOptions,
  type BitrefillEndpoint,
  createBitrefillAdapter,
} from "./bitrefill-adapter.js";
export {
  BITREFILL_PACKAGE_SEPARATOR,
  type BitrefillInvoiceClass,
  type BitrefillOrderClass,
  bitrefillFailureCodes,
  bitrefillInvoiceStatuses,
  bitrefillOrderStatuses,
  bitrefillOutcome,
  bitrefillPublishedRateLimits,
  defaultBitrefillErrorTable,
} from "./bitrefill-tables.js";
