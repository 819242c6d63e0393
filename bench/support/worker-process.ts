/**
 * Benchmark work that must not share the measuring process — a supplier simulator, a load
 * generator, a poller whose peak memory is measured — runs in a child process started here.
 * Both ends speak one small protocol over the IPC channel: the parent sends
 * `{ id, command, payload }`, the child answers `{ id, value }` or `{ id, error }`. Children run
 * TypeScript through tsx, with the repository root as working directory so that `kaquan`
 * resolves as it does for the benchmarks themselves.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PROFILE_DIRECTORY_VARIABLE } from "./cpu-profiler.js";

interface CommandMessage {
  id: number;
  command: string;
  payload: unknown;
}

interface AnswerMessage {
  id: number;
  value?: unknown;
  error?: string;
}

/** The parent's handle on a running child. */
export interface WorkerProcess {
  readonly pid: number;
  /** Runs `command` in the child and resolves with its answer. */
  call<T>(command: string, payload?: unknown): Promise<T>;
  /** Disconnects; the child exits. Killed if it has not exited after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** The tsx loader, resolved from this package so children need no `tsx` on the PATH. */
const tsxLoader = import.meta.resolve("tsx");

/**
 * Starts `file` and waits until it is ready: a TypeScript module that calls
 * {@link serveWorkerCommands} (run through tsx), or a plain `.mjs` module speaking the same
 * protocol (run by Node alone, so the loader's memory is not part of what it measures).
 */
export async function startWorkerProcess(
  file: URL,
  options: { root: string; execArgv?: readonly string[] },
): Promise<WorkerProcess> {
  const loader = file.pathname.endsWith(".mjs") ? [] : ["--import", tsxLoader];
  const child = fork(fileURLToPath(file), [], {
    cwd: options.root,
    execArgv: [...(options.execArgv ?? []), ...profilingArguments(), ...loader],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      for (const waiter of pending.values())
        waiter.reject(new Error(`the worker exited (${signal ?? code}) before answering`));
      pending.clear();
      resolve();
    });
  });
  child.on("message", (message: AnswerMessage | "ready") => {
    if (message === "ready") return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.value);
  });
  await waitUntilReady(child);
  return {
    pid: child.pid!,
    call<T>(command: string, payload?: unknown): Promise<T> {
      if (exited) return Promise.reject(new Error(`the worker has exited; cannot run ${command}`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, command, payload } satisfies CommandMessage);
      });
    },
    async close(graceMs = 5_000) {
      if (exited) return;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** `--cpu-prof` into the profile folder while the runner profiles (`--profile`). */
function profilingArguments(): string[] {
  const directory = process.env[PROFILE_DIRECTORY_VARIABLE];
  return directory ? ["--cpu-prof", `--cpu-prof-dir=${directory}`] : [];
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (message !== "ready") return;
      cleanup();
      resolve();
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the worker exited (${code}) before it was ready`));
    };
    const cleanup = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/** A child's command handlers. A handler's return value (or thrown message) is the answer. */
export type WorkerCommands = Record<string, (payload: never) => unknown>;

/**
 * Serves `commands` over the IPC channel and tells the parent it is ready. The child exits when
 * the parent disconnects, whatever it still has open (servers, timers).
 */
export function serveWorkerCommands(commands: WorkerCommands): void {
  if (!process.send) throw new Error("this module runs as a benchmark worker (started with an IPC channel)");
  const send = process.send.bind(process);
  process.on("message", (message: CommandMessage) => {
    const handler = commands[message.command];
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown worker command "${message.command}"`);
        const value = await handler(message.payload as never);
        send({ id: message.id, value } satisfies AnswerMessage);
      } catch (error) {
        send({ id: message.id, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  process.on("disconnect", () => process.exit(0));
  send("ready");
}
