#!/usr/bin/env node
/**
 * The `kaquan` command: `simulate`, `probe`, `reconcile` and `verify-callback`. {@link runCli} runs
 * one command line in-process and returns its exit code (tests call it directly); run as a
 * program, this file calls it with the process's arguments and streams.
 *
 * Errors are one line on stderr — a kaquan error's own message, which is secret-free by design —
 * with exit code 2 for bad input or configuration and 1 for anything else; `--debug` adds the
 * stack. Exit code 3 means the command ran and found something (see docs/cli.md).
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { ConfigurationError, KaquanError, ValidationError } from "../core/index.js";
import { type CliContext, createCliContext, type RunCliOptions } from "./cli-io.js";
import { registerProbeCommand } from "./commands/probe.js";
import { registerReconcileCommand } from "./commands/reconcile.js";
import { registerSimulateCommand } from "./commands/simulate.js";
import { registerVerifyCallbackCommand } from "./commands/verify-callback.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { refuseSecretFlags } from "./secrets.js";

export type { CliOutput, RunCliOptions } from "./cli-io.js";
export { EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";

const overview = `
Examples:
  $ kaquan simulate fulu
  $ kaquan probe --simulator --supplier fulu --orders 5
  $ kaquan reconcile --supplier ofpay --local orders.csv --from 2026-11-24T00:00:00+08:00 --to 2026-11-25T00:00:00+08:00
  $ kaquan verify-callback --supplier fulu --body callback.json

Credentials come from environment variables (KAQUAN_FULU_APP_SECRET, …) or --secrets-file,
never from flags. Exit codes: 0 fine, 1 failure, 2 bad input, 3 findings. See docs/cli.md.`;

/** Builds the program for one call; `state.exitCode` receives the command's exit code. */
function createProgram(context: CliContext, state: { exitCode: number }): Command {
  const program = new Command("kaquan")
    .description("kaquan — simulate, probe and reconcile virtual-goods suppliers, and check their callbacks")
    .option("--debug", "print stack traces of unexpected errors")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      // One line: commander's message (an option's `=value` removed: it may be a secret), and where to look.
      outputError: (text, write) =>
        write(
          `kaquan: ${text
            .replace(/^error: /, "")
            .replace(/'(--?[^=' ]+)=[^']*'/g, "'$1'")
            .trimEnd()} (see kaquan --help)\n`,
        ),
    })
    .addHelpText("after", overview);
  const run = async (action: () => Promise<number>) => {
    state.exitCode = await action();
  };
  registerSimulateCommand(program, context, run);
  registerProbeCommand(program, context, run);
  registerReconcileCommand(program, context, run);
  registerVerifyCallbackCommand(program, context, run);
  return program;
}

/** The long option names the commands really have: anything else that looks like a credential is refused. */
const knownOptions = new Set([
  "debug",
  "help",
  "port",
  "host",
  "faults",
  "callback-url",
  "quiet",
  "config",
  "supplier",
  "orders",
  "out",
  "simulator",
  "secrets-file",
  "local",
  "from",
  "to",
  "rate",
  "concurrency",
  "currency",
  "body",
  "headers",
  "query",
]);

/** SIGINT/SIGTERM as an abort signal, for as long as the returned `release` is not called. */
function processSignal(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return {
    signal: controller.signal,
    release: () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}

/** What to do about the operating-system errors a command meets in practice. */
const systemErrorHints: Readonly<Record<string, string>> = {
  EADDRINUSE: "the port is taken: choose another --port (0 picks any free port) or callbackListen",
  EADDRNOTAVAIL: "this machine has no such address: use 127.0.0.1 or one of its own addresses",
  EACCES: "permission denied: ports below 1024 need privileges; choose a higher port or another path",
  ENOSPC: "the disk is full: free space or choose another --out",
  EROFS: "the file system is read-only: choose another --out",
};

/**
 * One line for a Node system error (`listen EADDRINUSE`, `open EACCES`), built from its code,
 * syscall, address and path — fields that name places, never contents — or undefined for any
 * other error.
 */
function describeSystemError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall, address, port, path } = error as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  if (typeof code !== "string" || !/^E[A-Z]+$/.test(code) || typeof syscall !== "string") return undefined;
  const where = address
    ? ` on ${address}${port !== undefined ? `:${port}` : ""}`
    : path
      ? ` for ${path}`
      : "";
  const hint = systemErrorHints[code];
  return `${syscall} failed with ${code}${where}${hint ? `: ${hint}` : ""}`;
}

/** Prints `error` as one line (plus its stack with `--debug`) and returns its exit code. */
function report(context: CliContext, error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (KaquanError.isInstance(error)) {
    context.stderr.line(`kaquan: ${error.message}`);
    if (debug && error.stack) context.stderr.line(error.stack);
    return ValidationError.isInstance(error) || ConfigurationError.isInstance(error)
      ? EXIT_USAGE
      : EXIT_FAILURE;
  }
  const system = describeSystemError(error);
  if (system) {
    context.stderr.line(`kaquan: ${system}`);
    if (debug && error instanceof Error && error.stack) context.stderr.line(error.stack);
    return EXIT_FAILURE;
  }
  const name = error instanceof Error ? error.name : typeof error;
  if (debug) {
    context.stderr.line(
      `kaquan: unexpected ${name}: ${error instanceof Error ? error.message : String(error)}`,
    );
    if (error instanceof Error && error.stack) context.stderr.line(error.stack);
  } else {
    // Not a kaquan error: its message is not known to be secret-free, so only its class is shown.
    context.stderr.line(`kaquan: unexpected ${name}; run again with --debug for details`);
  }
  return EXIT_FAILURE;
}

/**
 * Runs one `kaquan` command line (`argv` without `node` and the script, e.g.
 * `["probe", "--simulator", "--supplier", "fulu"]`) and resolves with its exit code. Never throws
 * and never calls `process.exit`.
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const interrupt = options.signal ? undefined : processSignal();
  const context = createCliContext(options, options.signal ?? interrupt!.signal);
  const debug = argv.includes("--debug");
  const state = { exitCode: EXIT_OK };
  try {
    refuseSecretFlags(argv, knownOptions);
    await createProgram(context, state).parseAsync([...argv], { from: "user" });
    return state.exitCode;
  } catch (error) {
    return report(context, error, debug);
  } finally {
    interrupt?.release();
  }
}

/** True when this module is the program being run (directly, through a symlinked bin, or by tsx). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      // The reader went away (`kaquan simulate fulu | head`): nothing more can be shown, so stop
      // quietly rather than die with an unhandled 'error' event and its stack trace.
      if (error.code === "EPIPE") process.exit(process.exitCode ?? EXIT_OK);
      process.exitCode = EXIT_FAILURE;
    });
  }
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
