/**
 * `npm run bench`: measures kaquan against the bare limit — the network, the hash, node:http —
 * side by side in one run, prints a table per benchmark with the targets beside the results,
 * and writes every figure with the machine's description to bench/results/latest.json.
 *
 * Benchmarks are not tests: a missed target is reported, never fatal. The exit code is non-zero
 * only when a benchmark could not run at all.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Benchmark, BenchmarkReport } from "./support/benchmark.js";
import { ensureBuilt } from "./support/built-package.js";
import { parseCliOptions, usage } from "./support/cli-options.js";
import { startProfiling } from "./support/cpu-profiler.js";
import { formatSeconds } from "./support/format.js";
import { machineInfo } from "./support/machine-info.js";
import { renderTable } from "./support/report-table.js";
import type { TargetCheck } from "./support/targets.js";

/**
 * The benchmarks, loaded only once dist/ is built: they import `kaquan`, which resolves to the
 * built package (bench/tsconfig.json has no source paths), as it does for a merchant.
 */
const benchmarkModules: ReadonlyArray<{ name: string; load: () => Promise<Benchmark> }> = [
  {
    name: "order-overhead",
    load: async () => (await import("./benchmarks/order-overhead.js")).orderOverhead,
  },
  {
    name: "callback-verification",
    load: async () => (await import("./benchmarks/callback-verification.js")).callbackVerification,
  },
  {
    name: "callback-endpoint",
    load: async () => (await import("./benchmarks/callback-endpoint.js")).callbackEndpoint,
  },
  { name: "poller-scale", load: async () => (await import("./benchmarks/poller-scale.js")).pollerScale },
  { name: "startup-size", load: async () => (await import("./benchmarks/startup-size.js")).startupSize },
];

interface BenchmarkOutcome {
  name: string;
  summary: string;
  elapsedMs: number;
  targets?: TargetCheck[];
  data?: Record<string, unknown>;
  error?: string;
}

async function main(): Promise<number> {
  const options = parseCliOptions(process.argv.slice(2));
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const unknown = options.only.filter((name) => !benchmarkModules.some((module) => module.name === name));
  if (unknown.length > 0) {
    console.error(
      `Unknown benchmark(s): ${unknown.join(", ")}. Known: ${benchmarkModules.map((module) => module.name).join(", ")}`,
    );
    return 2;
  }
  // kaquan is measured as a merchant runs it: the built package, rebuilt first when stale.
  await ensureBuilt(root, options.build, (message) => console.log(message));
  const benchmarks = await Promise.all(benchmarkModules.map((module) => module.load()));
  if (options.list) {
    for (const benchmark of benchmarks) console.log(`${benchmark.name.padEnd(24)} ${benchmark.summary}`);
    return 0;
  }
  const selected =
    options.only.length === 0
      ? benchmarks
      : benchmarks.filter((benchmark) => options.only.includes(benchmark.name));
  const machine = machineInfo(root);
  console.log(
    `kaquan ${machine.kaquanVersion} benchmarks${options.quick ? " (quick: indicative figures only)" : ""}\n` +
      `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage.join(" ")}, ${machine.date}`,
  );

  const outcomes: BenchmarkOutcome[] = [];
  for (const benchmark of selected) {
    console.log(`\n== ${benchmark.name}: ${benchmark.summary}`);
    const startedAt = performance.now();
    const stopProfiling = options.profile
      ? await startProfiling(resolve(root, "bench/results/profiles", benchmark.name))
      : undefined;
    let report: BenchmarkReport;
    try {
      report = await benchmark.run({
        quick: options.quick,
        orders: options.orders,
        build: options.build,
        root,
        log: (message) => console.log(`  ${message}`),
      });
    } catch (error) {
      await stopProfiling?.("main");
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`  ${benchmark.name} could not run: ${message}`);
      outcomes.push({
        name: benchmark.name,
        summary: benchmark.summary,
        elapsedMs: performance.now() - startedAt,
        error: message,
      });
      continue;
    }
    const elapsedMs = performance.now() - startedAt;
    if (stopProfiling) {
      const file = await stopProfiling("main");
      console.log(`  profiles in ${dirname(file)} (summarise: npx tsx bench/profile-summary.ts <file>)`);
    }
    for (const table of report.tables) console.log(renderTable(table));
    if (report.targets.length > 0) {
      console.log(
        renderTable({
          title: `${benchmark.name} targets`,
          columns: ["check", "target", "measured", "result"],
          rows: report.targets.map((check) => [
            check.name,
            check.target,
            check.measured,
            check.pass ? "pass" : "FAIL",
          ]),
        }),
      );
    }
    console.log(`  (${benchmark.name} took ${formatSeconds(elapsedMs)})`);
    outcomes.push({
      name: benchmark.name,
      summary: benchmark.summary,
      elapsedMs,
      targets: report.targets,
      data: report.data,
    });
  }

  const allTargets = outcomes.flatMap((outcome) =>
    (outcome.targets ?? []).map((check) => ({ benchmark: outcome.name, ...check })),
  );
  if (allTargets.length > 0) {
    console.log(
      renderTable({
        title: "Summary of targets",
        columns: ["benchmark", "check", "target", "measured", "result"],
        textColumns: 2,
        rows: allTargets.map((check) => [
          check.benchmark,
          check.name,
          check.target,
          check.measured,
          check.pass ? "pass" : "FAIL",
        ]),
      }),
    );
  }
  const output = resolve(root, options.output);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(
    output,
    `${JSON.stringify({ machine, mode: options.quick ? "quick" : "full", benchmarks: outcomes }, null, 2)}\n`,
  );
  console.log(`\nResults written to ${options.output}`);
  return outcomes.some((outcome) => outcome.error !== undefined) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
