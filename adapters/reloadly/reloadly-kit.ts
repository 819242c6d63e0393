/**
 * Helpers the Reloadly airtime and gift-card halves share: reading answers into typed values,
 * exact money from vendor numbers, JSON bodies that carry decimals without a float, timestamps.
 */

import {
  type AdapterContext,
  KaquanError,
  MalformedPayloadError,
  type Money,
  money,
  NotSentError,
  type OrderStatus,
} from "../../src/core/index.js";
import { formatDateTime, parseDateTime } from "../../src/runtime/clock.js";
import { type PayloadSchema, parseVendorPayload } from "../../src/runtime/vendor-payload.js";
import type { ReloadlyAnswer, ReloadlyConnection } from "./reloadly-connection.js";

/** What both halves are given. */
export interface ReloadlyKit {
  supplier: string;
  connection: ReloadlyConnection;
  /** UTC offset of Reloadly's `yyyy-MM-dd HH:mm:ss` timestamps, in minutes [?]. */
  timestampOffsetMinutes: number;
  statuses: Readonly<Record<string, OrderStatus>>;
}

/** The answer's body, or its classified error thrown. */
export function expectOk(answer: ReloadlyAnswer): unknown {
  if (!answer.ok) throw answer.error;
  return answer.body;
}

/** Parses with a schema or throws `MalformedPayloadError` naming what was expected. */
export function parseWith<T>(
  kit: ReloadlyKit,
  schema: PayloadSchema<T>,
  value: unknown,
  what: string,
  merchantOrderId?: string,
): T {
  return parseVendorPayload(schema, value, { supplier: kit.supplier, what, merchantOrderId });
}

/** Exact money from a vendor decimal (a JSON number kept as text, or a string). */
export function toMoney(
  kit: ReloadlyKit,
  value: string | undefined,
  currency: string | undefined,
): Money | undefined {
  if (value === undefined || value === "" || currency === undefined || !/^[A-Z]{3}$/.test(currency))
    return undefined;
  try {
    return money(value, currency);
  } catch {
    throw new MalformedPayloadError(`${kit.supplier}: "${value.slice(0, 32)}" is not a decimal amount`, {
      supplier: kit.supplier,
    });
  }
}

/** Epoch ms of a Reloadly timestamp (`yyyy-MM-dd HH:mm:ss`, or ISO 8601). */
export function parseReloadlyTime(kit: ReloadlyKit, text: string | undefined): number | undefined {
  if (!text) return undefined;
  const local = parseDateTime(text, kit.timestampOffsetMinutes);
  if (local !== undefined) return local;
  const iso = Date.parse(text);
  return Number.isNaN(iso) ? undefined : iso;
}

export function formatReloadlyTime(kit: ReloadlyKit, epochMs: number): string {
  return formatDateTime(epochMs, kit.timestampOffsetMinutes);
}

/** A decimal written into JSON as a number literal, exactly as given (never through a float). */
export class JsonDecimal {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new RangeError(`"${text}" is not a decimal`);
  }
}

const decimalMarker = "\u0000kaquan-decimal:";

/** `JSON.stringify` that writes every {@link JsonDecimal} as a bare number literal. */
export function stringifyWithDecimals(value: unknown): string {
  const json = JSON.stringify(value, (_key, item: unknown) =>
    item instanceof JsonDecimal ? `${decimalMarker}${item.text}` : item,
  );
  return json.replace(/"\\u0000kaquan-decimal:(-?\d+(?:\.\d+)?)"/g, "$1");
}

/**
 * Runs a read that must succeed before an order is sent (operator, product). When it gets no
 * usable answer the order itself was never sent, so the error becomes `NotSentError` (safe to
 * retry with the same id); refusals and throttling keep their meaning.
 */
export async function beforeSending<T>(
  kit: ReloadlyKit,
  what: string,
  merchantOrderId: string,
  context: AdapterContext,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (
      KaquanError.isInstance(error) &&
      error.failureClass === "sent_no_answer" &&
      !(context.signal?.aborted ?? false)
    ) {
      throw new NotSentError(`${kit.supplier}: ${what} failed (${error.message}); the order was not sent`, {
        supplier: kit.supplier,
        merchantOrderId,
      });
    }
    throw error;
  }
}
