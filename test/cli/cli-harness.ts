import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliOutput, runCli } from "../../src/cli/main.js";

/** What one in-process run of the command printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** An output stream that keeps what is written. */
export class Collector implements CliOutput {
  text = "";
  readonly isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Runs `kaquan <argv>` in-process with an empty environment (unless given) and collects the output. */
export async function cli(
  argv: string[],
  options: { env?: Record<string, string>; cwd?: string; signal?: AbortSignal; stdout?: Collector } = {},
): Promise<CliRun> {
  const stdout = options.stdout ?? new Collector();
  const stderr = new Collector();
  const code = await runCli(argv, {
    env: options.env ?? {},
    stdout,
    stderr,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    // A signal that never fires unless the test aborts it: runCli then leaves process signals alone.
    signal: options.signal ?? new AbortController().signal,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A fresh temporary directory, and a function that removes it. */
export async function scratchDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "kaquan-cli-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
