/**
 * Money as a decimal string plus an ISO 4217 currency: `{ amount: "46.30", currency: "CNY" }`.
 * Arithmetic goes through bigint scaled integers; no float ever touches an amount (vendors that
 * send JSON numbers are read through {@link parseDecimal}, which refuses what it cannot keep exact).
 */
import { z } from "zod";
import { ValidationError } from "./errors.js";

const decimalPattern = /^-?\d+(\.\d+)?$/;
/**
 * Largest exponent {@link parseDecimal} expands: every finite double fits (5e-324 … 1.8e308);
 * `1e999999999` is refused.
 */
const maxExponent = 400;

/** Minor-unit digits per currency; the amount is always written with at least this many decimals. */
const currencyDigits: Readonly<Record<string, number>> = {
  CNY: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  TWD: 2,
  SGD: 2,
  JPY: 0,
  KRW: 0,
  VND: 0,
  IDR: 2,
};

/** Minor-unit digits of `currency` (2 when unknown). */
export function currencyMinorDigits(currency: string): number {
  return currencyDigits[currency] ?? 2;
}

export const MoneySchema = z.object({
  amount: z
    .string()
    .regex(decimalPattern, 'amount must be a decimal string such as "46.30" (no floats, no exponent)'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as "CNY"'),
});

export type Money = z.infer<typeof MoneySchema>;

interface Scaled {
  units: bigint;
  scale: number;
}

function toScaled(amount: string): Scaled {
  if (!decimalPattern.test(amount)) {
    throw new ValidationError(`"${amount}" is not a decimal amount`, [
      { path: "amount", message: 'use a decimal string such as "46.30"' },
    ]);
  }
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? amount.slice(1) : amount).split(".");
  const units = BigInt(whole + fraction) * (negative ? -1n : 1n);
  return { units, scale: fraction.length };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function fromScaled(units: bigint, scale: number, minimumScale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  let fractionLength = scale;
  // Drop trailing zeros beyond the currency's minor digits: "46.3000" CNY becomes "46.30".
  while (fractionLength > minimumScale && digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    fractionLength -= 1;
  }
  const whole = digits.slice(0, digits.length - fractionLength);
  const fraction = digits.slice(digits.length - fractionLength);
  let text = fractionLength > 0 ? `${whole}.${fraction}` : whole;
  // Pad up to the currency's minor digits: "46.3" CNY becomes "46.30".
  if (fractionLength < minimumScale) {
    text = fractionLength === 0 ? `${text}.` : text;
    text += "0".repeat(minimumScale - fractionLength);
  }
  return negative && units !== 0n ? `-${text}` : text;
}

/**
 * Reads a vendor number or numeric string exactly as written. JSON numbers arrive as JS numbers;
 * those are accepted only when their shortest decimal form is exact (`46.3`, `100`), and exponent
 * forms (`4.1e6`) are expanded without float arithmetic.
 */
export function parseDecimal(value: string | number, field = "amount"): string {
  let text = typeof value === "number" ? String(value) : value.trim();
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new ValidationError(`${field} is not a finite number`, [
      { path: field, message: "expected a decimal" },
    ]);
  }
  const exponent = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(text);
  if (exponent) {
    const [, sign = "", whole = "", fraction = "", power = "0"] = exponent;
    // The expansion writes |power| digits: a vendor's "1e999999999" would build a gigabyte string
    // (or throw a RangeError) instead of failing as a bad amount.
    if (Math.abs(Number(power)) > maxExponent) {
      throw new ValidationError(`${field} "${String(value)}" has an exponent beyond ±${maxExponent}`, [
        { path: field, message: "expected a decimal amount of ordinary size" },
      ]);
    }
    const digits = whole + fraction;
    const point = whole.length + Number(power);
    if (point <= 0) text = `${sign}0.${"0".repeat(-point)}${digits}`;
    else if (point >= digits.length) text = `${sign}${digits}${"0".repeat(point - digits.length)}`;
    else text = `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  if (text.startsWith("+")) text = text.slice(1);
  if (text.startsWith(".")) text = `0${text}`;
  if (!decimalPattern.test(text)) {
    throw new ValidationError(`${field} "${String(value)}" is not a decimal number`, [
      { path: field, message: "expected a decimal number" },
    ]);
  }
  return text;
}

/** Builds a normalised Money value from a decimal string or vendor number. */
export function money(amount: string | number, currency: string): Money {
  const scaled = toScaled(parseDecimal(amount));
  return { amount: fromScaled(scaled.units, scaled.scale, currencyMinorDigits(currency)), currency };
}

/** Money from an integer count of a sub-unit, e.g. `fromMinorUnits(4630, "CNY", 2)` (分) is 46.30. */
export function fromMinorUnits(units: bigint | number | string, currency: string, digits: number): Money {
  const integer = typeof units === "bigint" ? units : BigInt(units);
  return { amount: fromScaled(integer, digits, currencyMinorDigits(currency)), currency };
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new ValidationError(`cannot combine ${a.currency} with ${b.currency}`, [
      { path: "currency", message: "convert both amounts to one currency first" },
    ]);
  }
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. Currencies must match. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  const left = toScaled(a.amount);
  const right = toScaled(b.amount);
  const scale = Math.max(left.scale, right.scale);
  const difference = rescale(left, scale) - rescale(right, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/** `a + b`, exact. */
export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  const left = toScaled(a.amount);
  const right = toScaled(b.amount);
  const scale = Math.max(left.scale, right.scale);
  return {
    amount: fromScaled(rescale(left, scale) + rescale(right, scale), scale, currencyMinorDigits(a.currency)),
    currency: a.currency,
  };
}

/** `a - b`, exact. */
export function subtractMoney(a: Money, b: Money): Money {
  return addMoney(a, { amount: negate(b.amount), currency: b.currency });
}

function negate(amount: string): string {
  return amount.startsWith("-") ? amount.slice(1) : `-${amount}`;
}

/** `value × quantity` for an integer quantity, exact. */
export function multiplyMoney(value: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity)) {
    throw new ValidationError("quantity must be a whole number", [
      { path: "quantity", message: "use an integer" },
    ]);
  }
  const scaled = toScaled(value.amount);
  return {
    amount: fromScaled(scaled.units * BigInt(quantity), scaled.scale, currencyMinorDigits(value.currency)),
    currency: value.currency,
  };
}

/** The amount as an integer count of `10^-digits` units; throws if that would lose precision. */
export function toMinorUnits(value: Money, digits = currencyMinorDigits(value.currency)): bigint {
  const scaled = toScaled(value.amount);
  if (scaled.scale <= digits) return rescale(scaled, digits);
  const factor = 10n ** BigInt(scaled.scale - digits);
  if (scaled.units % factor !== 0n) {
    throw new ValidationError(`${value.amount} ${value.currency} has more than ${digits} decimals`, [
      { path: "amount", message: `round to ${digits} decimals first` },
    ]);
  }
  return scaled.units / factor;
}
