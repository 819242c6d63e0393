import { describe, expect, it } from "vitest";
import { buildProbeReport } from "../../src/cli/probe/probe-report.js";
import { csvCell, parseCsv, toCsv } from "../../src/cli/reports/csv.js";
import { escapeHtml } from "../../src/cli/reports/html-escape.js";
import { renderProbeHtml } from "../../src/cli/reports/html-report.js";
import { displayWidth, renderTable, terminalSafe, truncateToWidth } from "../../src/cli/reports/table.js";

describe("CSV", () => {
  it("reads quoted fields, doubled quotes, line breaks inside quotes, CRLF and a byte-order mark", () => {
    const records = parseCsv('\uFEFFid,note\r\n1,"a, ""b"""\r\n2,"two\nlines"\n\n3,plain\n');
    expect(records).toEqual([
      { line: 1, fields: ["id", "note"] },
      { line: 2, fields: ["1", 'a, "b"'] },
      { line: 3, fields: ["2", "two\nlines"] },
      { line: 6, fields: ["3", "plain"] },
    ]);
  });

  it("names the line of an unclosed quote", () => {
    expect(() => parseCsv('id\n"open\n')).toThrow(/CSV line 2: a quoted field is not closed/);
    expect(() => parseCsv('"a"b\n')).toThrow(/text after a closing quote/);
  });

  it("writes cells a spreadsheet will not run as formulas, and keeps negative numbers", () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("-12.50")).toBe("-12.50");
    expect(csvCell("+cmd")).toBe("'+cmd");
    expect(toCsv(["a", "b"], [["1", "x,y"]])).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it("round-trips what it writes", () => {
    const rows = [["a\nb", 'say "hi"', ""]];
    const parsed = parseCsv(toCsv(["x", "y", "z"], rows));
    expect(parsed[1]?.fields).toEqual(rows[0]);
  });
});

describe("terminal tables", () => {
  it("counts CJK characters as two cells, so columns line up", () => {
    expect(displayWidth("福禄abc")).toBe(7);
    const table = renderTable(
      [{ header: "name" }, { header: "price", align: "right" }],
      [
        ["月卡", "1.00"],
        ["card", "25.50"],
      ],
    );
    const lines = table.split("\n");
    expect(lines.map((line) => displayWidth(line))).toEqual([11, 11, 11, 11]);
  });

  it("shows control characters as escapes: a supplier cannot drive the terminal", () => {
    expect(terminalSafe("ok\u001b[2J\nnext")).toBe("ok\\u{1b}[2J\\u{a}next");
    expect(renderTable([{ header: "x" }], [["\u001b]0;title\u0007"]])).not.toContain("\u001b");
  });

  it("cuts long cells with an ellipsis", () => {
    expect(truncateToWidth("abcdefgh", 5)).toBe("abcd…");
    expect(truncateToWidth("福禄福禄", 5)).toBe("福禄…");
  });
});

describe("the HTML report", () => {
  it("escapes every value a supplier controls", () => {
    const report = buildProbeReport({
      supplier: "fulu",
      target: { mode: "supplier", baseUrl: "https://x.example/?a=<b>" },
      startedAt: "2026-11-24T00:00:00.000Z",
      durationMs: 10,
      settings: {
        orders: 1,
        concurrency: 1,
        finalDeadlineMs: 1000,
        sampleIntervalMs: 1000,
        callbacks: false,
      },
      products: [{ sku: "<sku>", name: "<img src=x onerror=alert(1)>" }],
      orders: [
        {
          index: 0,
          merchantOrderId: "O1",
          kind: "card",
          startedAtMs: 0,
          acceptedAtMs: 5,
          finalAtMs: 9,
          status: "failed",
          vendorStatus: '"><svg onload=alert(2)>',
          cardCount: 0,
          error: { code: "rejected", message: "<b>bold</b>" },
        },
      ],
      stockSamples: [{ atMs: 0, answer: "<i>in</i>" }],
      productSamples: [],
      callbacks: { received: 0, refused: 0 },
      checks: [{ name: "c", status: "failed", detail: "<script>x</script>" }],
    });
    const html = renderProbeHtml(report);
    expect(html).not.toMatch(/<img|<script|<b>|<i>|<svg onload/i);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("&quot;&gt;&lt;svg onload=alert(2)&gt;");
    expect(html).toContain("https://x.example/?a=&lt;b&gt;");
  });

  it("escapes the five HTML characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
