/**
 * Vendor records whose every field is text that may arrive as a JSON number (ids, amounts,
 * counts, times), read by a table of field names instead of a schema.
 *
 * Why not zod on these: an order answer is read on every placement and every poll. With the Fulu
 * order answer as a zod schema (each field a union piped into a transform), the schema's
 * intermediate results were most of what a poller at 200 queries a second kept past a young
 * collection: V8 allocated them straight into the old generation, whose garbage then grew about
 * 0.5 MB a second until the next full collection, the largest part of the poller's peak memory.
 * Read from a table, a record costs one object and its strings. The rules are the schema's:
 * a string, or a finite number written as text; `null` or a missing field only where optional.
 */
import type { PayloadSchema } from "./vendor-payload.js";

/**
 * How one field is read: `"text"` must be present as a string or a number; `"text?"` may also
 * be `null` or missing (read as absent); `"string?"` is a string (a number is not accepted), or
 * absent; a {@link TextRecordList} is an optional list of records.
 */
export type TextFieldRule = "text" | "text?" | "string?" | TextRecordList;

/** An optional list of records, each read with `item` (`null` or missing reads as absent). */
export interface TextRecordList {
  readonly list: PayloadSchema<unknown>;
}

/** A list field: `listOf(schema)` in a rule table. */
export function listOf(item: PayloadSchema<unknown>): TextRecordList {
  return { list: item };
}

/**
 * A {@link PayloadSchema} that reads the fields named in `rules` from a JSON object, for
 * `parseVendorPayload`. Fields not named are left out of the result (the adapter reads only
 * what it names). Not a JSON object, or a field that breaks its rule: `{ success: false }`.
 * `T` is the record's type, declared by the caller; `rules` must name each of its fields.
 */
export function textRecordSchema<T>(
  rules: { readonly [K in keyof T & string]-?: TextFieldRule },
): PayloadSchema<T> {
  // Compiled once: a poll reads the table, never the rules object's keys.
  const fields = Object.keys(rules);
  const fieldRules = fields.map((field) => (rules as Readonly<Record<string, TextFieldRule>>)[field]!);
  const failure = { success: false } as const;
  return {
    safeParse(value) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return failure;
      const source = value as Readonly<Record<string, unknown>>;
      const record: Record<string, unknown> = {};
      for (let index = 0; index < fields.length; index++) {
        const field = fields[index]!;
        const rule = fieldRules[index]!;
        const raw = Object.hasOwn(source, field) ? source[field] : undefined;
        if (typeof raw === "string") {
          if (typeof rule !== "string") return failure;
          record[field] = raw;
        } else if (typeof raw === "number") {
          if (typeof rule !== "string" || rule === "string?" || !Number.isFinite(raw)) return failure;
          record[field] = String(raw);
        } else if (raw === undefined || raw === null) {
          if (rule === "text") return failure;
        } else if (Array.isArray(raw) && typeof rule !== "string") {
          const items: unknown[] = [];
          for (const item of raw) {
            const read = rule.list.safeParse(item);
            if (!read.success) return failure;
            items.push(read.data);
          }
          record[field] = items;
        } else return failure;
      }
      return { success: true, data: record as T };
    },
  };
}
