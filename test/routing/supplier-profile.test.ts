import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/index.js";
import {
  isRecognisedTelecomLicenceNumber,
  isValidUnifiedSocialCreditCode,
  normaliseBrand,
  normaliseLegalName,
  normaliseUnifiedSocialCreditCode,
  parseIsoDate,
  parseSupplierProfile,
  type SupplierProfileInput,
  unifiedSocialCreditCodeCheckCharacter,
} from "../../src/routing/supplier-profile.js";

/**
 * Credit codes of registered entities, as published in the national enterprise credit register
 * (the same set python-stdnum checks its implementation against). 9144030071526726XG is
 * 腾讯科技（深圳）有限公司's; 121200004013590816 is an institution (1 = 机构编制); 92… are
 * individual businesses (个体工商户); the ones ending in 0 exercise the "31 is written 0" case.
 */
const publishedCodes = [
  "9144030071526726XG",
  "91110000600037341L",
  "91110000710926094P",
  "121200004013590816",
  "91310115MA1K3BTP2B",
  "913101127033980359",
  "91340600MA2PBM9HXD",
  "9162010555628132X1",
  "91620105L015101280",
  "92340603MA2PBMD304",
  "92340602MA2PBMEM24",
  "91440300568520498A",
];

const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

function expectIssue(input: unknown, path: string, message?: RegExp): ValidationError {
  try {
    parseSupplierProfile(input);
  } catch (error) {
    expect(ValidationError.isInstance(error)).toBe(true);
    const validation = error as ValidationError;
    const issue = validation.issues.find((each) => each.path === path);
    expect(issue, `expected an issue at "${path}", got ${JSON.stringify(validation.issues)}`).toBeDefined();
    if (message) expect(issue!.message).toMatch(message);
    expect(validation.message).toContain(path);
    return validation;
  }
  return expect.unreachable("the profile was accepted");
}

const minimal: SupplierProfileInput = { supplier: "fulu", legalName: "示例数字科技有限公司" };

describe("unified social credit code (统一社会信用代码, GB 32100-2015)", () => {
  it("reproduces the standard's worked example: 91350100M000100Y4 has check character 3", () => {
    // GB 32100-2015's example: the weighted sum is 1640, 1640 mod 31 = 28, 31 − 28 = 3.
    expect(unifiedSocialCreditCodeCheckCharacter("91350100M000100Y4")).toBe("3");
    expect(isValidUnifiedSocialCreditCode("91350100M000100Y43")).toBe(true);
    // The standard quotes the example ending in "Z" to show a failing code (Z is not even in the
    // alphabet); any other wrong check character fails too.
    expect(isValidUnifiedSocialCreditCode("91350100M000100Y4Z")).toBe(false);
    expect(isValidUnifiedSocialCreditCode("91350100M000100Y44")).toBe(false);
  });

  it.each(publishedCodes)("accepts the published code %s", (code) => {
    expect(unifiedSocialCreditCodeCheckCharacter(code.slice(0, 17))).toBe(code[17]);
    expect(isValidUnifiedSocialCreditCode(code)).toBe(true);
  });

  it("catches every single-character error in a published code", () => {
    // 31 is prime and no weight is 0 mod 31, so any one changed character changes the sum.
    for (const code of publishedCodes.slice(0, 4)) {
      for (let position = 0; position < 18; position++) {
        for (const replacement of alphabet) {
          if (replacement === code[position]) continue;
          const altered = code.slice(0, position) + replacement + code.slice(position + 1);
          expect(isValidUnifiedSocialCreditCode(altered), altered).toBe(false);
        }
      }
    }
  });

  it("catches swapped neighbours", () => {
    const code = "9144030071526726XG";
    for (let position = 0; position < 17; position++) {
      if (code[position] === code[position + 1]) continue;
      const swapped =
        code.slice(0, position) + code[position + 1] + code[position] + code.slice(position + 2);
      expect(isValidUnifiedSocialCreditCode(swapped), swapped).toBe(false);
    }
  });

  it("refuses the wrong length, the letters I, O, Z, S, V and letters in the region digits", () => {
    expect(isValidUnifiedSocialCreditCode("9144030071526726X")).toBe(false);
    expect(isValidUnifiedSocialCreditCode("9144030071526726XGG")).toBe(false);
    for (const letter of "IOZSV") {
      expect(isValidUnifiedSocialCreditCode(`91440300715267${letter}6XG`)).toBe(false);
    }
    expect(unifiedSocialCreditCodeCheckCharacter("9144030071526726I")).toBeUndefined();
    expect(isValidUnifiedSocialCreditCode("91A40300715267263X")).toBe(false);
  });

  it("normalises case, full-width characters, spaces and hyphens before checking", () => {
    expect(normaliseUnifiedSocialCreditCode(" 91 4403 0071526726xg ")).toBe("9144030071526726XG");
    expect(normaliseUnifiedSocialCreditCode("９１４４０３００７１５２６７２６ＸＧ")).toBe(
      "9144030071526726XG",
    );
    expect(normaliseUnifiedSocialCreditCode("914403-0071526726-XG")).toBe("9144030071526726XG");
    const profile = parseSupplierProfile({ ...minimal, unifiedSocialCreditCode: "9144030071526726xg" });
    expect(profile.unifiedSocialCreditCode).toBe("9144030071526726XG");
  });

  it("names the field and the fix in a profile, without echoing the value", () => {
    const error = expectIssue(
      { ...minimal, unifiedSocialCreditCode: "91350100M000100Y44" },
      "unifiedSocialCreditCode",
      /check character.*营业执照/,
    );
    expect(error.message).not.toContain("91350100M000100Y4");
    expectIssue({ ...minimal, unifiedSocialCreditCode: "12345" }, "unifiedSocialCreditCode", /18 characters/);
    expectIssue(
      { ...minimal, unifiedSocialCreditCode: "9144030071526726XO" },
      "unifiedSocialCreditCode",
      /I, O, Z, S and V/,
    );
  });
});

describe("supplier profile validation", () => {
  it("accepts a full profile and fills brandAuthorisations with []", () => {
    expect(parseSupplierProfile(minimal).brandAuthorisations).toEqual([]);
    const profile = parseSupplierProfile({
      supplier: " fulu ",
      legalName: "示例数字科技（深圳）有限公司",
      unifiedSocialCreditCode: "9144030071526726XG",
      icp: { number: "粤ICP备12345678号-1", domain: "Example.COM" },
      telecomLicence: { number: "粤B2-20201234", expiresAt: "2027-06-30", scope: "信息服务业务" },
      brandAuthorisations: [
        {
          brand: " 腾讯 ",
          issuer: "深圳市示例授权代理有限公司",
          kinds: ["direct", "card"],
          validFrom: "2026-01-01",
          expiresAt: "2026-12-31",
          documentRef: "AUTH-2026-001",
        },
      ],
      settlementCycle: "T+1",
      notes: "documents reviewed 2026-01-05",
    });
    expect(profile.supplier).toBe("fulu");
    expect(profile.icp?.domain).toBe("example.com");
    expect(profile.brandAuthorisations[0]?.brand).toBe("腾讯");
    expect(profile.settlementCycle).toBe("T+1");
  });

  it.each([
    [{ ...minimal, supplier: "" }, "supplier"],
    [{ legalName: "x" }, "supplier"],
    [{ supplier: "fulu" }, "legalName"],
    [
      { ...minimal, telecomLicence: { number: "京B2-20201234", expiresAt: "2026-02-30" } },
      "telecomLicence.expiresAt",
    ],
    [
      { ...minimal, telecomLicence: { number: "京B2-20201234", expiresAt: "01/10/2026" } },
      "telecomLicence.expiresAt",
    ],
    [{ ...minimal, telecomLicence: { number: "京B2-20201234" } }, "telecomLicence.expiresAt"],
    [{ ...minimal, telecomLicence: { number: "", expiresAt: "2026-10-01" } }, "telecomLicence.number"],
    [{ ...minimal, icp: { number: "ICP备12345678号" } }, "icp.number"],
    [{ ...minimal, icp: { number: "京ICP备12345678号", domain: "https://example.com/" } }, "icp.domain"],
    [{ ...minimal, brandAuthorisations: [{ brand: "腾讯" }] }, "brandAuthorisations.0.expiresAt"],
    [
      { ...minimal, brandAuthorisations: [{ brand: "", expiresAt: "2026-10-01" }] },
      "brandAuthorisations.0.brand",
    ],
    [
      { ...minimal, brandAuthorisations: [{ brand: "腾讯", expiresAt: "2026-10-01", kinds: ["gift"] }] },
      "brandAuthorisations.0.kinds.0",
    ],
    [
      { ...minimal, brandAuthorisations: [{ brand: "腾讯", expiresAt: "2026-10-01", kinds: [] }] },
      "brandAuthorisations.0.kinds",
    ],
    [
      {
        ...minimal,
        brandAuthorisations: [{ brand: "腾讯", validFrom: "2026-10-02", expiresAt: "2026-10-01" }],
      },
      "brandAuthorisations.0.validFrom",
    ],
    [
      {
        ...minimal,
        brandAuthorisations: [{ brand: "腾讯", validFrom: "2026-13-01", expiresAt: "2026-10-01" }],
      },
      "brandAuthorisations.0.validFrom",
    ],
    [{ ...minimal, settlementCycle: " " }, "settlementCycle"],
  ])("names the field of a bad profile (%#: %s)", (input, path) => {
    expectIssue(input, path);
  });

  it("refuses unknown fields by name", () => {
    const error = expectIssue({ ...minimal, licence: {} }, "", /licence/);
    expect(error.message).toMatch(/unknown field/);
    expectIssue(
      { ...minimal, telecomLicence: { number: "B2-20201234", expiresAt: "2026-10-01", expires: "x" } },
      "telecomLicence",
    );
  });

  it("accepts leap days and refuses the ones that do not exist", () => {
    expect(parseIsoDate("2028-02-29")).toEqual([2028, 2, 29]);
    expect(parseIsoDate("2026-02-29")).toBeUndefined();
    expect(parseIsoDate("2026-04-31")).toBeUndefined();
    expect(parseIsoDate("2026-1-1")).toBeUndefined();
  });
});

describe("ICP filing numbers (ICP 备案号)", () => {
  it.each([
    "京ICP备12345678号",
    "粤ICP备12345678号-1",
    "蜀ICP备2021012345号",
    "沪ICP备13038788号-7",
    " 浙ICP备１２３４５６７８号 ",
  ])("accepts %s", (number) => {
    expect(() => parseSupplierProfile({ ...minimal, icp: { number } })).not.toThrow();
  });

  it("stores the number compacted and NFKC-normalised", () => {
    const profile = parseSupplierProfile({ ...minimal, icp: { number: " 浙ICP备 １２３４５６７８号 " } });
    expect(profile.icp?.number).toBe("浙ICP备12345678号");
  });

  it.each([
    "ICP备12345678号",
    "京ICP备12345678",
    "京ICP证123456号",
    "京ICP备号",
    "京ICP备12345678号-",
    "X京ICP备12345678号",
  ])("refuses %s", (number) => {
    expectIssue({ ...minimal, icp: { number } }, "icp.number", /ICP备/);
  });
});

describe("telecom licence numbers (增值电信业务经营许可证)", () => {
  it.each([
    "京B2-20201234",
    "B2-20201234",
    "A2.B1.B2-20090003",
    "合字B2-20090007",
    "京ICP证000007号",
    "粤B25-20190001",
  ])("recognises %s", (number) => {
    expect(isRecognisedTelecomLicenceNumber(number)).toBe(true);
  });

  it.each(["TEL-LIC-001", "京B2", "B2 20201234/2", "京ICP备12345678号"])(
    "keeps %s but does not recognise it",
    (number) => {
      expect(isRecognisedTelecomLicenceNumber(number)).toBe(false);
      const profile = parseSupplierProfile({
        ...minimal,
        telecomLicence: { number, expiresAt: "2027-01-01" },
      });
      expect(profile.telecomLicence?.number).toBe(number.replace(/\s+/g, ""));
    },
  );
});

describe("normalisation for matching", () => {
  it("folds a legal name's brackets, widths, spaces and case", () => {
    const canonical = normaliseLegalName("腾讯科技（深圳）有限公司");
    for (const variant of [
      "腾讯科技(深圳)有限公司",
      " 腾讯科技 ( 深圳 ) 有限公司 ",
      "腾讯科技﹙深圳﹚有限公司",
      "腾讯科技（深圳）有限公司\u3000",
    ]) {
      expect(normaliseLegalName(variant)).toBe(canonical);
    }
    expect(normaliseLegalName("ＡＢＣ Trading（HK）Limited")).toBe(
      normaliseLegalName("abc trading(hk) limited"),
    );
    expect(normaliseLegalName("腾讯科技（广州）有限公司")).not.toBe(canonical);
  });

  it("folds a brand's width, case and surrounding whitespace", () => {
    expect(normaliseBrand(" ＴＥＮＣＥＮＴ   Games ")).toBe("tencent games");
    expect(normaliseBrand("Apple")).toBe(normaliseBrand("APPLE"));
    expect(normaliseBrand("网易")).not.toBe(normaliseBrand("腾讯"));
  });
});
