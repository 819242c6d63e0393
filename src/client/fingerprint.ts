/**
 * The fingerprint of a request: SHA-256 over JSON with object keys sorted, so equal requests
 * fingerprint equally whatever their key order. The same id with another fingerprint is an
 * idempotency conflict, never a second order.
 */
import { hash } from "../runtime/signing.js";

/** SHA-256 (hex) of the request's canonical JSON. */
export function requestFingerprint(request: unknown): string {
  // `hash` is the one-shot digest where the runtime has it: the same bytes as `createHash`.
  return hash("sha256", stableStringify(request));
}

/**
 * JSON with object keys sorted and `undefined` members left out. Fingerprints are stored with
 * each record, so this text must never change for a given request: a different text for the
 * same request would turn a retry into an idempotency conflict. It is built with plain loops
 * (one pass, no intermediate entry arrays): it runs on every placement.
 */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) {
    let text = "[";
    for (let index = 0; index < value.length; index++) {
      if (index > 0) text += ",";
      // A hole, `undefined` or a function is written as nothing, as `Array.prototype.join` does.
      if (index in value) text += (stableStringify(value[index]) as string | undefined) ?? "";
    }
    return `${text}]`;
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, the same order as `<` on strings.
    const keys = Object.keys(record).sort();
    let text = "{";
    let first = true;
    for (const key of keys) {
      const child = record[key];
      if (child === undefined) continue;
      if (!first) text += ",";
      first = false;
      text += `${JSON.stringify(key)}:${stableStringify(child)}`;
    }
    return `${text}}`;
  }
  return JSON.stringify(value);
}
