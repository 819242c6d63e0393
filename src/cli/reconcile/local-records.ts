/**
 * The merchant's own order records for reconciliation (对账): a CSV export with a header row, or a
 * JSON array. Each record needs `merchantOrderId`, `status`, `amount` and `createdAt`; `currency`
 * is optional (default `--currency`, CNY). Other columns are ignored. Every bad row is reported with its line (CSV) or item number
 * (JSON) and what to fix, so a merchant fixes the export once rather than one error at a time.
 */
import { type Money, money, type OrderStatus, OrderStatusSchema } from "../../core/index.js";
import { parseCsv } from "../reports/csv.js";

/** One valid local record. */
export interface LocalRecord {
  readonly merchantOrderId: string;
  readonly status: OrderStatus;
  /** What the merchant expects the supplier to charge for the order. */
  readonly amount: Money;
  readonly createdAtMs: number;
  /** The CSV line or JSON item (1-based) it came from. */
  readonly position: number;
}

/** A row that could not be read, and why. */
export interface RecordProblem {
  readonly position: number;
  readonly message: string;
}

/** The records of a file and its bad rows. */
export interface LocalRecords {
  readonly records: readonly LocalRecord[];
  readonly problems: readonly RecordProblem[];
  /** What `position` counts: CSV lines or JSON array items. */
  readonly unit: "line" | "item";
}

/** Status words common in merchants' systems, mapped to kaquan's states. */
const statusSynonyms: Readonly<Record<string, OrderStatus>> = {
  success: "succeeded",
  successful: "succeeded",
  succeed: "succeeded",
  completed: "succeeded",
  complete: "succeeded",
  成功: "succeeded",
  充值成功: "succeeded",
  fail: "failed",
  failure: "failed",
  失败: "failed",
  充值失败: "failed",
  pending: "processing",
  处理中: "processing",
  充值中: "processing",
  refunded: "reversed",
  已退款: "reversed",
  partial: "partially_succeeded",
  部分成功: "partially_succeeded",
};

const orderIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
const isoWithZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Header spellings accepted for each field (compared lower-case, without `_`, `-` or spaces). */
const headerNames: Readonly<Record<string, string>> = {
  merchantorderid: "merchantOrderId",
  orderid: "merchantOrderId",
  status: "status",
  amount: "amount",
  currency: "currency",
  createdat: "createdAt",
};

const requiredFields = ["merchantOrderId", "status", "amount", "createdAt"] as const;

/** Reads one record's fields; returns the record or the problems with it. */
function readRecord(
  fields: Readonly<Record<string, unknown>>,
  position: number,
  defaultCurrency: string,
): LocalRecord | string[] {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined || value === null) return undefined;
    return typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : undefined;
  };
  for (const name of requiredFields) if (!text(name)) problems.push(`${name} is missing`);
  const merchantOrderId = text("merchantOrderId");
  if (merchantOrderId && !orderIdPattern.test(merchantOrderId)) {
    problems.push("merchantOrderId must be 1-64 letters, digits, '-' or '_'");
  }
  const statusText = text("status");
  let status: OrderStatus | undefined;
  if (statusText) {
    const lower = statusText.toLowerCase();
    const parsed = OrderStatusSchema.safeParse(lower);
    status = parsed.success ? parsed.data : statusSynonyms[lower];
    if (!status) {
      problems.push(
        `status "${statusText.slice(0, 30)}" is not one of ${OrderStatusSchema.options.join(", ")} (or success, fail, pending, refunded)`,
      );
    }
  }
  const currency = (text("currency") || defaultCurrency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency))
    problems.push(`currency "${currency.slice(0, 10)}" is not an ISO 4217 code such as CNY`);
  const amountText = text("amount");
  let amount: Money | undefined;
  if (amountText) {
    if (!/^\d+(\.\d+)?$/.test(amountText))
      problems.push(`amount "${amountText.slice(0, 20)}" is not a decimal such as 46.30`);
    else if (/^[A-Z]{3}$/.test(currency)) amount = money(amountText, currency);
  }
  const createdText = text("createdAt");
  let createdAtMs: number | undefined;
  if (createdText) {
    createdAtMs = isoWithZone.test(createdText) ? Date.parse(createdText) : Number.NaN;
    if (!Number.isFinite(createdAtMs)) {
      problems.push(
        `createdAt "${createdText.slice(0, 40)}" is not an ISO 8601 time with a zone, e.g. 2026-11-24T12:00:00+08:00`,
      );
    }
  }
  if (problems.length > 0 || !merchantOrderId || !status || !amount || createdAtMs === undefined) {
    return problems.length > 0 ? problems : ["the record is incomplete"];
  }
  return { merchantOrderId, status, amount, createdAtMs, position };
}

/** Adds records, reporting a merchantOrderId seen twice. */
function collect(
  rows: ReadonlyArray<{ position: number; fields: Readonly<Record<string, unknown>> }>,
  defaultCurrency: string,
  unit: "line" | "item",
): LocalRecords {
  const records: LocalRecord[] = [];
  const problems: RecordProblem[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const read = readRecord(row.fields, row.position, defaultCurrency);
    if (Array.isArray(read)) {
      problems.push({ position: row.position, message: read.join("; ") });
      continue;
    }
    const earlier = seen.get(read.merchantOrderId);
    if (earlier !== undefined) {
      problems.push({
        position: row.position,
        message: `merchantOrderId ${read.merchantOrderId} already appears on ${unit} ${earlier}`,
      });
      continue;
    }
    seen.set(read.merchantOrderId, row.position);
    records.push(read);
  }
  return { records, problems, unit };
}

/** Parses a CSV export whose first line names the columns. */
export function parseLocalCsv(text: string, defaultCurrency = "CNY"): LocalRecords {
  const parsed = parseCsv(text);
  const [header, ...rows] = parsed;
  if (!header)
    return { records: [], problems: [{ position: 1, message: "the file is empty" }], unit: "line" };
  const columns = header.fields.map((name) => headerNames[name.toLowerCase().replace(/[\s_-]/g, "")]);
  const missing = requiredFields.filter((field) => !columns.includes(field));
  if (missing.length > 0) {
    return {
      records: [],
      problems: [
        {
          position: header.line,
          message: `the header has no ${missing.join(", ")} column; expected merchantOrderId,status,amount,currency,createdAt`,
        },
      ],
      unit: "line",
    };
  }
  return collect(
    rows.map((row) => ({
      position: row.line,
      fields: Object.fromEntries(
        columns.flatMap((column, index) => (column ? [[column, row.fields[index] ?? ""]] : [])),
      ),
    })),
    defaultCurrency,
    "line",
  );
}

/** Parses a JSON array of records. */
export function parseLocalJson(text: string, defaultCurrency = "CNY"): LocalRecords {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { records: [], problems: [{ position: 0, message: "the file is not valid JSON" }], unit: "item" };
  }
  if (!Array.isArray(parsed)) {
    return {
      records: [],
      problems: [{ position: 0, message: "the file must hold a JSON array of records" }],
      unit: "item",
    };
  }
  const rows: Array<{ position: number; fields: Readonly<Record<string, unknown>> }> = [];
  const problems: RecordProblem[] = [];
  parsed.forEach((item, index) => {
    if (typeof item === "object" && item !== null && !Array.isArray(item)) {
      rows.push({ position: index + 1, fields: item as Record<string, unknown> });
    } else problems.push({ position: index + 1, message: "not an object" });
  });
  const collected = collect(rows, defaultCurrency, "item");
  return {
    ...collected,
    problems: [...problems, ...collected.problems].sort((left, right) => left.position - right.position),
  };
}

/** Parses a local file by its name: `.json` as JSON, anything else as CSV. */
export function parseLocalRecords(fileName: string, text: string, defaultCurrency = "CNY"): LocalRecords {
  return fileName.toLowerCase().endsWith(".json")
    ? parseLocalJson(text, defaultCurrency)
    : parseLocalCsv(text, defaultCurrency);
}
