import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeForm, decodeText, encodeForm, encodeText } from "../../src/runtime/charset.js";

describe("charsets", () => {
  it("encodes GBK like the vendors' PHP (电信 is B5E7 D0C5)", () => {
    expect(encodeText("电信", "gbk").toString("hex")).toBe("b5e7d0c5");
    expect(decodeText(Buffer.from("b5e7d0c5", "hex"), "gbk")).toBe("电信");
    expect(encodeForm({ region: "电信 一区" }, "gbk")).toBe("region=%B5%E7%D0%C5+%D2%BB%C7%F8");
  });

  it("in UTF-8, encodes forms exactly as URLSearchParams does and decodes them back", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 6 }),
          fc.string({ maxLength: 12, unit: "grapheme" }),
          { maxKeys: 5 },
        ),
        (fields) => {
          const encoded = encodeForm(fields, "utf-8");
          expect(encoded).toBe(new URLSearchParams(fields).toString());
          expect(decodeForm(encoded, "utf-8")).toEqual(Object.fromEntries(new URLSearchParams(encoded)));
        },
      ),
    );
  });

  it("round-trips GB2312 text through a GBK form", () => {
    const fields = { a: "充值成功", b: "a+b c%", c: "" };
    expect(decodeForm(Buffer.from(encodeForm(fields, "gbk"), "latin1"), "gbk")).toEqual(fields);
  });
});
