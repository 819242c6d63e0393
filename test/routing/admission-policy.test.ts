import { describe, expect, it } from "vitest";
import { ConfigurationError, ValidationError } from "../../src/core/index.js";
import {
  type AdmissionContext,
  type AdmissionDecision,
  type AdmissionPolicyOptions,
  type AdmissionRule,
  type BuiltInAdmissionRuleId,
  builtInAdmissionRules,
  createAdmissionPolicy,
  endOfDayInstant,
  startOfDayInstant,
} from "../../src/routing/admission-policy.js";
import type { SupplierProfileInput } from "../../src/routing/supplier-profile.js";

/** An instant given as China Standard Time wall-clock, e.g. `cst("2026-10-01T23:59")`. */
function cst(wallClock: string): number {
  const withSeconds = wallClock.length === 16 ? `${wallClock}:00` : wallClock;
  return Date.parse(`${withSeconds}+08:00`);
}

const now = cst("2026-06-15T12:00");

/** The standard's worked example with its correct check character: a valid, fictitious code. */
const exampleCode = "91350100M000100Y43";

/** A supplier with every document in order on 2026-06-15. */
function compliant(overrides: Partial<SupplierProfileInput> = {}): SupplierProfileInput {
  return {
    supplier: "fulu",
    legalName: "福州示例数字科技（福建）有限公司",
    unifiedSocialCreditCode: exampleCode,
    icp: { number: "闽ICP备12345678号-1", domain: "example.com" },
    telecomLicence: { number: "闽B2-20201234", expiresAt: "2027-06-30" },
    brandAuthorisations: [
      {
        brand: "腾讯",
        issuer: "示例授权代理有限公司",
        kinds: ["direct", "card"],
        validFrom: "2026-01-01",
        expiresAt: "2027-03-31",
        documentRef: "AUTH-2026-001",
      },
    ],
    settlementCycle: "prepaid",
    ...overrides,
  };
}

function withAuthorisation(authorisation: Record<string, unknown>): SupplierProfileInput {
  return compliant({
    brandAuthorisations: [
      {
        brand: "腾讯",
        kinds: ["direct", "card"],
        validFrom: "2026-01-01",
        expiresAt: "2027-03-31",
        ...authorisation,
      },
    ],
  });
}

interface Scenario {
  options?: AdmissionPolicyOptions;
  profiles?: SupplierProfileInput[];
  supplier?: string;
  context?: AdmissionContext;
}

function run(scenario: Scenario): AdmissionDecision {
  const policy = createAdmissionPolicy(scenario.options, scenario.profiles ?? [compliant()]);
  return policy.evaluate(scenario.supplier ?? "fulu", { now, ...scenario.context });
}

function findings(decision: AdmissionDecision) {
  return [...decision.refusals, ...decision.warnings];
}

/**
 * One failing and one passing scenario per built-in rule. The table test below iterates
 * `builtInAdmissionRules`, so a rule added without cases here fails.
 */
const ruleCases: Record<
  BuiltInAdmissionRuleId,
  { severity: "refuse" | "warn"; fact: RegExp; failing: Scenario; passing: Scenario }
> = {
  blocklisted: {
    severity: "refuse",
    fact: /fulu .* is blocklisted by supplier name "fulu": resold 卡盟 stock/,
    failing: { options: { blocklist: [{ supplier: "fulu", reason: "resold 卡盟 stock" }] } },
    passing: { options: { blocklist: [{ supplier: "other", reason: "resold 卡盟 stock" }] } },
  },
  "profile-missing": {
    severity: "refuse",
    fact: /no supplier profile is registered for juhe/,
    failing: { supplier: "juhe" },
    passing: {},
  },
  "licence-missing": {
    severity: "refuse",
    fact: /has no value-added telecom licence \(增值电信业务经营许可证\) on record/,
    failing: { profiles: [compliant({ telecomLicence: undefined })] },
    passing: {},
  },
  "licence-expired": {
    severity: "refuse",
    fact: /^licence 闽B2-20201234 expired on 2026-06-14$/,
    failing: {
      profiles: [compliant({ telecomLicence: { number: "闽B2-20201234", expiresAt: "2026-06-14" } })],
    },
    passing: {},
  },
  "licence-expiring": {
    severity: "warn",
    fact: /^licence 闽B2-20201234 expires on 2026-07-01 \(17 days left\)$/,
    failing: {
      profiles: [compliant({ telecomLicence: { number: "闽B2-20201234", expiresAt: "2026-07-01" } })],
    },
    passing: {},
  },
  "licence-number-unrecognised": {
    severity: "warn",
    fact: /licence number "LIC\/2020\/1234" .* has no recognised shape/,
    failing: {
      profiles: [compliant({ telecomLicence: { number: "LIC/2020/1234", expiresAt: "2027-06-30" } })],
    },
    passing: {},
  },
  "icp-missing": {
    severity: "refuse",
    fact: /has no ICP filing \(ICP 备案\) on record/,
    failing: { options: { requireIcp: true }, profiles: [compliant({ icp: undefined })] },
    passing: { options: { requireIcp: true } },
  },
  "brand-authorisation-missing": {
    severity: "refuse",
    fact: /holds no authorisation \(授权书\) for brand "网易"/,
    failing: { context: { brand: "网易" } },
    passing: { context: { brand: "腾讯" } },
  },
  "brand-authorisation-kind": {
    severity: "refuse",
    fact: /authorisation for "腾讯" .* covers direct, card only, not mobile/,
    failing: { context: { brand: "腾讯", kind: "mobile" } },
    passing: { context: { brand: "腾讯", kind: "card" } },
  },
  "brand-authorisation-not-yet-valid": {
    severity: "refuse",
    fact: /^authorisation for "腾讯" is valid from 2026-07-01$/,
    failing: { profiles: [withAuthorisation({ validFrom: "2026-07-01" })], context: { brand: "腾讯" } },
    passing: { context: { brand: "腾讯" } },
  },
  "brand-authorisation-expired": {
    severity: "refuse",
    fact: /authorisation for "腾讯" \(issued by 示例授权代理有限公司, document AUTH-2025-007\) expired on 2026-06-14/,
    failing: {
      profiles: [
        withAuthorisation({
          issuer: "示例授权代理有限公司",
          documentRef: "AUTH-2025-007",
          expiresAt: "2026-06-14",
        }),
      ],
      context: { brand: "腾讯" },
    },
    passing: { context: { brand: "腾讯" } },
  },
  "brand-authorisation-expiring": {
    severity: "warn",
    fact: /^authorisation for "腾讯" expires on 2026-06-20 \(6 days left\)$/,
    failing: { profiles: [withAuthorisation({ expiresAt: "2026-06-20" })], context: { brand: "腾讯" } },
    passing: { context: { brand: "腾讯" } },
  },
};

describe("the built-in rule table", () => {
  it.each(builtInAdmissionRules.map((rule) => [rule.id, rule] as const))(
    "%s has a failing case and a passing case",
    (id, rule) => {
      const cases = ruleCases[id as BuiltInAdmissionRuleId];
      expect(cases, `add failing and passing cases for rule "${id}"`).toBeDefined();
      expect(rule.description.length).toBeGreaterThan(20);

      const failing = run(cases.failing);
      const found = findings(failing).filter((finding) => finding.rule === id);
      expect(found).toHaveLength(1);
      expect(found[0]!.severity).toBe(cases.severity);
      expect(found[0]!.fact).toMatch(cases.fact);
      expect(found[0]!.message.length).toBeGreaterThan(0);
      expect(found[0]!.supplier).toBe(cases.failing.supplier ?? "fulu");
      expect(failing.admitted).toBe(cases.severity !== "refuse");

      const passing = run(cases.passing);
      expect(findings(passing).filter((finding) => finding.rule === id)).toEqual([]);
      expect(passing.admitted).toBe(true);
    },
  );

  it("has no cases for rules that do not exist, and unique ids", () => {
    const ids = builtInAdmissionRules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(ruleCases).sort()).toEqual([...ids].sort());
  });

  it("is frozen data, and a policy lists it first in evaluation order", () => {
    expect(Object.isFrozen(builtInAdmissionRules)).toBe(true);
    expect(Object.isFrozen(builtInAdmissionRules[0])).toBe(true);
    const extra: AdmissionRule = { id: "extra", description: "nothing", check: () => [] };
    const policy = createAdmissionPolicy({ rules: [extra] });
    expect(policy.rules.map((rule) => rule.id)).toEqual([
      ...builtInAdmissionRules.map((rule) => rule.id),
      "extra",
    ]);
  });

  it("admits a compliant supplier with nothing to report", () => {
    const decision = run({ context: { brand: "腾讯", kind: "direct" } });
    expect(decision).toEqual({ supplier: "fulu", admitted: true, refusals: [], warnings: [] });
  });
});

describe("blocklist", () => {
  it("matches by supplier name, refusing a supplier whose documents are all valid", () => {
    const decision = run({ options: { blocklist: [{ supplier: "fulu", reason: "卡盟 reseller" }] } });
    expect(decision.admitted).toBe(false);
    expect(decision.refusals.map((finding) => finding.rule)).toEqual(["blocklisted"]);
  });

  it("matches a supplier that has no profile by its name", () => {
    const decision = run({
      supplier: "kameng",
      options: { blocklist: [{ supplier: "kameng", reason: "卡盟 platform" }] },
    });
    expect(decision.refusals.map((finding) => finding.rule)).toEqual(["blocklisted", "profile-missing"]);
  });

  it.each([
    "福州示例数字科技（福建）有限公司",
    "福州示例数字科技(福建)有限公司",
    " 福州示例数字科技 ( 福建 ) 有限公司 ",
    "福州示例数字科技﹙福建﹚有限公司\u3000",
  ])("matches by legal name written %s", (legalName) => {
    const decision = run({ options: { blocklist: [{ legalName, reason: "licence revoked" }] } });
    expect(decision.refusals).toHaveLength(1);
    expect(decision.refusals[0]!.fact).toMatch(
      /blocklisted by legal name "福州示例数字科技（福建）有限公司": licence revoked/,
    );
  });

  it("matches full-width and mixed-case latin legal names", () => {
    const decision = run({
      profiles: [compliant({ legalName: "ABC Digital (HK) Limited" })],
      options: {
        blocklist: [{ legalName: "ＡＢＣ ｄｉｇｉｔａｌ（ＨＫ）ｌｉｍｉｔｅｄ", reason: "sanctioned" }],
      },
    });
    expect(decision.refusals.map((finding) => finding.rule)).toEqual(["blocklisted"]);
  });

  it("does not match a different entity whose name differs only inside the brackets", () => {
    const decision = run({
      options: { blocklist: [{ legalName: "福州示例数字科技（厦门）有限公司", reason: "other branch" }] },
    });
    expect(decision.admitted).toBe(true);
  });

  it.each([
    exampleCode,
    "91350100m000100y43",
    "9135 0100 M000 100Y 43",
    "９１３５０１００Ｍ０００１００Ｙ４３",
  ])("matches by credit code written %s", (unifiedSocialCreditCode) => {
    const decision = run({ options: { blocklist: [{ unifiedSocialCreditCode, reason: "court order" }] } });
    expect(decision.refusals.map((finding) => finding.rule)).toEqual(["blocklisted"]);
    expect(decision.refusals[0]!.fact).toContain(`credit code ${exampleCode}: court order`);
  });

  it("refuses a blocklist entry that could never match or says nothing", () => {
    const cases: unknown[] = [
      [{ unifiedSocialCreditCode: "91350100M000100Y44", reason: "typo" }],
      [{ reason: "no key" }],
      [{ supplier: "fulu" }],
      [{ supplier: "fulu", reason: "x", legal: "typo" }],
      "fulu",
    ];
    for (const blocklist of cases) {
      expect(() => createAdmissionPolicy({ blocklist } as AdmissionPolicyOptions)).toThrow(
        ConfigurationError,
      );
    }
  });
});

describe("expiry at the end of the last day", () => {
  const profiles = [compliant({ telecomLicence: { number: "闽B2-20201234", expiresAt: "2026-10-01" } })];

  it("keeps a licence valid at 23:59:59.999 China Standard Time on its last day", () => {
    const decision = run({ profiles, context: { now: cst("2026-10-01T23:59:59.999") } });
    expect(decision.admitted).toBe(true);
    expect(decision.warnings.map((finding) => finding.fact)).toEqual([
      "licence 闽B2-20201234 expires on 2026-10-01 (its last day is today)",
    ]);
    expect(run({ profiles, context: { now: cst("2026-10-01T23:59") } }).admitted).toBe(true);
  });

  it("refuses it from 00:00 China Standard Time the next day, naming the licence and the date", () => {
    const decision = run({ profiles, context: { now: cst("2026-10-02T00:00") } });
    expect(decision.admitted).toBe(false);
    expect(decision.refusals).toEqual([
      expect.objectContaining({
        rule: "licence-expired",
        severity: "refuse",
        supplier: "fulu",
        fact: "licence 闽B2-20201234 expired on 2026-10-01",
        expiresAt: "2026-10-01",
      }),
    ]);
  });

  it("ends the day in the configured offset", () => {
    // 00:00 on 2 October in Beijing is still 16:00 on 1 October in UTC.
    const options = { timeZoneOffsetMinutes: 0 };
    expect(run({ options, profiles, context: { now: cst("2026-10-02T00:00") } }).admitted).toBe(true);
    expect(run({ options, profiles, context: { now: Date.parse("2026-10-02T00:00:00Z") } }).admitted).toBe(
      false,
    );
    expect(endOfDayInstant("2026-10-01", 480)).toBe(cst("2026-10-02T00:00"));
    expect(startOfDayInstant("2026-10-01", 480)).toBe(cst("2026-10-01T00:00"));
  });

  it("starts an authorisation at 00:00 China Standard Time on its validFrom day", () => {
    const scenario = {
      profiles: [withAuthorisation({ validFrom: "2026-07-01" })],
      context: { brand: "腾讯" },
    };
    const before = run({
      ...scenario,
      context: { ...scenario.context, now: cst("2026-06-30T23:59:59.999") },
    });
    expect(before.refusals.map((finding) => finding.rule)).toEqual(["brand-authorisation-not-yet-valid"]);
    const after = run({ ...scenario, context: { ...scenario.context, now: cst("2026-07-01T00:00") } });
    expect(after.admitted).toBe(true);
  });

  it("treats an authorisation's last day like a licence's", () => {
    const scenario = { profiles: [withAuthorisation({ expiresAt: "2026-10-01" })] };
    expect(
      run({ ...scenario, context: { brand: "腾讯", now: cst("2026-10-01T23:59:59.999") } }).admitted,
    ).toBe(true);
    const after = run({ ...scenario, context: { brand: "腾讯", now: cst("2026-10-02T00:00") } });
    expect(after.refusals.map((finding) => finding.rule)).toEqual(["brand-authorisation-expired"]);
  });
});

describe("expiry warnings", () => {
  const profiles = [compliant({ telecomLicence: { number: "闽B2-20201234", expiresAt: "2026-10-01" } })];
  const options = { warnBeforeExpiryDays: 10 };

  it("warns exactly warnBeforeExpiryDays days before the end of the last day", () => {
    const quiet = run({ options, profiles, context: { now: cst("2026-09-21T23:59:59.999") } });
    expect(quiet.warnings).toEqual([]);
    const warned = run({ options, profiles, context: { now: cst("2026-09-22T00:00") } });
    expect(warned.admitted).toBe(true);
    expect(warned.warnings).toEqual([
      expect.objectContaining({
        rule: "licence-expiring",
        fact: "licence 闽B2-20201234 expires on 2026-10-01 (10 days left)",
        expiresAt: "2026-10-01",
      }),
    ]);
  });

  it("warns 30 days ahead by default", () => {
    expect(run({ profiles, context: { now: cst("2026-09-01T23:59") } }).warnings).toEqual([]);
    expect(run({ profiles, context: { now: cst("2026-09-02T00:00") } }).warnings[0]?.fact).toMatch(
      /30 days left/,
    );
  });

  it("warns about nothing when warnBeforeExpiryDays is 0", () => {
    const decision = run({
      options: { warnBeforeExpiryDays: 0 },
      profiles,
      context: { now: cst("2026-10-01T23:00") },
    });
    expect(decision).toEqual({ supplier: "fulu", admitted: true, refusals: [], warnings: [] });
  });

  it("warns about the renewal that runs longest, not a lapsing older authorisation", () => {
    const profile = compliant({
      brandAuthorisations: [
        { brand: "腾讯", expiresAt: "2026-06-20" },
        { brand: "腾讯", expiresAt: "2027-06-30" },
      ],
    });
    const decision = run({ profiles: [profile], context: { brand: "腾讯" } });
    expect(decision).toEqual({ supplier: "fulu", admitted: true, refusals: [], warnings: [] });
  });
});

describe("brands and kinds", () => {
  it.each([" 腾讯 ", "腾讯"])("matches the brand %j after trimming", (brand) => {
    expect(run({ context: { brand } }).admitted).toBe(true);
  });

  it("matches brands NFKC-normalised and case-insensitively", () => {
    const profiles = [
      compliant({ brandAuthorisations: [{ brand: "Tencent Games", expiresAt: "2027-01-01" }] }),
    ];
    for (const brand of ["tencent games", "TENCENT GAMES", "ＴＥＮＣＥＮＴ  Ｇａｍｅｓ", " Tencent Games "]) {
      expect(run({ profiles, context: { brand } }).admitted, brand).toBe(true);
    }
    expect(run({ profiles, context: { brand: "Tencent" } }).refusals[0]?.rule).toBe(
      "brand-authorisation-missing",
    );
  });

  it("lets an authorisation without kinds cover every kind", () => {
    const profiles = [compliant({ brandAuthorisations: [{ brand: "腾讯", expiresAt: "2027-01-01" }] })];
    for (const kind of ["direct", "card", "mobile"] as const) {
      expect(run({ profiles, context: { brand: "腾讯", kind } }).admitted).toBe(true);
    }
  });

  it("ignores kinds when the context names none", () => {
    const profiles = [withAuthorisation({ kinds: ["card"] })];
    expect(run({ profiles, context: { brand: "腾讯" } }).admitted).toBe(true);
    expect(run({ profiles, context: { brand: "腾讯", kind: "direct" } }).admitted).toBe(false);
  });

  it("admits when one of several authorisations covers the kind", () => {
    const profile = compliant({
      brandAuthorisations: [
        { brand: "腾讯", kinds: ["card"], expiresAt: "2027-01-01" },
        { brand: "腾讯", kinds: ["direct"], expiresAt: "2027-01-01" },
      ],
    });
    expect(run({ profiles: [profile], context: { brand: "腾讯", kind: "direct" } }).admitted).toBe(true);
  });

  it("admits with an old expired authorisation next to its renewal", () => {
    const profile = compliant({
      brandAuthorisations: [
        { brand: "腾讯", expiresAt: "2025-12-31" },
        { brand: "腾讯", validFrom: "2026-01-01", expiresAt: "2027-12-31" },
      ],
    });
    expect(run({ profiles: [profile], context: { brand: "腾讯" } })).toEqual({
      supplier: "fulu",
      admitted: true,
      refusals: [],
      warnings: [],
    });
  });

  it("reports each reason when no authorisation is valid", () => {
    const profile = compliant({
      brandAuthorisations: [
        { brand: "腾讯", kinds: ["card"], expiresAt: "2027-01-01" },
        { brand: "腾讯", expiresAt: "2026-01-01" },
      ],
    });
    const decision = run({ profiles: [profile], context: { brand: "腾讯", kind: "direct" } });
    expect(decision.refusals.map((finding) => finding.rule)).toEqual([
      "brand-authorisation-kind",
      "brand-authorisation-expired",
    ]);
  });

  it("checks no brand rule when the context names no brand", () => {
    expect(run({ profiles: [compliant({ brandAuthorisations: [] })] }).admitted).toBe(true);
  });

  it("downgrades authorisation problems to warnings when requireBrandAuthorisation is off", () => {
    const options = { requireBrandAuthorisation: false };
    expect(run({ options, context: { brand: "网易" } })).toEqual({
      supplier: "fulu",
      admitted: true,
      refusals: [],
      warnings: [],
    });
    const expired = run({
      options,
      profiles: [withAuthorisation({ expiresAt: "2026-06-01" })],
      context: { brand: "腾讯" },
    });
    expect(expired.admitted).toBe(true);
    expect(expired.warnings.map((finding) => finding.rule)).toEqual(["brand-authorisation-expired"]);
  });
});

describe("requirements switched off", () => {
  it("admits an unknown supplier with a warning only when every document requirement is off", () => {
    const lax = run({ supplier: "juhe", options: { requireProfile: false } });
    expect(lax.refusals.map((finding) => finding.rule)).toEqual(["licence-missing"]);
    expect(lax.warnings.map((finding) => finding.rule)).toEqual(["profile-missing"]);

    const laxer = run({ supplier: "juhe", options: { requireProfile: false, requireTelecomLicence: false } });
    expect(laxer.admitted).toBe(true);
    expect(laxer.warnings.map((finding) => finding.rule)).toEqual(["profile-missing"]);

    const branded = run({
      supplier: "juhe",
      options: { requireProfile: false, requireTelecomLicence: false },
      context: { brand: "腾讯" },
    });
    expect(branded.refusals.map((finding) => finding.rule)).toEqual(["brand-authorisation-missing"]);
  });

  it("reports only profile-missing for an unknown supplier under the defaults", () => {
    const decision = run({ supplier: "juhe", options: { requireIcp: true }, context: { brand: "腾讯" } });
    expect(decision.refusals.map((finding) => finding.rule)).toEqual(["profile-missing"]);
  });

  it("still warns about an expired licence that is not required", () => {
    const decision = run({
      options: { requireTelecomLicence: false },
      profiles: [compliant({ telecomLicence: { number: "闽B2-20201234", expiresAt: "2026-01-01" } })],
    });
    expect(decision.admitted).toBe(true);
    expect(decision.warnings.map((finding) => finding.rule)).toEqual(["licence-expired"]);
    expect(
      run({ options: { requireTelecomLicence: false }, profiles: [compliant({ telecomLicence: undefined })] })
        .admitted,
    ).toBe(true);
  });
});

describe("merchant rules", () => {
  const prepaidOnly: AdmissionRule = {
    id: "prepaid-only",
    description: "Only suppliers settled in advance (预付).",
    check: (profile) =>
      profile && profile.settlementCycle !== "prepaid"
        ? [
            {
              severity: "refuse",
              fact: `settlement cycle is ${profile.settlementCycle ?? "not recorded"}`,
              message: "Agree prepaid settlement with the supplier.",
            },
          ]
        : [],
  };

  it("runs after the built-in rules, with the same context", () => {
    const seen: unknown[] = [];
    const spy: AdmissionRule = {
      id: "spy",
      description: "records its context",
      check: (profile, context) => {
        // Recorded, not asserted here: an assertion thrown inside a check is a fail-closed refusal.
        seen.push({
          supplier: context.supplier,
          brand: context.brand,
          kind: context.kind,
          now: context.now,
          warnBeforeExpiryDays: context.options.warnBeforeExpiryDays,
          legalName: profile?.legalName,
          frozen: Object.isFrozen(profile) && Object.isFrozen(context),
        });
        return [];
      },
    };
    expect(run({ options: { rules: [spy] }, context: { brand: "腾讯", kind: "card" } }).admitted).toBe(true);
    expect(seen).toEqual([
      {
        supplier: "fulu",
        brand: "腾讯",
        kind: "card",
        now,
        warnBeforeExpiryDays: 30,
        legalName: "福州示例数字科技（福建）有限公司",
        frozen: true,
      },
    ]);
  });

  it("refuses and passes like a built-in rule", () => {
    const refused = run({
      options: { rules: [prepaidOnly] },
      profiles: [compliant({ settlementCycle: "T+1" })],
    });
    expect(refused.refusals).toEqual([
      {
        rule: "prepaid-only",
        severity: "refuse",
        supplier: "fulu",
        fact: "settlement cycle is T+1",
        message: "Agree prepaid settlement with the supplier.",
      },
    ]);
    expect(run({ options: { rules: [prepaidOnly] } }).admitted).toBe(true);
  });

  it("stamps findings with the rule's own id and the supplier evaluated", () => {
    const impostor: AdmissionRule = {
      id: "impostor",
      description: "claims to be another rule",
      check: () => [
        { rule: "blocklisted", supplier: "someone-else", severity: "warn", fact: "f", message: "m" },
      ],
    };
    const decision = run({ options: { rules: [impostor] } });
    expect(decision.warnings).toEqual([
      { rule: "impostor", severity: "warn", supplier: "fulu", fact: "f", message: "m" },
    ]);
  });

  it("fails closed when a rule throws, naming the rule but not the error's message", () => {
    const throwing: AdmissionRule = {
      id: "contract-signed",
      description: "throws",
      check: () => {
        throw new TypeError("cannot read appSecret=s3cr3t-value");
      },
    };
    const policy = createAdmissionPolicy({ rules: [throwing] }, [compliant()]);
    let decision: AdmissionDecision | undefined;
    expect(() => {
      decision = policy.evaluate("fulu", { now });
    }).not.toThrow();
    expect(decision!.admitted).toBe(false);
    expect(decision!.refusals).toEqual([
      expect.objectContaining({
        rule: "contract-signed",
        severity: "refuse",
        supplier: "fulu",
        fact: 'rule "contract-signed" threw TypeError',
      }),
    ]);
    expect(JSON.stringify(decision)).not.toContain("s3cr3t");
  });

  it("keeps a kaquan error's message, which is secret-free by contract", () => {
    const throwing: AdmissionRule = {
      id: "thrower",
      description: "throws a kaquan error",
      check: () => {
        throw new ConfigurationError("contract table is not loaded");
      },
    };
    expect(run({ options: { rules: [throwing] } }).refusals[0]?.fact).toBe(
      'rule "thrower" threw ConfigurationError: contract table is not loaded',
    );
  });

  it.each([
    ["a promise", () => Promise.resolve([]), /returned a promise/],
    ["not an array", () => ({ severity: "warn" }), /returned something other than an array/],
    ["a bad severity", () => [{ severity: "block", fact: "f", message: "m" }], /malformed finding/],
    ["an empty fact", () => [{ severity: "warn", fact: "", message: "m" }], /malformed finding/],
    ["null", () => [null], /malformed finding/],
  ])("fails closed when a rule returns %s", (_label, check, fact) => {
    const rule = { id: "odd", description: "odd answers", check } as unknown as AdmissionRule;
    const decision = run({ options: { rules: [rule] } });
    expect(decision.admitted).toBe(false);
    expect(decision.refusals[0]?.rule).toBe("odd");
    expect(decision.refusals[0]?.fact).toMatch(fact);
  });

  it("keeps a rule's own `this` and freezes the table it was given", () => {
    class MinimumLicenceDays implements AdmissionRule {
      readonly id = "licence-runway";
      readonly description = "The licence must run for at least `days` more days.";
      constructor(private readonly days: number) {}
      check(profile: Parameters<AdmissionRule["check"]>[0], context: Parameters<AdmissionRule["check"]>[1]) {
        const licence = profile?.telecomLicence;
        if (!licence || endOfDayInstant(licence.expiresAt, 480) - context.now >= this.days * 86_400_000)
          return [];
        return [
          {
            severity: "refuse" as const,
            fact: `licence runs out within ${this.days} days`,
            message: "renew",
          },
        ];
      }
    }
    const rules: AdmissionRule[] = [new MinimumLicenceDays(400)];
    const policy = createAdmissionPolicy({ rules }, [compliant()]);
    rules.length = 0;
    expect(Object.isFrozen(policy.rules)).toBe(true);
    expect(policy.evaluate("fulu", { now }).refusals.map((finding) => finding.fact)).toEqual([
      "licence runs out within 400 days",
    ]);
  });

  it("refuses rules that cannot be told apart or run", () => {
    const check = () => [];
    const bad: unknown[] = [
      [{ id: "blocklisted", description: "shadows a built-in", check }],
      [
        { id: "twice", description: "a", check },
        { id: "twice", description: "b", check },
      ],
      [{ id: "", description: "no id", check }],
      [{ id: "no-check", description: "no check" }],
      [{ id: "no-description", check }],
    ];
    for (const rules of bad) {
      expect(() => createAdmissionPolicy({ rules } as AdmissionPolicyOptions)).toThrow(ConfigurationError);
    }
  });
});

describe("the compliance report", () => {
  it("lists every known supplier, soonest expiry first, brand authorisations included", () => {
    const policy = createAdmissionPolicy({ blocklist: [{ supplier: "kameng", reason: "卡盟 platform" }] }, [
      compliant({ supplier: "clean" }),
      compliant({
        supplier: "licence-soon",
        telecomLicence: { number: "闽B2-20201234", expiresAt: "2026-07-10" },
      }),
      compliant({
        supplier: "licence-gone",
        telecomLicence: { number: "闽B2-20200001", expiresAt: "2026-06-01" },
      }),
      compliant({
        supplier: "brand-soon",
        brandAuthorisations: [
          { brand: "网易", expiresAt: "2027-12-31" },
          { brand: "腾讯", expiresAt: "2026-06-20" },
        ],
      }),
      compliant({
        supplier: "odd-number",
        telecomLicence: { number: "LIC/2020/1234", expiresAt: "2028-01-01" },
      }),
      compliant({
        supplier: "two-things",
        telecomLicence: { number: "闽B2-20209999", expiresAt: "2026-07-05" },
        brandAuthorisations: [{ brand: "腾讯", expiresAt: "2026-05-31" }],
      }),
    ]);
    const report = policy.report(now);
    expect(report.map((decision) => decision.supplier)).toEqual([
      "kameng", // blocklisted and no profile: refused now
      "two-things", // an authorisation that ran out on 2026-05-31
      "licence-gone", // 2026-06-01
      "brand-soon", // 2026-06-20
      "licence-soon", // 2026-07-10
      "odd-number", // 2028-01-01
      "clean",
    ]);
    const twoThings = report[1]!;
    expect(twoThings.admitted).toBe(false);
    expect(twoThings.refusals.map((finding) => finding.rule)).toEqual(["brand-authorisation-expired"]);
    expect(twoThings.warnings.map((finding) => finding.rule)).toEqual(["licence-expiring"]);
    expect(report[3]!.warnings).toEqual([
      expect.objectContaining({ rule: "brand-authorisation-expiring", expiresAt: "2026-06-20" }),
    ]);
    expect(report[0]!.refusals.map((finding) => finding.rule)).toEqual(["blocklisted", "profile-missing"]);
    expect(report.at(-1)).toEqual({ supplier: "clean", admitted: true, refusals: [], warnings: [] });
  });

  it("orders each supplier's findings by expiry and reports each finding once", () => {
    const policy = createAdmissionPolicy({}, [
      compliant({
        telecomLicence: { number: "闽B2-20201234", expiresAt: "2026-07-10" },
        brandAuthorisations: [
          { brand: "腾讯", expiresAt: "2026-07-01" },
          { brand: "网易", expiresAt: "2026-06-25" },
        ],
      }),
    ]);
    const [decision] = policy.report(now);
    expect(decision!.warnings.map((finding) => finding.expiresAt)).toEqual([
      "2026-06-25",
      "2026-07-01",
      "2026-07-10",
    ]);
  });

  it("uses the policy's clock when no time is given", () => {
    let clockNow = now;
    const policy = createAdmissionPolicy({ clock: { now: () => clockNow } }, [
      compliant({ telecomLicence: { number: "闽B2-20201234", expiresAt: "2026-10-01" } }),
    ]);
    expect(policy.report()[0]!.admitted).toBe(true);
    expect(policy.evaluate("fulu").admitted).toBe(true);
    clockNow = cst("2026-10-02T00:00");
    expect(policy.report()[0]!.admitted).toBe(false);
    expect(policy.evaluate("fulu").admitted).toBe(false);
    expect(policy.evaluate("fulu", { now: new Date(cst("2026-10-01T12:00")) }).admitted).toBe(true);
  });
});

describe("profiles and input", () => {
  it("validates setProfile and names the field", () => {
    const policy = createAdmissionPolicy();
    try {
      policy.setProfile(compliant({ telecomLicence: { number: "闽B2-20201234", expiresAt: "2026-09-31" } }));
      expect.unreachable();
    } catch (error) {
      expect(ValidationError.isInstance(error)).toBe(true);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([
        "telecomLicence.expiresAt",
      ]);
    }
    expect(policy.profile("fulu")).toBeUndefined();
  });

  it("names the index of a bad profile given at creation", () => {
    try {
      createAdmissionPolicy({}, [
        compliant(),
        compliant({ supplier: "juhe", unifiedSocialCreditCode: "91350100M000100Y44" }),
      ]);
      expect.unreachable();
    } catch (error) {
      expect(ValidationError.isInstance(error)).toBe(true);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([
        "profiles.1.unifiedSocialCreditCode",
      ]);
      expect((error as Error).message).toMatch(/profiles\[1\]/);
    }
  });

  it("refuses two profiles for one supplier at creation, and replaces one with setProfile", () => {
    expect(() => createAdmissionPolicy({}, [compliant(), compliant()])).toThrow(ConfigurationError);
    const policy = createAdmissionPolicy({}, [compliant()]);
    policy.setProfile(compliant({ telecomLicence: undefined }));
    expect(policy.evaluate("fulu", { now }).refusals.map((finding) => finding.rule)).toEqual([
      "licence-missing",
    ]);
  });

  it("stores profiles frozen, so a caller cannot change one behind the policy's back", () => {
    const input = compliant();
    const policy = createAdmissionPolicy({}, [input]);
    const stored = policy.profile("fulu")!;
    expect(() => {
      (stored.telecomLicence as { expiresAt: string }).expiresAt = "2099-12-31";
    }).toThrow(TypeError);
    (input.telecomLicence as { expiresAt: string }).expiresAt = "2020-01-01";
    expect(policy.evaluate("fulu", { now }).admitted).toBe(true);
  });

  it("refuses a bad context with a ValidationError naming the field", () => {
    const policy = createAdmissionPolicy({}, [compliant()]);
    const cases: Array<[unknown, string]> = [
      [{ kind: "gift" }, "kind"],
      [{ brand: "  " }, "brand"],
      [{ now: new Date("not a date") }, "now"],
      [{ now: Number.NaN }, "now"],
    ];
    for (const [context, path] of cases) {
      try {
        policy.evaluate("fulu", context as AdmissionContext);
        expect.unreachable();
      } catch (error) {
        expect(ValidationError.isInstance(error)).toBe(true);
        expect((error as ValidationError).issues[0]?.path).toBe(path);
      }
    }
    // A misspelt key would silently skip the brand check: refused.
    expect(() => policy.evaluate("fulu", { brnad: "腾讯" } as AdmissionContext)).toThrow(/brnad/);
    expect(() => policy.evaluate("")).toThrow(ValidationError);
    // The router passes `kind: undefined` when a route has no kind.
    expect(policy.evaluate("fulu", { kind: undefined, now }).admitted).toBe(true);
  });

  it("refuses unknown or nonsensical options", () => {
    const bad: unknown[] = [
      { requireICP: true },
      { warnBeforeExpiryDays: -1 },
      { warnBeforeExpiryDays: 1.5 },
      { timeZoneOffsetMinutes: 481.5 },
      { timeZoneOffsetMinutes: 900 },
      { requireProfile: "yes" },
      { clock: {} },
    ];
    for (const options of bad) {
      expect(() => createAdmissionPolicy(options as AdmissionPolicyOptions), JSON.stringify(options)).toThrow(
        ConfigurationError,
      );
    }
  });
});
