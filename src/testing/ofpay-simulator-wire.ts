/**
 * OFPay 欧飞 wire details for the simulator (vendor-protocols.md §5): the `md5_str` recipes, the
 * compact `yyyyMMddHHmmss` timestamps, and the XML / JSON answer documents. The recipes are
 * written here from the vendor's documentation (as quoted by integrators), independently of the
 * adapter, so the simulator is an oracle for the adapter and not a copy of it.
 */
import { encodeForm, encodeText } from "../runtime/charset.js";
import { formatDateTime, parseDateTime } from "../runtime/clock.js";
import { md5Hex } from "../runtime/signing.js";

/** The fields `md5_str` covers on `onlineorder.do`, in signing order. */
export interface OfpayOrderSignatureFields {
  userid: string;
  /** md5 of the login password, 32 lowercase hex — exactly as sent. */
  userpws: string;
  cardid: string;
  cardnum: string;
  sporder_id: string;
  /** `yyyyMMddHHmmss`. */
  sporder_time: string;
  /** The phone number. */
  game_userid: string;
}

/**
 * `md5_str` of `onlineorder.do`: UPPER(md5(userid + userpws + cardid + cardnum + sporder_id +
 * sporder_time + game_userid + KeyStr)), plain concatenation. `mctype`, `ret_url` and `version`
 * are not covered (§5 [M]).
 */
export function ofpayOrderMd5(fields: OfpayOrderSignatureFields, keyStr: string): string {
  const body =
    fields.userid +
    fields.userpws +
    fields.cardid +
    fields.cardnum +
    fields.sporder_id +
    fields.sporder_time +
    fields.game_userid;
  return md5Hex(body + keyStr).toUpperCase();
}

/** `md5_str` of `queryOrderInfo.do`: UPPER(md5(userid + userpws + sporder_id + KeyStr)) (§5 [M]). */
export function ofpayQueryOrderMd5(
  fields: { userid: string; userpws: string; sporder_id: string },
  keyStr: string,
): string {
  return md5Hex(fields.userid + fields.userpws + fields.sporder_id + keyStr).toUpperCase();
}

/**
 * `md5_str` of `querybill.do`: md5(userid + userpws + cardid + starttime + endtime + KeyStr),
 * with `cardid` `""` when all products are wanted. A constants file quoting the vendor's docs
 * says "32位大写" (upper case) [M]; `letterCase: "lower"` exists for the simulator option that
 * tests an adapter against the other reading.
 */
export function ofpayBillMd5(
  fields: { userid: string; userpws: string; cardid: string; starttime: string; endtime: string },
  keyStr: string,
  letterCase: "upper" | "lower" = "upper",
): string {
  const digest = md5Hex(
    fields.userid + fields.userpws + fields.cardid + fields.starttime + fields.endtime + keyStr,
  );
  return letterCase === "upper" ? digest.toUpperCase() : digest;
}

/** `yyyyMMddHHmmss` in China Standard Time (UTC+8), the vendor's `sporder_time` format. */
export function formatOfpayTime(epochMs: number): string {
  return formatDateTime(epochMs).replace(/\D/g, "");
}

/**
 * Parses `yyyyMMddHHmmss` (or `yyyyMMdd`, meaning midnight) in China Standard Time; `undefined`
 * when malformed or not a real date.
 */
export function parseOfpayTime(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = "00", minute = "00", second = "00"] = match;
  const epochMs = parseDateTime(`${year}-${month}-${day} ${hour}:${minute}:${second}`);
  // Date.UTC rolls 20240231 over to March: refuse dates that do not round-trip.
  if (epochMs === undefined) return undefined;
  return formatOfpayTime(epochMs).startsWith(text) ? epochMs : undefined;
}

/** One value of an answer document: text, or a list of rows (`querybill.do`'s bills). */
export type OfpayDocumentValue = string | ReadonlyArray<ReadonlyArray<readonly [string, string]>>;

/** An answer document before rendering: the root element and its children, in order. */
export interface OfpayDocument {
  /** The XML root: `orderinfo`, `userinfo`, `cardinfo` or `billinfo`. */
  root: string;
  fields: ReadonlyArray<readonly [string, OfpayDocumentValue]>;
  /** For a list value: the element name of one row (`bill`). */
  rowElement?: string | undefined;
}

/** The answer charsets: the vendor's answers are read as GB2312 by every integration seen (§5 [M]). */
export type OfpayCharset = "GB2312" | "UTF-8";

const xmlEscapes: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * Renders a document as the vendor's XML: `<?xml version="1.0" encoding="…"?>`, then one child
 * element per line; a list value becomes one `rowElement` per row. The exact whitespace of the
 * vendor's answers is unknown [?].
 */
export function renderOfpayXml(document: OfpayDocument, charset: OfpayCharset): Buffer {
  const escapeXml = (text: string) => text.replace(/[&<>]/g, (character) => xmlEscapes[character]!);
  const lines = [`<?xml version="1.0" encoding="${charset}"?>`, `<${document.root}>`];
  for (const [name, value] of document.fields) {
    if (typeof value === "string") {
      lines.push(`<${name}>${escapeXml(value)}</${name}>`);
      continue;
    }
    const row = document.rowElement ?? "item";
    lines.push(`<${name}>`);
    for (const cells of value) {
      lines.push(
        `<${row}>${cells.map(([cell, text]) => `<${cell}>${escapeXml(text)}</${cell}>`).join("")}</${row}>`,
      );
    }
    lines.push(`</${name}>`);
  }
  lines.push(`</${document.root}>`, "");
  return encodeOfpayText(lines.join("\n"), charset);
}

/**
 * Renders a document as the `format=json` answer: one flat object with the document's fields.
 * Values are strings unless `numericFields` names them (the vendor's JSON value types are
 * unconfirmed [?]); a numeric field whose text is not a plain number stays a string.
 */
export function renderOfpayJson(document: OfpayDocument, numericFields: ReadonlySet<string>): string {
  const convert = (name: string, text: string): string | number =>
    numericFields.has(name) && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  const object: Record<string, unknown> = {};
  for (const [name, value] of document.fields) {
    object[name] =
      typeof value === "string"
        ? convert(name, value)
        : value.map((cells) => Object.fromEntries(cells.map(([cell, text]) => [cell, convert(cell, text)])));
  }
  return JSON.stringify(object);
}

/** Encodes text in the given charset; a character GB2312/GBK cannot encode becomes `?`. */
export function encodeOfpayText(text: string, charset: OfpayCharset): Buffer {
  return encodeText(text, charset === "UTF-8" ? "utf-8" : "gbk");
}

/**
 * Percent-encodes a form in the given charset (`application/x-www-form-urlencoded`): unreserved
 * ASCII stays, a space becomes `+`, every other byte becomes `%XX` of its GBK or UTF-8 encoding.
 */
export function encodeOfpayForm(fields: Readonly<Record<string, string>>, charset: OfpayCharset): string {
  return encodeForm(fields, charset === "UTF-8" ? "utf-8" : "gbk");
}
