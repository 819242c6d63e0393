/**
 * An access-token cache for OAuth2 suppliers (failure-modes need 16, F20). Tokens are cached per
 * (client id, audience, environment) — Reloadly issues one token per product audience and per
 * environment, and a token for one never works for another — refreshed a little before they
 * expire, and fetched by at most one request at a time however many callers need one: fifty
 * concurrent calls that find the token expired make one token request, not fifty (openfga/js-sdk#332).
 *
 * Tokens are held as {@link Secret}s: the cache, its entries and its errors never print one.
 * A failed fetch is never cached — the next caller tries again — and a 401 drops exactly the token
 * that was refused ({@link TokenCache.invalidate}), so a burst of 401s for one stale token causes
 * one refresh, not one per response.
 */
import { type Clock, Secret } from "../core/index.js";
import { systemClock } from "./clock.js";

/** Which token: one per OAuth client, per audience (product) and per environment. */
export interface TokenKey {
  clientId: string;
  /** The OAuth audience, e.g. `https://topups.reloadly.com`. */
  audience: string;
  /** e.g. `production` or `sandbox`. */
  environment: string;
}

/** What a token fetch returns. */
export interface FetchedToken {
  /** The access token. A plain string is wrapped in a {@link Secret} at once. */
  accessToken: string | Secret<string>;
  /** Lifetime in milliseconds, counted from when the fetch started (the conservative end). */
  expiresInMs: number;
}

/** Fetches a fresh token for `key`. Called by at most one caller per key at a time. */
export type TokenFetcher = (key: TokenKey) => Promise<FetchedToken>;

/** A cached token as callers see it. */
export interface CachedToken {
  readonly token: Secret<string>;
  /** When the token stops working (epoch ms). */
  readonly expiresAtMs: number;
  /** When the cache fetches a replacement (epoch ms): `expiresAtMs` minus the skew. */
  readonly refreshAtMs: number;
}

export interface TokenCacheOptions {
  /** The clock that decides expiry. Default the system clock; `get` may pass another per call. */
  clock?: Clock;
  /**
   * How long before expiry a token is replaced. Default 60 000 ms. A token that lives less than
   * twice the skew is replaced at half its lifetime instead, so a short-lived token is never
   * "always expired" (which would fetch on every call).
   */
  skewMs?: number;
}

/** Per-call options of {@link TokenCache.get}. */
export interface TokenGetOptions {
  /** Stops this caller waiting. The shared fetch carries on for the other callers. */
  signal?: AbortSignal | undefined;
  /** The clock for this call (an adapter passes its context's clock). */
  clock?: Clock | undefined;
}

interface Entry {
  token: Secret<string>;
  expiresAtMs: number;
  refreshAtMs: number;
}

/** The cache key: the three parts joined by a character none of them may contain. */
function keyOf(key: TokenKey): string {
  return `${key.environment}\u0000${key.audience}\u0000${key.clientId}`;
}

/**
 * A token cache. Share one instance between the adapters of one supplier account (e.g. the
 * Reloadly airtime and gift-card adapters) or let each adapter create its own; the key keeps
 * audiences and environments apart either way.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Entry>>();
  readonly #clock: Clock;
  readonly #skewMs: number;

  constructor(options: TokenCacheOptions = {}) {
    const skewMs = options.skewMs ?? 60_000;
    if (!(Number.isFinite(skewMs) && skewMs >= 0)) {
      throw new RangeError("TokenCache: skewMs must be a finite number of milliseconds ≥ 0");
    }
    this.#clock = options.clock ?? systemClock;
    this.#skewMs = skewMs;
  }

  /**
   * A valid token for `key`: the cached one while it is before its refresh time, otherwise a
   * fresh one from `fetch`. Concurrent callers share one fetch. When a refresh fails while the
   * cached token has not actually expired yet (the skew window), the cached token is returned;
   * otherwise the fetch's error is thrown and nothing is cached.
   */
  async get(key: TokenKey, fetch: TokenFetcher, options: TokenGetOptions = {}): Promise<Secret<string>> {
    return (await this.getEntry(key, fetch, options)).token;
  }

  /** Like {@link get}, with the token's expiry and refresh times. */
  async getEntry(key: TokenKey, fetch: TokenFetcher, options: TokenGetOptions = {}): Promise<CachedToken> {
    const clock = options.clock ?? this.#clock;
    const id = keyOf(key);
    const cached = this.#entries.get(id);
    const now = clock.now();
    if (cached && now < cached.refreshAtMs) return { ...cached };
    let shared = this.#inflight.get(id);
    if (!shared) {
      shared = this.#refresh(id, key, fetch, clock);
      this.#inflight.set(id, shared);
      const clear = () => {
        if (this.#inflight.get(id) === shared) this.#inflight.delete(id);
      };
      shared.then(clear, clear);
    }
    try {
      return { ...(await waitFor(shared, options.signal)) };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // The refresh failed. A token inside its skew window still works: use it until it expires.
      const current = this.#entries.get(id);
      if (current && clock.now() < current.expiresAtMs) return { ...current };
      throw error;
    }
  }

  async #refresh(id: string, key: TokenKey, fetch: TokenFetcher, clock: Clock): Promise<Entry> {
    const startedAt = clock.now();
    const fetched = await fetch({ ...key });
    const lifetime = fetched.expiresInMs;
    if (!(Number.isFinite(lifetime) && lifetime > 0)) {
      throw new RangeError("TokenCache: the token fetch returned no positive lifetime (expiresInMs)");
    }
    const token = Secret.isSecret(fetched.accessToken)
      ? (fetched.accessToken as Secret<string>)
      : new Secret(fetched.accessToken as string);
    const value: unknown = token.reveal();
    if (typeof value !== "string" || value.length === 0) {
      throw new RangeError("TokenCache: the token fetch returned an empty access token");
    }
    const lead = Math.min(this.#skewMs, lifetime / 2);
    const entry: Entry = {
      token,
      expiresAtMs: startedAt + lifetime,
      refreshAtMs: startedAt + lifetime - lead,
    };
    this.#entries.set(id, entry);
    return entry;
  }

  /**
   * Drops the cached token for `key` — for a 401. Pass the token that was refused: when the
   * cache already holds a newer one (another caller refreshed meanwhile), nothing is dropped, so
   * many 401s for one stale token lead to one refresh. A fetch in flight is never cancelled.
   * Returns true when a token was dropped.
   */
  invalidate(key: TokenKey, refused?: Secret<string>): boolean {
    const id = keyOf(key);
    const cached = this.#entries.get(id);
    if (!cached) return false;
    if (refused !== undefined && cached.token !== refused) return false;
    this.#entries.delete(id);
    return true;
  }

  /** Drops every cached token (fetches in flight finish and are cached). */
  clear(): void {
    this.#entries.clear();
  }

  /** How many tokens are cached. */
  get size(): number {
    return this.#entries.size;
  }

  toJSON(): Record<string, unknown> {
    return { tokens: this.#entries.size };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `TokenCache { tokens: ${this.#entries.size} }`;
  }
}

/** Creates a {@link TokenCache}. */
export function createTokenCache(options: TokenCacheOptions = {}): TokenCache {
  return new TokenCache(options);
}

/** Resolves with `promise`, or rejects with the signal's reason when it aborts first. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
