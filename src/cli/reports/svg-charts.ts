/**
 * Inline SVG charts for the HTML probe report: a latency histogram and a per-order timeline. Plain
 * SVG elements, no script, no external font; every text node is escaped.
 */
import type { HistogramBin } from "../probe/statistics.js";
import { escapeHtml } from "./html-escape.js";

/** One order's bar on the timeline, in milliseconds since the probe started. */
export interface TimelineRow {
  readonly label: string;
  readonly startedAtMs: number;
  readonly acceptedAtMs?: number | undefined;
  readonly finalAtMs?: number | undefined;
  readonly callbackAtMs?: number | undefined;
  /** `ok` draws green, `bad` red, `open` grey. */
  readonly tone: "ok" | "bad" | "open";
}

const WIDTH = 640;

/** A compact duration label: `850 ms`, `2.4 s`, `3 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** A bar chart of histogram bins, titled for screen readers. */
export function histogramSvg(bins: readonly HistogramBin[], title: string): string {
  if (bins.length === 0) return `<p class="muted">${escapeHtml(title)}: no data</p>`;
  const height = 180;
  const plotTop = 10;
  const plotBottom = height - 40;
  const max = Math.max(...bins.map((bin) => bin.count), 1);
  const slot = (WIDTH - 20) / bins.length;
  const bars = bins
    .map((bin, index) => {
      const barHeight = ((plotBottom - plotTop) * bin.count) / max;
      const x = 10 + index * slot;
      const label = `${formatDuration(bin.fromMs)}–${formatDuration(bin.toMs)}: ${bin.count}`;
      return [
        `<rect x="${x + 2}" y="${plotBottom - barHeight}" width="${Math.max(1, slot - 4)}" height="${barHeight}" class="bar"><title>${escapeHtml(label)}</title></rect>`,
        bin.count > 0
          ? `<text x="${x + slot / 2}" y="${plotBottom - barHeight - 3}" class="count">${bin.count}</text>`
          : "",
        `<text x="${x + slot / 2}" y="${plotBottom + 14}" class="axis">${escapeHtml(formatDuration(bin.fromMs))}</text>`,
      ].join("");
    })
    .join("");
  return `<svg role="img" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title><line x1="10" y1="${plotBottom}" x2="${WIDTH - 10}" y2="${plotBottom}" class="rule"/>${bars}<text x="${WIDTH / 2}" y="${height - 6}" class="axis">${escapeHtml(title)}</text></svg>`;
}

/** One row per order: placed → accepted (light), accepted → final (toned), a dot for the callback. */
export function timelineSvg(rows: readonly TimelineRow[], title: string): string {
  if (rows.length === 0) return `<p class="muted">${escapeHtml(title)}: no orders</p>`;
  const rowHeight = 18;
  const labelWidth = 190;
  const height = rows.length * rowHeight + 30;
  const end = Math.max(
    1,
    ...rows.flatMap((row) =>
      [row.startedAtMs, row.acceptedAtMs, row.finalAtMs, row.callbackAtMs].filter(
        (value): value is number => value !== undefined,
      ),
    ),
  );
  const scale = (WIDTH - labelWidth - 20) / end;
  const x = (ms: number) => labelWidth + ms * scale;
  const body = rows
    .map((row, index) => {
      const y = 10 + index * rowHeight;
      const parts = [
        `<text x="${labelWidth - 6}" y="${y + 12}" class="label">${escapeHtml(row.label)}</text>`,
      ];
      const accepted = row.acceptedAtMs ?? row.startedAtMs;
      parts.push(
        `<rect x="${x(row.startedAtMs)}" y="${y + 3}" width="${Math.max(1, (accepted - row.startedAtMs) * scale)}" height="10" class="accept"><title>${escapeHtml(`accepted after ${formatDuration(accepted - row.startedAtMs)}`)}</title></rect>`,
      );
      if (row.finalAtMs !== undefined) {
        parts.push(
          `<rect x="${x(accepted)}" y="${y + 3}" width="${Math.max(1, (row.finalAtMs - accepted) * scale)}" height="10" class="${row.tone}"><title>${escapeHtml(`final after ${formatDuration(row.finalAtMs - row.startedAtMs)}`)}</title></rect>`,
        );
      }
      if (row.callbackAtMs !== undefined) {
        parts.push(
          `<circle cx="${x(row.callbackAtMs)}" cy="${y + 8}" r="4" class="callback"><title>${escapeHtml(`callback at ${formatDuration(row.callbackAtMs)}`)}</title></circle>`,
        );
      }
      return parts.join("");
    })
    .join("");
  const axis = `<text x="${labelWidth}" y="${height - 6}" class="axis-start">0</text><text x="${WIDTH - 20}" y="${height - 6}" class="axis-end">${escapeHtml(formatDuration(end))}</text>`;
  return `<svg role="img" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>${body}${axis}</svg>`;
}
