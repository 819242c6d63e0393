/**
 * `--profile`: a V8 CPU profile of each benchmark, to find where kaquan spends its time. The
 * benchmark's own process is profiled through the inspector; its worker processes are started
 * with `--cpu-prof` into the same folder (see `startWorkerProcess`). Summarise a profile with
 * `npx tsx bench/profile-summary.ts <file>`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

/** Where workers write their profiles; read by `startWorkerProcess`. */
export const PROFILE_DIRECTORY_VARIABLE = "KAQUAN_BENCH_PROFILE_DIR";

/** Profiles this process (and its workers) until the returned function is called with a file name. */
export async function startProfiling(directory: string): Promise<(name: string) => Promise<string>> {
  mkdirSync(directory, { recursive: true });
  process.env[PROFILE_DIRECTORY_VARIABLE] = directory;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async (name) => {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    delete process.env[PROFILE_DIRECTORY_VARIABLE];
    const file = join(directory, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  };
}
