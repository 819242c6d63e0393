/**
 * The machinery shared by suppliers with a JSON REST API: sending one JSON request (serialised
 * exactly once, those bytes sent as they are), reading its answer (the parsed body, the vendor's
 * own refusal, or the right typed error when the answer is not readable), and writing decimal
 * amounts into JSON as bare numbers without a float ever touching them.
 *
 * What a vendor's error body looks like and what its codes mean stays in the adapter: it is given
 * here as a callback ({@link ReadJsonAnswerOptions.readRefusal}).
 */
import {
  type AdapterContext,
  AuthenticationError,
  type HttpRequest,
  type HttpResponse,
} from "../core/index.js";
import { parseRetryAfter, unreadableResponseError } from "./http-failures.js";
import { parseJsonLossless, tryParseJson } from "./json.js";

/** One JSON request: {@link sendJson} adds `accept` and, with a body, `content-type`. */
export interface JsonRequest {
  method: HttpRequest["method"];
  url: string;
  /** Authentication and vendor headers; `accept` and `content-type` are added. */
  headers: Record<string, string>;
  /** The request body; serialised once with `serialize`. No body, no `content-type`. */
  body?: Record<string, unknown> | undefined;
  /** Turns the body into the exact text sent (e.g. a {@link JsonDecimals} `serialize`). */
  serialize: (body: Record<string, unknown>) => string;
  /** A short label for logs and metrics, e.g. `dtone.transactions.create`. */
  operation: string;
  /** Per-request deadline override, in milliseconds. */
  timeoutMs?: number | undefined;
}

/**
 * Sends one JSON request through the context's transport. The body is serialised exactly once
 * and that text is what is sent, so what is logged or signed is what the supplier receives.
 */
export function sendJson(context: AdapterContext, request: JsonRequest): Promise<HttpResponse> {
  const body = request.body ? request.serialize(request.body) : undefined;
  const httpRequest: HttpRequest = {
    method: request.method,
    url: request.url,
    headers: {
      ...request.headers,
      accept: "application/json",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    operation: request.operation,
    ...(body !== undefined ? { body } : {}),
    ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
  };
  return context.http.send(httpRequest, { signal: context.signal });
}

/** An answer read by {@link readJsonAnswer}: the parsed body, or the vendor's refusal (its fields). */
export type JsonAnswer<Refusal extends object> =
  | { ok: true; value: unknown; response: HttpResponse }
  | ({ ok: false; response: HttpResponse } & Refusal);

/** How {@link readJsonAnswer} reads one supplier's answers. */
export interface ReadJsonAnswerOptions<Refusal extends object> {
  supplier: string;
  /** The operation named in errors, e.g. `tango.orders.create`. */
  operation: string;
  /** Now, in epoch milliseconds (for `Retry-After`). */
  nowMs: number;
  merchantOrderId?: string | undefined;
  /** True when an empty 2xx body is a valid answer (its value is `undefined`). */
  emptyBodyIsAnswer?: boolean;
  /** Takes the value out of a 2xx body (an envelope); a throw makes the answer unreadable. */
  unwrap?: (body: unknown) => unknown;
  /**
   * Reads a non-2xx body (parsed JSON, or `undefined` when it is not JSON) as the vendor's own
   * refusal, classified by the adapter; `undefined` when it is not the vendor's error body.
   */
  readRefusal: (body: unknown) => Refusal | undefined;
  /** Completes the message of a bare 401/403, e.g. `DT One refused the API key (check it)`. */
  credentialsRefused: string;
  /**
   * Reads a bare non-2xx answer that is not a 401/403 (e.g. a bare 404); it may throw. When it
   * returns `undefined` the answer is unreadable: *sent, no answer*, or throttled for a 429.
   */
  readBareStatus?: (response: HttpResponse) => Refusal | undefined;
}

/**
 * Reads a JSON answer: a 2xx JSON body is the value; a non-2xx body is first offered to the
 * vendor's `readRefusal`, whatever the HTTP status; a bare 401/403 throws `AuthenticationError`;
 * anything else (an HTML gateway page, a bare 5xx, unreadable JSON) throws the error of
 * {@link unreadableResponseError}: *sent, no answer*, or throttled for a bare 429.
 */
export function readJsonAnswer<Refusal extends object>(
  response: HttpResponse,
  options: ReadJsonAnswerOptions<Refusal>,
): JsonAnswer<Refusal> {
  const { supplier, operation, nowMs, merchantOrderId } = options;
  if (response.status >= 200 && response.status < 300) {
    if (options.emptyBodyIsAnswer && response.text.trim() === "")
      return { ok: true, value: undefined, response };
    try {
      const body = parseJsonLossless(response.text);
      return { ok: true, value: options.unwrap ? options.unwrap(body) : body, response };
    } catch {
      throw unreadableResponseError(response, {
        supplier,
        operation,
        nowMs,
        merchantOrderId,
        reason: "a body that is not JSON",
      });
    }
  }
  const refusal = options.readRefusal(tryParseJson(response.text));
  if (refusal !== undefined) return { ...refusal, ok: false, response };
  if (response.status === 401 || response.status === 403) {
    throw new AuthenticationError(`${operation}: HTTP ${response.status}; ${options.credentialsRefused}`, {
      supplier,
      merchantOrderId,
      httpStatus: response.status,
    });
  }
  const bare = options.readBareStatus?.(response);
  if (bare !== undefined) return { ...bare, ok: false, response };
  throw unreadableResponseError(response, { supplier, operation, nowMs, merchantOrderId });
}

/**
 * The `Retry-After` delay of a vendor refusal that is throttling: an HTTP 429 or a code meaning
 * `rate_limited`. `undefined` otherwise, or when the header is absent or unreadable.
 */
export function refusalRetryAfter(
  response: HttpResponse,
  meaning: string | undefined,
  nowMs: number,
): number | undefined {
  return response.status === 429 || meaning === "rate_limited"
    ? parseRetryAfter(response.headers["retry-after"], nowMs)
    : undefined;
}

/** Placeholders for decimals sent as bare JSON numbers, and the serialiser that writes them. */
export interface JsonDecimals {
  /**
   * A placeholder for a decimal that must be sent as a JSON number with exactly these digits.
   * Throws `RangeError` for text that is not a decimal (unless created with `validate: false`).
   */
  placeholder(amount: string): string;
  /** JSON text of a value, with every placeholder written as a bare JSON number. */
  serialize(value: unknown): string;
}

/** Zeros before the first digit that counts (`-007.5` → `-7.5`, `00.5` → `0.5`). */
const leadingZeros = /^(-?)0+(?=\d)/;

/**
 * Exact-decimal JSON for one supplier. `JSON.stringify` leaves a marked string alone; the
 * serialiser then splices the decimal's own digits into the text, never through `Number()`.
 * `name` keeps each supplier's markers apart; `signed` allows a leading minus.
 */
export function createJsonDecimals(
  name: string,
  options: { signed: boolean; validate?: boolean },
): JsonDecimals {
  const sign = options.signed ? "-?" : "";
  const decimalPattern = new RegExp(`^${sign}\\d+(\\.\\d+)?$`);
  const marker = `\u0000${name}-decimal:`;
  const markerPattern = new RegExp(`"\\\\u0000${name}-decimal:(${sign}\\d+(?:\\.\\d+)?)"`, "g");
  const validate = options.validate ?? true;
  return {
    placeholder(amount: string): string {
      if (validate && !decimalPattern.test(amount))
        throw new RangeError(`"${amount}" is not a decimal amount`);
      // A leading zero ("007.50", which MoneySchema allows) is not a JSON number: the body would
      // not parse. The value is the same without it.
      return `${marker}${amount.replace(leadingZeros, "$1")}`;
    },
    serialize(value: unknown): string {
      return JSON.stringify(value).replace(markerPattern, "$1");
    },
  };
}
