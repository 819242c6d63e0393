/**
 * Text and form encoding in the charsets Chinese suppliers use. Many older platforms sign and
 * send GBK (a superset of GB2312): a signature over GBK bytes only verifies if the bytes hashed
 * are GBK too (failure-modes need 5: a GBK callback breaks a UTF-8 verifier). Node decodes GBK
 * but cannot encode it, so the encoder's table is built once, lazily, by decoding every
 * two-byte sequence — no dependency needed.
 */

export type Charset = "utf-8" | "gbk";

let gbkTable: Map<number, number> | undefined;

function buildGbkTable(): Map<number, number> {
  const decoder = new TextDecoder("gbk");
  const table = new Map<number, number>();
  const pair = new Uint8Array(2);
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      pair[0] = lead;
      pair[1] = trail;
      const character = decoder.decode(pair);
      if (character.length !== 1 || character === "\ufffd") continue;
      const point = character.charCodeAt(0);
      if (!table.has(point)) table.set(point, (lead << 8) | trail);
    }
  }
  return table;
}

/** Encodes text; in GBK a character GBK cannot represent becomes `?`. */
export function encodeText(text: string, charset: Charset): Buffer {
  if (charset === "utf-8") return Buffer.from(text, "utf8");
  gbkTable ??= buildGbkTable();
  const bytes: number[] = [];
  for (const character of text) {
    const point = character.codePointAt(0)!;
    if (point < 0x80) {
      bytes.push(point);
      continue;
    }
    const code = gbkTable.get(point);
    if (code === undefined) bytes.push(0x3f);
    else bytes.push(code >> 8, code & 0xff);
  }
  return Buffer.from(bytes);
}

/** Decodes bytes in the charset (invalid sequences become U+FFFD). */
export function decodeText(bytes: Uint8Array, charset: Charset): string {
  return charset === "utf-8" ? utf8Text(bytes) : new TextDecoder("gbk").decode(bytes);
}

/**
 * A raw body as UTF-8 text: a string as it is, bytes decoded in place (`Buffer.from(bytes)`
 * copied every callback body before decoding it). Invalid sequences become U+FFFD.
 */
export function utf8Text(body: string | Uint8Array): string {
  if (typeof body === "string") return body;
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return bytes.toString("utf8");
}

const unreserved = (byte: number) =>
  (byte >= 0x30 && byte <= 0x39) ||
  (byte >= 0x41 && byte <= 0x5a) ||
  (byte >= 0x61 && byte <= 0x7a) ||
  byte === 0x2a ||
  byte === 0x2d ||
  byte === 0x2e ||
  byte === 0x5f;

function percentEncode(text: string, charset: Charset): string {
  let out = "";
  for (const byte of encodeText(text, charset)) {
    if (unreserved(byte)) out += String.fromCharCode(byte);
    else if (byte === 0x20) out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * `application/x-www-form-urlencoded` in the charset: unreserved ASCII stays, a space becomes
 * `+`, every other byte `%XX`. In UTF-8 this is exactly what `URLSearchParams` writes.
 */
export function encodeForm(fields: Readonly<Record<string, string>>, charset: Charset): string {
  return Object.entries(fields)
    .map(([name, value]) => `${percentEncode(name, charset)}=${percentEncode(value, charset)}`)
    .join("&");
}

/**
 * Parses a form body whose percent-escapes are bytes in the charset: `+` is a space, `%2B` a
 * plus. Later duplicates of a name win, as with `Object.fromEntries(new URLSearchParams(…))`.
 */
export function decodeForm(body: Uint8Array | string, charset: Charset): Record<string, string> {
  const text = typeof body === "string" ? body : Buffer.from(body).toString("latin1");
  const fields: Record<string, string> = {};
  for (const part of text.split("&")) {
    if (part === "") continue;
    const separator = part.indexOf("=");
    const rawName = separator === -1 ? part : part.slice(0, separator);
    const rawValue = separator === -1 ? "" : part.slice(separator + 1);
    fields[unescapeForm(rawName, charset)] = unescapeForm(rawValue, charset);
  }
  return fields;
}

function unescapeForm(text: string, charset: Charset): string {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!;
    if (character === "+") bytes.push(0x20);
    else if (character === "%" && /^[0-9A-Fa-f]{2}$/.test(text.slice(index + 1, index + 3))) {
      bytes.push(Number.parseInt(text.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      // A raw (unescaped) character: keep its bytes as they arrived in the body.
      const code = character.charCodeAt(0);
      if (code < 0x100) bytes.push(code);
      else bytes.push(...encodeText(character, charset));
    }
  }
  return decodeText(Uint8Array.from(bytes), charset);
}
