/**
 * A closed-loop load: `concurrency` callers, each starting its next operation as soon as the
 * previous one ends, until `operations` have run. Each operation's latency is timed with
 * `performance.now()`; the process's CPU time over the run is recorded too, so that a client
 * whose throughput is capped by the server can still be compared by what it costs per call.
 */

export interface ClosedLoopOptions {
  concurrency: number;
  operations: number;
  /** Runs operation `index` (0 … operations − 1). Resolves true when the answer was the expected one. */
  operation(index: number): Promise<boolean>;
}

export interface ClosedLoopResult {
  operations: number;
  /** Operations that threw or answered something unexpected. */
  failures: number;
  /** The first failure's message, to tell what went wrong. */
  firstFailure?: string;
  elapsedMs: number;
  latenciesMs: Float64Array;
  /** User + system CPU time of this process over the run, in microseconds. */
  cpuMicros: number;
}

export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latencies = new Float64Array(options.operations);
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const fail = (reason: string) => {
    failures += 1;
    firstFailure ??= reason;
  };
  const caller = async () => {
    for (let index = next++; index < options.operations; index = next++) {
      const startedAt = performance.now();
      try {
        if (!(await options.operation(index))) fail("an unexpected answer");
      } catch (error) {
        fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
      latencies[index] = performance.now() - startedAt;
    }
  };
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.operations) }, caller));
  const elapsedMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    operations: options.operations,
    failures,
    ...(firstFailure === undefined ? {} : { firstFailure }),
    elapsedMs,
    latenciesMs: latencies,
    cpuMicros: cpu.user + cpu.system,
  };
}
