/**
 * The signing kit shared by every adapter: hashes, HMAC, canonicalisers for sorted-parameter
 * signatures, and a comparison that is constant-time and never throws.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export type HashAlgorithm = "md5" | "sha1" | "sha256" | "sha512";
export type Encoding = "hex" | "base64";

/** Hash of the UTF-8 bytes of `input` (or the bytes themselves). */
export function hash(
  algorithm: HashAlgorithm,
  input: string | Uint8Array,
  encoding: Encoding = "hex",
): string {
  return createHash(algorithm).update(input).digest(encoding);
}

/** Lower-case hex MD5 of the UTF-8 bytes of `input`. */
export function md5Hex(input: string | Uint8Array): string {
  return hash("md5", input);
}

/** HMAC of `input` with `key`. */
export function hmac(
  algorithm: HashAlgorithm,
  key: string | Uint8Array,
  input: string | Uint8Array,
  encoding: Encoding = "hex",
): string {
  return createHmac(algorithm, key).update(input).digest(encoding);
}

/**
 * Constant-time string comparison that returns `false` — never throws — for a missing,
 * malformed or wrong-length signature (Node's `timingSafeEqual` throws on a length mismatch,
 * which turns a forged callback into a 500 instead of a rejection).
 */
export function safeEqual(expected: string, received: unknown): boolean {
  if (typeof received !== "string" || typeof expected !== "string") return false;
  const left = Buffer.from(expected, "utf8");
  const right = Buffer.from(received, "utf8");
  if (left.length !== right.length || left.length === 0) {
    // Compare against itself so the failing path costs about the same as the passing one.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** Case-insensitive {@link safeEqual} for hex digests (vendors differ on letter case). */
export function safeEqualHex(expected: string, received: unknown): boolean {
  return typeof received === "string" && safeEqual(expected.toLowerCase(), received.toLowerCase());
}

/** Options for {@link canonicalize}: the recipe of a sorted `k=v&k=v` style signature base. */
export interface CanonicalOptions {
  /** Sort keys by code unit (ASCII order). Default true. */
  sort?: boolean;
  /** Keys to leave out (the signature field itself). Default `["sign"]`. */
  exclude?: readonly string[];
  /** Leave out keys whose value is empty (`""`, `null`, `undefined`). Default true. */
  skipEmpty?: boolean;
  /** Between key and value. Default `=`. */
  keyValueSeparator?: string;
  /** Between pairs. Default `&`. */
  pairSeparator?: string;
  /** Join values only, without keys. Default false. */
  valuesOnly?: boolean;
}

/** Builds a canonical string from a flat parameter map, e.g. `a=1&b=2`. */
export function canonicalize(params: Record<string, unknown>, options: CanonicalOptions = {}): string {
  const exclude = new Set(options.exclude ?? ["sign"]);
  const skipEmpty = options.skipEmpty ?? true;
  let keys = Object.keys(params).filter((key) => !exclude.has(key));
  if (options.sort ?? true) keys = keys.sort();
  const parts: string[] = [];
  for (const key of keys) {
    const value = params[key];
    if (skipEmpty && (value === undefined || value === null || value === "")) continue;
    const text = value === undefined || value === null ? "" : String(value);
    parts.push(options.valuesOnly ? text : `${key}${options.keyValueSeparator ?? "="}${text}`);
  }
  return parts.join(options.pairSeparator ?? "&");
}

/**
 * The characters of `text` sorted by code point and joined again. Fulu signs this. A counting
 * pass over ASCII (nearly all of a request) replaces the O(n log n) comparison sort the vendor
 * SDKs use; the rare non-ASCII characters are sorted separately and placed after all ASCII,
 * which is where code-point order puts them.
 */
export function sortCharacters(text: string): string {
  const counts = new Uint32Array(128);
  let others: string[] | undefined;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 128) {
      counts[unit]! += 1;
      continue;
    }
    others ??= [];
    const point = text.codePointAt(index)!;
    if (point > 0xffff) {
      others.push(String.fromCodePoint(point));
      index += 1;
    } else {
      others.push(text[index]!);
    }
  }
  let ascii = "";
  for (let unit = 0; unit < 128; unit++) {
    const count = counts[unit]!;
    if (count > 0) ascii += String.fromCharCode(unit).repeat(count);
  }
  if (!others) return ascii;
  others.sort((left, right) => left.codePointAt(0)! - right.codePointAt(0)!);
  return ascii + others.join("");
}
