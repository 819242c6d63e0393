/**
 * The built package (`dist/`), which startup-size measures as a merchant would load it. It is
 * (re)built with `npm run build` when an export target is missing or older than the sources,
 * unless the run says otherwise (`--build` always, `--no-build` never).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PackageManifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports: Record<string, unknown>;
}

export function readManifest(root: string): PackageManifest {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageManifest;
}

/** Every file the `exports` map points at (JavaScript only), relative to the root. */
export function exportTargets(manifest: PackageManifest): string[] {
  const targets = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === "string") {
      if (/\.(c|m)?js$/.test(value)) targets.add(value.replace(/^\.\//, ""));
    } else if (value && typeof value === "object") for (const child of Object.values(value)) visit(child);
  };
  visit(manifest.exports);
  return [...targets].sort();
}

export interface BuildState {
  /** Why it was (or would have been) rebuilt; undefined when dist was current. */
  reason?: string;
  built: boolean;
  buildMs?: number;
}

/** Makes sure `dist/` matches the sources, building it when needed and allowed. */
export async function ensureBuilt(
  root: string,
  mode: "auto" | "always" | "never",
  log: (message: string) => void,
): Promise<BuildState> {
  const targets = exportTargets(readManifest(root)).map((target) => join(root, target));
  const missing = targets.filter((target) => !existsSync(target));
  let reason: string | undefined;
  if (mode === "always") reason = "--build";
  else if (missing.length > 0) reason = `${missing.length} export target(s) missing`;
  else {
    const oldestBuilt = Math.min(...targets.map((target) => statSync(target).mtimeMs));
    const newestSource = Math.max(
      newestModification(join(root, "src")),
      newestModification(join(root, "adapters")),
      statSync(join(root, "tsup.config.ts")).mtimeMs,
    );
    if (newestSource > oldestBuilt) reason = "dist/ is older than the sources";
  }
  if (reason === undefined) return { built: false };
  if (mode === "never") {
    if (missing.length > 0) throw new Error(`dist/ is incomplete (${reason}); run npm run build`);
    log(`warning: ${reason}; measuring it anyway (--no-build)`);
    return { built: false, reason };
  }
  log(`building dist/ (${reason})`);
  const startedAt = performance.now();
  try {
    await run("npm", ["run", "build"], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed:\n${output.stdout ?? ""}${output.stderr ?? ""}`);
  }
  return { built: true, reason, buildMs: performance.now() - startedAt };
}

function newestModification(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestModification(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
