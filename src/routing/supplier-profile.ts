/**
 * What a merchant knows about one supplier's compliance: the legal entity behind it, its
 * business-licence number (统一社会信用代码), its ICP filing (ICP 备案), its value-added telecom
 * licence (增值电信业务经营许可证) and the brand authorisations (授权书) it holds.
 *
 * After the 卡盟 platforms were shut down, a merchant may only buy virtual goods from compliant
 * suppliers and must be able to show why each one was trusted. A profile is that record; the
 * admission policy (`createAdmissionPolicy`) reads it before the router sends an order.
 */
import { z } from "zod";
import { ProductKindSchema, parseInput } from "../core/index.js";

// ---- Unified social credit code (统一社会信用代码), GB 32100-2015 -----------------------------

/**
 * The 31 characters of GB 32100-2015 table 1, in value order (0–30). I, O, Z, S and V are left
 * out because they are easily mistaken for 1, 0, 2, 5 and U on printed licences.
 */
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** GB 32100-2015 §4.3: the weight of position i (1-based) is 3^(i-1) mod 31. */
const creditCodeWeights: readonly number[] = Array.from({ length: 17 }, (_, index) => {
  let weight = 1;
  for (let step = 0; step < index; step++) weight = (weight * 3) % 31;
  return weight;
});

/**
 * Positions 1–2 (registration authority, entity type) and 9–17 (organisation code) use the
 * alphabet; positions 3–8 are the registering authority's administrative-division code (GB/T
 * 2260), digits only; position 18 is the check character.
 */
const creditCodeShape = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/**
 * Writes a credit code the way it is compared: NFKC (full-width letters and digits folded), no
 * whitespace or hyphens (printed licences group the characters), upper case.
 */
export function normaliseUnifiedSocialCreditCode(code: string): string {
  return code
    .normalize("NFKC")
    .replace(/[\s-]+/gu, "")
    .toUpperCase();
}

/**
 * The GB 32100-2015 check character for the first 17 characters of a credit code, or
 * `undefined` when they contain a character outside the code's alphabet.
 *
 * C18 = 31 − MOD(Σ Ci × Wi, 31), where a result of 31 is written as "0" (the standard's worked
 * example: 91350100M000100Y4 sums to 1640, 1640 mod 31 = 28, so the check character is "3").
 */
export function unifiedSocialCreditCodeCheckCharacter(first17: string): string | undefined {
  if (first17.length !== 17) return undefined;
  let sum = 0;
  for (let position = 0; position < 17; position++) {
    const value = creditCodeAlphabet.indexOf(first17[position]!);
    if (value < 0) return undefined;
    sum += value * creditCodeWeights[position]!;
  }
  return creditCodeAlphabet[(31 - (sum % 31)) % 31];
}

/** What is wrong with a credit code, or `undefined` when its shape and check character are right. */
function creditCodeProblem(code: string): string | undefined {
  if (code.length !== 18)
    return "unifiedSocialCreditCode must be 18 characters (统一社会信用代码, printed on the 营业执照)";
  if (!creditCodeShape.test(code))
    return "unifiedSocialCreditCode may only hold digits and upper-case letters other than I, O, Z, S and V, with digits in positions 3-8 (GB 32100-2015)";
  if (unifiedSocialCreditCodeCheckCharacter(code.slice(0, 17)) !== code[17])
    return "unifiedSocialCreditCode fails its GB 32100-2015 check character: retype it from the business licence (营业执照) or the National Enterprise Credit Information Publicity System (国家企业信用信息公示系统)";
  return undefined;
}

/**
 * True when `code` (after {@link normaliseUnifiedSocialCreditCode}) has the GB 32100-2015 shape and
 * a correct check character.
 */
export function isValidUnifiedSocialCreditCode(code: string): boolean {
  return creditCodeProblem(normaliseUnifiedSocialCreditCode(code)) === undefined;
}

/** Zod schema of a credit code: normalised, then shape and check character verified. */
export const UnifiedSocialCreditCodeSchema = z
  .string()
  .transform(normaliseUnifiedSocialCreditCode)
  .superRefine((code, context) => {
    const problem = creditCodeProblem(code);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

// ---- Names and brands ---------------------------------------------------------------------------

/**
 * Writes a legal entity name the way it is compared: NFKC, no whitespace, every kind of round
 * bracket folded to ASCII, lower case. Chinese company names are registered with full-width
 * brackets — 腾讯科技（深圳）有限公司 — and copied around with ASCII ones and stray spaces; all
 * spellings of one name must match one blocklist entry.
 */
export function normaliseLegalName(name: string): string {
  return name
    .normalize("NFKC")
    .replace(/[\s\u200b\ufeff]+/gu, "")
    .replace(/[（﹙⁽₍]/gu, "(")
    .replace(/[）﹚⁾₎]/gu, ")")
    .toLowerCase();
}

/**
 * Writes a brand the way authorisations are matched: NFKC, trimmed, inner whitespace collapsed,
 * lower case ("Ｔｅｎｃｅｎｔ ", "tencent" and "TENCENT" are one brand).
 */
export function normaliseBrand(brand: string): string {
  return brand.normalize("NFKC").trim().replace(/\s+/gu, " ").toLowerCase();
}

// ---- Dates ----------------------------------------------------------------------------------------

const isoDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `[year, month, day]` of a `YYYY-MM-DD` string that names a real calendar day, else `undefined`. */
export function parseIsoDate(date: string): [year: number, month: number, day: number] | undefined {
  const match = isoDatePattern.exec(date);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over to 2026-03-02; a real date survives the round trip.
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day)
    return undefined;
  return [year, month, day];
}

function isoDateSchema(field: string) {
  const message = `${field} must be a calendar date written YYYY-MM-DD, e.g. "2026-10-01"`;
  return z
    .string({ error: message })
    .trim()
    .refine((date) => parseIsoDate(date) !== undefined, { message });
}

// ---- ICP filing (ICP 备案) ----------------------------------------------------------------------

/**
 * Province abbreviations used in ICP filing and telecom licence numbers. Both the common and the
 * classical abbreviations appear on real filings (四川 files as 蜀ICP备, 贵州 as 黔ICP备, 云南 as
 * 滇ICP备, 甘肃 as 陇ICP备), so both are accepted.
 */
const provinces = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新";

/** Loose shape of an ICP filing number: 京ICP备12345678号, 粤ICP备12345678号-1. */
const icpNumberPattern = new RegExp(`^[${provinces}]ICP备\\d{1,16}号(?:-\\d{1,4})?$`, "u");

function compactNumber(value: string): string {
  return value.normalize("NFKC").replace(/\s+/gu, "");
}

/** An ICP filing (ICP 备案): the number shown in a site's footer and, optionally, the filed domain. */
export const IcpFilingSchema = z
  .object({
    /** ICP 备案号, e.g. "京ICP备12345678号" or "粤ICP备12345678号-1" (the suffix numbers a site). */
    number: z
      .string({ error: "icp.number is required" })
      .transform(compactNumber)
      .refine((number) => icpNumberPattern.test(number), {
        message:
          'icp.number must look like "京ICP备12345678号" or "粤ICP备12345678号-1": a province abbreviation, "ICP备", digits, "号" and an optional "-n"',
      }),
    /** The domain the filing covers, e.g. "example.com" (no scheme, no path). */
    domain: z
      .string()
      .normalize("NFKC")
      .trim()
      .toLowerCase()
      .regex(/^[^\s/:@.]+(?:\.[^\s/:@.]+)+$/u, {
        message: 'icp.domain must be a bare domain such as "example.com" (no scheme, port or path)',
      })
      .optional(),
  })
  .strict();
/** An ICP filing after validation. */
export type IcpFiling = z.output<typeof IcpFilingSchema>;

// ---- Value-added telecom licence (增值电信业务经营许可证) --------------------------------------

/**
 * Recognised licence number shapes. Licences issued by a provincial authority carry its
 * abbreviation (京B2-20201234); national ones issued by MIIT do not (B2-20201234); one licence
 * may cover several categories (A2.B1.B2-20090003); foreign-invested holders carry 合字; the
 * internet information service licence is written 京ICP证000007号.
 */
const licenceNumberPatterns: readonly RegExp[] = [
  new RegExp(`^(?:[${provinces}]|合字)?[AB]\\d{1,2}(?:[.、][AB]\\d{1,2})*-\\d{4,12}$`, "u"),
  new RegExp(`^[${provinces}]ICP证\\d{1,16}号$`, "u"),
];

/**
 * True when a licence number has one of the shapes kaquan recognises. Other shapes are kept
 * (authorities have changed formats before) and reported by the `licence-number-unrecognised`
 * admission rule as a warning to check by hand.
 */
export function isRecognisedTelecomLicenceNumber(number: string): boolean {
  const compact = compactNumber(number);
  return licenceNumberPatterns.some((pattern) => pattern.test(compact));
}

/** A value-added telecom licence (增值电信业务经营许可证). */
export const TelecomLicenceSchema = z
  .object({
    /** The licence number, e.g. "京B2-20201234" or "B2-20201234". */
    number: z
      .string({ error: "telecomLicence.number is required" })
      .transform(compactNumber)
      .refine((number) => number.length > 0 && number.length <= 64, {
        message: 'telecomLicence.number must be 1-64 characters, e.g. "京B2-20201234"',
      }),
    /** Last day of validity (有效期至), YYYY-MM-DD. Valid through the end of that day. */
    expiresAt: isoDateSchema("telecomLicence.expiresAt"),
    /** The licensed business scope (业务种类), as printed. */
    scope: z.string().trim().min(1, "telecomLicence.scope must not be empty when given").optional(),
  })
  .strict();
/** A telecom licence after validation. */
export type TelecomLicence = z.output<typeof TelecomLicenceSchema>;

// ---- Brand authorisations (授权书) --------------------------------------------------------------

/** A brand owner's (or its authorised distributor's) written authorisation to sell its goods. */
export const BrandAuthorisationSchema = z
  .object({
    /** The brand, e.g. "腾讯" or "Apple". Matched NFKC, case-insensitive and trimmed. */
    brand: z
      .string({ error: "brand is required" })
      .trim()
      .min(1, "brand must not be empty")
      .max(200, "brand must be at most 200 characters"),
    /** Who signed it: the brand owner or the distributor the chain of authorisation runs through. */
    issuer: z.string().trim().min(1, "issuer must not be empty when given").optional(),
    /** The product kinds it covers; absent means every kind. */
    kinds: z
      .array(ProductKindSchema)
      .min(1, 'kinds must list at least one of "direct", "card", "mobile", or be left out for every kind')
      .optional(),
    /** First day of validity, YYYY-MM-DD. */
    validFrom: isoDateSchema("validFrom").optional(),
    /** Last day of validity, YYYY-MM-DD. Valid through the end of that day. */
    expiresAt: isoDateSchema("expiresAt"),
    /** Where the signed document is kept (a file name, an archive number, a URL). */
    documentRef: z.string().trim().min(1, "documentRef must not be empty when given").optional(),
  })
  .strict()
  .superRefine((authorisation, context) => {
    const { validFrom, expiresAt } = authorisation;
    // Only compare two real dates; a malformed one already has its own issue.
    if (validFrom === undefined || !parseIsoDate(validFrom) || !parseIsoDate(expiresAt)) return;
    if (validFrom > expiresAt) {
      context.addIssue({
        code: "custom",
        path: ["validFrom"],
        message: "validFrom is after expiresAt: check the dates printed on the authorisation",
      });
    }
  });
/** A brand authorisation after validation. */
export type BrandAuthorisation = z.output<typeof BrandAuthorisationSchema>;

// ---- The profile ------------------------------------------------------------------------------------

/**
 * How the supplier settles: "prepaid" (预付, a balance topped up in advance), "T+0", "T+1",
 * "weekly", "monthly", or the supplier's own wording.
 */
export type SettlementCycle = "prepaid" | "T+0" | "T+1" | "weekly" | "monthly" | (string & {});

/** The compliance record of one supplier. Validate with {@link parseSupplierProfile}. */
export const SupplierProfileSchema = z
  .object({
    /** The supplier's kaquan name: the adapter's and client's `supplier`, e.g. "fulu". */
    supplier: z
      .string({ error: "supplier is required" })
      .trim()
      .min(1, 'supplier must be the supplier\'s kaquan name, e.g. "fulu"')
      .max(64, "supplier must be at most 64 characters"),
    /** 公司全称: the legal entity's full registered name. */
    legalName: z
      .string({ error: "legalName is required" })
      .trim()
      .min(1, "legalName must be the company's full registered name (公司全称)")
      .max(200, "legalName must be at most 200 characters"),
    /** 统一社会信用代码: 18 characters; shape and GB 32100-2015 check character are verified. */
    unifiedSocialCreditCode: UnifiedSocialCreditCodeSchema.optional(),
    /** ICP 备案. */
    icp: IcpFilingSchema.optional(),
    /** 增值电信业务经营许可证. */
    telecomLicence: TelecomLicenceSchema.optional(),
    /** 授权书: brand authorisations the supplier holds. */
    brandAuthorisations: z.array(BrandAuthorisationSchema).default([]),
    /** How the supplier settles (see {@link SettlementCycle}). */
    settlementCycle: z
      .string()
      .trim()
      .min(1, "settlementCycle must not be empty when given")
      .transform((cycle) => cycle as SettlementCycle)
      .optional(),
    /** Free notes: who reviewed the documents and when. */
    notes: z.string().optional(),
  })
  .strict();

/** What you pass to `setProfile`: defaults (an empty `brandAuthorisations`) may be left out. */
export type SupplierProfileInput = z.input<typeof SupplierProfileSchema>;
/** A validated, normalised supplier profile. */
export type SupplierProfile = z.output<typeof SupplierProfileSchema>;

/**
 * Validates a supplier profile. Throws a `ValidationError` whose issues name each bad field
 * (`telecomLicence.expiresAt`, `brandAuthorisations.0.kinds.1`, …) and say how to fix it.
 */
export function parseSupplierProfile(input: unknown): SupplierProfile {
  return parseInput(SupplierProfileSchema, input, "supplier profile");
}
