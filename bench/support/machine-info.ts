/** The machine a run was measured on, recorded beside the results so that runs can be compared. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

export interface MachineInfo {
  date: string;
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  /** 1, 5 and 15 minute load averages when the run started: a busy machine skews every figure. */
  loadAverage: number[];
  platform: string;
  arch: string;
  node: string;
  v8: string;
  kaquanVersion: string;
  /** The commit checked out, when git is available (the working tree may hold changes on top). */
  commit?: string;
}

export function machineInfo(root: string): MachineInfo {
  const cpus = os.cpus();
  const info: MachineInfo = {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
    platform: os.platform(),
    arch: os.arch(),
    node: process.version,
    v8: process.versions.v8,
    kaquanVersion: (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string })
      .version,
  };
  try {
    info.commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    // Not a git checkout (an unpacked tarball): the commit is simply not recorded.
  }
  return info;
}
