import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addMoney,
  compareMoney,
  fromMinorUnits,
  money,
  multiplyMoney,
  parseDecimal,
  subtractMoney,
  toMinorUnits,
  ValidationError,
} from "../../src/core/index.js";

describe("Money", () => {
  it("normalises to the currency's minor digits without floats", () => {
    expect(money("46.3000", "CNY")).toEqual({ amount: "46.30", currency: "CNY" });
    expect(money(46.3, "CNY").amount).toBe("46.30");
    expect(money("457.32", "USD").amount).toBe("457.32");
    expect(money(0.1, "CNY").amount).toBe("0.10");
    expect(money("4.1e6", "CNY").amount).toBe("4100000.00");
    expect(money("46.3012", "CNY").amount).toBe("46.3012");
    expect(money("100", "JPY").amount).toBe("100");
    expect(money("-5", "CNY").amount).toBe("-5.00");
  });

  it("adds, subtracts and multiplies exactly", () => {
    expect(addMoney(money("0.1", "CNY"), money("0.2", "CNY")).amount).toBe("0.30");
    expect(subtractMoney(money("10", "CNY"), money("0.01", "CNY")).amount).toBe("9.99");
    expect(multiplyMoney(money("46.3", "CNY"), 3).amount).toBe("138.90");
    expect(compareMoney(money("46.30", "CNY"), money("46.3000", "CNY"))).toBe(0);
    expect(compareMoney(money("46.31", "CNY"), money("46.3", "CNY"))).toBe(1);
  });

  it("converts minor units", () => {
    expect(fromMinorUnits(4630, "CNY", 2).amount).toBe("46.30");
    expect(toMinorUnits(money("46.30", "CNY"))).toBe(4630n);
    expect(() => toMinorUnits(money("46.301", "CNY"))).toThrow(ValidationError);
  });

  it("refuses mixed currencies and non-decimals with a ValidationError", () => {
    expect(() => addMoney(money("1", "CNY"), money("1", "USD"))).toThrow(ValidationError);
    expect(() => parseDecimal("12,5")).toThrow(ValidationError);
    expect(() => parseDecimal(Number.NaN)).toThrow(ValidationError);
  });

  it("round-trips any cent amount through minor units", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (cents) => {
        expect(toMinorUnits(fromMinorUnits(cents, "CNY", 2))).toBe(cents);
      }),
    );
  });
});

describe("parseDecimal exponent bound (regression)", () => {
  it("refuses an exponent no amount has with a ValidationError, instead of building the digits", () => {
    // "1e999999999" from a vendor threw RangeError (invalid string length) after trying to
    // allocate a gigabyte string.
    expect(() => parseDecimal("1e999999999", "price")).toThrow(ValidationError);
    expect(() => parseDecimal("1e-999999999", "price")).toThrow(/price/);
    expect(parseDecimal(5e-324)).toBe(`0.${"0".repeat(323)}5`);
    expect(parseDecimal(1e21)).toBe(`1${"0".repeat(21)}`);
  });
});
