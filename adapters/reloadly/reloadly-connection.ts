/**
 * One authenticated request to a Reloadly product API: per-endpoint client-side rate limits, a
 * cached bearer token (one per client, audience and environment), the versioned `Accept` header,
 * and the 401 rule of failure-modes need 16 — refresh once and send again only when that is
 * provably safe: always for a read, and for an order only when the 401 is the authentication
 * filter's own refusal (nothing was processed). Vendor errors come back classified, not thrown;
 * transport failures and unreadable answers are thrown as *not sent* / *sent, no answer*.
 */
import {
  AbortedError,
  type AdapterContext,
  AuthenticationError,
  type HttpResponse,
  KaquanError,
  type KaquanErrorOptions,
  NotSentError,
  type Secret,
} from "../../src/core/index.js";
import { parseRetryAfter, unreadableResponseError } from "../../src/runtime/http-failures.js";
import { tryParseJson } from "../../src/runtime/json.js";
import { lookup } from "../../src/runtime/table-lookup.js";
import type { FetchedToken, TokenCache, TokenKey } from "../../src/runtime/token-cache.js";
import {
  classifyVendorError,
  type VendorErrorMeaning,
  type VendorErrorTable,
  vendorError,
} from "../../src/runtime/vendor-errors.js";
import {
  buildReloadlyTokenRequest,
  isReloadlyAuthRejection,
  RELOADLY_ACCEPT,
  type ReloadlyProduct,
  readReloadlyTokenResponse,
} from "./reloadly-auth.js";
import { reloadlyErrorSchema } from "./reloadly-wire.js";

/**
 * The endpoints a client-side rate limit can be set for (failure-modes F27). Reloadly's numeric
 * limits are unpublished [?], so none is assumed.
 */
export type ReloadlyEndpoint =
  | "token"
  | "balance"
  | "operators"
  | "operator"
  | "autoDetect"
  | "fxRate"
  | "topup"
  | "topupStatus"
  | "topupReports"
  | "products"
  | "product"
  | "order"
  | "redeemCodes"
  | "giftcardReports";

export const reloadlyEndpoints: readonly ReloadlyEndpoint[] = [
  "token",
  "balance",
  "operators",
  "operator",
  "autoDetect",
  "fxRate",
  "topup",
  "topupStatus",
  "topupReports",
  "products",
  "product",
  "order",
  "redeemCodes",
  "giftcardReports",
];

/** Anything with `acquire`, e.g. `createTokenBucket({ requestsPerSecond: 5 })` from kaquan. */
export interface ReloadlyRateLimiter {
  acquire(signal?: AbortSignal): Promise<void>;
}

/** One request to a product API. */
export interface ReloadlyCall {
  endpoint: ReloadlyEndpoint;
  method: "GET" | "POST";
  /** Path and query, starting with `/`. */
  path: string;
  /** JSON text, sent byte for byte. */
  body?: string;
  /** Whether the request may change state at Reloadly (an order): it decides the 401 rule. */
  write?: boolean;
  merchantOrderId?: string;
}

/** What Reloadly answered: the parsed body, or a classified vendor error (not yet thrown). */
export type ReloadlyAnswer =
  | { ok: true; status: number; body: unknown }
  | {
      ok: false;
      status: number;
      vendorCode: string | undefined;
      meaning: VendorErrorMeaning | undefined;
      error: KaquanError;
    };

export interface ReloadlyConnectionConfig {
  supplier: string;
  product: ReloadlyProduct;
  environment: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  apiUrl: string;
  authUrl: string;
  tokenCache: TokenCache;
  errorTable: VendorErrorTable;
  retryAfterMs: Readonly<Record<string, number>>;
  rateLimits: Partial<Record<ReloadlyEndpoint, ReloadlyRateLimiter>>;
}

export interface ReloadlyConnection {
  /** Sends one request (twice at most, after a 401), and reads the answer. */
  call(request: ReloadlyCall, context: AdapterContext): Promise<ReloadlyAnswer>;
}

export function createReloadlyConnection(config: ReloadlyConnectionConfig): ReloadlyConnection {
  const { supplier } = config;
  const tokenKey: TokenKey = {
    clientId: config.clientId,
    audience: config.audience,
    environment: config.environment,
  };
  const apiUrl = config.apiUrl.replace(/\/+$/, "");

  async function acquire(endpoint: ReloadlyEndpoint, context: AdapterContext): Promise<void> {
    await config.rateLimits[endpoint]?.acquire(context.signal);
  }

  /**
   * One token request, shared by every caller waiting for a token: it runs without any one
   * caller's abort signal (a caller that gives up stops waiting; the others still get the token),
   * bounded by the transport's own deadline.
   */
  async function fetchToken(context: AdapterContext): Promise<FetchedToken> {
    await config.rateLimits.token?.acquire();
    const response = await context.http.send(
      buildReloadlyTokenRequest({
        authUrl: config.authUrl,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        audience: config.audience,
      }),
    );
    const token = readReloadlyTokenResponse(response, {
      supplier,
      nowMs: context.clock.now(),
      audience: config.audience,
    });
    context.logger.debug(
      {
        supplier,
        audience: config.audience,
        environment: config.environment,
        expiresInMs: token.expiresInMs,
      },
      "reloadly access token issued",
    );
    return token;
  }

  /** A token, or an error that says the request itself was never sent. */
  async function token(call: ReloadlyCall, context: AdapterContext): Promise<Secret<string>> {
    try {
      return await config.tokenCache.get(tokenKey, () => fetchToken(context), {
        signal: context.signal,
        clock: context.clock,
      });
    } catch (error) {
      if (context.signal?.aborted) {
        throw new AbortedError(`${supplier} ${call.endpoint}: aborted while waiting for an access token`, {
          supplier,
          merchantOrderId: call.merchantOrderId,
        });
      }
      // Refused credentials and throttling keep their meaning; anything else (no answer, an
      // unreadable token) happened to the token request only: the call itself was not sent.
      if (KaquanError.isInstance(error) && ["rejected", "throttled", "local"].includes(error.failureClass)) {
        throw error;
      }
      const reason = KaquanError.isInstance(error) ? error.message : "the token request failed";
      throw new NotSentError(
        `${supplier} ${call.endpoint}: no access token (${reason}); the request itself was not sent`,
        { supplier, merchantOrderId: call.merchantOrderId },
      );
    }
  }

  async function send(call: ReloadlyCall, bearer: Secret<string>, context: AdapterContext) {
    await acquire(call.endpoint, context);
    const headers: Record<string, string> = {
      accept: RELOADLY_ACCEPT[config.product],
      authorization: `Bearer ${bearer.reveal()}`,
    };
    if (call.body !== undefined) headers["content-type"] = "application/json";
    return context.http.send(
      {
        method: call.method,
        url: `${apiUrl}${call.path}`,
        headers,
        ...(call.body !== undefined ? { body: call.body } : {}),
        operation: `reloadly.${call.endpoint}`,
      },
      { signal: context.signal },
    );
  }

  function errorOptions(
    call: ReloadlyCall,
    response: HttpResponse,
  ): KaquanErrorOptions & { operation: string } {
    return {
      supplier,
      operation: call.endpoint,
      merchantOrderId: call.merchantOrderId,
      httpStatus: response.status,
      requestId: response.headers["x-request-id"],
    };
  }

  function refused(call: ReloadlyCall, response: HttpResponse): AuthenticationError {
    const parsed = reloadlyErrorSchema.safeParse(tryParseJson(response.text));
    return new AuthenticationError(
      `${supplier} ${call.endpoint}: the access token was refused again after a refresh; check that the credentials belong to the ${config.environment} environment and that the audience ${config.audience} is this product's (a token for one product or environment is refused by another)`,
      {
        ...errorOptions(call, response),
        vendorCode: parsed.success ? parsed.data.errorCode : undefined,
        vendorMessage: parsed.success ? parsed.data.message : undefined,
      },
    );
  }

  function read(call: ReloadlyCall, response: HttpResponse, context: AdapterContext): ReloadlyAnswer {
    const nowMs = context.clock.now();
    const unreadable = (reason: string) =>
      unreadableResponseError(response, {
        supplier,
        operation: call.endpoint,
        nowMs,
        reason,
        merchantOrderId: call.merchantOrderId,
      });
    if (response.status >= 200 && response.status < 300) {
      if (response.text.trim() === "") return { ok: true, status: response.status, body: undefined };
      const body = tryParseJson(response.text);
      if (body === undefined) throw unreadable("a body that is not JSON");
      return { ok: true, status: response.status, body };
    }
    if (response.status === 429) throw unreadable("a rate-limit answer");
    const parsed = reloadlyErrorSchema.safeParse(tryParseJson(response.text));
    const vendorCode = parsed.success ? parsed.data.errorCode : undefined;
    const vendorMessage = parsed.success ? parsed.data.message : undefined;
    const meaning = classifyVendorError(config.errorTable, vendorCode, vendorMessage);
    // A 5xx, an HTML page or any body that is not Reloadly's error is *sent, no answer*, unless it
    // names a known error; a 404 is handed back (an unknown operator, product or transaction) when
    // it is Reloadly's own answer, with an error code or message: a bare 404 from a proxy or a
    // gateway proves nothing, and "not found" would fail an order or allow a re-send.
    const reloadlyError =
      parsed.success &&
      [vendorCode, vendorMessage, parsed.data.error].some((field) => field !== undefined && field !== "");
    const readable = response.status === 404 ? reloadlyError : parsed.success;
    if (meaning === undefined && (response.status >= 500 || !readable)) {
      throw unreadable("a body that is not Reloadly's error");
    }
    const retryAfterMs =
      lookup(config.retryAfterMs, vendorCode) ?? parseRetryAfter(response.headers["retry-after"], nowMs);
    const error = vendorError(meaning, {
      ...errorOptions(call, response),
      vendorCode,
      vendorMessage,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
    return { ok: false, status: response.status, vendorCode, meaning, error };
  }

  return {
    async call(call, context) {
      let bearer = await token(call, context);
      let response = await send(call, bearer, context);
      if (response.status !== 401) return read(call, response, context);
      const proven = isReloadlyAuthRejection(response);
      if (call.write && !proven) {
        // A 401 that is not the auth filter's refusal proves nothing for an order: unknown outcome.
        throw unreadableResponseError(response, {
          supplier,
          operation: call.endpoint,
          nowMs: context.clock.now(),
          reason: "a 401 that is not Reloadly's authentication error",
          merchantOrderId: call.merchantOrderId,
        });
      }
      // Expired or revoked: drop exactly this token (others may have refreshed it already) and
      // send once more with a fresh one.
      config.tokenCache.invalidate(tokenKey, bearer);
      bearer = await token(call, context);
      response = await send(call, bearer, context);
      if (response.status !== 401) return read(call, response, context);
      if (call.write && !isReloadlyAuthRejection(response)) {
        throw unreadableResponseError(response, {
          supplier,
          operation: call.endpoint,
          nowMs: context.clock.now(),
          reason: "a 401 that is not Reloadly's authentication error",
          merchantOrderId: call.merchantOrderId,
        });
      }
      config.tokenCache.invalidate(tokenKey, bearer);
      throw refused(call, response);
    },
  };
}
