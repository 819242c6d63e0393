/**
 * The probe's HTML report: one self-contained file — inline CSS and inline SVG charts, no script,
 * no external font, stylesheet or image — that a merchant can mail to a colleague or attach to a
 * supplier review. Every value from the supplier is escaped, and a Content-Security-Policy that
 * allows no script is declared as a second line of defence.
 */

import type { CheckStatus, ProbeReport } from "../probe/probe-report.js";
import type { DistributionSummary } from "../probe/statistics.js";
import { escapeHtml } from "./html-escape.js";
import { formatDuration, histogramSvg, type TimelineRow, timelineSvg } from "./svg-charts.js";

const styles = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;color:#1d2330;background:#fff}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem;border-bottom:1px solid #dde1e8;padding-bottom:.25rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.3rem .7rem;border-bottom:1px solid #eceff4;text-align:left;vertical-align:top}
th{background:#f5f7fa;font-weight:600}td.number{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#6b7385}.verdict{display:inline-block;padding:.2rem .6rem;border-radius:4px;font-weight:600}
.clean{background:#e3f5e8;color:#17672e}.findings{background:#fdecea;color:#a12622}
.passed{color:#17672e}.warning{color:#9a6100}.failed{color:#a12622}.skipped{color:#6b7385}
svg{display:block;margin:.5rem 0;max-width:100%;height:auto}svg text{font:11px sans-serif;fill:#4a5263}
svg .bar{fill:#4c78c8}svg .count,svg .axis{text-anchor:middle}svg .label{text-anchor:end}svg .axis-end{text-anchor:end}
svg .rule{stroke:#aab1c0}svg .accept{fill:#c5d3ee}svg .ok{fill:#3d9a5b}svg .bad{fill:#d0493f}svg .open{fill:#9aa1b0}
svg .callback{fill:#f2a900;stroke:#7a5600}
`;

function cell(value: string | number | undefined, numeric = false): string {
  const text = value === undefined ? "–" : String(value);
  return `<td${numeric ? ' class="number"' : ""}>${escapeHtml(text)}</td>`;
}

function duration(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : formatDuration(ms);
}

function statsRow(label: string, stats: DistributionSummary): string {
  return `<tr><th>${escapeHtml(label)}</th>${cell(stats.count, true)}${[
    stats.minMs,
    stats.p50Ms,
    stats.p90Ms,
    stats.p99Ms,
    stats.maxMs,
    stats.meanMs,
  ]
    .map((value) => cell(duration(value), true))
    .join("")}</tr>`;
}

function statusClass(status: CheckStatus): string {
  return status;
}

/** Renders the report as one self-contained HTML document. */
export function renderProbeHtml(report: ProbeReport): string {
  const { summary } = report;
  const title = `kaquan probe — ${report.supplier}`;
  const target =
    report.target.mode === "simulator"
      ? "the in-process simulator"
      : `${report.target.baseUrl ?? "the production host"}${report.target.sandbox ? " (sandbox)" : ""}`;
  const timeline: TimelineRow[] = report.orders.map((order) => ({
    label: order.merchantOrderId,
    startedAtMs: order.startedAtMs,
    acceptedAtMs: order.acceptedAtMs,
    finalAtMs: order.finalAtMs,
    callbackAtMs: order.callbackAtMs,
    tone:
      order.status === "succeeded" || order.status === "partially_succeeded"
        ? "ok"
        : order.status === "failed" || order.status === "reversed" || order.status === "error"
          ? "bad"
          : "open",
  }));
  const sections = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="muted">${escapeHtml(`Against ${target}; started ${report.startedAt}; took ${formatDuration(report.durationMs)}.`)}</p>`,
    `<p><span class="verdict ${report.clean ? "clean" : "findings"}">${
      report.clean
        ? "Every check passed and every test order succeeded"
        : "Findings: see the checks and orders below"
    }</span></p>`,
    "<h2>Summary</h2>",
    `<table><tbody>${[
      ["Test orders", summary.placed],
      ["Succeeded", summary.succeeded],
      ["Failed", summary.failed],
      ["Not final by the deadline", summary.notFinal],
      ["Errors", summary.errors],
      ["Success rate", `${(summary.successRate * 100).toFixed(1)} %`],
      ["Callbacks received / refused", `${report.callbacks.received} / ${report.callbacks.refused}`],
      ["Stock answers", summary.stock.verdict],
      ["Price answers", summary.price.verdict],
    ]
      .map(([label, value]) => `<tr><th>${escapeHtml(String(label))}</th>${cell(value)}</tr>`)
      .join("")}</tbody></table>`,
    `<table><thead><tr><th></th><th>count</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>mean</th></tr></thead><tbody>${[
      statsRow("Acceptance latency", summary.acceptanceLatency),
      statsRow("Time to final state", summary.timeToFinal),
      statsRow("Callback delay", summary.callbackDelay),
    ].join("")}</tbody></table>`,
    "<h2>Checks</h2>",
    `<table><thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead><tbody>${report.checks
      .map(
        (check) =>
          `<tr><td>${escapeHtml(check.name)}</td><td class="${statusClass(check.status)}">${escapeHtml(check.status)}</td>${cell(check.detail)}</tr>`,
      )
      .join("")}</tbody></table>`,
    "<h2>Products</h2>",
    `<table><thead><tr><th>sku</th><th>name</th><th>price</th></tr></thead><tbody>${report.products
      .map(
        (product) =>
          `<tr>${cell(product.sku)}${cell(product.name ?? product.error?.code)}${cell(product.price)}</tr>`,
      )
      .join("")}</tbody></table>`,
    "<h2>Latency</h2>",
    histogramSvg(summary.acceptanceHistogram, "Acceptance latency (placeOrder answer)"),
    histogramSvg(summary.timeToFinalHistogram, "Time to final state"),
    "<h2>Timeline</h2>",
    `<p class="muted">Light: placed → accepted; green/red: accepted → final; dot: callback arrival.</p>`,
    timelineSvg(timeline, "Per-order timeline"),
    "<h2>Orders</h2>",
    `<table><thead><tr><th>#</th><th>order id</th><th>sku</th><th>status</th><th>vendor status</th><th>accepted</th><th>final</th><th>by</th><th>callback delay</th><th>cards</th><th>cost</th><th>error</th></tr></thead><tbody>${report.orders
      .map(
        (order) =>
          `<tr>${cell(order.index + 1, true)}${cell(order.merchantOrderId)}${cell(order.sku)}${cell(order.status)}${cell(order.vendorStatus)}${cell(
            duration(order.acceptedAtMs === undefined ? undefined : order.acceptedAtMs - order.startedAtMs),
            true,
          )}${cell(duration(order.finalAtMs === undefined ? undefined : order.finalAtMs - order.startedAtMs), true)}${cell(order.finalBy)}${cell(
            duration(order.callbackDelayMs),
            true,
          )}${cell(order.cardCount, true)}${cell(order.cost)}${cell(order.error ? `${order.error.code}: ${order.error.message}` : undefined)}</tr>`,
      )
      .join("")}</tbody></table>`,
    "<h2>Stock and price samples</h2>",
    `<table><thead><tr><th>at</th><th>stock</th><th>product</th></tr></thead><tbody>${mergeSamples(report)
      .map((row) => `<tr>${cell(formatDuration(row.atMs), true)}${cell(row.stock)}${cell(row.product)}</tr>`)
      .join("")}</tbody></table>`,
  ];
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    // No script may run in this file, whatever a supplier put in a product name.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title><style>${styles}</style></head>`,
    `<body>${sections.join("\n")}</body></html>`,
    "",
  ].join("\n");
}

function mergeSamples(report: ProbeReport): Array<{ atMs: number; stock?: string; product?: string }> {
  const rows = new Map<number, { atMs: number; stock?: string; product?: string }>();
  for (const sample of report.stockSamples) {
    rows.set(sample.atMs, {
      ...rows.get(sample.atMs),
      atMs: sample.atMs,
      stock: sample.answer ?? `error: ${sample.error}`,
    });
  }
  for (const sample of report.productSamples) {
    rows.set(sample.atMs, {
      ...rows.get(sample.atMs),
      atMs: sample.atMs,
      product: sample.answer ?? `error: ${sample.error}`,
    });
  }
  return [...rows.values()].sort((left, right) => left.atMs - right.atMs);
}
