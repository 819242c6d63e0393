/**
 * CSV in and out (RFC 4180): merchants' order exports come in as CSV and reconciliation reports go
 * out as CSV, usually into a spreadsheet. Written cells that a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@` followed by anything but a plain number) are prefixed with `'`, so a hostile
 * vendor message cannot become a formula in the finance team's Excel (OWASP "CSV injection").
 */
import { ValidationError } from "../../core/index.js";

/** One parsed record and the line it starts on (1 = the first line of the file). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/** A `ValidationError` naming the line where reading stopped (its issue path is `line <n>`). */
function syntaxError(message: string, line: number): ValidationError {
  return new ValidationError(`CSV line ${line}: ${message}`, [{ path: `line ${line}`, message }]);
}

/**
 * Parses CSV: `,` separated, `"` quoted (with `""` for a quote), CRLF or LF line ends, quoted
 * fields may span lines. A leading UTF-8 byte-order mark (Excel writes one) is dropped; blank
 * lines are skipped. Throws `ValidationError` for an unclosed quote or text after a closing quote.
 */
export function parseCsv(text: string): CsvRecord[] {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  let index = 0;
  let quotedField = false;
  const endField = () => {
    fields.push(field);
    field = "";
    quotedField = false;
  };
  const endRecord = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === "")) records.push({ line: recordLine, fields });
    fields = [];
  };
  while (index < source.length) {
    const character = source[index]!;
    if (character === '"' && field === "" && !quotedField) {
      quotedField = true;
      index += 1;
      let closed = false;
      while (index < source.length) {
        const inner = source[index]!;
        if (inner === '"') {
          if (source[index + 1] === '"') {
            field += '"';
            index += 2;
            continue;
          }
          closed = true;
          index += 1;
          break;
        }
        if (inner === "\n") line += 1;
        field += inner;
        index += 1;
      }
      if (!closed) throw syntaxError("a quoted field is not closed", recordLine);
      const next = source[index];
      if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
        throw syntaxError("text after a closing quote", line);
      }
      continue;
    }
    if (character === ",") {
      endField();
      index += 1;
      continue;
    }
    if (character === "\r" || character === "\n") {
      endRecord();
      index += character === "\r" && source[index + 1] === "\n" ? 2 : 1;
      line += 1;
      recordLine = line;
      continue;
    }
    field += character;
    index += 1;
  }
  if (field !== "" || fields.length > 0 || quotedField) endRecord();
  return records;
}

const plainNumber = /^[-+]?\d+(\.\d+)?$/;

/** One cell, quoted when needed and defused when a spreadsheet would run it as a formula. */
export function csvCell(value: string): string {
  let text = value;
  if (/^[=+\-@\t\r]/.test(text) && !plainNumber.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV text of a header row and data rows, CRLF line ends (what spreadsheets expect). */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `${[header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
