/**
 * Fuzzes money (design.md: a decimal string plus currency, computed in integer minor units): every
 * parse, format and conversion round-trips exactly for random decimals and currencies — in
 * src/core/money.ts and in the vendor codecs that put amounts on the wire as JSON numbers (Ding,
 * DT One) — and anything that is not a decimal is a ValidationError, never another throw.
 */
import fc from "fast-check";
import {
  addMoney,
  compareMoney,
  currencyMinorDigits,
  fromMinorUnits,
  type Money,
  money,
  multiplyMoney,
  parseDecimal,
  subtractMoney,
  toMinorUnits,
  ValidationError,
} from "kaquan";
import { parseJsonLossless } from "kaquan/adapter-kit";
import { dingDecimal, dingMoney, dingSendValue, serializeDingJson } from "kaquan/adapters/ding";
import { dtoneDecimal, dtoneMoney, serializeDtoneJson } from "kaquan/adapters/dtone";
import { describe, expect, it } from "vitest";
import { describeError, fuzzParameters, outcomeOf } from "./fuzz-kit.js";

const runs = 300;

/** Currencies with 0 and 2 minor digits, and codes kaquan has no table entry for. */
const currencies = fc.oneof(
  fc.constantFrom("CNY", "USD", "EUR", "JPY", "KRW", "VND", "IDR", "HKD"),
  fc.stringMatching(/^[A-Z]{3}$/),
);

/** A decimal string as a merchant or vendor writes it: any sign, up to 30 digits each side. */
const decimals = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^\d{1,30}$/),
    fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }),
  )
  .map(([negative, whole, fraction]) => `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`);

/** The exact value of a decimal string as a scaled bigint: digits × 10^-scale. */
function exact(decimal: string, scale = 40): bigint {
  const negative = decimal.startsWith("-");
  const [whole = "0", fraction = ""] = decimal.replace(/^-/, "").split(".");
  const units = BigInt(whole + fraction.padEnd(scale, "0"));
  return negative ? -units : units;
}

const sameValue = (a: Money, b: Money) => compareMoney(a, b) === 0;

describe("money: parse, format and convert round-trip exactly", () => {
  it("money() keeps the value, pads to the currency's digits, and is idempotent", () => {
    fc.assert(
      fc.property(decimals, currencies, (decimal, currency) => {
        const value = money(decimal, currency);
        expect(exact(value.amount)).toBe(exact(decimal));
        const [, fraction = ""] = value.amount.split(".");
        expect(fraction.length).toBeGreaterThanOrEqual(currencyMinorDigits(currency));
        expect(money(value.amount, currency)).toEqual(value);
      }),
      fuzzParameters(runs),
    );
  });

  it("minor units: fromMinorUnits then toMinorUnits gives back the integer", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), currencies, (units, currency) => {
        const digits = currencyMinorDigits(currency);
        const value = fromMinorUnits(units, currency, digits);
        expect(toMinorUnits(value)).toBe(units);
        expect(exact(value.amount)).toBe(units * 10n ** BigInt(40 - digits));
      }),
      fuzzParameters(runs),
    );
  });

  it("a vendor sub-unit (分 of 元, 厘) converts and converts back", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 20n }),
        fc.integer({ min: 0, max: 6 }),
        (units, digits) => {
          const value = fromMinorUnits(units, "CNY", digits);
          expect(toMinorUnits(value, digits)).toBe(units);
        },
      ),
      fuzzParameters(runs),
    );
  });

  it("toMinorUnits refuses, with a ValidationError, an amount it would have to round", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,10}\.\d{2}[1-9]$/), (decimal) => {
        expect(() => toMinorUnits({ amount: decimal, currency: "CNY" })).toThrow(ValidationError);
      }),
      fuzzParameters(runs),
    );
  });

  it("add and subtract are exact inverses, and multiply is repeated addition", () => {
    fc.assert(
      fc.property(
        decimals,
        decimals,
        currencies,
        fc.integer({ min: -20, max: 20 }),
        (a, b, currency, times) => {
          const left = money(a, currency);
          const right = money(b, currency);
          const sum = addMoney(left, right);
          expect(exact(sum.amount)).toBe(exact(a) + exact(b));
          expect(sameValue(subtractMoney(sum, right), left)).toBe(true);
          let repeated = money("0", currency);
          for (let index = 0; index < Math.abs(times); index += 1) repeated = addMoney(repeated, left);
          const product = multiplyMoney(left, times);
          expect(exact(product.amount)).toBe(exact(repeated.amount) * (times < 0 ? -1n : 1n));
        },
      ),
      fuzzParameters(runs),
    );
  });

  it("compareMoney agrees with the exact values", () => {
    fc.assert(
      fc.property(decimals, decimals, (a, b) => {
        const expected = exact(a) === exact(b) ? 0 : exact(a) < exact(b) ? -1 : 1;
        expect(compareMoney(money(a, "USD"), money(b, "USD"))).toBe(expected);
      }),
      fuzzParameters(runs),
    );
  });

  it("parseDecimal reads a JSON number as the number it is, never through float arithmetic", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (number) => {
        const text = parseDecimal(number);
        expect(text).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Number(text)).toBe(number === 0 ? 0 : number);
      }),
      fuzzParameters(runs),
    );
  });

  it("parseDecimal expands exponent forms exactly", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{1,8}$/),
        fc.option(fc.stringMatching(/^\d{1,8}$/), { nil: undefined }),
        fc.integer({ min: -20, max: 20 }),
        (whole, fraction, power) => {
          const mantissa = `${whole}${fraction ? `.${fraction}` : ""}`;
          const text = parseDecimal(`${mantissa}e${power}`);
          const scale = 60;
          const expected = exact(mantissa, scale) * 10n ** BigInt(20 + power);
          expect(exact(text, scale) * 10n ** 20n).toBe(expected);
        },
      ),
      fuzzParameters(runs),
    );
  });

  it("anything that is not a decimal is a ValidationError naming the field, never another throw", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.stringMatching(/^[-+]?\d*\.?\d*[eE][-+]?\d{1,12}$/),
          fc.constantFrom("1e999999999", "1e-999999999", "NaN", "Infinity", "0x10", "1_000", " ", "１２"),
          fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
        ),
        async (input) => {
          const result = await outcomeOf(Promise.resolve().then(() => parseDecimal(input, "price")));
          if (result.ok) {
            expect(result.value).toMatch(/^-?\d+(\.\d+)?$/);
            expect(result.value.length).toBeLessThan(1_000);
            return;
          }
          expect(result.error, describeError(result.error)).toBeInstanceOf(ValidationError);
          expect((result.error as ValidationError).message).toContain("price");
        },
      ),
      fuzzParameters(runs),
    );
  });
});

describe("vendor amount codecs: the JSON number on the wire is the decimal", () => {
  /** Amounts Ding can be sent: positive, at most 2 decimals. */
  const twoDecimals = fc
    .tuple(fc.stringMatching(/^[1-9]\d{0,17}$/), fc.stringMatching(/^\d{0,2}$/))
    .map(([whole, fraction]) => (fraction ? `${whole}.${fraction}` : whole));

  it("Ding: SendValue written as a JSON number reads back as the same money", () => {
    fc.assert(
      fc.property(twoDecimals, currencies, (decimal, currency) => {
        const sent = dingSendValue(money(decimal, currency));
        const wire = serializeDingJson({ SendValue: dingDecimal(sent), SendCurrencyIso: currency });
        const parsed = parseJsonLossless(wire) as { SendValue: number | string; SendCurrencyIso: string };
        const received = dingMoney(parsed.SendValue, parsed.SendCurrencyIso);
        expect(received && sameValue(received, money(decimal, currency))).toBe(true);
      }),
      fuzzParameters(runs),
    );
  });

  it("Ding: SendValue refuses what it cannot send exactly with a ValidationError", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,6}\.\d{2}[1-9]$|^-[1-9]\d{0,5}$|^0(\.0{1,4})?$/), (decimal) => {
        expect(() => dingSendValue(money(decimal, "USD"))).toThrow(ValidationError);
      }),
      fuzzParameters(runs),
    );
  });

  it("DT One: any decimal written as a JSON number reads back as the same money", () => {
    fc.assert(
      fc.property(decimals, currencies, (decimal, currency) => {
        const wire = serializeDtoneJson({ amount: dtoneDecimal(decimal), unit: currency });
        const parsed = parseJsonLossless(wire) as { amount: number | string; unit: string };
        const received = dtoneMoney(parsed.amount, parsed.unit);
        expect(received && sameValue(received, money(decimal, currency))).toBe(true);
      }),
      fuzzParameters(runs),
    );
  });
});

describe("the money properties can fail", () => {
  it("catches a conversion through floating point", () => {
    const floatMinorUnits = (value: Money) => BigInt(Math.round(Number(value.amount) * 100));
    const property = fc.property(fc.bigInt({ min: 0n, max: 10n ** 22n }), (units) => {
      expect(floatMinorUnits(fromMinorUnits(units, "CNY", 2))).toBe(units);
    });
    expect(fc.check(property, { numRuns: 200, seed: 7 }).failed).toBe(true);
  });
});
