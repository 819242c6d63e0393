import { describe, expect, it } from "vitest";
import { compareRecord, findMissingLocally } from "../../src/cli/reconcile/compare-records.js";
import {
  type LocalRecord,
  parseLocalCsv,
  parseLocalJson,
  parseLocalRecords,
} from "../../src/cli/reconcile/local-records.js";
import { money } from "../../src/core/index.js";

const at = Date.parse("2026-11-24T10:00:00+08:00");
const local: LocalRecord = {
  merchantOrderId: "SHOP1",
  status: "succeeded",
  amount: money("99.60", "CNY"),
  createdAtMs: at,
  position: 2,
};

describe("compareRecord", () => {
  it("matches equal status and amount, whatever the decimal spelling", () => {
    const result = compareRecord(local, { kind: "found", status: "succeeded", cost: money("99.6", "CNY") });
    expect(result).toEqual({ differences: [], matched: true, amountUnchecked: false });
  });

  it("reports an order the supplier does not know as missing at the supplier", () => {
    const result = compareRecord(local, { kind: "not_found" });
    expect(result.matched).toBe(false);
    expect(result.differences.map((difference) => difference.kind)).toEqual(["missing_at_supplier"]);
    expect(result.differences[0]?.position).toBe(2);
  });

  it("reports a failed query as unresolved, never as missing", () => {
    const result = compareRecord(local, { kind: "error", code: "SUPPLIER_UNAVAILABLE", message: "timeout" });
    expect(result.differences.map((difference) => difference.kind)).toEqual(["unresolved"]);
    expect(result.differences[0]?.detail).toContain("SUPPLIER_UNAVAILABLE");
  });

  it("reports a status mismatch and tells a merchant whose record is behind to update it", () => {
    const behind = compareRecord({ ...local, status: "processing" }, { kind: "found", status: "succeeded" });
    expect(behind.differences[0]?.kind).toBe("status_mismatch");
    expect(behind.differences[0]?.detail).toContain("your record is not final yet");
    const disagree = compareRecord(local, { kind: "found", status: "failed", cost: money("99.60", "CNY") });
    expect(disagree.differences.map((difference) => difference.kind)).toEqual(["status_mismatch"]);
    expect(disagree.differences[0]?.detail).toContain("check before any refund");
  });

  it("reports a different amount or currency, but not the cost of a refunded order", () => {
    const amount = compareRecord(local, { kind: "found", status: "succeeded", cost: money("98.00", "CNY") });
    expect(amount.differences.map((difference) => difference.kind)).toEqual(["amount_mismatch"]);
    expect(amount.differences[0]?.detail).toBe("local 99.60 CNY, supplier charged 98.00 CNY");
    const currency = compareRecord(local, {
      kind: "found",
      status: "succeeded",
      cost: money("99.60", "USD"),
    });
    expect(currency.differences.map((difference) => difference.kind)).toEqual(["amount_mismatch"]);
    const refunded = compareRecord(
      { ...local, status: "failed" },
      { kind: "found", status: "failed", cost: money("1.00", "CNY") },
    );
    expect(refunded.matched).toBe(true);
  });

  it("counts a charged order without a supplier cost as matched with the amount unchecked", () => {
    const result = compareRecord(local, { kind: "found", status: "succeeded" });
    expect(result).toEqual({ differences: [], matched: true, amountUnchecked: true });
  });
});

describe("findMissingLocally", () => {
  const from = at - 3_600_000;
  const to = at + 3_600_000;

  it("lists supplier orders absent from the local ids, once each, within the range", () => {
    const differences = findMissingLocally(
      [
        { merchantOrderId: "SHOP1", createdAtMs: at },
        { merchantOrderId: "SHOP2", createdAtMs: at, status: "succeeded", amount: money("9.96", "CNY") },
        { merchantOrderId: "SHOP2", createdAtMs: at },
        { merchantOrderId: "SHOP3", createdAtMs: to },
        { merchantOrderId: "SHOP4" },
      ],
      new Set(["SHOP1"]),
      from,
      to,
    );
    expect(differences.map((difference) => difference.merchantOrderId)).toEqual(["SHOP2", "SHOP4"]);
    expect(differences[0]).toMatchObject({ kind: "missing_locally", supplierStatus: "succeeded" });
  });
});

describe("local records", () => {
  it("reads a CSV export with any header spelling, synonyms, a default currency and a BOM", () => {
    const parsed = parseLocalCsv(
      '\uFEFForder_id,Status,Amount,created_at,note\nSHOP1,成功,99.60,2026-11-24T10:00:00+08:00,"a, b"\n',
      "CNY",
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.records).toEqual([
      {
        merchantOrderId: "SHOP1",
        status: "succeeded",
        amount: money("99.60", "CNY"),
        createdAtMs: at,
        position: 2,
      },
    ]);
  });

  it("numbers problems by file line, counting quoted fields that span lines", () => {
    const parsed = parseLocalCsv(
      [
        "merchantOrderId,status,amount,currency,createdAt,note",
        'SHOP1,succeeded,99.60,CNY,2026-11-24T10:00:00+08:00,"two',
        'lines"',
        "SHOP 2,succeeded,99.60,CNY,2026-11-24T10:00:00+08:00,",
        "SHOP3,succeeded,99.60,RMB1,2026-11-24T10:00:00,",
      ].join("\n"),
    );
    expect(parsed.records.map((record) => record.merchantOrderId)).toEqual(["SHOP1"]);
    expect(parsed.problems.map((problem) => problem.position)).toEqual([4, 5]);
    expect(parsed.problems[0]?.message).toContain("merchantOrderId must be");
    expect(parsed.problems[1]?.message).toContain('currency "RMB1"');
    expect(parsed.problems[1]?.message).toContain("createdAt");
  });

  it("refuses a header without the required columns", () => {
    const parsed = parseLocalCsv("id,state\nSHOP1,succeeded\n");
    expect(parsed.records).toEqual([]);
    expect(parsed.problems[0]).toEqual({
      position: 1,
      message: expect.stringContaining("the header has no merchantOrderId, status, amount, createdAt column"),
    });
  });

  it("reads a JSON array, numbering bad items from 1", () => {
    const parsed = parseLocalJson(
      JSON.stringify([
        {
          merchantOrderId: "SHOP1",
          status: "failed",
          amount: 99.6,
          currency: "cny",
          createdAt: "2026-11-24T02:00:00Z",
        },
        "SHOP2",
        { merchantOrderId: "SHOP3", status: "succeeded", createdAt: "2026-11-24T02:00:00Z" },
      ]),
    );
    expect(parsed.unit).toBe("item");
    expect(
      parsed.records.map((record) => [record.merchantOrderId, record.amount, record.createdAtMs]),
    ).toEqual([["SHOP1", money("99.6", "CNY"), at]]);
    expect(parsed.problems).toEqual([
      { position: 2, message: "not an object" },
      { position: 3, message: "amount is missing" },
    ]);
  });

  it("says when a JSON file is not an array, and picks the parser by file name", () => {
    expect(parseLocalJson("{}").problems[0]?.message).toBe("the file must hold a JSON array of records");
    expect(parseLocalJson("[").problems[0]?.message).toBe("the file is not valid JSON");
    expect(parseLocalRecords("orders.JSON", "[]").unit).toBe("item");
    expect(parseLocalRecords("orders.txt", "merchantOrderId,status,amount,createdAt\n").unit).toBe("line");
  });
});
