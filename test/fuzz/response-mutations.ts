/**
 * Mutations of a supplier's genuine answer, as fast-check arbitraries. A mutation is plain data
 * (so a failing case prints and shrinks), applied to a recorded response: a changed status or
 * header, a body replaced by HTML, garbage bytes, GBK bytes, a truncation, or a JSON field set to
 * a wrong type, a huge or negative number, a NaN string, unicode, deleted, or joined by an extra
 * key (`__proto__` and `constructor` included). JSON held inside a JSON string (Fulu's `result`)
 * is mutated in place and re-serialised, so mutations reach the adapter's deepest parsing.
 */
import fc from "fast-check";
import type { HttpResponse } from "kaquan";
import { encodeText } from "../../src/runtime/charset.js";
import { httpResponse } from "./fuzz-kit.js";

/** A JSON number written exactly as given (e.g. `1e400`, 30 digits), which no JS number can hold. */
interface RawNumber {
  rawNumber: string;
}

export type ResponseMutation =
  | { kind: "status"; status: number }
  | { kind: "header"; name: string; value: string }
  | { kind: "replace-body"; body: string }
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "gbk" }
  | { kind: "truncate"; fraction: number }
  | { kind: "empty" }
  | { kind: "set"; pathIndex: number; value: unknown }
  | { kind: "delete"; pathIndex: number }
  | { kind: "add"; pathIndex: number; key: string; value: unknown };

/** Mutations that leave no readable vendor answer: whatever the status, the outcome is unknown. */
const ambiguousKinds: ReadonlySet<ResponseMutation["kind"]> = new Set([
  "status",
  "header",
  "replace-body",
  "bytes",
  "truncate",
  "empty",
]);

/**
 * Whether a mutation list can only make an answer unreadable (it never writes a vendor refusal
 * into the body). For an order placement such an answer must never become a rejection.
 */
export function isAmbiguous(mutations: readonly ResponseMutation[]): boolean {
  return mutations.every((mutation) => ambiguousKinds.has(mutation.kind));
}

/** The last status a mutation list sets, if any. */
export function mutatedStatus(mutations: readonly ResponseMutation[]): number | undefined {
  let status: number | undefined;
  for (const mutation of mutations) if (mutation.kind === "status") status = mutation.status;
  return status;
}

const awkwardStrings = fc.constantFrom(
  "",
  " ",
  "NaN",
  "Infinity",
  "-Infinity",
  "-1",
  "-0",
  "1e309",
  "0x1F",
  "1,000.00",
  "12.3.4",
  "¥100",
  "100元",
  "１２３", // full-width digits
  "٣٤", // Arabic-Indic digits
  "null",
  "undefined",
  "true",
  "{}",
  "[]",
  "__proto__",
  "constructor",
  "2026-13-45 25:61:61",
  "9999-99-99T99:99:99Z",
  "\u0000",
  "\ud800", // a lone surrogate
  "<script>alert(1)</script>",
  "充值成功",
  "9".repeat(400),
);

const junkStrings = fc.oneof(
  { arbitrary: awkwardStrings, weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 20 }), weight: 1 },
  { arbitrary: fc.constant("x".repeat(70_000)), weight: 1 },
);

const rawNumbers = fc
  .constantFrom("123456789012345678901234567890", "1e400", "-1e400", "4.1e6", "1E+2", "-0", "0.1e-999")
  .map((rawNumber): RawNumber => ({ rawNumber }));

const junkNumbers = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 64, -1, -0.0001, 0, 1e-7),
);

const junkScalars = fc.oneof(junkStrings, junkNumbers, rawNumbers, fc.boolean(), fc.constant(null));

/** A value of any wrong type: scalars, arrays, nested objects, prototype-pollution keys. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: junkScalars, weight: 6 },
  { arbitrary: fc.array(junkScalars, { maxLength: 4 }), weight: 1 },
  { arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), junkScalars, { maxKeys: 3 }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
  { arbitrary: fc.constant(pollutedObject()), weight: 1 },
);

/** `{"__proto__": {"polluted": true}, "constructor": {"prototype": …}}` as own JSON keys. */
function pollutedObject(): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  Object.defineProperty(value, "__proto__", { value: { polluted: true }, enumerable: true });
  Object.defineProperty(value, "constructor", { value: { prototype: { polluted: true } }, enumerable: true });
  return value;
}

const extraKeys = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "sign", "status", "code", "error", "cards", ""),
  fc.string({ maxLength: 12 }),
);

const statuses = fc.oneof(
  fc.constantFrom(200, 201, 202, 204, 301, 302, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504),
  fc.integer({ min: 100, max: 599 }),
);

const headerMutations = fc.oneof(
  fc.record({
    kind: fc.constant("header" as const),
    name: fc.constant("content-type"),
    value: fc.oneof(
      fc.constantFrom(
        "text/html; charset=utf-8",
        "application/json; charset=gbk",
        "application/json; charset=GB2312",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/octet-stream",
        "",
      ),
      fc.string({ maxLength: 30 }),
    ),
  }),
  fc.record({
    kind: fc.constant("header" as const),
    name: fc.constantFrom("retry-after", "x-request-id", "content-length", "location", "www-authenticate"),
    value: fc.oneof(
      fc.constantFrom("0", "-1", "1e309", "NaN", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999"),
      fc.string({ maxLength: 30 }),
    ),
  }),
);

const htmlPages = fc.constantFrom(
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
  "<html><body>Attention Required! | Cloudflare</body></html>",
  "  <html>服务器繁忙，请稍后再试</html>",
  '<?xml version="1.0" encoding="GB2312"?><orderinfo><err_msg>系统异常</err_msg><retcode>9999</retcode></orderinfo>',
);

const bodyReplacements = fc.oneof(
  htmlPages,
  fc.string({ maxLength: 60 }),
  fc.constantFrom("ok", "success", "null", "true", "0", "{}", "[]", '""', "{", "[{]", '{"code":', "\ufeff{}"),
);

const jsonMutations = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant("set" as const), pathIndex: fc.nat(), value: junkValue }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant("delete" as const), pathIndex: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      pathIndex: fc.nat(),
      key: extraKeys,
      value: junkValue,
    }),
    weight: 1,
  },
);

const wholeBodyMutations: fc.Arbitrary<ResponseMutation> = fc.oneof(
  fc.record({ kind: fc.constant("replace-body" as const), body: bodyReplacements }),
  fc.record({ kind: fc.constant("bytes" as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant("gbk" as const) }),
  fc.record({ kind: fc.constant("truncate" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant("empty" as const) }),
);

/** One mutation of any kind, JSON field mutations most often (they reach the deepest code). */
export const responseMutation: fc.Arbitrary<ResponseMutation> = fc.oneof(
  { arbitrary: jsonMutations, weight: 6 },
  { arbitrary: wholeBodyMutations, weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("status" as const), status: statuses }), weight: 1 },
  { arbitrary: headerMutations, weight: 1 },
);

/** Only mutations that leave no readable vendor answer (see {@link isAmbiguous}). */
export const ambiguousMutation: fc.Arbitrary<ResponseMutation> = fc.oneof(
  { arbitrary: wholeBodyMutations.filter((mutation) => mutation.kind !== "gbk"), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("status" as const), status: statuses }), weight: 2 },
  { arbitrary: headerMutations, weight: 1 },
);

/**
 * Which answers of a multi-request operation are mutated: one (by index, modulo the count) or
 * all of them, each with the same mutation list; the others are answered as recorded.
 */
export interface MutationPlan {
  target: number | "all";
  mutations: ResponseMutation[];
  /** Re-sign a signed answer after mutating it, so mutations get past the signature check. */
  resign: boolean;
}

export function mutationPlan(mutation: fc.Arbitrary<ResponseMutation>): fc.Arbitrary<MutationPlan> {
  return fc.record({
    target: fc.oneof(
      { arbitrary: fc.nat({ max: 7 }), weight: 4 },
      { arbitrary: fc.constant("all" as const), weight: 1 },
    ),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
    resign: fc.oneof(
      { arbitrary: fc.constant(true), weight: 4 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
  });
}

/** Whether request `index` of `count` is mutated under `plan`. */
export function planTargets(plan: MutationPlan, index: number, count: number): boolean {
  return plan.target === "all" || plan.target % Math.max(1, count) === index;
}

type PathStep = string | number | { embedded: true };
type Path = PathStep[];

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === "object" && value !== null;
}

/** Parses a string that holds a JSON object or array (an embedded document), else `undefined`. */
function embeddedDocument(value: string): unknown {
  const trimmed = value.trim();
  if (!(trimmed.startsWith("{") || trimmed.startsWith("["))) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return isContainer(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Every path in a JSON document, the root first, descending into embedded JSON strings. */
export function jsonPaths(document: unknown): Path[] {
  const paths: Path[] = [];
  const visit = (node: unknown, path: Path) => {
    paths.push(path);
    if (typeof node === "string") {
      const embedded = embeddedDocument(node);
      if (embedded !== undefined) visit(embedded, [...path, { embedded: true }]);
      return;
    }
    if (Array.isArray(node)) {
      for (const [index, child] of node.entries()) visit(child, [...path, index]);
    } else if (isContainer(node))
      for (const [key, child] of Object.entries(node)) visit(child, [...path, key]);
  };
  visit(document, []);
  return paths;
}

/** Returns `document` with `change` applied to the node at `path` (a copy; embedded JSON re-serialised). */
export function updateAt(
  document: unknown,
  path: Path,
  change: (node: unknown, parentKey?: string | number) => unknown,
): unknown {
  if (path.length === 0) return change(document);
  const [step, ...rest] = path as [PathStep, ...Path];
  if (typeof step === "object") {
    if (typeof document !== "string") return document;
    const embedded = embeddedDocument(document);
    if (embedded === undefined) return document;
    return serialize(updateAt(embedded, rest, change));
  }
  if (!isContainer(document)) return document;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(document)
    ? [...document]
    : copyObject(document);
  const child = (copy as Record<string | number, unknown>)[step];
  if (rest.length === 0) {
    const next = change(child, step);
    if (next === deleted) {
      if (Array.isArray(copy)) copy.splice(step as number, 1);
      else delete (copy as Record<string, unknown>)[step as string];
    } else defineOwn(copy, step, next);
    return copy;
  }
  defineOwn(copy, step, updateAt(child, rest, change));
  return copy;
}

/** A marker returned by a change to delete the node. */
export const deleted = Symbol("deleted");

function copyObject(value: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) defineOwn(copy, key, child);
  return copy;
}

/** Sets an own, enumerable property, even one named `__proto__`. */
function defineOwn(target: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isRawNumber(value: unknown): value is RawNumber {
  return (
    isContainer(value) &&
    !Array.isArray(value) &&
    typeof (value as { rawNumber?: unknown }).rawNumber === "string"
  );
}

/** JSON text of a mutated document; {@link RawNumber}s become bare number tokens. */
export function serialize(document: unknown): string {
  const markers: string[] = [];
  const text = JSON.stringify(document, (_key, value: unknown) => {
    if (isRawNumber(value)) {
      markers.push(value.rawNumber);
      return `\u0000raw-number-${markers.length - 1}`;
    }
    return value;
  });
  if (text === undefined) return "";
  return text.replace(/"\\u0000raw-number-(\d+)"/g, (_whole, index: string) => markers[Number(index)] ?? "0");
}

/** Applies mutations to a response. `resign` re-signs a JSON answer after its fields changed. */
export function applyMutations(
  response: HttpResponse,
  mutations: readonly ResponseMutation[],
  resign?: (document: unknown) => unknown,
): HttpResponse {
  let status = response.status;
  const headers = { ...response.headers };
  let body: Uint8Array = response.body;
  const text = () => Buffer.from(body).toString("utf8");
  for (const mutation of mutations) {
    switch (mutation.kind) {
      case "status":
        status = mutation.status;
        break;
      case "header":
        headers[mutation.name] = mutation.value;
        break;
      case "replace-body":
        body = Buffer.from(mutation.body, "utf8");
        break;
      case "bytes":
        body = mutation.bytes;
        break;
      case "gbk":
        body = encodeText(text(), "gbk");
        break;
      case "empty":
        body = new Uint8Array(0);
        break;
      case "truncate": {
        // Cut before the last non-space character, so a JSON object or array is never complete.
        const current = text();
        const last = current.trimEnd().length - 1;
        body = Buffer.from(current.slice(0, Math.max(0, Math.floor(mutation.fraction * last))), "utf8");
        break;
      }
      default: {
        let document: unknown;
        try {
          document = JSON.parse(text());
        } catch {
          break; // not JSON any more: field mutations have nothing to act on
        }
        const paths = jsonPaths(document);
        const path = paths[mutation.pathIndex % paths.length]!;
        let mutated: unknown;
        if (mutation.kind === "set") mutated = updateAt(document, path, () => mutation.value);
        else if (mutation.kind === "delete")
          mutated = path.length === 0 ? {} : updateAt(document, path, () => deleted);
        else {
          mutated = updateAt(document, path, (node) => {
            if (Array.isArray(node)) return [...node, mutation.value];
            if (!isContainer(node) || Array.isArray(node)) return node;
            const copy = copyObject(node);
            defineOwn(copy, mutation.key, mutation.value);
            return copy;
          });
        }
        body = Buffer.from(serialize(resign ? resign(mutated) : mutated), "utf8");
      }
    }
  }
  return httpResponse(status, headers, body);
}

/**
 * Replaces every field whose path ends with one of `keys` (dotted, e.g. `status.message`) with a
 * value the adapter has never seen: `unseen.text` for strings, `unseen.number` for numbers.
 */
export function replaceStatuses(
  document: unknown,
  keys: readonly string[],
  unseen: { text: string; number: number },
): unknown {
  let result = document;
  for (const path of jsonPaths(document)) {
    const named = path.filter((step): step is string => typeof step === "string").join(".");
    const last = path[path.length - 1];
    if (typeof last !== "string") continue;
    if (!keys.some((key) => named === key || named.endsWith(`.${key}`))) continue;
    result = updateAt(result, path, (node) => {
      if (typeof node === "number") return unseen.number;
      if (typeof node === "string") return unseen.text;
      return node;
    });
  }
  return result;
}

/** A vendor status nobody has seen: prefixed random text, and a number outside every table. */
export const unseenStatus = fc.record({
  text: fc.oneof(
    fc.string({ maxLength: 12 }).map((suffix) => `unseen-${suffix}`),
    fc.constantFrom("UNSEEN_STATE", "refunding-partially", "待确认", "4242", "-17"),
    // Keys every plain object inherits: a table read must not find them.
    fc.constantFrom("constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"),
  ),
  number: fc.integer({ min: 4_000, max: 9_999 }),
});
