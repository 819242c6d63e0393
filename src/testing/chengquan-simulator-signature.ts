/**
 * The 橙券 Chengquan signature, written by hand for the simulator from the vendor's description
 * (vendor-protocols.md §9; javareact/chengquan-openapi `src/Tools/Sign.php` and
 * `src/Client.php`). The adapter implements the same scheme independently, so the simulator
 * is a genuine cross-check of it rather than a copy:
 *
 * 1. drop `sign`;
 * 2. sort the remaining keys by their bytes (PHP `ksort($p, SORT_STRING)` compares with
 *    `strcmp`, which is UTF-8 byte order — not JavaScript's UTF-16 code-unit order, which
 *    differs for keys beyond the Basic Multilingual Plane);
 * 3. skip every value that is `''` or `null` (the SDK compares with `===`, so `"0"` stays);
 * 4. join `k=v` with `&`, then append `&key=APP_KEY` — even when nothing came before it, which
 *    gives `&key=APP_KEY` for a call without parameters;
 * 5. upper-case hex MD5 of the UTF-8 bytes.
 *
 * Values are signed as the merchant meant them, i.e. *decoded*: the SDK signs its array and
 * Guzzle then URL-encodes it (`http_build_query`, RFC 1738: space as `+`, `+` as `%2B`). A
 * verifier must therefore decode the query string form-style before checking; a client that
 * sends a raw `+` meant as a plus sign has it read as a space and fails (failure-modes F5, F17).
 *
 * Golden vector (javareact/chengquan-openapi `tests/SignTest.php`, a callback of 话费充值): the
 * fields `order_no=1578471536, state=SUCCESS, app_id=15020190001, timestamp=1578471759938` sign
 * to `9FA0E855DB258C1CBA8DFD7DC79A4C06` with the test-environment APP_KEY published in public
 * integration code (a Java demo's `ChengquanDevEnv`). kaquan's tests check it.
 */
import { md5Hex, safeEqual } from "../runtime/signing.js";

/** A parameter value as a signer sees it; `undefined` and `null` are left out like `''`. */
export type ChengquanParameterValue = string | number | bigint | null | undefined;

/** Byte-wise (UTF-8) comparison of two keys, PHP `strcmp` order. */
function compareBytes(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, "utf8"), Buffer.from(right, "utf8"));
}

function text(value: ChengquanParameterValue): string | undefined {
  if (value === undefined || value === null) return undefined;
  const result = String(value);
  return result === "" ? undefined : result;
}

/**
 * The string Chengquan hashes, `k=v&k=v&key=APP_KEY` (without the key it is the "base").
 * `sign` is never part of it.
 */
export function chengquanSignatureBase(
  params: Readonly<Record<string, ChengquanParameterValue>>,
  appKey: string,
): string {
  const pairs: string[] = [];
  for (const key of Object.keys(params)
    .filter((name) => name !== "sign")
    .sort(compareBytes)) {
    const value = text(params[key]);
    if (value !== undefined) pairs.push(`${key}=${value}`);
  }
  return `${pairs.join("&")}&key=${appKey}`;
}

/** `UPPER(md5(base))`: the Chengquan signature of `params` (their `sign`, if any, is ignored). */
export function chengquanSign(
  params: Readonly<Record<string, ChengquanParameterValue>>,
  appKey: string,
): string {
  return md5Hex(chengquanSignatureBase(params, appKey)).toUpperCase();
}

/**
 * Whether `params.sign` is the signature of the other parameters. Like the SDK's `verifySign`,
 * a missing or empty `sign` is false and the comparison is case-sensitive (upper-case hex). The
 * comparison is constant-time and never throws.
 */
export function verifyChengquanSign(
  params: Readonly<Record<string, ChengquanParameterValue>>,
  appKey: string,
): boolean {
  const received = params.sign;
  if (typeof received !== "string" || received.length === 0) return false;
  return safeEqual(chengquanSign(params, appKey), received);
}

/**
 * Decodes a query string or `application/x-www-form-urlencoded` body the way PHP fills `$_GET`
 * and `$_POST`: `+` is a space, `%XX` sequences are UTF-8 bytes, and a repeated key keeps its
 * last value. A leading `?` is ignored.
 */
export function parseChengquanParameters(encoded: string): Record<string, string> {
  const result: Record<string, string> = {};
  const source = encoded.startsWith("?") ? encoded.slice(1) : encoded;
  for (const [key, value] of new URLSearchParams(source)) result[key] = value;
  return result;
}

/**
 * Encodes parameters as a query string or form body (RFC 1738 form encoding, as PHP's
 * `http_build_query` and `URLSearchParams` both do). `undefined` and `null` values are left out;
 * empty strings are kept (they travel, but are not signed).
 */
export function encodeChengquanParameters(params: Readonly<Record<string, ChengquanParameterValue>>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    search.append(key, String(value));
  }
  return search.toString();
}
