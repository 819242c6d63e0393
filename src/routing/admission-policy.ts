/**
 * The admission policy: which suppliers a merchant may buy from, decided by rules kept as data.
 *
 * Since the 卡盟 platforms were shut down, a merchant must buy virtual goods only from compliant
 * suppliers and be able to show why each was trusted. The router asks this policy before it sends
 * an order; a refused supplier is skipped, and every refusal names the rule and the exact fact
 * (which licence, which date), so the answer can be shown to an auditor as it is.
 *
 * Evaluation never throws for a rule's sake: a merchant rule that throws or returns nonsense
 * refuses the supplier (fail closed) rather than letting an unchecked order through.
 */
import { z } from "zod";
import {
  type Clock,
  ConfigurationError,
  isKaquanError,
  type ProductKind,
  ProductKindSchema,
  parseInput,
  ValidationError,
} from "../core/index.js";
import {
  type BrandAuthorisation,
  isRecognisedTelecomLicenceNumber,
  isValidUnifiedSocialCreditCode,
  normaliseBrand,
  normaliseLegalName,
  normaliseUnifiedSocialCreditCode,
  parseIsoDate,
  parseSupplierProfile,
  type SupplierProfile,
  type SupplierProfileInput,
} from "./supplier-profile.js";

// ---- Types ----------------------------------------------------------------------------------------

/** The ids of the rules in {@link builtInAdmissionRules}. Stable: safe to match on. */
export type BuiltInAdmissionRuleId =
  | "blocklisted"
  | "profile-missing"
  | "licence-missing"
  | "licence-expired"
  | "licence-expiring"
  | "licence-number-unrecognised"
  | "icp-missing"
  | "brand-authorisation-missing"
  | "brand-authorisation-kind"
  | "brand-authorisation-not-yet-valid"
  | "brand-authorisation-expired"
  | "brand-authorisation-expiring";

/** A rule id: a built-in one or a merchant rule's own. */
export type AdmissionRuleId = BuiltInAdmissionRuleId | (string & {});

/** `refuse` keeps the supplier out; `warn` admits it and says what needs attention. */
export type AdmissionSeverity = "refuse" | "warn";

/** What an order is for, as far as admission cares. */
export interface AdmissionContext {
  /** The brand of the goods (e.g. "腾讯"). When given, the supplier needs an authorisation for it. */
  brand?: string | undefined;
  /** The product kind; an authorisation limited to other kinds does not cover it. */
  kind?: ProductKind | undefined;
  /** The moment to judge validity at. Default: the policy's clock. */
  now?: number | Date | undefined;
}

/** One thing a rule found. */
export interface AdmissionFinding {
  /** The rule that found it. */
  readonly rule: AdmissionRuleId;
  readonly severity: AdmissionSeverity;
  readonly supplier: string;
  /** The exact fact, e.g. `licence 京B2-20201234 expired on 2026-10-01`. Never a secret. */
  readonly fact: string;
  /** What to do about it. */
  readonly message: string;
  /** The date (YYYY-MM-DD) the document concerned runs out, when there is one. */
  readonly expiresAt?: string | undefined;
}

/**
 * What a rule's `check` returns. The policy stamps every finding with the rule's own id and the
 * supplier evaluated, so a rule cannot speak for another rule or another supplier.
 */
export interface AdmissionFindingDraft {
  readonly rule?: AdmissionRuleId | undefined;
  readonly severity: AdmissionSeverity;
  readonly supplier?: string | undefined;
  readonly fact: string;
  readonly message: string;
  readonly expiresAt?: string | undefined;
}

/** The answer for one supplier. */
export interface AdmissionDecision {
  readonly supplier: string;
  /** False when any rule refuses. */
  readonly admitted: boolean;
  readonly refusals: readonly AdmissionFinding[];
  readonly warnings: readonly AdmissionFinding[];
}

/** A supplier the merchant will not buy from, whatever its documents say. */
export interface AdmissionBlocklistEntry {
  /** The kaquan supplier name, matched exactly (after trimming). */
  supplier?: string | undefined;
  /** The legal name, matched after NFKC, without whitespace, brackets （） and () folded, any case. */
  legalName?: string | undefined;
  /** The credit code, matched after normalisation; it must pass its GB 32100-2015 check. */
  unifiedSocialCreditCode?: string | undefined;
  /** Why it is blocked (shown in every refusal). */
  reason: string;
}

/** The policy's options with every default filled in, as rules see them. */
export interface ResolvedAdmissionOptions {
  readonly blocklist: readonly AdmissionBlocklistEntry[];
  readonly requireProfile: boolean;
  readonly requireTelecomLicence: boolean;
  readonly requireIcp: boolean;
  /** Applies only when the context names a brand. */
  readonly requireBrandAuthorisation: boolean;
  readonly warnBeforeExpiryDays: number;
  readonly timeZoneOffsetMinutes: number;
}

/** The context a rule is checked in: the caller's context resolved against the policy's options. */
export interface ResolvedAdmissionContext {
  /** The brand as given (trimmed), or `undefined`. Compare with `normaliseBrand`. */
  readonly brand: string | undefined;
  readonly kind: ProductKind | undefined;
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly options: ResolvedAdmissionOptions;
}

/** One admission rule. The built-in ones and a merchant's own have the same shape. */
export interface AdmissionRule {
  /** Stable id, reported on every finding. */
  readonly id: string;
  /** One sentence: what the rule requires, for reports and documentation. */
  readonly description: string;
  /**
   * Returns what the rule finds (an empty array when the supplier passes). `profile` is
   * `undefined` when none is registered. Must be synchronous; a throw or a malformed answer
   * refuses the supplier.
   */
  check(
    profile: SupplierProfile | undefined,
    context: ResolvedAdmissionContext & { readonly supplier: string },
  ): readonly AdmissionFindingDraft[];
}

/** Options of {@link createAdmissionPolicy}. Every one has a safe default. */
export interface AdmissionPolicyOptions {
  /** Suppliers refused whatever else is valid. Default: none. */
  blocklist?: AdmissionBlocklistEntry[] | undefined;
  /** Refuse a supplier with no profile. Default `true`; `false` turns `profile-missing` into a warning. */
  requireProfile?: boolean | undefined;
  /** Refuse a supplier without a 增值电信业务经营许可证 on record. Default `true`. */
  requireTelecomLicence?: boolean | undefined;
  /** Refuse a supplier without an ICP 备案 on record. Default `false`. */
  requireIcp?: boolean | undefined;
  /**
   * When the context names a brand, refuse a supplier without a valid authorisation for it.
   * Default `true`; `false` reports authorisation problems as warnings.
   */
  requireBrandAuthorisation?: boolean | undefined;
  /** Warn this many days before a document runs out. Default 30; 0 turns the warnings off. */
  warnBeforeExpiryDays?: number | undefined;
  /**
   * The UTC offset, in minutes, in which a document's last day ends at 24:00. Default 480
   * (China Standard Time, UTC+8 all year: Chinese licences and authorisations are dated in it).
   */
  timeZoneOffsetMinutes?: number | undefined;
  /** The merchant's own rules, evaluated after the built-in ones. Default: none. */
  rules?: AdmissionRule[] | undefined;
  /** Where `now` comes from when a context does not give one. Default: the system clock. */
  clock?: Clock | undefined;
}

/** A merchant's admission policy. */
export interface AdmissionPolicy {
  /** The built-in table followed by the merchant's rules, in evaluation order. */
  readonly rules: readonly AdmissionRule[];
  /** Runs every rule for `supplier`. Never throws for a rule's sake; throws `ValidationError` for bad input. */
  evaluate(supplier: string, context?: AdmissionContext): AdmissionDecision;
  /** Validates and stores a profile, replacing the supplier's previous one. */
  setProfile(profile: SupplierProfileInput): void;
  /** The stored (validated, frozen) profile of `supplier`. */
  profile(supplier: string): SupplierProfile | undefined;
  /**
   * Every finding for every known supplier (profiles and blocklist entries that name a
   * supplier), each brand it holds an authorisation for checked too: a compliance report.
   * Suppliers are ordered by their most urgent finding, soonest expiry first.
   */
  report(now?: number | Date): AdmissionDecision[];
}

// ---- Dates ------------------------------------------------------------------------------------------

const dayMs = 86_400_000;

function dayNumber(date: string): number {
  const parts = parseIsoDate(date);
  if (!parts) {
    throw new ValidationError(`"${date}" is not a calendar date`, [
      { path: "", message: 'write dates as YYYY-MM-DD, e.g. "2026-10-01"' },
    ]);
  }
  return Date.UTC(parts[0], parts[1] - 1, parts[2]) / dayMs;
}

/** The instant (ms since the epoch) a `YYYY-MM-DD` day starts at 00:00 in a UTC offset. */
export function startOfDayInstant(date: string, timeZoneOffsetMinutes: number): number {
  return dayNumber(date) * dayMs - timeZoneOffsetMinutes * 60_000;
}

/**
 * The instant (ms since the epoch) a `YYYY-MM-DD` day ends — 24:00 in a UTC offset. A document
 * whose last day this is stays valid up to, not including, this instant.
 */
export function endOfDayInstant(date: string, timeZoneOffsetMinutes: number): number {
  return startOfDayInstant(date, timeZoneOffsetMinutes) + dayMs;
}

/** Where a document stands on its expiry date. */
export interface ExpiryStatus {
  readonly status: "valid" | "expiring" | "expired";
  /**
   * Days of validity left, counting today (in the policy's offset): 1 on the last day, 0 or less
   * once expired. A document is `expiring` exactly when `0 < daysLeft <= warnBeforeExpiryDays`.
   */
  readonly daysLeft: number;
}

/**
 * Judges a last-valid-day date against the context: `expired` from 24:00 of that day,
 * `expiring` from `warnBeforeExpiryDays` days before that instant. Custom rules may use it.
 */
export function expiryStatus(expiresAt: string, context: ResolvedAdmissionContext): ExpiryStatus {
  const { timeZoneOffsetMinutes, warnBeforeExpiryDays } = context.options;
  const end = endOfDayInstant(expiresAt, timeZoneOffsetMinutes);
  const today = Math.floor((context.now + timeZoneOffsetMinutes * 60_000) / dayMs);
  const daysLeft = dayNumber(expiresAt) - today + 1;
  if (context.now >= end) return { status: "expired", daysLeft };
  if (daysLeft <= warnBeforeExpiryDays) return { status: "expiring", daysLeft };
  return { status: "valid", daysLeft };
}

function hasStarted(validFrom: string | undefined, context: ResolvedAdmissionContext): boolean {
  return (
    validFrom === undefined ||
    context.now >= startOfDayInstant(validFrom, context.options.timeZoneOffsetMinutes)
  );
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const absolute = Math.abs(minutes);
  const hours = String(Math.floor(absolute / 60)).padStart(2, "0");
  return `UTC${sign}${hours}:${String(absolute % 60).padStart(2, "0")}`;
}

function daysLeftText(daysLeft: number): string {
  return daysLeft <= 1 ? "its last day is today" : `${daysLeft} days left`;
}

// ---- Built-in rules --------------------------------------------------------------------------------

type RuleContext = ResolvedAdmissionContext & { readonly supplier: string };

/** How a supplier is named in facts: its kaquan name and, when known, its legal entity. */
function who(profile: SupplierProfile | undefined, supplier: string): string {
  return profile ? `${supplier} (${profile.legalName})` : supplier;
}

/**
 * With no profile and `requireProfile` on, `profile-missing` already refuses; the document
 * rules stay silent rather than repeat it three ways. With `requireProfile` off they speak,
 * because a supplier without a profile has no licence or authorisation on record either.
 */
function silencedByMissingProfile(profile: SupplierProfile | undefined, context: RuleContext): boolean {
  return profile === undefined && context.options.requireProfile;
}

function blocklistMatches(
  entry: AdmissionBlocklistEntry,
  profile: SupplierProfile | undefined,
  supplier: string,
): string | undefined {
  if (entry.supplier !== undefined && entry.supplier.trim() === supplier)
    return `supplier name "${supplier}"`;
  if (profile && entry.legalName !== undefined) {
    if (normaliseLegalName(entry.legalName) === normaliseLegalName(profile.legalName))
      return `legal name "${profile.legalName}"`;
  }
  if (profile?.unifiedSocialCreditCode !== undefined && entry.unifiedSocialCreditCode !== undefined) {
    if (normaliseUnifiedSocialCreditCode(entry.unifiedSocialCreditCode) === profile.unifiedSocialCreditCode)
      return `credit code ${profile.unifiedSocialCreditCode}`;
  }
  return undefined;
}

interface BrandStanding {
  readonly brand: string;
  readonly matching: readonly BrandAuthorisation[];
  readonly valid: readonly BrandAuthorisation[];
  readonly severity: AdmissionSeverity;
}

function coversKind(authorisation: BrandAuthorisation, kind: ProductKind | undefined): boolean {
  return kind === undefined || authorisation.kinds === undefined || authorisation.kinds.includes(kind);
}

/**
 * The authorisations for the context's brand, and those valid now for its kind. A supplier
 * often holds a lapsed authorisation next to its renewal: one valid authorisation is enough,
 * and the refusing brand rules speak only when none is valid.
 */
function brandStanding(
  profile: SupplierProfile | undefined,
  context: RuleContext,
): BrandStanding | undefined {
  if (context.brand === undefined || silencedByMissingProfile(profile, context)) return undefined;
  const wanted = normaliseBrand(context.brand);
  const matching = (profile?.brandAuthorisations ?? []).filter(
    (authorisation) => normaliseBrand(authorisation.brand) === wanted,
  );
  const valid = matching.filter(
    (authorisation) =>
      coversKind(authorisation, context.kind) &&
      hasStarted(authorisation.validFrom, context) &&
      expiryStatus(authorisation.expiresAt, context).status !== "expired",
  );
  return {
    brand: context.brand,
    matching,
    valid,
    severity: context.options.requireBrandAuthorisation ? "refuse" : "warn",
  };
}

function describeAuthorisation(authorisation: BrandAuthorisation): string {
  const details = [
    authorisation.issuer ? `issued by ${authorisation.issuer}` : undefined,
    authorisation.documentRef ? `document ${authorisation.documentRef}` : undefined,
  ].filter((detail) => detail !== undefined);
  return `authorisation for "${authorisation.brand}"${details.length ? ` (${details.join(", ")})` : ""}`;
}

const licenceLookup = "check it on the MIIT licence register (电信业务市场综合管理信息系统, tsm.miit.gov.cn)";

function rule(
  id: BuiltInAdmissionRuleId,
  description: string,
  check: (profile: SupplierProfile | undefined, context: RuleContext) => AdmissionFindingDraft[],
): AdmissionRule {
  return Object.freeze({ id, description, check });
}

/**
 * The built-in rules, in evaluation order. Each is data — an id, a description and a check — so
 * the table can be listed in reports and documentation, and each is tested on its own.
 */
export const builtInAdmissionRules: readonly AdmissionRule[] = Object.freeze([
  rule(
    "blocklisted",
    "A supplier on the merchant's blocklist (by supplier name, legal name or credit code) is refused whatever else is valid.",
    (profile, context) =>
      context.options.blocklist.flatMap((entry) => {
        const matchedBy = blocklistMatches(entry, profile, context.supplier);
        if (!matchedBy) return [];
        return [
          {
            severity: "refuse",
            fact: `${who(profile, context.supplier)} is blocklisted by ${matchedBy}: ${entry.reason}`,
            message:
              "Do not buy from this supplier. Remove the blocklist entry only after a compliance review clears it.",
          },
        ];
      }),
  ),
  rule(
    "profile-missing",
    "A supplier needs a registered profile (its compliance record); a warning only when requireProfile is off.",
    (profile, context) => {
      if (profile) return [];
      if (context.options.requireProfile) {
        return [
          {
            severity: "refuse",
            fact: `no supplier profile is registered for ${context.supplier}`,
            message:
              "Review the supplier's documents and register them with setProfile({ supplier, legalName, unifiedSocialCreditCode, telecomLicence, brandAuthorisations }).",
          },
        ];
      }
      return [
        {
          severity: "warn",
          fact: `no supplier profile is registered for ${context.supplier}`,
          message:
            "requireProfile is off, so the supplier is admitted without a compliance record; record one with setProfile.",
        },
      ];
    },
  ),
  rule(
    "licence-missing",
    "When requireTelecomLicence is on (the default), a supplier needs a value-added telecom licence (增值电信业务经营许可证) on record.",
    (profile, context) => {
      if (!context.options.requireTelecomLicence || profile?.telecomLicence) return [];
      if (silencedByMissingProfile(profile, context)) return [];
      return [
        {
          severity: "refuse",
          fact: `${who(profile, context.supplier)} has no value-added telecom licence (增值电信业务经营许可证) on record`,
          message: `Obtain a copy of the supplier's licence, ${licenceLookup}, and record it as telecomLicence; or set requireTelecomLicence: false.`,
        },
      ];
    },
  ),
  rule(
    "licence-expired",
    "A telecom licence is valid through the end of its last day; after that the supplier is refused (warned when the licence is not required).",
    (profile, context) => {
      const licence = profile?.telecomLicence;
      if (!licence || expiryStatus(licence.expiresAt, context).status !== "expired") return [];
      return [
        {
          severity: context.options.requireTelecomLicence ? "refuse" : "warn",
          fact: `licence ${licence.number} expired on ${licence.expiresAt}`,
          message: `Ask ${who(profile, context.supplier)} for its renewed licence, ${licenceLookup}, and record the new expiresAt.`,
          expiresAt: licence.expiresAt,
        },
      ];
    },
  ),
  rule(
    "licence-expiring",
    "A telecom licence within warnBeforeExpiryDays of its last day is reported as a warning.",
    (profile, context) => {
      const licence = profile?.telecomLicence;
      if (!licence) return [];
      const standing = expiryStatus(licence.expiresAt, context);
      if (standing.status !== "expiring") return [];
      return [
        {
          severity: "warn",
          fact: `licence ${licence.number} expires on ${licence.expiresAt} (${daysLeftText(standing.daysLeft)})`,
          message: `Ask ${who(profile, context.supplier)} for its renewed licence before 24:00 ${formatOffset(context.options.timeZoneOffsetMinutes)} on ${licence.expiresAt}; after that it is refused.`,
          expiresAt: licence.expiresAt,
        },
      ];
    },
  ),
  rule(
    "licence-number-unrecognised",
    "A telecom licence number of an unrecognised shape (not like 京B2-20201234, B2-20201234 or 京ICP证000007号) is kept and reported as a warning.",
    (profile, context) => {
      const licence = profile?.telecomLicence;
      if (!licence || isRecognisedTelecomLicenceNumber(licence.number)) return [];
      return [
        {
          severity: "warn",
          fact: `licence number "${licence.number}" of ${who(profile, context.supplier)} has no recognised shape`,
          message: `Check the number by hand: ${licenceLookup}. kaquan keeps it, but cannot tell a typo from a new format.`,
          expiresAt: licence.expiresAt,
        },
      ];
    },
  ),
  rule(
    "icp-missing",
    "When requireIcp is on (default off), a supplier needs an ICP filing (ICP 备案) on record.",
    (profile, context) => {
      if (!context.options.requireIcp || profile?.icp) return [];
      if (silencedByMissingProfile(profile, context)) return [];
      return [
        {
          severity: "refuse",
          fact: `${who(profile, context.supplier)} has no ICP filing (ICP 备案) on record`,
          message:
            "Look the supplier's site up on the MIIT filing register (beian.miit.gov.cn) and record its ICP 备案号 as icp; or set requireIcp: false.",
        },
      ];
    },
  ),
  rule(
    "brand-authorisation-missing",
    "When the context names a brand and requireBrandAuthorisation is on (the default), the supplier needs an authorisation (授权书) for that brand.",
    (profile, context) => {
      const standing = brandStanding(profile, context);
      if (!standing || standing.matching.length > 0 || standing.severity !== "refuse") return [];
      return [
        {
          severity: "refuse",
          fact: `${who(profile, context.supplier)} holds no authorisation (授权书) for brand "${standing.brand}"`,
          message: `Obtain the brand's authorisation (or its distributor's, with the chain of authorisation) and record it in brandAuthorisations; or route "${standing.brand}" to an authorised supplier.`,
        },
      ];
    },
  ),
  rule(
    "brand-authorisation-kind",
    "An authorisation limited to some product kinds does not cover others (a card-code 授权书 does not cover direct top-ups).",
    (profile, context) => {
      const standing = brandStanding(profile, context);
      if (!standing || standing.valid.length > 0 || context.kind === undefined) return [];
      const kind = context.kind;
      return standing.matching
        .filter((authorisation) => !coversKind(authorisation, kind))
        .map((authorisation) => ({
          severity: standing.severity,
          fact: `${describeAuthorisation(authorisation)} covers ${authorisation.kinds?.join(", ")} only, not ${kind}`,
          message: `Obtain an authorisation that covers ${kind} goods of "${standing.brand}", or route ${kind} orders to an authorised supplier.`,
          expiresAt: authorisation.expiresAt,
        }));
    },
  ),
  rule(
    "brand-authorisation-not-yet-valid",
    "An authorisation is valid from the start of its validFrom day, not before.",
    (profile, context) => {
      const standing = brandStanding(profile, context);
      if (!standing || standing.valid.length > 0) return [];
      return standing.matching
        .filter((authorisation) => !hasStarted(authorisation.validFrom, context))
        .map((authorisation) => ({
          severity: standing.severity,
          fact: `${describeAuthorisation(authorisation)} is valid from ${authorisation.validFrom}`,
          message: `Wait until ${authorisation.validFrom}, or route "${standing.brand}" to a supplier authorised now.`,
          expiresAt: authorisation.expiresAt,
        }));
    },
  ),
  rule(
    "brand-authorisation-expired",
    "An authorisation is valid through the end of its last day; a supplier whose every authorisation for the brand has run out is refused.",
    (profile, context) => {
      const standing = brandStanding(profile, context);
      if (!standing || standing.valid.length > 0) return [];
      return standing.matching
        .filter((authorisation) => expiryStatus(authorisation.expiresAt, context).status === "expired")
        .map((authorisation) => ({
          severity: standing.severity,
          fact: `${describeAuthorisation(authorisation)} expired on ${authorisation.expiresAt}`,
          message: `Ask ${who(profile, context.supplier)} for the renewed authorisation and record it in brandAuthorisations.`,
          expiresAt: authorisation.expiresAt,
        }));
    },
  ),
  rule(
    "brand-authorisation-expiring",
    "When the latest valid authorisation for the brand is within warnBeforeExpiryDays of its last day, a warning.",
    (profile, context) => {
      const standing = brandStanding(profile, context);
      if (!standing || standing.valid.length === 0) return [];
      // The renewal that runs longest is the one that matters; an older one lapsing is no news.
      const latest = standing.valid.reduce((best, authorisation) =>
        authorisation.expiresAt > best.expiresAt ? authorisation : best,
      );
      const status = expiryStatus(latest.expiresAt, context);
      if (status.status !== "expiring") return [];
      return [
        {
          severity: "warn",
          fact: `${describeAuthorisation(latest)} expires on ${latest.expiresAt} (${daysLeftText(status.daysLeft)})`,
          message: `Ask ${who(profile, context.supplier)} for the renewed authorisation before 24:00 ${formatOffset(context.options.timeZoneOffsetMinutes)} on ${latest.expiresAt}.`,
          expiresAt: latest.expiresAt,
        },
      ];
    },
  ),
]);

// ---- Options ----------------------------------------------------------------------------------------

const knownOptions = new Set([
  "blocklist",
  "requireProfile",
  "requireTelecomLicence",
  "requireIcp",
  "requireBrandAuthorisation",
  "warnBeforeExpiryDays",
  "timeZoneOffsetMinutes",
  "rules",
  "clock",
]);

function optionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new ConfigurationError(`admission policy: ${name} must be true or false`);
  return value;
}

function resolveBlocklist(blocklist: unknown): AdmissionBlocklistEntry[] {
  if (blocklist === undefined) return [];
  if (!Array.isArray(blocklist))
    throw new ConfigurationError(
      "admission policy: blocklist must be an array of { supplier?, legalName?, unifiedSocialCreditCode?, reason }",
    );
  return blocklist.map((raw: unknown, index) => {
    const where = `admission policy: blocklist[${index}]`;
    if (typeof raw !== "object" || raw === null) throw new ConfigurationError(`${where} must be an object`);
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!["supplier", "legalName", "unifiedSocialCreditCode", "reason"].includes(key))
        throw new ConfigurationError(
          `${where} has an unknown field "${key}": remove it or check the spelling`,
        );
    }
    const text = (key: string): string | undefined => {
      const value = entry[key];
      if (value === undefined) return undefined;
      if (typeof value !== "string" || value.trim() === "")
        throw new ConfigurationError(`${where}.${key} must be non-empty text when given`);
      return value.trim();
    };
    const reason = text("reason");
    if (reason === undefined)
      throw new ConfigurationError(
        `${where}.reason is required: say why the supplier is blocked (it is shown in every refusal)`,
      );
    const supplier = text("supplier");
    const legalName = text("legalName");
    const code = text("unifiedSocialCreditCode");
    if (supplier === undefined && legalName === undefined && code === undefined)
      throw new ConfigurationError(`${where} must name a supplier, a legalName or a unifiedSocialCreditCode`);
    // A mistyped code would silently never match; refuse it here instead.
    if (code !== undefined && !isValidUnifiedSocialCreditCode(code))
      throw new ConfigurationError(
        `${where}.unifiedSocialCreditCode is not a valid 统一社会信用代码 (shape or GB 32100-2015 check character): retype it from the business licence`,
      );
    return Object.freeze({
      ...(supplier !== undefined ? { supplier } : {}),
      ...(legalName !== undefined ? { legalName } : {}),
      ...(code !== undefined ? { unifiedSocialCreditCode: normaliseUnifiedSocialCreditCode(code) } : {}),
      reason,
    });
  });
}

function resolveRules(rules: unknown): AdmissionRule[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules))
    throw new ConfigurationError("admission policy: rules must be an array of { id, description, check }");
  const seen = new Set(builtInAdmissionRules.map((builtIn) => builtIn.id));
  return rules.map((raw: unknown, index) => {
    const where = `admission policy: rules[${index}]`;
    if (typeof raw !== "object" || raw === null) throw new ConfigurationError(`${where} must be an object`);
    const candidate = raw as Partial<AdmissionRule>;
    if (typeof candidate.id !== "string" || candidate.id.trim() === "")
      throw new ConfigurationError(`${where}.id must be a non-empty, stable id such as "contract-signed"`);
    if (seen.has(candidate.id))
      throw new ConfigurationError(
        `${where}.id "${candidate.id}" is already used by another rule: every finding names its rule, so ids must be unique`,
      );
    seen.add(candidate.id);
    if (typeof candidate.description !== "string")
      throw new ConfigurationError(`${where}.description must say what the rule requires`);
    if (typeof candidate.check !== "function")
      throw new ConfigurationError(`${where}.check must be a function (profile, context) => findings`);
    // A frozen copy: the table cannot be changed after the policy is made. `check` stays bound to
    // the object it came from, so a rule written as a class keeps its `this`.
    const check = candidate.check.bind(candidate) as AdmissionRule["check"];
    return Object.freeze({ id: candidate.id, description: candidate.description, check });
  });
}

function resolveOptions(options: AdmissionPolicyOptions): ResolvedAdmissionOptions {
  if (typeof options !== "object" || options === null)
    throw new ConfigurationError("admission policy: options must be an object");
  for (const key of Object.keys(options)) {
    // A mistyped `requireIcp` would silently leave a requirement off; refuse unknown names.
    if (!knownOptions.has(key))
      throw new ConfigurationError(
        `admission policy: unknown option "${key}": remove it or check the spelling`,
      );
  }
  const warnBeforeExpiryDays = options.warnBeforeExpiryDays ?? 30;
  if (!Number.isInteger(warnBeforeExpiryDays) || warnBeforeExpiryDays < 0)
    throw new ConfigurationError(
      "admission policy: warnBeforeExpiryDays must be a whole number ≥ 0 (0 turns expiry warnings off)",
    );
  const timeZoneOffsetMinutes = options.timeZoneOffsetMinutes ?? 480;
  if (!Number.isInteger(timeZoneOffsetMinutes) || timeZoneOffsetMinutes < -720 || timeZoneOffsetMinutes > 840)
    throw new ConfigurationError(
      "admission policy: timeZoneOffsetMinutes must be whole minutes between -720 and 840 (480 is China Standard Time)",
    );
  return Object.freeze({
    blocklist: Object.freeze(resolveBlocklist(options.blocklist)),
    requireProfile: optionalBoolean(options.requireProfile, "requireProfile", true),
    requireTelecomLicence: optionalBoolean(options.requireTelecomLicence, "requireTelecomLicence", true),
    requireIcp: optionalBoolean(options.requireIcp, "requireIcp", false),
    requireBrandAuthorisation: optionalBoolean(
      options.requireBrandAuthorisation,
      "requireBrandAuthorisation",
      true,
    ),
    warnBeforeExpiryDays,
    timeZoneOffsetMinutes,
  });
}

// ---- Evaluation -------------------------------------------------------------------------------------

const AdmissionContextSchema = z
  .object({
    brand: z.string().trim().min(1, "brand must not be empty when given").optional(),
    kind: ProductKindSchema.optional(),
    now: z
      .union([z.number().finite(), z.date()], {
        error: "now must be milliseconds since the epoch or a valid Date",
      })
      .optional(),
  })
  .strict();

const SupplierNameSchema = z
  .string({ error: 'supplier must be the supplier\'s kaquan name, e.g. "fulu"' })
  .trim()
  .min(1, 'supplier must be the supplier\'s kaquan name, e.g. "fulu"');

function toEpoch(now: number | Date): number {
  return typeof now === "number" ? now : now.getTime();
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A rule that throws or answers nonsense refuses the supplier: an unchecked order is worse than none. */
function failClosed(rule: AdmissionRule, supplier: string, fact: string): AdmissionFinding {
  return Object.freeze({
    rule: rule.id,
    severity: "refuse",
    supplier,
    fact,
    message: `Fix admission rule "${rule.id}"; until it runs cleanly the supplier is refused (the policy fails closed).`,
  });
}

function describeThrown(error: unknown): string {
  // A merchant rule's error message may quote anything it touched; only kaquan's own errors are
  // known to be secret-free, so other errors are named by class alone.
  if (isKaquanError(error)) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return error.name;
  return typeof error;
}

function runRule(
  rule: AdmissionRule,
  profile: SupplierProfile | undefined,
  context: RuleContext,
): AdmissionFinding[] {
  let drafts: unknown;
  try {
    drafts = rule.check(profile, context);
  } catch (error) {
    return [failClosed(rule, context.supplier, `rule "${rule.id}" threw ${describeThrown(error)}`)];
  }
  if (!Array.isArray(drafts)) {
    const what =
      drafts instanceof Promise ? "a promise (checks must be synchronous)" : "something other than an array";
    return [failClosed(rule, context.supplier, `rule "${rule.id}" returned ${what}`)];
  }
  const findings: AdmissionFinding[] = [];
  for (const draft of drafts as unknown[]) {
    const candidate = (
      typeof draft === "object" && draft !== null ? draft : {}
    ) as Partial<AdmissionFindingDraft>;
    const wellFormed =
      (candidate.severity === "refuse" || candidate.severity === "warn") &&
      typeof candidate.fact === "string" &&
      candidate.fact.length > 0 &&
      typeof candidate.message === "string" &&
      (candidate.expiresAt === undefined || typeof candidate.expiresAt === "string");
    if (!wellFormed) {
      return [
        failClosed(
          rule,
          context.supplier,
          `rule "${rule.id}" returned a malformed finding (severity must be "refuse" or "warn"; fact and message must be text)`,
        ),
      ];
    }
    findings.push(
      Object.freeze({
        rule: rule.id,
        severity: candidate.severity!,
        supplier: context.supplier,
        fact: candidate.fact!,
        message: candidate.message!,
        ...(candidate.expiresAt !== undefined ? { expiresAt: candidate.expiresAt } : {}),
      }),
    );
  }
  return findings;
}

function decide(supplier: string, findings: readonly AdmissionFinding[]): AdmissionDecision {
  const refusals = Object.freeze(findings.filter((finding) => finding.severity === "refuse"));
  const warnings = Object.freeze(findings.filter((finding) => finding.severity === "warn"));
  return Object.freeze({ supplier, admitted: refusals.length === 0, refusals, warnings });
}

/**
 * Urgency of a finding for the report: its expiry instant, or — for an undated finding — "now"
 * for a refusal (a missing licence is as due as an expired one) and "never" for a warning.
 */
function urgency(finding: AdmissionFinding, offsetMinutes: number): number {
  if (finding.expiresAt !== undefined && parseIsoDate(finding.expiresAt))
    return endOfDayInstant(finding.expiresAt, offsetMinutes);
  return finding.severity === "refuse" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/**
 * Creates an admission policy. `profiles` are validated now (a `ValidationError` names the
 * profile's index and field); a bad option is a `ConfigurationError`.
 *
 * @example
 * const policy = createAdmissionPolicy({ blocklist: [{ legalName: "某某卡盟有限公司", reason: "卡盟" }] }, [
 *   { supplier: "fulu", legalName: "…", telecomLicence: { number: "京B2-20201234", expiresAt: "2027-10-01" } },
 * ]);
 * policy.evaluate("fulu", { brand: "腾讯", kind: "direct" }); // { admitted, refusals, warnings }
 */
export function createAdmissionPolicy(
  options: AdmissionPolicyOptions = {},
  profiles: Iterable<SupplierProfileInput> = [],
): AdmissionPolicy {
  const resolved = resolveOptions(options);
  const rules: readonly AdmissionRule[] = Object.freeze([
    ...builtInAdmissionRules,
    ...resolveRules(options.rules),
  ]);
  const clock: Clock = options.clock ?? { now: () => Date.now() };
  if (typeof clock.now !== "function")
    throw new ConfigurationError("admission policy: clock must be an object with a now() method");
  const stored = new Map<string, SupplierProfile>();

  let index = 0;
  for (const input of profiles) {
    let profile: SupplierProfile;
    try {
      profile = parseSupplierProfile(input);
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error;
      const issues = error.issues.map((issue) => ({
        path: issue.path ? `profiles.${index}.${issue.path}` : `profiles.${index}`,
        message: issue.message,
      }));
      throw new ValidationError(`Invalid supplier profile at profiles[${index}]: ${error.message}`, issues);
    }
    if (stored.has(profile.supplier))
      throw new ConfigurationError(
        `admission policy: two profiles for supplier "${profile.supplier}": pass one per supplier (setProfile replaces one later)`,
      );
    stored.set(profile.supplier, deepFreeze(profile));
    index += 1;
  }

  function evaluateAt(
    supplier: string,
    brand: string | undefined,
    kind: ProductKind | undefined,
    now: number,
  ) {
    const context: RuleContext = Object.freeze({ supplier, brand, kind, now, options: resolved });
    const profile = stored.get(supplier);
    return rules.flatMap((each) => runRule(each, profile, context));
  }

  function resolveNow(now: number | Date | undefined): number {
    return now === undefined ? clock.now() : toEpoch(now);
  }

  return {
    rules,

    evaluate(supplier, context = {}) {
      const name = parseInput(SupplierNameSchema, supplier, "supplier");
      const parsed = parseInput(AdmissionContextSchema, context, "admission context");
      const findings = evaluateAt(name, parsed.brand, parsed.kind, resolveNow(parsed.now));
      return decide(name, findings);
    },

    setProfile(input) {
      const profile = parseSupplierProfile(input);
      stored.set(profile.supplier, deepFreeze(profile));
    },

    profile(supplier) {
      return typeof supplier === "string" ? stored.get(supplier.trim()) : undefined;
    },

    report(now) {
      const at = resolveNow(parseInput(AdmissionContextSchema, { now }, "report time").now);
      const suppliers = new Set<string>(stored.keys());
      for (const entry of resolved.blocklist) if (entry.supplier !== undefined) suppliers.add(entry.supplier);

      const offset = resolved.timeZoneOffsetMinutes;
      const byUrgency = (left: AdmissionFinding, right: AdmissionFinding) =>
        urgency(left, offset) - urgency(right, offset) || 0;
      const decisions = [...suppliers].map((supplier) => {
        // Check each brand the supplier holds an authorisation for, so lapsing 授权书 show up too.
        const brands = new Map<string, string>();
        for (const authorisation of stored.get(supplier)?.brandAuthorisations ?? [])
          if (!brands.has(normaliseBrand(authorisation.brand)))
            brands.set(normaliseBrand(authorisation.brand), authorisation.brand);
        const findings = new Map<string, AdmissionFinding>();
        for (const brand of [undefined, ...brands.values()]) {
          for (const finding of evaluateAt(supplier, brand, undefined, at)) {
            const key = `${finding.rule}\u0000${finding.severity}\u0000${finding.fact}`;
            if (!findings.has(key)) findings.set(key, finding);
          }
        }
        // Array.prototype.sort is stable, so equal urgency keeps rule-table order.
        return decide(supplier, [...findings.values()].sort(byUrgency));
      });

      const decisionUrgency = (decision: AdmissionDecision): number =>
        Math.min(...[...decision.refusals, ...decision.warnings].map((finding) => urgency(finding, offset)));
      const findingCount = (decision: AdmissionDecision) =>
        decision.refusals.length + decision.warnings.length;
      return decisions.sort((left, right) => {
        // Infinity − Infinity is NaN: equal urgency falls through to the next key.
        const difference = decisionUrgency(left) - decisionUrgency(right);
        if (difference !== 0 && !Number.isNaN(difference)) return difference;
        // A supplier with nothing to report comes after every one with a finding.
        if ((findingCount(left) === 0) !== (findingCount(right) === 0))
          return findingCount(left) === 0 ? 1 : -1;
        if (left.admitted !== right.admitted) return left.admitted ? 1 : -1;
        return left.supplier < right.supplier ? -1 : left.supplier > right.supplier ? 1 : 0;
      });
    },
  };
}
