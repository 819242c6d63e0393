import { inspect } from "node:util";
import { Secret } from "kaquan";
import { describe, expect, it } from "vitest";
import { createTokenCache, type FetchedToken, type TokenKey } from "../../src/runtime/token-cache.js";

const key: TokenKey = {
  clientId: "client-1",
  audience: "https://topups.reloadly.com",
  environment: "sandbox",
};

function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A fetcher that counts calls and hands out token-1, token-2, … after an optional pause. */
function countingFetcher(options: { lifetimeMs?: number; delayMs?: number; fail?: () => boolean } = {}) {
  let calls = 0;
  const fetch = async (): Promise<FetchedToken> => {
    calls += 1;
    const issued = calls;
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (options.fail?.()) throw new Error("token endpoint unavailable");
    return { accessToken: `token-${issued}`, expiresInMs: options.lifetimeMs ?? 3_600_000 };
  };
  return { fetch, calls: () => calls };
}

describe("TokenCache", () => {
  it("50 concurrent callers with an expired token make exactly one fetch", async () => {
    const clock = manualClock();
    const cache = createTokenCache({ clock, skewMs: 60_000 });
    const fetcher = countingFetcher({ lifetimeMs: 600_000, delayMs: 10 });
    expect((await cache.get(key, fetcher.fetch)).reveal()).toBe("token-1");
    clock.advance(600_001); // expired
    const tokens = await Promise.all(Array.from({ length: 50 }, () => cache.get(key, fetcher.fetch)));
    expect(fetcher.calls()).toBe(2);
    expect(new Set(tokens.map((token) => token.reveal()))).toEqual(new Set(["token-2"]));
  });

  it("reuses a valid token and refreshes it before it expires (expiry minus the skew)", async () => {
    const clock = manualClock();
    const cache = createTokenCache({ clock, skewMs: 60_000 });
    const fetcher = countingFetcher({ lifetimeMs: 600_000 });
    const first = await cache.getEntry(key, fetcher.fetch);
    expect(first.expiresAtMs - first.refreshAtMs).toBe(60_000);
    clock.advance(539_999);
    expect((await cache.get(key, fetcher.fetch)).reveal()).toBe("token-1");
    expect(fetcher.calls()).toBe(1);
    clock.advance(1); // at expiry − skew: replaced although the old one still works
    expect((await cache.get(key, fetcher.fetch)).reveal()).toBe("token-2");
    expect(fetcher.calls()).toBe(2);
  });

  it("replaces a token shorter-lived than twice the skew at half its lifetime", async () => {
    const clock = manualClock();
    const cache = createTokenCache({ clock, skewMs: 60_000 });
    const fetcher = countingFetcher({ lifetimeMs: 30_000 });
    await cache.get(key, fetcher.fetch);
    clock.advance(14_999);
    await cache.get(key, fetcher.fetch);
    expect(fetcher.calls()).toBe(1);
    clock.advance(1);
    await cache.get(key, fetcher.fetch);
    expect(fetcher.calls()).toBe(2);
  });

  it("does not cache a failed refresh: every caller of that round fails, the next call fetches again", async () => {
    const clock = manualClock();
    const cache = createTokenCache({ clock });
    let failing = true;
    const fetcher = countingFetcher({ delayMs: 5, fail: () => failing });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => cache.get(key, fetcher.fetch)));
    expect(results.every((result) => result.status === "rejected")).toBe(true);
    expect(fetcher.calls()).toBe(1);
    expect(cache.size).toBe(0);
    failing = false;
    expect((await cache.get(key, fetcher.fetch)).reveal()).toBe("token-2");
    expect(fetcher.calls()).toBe(2);
  });

  it("keeps serving a token inside its skew window when the early refresh fails", async () => {
    const clock = manualClock();
    const cache = createTokenCache({ clock, skewMs: 60_000 });
    let failing = false;
    const fetcher = countingFetcher({ lifetimeMs: 600_000, fail: () => failing });
    await cache.get(key, fetcher.fetch);
    failing = true;
    clock.advance(550_000); // in the skew window: a refresh is due but the token still works
    expect((await cache.get(key, fetcher.fetch)).reveal()).toBe("token-1");
    clock.advance(50_000); // now really expired
    await expect(cache.get(key, fetcher.fetch)).rejects.toThrow("token endpoint unavailable");
  });

  it("invalidate drops the refused token once; later 401s for the same stale token are no-ops", async () => {
    const cache = createTokenCache({ clock: manualClock() });
    const fetcher = countingFetcher();
    const stale = await cache.get(key, fetcher.fetch);
    expect(cache.invalidate(key, stale)).toBe(true);
    const fresh = await cache.get(key, fetcher.fetch);
    expect(fresh.reveal()).toBe("token-2");
    expect(cache.invalidate(key, stale)).toBe(false);
    expect((await cache.get(key, fetcher.fetch)).reveal()).toBe("token-2");
    expect(cache.invalidate(key)).toBe(true);
    expect((await cache.get(key, fetcher.fetch)).reveal()).toBe("token-3");
    expect(fetcher.calls()).toBe(3);
  });

  it("50 concurrent 401s for one stale token refresh once", async () => {
    const cache = createTokenCache({ clock: manualClock() });
    const fetcher = countingFetcher({ delayMs: 5 });
    const stale = await cache.get(key, fetcher.fetch);
    const fresh = await Promise.all(
      Array.from({ length: 50 }, async () => {
        cache.invalidate(key, stale);
        return cache.get(key, fetcher.fetch);
      }),
    );
    expect(fetcher.calls()).toBe(2);
    expect(new Set(fresh.map((token) => token.reveal()))).toEqual(new Set(["token-2"]));
  });

  it("keeps audiences, environments and clients apart", async () => {
    const cache = createTokenCache({ clock: manualClock() });
    const fetcher = countingFetcher();
    const keys: TokenKey[] = [
      key,
      { ...key, audience: "https://giftcards.reloadly.com" },
      { ...key, environment: "production" },
      { ...key, clientId: "client-2" },
    ];
    const tokens = await Promise.all(keys.map((each) => cache.get(each, fetcher.fetch)));
    expect(new Set(tokens.map((token) => token.reveal())).size).toBe(4);
    expect(cache.size).toBe(4);
    expect((await cache.get(keys[1]!, fetcher.fetch)).reveal()).toBe(tokens[1]!.reveal());
  });

  it("an aborted caller stops waiting without cancelling the shared fetch", async () => {
    const cache = createTokenCache({ clock: manualClock() });
    const fetcher = countingFetcher({ delayMs: 20 });
    const controller = new AbortController();
    const aborted = cache.get(key, fetcher.fetch, { signal: controller.signal });
    const patient = cache.get(key, fetcher.fetch);
    controller.abort(new Error("caller gave up"));
    await expect(aborted).rejects.toThrow("caller gave up");
    expect((await patient).reveal()).toBe("token-1");
    expect(fetcher.calls()).toBe(1);
  });

  it("never prints a token", async () => {
    const cache = createTokenCache({ clock: manualClock() });
    const token = await cache.get(key, async () => ({
      accessToken: "SENTINEL-TOKEN-VALUE",
      expiresInMs: 60_000,
    }));
    expect(Secret.isSecret(token)).toBe(true);
    for (const printed of [
      inspect(cache, { depth: 10, showHidden: true }),
      JSON.stringify(cache),
      String(token),
      JSON.stringify({ token }),
      inspect(await cache.getEntry(key, async () => ({ accessToken: "x", expiresInMs: 1 })), { depth: 5 }),
    ]) {
      expect(printed).not.toContain("SENTINEL-TOKEN-VALUE");
    }
  });

  it("refuses a token without a lifetime or value, and a bad skew", async () => {
    const cache = createTokenCache({ clock: manualClock() });
    await expect(cache.get(key, async () => ({ accessToken: "t", expiresInMs: 0 }))).rejects.toThrow(
      RangeError,
    );
    await expect(cache.get(key, async () => ({ accessToken: "", expiresInMs: 1000 }))).rejects.toThrow(
      RangeError,
    );
    expect(cache.size).toBe(0);
    expect(() => createTokenCache({ skewMs: -1 })).toThrow(RangeError);
  });
});
