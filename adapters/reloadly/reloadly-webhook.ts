/**
 * Reloadly webhook signatures (vendor-protocols.md §2.7 [M/L]). The dashboard shows a signing
 * secret; deliveries carry `X-Reloadly-Signature` and `X-Reloadly-Request-Timestamp`. The exact
 * signed input is **not confirmed** [?]:
 * - the most careful public integration signs `rawBody + ":" + timestamp`, hex HMAC-SHA256 [M]
 *   — kaquan's default;
 * - another signs `rawBody + "." + timestamp` and accepts hex or base64 [L];
 * - others sign the body alone (guessed).
 * So the headers, the order, the separator, the encoding and the timestamp unit are options.
 * Verify against a real delivery before going live. Several secrets may be active at once (during
 * a rotation, failure-modes F18); the check is over the raw bytes, constant-time, and never throws
 * anything but `SignatureError` or `ReplayError`.
 */
import { ConfigurationError, ReplayError, SignatureError } from "../../src/core/index.js";
import { hmac, safeEqual, safeEqualHex } from "../../src/runtime/signing.js";

/** Options of the webhook signature check. Every field has a default; see {@link defaultReloadlyWebhookSignature}. */
export interface ReloadlyWebhookSignatureOptions {
  /** The signature header. Default `x-reloadly-signature`. */
  header?: string;
  /** The timestamp header. Default `x-reloadly-request-timestamp`. */
  timestampHeader?: string;
  /**
   * What is signed [?]. `body-timestamp` (default): the raw body, the separator, the timestamp
   * header's text; `timestamp-body`: the other way round; `body`: the raw body alone (the
   * timestamp, when sent, is then unsigned and only checked for staleness).
   */
  inputFormat?: "body-timestamp" | "timestamp-body" | "body";
  /** Between body and timestamp [?]. Default `":"`. */
  separator?: string;
  /** How the digest is written [?]. Default `hex`; `hex-or-base64` accepts either. */
  encoding?: "hex" | "base64" | "hex-or-base64";
  /**
   * The largest accepted |now − timestamp| in seconds [?]. Default 300. `0` turns the check off
   * here (the callback handler still applies its own window to `sentAtMs`).
   */
  toleranceSeconds?: number;
  /** The timestamp's unit [?]. Default `auto`: values above 10^12 are milliseconds, others seconds. */
  timestampUnit?: "seconds" | "milliseconds" | "auto";
}

/** The defaults, spelled out. */
export const defaultReloadlyWebhookSignature: Readonly<Required<ReloadlyWebhookSignatureOptions>> = {
  header: "x-reloadly-signature",
  timestampHeader: "x-reloadly-request-timestamp",
  inputFormat: "body-timestamp",
  separator: ":",
  encoding: "hex",
  toleranceSeconds: 300,
  timestampUnit: "auto",
};

/** Fills in the defaults and checks the options (throws `ConfigurationError`). */
export function resolveReloadlyWebhookSignature(
  options: ReloadlyWebhookSignatureOptions = {},
): Required<ReloadlyWebhookSignatureOptions> {
  const resolved = { ...defaultReloadlyWebhookSignature };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  resolved.header = resolved.header.toLowerCase();
  resolved.timestampHeader = resolved.timestampHeader.toLowerCase();
  if (!(Number.isFinite(resolved.toleranceSeconds) && resolved.toleranceSeconds >= 0)) {
    throw new ConfigurationError("Reloadly adapter: webhookSignature.toleranceSeconds must be a number ≥ 0");
  }
  if (!["body-timestamp", "timestamp-body", "body"].includes(resolved.inputFormat)) {
    throw new ConfigurationError(
      'Reloadly adapter: webhookSignature.inputFormat must be "body-timestamp", "timestamp-body" or "body"',
    );
  }
  if (!["hex", "base64", "hex-or-base64"].includes(resolved.encoding)) {
    throw new ConfigurationError(
      'Reloadly adapter: webhookSignature.encoding must be "hex", "base64" or "hex-or-base64"',
    );
  }
  return resolved;
}

/** The exact text that is signed, for a raw body and the timestamp header's text. */
export function reloadlyWebhookSignedInput(
  rawBody: string,
  timestamp: string | undefined,
  options: ReloadlyWebhookSignatureOptions = {},
): string {
  const resolved = { ...defaultReloadlyWebhookSignature, ...stripUndefined(options) };
  if (resolved.inputFormat === "body") return rawBody;
  const stamp = timestamp ?? "";
  return resolved.inputFormat === "body-timestamp"
    ? `${rawBody}${resolved.separator}${stamp}`
    : `${stamp}${resolved.separator}${rawBody}`;
}

/**
 * Signs a webhook as kaquan verifies it by default (or per `options`), for your own tests. The
 * simulator in `kaquan/testing` signs independently of this function.
 */
export function signReloadlyWebhook(
  rawBody: string,
  timestamp: string,
  secret: string,
  options: ReloadlyWebhookSignatureOptions = {},
): string {
  const encoding = options.encoding === "base64" ? "base64" : "hex";
  return hmac("sha256", secret, reloadlyWebhookSignedInput(rawBody, timestamp, options), encoding);
}

/** What a verified webhook's headers said. */
export interface ReloadlyWebhookCheck {
  /** The sender's timestamp in epoch milliseconds, when the header was present and readable. */
  sentAtMs?: number;
}

/**
 * Verifies a webhook's signature against every active secret, then its timestamp. Throws
 * `SignatureError` (missing, malformed or wrong signature; no timestamp where one is signed) or
 * `ReplayError` (signed, but outside the tolerance). Never throws anything else.
 */
export function verifyReloadlyWebhookSignature(parameters: {
  rawBody: string;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  secrets: readonly string[];
  options: Required<ReloadlyWebhookSignatureOptions>;
  nowMs: number;
  supplier: string;
}): ReloadlyWebhookCheck {
  const { options, supplier } = parameters;
  if (parameters.secrets.length === 0) {
    throw new SignatureError(
      `${supplier} webhook: no webhookSecrets are configured, so no webhook can be verified; it was not applied (copy the signing secret from the Reloadly dashboard, Developers → Webhooks)`,
      { supplier },
    );
  }
  const received = headerValue(parameters.headers, options.header)?.trim();
  if (!received) {
    throw new SignatureError(`${supplier} webhook: no ${options.header} header; it was not applied`, {
      supplier,
    });
  }
  const signature = received.replace(/^(sha256|v1)=/i, "");
  const timestamp = headerValue(parameters.headers, options.timestampHeader)?.trim();
  if (options.inputFormat !== "body" && !timestamp) {
    throw new SignatureError(
      `${supplier} webhook: no ${options.timestampHeader} header, which the signature covers; it was not applied`,
      { supplier },
    );
  }
  const input = reloadlyWebhookSignedInput(parameters.rawBody, timestamp, options);
  const matches = parameters.secrets.some((secret) => {
    if (options.encoding !== "base64" && safeEqualHex(hmac("sha256", secret, input, "hex"), signature))
      return true;
    return options.encoding !== "hex" && safeEqual(hmac("sha256", secret, input, "base64"), signature);
  });
  if (!matches) {
    throw new SignatureError(
      `${supplier} webhook: the signature does not verify with any configured secret; it was not applied`,
      { supplier },
    );
  }
  if (timestamp === undefined) return {};
  const sentAtMs = timestampMs(timestamp, options.timestampUnit);
  if (sentAtMs === undefined) {
    throw new SignatureError(`${supplier} webhook: the timestamp "${timestamp.slice(0, 32)}" is unreadable`, {
      supplier,
    });
  }
  const toleranceMs = options.toleranceSeconds * 1000;
  if (toleranceMs > 0 && Math.abs(parameters.nowMs - sentAtMs) > toleranceMs) {
    throw new ReplayError(
      `${supplier} webhook: signed ${Math.round((parameters.nowMs - sentAtMs) / 1000)} s from now, outside the ${options.toleranceSeconds} s window; check the server clock if it is genuine`,
      { supplier },
    );
  }
  return { sentAtMs };
}

/** The webhook timestamp header in epoch milliseconds, read in `unit`; `undefined` if unreadable. */
export function timestampMs(text: string, unit: "seconds" | "milliseconds" | "auto"): number | undefined {
  if (/^\d{1,16}$/.test(text)) {
    const value = Number(text);
    if (unit === "milliseconds" || (unit === "auto" && value > 1e12)) return value;
    return value * 1000;
  }
  // An HTTP or ISO date, should Reloadly send one [?].
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function headerValue(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === "string" ? value : value?.[0];
  }
  return undefined;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
