/**
 * Plain-text tables for the terminal. Product names and vendor messages come from suppliers, so
 * every cell is made safe first: control characters (an ANSI escape in a product name could
 * rewrite the merchant's terminal) are shown as `\u{…}` escapes. Column widths count CJK
 * characters as two cells, so 福禄 product names line up.
 */

/** One column: its header, and whether numbers in it align right. */
export interface TableColumn {
  readonly header: string;
  readonly align?: "left" | "right";
  /** Longest cell, in terminal cells; longer text is cut with `…`. Default 60. */
  readonly maxWidth?: number;
}

/** Replaces C0/C1 control characters and line separators with visible `\u{…}` escapes. */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (character) => {
    const code = character.codePointAt(0) ?? 0;
    return `\\u{${code.toString(16)}}`;
  });
}

/** Terminal cells `text` takes: East Asian wide and full-width characters count two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) width += isWide(character.codePointAt(0) ?? 0) ? 2 : 1;
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** `text` cut to at most `width` cells, ending in `…` when cut. */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let result = "";
  let used = 0;
  for (const character of text) {
    const cells = isWide(character.codePointAt(0) ?? 0) ? 2 : 1;
    if (used + cells > width - 1) break;
    result += character;
    used += cells;
  }
  return `${result}…`;
}

function pad(text: string, width: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, width - displayWidth(text)));
  return align === "right" ? fill + text : text + fill;
}

/** Renders rows under their headers, columns separated by two spaces, a rule under the headers. */
export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) =>
    columns.map((column, index) => truncateToWidth(terminalSafe(row[index] ?? ""), column.maxWidth ?? 60)),
  );
  const widths = columns.map((column, index) =>
    Math.max(displayWidth(column.header), ...cells.map((row) => displayWidth(row[index] ?? ""))),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => pad(value, widths[index] ?? 0, columns[index]?.align ?? "left"))
      .join("  ")
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    line(widths.map((width) => "─".repeat(width))),
    ...cells.map(line),
  ].join("\n");
}

/** Renders `label  value` pairs with the labels padded to one width. */
export function renderPairs(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([label]) => displayWidth(label)));
  return pairs.map(([label, value]) => `${pad(label, width, "left")}  ${terminalSafe(value)}`).join("\n");
}
