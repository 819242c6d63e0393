/**
 * Reading a value table (statuses, codes, kinds) by a key the supplier sent. Tables are plain
 * objects, so `table[key]` also finds what every object inherits: a vendor status `constructor`
 * reads a function, `__proto__` reads `Object.prototype`, and `"constructor" in table` is true.
 * Such a value would become an order status or an error meaning. Only the table's own entries
 * count here; anything else is "not in the table" (`unknown` for the caller).
 */

/** The entry `table` itself holds for `key`, or `undefined` (never an inherited property). */
export function lookup<T>(
  table: Readonly<Record<string, T>>,
  key: string | number | null | undefined,
): T | undefined {
  if (key === undefined || key === null) return undefined;
  const name = String(key);
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** Whether `table` itself holds an entry for `key` (never an inherited property). */
export function hasEntry(table: object, key: string | number | null | undefined): boolean {
  return key !== undefined && key !== null && Object.hasOwn(table, String(key));
}
