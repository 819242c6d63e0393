/**
 * A progress bar on stderr for long runs (probe orders, reconciliation queries). Drawn only on a
 * terminal: piped or captured output (CI logs, tests) stays free of cursor escapes. The bar shows
 * counts, never order contents.
 */
import cliProgress from "cli-progress";
import type { CliOutput } from "./cli-io.js";

/** A progress bar, or nothing when the output is not a terminal. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** Starts a bar labelled `label` counting to `total` on `stream`. */
export function startProgress(stream: CliOutput, label: string, total: number): Progress {
  if (!stream.isTTY || total <= 0) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as unknown as NodeJS.WritableStream,
      format: `${label} [{bar}] {value}/{total} {percentage}% | {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
