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
  it("returns undefined for broken JSON", () => {
    expect(tryParseJson('{"a":')).toBeUndefined();
    expect(tryParseJson("<html>")).toBeUndefined();
  });
});
