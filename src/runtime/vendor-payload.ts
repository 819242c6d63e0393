import { MalformedPayloadError } from "../core/index.js";

/** Anything with zod's `safeParse` shape. */
export interface PayloadSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/**
 * Checks part of a supplier's answer against its wire schema. A mismatch is a
 * `MalformedPayloadError` (an unknown outcome, never a failure) naming the supplier and what was
 * expected — never the payload itself, which may hold card codes or tokens.
 */
export function parseVendorPayload<T>(
  schema: PayloadSchema<T>,
  value: unknown,
  details: { supplier: string; what: string; merchantOrderId?: string | undefined },
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new MalformedPayloadError(
      `${details.supplier}: the ${details.what} in the answer does not have the expected fields`,
      {
        supplier: details.supplier,
        merchantOrderId: details.merchantOrderId,
      },
    );
  }
  return parsed.data;
}
