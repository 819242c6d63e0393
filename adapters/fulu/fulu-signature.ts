/**
 * Fulu's signature (vendor-protocols.md §1.3, four independent SDKs agree): the compact JSON of
 * every public parameter except `sign`, split into characters, sorted ascending, joined, the
 * app secret appended, MD5, lower-case hex. Only the multiset of characters counts, so key order
 * does not matter — but escaping (`\/`, `\uXXXX`), whitespace and number-vs-string types do.
 * kaquan therefore signs the exact JSON text it sends.
 */
import { hashSortedCharacters, safeEqualHex } from "../../src/runtime/signing.js";

/** MD5 over the sorted characters of `text` followed by the app secret. */
export function fuluSign(text: string, appSecret: string): string {
  return hashSortedCharacters("md5", text, appSecret);
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
  return verifyParsedFuluSignedJson(raw, parsed as Record<string, unknown>, appSecret, mode);
}

/**
 * {@link verifyFuluSignedJson} for a body the caller has already parsed (the callback path parses
 * each body once). `parsed` must be the parse of `raw`: only its `sign` member, and in
 * `raw-or-canonical` mode its other members, are read. Never throws.
 */
export function verifyParsedFuluSignedJson(
  raw: string,
  parsed: Readonly<Record<string, unknown>>,
  appSecret: string,
  mode: FuluSignedJsonMode = "raw",
): boolean {
  const sign = parsed.sign;
  if (typeof sign !== "string" || sign.length === 0) return false;
  // Hashed around the member's cut: no copy of the text without it is built.
  const cut = signMemberCut(raw, sign);
  if (cut !== undefined && safeEqualHex(hashSortedCharacters("md5", raw, appSecret, "hex", cut), sign))
    return true;
  if (mode !== "raw-or-canonical") return false;
  const { sign: _sign, ...rest } = parsed;
  return safeEqualHex(fuluSign(JSON.stringify(rest), appSecret), sign);
}

const alphanumeric = /^[0-9A-Za-z]+$/;
/** Every `"sign":"…"` member whose value is letters and digits (a hex digest is). */
const signMember = /"sign"\s*:\s*"([0-9A-Za-z]*)"/g;

/**
 * The raw JSON text with its first `"sign":"<sign>"` member (and one adjoining comma) cut out;
 * only letters and digits of `sign` are matched. The compact form a sender writes is found with
 * `indexOf`; spaced forms fall back to a scan with one precompiled pattern (a pattern built per
 * callback cost more than the signature itself).
 */
export function removeSignMember(raw: string, sign: string): string | undefined {
  const cut = signMemberCut(raw, sign);
  return cut === undefined ? undefined : raw.slice(0, cut.from) + raw.slice(cut.to);
}

/**
 * Where {@link removeSignMember} cuts: the text without the member is `raw` minus `[from, to)`.
 * Verification hashes around the cut instead of building that text.
 */
export function signMemberCut(raw: string, sign: string): { from: number; to: number } | undefined {
  const value = alphanumeric.test(sign) ? sign : sign.replace(/[^0-9A-Za-z]/g, "");
  let start = raw.indexOf('"sign"');
  if (start === -1) return undefined;
  let end: number;
  // The compact form `"sign":"<value>"`, checked in place (no text built per callback).
  const valueAt = start + 8;
  if (
    raw.charCodeAt(start + 6) === 58 /* : */ &&
    raw.charCodeAt(start + 7) === 34 /* " */ &&
    raw.startsWith(value, valueAt) &&
    raw.charCodeAt(valueAt + value.length) === 34
  ) {
    end = start + 9 + value.length;
  } else {
    signMember.lastIndex = 0;
    let match: RegExpExecArray | null = signMember.exec(raw);
    while (match !== null && match[1] !== value) match = signMember.exec(raw);
    if (match === null) return undefined;
    start = match.index;
    end = start + match[0].length;
  }
  // One adjoining comma goes with the member: the one after it (and the space before that comma),
  // or else the one before it (and the space after that comma).
  let after = end;
  while (after < raw.length && isWhitespace(raw.charCodeAt(after))) after += 1;
  if (raw.charCodeAt(after) === 44 /* , */) return { from: start, to: after + 1 };
  let before = start;
  while (before > 0 && isWhitespace(raw.charCodeAt(before - 1))) before -= 1;
  if (before > 0 && raw.charCodeAt(before - 1) === 44) return { from: before - 1, to: end };
  return { from: start, to: end };
}

/** Whether a UTF-16 unit is white space as `\s` and `trimEnd` see it. */
function isWhitespace(unit: number): boolean {
  if (unit <= 32) return unit === 32 || (unit >= 9 && unit <= 13);
  return (
    unit === 0xa0 ||
    unit === 0x1680 ||
    (unit >= 0x2000 && unit <= 0x200a) ||
    unit === 0x2028 ||
    unit === 0x2029 ||
    unit === 0x202f ||
    unit === 0x205f ||
    unit === 0x3000 ||
    unit === 0xfeff
  );
}
