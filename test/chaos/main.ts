/**
 * `npm run chaos -- --orders 1000 --fault-rate 0.25 --seed 1 --suppliers fulu,juhe,chengquan [--json]`
 *
 * Runs one chaos run, prints its table (or the report as JSON) and exits 1 when a promise was
 * broken (double-fulfilled, lost, forged callback accepted or secret leaked), 2 on bad arguments.
 */
import { parseArgs } from "node:util";
import { formatChaosReport, runChaos } from "./chaos-run.js";
import { type ChaosSupplierName, chaosSupplierNames } from "./chaos-suppliers.js";

function fail(message: string): never {
  process.stderr.write(`chaos: ${message}\n`);
  process.exit(2);
}

function whole(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) fail(`--${name} must be a whole number, not ${value}`);
  return parsed;
}

async function main(): Promise<void> {
  let values: ReturnType<typeof parseArguments>;
  try {
    values = parseArguments();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const faultRate = values["fault-rate"] === undefined ? 0.25 : Number(values["fault-rate"]);
  if (!(faultRate >= 0 && faultRate <= 1)) fail("--fault-rate must be a number from 0 to 1, e.g. 0.25");
  const suppliers = values.suppliers
    ?.split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of suppliers ?? []) {
    if (!chaosSupplierNames.includes(name as ChaosSupplierName)) {
      fail(`--suppliers: unknown supplier ${name}; choose from ${chaosSupplierNames.join(",")}`);
    }
  }
  const json = values.json === true;
  const report = await runChaos({
    orders: whole(values.orders, "orders", 1_000),
    faultRate,
    seed: whole(values.seed, "seed", 1),
    ...(suppliers && suppliers.length > 0 ? { suppliers: suppliers as ChaosSupplierName[] } : {}),
    ...(values.concurrency ? { concurrency: whole(values.concurrency, "concurrency", 24) } : {}),
    onProgress: (line) => process.stderr.write(`chaos: ${line}\n`),
  });
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatChaosReport(report)}\n`);
  process.exitCode = report.failed ? 1 : 0;
}

function parseArguments() {
  return parseArgs({
    options: {
      orders: { type: "string" },
      "fault-rate": { type: "string" },
      seed: { type: "string" },
      suppliers: { type: "string" },
      concurrency: { type: "string" },
      json: { type: "boolean" },
    },
    strict: true,
  }).values;
}

void main();
