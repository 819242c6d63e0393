/**
 * The parent side of the multi-process example: forks instances of worker.ts (each a separate
 * Node process running TypeScript through tsx), hands them commands and collects what they report.
 * The multi-process test drives the same instances.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { OrderToPlace, PlacementResult, WorkerCommand, WorkerReport } from "./worker-messages.js";
import { WORKER_ENVIRONMENT } from "./worker-messages.js";

/** What every instance is started with. */
export interface WorkerSettings {
  redisUrl: string;
  prefix: string;
  supplierUrl: string;
  appKey: string;
  appSecret: string;
  requestsPerSecond: number;
  burst: number;
}

/** One `onEvent` call, in the instance that made it. */
export interface ReportedEvent {
  worker: number;
  merchantOrderId: string;
  status: string;
  source: string;
}

/** A running instance. */
export interface WorkerHandle {
  readonly index: number;
  readonly pid: number;
  /** Where this instance receives supplier callbacks. */
  readonly callbackUrl: string;
  /** Places the orders (at most `concurrency` at a time) and resolves with every result. */
  place(orders: OrderToPlace[], concurrency?: number): Promise<PlacementResult[]>;
  /** Starts the instance's status poller. */
  startPoller(): Promise<void>;
  /** Resolves once every report the instance sent so far (its `onEvent` calls included) has arrived. */
  flush(): Promise<void>;
  /** Stops the instance cleanly and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the instance with SIGKILL — no clean-up at all, as a crash or an OOM kill — and waits for it to exit. */
  kill(): Promise<void>;
}

const workerPath = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** Starts `count` instances and waits until each listens for callbacks. */
export async function startWorkers(
  count: number,
  settings: WorkerSettings,
  onEvent: (event: ReportedEvent) => void,
): Promise<WorkerHandle[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => startWorker(index, settings, onEvent)));
}

function startWorker(
  index: number,
  settings: WorkerSettings,
  onEvent: (event: ReportedEvent) => void,
): Promise<WorkerHandle> {
  const child: ChildProcess = fork(workerPath, [], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env,
      [WORKER_ENVIRONMENT.redisUrl]: settings.redisUrl,
      [WORKER_ENVIRONMENT.prefix]: settings.prefix,
      [WORKER_ENVIRONMENT.supplierUrl]: settings.supplierUrl,
      [WORKER_ENVIRONMENT.appKey]: settings.appKey,
      [WORKER_ENVIRONMENT.appSecret]: settings.appSecret,
      [WORKER_ENVIRONMENT.requestsPerSecond]: String(settings.requestsPerSecond),
      [WORKER_ENVIRONMENT.burst]: String(settings.burst),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const batches = new Map<number, (results: PlacementResult[]) => void>();
  let pollerStarted: (() => void) | undefined;
  let nextBatch = 0;
  const pings = new Map<number, () => void>();
  let nextPing = 0;
  const send = (command: WorkerCommand): void => {
    child.send(command);
  };

  return new Promise<WorkerHandle>((resolve, reject) => {
    child.once("exit", (code, signal) => {
      reject(new Error(`instance ${index} exited before it was ready (code ${code}, signal ${signal})`));
      for (const settle of batches.values()) settle([]);
      for (const answered of pings.values()) answered();
    });
    child.on("message", (message: WorkerReport) => {
      switch (message.type) {
        case "ready":
          resolve(handle(message.callbackUrl));
          break;
        case "placed":
          batches.get(message.batch)?.(message.results);
          batches.delete(message.batch);
          break;
        case "event":
          onEvent({
            worker: index,
            merchantOrderId: message.merchantOrderId,
            status: message.status,
            source: message.source,
          });
          break;
        case "poller-started":
          pollerStarted?.();
          break;
        case "pong":
          pings.get(message.sequence)?.();
          pings.delete(message.sequence);
          break;
        case "stopped":
          break;
      }
    });
  });

  function handle(callbackUrl: string): WorkerHandle {
    return {
      index,
      pid: child.pid ?? -1,
      callbackUrl,
      place(orders, concurrency = 16) {
        const batch = nextBatch++;
        return new Promise((resolve) => {
          batches.set(batch, resolve);
          send({ type: "place", batch, orders, concurrency });
        });
      },
      startPoller() {
        return new Promise((resolve) => {
          pollerStarted = resolve;
          send({ type: "start-poller" });
        });
      },
      flush() {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const sequence = nextPing++;
        return new Promise((resolve) => {
          pings.set(sequence, resolve);
          send({ type: "ping", sequence });
        });
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null && child.connected) send({ type: "stop" });
        await exited;
      },
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await exited;
      },
    };
  }
}
