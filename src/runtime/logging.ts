/**
 * Logging. kaquan is a library: it prints nothing unless you pass a logger (pino or anything
 * with `debug/info/warn/error(object, message)`). Whatever you pass is wrapped so that secrets
 * are removed before your logger sees them — at any depth, which pino's path-based `redact`
 * cannot do (`*` matches one segment only).
 */
import { KaquanError, type Logger, SECRET_MASK, Secret } from "../core/index.js";

/** A logger that drops everything: the default. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * Whether a key names a secret: signatures, keys, secrets, tokens, passwords, authorisation
 * headers, cookies, card numbers and codes (卡密), PINs. Matched on the key with `_`/`-` removed
 * and lower-cased, by suffix (`app_secret`, `x-api-key`, `card_pwd`) or by a telling word inside.
 */
export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[_-]/g, "");
  return secretSuffixes.some((suffix) => normalized.endsWith(suffix)) || secretWords.test(normalized);
}

const secretSuffixes = [
  "sign",
  "signature",
  "secret",
  "key",
  "token",
  "password",
  "passwd",
  "pwd",
  "authorization",
  "cookie",
  "pin",
  "cardnumber",
  "cardno",
  "cardcode",
  "cards",
  "credentials",
];
const secretWords = /secret|password|token|signature|authorization|credential/;

const REDACTED = "[redacted]";

export interface RedactionOptions {
  /** Literal values to scrub from every string (app secrets, keys), wherever they appear. */
  secretValues?: readonly string[];
}

/**
 * Returns a deep copy of `value` with secrets removed: values under secret-like keys, every
 * {@link Secret}, and every occurrence of a known secret string inside any string.
 */
export function redact(value: unknown, options: RedactionOptions = {}): unknown {
  const literals = (options.secretValues ?? []).filter((literal) => literal.length >= 4);
  const seen = new WeakSet<object>();
  const scrub = (text: string): string => {
    let result = text;
    for (const literal of literals)
      if (result.includes(literal)) result = result.split(literal).join(REDACTED);
    return result;
  };
  const walk = (node: unknown, depth: number): unknown => {
    if (typeof node === "string") return scrub(node);
    if (node === null || typeof node !== "object") return typeof node === "function" ? undefined : node;
    if (Secret.isSecret(node)) return SECRET_MASK;
    if (seen.has(node)) return "[circular]";
    if (depth > 12) return "[too deep]";
    seen.add(node);
    if (KaquanError.isInstance(node)) return walk(node.toJSON(), depth + 1);
    if (node instanceof Error) return { name: node.name, message: scrub(node.message) };
    if (node instanceof Uint8Array) return `[${node.byteLength} bytes]`;
    if (Array.isArray(node)) return node.map((item) => walk(item, depth + 1));
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      copy[key] =
        isSecretKey(key) && child !== undefined && child !== null && child !== ""
          ? REDACTED
          : walk(child, depth + 1);
    }
    return copy;
  };
  return walk(value, 0);
}

/** Wraps `logger` so every object and message passes through {@link redact} first. */
export function createRedactingLogger(logger: Logger | undefined, options: RedactionOptions = {}): Logger {
  if (!logger || logger === silentLogger) return silentLogger;
  const wrap =
    (level: keyof Logger) =>
    (object: object, message?: string): void => {
      const clean = redact(object, options) as object;
      const text = message === undefined ? undefined : (redact(message, options) as string);
      logger[level](clean, text);
    };
  return { debug: wrap("debug"), info: wrap("info"), warn: wrap("warn"), error: wrap("error") };
}
