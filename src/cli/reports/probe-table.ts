/**
 * The probe report as terminal text: the summary, the latency table, the checks and the stock and
 * price verdicts. The full per-order detail is in the JSON and HTML files.
 */
import type { ProbeReport } from "../probe/probe-report.js";
import type { DistributionSummary } from "../probe/statistics.js";
import { formatDuration } from "./svg-charts.js";
import { renderPairs, renderTable } from "./table.js";

function ms(value: number | undefined): string {
  return value === undefined ? "–" : formatDuration(value);
}

function statsRow(label: string, stats: DistributionSummary): string[] {
  return [
    label,
    String(stats.count),
    ms(stats.minMs),
    ms(stats.p50Ms),
    ms(stats.p90Ms),
    ms(stats.p99Ms),
    ms(stats.maxMs),
  ];
}

/** Renders the report for the terminal. */
export function renderProbeTable(report: ProbeReport): string {
  const { summary } = report;
  const target =
    report.target.mode === "simulator"
      ? "in-process simulator"
      : `${report.target.baseUrl ?? "production host"}${report.target.sandbox ? " (sandbox)" : ""}`;
  const pairs: Array<[string, string]> = [
    ["supplier", `${report.supplier} (${target})`],
    [
      "test orders",
      `${summary.placed}: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.notFinal} not final, ${summary.errors} errors`,
    ],
    ["success rate", `${(summary.successRate * 100).toFixed(1)} %`],
    [
      "callbacks",
      report.settings.callbacks
        ? `${report.callbacks.received} received, ${report.callbacks.refused} refused`
        : "not received",
    ],
    ["stock", summary.stock.verdict],
    ["price", summary.price.verdict],
    ["took", formatDuration(report.durationMs)],
  ];
  const right = { align: "right" as const };
  const latency = renderTable(
    [
      { header: "" },
      { header: "count", ...right },
      { header: "min", ...right },
      { header: "p50", ...right },
      { header: "p90", ...right },
      { header: "p99", ...right },
      { header: "max", ...right },
    ],
    [
      statsRow("acceptance latency", summary.acceptanceLatency),
      statsRow("time to final state", summary.timeToFinal),
      statsRow("callback delay", summary.callbackDelay),
    ],
  );
  const checks = renderTable(
    [{ header: "check" }, { header: "result" }, { header: "detail", maxWidth: 100 }],
    report.checks.map((check) => [check.name, check.status, check.detail]),
  );
  const products = renderTable(
    [{ header: "sku" }, { header: "product", maxWidth: 50 }, { header: "price", ...right }],
    report.products.map((product) => [
      product.sku,
      product.name ?? product.error?.code ?? "",
      product.price ?? "–",
    ]),
  );
  return [renderPairs(pairs), "", products, "", latency, "", checks].join("\n");
}
