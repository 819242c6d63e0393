/**
 * `kaquan simulate <supplier>`: runs a supplier simulator until SIGINT/SIGTERM so a merchant's own
 * system can be tested against it — the base URL, the made-up credentials it accepts, how to point
 * the adapter at it, scripted faults, and a live line per request.
 */
import type { Command } from "commander";
import { ConfigurationError, ValidationError } from "../../core/index.js";
import type { CliContext } from "../cli-io.js";
import { EXIT_OK } from "../exit-codes.js";
import { readFaults } from "../simulate/fault-spec.js";
import { startTcpForwarder, type TcpForwarder } from "../simulate/tcp-forwarder.js";
import {
  type EnvironmentReference,
  type RunningSimulator,
  SUPPLIER_NAMES,
  type SupplierEntry,
  supplierEntry,
} from "../supplier-registry.js";
import { integerOption } from "./command-support.js";

/** Options of `simulate`, as commander parses them. */
export interface SimulateOptions {
  port: number;
  host: string;
  faults?: string;
  callbackUrl?: string;
  quiet?: boolean;
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "::1"]);

const examples = `
Examples:
  $ kaquan simulate fulu
  $ kaquan simulate ofpay --port 8801 --callback-url http://127.0.0.1:3000/callbacks/ofpay
  $ kaquan simulate fulu --faults reset-after-commit:3,http-500:2
  $ kaquan simulate juhe --faults faults.json     # [{ "kind": "delay", "delayMs": 5000 }]
  $ kaquan simulate tango --host 0.0.0.0 --port 9000   # reachable from a container

The credentials it prints are made-up test values the simulator accepts: fine to print, never real.
Fault kinds are the simulator's own (see docs/testing.md); reset-after-commit and reset-before-commit
are names for commit-then-drop and drop-before-commit. Stop it with Ctrl+C.`;

/** Registers `simulate` on `program`; `run` records the exit code. */
export function registerSimulateCommand(
  program: Command,
  context: CliContext,
  run: (action: () => Promise<number>) => Promise<void>,
): void {
  program
    .command("simulate")
    .description("run a supplier simulator until Ctrl+C, for testing your own system against it")
    .argument("<supplier>", `one of ${SUPPLIER_NAMES.join(", ")}`)
    .option("--port <port>", "port to listen on (0: any free port)", integerOption(0, 65_535), 0)
    .option("--host <host>", "address to listen on; anything but loopback exposes the simulator", "127.0.0.1")
    .option("--faults <spec>", "scripted faults: kind:count,… or a .json file of fault objects")
    .option("--callback-url <url>", "where the simulator posts callbacks when orders become final")
    .option("--quiet", "do not print a line per request")
    .addHelpText("after", examples)
    .action((supplier: string, options: SimulateOptions) => run(() => simulate(context, supplier, options)));
}

/** Runs the simulator until the context's signal fires. */
export async function simulate(
  context: CliContext,
  supplier: string,
  options: SimulateOptions,
): Promise<number> {
  const entry = supplierEntry(supplier);
  const callbackUrl = checkCallbackUrl(entry, options.callbackUrl);
  const faults = options.faults ? await readFaults(options.faults, context.cwd, entry.faultKinds) : [];
  const exposed = !loopbackHosts.has(options.host);
  const simulator = await entry.startSimulator({
    // Behind a forwarder the simulator takes any free loopback port; the forwarder takes the asked one.
    port: exposed ? 0 : options.port,
    ...(callbackUrl ? { callbackUrl } : {}),
  });
  let forwarder: TcpForwarder | undefined;
  try {
    for (const fault of faults) {
      try {
        simulator.injectFault(fault);
      } catch (error) {
        throw new ValidationError(
          `fault "${fault.kind}" was refused: ${error instanceof Error ? error.message : "invalid parameters"}`,
          [{ path: "faults", message: "check the fault's parameters" }],
        );
      }
    }
    let urls = simulator.urls;
    let adapterOptions = simulator.adapterOptions;
    if (exposed) {
      const origin = new URL(urls.endpoint ?? "").origin;
      forwarder = await startTcpForwarder(options.host, options.port, Number(new URL(origin).port));
      const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
      const publicOrigin = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${forwarder.port}`;
      urls = rebase(urls, origin, publicOrigin) as Record<string, string>;
      adapterOptions = rebase(adapterOptions, origin, publicOrigin) as Record<string, unknown>;
    }
    printBanner(context, entry, simulator, urls, adapterOptions, {
      ...options,
      callbackUrl,
      faults:
        faults.length > 0 ? faults.map((fault) => `${fault.kind}×${fault.times ?? 1}`).join(", ") : undefined,
    });
    if (exposed) {
      context.stdout.line(
        `warning: listening on ${options.host}:${forwarder?.port}: other machines can reach this simulator (its credentials are public test values)`,
      );
    }
    await runUntilStopped(context, simulator, options.quiet === true);
    const served = simulator.requests().length;
    context.stdout.line(`\nstopped: ${served} request${served === 1 ? "" : "s"} served`);
    return EXIT_OK;
  } finally {
    await forwarder?.close();
    await simulator.close();
  }
}

function checkCallbackUrl(entry: SupplierEntry, url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new ValidationError(`--callback-url "${url.slice(0, 80)}" is not an http(s) URL`, [
      { path: "callback-url", message: "e.g. http://127.0.0.1:3000/callbacks/fulu" },
    ]);
  }
  if (entry.callbackRoute === "none") {
    throw new ConfigurationError(
      `${entry.name} sends no callbacks (kaquan polls its orders): drop --callback-url`,
    );
  }
  if (entry.callbackRoute === "adapter") {
    throw new ConfigurationError(
      `${entry.name} posts callbacks to the URL your adapter sends with each order: set ${entry.name === "bitrefill" ? "webhookUrl" : "callbackUrl"} on your adapter instead of --callback-url`,
    );
  }
  return url;
}

/** Replaces `from` with `to` at the start of every string inside `value`. */
function rebase(value: unknown, from: string, to: string): unknown {
  if (typeof value === "string") return value.startsWith(from) ? to + value.slice(from.length) : value;
  if (Array.isArray(value)) return value.map((item) => rebase(item, from, to));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rebase(item, from, to)]));
  }
  return value;
}

function isEnvironmentReference(value: unknown): value is EnvironmentReference {
  return typeof value === "object" && value !== null && "environmentVariable" in value;
}

/** Prints factory options as TypeScript, credentials as `process.env.<variable>!`. */
export function printOptions(value: unknown, indent = "  "): string {
  if (isEnvironmentReference(value)) return `process.env.${value.environmentVariable}!`;
  if (Array.isArray(value)) return `[${value.map((item) => printOptions(item, indent)).join(", ")}]`;
  if (value && typeof value === "object") {
    const inner = `${indent}  `;
    const entries = Object.entries(value).map(
      ([key, item]) => `${inner}${key}: ${printOptions(item, inner)},`,
    );
    return `{\n${entries.join("\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function printBanner(
  context: CliContext,
  entry: SupplierEntry,
  simulator: RunningSimulator,
  urls: Readonly<Record<string, string>>,
  adapterOptions: Readonly<Record<string, unknown>>,
  options: { callbackUrl?: string | undefined; faults?: string | undefined },
): void {
  const out = context.stdout;
  out.line(`${entry.title} simulator`);
  for (const [role, url] of Object.entries(urls)) out.line(`  ${role.padEnd(10)} ${url}`);
  const callbacks =
    entry.callbackRoute === "none"
      ? "none: the supplier has no callbacks"
      : entry.callbackRoute === "adapter"
        ? "to the URL your adapter sends with each order"
        : (options.callbackUrl ?? "off (pass --callback-url to receive them)");
  out.line(`  ${"callbacks".padEnd(10)} ${callbacks}`);
  if (options.faults) out.line(`  ${"faults".padEnd(10)} ${options.faults}`);
  out.line("");
  out.line("Credentials it accepts (made-up test values, safe to print; never put real credentials here):");
  for (const spec of entry.credentials) {
    const value = simulator.credentials[spec.option];
    if (value !== undefined)
      out.line(`  export ${spec.environmentVariable}='${value.replace(/'/g, "'\\''")}'`);
  }
  out.line("");
  out.line("Point your adapter at it:");
  out.line(`  import { ${entry.factoryName} } from "${entry.importPath}";`);
  out.line(`  const adapter = ${entry.factoryName}(${printOptions(adapterOptions)});`);
  out.line("");
  const probeConfig = {
    supplier: entry.name,
    baseUrl: urls.endpoint,
    ...(urls.auth ? { authUrl: urls.auth } : {}),
    orders: [entry.testOrder],
    ...(entry.invalidAccountOrder ? { invalidAccountOrder: entry.invalidAccountOrder } : {}),
  };
  out.line(
    "Probe it: export the variables above, save this as supplier.json and run kaquan probe --config supplier.json",
  );
  out.line(`  ${JSON.stringify(probeConfig)}`);
  out.line("Press Ctrl+C to stop.");
}

/** Prints one line per request until the signal fires. */
async function runUntilStopped(
  context: CliContext,
  simulator: RunningSimulator,
  quiet: boolean,
): Promise<void> {
  let printed = 0;
  const flush = () => {
    const requests = simulator.requests();
    for (; printed < requests.length; printed += 1) {
      if (!quiet) context.stdout.line(describeRequest(requests[printed]!));
    }
  };
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) return resolve();
    const timer = setInterval(flush, 200);
    context.signal.addEventListener(
      "abort",
      () => {
        clearInterval(timer);
        flush();
        resolve();
      },
      { once: true },
    );
  });
}

/** One request record as a log line: time, operation, status, fault. Only names and codes, no bodies. */
export function describeRequest(record: Readonly<Record<string, unknown>>): string {
  const at =
    typeof record.at === "number"
      ? `${new Date(record.at).toTimeString().slice(0, 8)}.${String(record.at % 1000).padStart(3, "0")}`
      : "--:--:--.---";
  const operation = [record.method, record.httpMethod, record.endpoint, record.path]
    .filter((part): part is string => typeof part === "string" && part !== "")
    .filter((part, index, parts) => parts.indexOf(part) === index)
    .join(" ");
  const status = typeof record.httpStatus === "number" ? String(record.httpStatus) : "dropped";
  const fault = typeof record.fault === "string" ? `  fault ${record.fault}` : "";
  return `  ${at}  ${operation || "request"}  → ${status}${fault}`;
}
