/**
 * Amounts on Ding Connect's wire. Ding sends and expects JSON numbers (`"SendValue": 10.5`) with
 * at most 2 decimals (vendor-protocols.md §7); kaquan keeps amounts as decimal strings and never
 * lets a float touch them (design.md, Money). Numbers are read through `money()` (exact for what
 * a vendor writes) and written as the decimal's own digits spliced into the JSON text, never
 * through `Number()`.
 */
import { type Money, money, ValidationError } from "../../src/core/index.js";
import { createJsonDecimals } from "../../src/runtime/json-api.js";

const currencyPattern = /^[A-Z]{3}$/;
/** Placeholders JSON.stringify leaves alone; {@link serializeDingJson} turns them into bare numbers. */
const decimals = createJsonDecimals("ding", { signed: true });

/** A placeholder for a decimal that must be sent as a JSON number with exactly these digits. */
export function dingDecimal(amount: string): string {
  return decimals.placeholder(amount);
}

/** JSON text of a value, with every {@link dingDecimal} written as a bare JSON number. */
export function serializeDingJson(value: unknown): string {
  return decimals.serialize(value);
}

/**
 * The `SendValue` text of an amount: exactly 2 decimals (`"10"` → `"10.00"`). Throws
 * `ValidationError` for an amount with more than 2 significant decimals (Ding would round it) or
 * that is not positive.
 */
export function dingSendValue(amount: Money, path = "faceValue"): string {
  const [whole = "0", fraction = ""] = amount.amount.replace(/^-/, "").split(".");
  const extra = fraction.slice(2);
  if (amount.amount.startsWith("-") || /[1-9]/.test(extra) || !/[1-9]/.test(whole + fraction)) {
    throw new ValidationError(`Ding SendValue must be a positive amount with at most 2 decimals`, [
      { path, message: `"${amount.amount}" cannot be sent exactly: use 2 decimals, e.g. "10.00"` },
    ]);
  }
  return `${whole.replace(/^0+(?=\d)/, "")}.${fraction.slice(0, 2).padEnd(2, "0")}`;
}

/**
 * Money from a Ding amount and currency. `undefined` when either is missing or the currency is
 * not an ISO 4217 code. Throws `ValidationError` for an amount that is not a decimal.
 */
export function dingMoney(amount: unknown, currency: string | undefined): Money | undefined {
  if (currency === undefined || !currencyPattern.test(currency)) return undefined;
  if (typeof amount !== "number" && typeof amount !== "string") return undefined;
  return money(amount, currency);
}
