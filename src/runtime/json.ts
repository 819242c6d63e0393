/**
 * JSON parsing that never loses a digit. Vendors send order ids such as 22113024595794711936 as
 * bare JSON numbers; `JSON.parse` would round them to the nearest double. Number tokens with more
 * than 15 significant digits are turned into strings before parsing, so ids and amounts survive
 * exactly (amounts are read through `parseDecimal`, which accepts both forms).
 */

/** Parses JSON, keeping long number literals as strings. Throws `SyntaxError` like `JSON.parse`. */
export function parseJsonLossless(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  // A body without a single number (many suppliers send every field as a string) cannot have
  // lost a digit; looking through the parsed values is cheaper than scanning the text. Otherwise
  // one regular-expression scan decides whether the token-by-token walk is needed at all — it
  // cost as much as the parse itself — and only then is the text parsed again.
  if (!holdsNumber(parsed) || !mayHoldLongNumber.test(text)) return parsed;
  return JSON.parse(quoteLongNumbers(text));
}

/** Whether any value in a parsed JSON document is a number. Iterative: depth cannot overflow. */
function holdsNumber(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return typeof value === "number";
  const pending: object[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const values = Array.isArray(next) ? next : Object.values(next);
    for (const item of values) {
      if (typeof item === "number") return true;
      if (typeof item === "object" && item !== null) pending.push(item);
    }
  }
  return false;
}

/**
 * A run of 16 number characters where a JSON value may start (at the start, or after `:`, `,`
 * or `[` and optional whitespace). Every number token that can hold more than 15 significant
 * digits is such a run; a run inside a string only costs the full walk, never a digit.
 */
const mayHoldLongNumber = /(?:^|[:,[])\s*[-+.\deE]{16}/;

/** Like {@link parseJsonLossless} but returns `undefined` instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    return undefined;
  }
}

const numberToken = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

function quoteLongNumbers(text: string): string {
  let output = "";
  let copiedUpTo = 0;
  let index = 0;
  const length = text.length;
  while (index < length) {
    const unit = text.charCodeAt(index);
    if (unit === QUOTE) {
      index = afterString(text, index);
      continue;
    }
    if (unit === MINUS || (unit >= DIGIT_ZERO && unit <= DIGIT_NINE)) {
      numberToken.lastIndex = index;
      const match = numberToken.exec(text);
      if (match) {
        const token = match[0];
        // A token of 15 characters or fewer cannot hold more than 15 significant digits.
        if (token.length > 15) {
          const digits = token
            .replace(/^-/, "")
            .replace(/[eE].*$/, "")
            .replace(".", "")
            .replace(/^0+/, "");
          if (digits.length > 15) {
            output += `${text.slice(copiedUpTo, index)}"${token}"`;
            copiedUpTo = index + token.length;
          }
        }
        index += token.length;
        continue;
      }
    }
    index += 1;
  }
  return copiedUpTo === 0 ? text : output + text.slice(copiedUpTo);
}

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;
const DIGIT_ZERO = 48;
const DIGIT_NINE = 57;

/**
 * The index just after the string opened at `open`. Jumps from quote to quote with `indexOf`
 * (a character-by-character walk cost as much as `JSON.parse` itself); a quote preceded by an
 * odd number of backslashes is escaped and does not close the string.
 */
function afterString(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const close = text.indexOf('"', from);
    if (close === -1) return text.length;
    let backslashes = 0;
    for (let before = close - 1; before > open && text.charCodeAt(before) === BACKSLASH; before--)
      backslashes += 1;
    if (backslashes % 2 === 0) return close + 1;
    from = close + 1;
  }
}
