/**
 * Fulu's signature (vendor-protocols.md §1.3, four independent SDKs agree): the compact JSON of
 * every public parameter except `sign`, split into characters, sorted ascending, joined, the
 * app secret appended, MD5, lower-case hex. Only the multiset of characters counts, so key order
 * does not matter — but escaping (`\/`, `\uXXXX`), whitespace and number-vs-string types do.
 * kaquan therefore signs the exact JSON text it sends.
 */
import { md5Hex, safeEqualHex, sortCharacters } from "../../src/runtime/signing.js";

/** MD5 over the sorted characters of `text` followed by the app secret. */
export function fuluSign(text: string, appSecret: string): string {
  return md5Hex(sortCharacters(text) + appSecret);
}

/** Fulu's public request parameters, in the order the vendor SDKs write them (§1.2). */
export interface FuluPublicParameters {
  app_key: string;
  method: string;
  timestamp: string;
  version: string;
  format: string;
  charset: string;
  sign_type: string;
  app_auth_token: string;
  /** The business parameters as a JSON string, not a nested object. */
  biz_content: string;
}

/**
 * Serialises the public parameters once and signs that exact text; the body sent is that text
 * with `sign` appended, so the bytes on the wire are the bytes that were signed.
 * `JSON.stringify` writes neither `\/` nor `\uXXXX` for CJK, matching PHP's
 * `JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES` that the vendor SDKs use.
 */
export function buildFuluRequestBody(
  parameters: FuluPublicParameters,
  appSecret: string,
): { body: string; sign: string } {
  const signed = JSON.stringify(parameters);
  const sign = fuluSign(signed, appSecret);
  return { body: `${signed.slice(0, -1)},"sign":"${sign}"}`, sign };
}

/**
 * Verifies a Fulu response: MD5 over the sorted characters of the `result` string plus the app
 * secret (§1.4). Never throws.
 */
export function verifyFuluResponseSign(result: string, sign: unknown, appSecret: string): boolean {
  return safeEqualHex(fuluSign(result, appSecret), sign);
}

/**
 * How a signed JSON body is checked.
 * - `raw` (default): over the raw text with the `sign` member cut out — the bytes the sender
 *   signed when it serialised the fields and then appended `sign`, as the vendor's code does. A
 *   body re-serialised on the way (spacing, escaping) does not verify.
 * - `raw-or-canonical`: also accepts the fields re-serialised compactly, as the vendor's PHP and
 *   Java code recomputes it (§1.7), for a sender whose body escaping differs from what it signed.
 * Either way the check is keyed by the secret; note that Fulu's character sort makes key order
 * irrelevant by design.
 */
export type FuluSignedJsonMode = "raw" | "raw-or-canonical";

/**
 * Verifies a request or callback body: a JSON object whose `sign` covers the other members.
 * Never throws; a body that is not a JSON object, or has no string `sign`, does not verify.
 */
export function verifyFuluSignedJson(
  raw: string,
  appSecret: string,
  mode: FuluSignedJsonMode = "raw",
): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return false;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return false;
  const { sign, ...rest } = parsed as Record<string, unknown>;
  if (typeof sign !== "string" || sign.length === 0) return false;
  const withoutSign = removeSignMember(raw, sign);
  if (withoutSign !== undefined && safeEqualHex(fuluSign(withoutSign, appSecret), sign)) return true;
  return mode === "raw-or-canonical" && safeEqualHex(fuluSign(JSON.stringify(rest), appSecret), sign);
}

/** The raw JSON text with its `"sign":"…"` member (and one adjoining comma) cut out. */
function removeSignMember(raw: string, sign: string): string | undefined {
  const member = new RegExp(`"sign"\\s*:\\s*"${sign.replace(/[^0-9A-Za-z]/g, "")}"`);
  const match = member.exec(raw);
  if (!match) return undefined;
  const before = raw.slice(0, match.index);
  const after = raw.slice(match.index + match[0].length);
  const trailingComma = /^\s*,/.exec(after);
  if (trailingComma) return before + after.slice(trailingComma[0].length);
  const leadingComma = /,\s*$/.exec(before);
  if (leadingComma) return before.slice(0, leadingComma.index) + after;
  return before + after;
}
