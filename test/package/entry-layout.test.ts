/**
 * The root export holds what a merchant needs to place orders; callbacks, routing and adapter
 * machinery live in their own subpaths so that the core stays small (bench: startup-size). A name
 * exported from two entries would load both; a moved name back in the root would grow the core.
 */

import type { ProxyOptions as RootProxyOptions } from "kaquan";
import * as root from "kaquan";
import type { AesMode as AdapterKitAesMode, AesOptions as AdapterKitAesOptions } from "kaquan/adapter-kit";
import * as adapterKit from "kaquan/adapter-kit";
import * as callbacks from "kaquan/callbacks";
import * as routing from "kaquan/routing";
import { describe, expect, it } from "vitest";

const entries: Record<string, Record<string, unknown>> = {
  kaquan: root,
  "kaquan/callbacks": callbacks,
  "kaquan/routing": routing,
  "kaquan/adapter-kit": adapterKit,
};

describe("the package's entries", () => {
  it("export no name from two entries", () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const [entry, exports] of Object.entries(entries)) {
      for (const name of Object.keys(exports)) {
        const other = seen.get(name);
        if (other) twice.push(`${name} (${other} and ${entry})`);
        seen.set(name, entry);
      }
    }
    expect(twice).toEqual([]);
  });

  it.each([
    [
      "kaquan/callbacks",
      ["createCallbackHandler", "createStatusPoller", "nodeCallbackListener", "MemoryEventClaimStore"],
    ],
    ["kaquan/routing", ["createSupplierRouter", "createStockCache", "MemoryRouteStore"]],
    ["kaquan/adapter-kit", ["defineSignedFormAdapter", "TokenCache", "sortCharacters", "parseJsonLossless"]],
  ])("%s holds its own names, and the root does not", (entry, names) => {
    for (const name of names) {
      expect(entries[entry]![name], `${entry} exports ${name}`).toBeDefined();
      expect(root, `the root does not export ${name}`).not.toHaveProperty(name);
    }
  });

  it("the types an entry's functions take are named by the same entry (checked by the type check)", () => {
    // A function whose options type no entry exports cannot be wrapped with a typed helper.
    const aes: AdapterKitAesOptions = {
      key: Buffer.from("0123456789abcdef"),
      mode: "ecb" satisfies AdapterKitAesMode,
    };
    const transport: RootProxyOptions = { host: "127.0.0.1", port: 3128 };
    expect(adapterKit.aesDecryptBase64(adapterKit.aesEncryptBase64("卡密", aes), aes)).toBe("卡密");
    expect(() => root.createHttpTransport({ proxy: transport }).close()).not.toThrow();
  });

  it("the root keeps what placing an order needs", () => {
    for (const name of [
      "createSupplierClient",
      "MemoryIdempotencyStore",
      "createHttpTransport",
      "money",
      "hash",
    ])
      expect(root).toHaveProperty(name);
  });
});
