/**
 * Mutations of a genuine callback, as fast-check arbitraries: one byte flipped, a field added,
 * removed or repeated, the signature's letter case changed or the signature replaced, the
 * timestamp shifted, a header dropped. Plain data, so a failing case prints and shrinks. Bodies
 * are read as JSON when they look like it and as a form otherwise, the two formats suppliers use.
 */
import fc from "fast-check";
import type { RawCallback } from "kaquan";

export type CallbackMutation =
  | { kind: "flip-byte"; position: number; mask: number }
  | { kind: "add-field"; key: string; value: string }
  | { kind: "remove-field"; index: number }
  | { kind: "repeat-field"; index: number; value: string }
  | { kind: "signature-case" }
  | { kind: "signature-replace"; value: string }
  | { kind: "timestamp-shift"; seconds: number }
  | { kind: "drop-header"; index: number };

const signatureNames = ["sign", "x-reloadly-signature"];
const timestampNames = ["timestamp", "x-reloadly-request-timestamp"];

const fieldKeys = fc.oneof(
  fc.constantFrom(
    "sign",
    "status",
    "state",
    "order_status",
    "sta",
    "amount",
    "__proto__",
    "constructor",
    "extra",
  ),
  fc.string({ minLength: 1, maxLength: 10 }),
);
const fieldValues = fc.oneof(
  fc.constantFrom("", "success", "SUCCESS", "1", "9", "failed", "0"),
  fc.string({ maxLength: 16 }),
);

export const callbackMutation: fc.Arbitrary<CallbackMutation> = fc.oneof(
  fc.record({
    kind: fc.constant("flip-byte" as const),
    position: fc.nat(),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant("add-field" as const), key: fieldKeys, value: fieldValues }),
  fc.record({ kind: fc.constant("remove-field" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("repeat-field" as const), index: fc.nat(), value: fieldValues }),
  fc.record({ kind: fc.constant("signature-case" as const) }),
  fc.record({
    kind: fc.constant("signature-replace" as const),
    value: fc.oneof(
      fc.stringMatching(/^[0-9a-f]{32}$/),
      fc.stringMatching(/^[0-9a-f]{64}$/),
      fc.constantFrom("", " ", "null", "sha256=", "v1="),
      fc.string({ maxLength: 70 }),
    ),
  }),
  fc.record({
    kind: fc.constant("timestamp-shift" as const),
    seconds: fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.constantFrom(301, -301, 86_400)),
  }),
  fc.record({ kind: fc.constant("drop-header" as const), index: fc.nat() }),
);

/** The body as text. */
export function bodyText(callback: RawCallback): string {
  return typeof callback.body === "string" ? callback.body : Buffer.from(callback.body).toString("utf8");
}

/** Fields in body order; JSON values keep their type (a string stays a string, a number a number). */
type Fields = Array<[string, unknown]>;

function readFields(text: string): { json: boolean; fields: Fields } | undefined {
  if (text.trim().startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
      return { json: true, fields: Object.entries(parsed) };
    } catch {
      return undefined;
    }
  }
  return { json: false, fields: [...new URLSearchParams(text)] };
}

function writeFields(json: boolean, fields: Fields): string {
  if (!json)
    return new URLSearchParams(
      fields.map(([key, value]): [string, string] => [key, String(value)]),
    ).toString();
  return `{${fields.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? "null"}`).join(",")}}`;
}

function flipCase(value: unknown): string {
  const text = String(value);
  return text === text.toLowerCase() ? text.toUpperCase() : text.toLowerCase();
}

function headerEntries(callback: RawCallback): Array<[string, string]> {
  return Object.entries(callback.headers).flatMap(([name, value]) =>
    value === undefined
      ? []
      : [[name, Array.isArray(value) ? value.join(",") : String(value)] as [string, string]],
  );
}

/** Applies mutations to a callback (a copy). */
export function mutateCallback(callback: RawCallback, mutations: readonly CallbackMutation[]): RawCallback {
  let text = bodyText(callback);
  let headers = headerEntries(callback);
  const editFields = (change: (fields: Fields) => Fields) => {
    const read = readFields(text);
    if (read) text = writeFields(read.json, change(read.fields));
  };
  const editNamed = (names: readonly string[], change: (value: unknown) => string) => {
    headers = headers.map(([name, value]) => [
      name,
      names.includes(name.toLowerCase()) ? change(value) : value,
    ]);
    editFields((fields) => fields.map(([key, value]) => [key, names.includes(key) ? change(value) : value]));
  };
  for (const [index, mutation] of mutations.entries()) {
    switch (mutation.kind) {
      case "flip-byte": {
        const bytes = Buffer.from(text, "utf8");
        if (bytes.length === 0) break;
        const position = mutation.position % bytes.length;
        bytes[position] = bytes[position]! ^ mutation.mask;
        // Keep the raw bytes: decoding to text would hide a flip inside a multi-byte character.
        return finish(bytes, headers, mutations.slice(index + 1));
      }
      case "add-field":
        editFields((fields) => [...fields, [mutation.key, mutation.value]]);
        break;
      case "remove-field":
        editFields((fields) =>
          fields.filter((_field, index) => index !== mutation.index % Math.max(1, fields.length)),
        );
        break;
      case "repeat-field":
        editFields((fields) => {
          const field = fields[mutation.index % Math.max(1, fields.length)];
          return field ? [...fields, [field[0], mutation.value]] : fields;
        });
        break;
      case "signature-case":
        editNamed(signatureNames, flipCase);
        break;
      case "signature-replace":
        editNamed(signatureNames, () => mutation.value);
        break;
      case "timestamp-shift":
        editNamed(timestampNames, (raw) => {
          const value = String(raw);
          if (!/^\d+$/.test(value)) return value;
          // Millisecond stamps move by milliseconds, second stamps by seconds.
          const scale = value.length > 11 ? 1000 : 1;
          return String(Number(value) + mutation.seconds * scale);
        });
        break;
      case "drop-header":
        headers = headers.filter((_header, index) => index !== mutation.index % Math.max(1, headers.length));
        break;
    }
  }
  return { body: text, headers: Object.fromEntries(headers) };
}

/** A byte flip leaves raw bytes; later mutations act on them read as UTF-8. */
function finish(
  bytes: Buffer,
  headers: Array<[string, string]>,
  rest: readonly CallbackMutation[],
): RawCallback {
  const flipped: RawCallback = { body: new Uint8Array(bytes), headers: Object.fromEntries(headers) };
  return rest.length === 0 ? flipped : mutateCallback(flipped, rest);
}

/** Random callbacks that look like `genuine`: its field names with random values, plus noise. */
export function lookalikeCallback(genuine: RawCallback): fc.Arbitrary<RawCallback> {
  const text = bodyText(genuine);
  const read = readFields(text);
  const keys = read ? read.fields.map(([key]) => key) : [];
  const headers = headerEntries(genuine);
  const structured = fc
    .tuple(
      fc.array(fc.tuple(keys.length > 0 ? fc.constantFrom(...keys) : fieldKeys, fieldValues), {
        maxLength: 8,
      }),
      fc.array(
        fc.tuple(
          fc.constantFrom(...headers.map(([name]) => name), "content-type"),
          fc.string({ maxLength: 40 }),
        ),
        {
          maxLength: 3,
        },
      ),
    )
    .map(
      ([fields, headerValues]): RawCallback => ({
        body: writeFields(read?.json ?? false, fields),
        headers: Object.fromEntries([...headers, ...headerValues]),
      }),
    );
  const noise = fc.record({
    body: fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom("", "{}", "[]", "null", "=", "&&&", "sign=", '{"sign":""}', "<xml><sign/></xml>"),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? ""),
    ),
    headers: fc.dictionary(
      fc.oneof(
        fc.constantFrom("content-type", ...headers.map(([name]) => name)),
        fc.string({ maxLength: 20 }),
      ),
      fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 })),
      { maxKeys: 4 },
    ),
  });
  return fc.oneof(structured, noise);
}
