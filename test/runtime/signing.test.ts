import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalize,
  hmac,
  md5Hex,
  safeEqual,
  safeEqualHex,
  sortCharacters,
} from "../../src/runtime/signing.js";

describe("sortCharacters", () => {
  it("matches a comparison sort by code point for any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        const expected = [...text].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!).join("");
        expect(sortCharacters(text)).toBe(expected);
      }),
    );
  });
  it("sorts ASCII and CJK", () => {
    expect(sortCharacters("b区a1电")).toBe("1ab区电");
  });
});

describe("safeEqual", () => {
  it("never throws and is false for malformed input", () => {
    const expected = md5Hex("x");
    for (const received of ["", "short", `${expected}00`, undefined, null, 42, {}, "ü".repeat(32)]) {
      expect(safeEqual(expected, received)).toBe(false);
    }
    expect(safeEqual(expected, expected)).toBe(true);
    expect(safeEqualHex(expected, expected.toUpperCase())).toBe(true);
    expect(safeEqual("", "")).toBe(false);
  });
});

describe("canonicalize", () => {
  it("sorts, skips empty values and excludes sign", () => {
    expect(canonicalize({ b: "2", a: "1", c: "", sign: "x", d: null })).toBe("a=1&b=2");
    expect(canonicalize({ b: "2", a: "1" }, { sort: false, valuesOnly: true, pairSeparator: "" })).toBe("21");
  });
  it("hashes", () => {
    expect(md5Hex("abc")).toBe("900150983cd24fb0d6963f7d28e17f72");
    expect(hmac("sha256", "key", "The quick brown fox jumps over the lazy dog")).toBe(
      "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
    );
  });
});
