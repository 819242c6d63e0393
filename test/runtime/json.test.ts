import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonLossless, tryParseJson } from "../../src/runtime/json.js";

describe("parseJsonLossless", () => {
  it("keeps long integers exact as strings", () => {
    expect(parseJsonLossless('{"order_id":22113024595794711936,"n":12,"p":46.3}')).toEqual({
      order_id: "22113024595794711936",
      n: 12,
      p: 46.3,
    });
  });
  it("leaves numbers inside strings alone, including escaped quotes", () => {
    expect(parseJsonLossless('{"a":"x\\"22113024595794711936","b":[-12345678901234567890]}')).toEqual({
      a: 'x"22113024595794711936',
      b: ["-12345678901234567890"],
    });
  });
  it("agrees with JSON.parse on any JSON without long numbers", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const text = JSON.stringify(value);
        const outsideStrings = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
        const numbers = outsideStrings.match(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g) ?? [];
        const short = numbers.every(
          (token) =>
            token
              .replace(/[eE].*$/, "")
              .replace(/\D/g, "")
              .replace(/^0+/, "").length <= 15,
        );
        if (short) expect(parseJsonLossless(text)).toEqual(JSON.parse(text));
      }),
    );
  });
  it("keeps long numbers exact wherever a value may start: top level, arrays, after whitespace", () => {
    expect(parseJsonLossless("12345678901234567890")).toBe("12345678901234567890");
    expect(parseJsonLossless(" [ 1, \n\t 12345678901234567890 ]")).toEqual([1, "12345678901234567890"]);
    expect(parseJsonLossless('{"a" :\r\n -1234567890.1234567}')).toEqual({ a: "-1234567890.1234567" });
    expect(parseJsonLossless('{"a":1.234567890123456e5}')).toEqual({ a: "1.234567890123456e5" });
  });
  it("keeps every integer beyond 15 digits exact, in any JSON around it", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 2 }),
        fc.bigInt({ min: 10n ** 15n, max: 10n ** 30n }),
        fc.boolean(),
        fc.constantFrom("", " ", "\n  "),
        (other, big, negative, space) => {
          const digits = `${negative ? "-" : ""}${big}`;
          const text = `{"other":${JSON.stringify(other)},"id":${space}${digits},"list":[${space}${digits}]}`;
          const parsed = parseJsonLossless(text) as Record<string, unknown>;
          expect(parsed.id).toBe(digits);
          expect(parsed.list).toEqual([digits]);
        },
      ),
    );
  });
  it("finds a long number however deep it is nested, and survives very deep nesting", () => {
    const depth = 50_000;
    const deep = `${"[".repeat(depth)}"x"${"]".repeat(depth)}`;
    expect(() => parseJsonLossless(deep)).not.toThrow();
    const nested = `{"a":[{"b":["text",{"c":[12345678901234567890]}]}],"d":"e"}`;
    expect(parseJsonLossless(nested)).toEqual({
      a: [{ b: ["text", { c: ["12345678901234567890"] }] }],
      d: "e",
    });
  });
  it("returns undefined for broken JSON", () => {
    expect(tryParseJson('{"a":')).toBeUndefined();
    expect(tryParseJson("<html>")).toBeUndefined();
  });
});
