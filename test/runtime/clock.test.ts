import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDateTime, isoTime, parseDateTime } from "../../src/runtime/clock.js";

/** The definition parseDateTime implements, written the obvious way. */
function reference(text: string, offsetMinutes = 480): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[];
  const utc = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  return Number.isNaN(utc) ? undefined : utc - offsetMinutes * 60_000;
}

describe("parseDateTime", () => {
  it("reads China Standard Time by default, with a space or a T, around whitespace", () => {
    expect(parseDateTime("2022-11-30 20:14:15")).toBe(Date.UTC(2022, 10, 30, 12, 14, 15));
    expect(parseDateTime(" 2022-11-30T20:14:15\n")).toBe(Date.UTC(2022, 10, 30, 12, 14, 15));
    expect(parseDateTime("2022-11-30 20:14:15", 0)).toBe(Date.UTC(2022, 10, 30, 20, 14, 15));
  });
  it("refuses what is not yyyy-MM-dd HH:mm:ss", () => {
    for (const text of [
      "",
      "2022-11-30",
      "2022-1-30 20:14:15",
      "2022/11/30 20:14:15",
      "2022-11-30 20:14:1x",
      "２０２２-11-30 20:14:15",
      "2022-11-30_20:14:15",
      "2022-11-30 20:14:15.000",
      "2022-11-30 20:14:1:",
      "2022-11-30 20:1/:15",
    ])
      expect(parseDateTime(text)).toBeUndefined();
  });
  it("agrees with the regular-expression definition on any text", () => {
    const digit = fc.constantFrom(..."0123456789x -:T".split(""));
    const shaped = fc
      .tuple(fc.array(digit, { minLength: 19, maxLength: 19 }), fc.constantFrom("", " "))
      .map(([characters, space]) => `${space}${characters.join("")}`);
    const formatted = fc
      .integer({ min: 0, max: 4_102_444_800_000 })
      .map((epochMs) => formatDateTime(epochMs));
    // A well-formed time with one character changed, anywhere, to anything near a digit.
    const mutated = fc
      .tuple(formatted, fc.nat({ max: 18 }), fc.constantFrom(..."09x -:T/.".split("")))
      .map(([text, at, character]) => text.slice(0, at) + character + text.slice(at + 1));
    fc.assert(
      fc.property(
        fc.oneof(shaped, formatted, mutated, fc.string()),
        fc.integer({ min: -720, max: 840 }),
        (text, offset) => {
          expect(parseDateTime(text, offset)).toBe(reference(text, offset));
        },
      ),
    );
  });
});

describe("isoTime", () => {
  it("formats each time it is given, also when times alternate", () => {
    const times = [0, 1_700_000_000_123, 1_700_000_000_123, 0, 4_102_444_800_000];
    for (const epochMs of times) expect(isoTime(epochMs)).toBe(new Date(epochMs).toISOString());
  });
  it("throws a RangeError for a time that is not one", () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(isoTime(5)).toBe("1970-01-01T00:00:00.005Z");
  });
});
