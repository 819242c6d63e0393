import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decryptFuluCardField, encryptFuluCardField } from "../../../adapters/fulu/fulu-cards.js";
import {
  buildFuluRequestBody,
  fuluSign,
  removeSignMember,
  signMemberCut,
  verifyFuluResponseSign,
  verifyFuluSignedJson,
} from "../../../adapters/fulu/fulu-signature.js";

// The public sandbox credentials (vendor-protocols.md §1.1).
const appKey = "i4esv1l+76l/7NQCL3QudG90Fq+YgVfFGJAWgT+7qO1Bm9o/adG/1iwO2qXsAXNB";
const appSecret = "0a091b3aa4324435aab703142518a8f7";

const workedExample =
  '{"app_key":"i4esv1l+76l/7NQCL3QudG90Fq+YgVfFGJAWgT+7qO1Bm9o/adG/1iwO2qXsAXNB","method":"fulu.order.info.get","timestamp":"2024-01-01 12:00:00","version":"2.0","format":"json","charset":"utf-8","sign_type":"md5","app_auth_token":"","biz_content":"{\\"customer_order_no\\":\\"TEST20240101000001\\"}"}';

describe("Fulu signature (vendor-protocols.md §1.3 worked example)", () => {
  it("signs the worked example", () => {
    expect(fuluSign(workedExample, appSecret)).toBe("d2c8b89946c77eed6eb36db20de781ef");
  });

  it("does not depend on key order", () => {
    const reversed = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(workedExample)).reverse()));
    expect(fuluSign(reversed, appSecret)).toBe("d2c8b89946c77eed6eb36db20de781ef");
  });

  it("depends on escaping: \\/ gives the documented other value", () => {
    expect(fuluSign(workedExample.replaceAll("/", "\\/"), appSecret)).toBe(
      "33bd6776c9880b8d2c8de23b30d79092",
    );
  });

  it("builds a body whose bytes are the signed text plus the sign member", () => {
    const { body, sign } = buildFuluRequestBody(
      {
        app_key: appKey,
        method: "fulu.order.info.get",
        timestamp: "2024-01-01 12:00:00",
        version: "2.0",
        format: "json",
        charset: "utf-8",
        sign_type: "md5",
        app_auth_token: "",
        biz_content: JSON.stringify({ customer_order_no: "TEST20240101000001" }),
      },
      appSecret,
    );
    expect(sign).toBe("d2c8b89946c77eed6eb36db20de781ef");
    expect(body).toBe(`${workedExample.slice(0, -1)},"sign":"${sign}"}`);
    expect(body).not.toContain("\\/");
    expect(verifyFuluSignedJson(body, appSecret)).toBe(true);
  });

  it("keeps CJK unescaped in what it signs and sends", () => {
    const { body } = buildFuluRequestBody(
      {
        app_key: appKey,
        method: "fulu.order.direct.add",
        timestamp: "2024-01-01 12:00:00",
        version: "2.0",
        format: "json",
        charset: "utf-8",
        sign_type: "md5",
        app_auth_token: "",
        biz_content: JSON.stringify({ charge_game_region: "电信一区" }),
      },
      appSecret,
    );
    expect(body).toContain("电信一区");
    expect(verifyFuluSignedJson(body, appSecret)).toBe(true);
  });

  it("rejects tampered, unsigned, wrongly keyed and non-JSON bodies without throwing", () => {
    const signed = `${workedExample.slice(0, -1)},"sign":"d2c8b89946c77eed6eb36db20de781ef"}`;
    expect(verifyFuluSignedJson(signed.replace("TEST2024", "TEST2025"), appSecret)).toBe(false);
    expect(verifyFuluSignedJson(workedExample, appSecret)).toBe(false);
    expect(verifyFuluSignedJson(signed, "ffffffffffffffffffffffffffffffff")).toBe(false);
    expect(verifyFuluSignedJson("not json", appSecret)).toBe(false);
    expect(verifyFuluSignedJson("[1,2]", appSecret)).toBe(false);
    expect(verifyFuluSignedJson('{"sign":5}', appSecret)).toBe(false);
  });

  it("accepts a callback signed over its raw bytes when the sender escaped slashes", () => {
    const fields = '{"customer_order_no":"A1","order_status":"success","recharge_description":"a\\/b"}';
    const sign = fuluSign(fields, appSecret);
    expect(verifyFuluSignedJson(`${fields.slice(0, -1)},"sign":"${sign}"}`, appSecret)).toBe(true);
    expect(verifyFuluSignedJson(`{"sign":"${sign}",${fields.slice(1)}`, appSecret)).toBe(true);
  });

  it("verifies response signatures over the result string", () => {
    const result = '{"order_id":"1","order_state":"success"}';
    expect(verifyFuluResponseSign(result, fuluSign(result, appSecret), appSecret)).toBe(true);
    expect(verifyFuluResponseSign(result, fuluSign(result, appSecret).toUpperCase(), appSecret)).toBe(true);
    expect(verifyFuluResponseSign(`${result} `, fuluSign(result, appSecret), appSecret)).toBe(false);
    expect(verifyFuluResponseSign(result, "", appSecret)).toBe(false);
    expect(verifyFuluResponseSign(result, undefined, appSecret)).toBe(false);
  });
});

describe("Fulu card codes (vendor-protocols.md §1.8 vectors)", () => {
  it("decrypts the published ciphertexts", () => {
    expect(decryptFuluCardField("12nCp6X/nALmrvr1erxK+D4L8n/kqz/RItKWUfvZrCU=", appSecret)).toBe(
      "CD1000250201906121742434441",
    );
    expect(decryptFuluCardField("9HeOgdv+NpLihh2+5Gm0Mj4L8n/kqz/RItKWUfvZrCU=", appSecret)).toBe(
      "CP1000250201906121742434441",
    );
  });

  it("round-trips and refuses a wrong key", () => {
    const ciphertext = encryptFuluCardField("卡密-001", appSecret);
    expect(decryptFuluCardField(ciphertext, appSecret)).toBe("卡密-001");
    expect(() => decryptFuluCardField(ciphertext, "ffffffffffffffffffffffffffffffff")).toThrow();
  });
});

describe("Fulu signed JSON modes", () => {
  const fields = { customer_order_no: "A1", order_status: "success", price: "46.3000" };
  const compact = JSON.stringify(fields);
  const sign = fuluSign(compact, appSecret);

  it("by default verifies only the raw bytes: a re-serialised body is rejected", () => {
    expect(verifyFuluSignedJson(`${compact.slice(0, -1)},"sign":"${sign}"}`, appSecret)).toBe(true);
    const spaced = JSON.stringify({ ...fields, sign }, null, 2);
    expect(verifyFuluSignedJson(spaced, appSecret)).toBe(false);
    expect(verifyFuluSignedJson(spaced, appSecret, "raw-or-canonical")).toBe(true);
  });

  it("never accepts a wrong key in either mode", () => {
    const body = `${compact.slice(0, -1)},"sign":"${fuluSign(compact, "f".repeat(32))}"}`;
    expect(verifyFuluSignedJson(body, appSecret)).toBe(false);
    expect(verifyFuluSignedJson(body, appSecret, "raw-or-canonical")).toBe(false);
  });
});

describe("the sign member's cut", () => {
  /** What removeSignMember did before it was computed as a cut: slices, a pattern, trimEnd. */
  function reference(raw: string, sign: string): string | undefined {
    const value = sign.replace(/[^0-9A-Za-z]/g, "");
    const match = new RegExp(`"sign"\\s*:\\s*"${value}"`).exec(raw);
    if (!match) return undefined;
    const before = raw.slice(0, match.index);
    const after = raw.slice(match.index + match[0].length);
    const afterSpace = /^\s*/.exec(after)![0].length;
    if (after.charAt(afterSpace) === ",") return before + after.slice(afterSpace + 1);
    const trimmedBefore = before.trimEnd();
    if (trimmedBefore.endsWith(",")) return trimmedBefore.slice(0, -1) + after;
    return before + after;
  }

  const space = fc.constantFrom("", " ", "\n  ", "\t", "\u00a0", "\u3000", "\r\n");
  const field = fc.tuple(fc.constantFrom("a", "order_status", "price", "名称"), fc.string({ maxLength: 8 }));
  const body = fc
    .tuple(fc.array(field, { maxLength: 4 }), fc.array(field, { maxLength: 4 }), space, space, space, space)
    .map(([head, tail, s1, s2, s3, s4]) => {
      const member = (key: string, value: string) =>
        `${JSON.stringify(key)}${s1}:${s2}${JSON.stringify(value)}`;
      const sign = "0123abcdef0123abcdef0123abcdef01";
      const members = [
        ...head.map(([key, value]) => member(key, value)),
        `"sign"${s3}:${s4}"${sign}"`,
        ...tail.map(([key, value]) => member(key, value)),
      ];
      return { raw: `{${s1}${members.join(`${s2},${s3}`)}${s4}}`, sign };
    });

  it("cuts exactly what the slicing reference removes, in every spacing", () => {
    fc.assert(
      fc.property(body, ({ raw, sign }) => {
        const expected = reference(raw, sign);
        expect(removeSignMember(raw, sign)).toBe(expected);
        const cut = signMemberCut(raw, sign);
        expect(cut === undefined ? undefined : raw.slice(0, cut.from) + raw.slice(cut.to)).toBe(expected);
      }),
    );
  });

  it("verification hashed around the cut accepts what was signed over the cut text", () => {
    // JSON white space only, so that every body parses.
    const jsonSpace = fc.constantFrom("", " ", "\n  ", "\t", "\r\n");
    const jsonBody = fc
      .tuple(
        fc.array(field, { maxLength: 4 }),
        fc.array(field, { maxLength: 4 }),
        jsonSpace,
        jsonSpace,
        jsonSpace,
      )
      .map(([head, tail, s1, s2, s3]) => {
        const members = [
          ...head.map(([key, value]) => `${JSON.stringify(key)}${s1}:${JSON.stringify(value)}`),
          `"sign"${s2}:${s3}"SIGN"`,
          ...tail.map(([key, value]) => `${JSON.stringify(key)}:${s2}${JSON.stringify(value)}`),
        ];
        return `{${s1}${members.join(`${s3},${s2}`)}${s3}}`;
      });
    fc.assert(
      fc.property(jsonBody, (template) => {
        const placeholder = "f".repeat(32);
        const unsigned = reference(template.replace("SIGN", placeholder), placeholder)!;
        const signed = template.replace("SIGN", fuluSign(unsigned, appSecret));
        expect(verifyFuluSignedJson(signed, appSecret)).toBe(true);
        expect(verifyFuluSignedJson(signed, "0".repeat(32))).toBe(false);
      }),
    );
  });
});
