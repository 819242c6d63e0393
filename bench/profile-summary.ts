/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and prints where the time went: the functions with
 * the most self time, the same grouped by package or source file, and the kaquan functions with
 * the most inclusive time (themselves and what they call).
 *
 *   npm run bench -- --only callback-verification --profile
 *   npx tsx bench/profile-summary.ts bench/results/profiles/callback-verification/main.cpuprofile [--top 25]
 *
 * kaquan's own frames are those in `src/` or `adapters/` (run from source) and in `dist/` (the
 * built package the benchmarks measure).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { renderTable } from "./support/report-table.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" } },
});
const file = positionals[0];
if (!file) {
  console.error("Usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 25]");
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const totalSamples = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
const microsPerSample = (profile.endTime - profile.startTime) / Math.max(1, totalSamples);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));

/** Where a frame's code lives: a kaquan source file, a package, Node itself, or V8. */
function placeOf(url: string): string {
  if (url === "") return "(V8 / native)";
  if (url.startsWith("node:")) return "(node internals)";
  const dependency = [...url.matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1);
  if (dependency) return dependency[1]!;
  const own = /\/((?:src|adapters|bench|dist)\/.+)$/.exec(url);
  return own ? own[1]! : url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  // tsx runs transpiled code, so line numbers of kaquan's own files are not the source's.
  const own = /\/(src|adapters|bench)\//.test(url) && !url.includes("/node_modules/");
  const line = lineNumber > 0 && !own ? `:${lineNumber + 1}` : "";
  return `${functionName || "(anonymous)"} ${placeOf(url)}${line}`;
}

const selfByFrame = new Map<string, number>();
const selfByPlace = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0) continue;
  const name = frameName(node);
  selfByFrame.set(name, (selfByFrame.get(name) ?? 0) + hits);
  const place =
    node.callFrame.functionName === "(garbage collector)"
      ? "(garbage collector)"
      : placeOf(node.callFrame.url);
  selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + hits);
}

// Inclusive time per kaquan frame, counted once per sample even under recursion.
const inclusive = new Map<string, number>();
const visit = (nodeId: number, onStack: Set<string>) => {
  const node = byId.get(nodeId)!;
  const name = frameName(node);
  const url = node.callFrame.url;
  const own = /\/(src|adapters|dist)\//.test(url) && !url.includes("/node_modules/") && !onStack.has(name);
  if (own) onStack.add(name);
  for (const name of onStack) inclusive.set(name, (inclusive.get(name) ?? 0) + (node.hitCount ?? 0));
  for (const child of node.children ?? []) visit(child, onStack);
  if (own) onStack.delete(name);
};
const root = profile.nodes[0];
if (root) visit(root.id, new Set());

const rows = (entries: Map<string, number>) =>
  [...entries.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, top)
    .map(([name, hits]) => [
      name,
      `${((hits * microsPerSample) / 1000).toFixed(0)} ms`,
      `${((hits / totalSamples) * 100).toFixed(1)} %`,
    ]);

console.log(
  `${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled, ${totalSamples} samples`,
);
console.log(
  renderTable({
    title: "self time by function",
    columns: ["function", "self", "share"],
    rows: rows(selfByFrame),
  }),
);
console.log(
  renderTable({
    title: "self time by package or file",
    columns: ["where", "self", "share"],
    rows: rows(selfByPlace),
  }),
);
console.log(
  renderTable({
    title: "inclusive time of kaquan functions",
    columns: ["function", "total", "share"],
    rows: rows(inclusive),
  }),
);
