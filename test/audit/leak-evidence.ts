/**
 * What the secret-leak audit collects and searches (promise 4: no app secret, token, signature or
 * card code in a log line or an error):
 * - every line a pino logger at trace level wrote;
 * - every error kaquan threw or returned, seen every way a merchant's code or error tracker sees
 *   it: `message`, `JSON.stringify(error)`, `util.inspect(error)` at full depth, `error.stack`,
 *   and the same for each error on its `cause` chain;
 * - the forbidden values: the configured credentials, and every value the traffic itself shows to
 *   be secret — signatures and tokens the adapter sent, tokens and card codes the supplier sent
 *   back — found by key name ({@link isSecretKey}, the same rule the redactor uses) so that no
 *   vendor's signature field has to be listed by hand.
 */
import { inspect } from "node:util";
import { type HttpRequest, type HttpResponse, type HttpTransport, isSecretKey } from "kaquan";
import pino from "pino";

/** Shorter values are left out: a 4-digit PIN would match by chance in timestamps and ids. */
const shortestForbidden = 8;

/** A pino logger at trace level that keeps every line it writes. */
export function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: "trace" }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

/** Every way an error is rendered, its `cause` chain included (cycles cut). */
export function renderError(error: unknown): string[] {
  const renderings: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    renderings.push(inspect(current, { depth: Number.POSITIVE_INFINITY, showHidden: true }));
    try {
      renderings.push(JSON.stringify(current) ?? "");
    } catch (failure) {
      renderings.push(`[JSON.stringify threw: ${String(failure)}]`);
    }
    if (current instanceof Error) {
      renderings.push(current.message, current.stack ?? "", String(current));
      current = (current as { cause?: unknown }).cause;
    } else {
      renderings.push(String(current));
      current = undefined;
    }
  }
  return renderings;
}

/** Where each forbidden value was found in the evidence. */
export interface Leak {
  value: string;
  where: string;
}

/** Every forbidden value (of at least 8 characters) that occurs in any evidence text. */
export function findLeaks(
  evidence: ReadonlyMap<string, readonly string[]>,
  forbidden: Iterable<string>,
): Leak[] {
  const leaks: Leak[] = [];
  for (const value of new Set(forbidden)) {
    if (value.length < shortestForbidden) continue;
    for (const [where, texts] of evidence) {
      // JSON text escapes some characters (a `/` in base64 may not be, a `"` is): check both forms.
      const escaped = JSON.stringify(value).slice(1, -1);
      if (texts.some((text) => text.includes(value) || text.includes(escaped))) leaks.push({ value, where });
    }
  }
  return leaks;
}

/**
 * Splits the string leaves of a parsed document: those under a secret-like key (or in an array
 * under one: `cards: ["…"]`) go to `secret`, the rest to `plain`. A field inside an object under a
 * secret-like key is judged by its own name, so a card's expiry date is not taken for its code.
 */
function collectLeaves(
  node: unknown,
  found: { secret: Set<string>; plain: Set<string> },
  underSecretKey = false,
): void {
  if (typeof node === "string" || typeof node === "number") {
    const text = String(node);
    (underSecretKey ? found.secret : found.plain).add(text);
    // Vendors nest documents as strings (Fulu's `result`): look inside those too.
    const nested = typeof node === "string" ? parseDocument(node) : undefined;
    if (nested !== undefined) collectLeaves(nested, found, false);
    return;
  }
  if (Array.isArray(node)) {
    for (const item of node) collectLeaves(item, found, underSecretKey);
    return;
  }
  if (typeof node === "object" && node !== null) {
    for (const [key, child] of Object.entries(node)) collectLeaves(child, found, isSecretKey(key));
  }
}

/**
 * The secret values in the traffic: leaves under secret-like keys, less any value the same
 * traffic also carries under a plain name (Ding's `LocalizationKey` holds a SKU code that is also
 * sent as `SkuCode`: a key name alone does not make it a secret).
 */
export class TrafficSecrets {
  readonly #secret = new Set<string>();
  readonly #plain = new Set<string>();

  addDocument(document: unknown): void {
    collectLeaves(document, { secret: this.#secret, plain: this.#plain });
  }

  addSecret(value: string): void {
    this.#secret.add(value);
  }

  values(): string[] {
    return [...this.#secret].filter((value) => !this.#plain.has(value));
  }
}

/** A JSON document or a form body, parsed; `undefined` for anything else. */
function parseDocument(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return undefined;
    }
  }
  if (/^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$/.test(trimmed))
    return Object.fromEntries(new URLSearchParams(trimmed));
  return undefined;
}

/** Adds the secret values one request carries: secret-named headers, query and body fields, bearer tokens. */
export function observeRequest(request: HttpRequest, traffic: TrafficSecrets): void {
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!isSecretKey(name)) continue;
    traffic.addSecret(value);
    const credential = /^(?:Bearer|Basic)\s+(.+)$/i.exec(value);
    if (credential?.[1]) traffic.addSecret(credential[1]);
  }
  const query = request.url.split("?")[1];
  if (query) traffic.addDocument(Object.fromEntries(new URLSearchParams(query)));
  if (request.body !== undefined) {
    const text =
      typeof request.body === "string"
        ? request.body
        : Buffer.from(request.body as Uint8Array).toString("utf8");
    const document = parseDocument(text);
    if (document !== undefined) traffic.addDocument(document);
  }
}

/** Adds the secret values one answer carries: tokens and card codes under secret-named fields. */
export function observeResponse(response: HttpResponse, traffic: TrafficSecrets): void {
  const document = parseDocument(response.text);
  if (document !== undefined) traffic.addDocument(document);
}

/** A transport that passes every request on and notes the secrets it sees in `traffic`. */
export function observingTransport(inner: HttpTransport, traffic: TrafficSecrets): HttpTransport {
  return {
    async send(request, options) {
      observeRequest(request, traffic);
      const response = await inner.send(request, options);
      observeResponse(response, traffic);
      return response;
    },
  };
}
