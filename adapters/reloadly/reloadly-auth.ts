/**
 * Reloadly authentication (vendor-protocols.md §2.1): OAuth2 client credentials against
 * `https://auth.reloadly.com/oauth/token`, one token per product *audience* (the product's base
 * URL) and per environment. A token for airtime is refused by the gift-card API, and a sandbox
 * token by production ("Full authentication is required", failure-modes need 16).
 */
import {
  AuthenticationError,
  type HttpRequest,
  type HttpResponse,
  type KaquanError,
  MalformedPayloadError,
} from "../../src/core/index.js";
import { unreadableResponseError } from "../../src/runtime/http-failures.js";
import { tryParseJson } from "../../src/runtime/json.js";
import type { FetchedToken } from "../../src/runtime/token-cache.js";
import { reloadlyAuthRejectionCodes, reloadlyAuthRejectionMessage } from "./reloadly-tables.js";
import { reloadlyErrorSchema, reloadlyTokenSchema } from "./reloadly-wire.js";

/** The two Reloadly products kaquan sells through. */
export type ReloadlyProduct = "airtime" | "giftcards";
export type ReloadlyEnvironment = "production" | "sandbox";

/** The token endpoint's origin; the path is `/oauth/token`. The same host serves both environments. */
export const RELOADLY_AUTH_URL = "https://auth.reloadly.com";

/** Product base URLs per environment. They are also the token audiences (§2.1) [H]. */
export const RELOADLY_API_URLS: Readonly<
  Record<ReloadlyProduct, Readonly<Record<ReloadlyEnvironment, string>>>
> = {
  airtime: {
    production: "https://topups.reloadly.com",
    sandbox: "https://topups-sandbox.reloadly.com",
  },
  giftcards: {
    production: "https://giftcards.reloadly.com",
    sandbox: "https://giftcards-sandbox.reloadly.com",
  },
};

/** The versioned media type each product expects in `Accept` (§2.1) [H]. */
export const RELOADLY_ACCEPT: Readonly<Record<ReloadlyProduct, string>> = {
  airtime: "application/com.reloadly.topups-v1+json",
  giftcards: "application/com.reloadly.giftcards-v1+json",
};

/**
 * The documented audience of a product in an environment: its base URL. The Java SDK uses
 * `https://topups-hs256[-sandbox].reloadly.com` for airtime instead [M]; pass `audience` to the
 * adapter if your account needs that style.
 */
export function reloadlyAudience(product: ReloadlyProduct, environment: ReloadlyEnvironment): string {
  return RELOADLY_API_URLS[product][environment];
}

/** Builds the token request. The body carries the client secret: it is never logged. */
export function buildReloadlyTokenRequest(parameters: {
  authUrl: string;
  clientId: string;
  clientSecret: string;
  audience: string;
}): HttpRequest {
  return {
    method: "POST",
    url: `${parameters.authUrl.replace(/\/+$/, "")}/oauth/token`,
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      client_id: parameters.clientId,
      client_secret: parameters.clientSecret,
      grant_type: "client_credentials",
      audience: parameters.audience,
    }),
    operation: "reloadly.token",
  };
}

/**
 * Reads the token answer. A refusal (`INVALID_CREDENTIALS`, `INVALID_AUDIENCE`, any 4xx whose
 * Reloadly error body names a code or a message, a bare 401/403) is an {@link AuthenticationError};
 * a 429 is throttled; anything unreadable is *sent, no answer* — for a token request, nothing
 * else happened.
 */
export function readReloadlyTokenResponse(
  response: HttpResponse,
  details: { supplier: string; nowMs: number; audience: string },
): FetchedToken {
  const body = tryParseJson(response.text);
  if (response.status >= 200 && response.status < 300) {
    const parsed = reloadlyTokenSchema.safeParse(body);
    if (!parsed.success || !(parsed.data.expires_in > 0)) {
      throw new MalformedPayloadError(
        `${details.supplier} token: the answer has no access_token or expires_in; no token was issued`,
        { supplier: details.supplier, httpStatus: response.status },
      );
    }
    return { accessToken: parsed.data.access_token, expiresInMs: parsed.data.expires_in * 1000 };
  }
  const error = reloadlyErrorSchema.safeParse(body);
  // A refusal of the credentials is a bare 401/403, or a 4xx that carries Reloadly's own error
  // (a code or a message). Any other status or body (a 1xx or 3xx, a proxy's `{}`, a token body
  // under an odd status) is an unreadable answer: nothing was refused.
  const vendorRefusal =
    error.success &&
    [error.data.errorCode, error.data.error, error.data.message].some(
      (field) => field !== undefined && field !== "",
    );
  const refusal =
    response.status === 401 ||
    response.status === 403 ||
    (vendorRefusal && response.status >= 400 && response.status < 500 && response.status !== 429);
  if (refusal) {
    const code = error.success ? error.data.errorCode : undefined;
    const hint =
      code === "INVALID_AUDIENCE"
        ? `the audience ${details.audience} was refused: check the product, the environment and the audience option`
        : "check clientId and clientSecret, and that they belong to this environment (sandbox credentials are refused by production)";
    return throwError(
      new AuthenticationError(`${details.supplier} token: the credentials were refused; ${hint}`, {
        supplier: details.supplier,
        httpStatus: response.status,
        vendorCode: code,
        vendorMessage: error.success ? error.data.message : undefined,
      }),
    );
  }
  return throwError(
    unreadableResponseError(response, {
      supplier: details.supplier,
      operation: "token",
      nowMs: details.nowMs,
      reason: "a body that is not a token",
    }),
  );
}

function throwError(error: KaquanError): never {
  throw error;
}

/**
 * Whether a 401 proves the request was refused by the authentication filter before any
 * processing: a Reloadly error body whose code is an auth code (`TOKEN_EXPIRED`, `INVALID_TOKEN`)
 * or whose message is the filter's "Full authentication is required to access this resource".
 * Only then is an order sent again with a refreshed token.
 */
export function isReloadlyAuthRejection(response: HttpResponse): boolean {
  if (response.status !== 401) return false;
  const parsed = reloadlyErrorSchema.safeParse(tryParseJson(response.text));
  if (!parsed.success) return false;
  const { errorCode, message } = parsed.data;
  if (errorCode !== undefined && reloadlyAuthRejectionCodes.has(errorCode)) return true;
  return message !== undefined && reloadlyAuthRejectionMessage.test(message);
}
