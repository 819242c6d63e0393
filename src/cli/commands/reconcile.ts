/**
 * `kaquan reconcile`: the daily 对账 of the merchant's order records against a supplier. The rules
 * live in `../reconcile/`; this module reads the inputs, runs the queries and prints and writes the
 * result. Exit code 0 when everything matches, 3 when there are differences.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { createSupplierClient } from "../../client/index.js";
import { ValidationError } from "../../core/index.js";
import { systemClock } from "../../runtime/clock.js";
import { createHttpTransport } from "../../runtime/http-transport.js";
import { silentLogger } from "../../runtime/logging.js";
import type { CliContext } from "../cli-io.js";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { startProgress } from "../progress.js";
import type { Difference } from "../reconcile/compare-records.js";
import { parseLocalRecords } from "../reconcile/local-records.js";
import { type ReconcileResult, runReconcile } from "../reconcile/reconcile-runner.js";
import { toCsv } from "../reports/csv.js";
import { renderPairs, renderTable } from "../reports/table.js";
import { readSupplierConfigFor, type SupplierConfig } from "../supplier-config.js";
import {
  type AdapterInput,
  SUPPLIER_NAMES,
  type SupplierEntry,
  supplierEntry,
} from "../supplier-registry.js";
import {
  credentialsFor,
  integerOption,
  loadSecretsFile,
  positiveNumberOption,
  resolvePath,
} from "./command-support.js";

/** Options of `reconcile`, as commander parses them. */
export interface ReconcileOptions {
  supplier?: string;
  local: string;
  from: string;
  to: string;
  out?: string;
  config?: string;
  rate?: number;
  concurrency: number;
  currency: string;
  secretsFile?: string;
}

const examples = `
Examples:
  $ kaquan reconcile --supplier ofpay --local orders.csv \\
      --from 2026-11-24T00:00:00+08:00 --to 2026-11-25T00:00:00+08:00
  $ kaquan reconcile --config fulu.json --local orders.json --from 2026-11-24T00:00:00Z \\
      --to 2026-11-25T00:00:00Z --out fulu-2026-11-24.csv --rate 5

orders.csv (header required; currency optional, default --currency):
  merchantOrderId,status,amount,currency,createdAt
  SHOP20261124001,succeeded,99.60,CNY,2026-11-24T10:00:00+08:00

status is one of processing, succeeded, partially_succeeded, failed, reversed, unknown (success,
fail, pending and refunded are read too); amount is what the supplier charges for the order.
Orders missing locally are found only for suppliers with an order-list endpoint (OFPay querybill.do).
Exit code 0 when everything matches, 3 when there are differences, 2 for bad input.`;

/** Registers `reconcile` on `program`. */
export function registerReconcileCommand(
  program: Command,
  context: CliContext,
  run: (action: () => Promise<number>) => Promise<void>,
): void {
  program
    .command("reconcile")
    .description(
      "compare your order records with a supplier's (对账): missing orders, status and amount mismatches",
    )
    .option("--supplier <name>", `one of ${SUPPLIER_NAMES.join(", ")} (or from --config)`)
    .requiredOption("--local <file>", "your records: a CSV with a header, or a JSON array")
    .requiredOption("--from <time>", "start of the range, ISO 8601 with a zone (inclusive)")
    .requiredOption("--to <time>", "end of the range, ISO 8601 with a zone (exclusive)")
    .option("--out <file>", "the differences as CSV (default ./kaquan-reconcile-<supplier>-<from>.csv)")
    .option("--config <file>", "supplier configuration (baseUrl, sandbox, options; no credentials)")
    .option(
      "--rate <n>",
      "requests per second (default: the supplier's published limit)",
      positiveNumberOption,
    )
    .option("--concurrency <n>", "queries in flight at once", integerOption(1, 32), 4)
    .option("--currency <code>", "currency of records without one", "CNY")
    .option("--secrets-file <file>", "credentials as JSON or .env lines (instead of the environment)")
    .addHelpText("after", examples)
    .action((options: ReconcileOptions) => run(() => reconcile(context, options)));
}

const isoWithZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function parseTime(value: string, flag: string): number {
  const parsed = isoWithZone.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(parsed)) {
    throw new ValidationError(
      `${flag} "${value.slice(0, 40)}" is not an ISO 8601 time with a zone, e.g. 2026-11-24T00:00:00+08:00`,
      [
        {
          path: flag.slice(2),
          message: "add the time and zone: a day starts at different instants in different zones",
        },
      ],
    );
  }
  return parsed;
}

async function resolveSupplier(
  context: CliContext,
  options: ReconcileOptions,
): Promise<{ entry: SupplierEntry; config?: SupplierConfig }> {
  if (options.config) {
    return readSupplierConfigFor(resolvePath(context, options.config), options.config, options.supplier);
  }
  if (!options.supplier) {
    throw new ValidationError("reconcile needs --supplier <name> (or --config)", [
      { path: "supplier", message: `one of ${SUPPLIER_NAMES.join(", ")}` },
    ]);
  }
  return { entry: supplierEntry(options.supplier) };
}

/** Runs the reconciliation. */
export async function reconcile(context: CliContext, options: ReconcileOptions): Promise<number> {
  const { entry, config } = await resolveSupplier(context, options);
  const fromMs = parseTime(options.from, "--from");
  const toMs = parseTime(options.to, "--to");
  if (toMs <= fromMs) {
    throw new ValidationError("--to must be after --from", [
      { path: "to", message: "the range is [from, to)" },
    ]);
  }
  if (!/^[A-Za-z]{3}$/.test(options.currency)) {
    throw new ValidationError(
      `--currency "${options.currency.slice(0, 10)}" is not an ISO 4217 code such as CNY`,
      [{ path: "currency", message: "e.g. CNY or USD" }],
    );
  }
  const localPath = resolvePath(context, options.local);
  let text: string;
  try {
    text = await readFile(localPath, "utf8");
  } catch {
    throw new ValidationError(`cannot read ${localPath}`, [
      { path: "local", message: "check the path given to --local" },
    ]);
  }
  const local = parseLocalRecords(localPath, text, options.currency.toUpperCase());
  if (local.problems.length > 0) {
    context.stderr.line(
      `kaquan: ${options.local} has ${local.problems.length} invalid ${local.unit === "line" ? "row" : "record"}${local.problems.length === 1 ? "" : "s"}; fix ${local.problems.length === 1 ? "it" : "them"} and run again:`,
    );
    for (const problem of local.problems.slice(0, 50)) {
      context.stderr.line(`  ${local.unit} ${problem.position}: ${problem.message}`);
    }
    if (local.problems.length > 50) context.stderr.line(`  … and ${local.problems.length - 50} more`);
    return EXIT_USAGE;
  }

  const file = await loadSecretsFile(context, options.secretsFile);
  const input: AdapterInput = {
    credentials: credentialsFor(context, entry, file).values,
    ...(config?.baseUrl ? { endpoint: config.baseUrl } : {}),
    ...(config?.authUrl ? { authEndpoint: config.authUrl } : {}),
    environment: config?.sandbox ? "sandbox" : "production",
    ...(config ? { options: config.options } : {}),
  };
  const client = createSupplierClient({
    adapter: entry.createAdapter(input),
    ...(options.rate !== undefined ? { rateLimit: { requestsPerSecond: options.rate } } : {}),
  });
  const http = createHttpTransport();
  const inRange = local.records.filter(
    (record) => record.createdAtMs >= fromMs && record.createdAtMs < toMs,
  ).length;
  const progress = startProgress(context.stderr.raw, "orders", inRange);
  let result: ReconcileResult;
  try {
    result = await runReconcile({
      entry,
      client,
      listContext: () => ({ http, clock: systemClock, logger: silentLogger }),
      records: local.records,
      fromMs,
      toMs,
      concurrency: options.concurrency,
      onProgress: (done) => progress.update(done),
      signal: context.signal,
    });
  } finally {
    progress.stop();
    client.close();
    http.close();
  }

  const outPath = resolvePath(
    context,
    options.out ?? `kaquan-reconcile-${entry.name}-${new Date(fromMs).toISOString().slice(0, 10)}.csv`,
  );
  await writeFile(outPath, differencesCsv(result.differences), "utf8");
  printResult(context, entry, result, outPath);
  const total = result.differences.length;
  return total === 0 ? EXIT_OK : EXIT_FINDINGS;
}

const csvHeader = [
  "difference",
  "merchantOrderId",
  "localStatus",
  "supplierStatus",
  "vendorStatus",
  "localAmount",
  "supplierAmount",
  "currency",
  "supplierOrderId",
  "localPosition",
  "detail",
];

/** The differences as CSV rows. */
export function differencesCsv(differences: readonly Difference[]): string {
  return toCsv(
    csvHeader,
    differences.map((difference) => [
      difference.kind,
      difference.merchantOrderId,
      difference.localStatus ?? "",
      difference.supplierStatus ?? "",
      difference.vendorStatus ?? "",
      difference.localAmount?.amount ?? "",
      difference.supplierAmount?.amount ?? "",
      difference.localAmount?.currency ?? difference.supplierAmount?.currency ?? "",
      difference.supplierOrderId ?? "",
      difference.position === undefined ? "" : String(difference.position),
      difference.detail,
    ]),
  );
}

function printResult(
  context: CliContext,
  entry: SupplierEntry,
  result: ReconcileResult,
  outPath: string,
): void {
  const { summary } = result;
  const counts = summary.differences;
  context.stdout.line(
    renderPairs([
      ["supplier", entry.name],
      ["local records", `${summary.localRecords} (${summary.inRange} in range)`],
      [
        "matched",
        `${summary.matched}${summary.amountUnchecked > 0 ? ` (${summary.amountUnchecked} without a supplier amount to compare)` : ""}`,
      ],
      ["missing at supplier", String(counts.missing_at_supplier)],
      ["missing locally", String(counts.missing_locally)],
      ["status mismatches", String(counts.status_mismatch)],
      ["amount mismatches", String(counts.amount_mismatch)],
      ["unresolved", String(counts.unresolved)],
      ["order list", summary.missingLocallyNote],
    ]),
  );
  if (result.differences.length > 0) {
    context.stdout.line("");
    const shown = result.differences.slice(0, 50);
    context.stdout.line(
      renderTable(
        [
          { header: "difference" },
          { header: "order" },
          { header: "local" },
          { header: "supplier" },
          { header: "detail", maxWidth: 80 },
        ],
        shown.map((difference) => [
          difference.kind,
          difference.merchantOrderId,
          [difference.localStatus, difference.localAmount?.amount].filter(Boolean).join(" "),
          [difference.supplierStatus, difference.supplierAmount?.amount].filter(Boolean).join(" "),
          difference.detail,
        ]),
      ),
    );
    if (result.differences.length > shown.length) {
      context.stdout.line(`… ${result.differences.length - shown.length} more in the CSV`);
    }
  }
  context.stdout.line("");
  context.stdout.line(`differences: ${outPath}`);
}
