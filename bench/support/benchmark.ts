/** What every benchmark module exports, and what it reports back to the runner. */
import type { Table } from "./report-table.js";
import type { TargetCheck } from "./targets.js";

export interface BenchmarkContext {
  /** Smoke-check sizes: each benchmark finishes in seconds. The figures are then only indicative. */
  quick: boolean;
  /** `--orders`: how many pending orders poller-scale resolves. */
  orders: number | undefined;
  /** `--build` / `--no-build`: whether startup-size and poller-scale may rebuild `dist/`. */
  build: "auto" | "always" | "never";
  /** The repository root (where package.json is). */
  root: string;
  /** Progress lines, printed as the benchmark runs. */
  log(message: string): void;
}

export interface BenchmarkReport {
  tables: Table[];
  targets: TargetCheck[];
  /** Every measured figure, for `bench/results/latest.json`. */
  data: Record<string, unknown>;
}

export interface Benchmark {
  /** The name `--only` selects. */
  name: string;
  /** One line for `--list` and the report. */
  summary: string;
  run(context: BenchmarkContext): Promise<BenchmarkReport>;
}
