import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { requestFingerprint, stableStringify } from "../../src/client/fingerprint.js";

/**
 * The canonical text as first defined (sorted entries, `undefined` members dropped). Stored
 * fingerprints were computed with it, so the text must stay the same for every input.
 */
function referenceText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceText).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, child]) => child !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${referenceText(child)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

describe("request fingerprint", () => {
  it("writes the same canonical text as the reference for any JSON-like value", () => {
    fc.assert(
      fc.property(
        fc.anything({ withSparseArray: true, withNullPrototype: true, withObjectString: true }),
        (value) => {
          expect(stableStringify(value)).toBe(referenceText(value));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("is SHA-256 hex of that text, whatever the key order", () => {
    const request = { sku: "10000001", merchantOrderId: "F-1", quantity: 1, note: undefined };
    const reordered = { quantity: 1, merchantOrderId: "F-1", sku: "10000001" };
    const expected = createHash("sha256")
      .update('{"merchantOrderId":"F-1","quantity":1,"sku":"10000001"}')
      .digest("hex");
    expect(requestFingerprint(request)).toBe(expected);
    expect(requestFingerprint(reordered)).toBe(expected);
  });

  it("writes holes and undefined array items as nothing, like join", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    expect(stableStringify([1, , undefined, 2])).toBe("[1,,,2]");
    expect(stableStringify({ b: [undefined], a: { d: 1, c: undefined } })).toBe('{"a":{"d":1},"b":[]}');
  });
});
