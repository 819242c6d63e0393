import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { listOf, textRecordSchema } from "../../src/runtime/text-record.js";

interface Item {
  code?: string;
}
interface Sample {
  id: string;
  amount?: string;
  note?: string;
  items?: Item[];
}

const item = textRecordSchema<Item>({ code: "text?" });
const sample = textRecordSchema<Sample>({
  id: "text",
  amount: "text?",
  note: "string?",
  items: listOf(item),
});

/** The zod shapes the table rules stand for (the adapters' wire schemas used to be written so). */
const text = z.union([z.string(), z.number()]).transform(String);
const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));
const zodItem = z.looseObject({ code: optionalText });
const zodSample = z.looseObject({
  id: text,
  amount: optionalText,
  note: z.string().nullish(),
  items: z.array(zodItem).nullish(),
});

/** What an adapter reads from either result: the named fields, absent and null alike. */
function named(value: Record<string, unknown>): Record<string, unknown> {
  const read = (record: Record<string, unknown>, fields: string[]) =>
    Object.fromEntries(fields.flatMap((field) => (record[field] == null ? [] : [[field, record[field]]])));
  const result = read(value, ["id", "amount", "note"]);
  if (Array.isArray(value.items))
    result.items = value.items.map((entry: Record<string, unknown>) => read(entry, ["code"]));
  return result;
}

describe("textRecordSchema", () => {
  it("reads strings as they are and numbers as text; null and missing optional fields are absent", () => {
    const read = sample.safeParse({ id: 22113024595794, amount: 5.7, note: null, items: [{ code: 1 }, {}] });
    expect(read).toEqual({
      success: true,
      data: { id: "22113024595794", amount: "5.7", items: [{ code: "1" }, {}] },
    });
    expect(sample.safeParse({ id: "a" })).toEqual({ success: true, data: { id: "a" } });
  });

  it("refuses a missing or null required field, a non-object, a wrong type and a bad list item", () => {
    for (const value of [
      {},
      { id: null },
      null,
      [],
      "text",
      { id: true },
      { id: "a", amount: {} },
      { id: "a", amount: [] },
      { id: "a", note: 5 },
      { id: "a", items: "none" },
      { id: "a", items: [{ code: false }] },
      { id: "a", items: [null] },
    ]) {
      expect(sample.safeParse(value), JSON.stringify(value)).toEqual({ success: false });
    }
  });

  it("leaves out fields it does not name and never reads inherited ones", () => {
    const value = Object.create({ id: "inherited" }) as Record<string, unknown>;
    expect(sample.safeParse(value).success).toBe(false);
    expect(sample.safeParse({ id: "a", extra: { nested: true } })).toEqual({
      success: true,
      data: { id: "a" },
    });
  });

  it("accepts and refuses exactly what the equivalent zod schema does, with the same fields read", () => {
    const field = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string({ maxLength: 6 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.boolean(),
      fc.constant({}),
      fc.constant([]),
    );
    const entry = fc.oneof(fc.record({ code: field }, { requiredKeys: [] }), field);
    const value = fc.oneof(
      fc.record(
        { id: field, amount: field, note: field, items: fc.oneof(field, fc.array(entry, { maxLength: 3 })) },
        { requiredKeys: [] },
      ),
      field,
    );
    fc.assert(
      fc.property(value, (input) => {
        const ours = sample.safeParse(input);
        const theirs = zodSample.safeParse(input);
        expect(ours.success).toBe(theirs.success);
        if (ours.success && theirs.success)
          expect(named(ours.data as unknown as Record<string, unknown>)).toEqual(named(theirs.data));
      }),
      { numRuns: 2000 },
    );
  });
});
