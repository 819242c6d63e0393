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
 * and lower-cased, by suffix (`app_secret`, `x-api-key`, `card_pwd`, also plural: `apiKeys`) or
 * by a telling word inside (`accessTokenValue`, `privateKeyPem`, `卡密`).
 */
export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[_-]/g, "");
  return (
    secretSuffixes.some((suffix) => normalized.endsWith(suffix) || normalized.endsWith(`${suffix}s`)) ||
    secretWords.test(normalized)
  );
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
  "cardpass",
  "cards",
  "credentials",
  // OFPay's md5_str: an MD5 over the request and KeyStr — logged, it lets the key be brute-forced.
  "md5str",
  // 卡密 (card secret) spelt in pinyin, a field name Chinese card platforms use.
  "kami",
];
// Chinese field names: 卡密 card secret, 密码 password, 密钥 secret key, 签名 signature, 令牌 token.
const secretWords =
  /secret|password|token|signature|authorization|credential|privatekey|卡密|密码|密钥|签名|令牌/;

const REDACTED = "[redacted]";

export interface RedactionOptions {
  /** Literal values to scrub from every string (app secrets, keys), wherever they appear. */
  secretValues?: readonly string[];
}

/** `name=value` in a query string, a form body or a message (`…&sign=ABC&…`). */
const parameterPattern = /([A-Za-z0-9_.-]+)=([^&\s"',;]+)/g;
/** `"name": "value"` or `"name": 123` in JSON text (a raw body logged as a string). */
const jsonFieldPattern = /"([^"\\]+)"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)/g;
/** `Bearer <token>`, and `Basic <base64>` when it looks like base64 rather than a word. */
const bearerPattern = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
const basicPattern = /\b(Basic)\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}/g;

/**
 * Returns a deep copy of `value` with secrets removed: values under secret-like keys (also
 * inside query strings, form bodies and JSON text held in strings), every {@link Secret}, bearer
 * credentials, and every occurrence of a known secret string inside any string or key.
 */
export function redact(value: unknown, options: RedactionOptions = {}): unknown {
  const literals = (options.secretValues ?? []).filter((literal) => literal.length >= 4);
  // Objects on the path from the root: a cycle is cut; an object merely referenced twice is not.
  const ancestors = new WeakSet<object>();
  const scrubLiterals = (text: string): string => {
    let result = text;
    for (const literal of literals)
      if (result.includes(literal)) result = result.split(literal).join(REDACTED);
    return result;
  };
  const scrub = (text: string): string => {
    let result = scrubLiterals(text);
    if (result.includes("=")) {
      result = result.replace(parameterPattern, (whole, name: string) =>
        isSecretKey(name) ? `${name}=${REDACTED}` : whole,
      );
    }
    if (result.includes('"')) {
      result = result.replace(jsonFieldPattern, (whole, name: string, colon: string) =>
        isSecretKey(name) ? `"${name}"${colon}"${REDACTED}"` : whole,
      );
    }
    return result.replace(bearerPattern, `$1 ${REDACTED}`).replace(basicPattern, `$1 ${REDACTED}`);
  };
  const read = (node: object, key: string): unknown => {
    try {
      return (node as Record<string, unknown>)[key];
    } catch {
      return "[unreadable]"; // a throwing getter must not break the caller's log statement
    }
  };
  const walkEntries = (entries: Iterable<[string, unknown]>, depth: number): Record<string, unknown> => {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of entries) {
      copy[scrubLiterals(key)] =
        isSecretKey(key) && child !== undefined && child !== null && child !== ""
          ? REDACTED
          : walk(child, depth + 1);
    }
    return copy;
  };
  const walkObject = (node: object, depth: number): unknown => {
    if (KaquanError.isInstance(node)) return walk(node.toJSON(), depth + 1);
    if (node instanceof Error) return { name: node.name, message: scrub(node.message) };
    if (node instanceof Uint8Array) return `[${node.byteLength} bytes]`;
    if (node instanceof Date) return Number.isNaN(node.getTime()) ? "Invalid Date" : node.toISOString();
    if (node instanceof URL) return scrub(node.href);
    if (Array.isArray(node)) return node.map((item) => walk(item, depth + 1));
    if (node instanceof Set) return [...node].map((item) => walk(item, depth + 1));
    if (node instanceof Map)
      return walkEntries(
        [...node].map(([key, child]) => [String(key), child] as [string, unknown]),
        depth,
      );
    let keys: string[];
    try {
      keys = Object.keys(node);
    } catch {
      return "[unreadable]";
    }
    return walkEntries(
      keys.map((key) => [key, read(node, key)]),
      depth,
    );
  };
  const walk = (node: unknown, depth: number): unknown => {
    if (typeof node === "string") return scrub(node);
    if (node === null || typeof node !== "object") return typeof node === "function" ? undefined : node;
    if (Secret.isSecret(node)) return SECRET_MASK;
    if (ancestors.has(node)) return "[circular]";
    if (depth > 12) return "[too deep]";
    ancestors.add(node);
    try {
      return walkObject(node, depth);
    } finally {
      ancestors.delete(node);
    }
  };
  return walk(value, 0);
}

/**
 * Wraps `logger` so every object and message passes through {@link redact} first. A failure
 * while redacting or inside your logger is swallowed: logging never breaks an order flow.
 */
export function createRedactingLogger(logger: Logger | undefined, options: RedactionOptions = {}): Logger {
  if (!logger || logger === silentLogger) return silentLogger;
  // pino (and loggers shaped like it) say which levels are on: redacting a deep copy for a line
  // the logger then drops is the costliest thing a silent level can do, so it is skipped.
  const isLevelEnabled = (logger as { isLevelEnabled?: unknown }).isLevelEnabled;
  const enabled = (level: keyof Logger): boolean => {
    if (typeof isLevelEnabled !== "function") return true;
    try {
      return isLevelEnabled.call(logger, level) !== false;
    } catch {
      return true; // unsure: log (redacted) rather than lose the line
    }
  };
  const wrap =
    (level: keyof Logger) =>
    (object: object, message?: string): void => {
      if (!enabled(level)) return;
      try {
        const clean = redact(object, options) as object;
        const text = message === undefined ? undefined : (redact(message, options) as string);
        logger[level](clean, text);
      } catch {
        // kaquan is a library: a broken log sink must not turn into a failed order.
      }
    };
  return { debug: wrap("debug"), info: wrap("info"), warn: wrap("warn"), error: wrap("error") };
}
