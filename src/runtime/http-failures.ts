/**
 * What to make of an HTTP response that is not the supplier's normal envelope. Vendors are
 * classified by their own codes first (some send "insufficient balance" as HTTP 500); this is the
 * fallback for answers that carry no vendor code at all.
 */
import { type HttpResponse, type KaquanError, NoAnswerError, RateLimitError } from "../core/index.js";

/**
 * Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds from `nowMs`.
 * Returns `undefined` when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** True when the body looks like an HTML page (a gateway or WAF error page). */
export function isHtml(response: HttpResponse): boolean {
  const type = response.headers["content-type"] ?? "";
  return type.includes("text/html") || /^\s*<(!doctype|html|head|body)/i.test(response.text.slice(0, 256));
}

/**
 * Classifies a response that is not a readable vendor answer: 429 is *throttled* (with its
 * `Retry-After`); anything else — a 5xx, an HTML gateway page, a 200 with an unreadable body — is
 * *sent, no answer*, because the supplier may have acted before the failure.
 */
export function unreadableResponseError(
  response: HttpResponse,
  details: {
    supplier: string;
    operation?: string;
    nowMs: number;
    reason?: string;
    merchantOrderId?: string | undefined;
  },
): KaquanError {
  const where = `${details.supplier}${details.operation ? ` ${details.operation}` : ""}`;
  if (response.status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers["retry-after"], details.nowMs);
    return new RateLimitError(`${where}: HTTP 429, the supplier asked us to slow down`, {
      supplier: details.supplier,
      merchantOrderId: details.merchantOrderId,
      httpStatus: 429,
      retryAfterMs,
    });
  }
  const shape = isHtml(response) ? "an HTML page" : (details.reason ?? "an unreadable body");
  return new NoAnswerError(`${where}: HTTP ${response.status} with ${shape}; the outcome is unknown`, {
    supplier: details.supplier,
    merchantOrderId: details.merchantOrderId,
    httpStatus: response.status,
    requestId: response.headers["x-request-id"],
  });
}
