/** Plain-text tables for the terminal: one per benchmark section, columns padded to fit. */

export interface Table {
  title: string;
  columns: readonly string[];
  rows: ReadonlyArray<readonly string[]>;
  /** Lines printed under the table (what was measured, caveats). */
  notes?: readonly string[];
  /** How many leading columns are text (left-aligned); the rest are figures. Default 1. */
  textColumns?: number;
}

/** Renders `table` as aligned text: text columns left-aligned, figures right-aligned. */
export function renderTable(table: Table): string {
  const widths = table.columns.map((column, index) =>
    Math.max(width(column), ...table.rows.map((row) => width(row[index] ?? ""))),
  );
  const textColumns = table.textColumns ?? 1;
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) =>
        index < textColumns ? padEnd(cell, widths[index]!) : padStart(cell, widths[index]!),
      )
      .join("  ")
      .trimEnd();
  const rule = widths.map((size) => "-".repeat(size)).join("  ");
  const lines = [`\n${table.title}`, line(table.columns), rule, ...table.rows.map(line)];
  for (const note of table.notes ?? []) lines.push(`  ${note}`);
  return lines.join("\n");
}

/** Display width: characters outside Latin-1 (µ excepted) count as two columns in a terminal. */
function width(text: string): number {
  let columns = 0;
  for (const character of text) columns += character.codePointAt(0)! > 0x2e80 ? 2 : 1;
  return columns;
}

function padEnd(text: string, size: number): string {
  return text + " ".repeat(Math.max(0, size - width(text)));
}

function padStart(text: string, size: number): string {
  return " ".repeat(Math.max(0, size - width(text))) + text;
}
