/**
 * The signing kit shared by every adapter: hashes, HMAC, canonicalisers for sorted-parameter
 * signatures, and a comparison that is constant-time and never throws.
 */
import * as crypto from "node:crypto";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export type HashAlgorithm = "md5" | "sha1" | "sha256" | "sha512";
export type Encoding = "hex" | "base64";

/** Hash of the UTF-8 bytes of `input` (or the bytes themselves). */
export function hash(
  algorithm: HashAlgorithm,
  input: string | Uint8Array,
  encoding: Encoding = "hex",
): string {
  return oneShotHash
    ? oneShotHash(algorithm, input, encoding)
    : createHash(algorithm).update(input).digest(encoding);
}

/**
 * `crypto.hash` (Node ≥ 20.12): one call instead of a Hash object per digest, about a third
 * cheaper for the short texts suppliers sign. Read through the namespace so a runtime without it
 * falls back to `createHash` instead of failing to load.
 */
const oneShotHash = (
  crypto as unknown as {
    hash?: (algorithm: string, data: string | Uint8Array, outputEncoding: Encoding) => string;
  }
).hash;

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
  const counted = countCharacters(text);
  const bytes = asciiBytes(counted, 0);
  return bytes.toString("latin1") + (counted.others ?? "");
}

/**
 * The hash of the UTF-8 bytes of `sortCharacters(text) + suffix`, without building that string:
 * the sorted characters are written straight into one buffer with the suffix (Fulu's
 * `md5(sorted + secret)`), which halves the cost of building and re-encoding the text.
 */
export function hashSortedCharacters(
  algorithm: HashAlgorithm,
  text: string,
  suffix: string,
  encoding: Encoding = "hex",
  /** A range of `text` left out, as if it had been cut from the text first. */
  skip?: { from: number; to: number },
): string {
  const counted = countCharacters(text, skip);
  const tail = counted.others === undefined ? suffix : counted.others + suffix;
  const bytes = asciiBytes(counted, Buffer.byteLength(tail, "utf8"));
  if (tail.length > 0) bytes.write(tail, counted.ascii, "utf8");
  const digest = hash(algorithm, bytes, encoding);
  // The suffix is usually a secret and the buffer may come from Node's shared pool: wipe it so
  // a later unsafe allocation cannot hand the secret to other code.
  bytes.fill(0);
  return digest;
}

/** Reused between calls: JavaScript runs one call at a time and nothing here awaits. */
const asciiCounts = new Uint32Array(128);

interface CountedCharacters {
  /** How many ASCII characters; their counts are in {@link asciiCounts}. */
  ascii: number;
  /** The other characters, sorted by code point and joined; undefined when there are none. */
  others: string | undefined;
}

/**
 * Counts the ASCII characters of `text` (outside `skip`) and sorts the rest (rare in what
 * suppliers sign). The range must not split a surrogate pair.
 */
function countCharacters(text: string, skip?: { from: number; to: number }): CountedCharacters {
  const counts = asciiCounts;
  counts.fill(0);
  let ascii = 0;
  let others: string[] | undefined;
  const skipFrom = skip ? skip.from : text.length;
  const skipTo = skip ? skip.to : text.length;
  for (let index = 0; index < text.length; index++) {
    if (index === skipFrom) {
      index = skipTo - 1;
      continue;
    }
    const unit = text.charCodeAt(index);
    if (unit < 128) {
      counts[unit]! += 1;
      ascii += 1;
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
  if (others) others.sort((left, right) => left.codePointAt(0)! - right.codePointAt(0)!);
  return { ascii, others: others?.join("") };
}

/** A buffer holding the counted ASCII characters in order, with `spare` bytes left after them. */
function asciiBytes(counted: CountedCharacters, spare: number): Buffer {
  const counts = asciiCounts;
  const bytes = Buffer.allocUnsafe(counted.ascii + spare);
  let offset = 0;
  for (let unit = 0; unit < 128; unit++) {
    const end = offset + counts[unit]!;
    while (offset < end) bytes[offset++] = unit;
  }
  return bytes;
}
