/**
 * `kaquan probe`: places test orders at a supplier (or its in-process simulator) and reports how
 * it behaves — as a table on stdout, `probe.json` and a self-contained `probe.html`. The measuring
 * lives in `../probe/`; this module parses options, wires the client, callbacks and simulator,
 * and writes the outputs.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { createSupplierClient, type SupplierClient } from "../../client/index.js";
import { ConfigurationError, ValidationError } from "../../core/index.js";
import { type CallbackReceiver, startCallbackReceiver } from "../callback-receiver.js";
import type { CliContext } from "../cli-io.js";
import { EXIT_FINDINGS, EXIT_OK } from "../exit-codes.js";
import { createCallbackTracker } from "../probe/callback-tracker.js";
import { buildProbeReport } from "../probe/probe-report.js";
import { runProbe } from "../probe/probe-runner.js";
import { startProgress } from "../progress.js";
import { renderProbeHtml } from "../reports/html-report.js";
import { renderProbeTable } from "../reports/probe-table.js";
import { type LoadedSupplierConfig, parseSupplierConfig, readSupplierConfigFor } from "../supplier-config.js";
import type { AdapterInput, RunningSimulator } from "../supplier-registry.js";
import { credentialsFor, integerOption, loadSecretsFile, resolvePath } from "./command-support.js";

/** Options of `probe`, as commander parses them. */
export interface ProbeOptions {
  config?: string;
  supplier?: string;
  orders: number;
  out?: string;
  simulator?: boolean;
  secretsFile?: string;
}

const examples = `
Examples:
  $ kaquan probe --simulator --supplier fulu --orders 5
  $ kaquan probe --config fulu.json --orders 20 --out ./fulu-vetting
  $ kaquan probe --config fulu.json --secrets-file ./secrets.env

fulu.json (no credentials: those come from KAQUAN_FULU_APP_KEY / KAQUAN_FULU_APP_SECRET):
  { "supplier": "fulu", "sandbox": true,
    "orders": [{ "kind": "card", "sku": "10000002" }],
    "invalidAccountOrder": { "kind": "direct", "sku": "10000001", "account": "0" },
    "callbackUrl": "https://shop.example/callbacks/fulu", "callbackListen": "127.0.0.1:8080" }

Real orders cost real money: the probe places --orders test orders (default 10), plus one order
for an invalid account, which a supplier should refuse. Exit code 3 when a check fails or a test
order does not succeed.`;

/** Registers `probe` on `program`. */
export function registerProbeCommand(
  program: Command,
  context: CliContext,
  run: (action: () => Promise<number>) => Promise<void>,
): void {
  program
    .command("probe")
    .description(
      "place test orders to vet a supplier: latency, time to final state, callbacks, stock, anomalies",
    )
    .option("--config <file>", "supplier configuration (JSON; no credentials)")
    .option("--supplier <name>", "with --simulator and no --config: the supplier to simulate")
    .option("--orders <n>", "test orders to place", integerOption(1, 1000), 10)
    .option("--out <dir>", "where probe.json and probe.html go (default ./kaquan-probe-<supplier>-<time>/)")
    .option("--simulator", "run against the supplier's in-process simulator (made-up credentials)")
    .option("--secrets-file <file>", "credentials as JSON or .env lines (instead of the environment)")
    .addHelpText("after", examples)
    .action((options: ProbeOptions) => run(() => probe(context, options)));
}

async function loadConfig(context: CliContext, options: ProbeOptions): Promise<LoadedSupplierConfig> {
  if (options.config) {
    return readSupplierConfigFor(resolvePath(context, options.config), options.config, options.supplier);
  }
  if (options.simulator && options.supplier)
    return parseSupplierConfig({ supplier: options.supplier }, "--supplier");
  throw new ValidationError("probe needs --config supplier.json (or --simulator --supplier <name>)", [
    { path: "config", message: "see kaquan probe --help" },
  ]);
}

/** Runs the probe and writes its outputs. */
export async function probe(context: CliContext, options: ProbeOptions): Promise<number> {
  const { config, entry } = await loadConfig(context, options);
  const simulated = options.simulator === true;
  if (!simulated && !config.orders) {
    throw new ConfigurationError(
      `${options.config}: "orders" is required against a real supplier: the test products and accounts to order, e.g. [{ "kind": "card", "sku": "…" }]`,
    );
  }
  const file = simulated ? undefined : await loadSecretsFile(context, options.secretsFile);
  const closers: Array<() => Promise<void> | void> = [];
  try {
    // Callbacks: from the simulator to a loopback receiver, or from the supplier to callbackListen.
    let receiver: CallbackReceiver | undefined;
    if (simulated ? entry.callbackRoute !== "none" : config.callbackUrl !== undefined) {
      const listen = simulated ? undefined : listenAddress(config.callbackUrl!, config.callbackListen);
      receiver = await startCallbackReceiver({
        supplier: entry.name,
        ...(listen ? { host: listen.host, port: listen.port } : {}),
      });
      closers.push(() => receiver?.close());
    }
    let simulator: RunningSimulator | undefined;
    let input: AdapterInput;
    if (simulated) {
      simulator = await entry.startSimulator({
        ...(receiver && entry.callbackRoute === "simulator" ? { callbackUrl: receiver.url } : {}),
        options: config.simulator,
      });
      closers.push(() => simulator?.close());
      input = {
        ...simulator.adapterInput,
        credentials: simulator.credentials,
        options: config.options,
        ...(receiver && entry.callbackRoute === "adapter" ? { callbackUrl: receiver.url } : {}),
        // The simulator settles in milliseconds: poll it faster than a real supplier allows.
        pollIntervalMs: 50,
        notFoundGraceMs: 500,
      };
    } else {
      input = {
        credentials: credentialsFor(context, entry, file).values,
        ...(config.baseUrl ? { endpoint: config.baseUrl } : {}),
        ...(config.authUrl ? { authEndpoint: config.authUrl } : {}),
        environment: config.sandbox ? "sandbox" : "production",
        ...(config.callbackUrl ? { callbackUrl: config.callbackUrl } : {}),
        options: config.options,
      };
    }
    context.registerSecrets(Object.values(input.credentials));
    const clients: SupplierClient[] = [];
    const newClient = () => {
      const client = createSupplierClient({
        adapter: entry.createAdapter(input),
        // A simulator enforces no published rate limit (Tango's 1 request/s): a probe of it need not wait.
        ...(simulated ? { rateLimit: { requestsPerSecond: 1_000, burst: 1_000 } } : {}),
      });
      clients.push(client);
      return client;
    };
    closers.push(() => {
      for (const client of clients) client.close();
    });
    const client = newClient();
    const tracker = receiver ? createCallbackTracker(() => performance.now()) : undefined;
    if (receiver && tracker) receiver.attach(client, tracker);

    const templates = config.orders ?? [entry.testOrder];
    const invalidAccountOrder =
      config.invalidAccountOrder ?? (simulated ? entry.invalidAccountOrder : undefined);
    const progress = startProgress(context.stderr.raw, "test orders", options.orders);
    let measurements: Awaited<ReturnType<typeof runProbe>>;
    try {
      measurements = await runProbe({
        supplier: entry.name,
        target: simulated
          ? { mode: "simulator" }
          : {
              mode: "supplier",
              ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
              sandbox: config.sandbox,
            },
        client,
        createSecondClient: newClient,
        templates,
        invalidAccountOrder,
        invalidAccountMissingReason: simulated
          ? `the ${entry.name} simulator has no invalid-account scenario (set invalidAccountOrder in a --config)`
          : 'no "invalidAccountOrder" in the configuration',
        orders: options.orders,
        concurrency: config.concurrency,
        finalDeadlineMs: config.finalDeadlineSeconds * 1000,
        sampleIntervalMs: (config.sampleIntervalSeconds ?? (simulated ? 1 : 5)) * 1000,
        ...(config.stockSku ? { stockSku: config.stockSku } : {}),
        orderIdPrefix: config.orderIdPrefix,
        callbacks: tracker,
        callbackWaitMs: simulated ? 3_000 : 30_000,
        ...(simulator ? { countSupplierOrders: (id: string) => simulator.ordersWithId(id) } : {}),
        onProgress: (done) => progress.update(done),
        signal: context.signal,
      });
    } finally {
      progress.stop();
    }
    const report = buildProbeReport(measurements);
    const directory = resolvePath(context, options.out ?? defaultDirectory(entry.name, report.startedAt));
    await mkdir(directory, { recursive: true });
    const jsonPath = join(directory, "probe.json");
    const htmlPath = join(directory, "probe.html");
    await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`, "utf8");
    await writeFile(htmlPath, renderProbeHtml(report), "utf8");
    context.stdout.line(renderProbeTable(report));
    context.stdout.line("");
    context.stdout.line(`report: ${jsonPath}`);
    context.stdout.line(`        ${htmlPath}`);
    return report.clean ? EXIT_OK : EXIT_FINDINGS;
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

/** `./kaquan-probe-<supplier>-<yyyyMMddTHHmmssZ>` for a report started at `startedAt`. */
function defaultDirectory(supplier: string, startedAt: string): string {
  return `kaquan-probe-${supplier}-${startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
}

/** Where to listen for a real supplier's callbacks: `callbackListen`, else loopback on the URL's port. */
function listenAddress(
  callbackUrl: string,
  callbackListen: string | undefined,
): { host: string; port: number } {
  if (callbackListen) {
    const separator = callbackListen.lastIndexOf(":");
    return {
      host: callbackListen.slice(0, separator).replace(/^\[|\]$/g, ""),
      port: Number(callbackListen.slice(separator + 1)),
    };
  }
  const url = new URL(callbackUrl);
  // Loopback by default: the public URL reaches it through the merchant's tunnel or reverse proxy.
  return { host: "127.0.0.1", port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80 };
}
