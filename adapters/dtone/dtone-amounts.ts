/**
 * Amounts on DT One's wire. DVS sends and expects JSON numbers (`"amount": 10.5`); kaquan keeps
 * amounts as decimal strings and never lets a float touch them (design.md, Money). Numbers are
 * read through `money()` (exact for what a vendor writes), and written as the decimal's own digits
 * spliced into the JSON text, never through `Number()`.
 */
import { addMoney, type Money, money } from "../../src/core/index.js";
import { createJsonDecimals } from "../../src/runtime/json-api.js";

const currencyPattern = /^[A-Z]{3}$/;
/** Placeholders JSON.stringify leaves alone; {@link serializeDtoneBody} turns them into bare numbers. */
const decimals = createJsonDecimals("dtone", { signed: true });

/** A placeholder for a decimal that must be sent as a JSON number with exactly these digits. */
export function dtoneDecimal(amount: string): string {
  return decimals.placeholder(amount);
}

/** JSON text of a value, with every {@link dtoneDecimal} written as a bare JSON number. */
export function serializeDtoneJson(value: unknown): string {
  return decimals.serialize(value);
}

/** JSON text of a request body, with every {@link dtoneDecimal} written as a bare JSON number. */
export function serializeDtoneBody(body: Record<string, unknown>): string {
  return serializeDtoneJson(body);
}

/**
 * Money from a DVS amount and unit. `undefined` when either is missing, when the unit is not an
 * ISO 4217 code (DVS `unit_type` may in future name non-currency units), or when the amount is
 * not a single number (a range). Throws `ValidationError` for an amount that is not a decimal.
 */
export function dtoneMoney(amount: unknown, unit: string | undefined): Money | undefined {
  if (unit === undefined || !currencyPattern.test(unit)) return undefined;
  if (typeof amount !== "number" && typeof amount !== "string") return undefined;
  return money(amount, unit);
}

/** What a transaction or product costs the merchant: the wholesale amount plus DT One's fee. */
export function dtoneWholesaleCost(
  wholesale: { unit?: string | undefined; amount?: unknown; fee?: unknown } | null | undefined,
): Money | undefined {
  if (!wholesale) return undefined;
  const amount = dtoneMoney(wholesale.amount, wholesale.unit);
  if (!amount) return undefined;
  const fee = dtoneMoney(wholesale.fee ?? 0, wholesale.unit);
  return fee ? addMoney(amount, fee) : amount;
}
