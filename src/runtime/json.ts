/**
 * JSON parsing that never loses a digit. Vendors send order ids such as 22113024595794711936 as
 * bare JSON numbers; `JSON.parse` would round them to the nearest double. Number tokens with more
 * than 15 significant digits are turned into strings before parsing, so ids and amounts survive
 * exactly (amounts are read through `parseDecimal`, which accepts both forms).
 */

/** Parses JSON, keeping long number literals as strings. Throws `SyntaxError` like `JSON.parse`. */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(quoteLongNumbers(text));
}

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
  while (index < text.length) {
    const character = text[index];
    if (character === '"') {
      // Skip the string, honouring escapes.
      index += 1;
      while (index < text.length && text[index] !== '"') index += text[index] === "\\" ? 2 : 1;
      index += 1;
      continue;
    }
    if (character === "-" || (character !== undefined && character >= "0" && character <= "9")) {
      numberToken.lastIndex = index;
      const match = numberToken.exec(text);
      if (match) {
        const token = match[0];
        const digits = token
          .replace(/^-/, "")
          .replace(/[eE].*$/, "")
          .replace(".", "")
          .replace(/^0+/, "");
        if (digits.length > 15) {
          output += `${text.slice(copiedUpTo, index)}"${token}"`;
          copiedUpTo = index + token.length;
        }
        index += token.length;
        continue;
      }
    }
    index += 1;
  }
  return copiedUpTo === 0 ? text : output + text.slice(copiedUpTo);
}
