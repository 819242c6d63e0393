import { describe, expect, it } from "vitest";
import { decryptFuluCardField, encryptFuluCardField } from "../../../adapters/fulu/fulu-cards.js";
import {
  buildFuluRequestBody,
  fuluSign,
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
