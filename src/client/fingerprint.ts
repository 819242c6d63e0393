/**
 * The fingerprint of a request: SHA-256 over JSON with object keys sorted, so equal requests
 * fingerprint equally whatever their key order. The same id with another fingerprint is an
 * idempotency conflict, never a second order.
 */
import { createHash } from "node:crypto";

/** SHA-256 (hex) of the request's canonical JSON. */
export function requestFingerprint(request: unknown): string {
  return createHash("sha256").update(stableStringify(request)).digest("hex");
}

/** JSON with object keys sorted and `undefined` members left out. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, child]) => child !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${stableStringify(child)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
