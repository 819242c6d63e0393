/** The command line of `npm run bench`. */
import { parseArgs } from "node:util";

export interface CliOptions {
  /** Benchmark names to run; all when empty. */
  only: string[];
  quick: boolean;
  orders: number | undefined;
  build: "auto" | "always" | "never";
  /** Where the JSON results go, relative to the repository root. */
  output: string;
  /** Write a CPU profile of each benchmark (and of its workers) to bench/results/profiles/. */
  profile: boolean;
  list: boolean;
  help: boolean;
}

export const usage = `Usage: npm run bench -- [options]

  --only <names>   run only these benchmarks (comma-separated, or repeat the option)
  --quick          a few seconds per benchmark, to smoke-check; the figures are only indicative
  --orders <n>     poller-scale: how many pending orders to resolve (default 100000; 2000 with --quick)
  --build          rebuild dist/ first (every benchmark measures the built package)
  --no-build       never rebuild dist/, even when it is older than the sources
  --output <file>  where to write the JSON results (default bench/results/latest.json)
  --profile        write CPU profiles to bench/results/profiles/ (summarise: npx tsx bench/profile-summary.ts <file>)
  --list           list the benchmarks and exit
  -h, --help       show this help`;

export function parseCliOptions(args: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      only: { type: "string", multiple: true },
      quick: { type: "boolean", default: false },
      orders: { type: "string" },
      build: { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
      output: { type: "string", default: "bench/results/latest.json" },
      profile: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  let orders: number | undefined;
  if (values.orders !== undefined) {
    orders = Number(values.orders.replace(/[_,]/g, ""));
    if (!Number.isSafeInteger(orders) || orders < 1)
      throw new Error(`--orders must be a whole number ≥ 1, not "${values.orders}"`);
  }
  if (values.build && values["no-build"]) throw new Error("pass --build or --no-build, not both");
  return {
    only: (values.only ?? [])
      .flatMap((names) => names.split(","))
      .map((name) => name.trim())
      .filter(Boolean),
    quick: values.quick,
    orders,
    build: values.build ? "always" : values["no-build"] ? "never" : "auto",
    output: values.output,
    profile: values.profile,
    list: values.list,
    help: values.help,
  };
}
