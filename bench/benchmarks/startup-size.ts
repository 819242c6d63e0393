/**
 * startup-size: what loading kaquan costs a merchant's process, measured on the built package.
 * - cold `import('kaquan')` and `require('kaquan')`, each in a fresh Node process (median of N,
 *   interleaved with the baseline so drift falls on both), beside importing axios + zod alone;
 * - pino is never loaded (a resolve hook records every ESM module resolved; `require.cache`
 *   holds every CommonJS module) while kaquan is imported and a client and a callback handler
 *   are created;
 * - the size of the core entry minified with esbuild, dependencies left out;
 * - no adapter entry carries another adapter's code (the import graph of its chunks, traced back
 *   to source files through their source maps).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { Benchmark, BenchmarkContext, BenchmarkReport } from "../support/benchmark.js";
import { ensureBuilt, exportTargets, readManifest } from "../support/built-package.js";
import {
  formatBytes,
  formatCount,
  formatMilliseconds,
  formatPercent,
  formatRatio,
} from "../support/format.js";
import { adaptersIn, originalSources, reachableFiles } from "../support/module-graph.js";
import type { Table } from "../support/report-table.js";
import { median, ratio } from "../support/statistics.js";
import { atMost, holds, type TargetCheck } from "../support/targets.js";

const CORE_BUDGET_BYTES = 60_000;

/** Each script prints how long its import took, in ms, measured inside the fresh process. */
const coldLoads = {
  "import('kaquan')": {
    inputType: "module",
    code: `const startedAt = performance.now(); await import("kaquan"); process.stdout.write(String(performance.now() - startedAt));`,
  },
  "import axios + zod": {
    inputType: "module",
    code: `const startedAt = performance.now(); await import("axios"); await import("zod"); process.stdout.write(String(performance.now() - startedAt));`,
  },
  "require('kaquan')": {
    inputType: "commonjs",
    code: `const startedAt = performance.now(); require("kaquan"); process.stdout.write(String(performance.now() - startedAt));`,
  },
  "require axios + zod": {
    inputType: "commonjs",
    code: `const startedAt = performance.now(); require("axios"); require("zod"); process.stdout.write(String(performance.now() - startedAt));`,
  },
} as const;

type ColdLoad = keyof typeof coldLoads;

/** What a merchant's process does at start-up: import, create a client and a callback handler. */
const typicalStartup = (load: (specifier: string) => string) => `
const kaquan = ${load("kaquan")};
const callbacks = ${load("kaquan/callbacks")};
const fulu = ${load("kaquan/adapters/fulu")};
const client = kaquan.createSupplierClient({
  adapter: fulu.createFuluAdapter({ appKey: "startup", appSecret: "0".repeat(32), endpoint: "http://127.0.0.1:9/" }),
});
callbacks.createCallbackHandler({ clients: [client], onEvent() {} });
client.close();`;

/** Appends every module URL the ESM loader resolves to the file named by the environment. */
const resolveRecorder = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.KAQUAN_BENCH_RESOLVED_FILE, resolved.url + "\\n");
  return resolved;
}`;

export const startupSize: Benchmark = {
  name: "startup-size",
  summary: "cold import/require time vs axios + zod, pino never loaded, core size, adapter isolation",
  run,
};

async function run(context: BenchmarkContext): Promise<BenchmarkReport> {
  const buildState = await ensureBuilt(context.root, context.build, context.log);
  const manifest = readManifest(context.root);
  const environment = { ...process.env };
  delete environment.NODE_OPTIONS;
  const tables: Table[] = [];
  const targets: TargetCheck[] = [];

  // ---- cold load times ----
  const runs = context.quick ? 5 : 21;
  const samples = Object.fromEntries(Object.keys(coldLoads).map((name) => [name, [] as number[]])) as Record<
    ColdLoad,
    number[]
  >;
  const processSamples = Object.fromEntries(
    Object.keys(coldLoads).map((name) => [name, [] as number[]]),
  ) as Record<ColdLoad, number[]>;
  // One unmeasured pass first: the file system cache is warm for every run alike.
  for (let pass = -1; pass < runs; pass++) {
    for (const [name, script] of Object.entries(coldLoads) as [ColdLoad, (typeof coldLoads)[ColdLoad]][]) {
      const startedAt = performance.now();
      const result = spawnSync(process.execPath, [`--input-type=${script.inputType}`, "-e", script.code], {
        cwd: context.root,
        env: environment,
        encoding: "utf8",
      });
      const processMs = performance.now() - startedAt;
      if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
      if (pass < 0) continue;
      samples[name].push(Number(result.stdout));
      processSamples[name].push(processMs);
    }
  }
  const medians = Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, median(values)]),
  ) as Record<ColdLoad, number>;
  const processMedians = Object.fromEntries(
    Object.entries(processSamples).map(([name, values]) => [name, median(values)]),
  ) as Record<ColdLoad, number>;
  const importRatio = ratio(medians["import('kaquan')"], medians["import axios + zod"]);
  const requireRatio = ratio(medians["require('kaquan')"], medians["require axios + zod"]);
  tables.push({
    title: `startup: cold load in a fresh process, median of ${runs} (dist/ as published)`,
    columns: ["load", "load time", "whole process", "vs axios + zod"],
    rows: [
      ["import('kaquan')", ...loadCells("import('kaquan')"), formatRatio(importRatio)],
      ["import axios + zod", ...loadCells("import axios + zod"), "1.00×"],
      ["require('kaquan')", ...loadCells("require('kaquan')"), formatRatio(requireRatio)],
      ["require axios + zod", ...loadCells("require axios + zod"), "1.00×"],
    ],
    notes: [
      "load time: measured inside the child around the import; whole process: spawn to exit, Node's own start-up included",
    ],
  });
  function loadCells(name: ColdLoad): string[] {
    return [formatMilliseconds(medians[name]), formatMilliseconds(processMedians[name])];
  }
  targets.push(atMost("cold import('kaquan') vs import axios + zod", importRatio, 0.6, formatRatio));

  // ---- modules loaded ----
  const scratch = mkdtempSync(join(tmpdir(), "kaquan-bench-"));
  let esmPackages: string[];
  let cjsPackages: string[];
  try {
    const resolvedFile = join(scratch, "resolved.txt");
    const register = `import { register } from "node:module"; register(${JSON.stringify(
      `data:text/javascript,${encodeURIComponent(resolveRecorder)}`,
    )});`;
    const esm = spawnSync(
      process.execPath,
      [
        "--import",
        `data:text/javascript,${encodeURIComponent(register)}`,
        "--input-type=module",
        "-e",
        `import { createRequire } from "node:module";
${typicalStartup((specifier) => `await import(${JSON.stringify(specifier)})`)}
process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`,
      ],
      {
        cwd: context.root,
        env: { ...environment, KAQUAN_BENCH_RESOLVED_FILE: resolvedFile },
        encoding: "utf8",
      },
    );
    if (esm.status !== 0) throw new Error(`the ESM start-up script failed: ${esm.stderr}`);
    const resolved = readFileSync(resolvedFile, "utf8").split("\n").filter(Boolean);
    esmPackages = packagesIn([...resolved, ...(JSON.parse(esm.stdout) as string[])]);
    const cjs = spawnSync(
      process.execPath,
      [
        "--input-type=commonjs",
        "-e",
        `${typicalStartup((specifier) => `require(${JSON.stringify(specifier)})`)}
process.stdout.write(JSON.stringify(Object.keys(require.cache)));`,
      ],
      { cwd: context.root, env: environment, encoding: "utf8" },
    );
    if (cjs.status !== 0) throw new Error(`the CommonJS start-up script failed: ${cjs.stderr}`);
    cjsPackages = packagesIn(JSON.parse(cjs.stdout) as string[]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const pinoIn = (packages: string[]) =>
    packages.filter((name) => name === "pino" || name.startsWith("pino-"));
  tables.push({
    title: "startup: third-party packages loaded by import + createSupplierClient + createCallbackHandler",
    columns: ["module system", "packages", "pino"],
    rows: [
      ["ESM", formatCount(esmPackages.length), pinoIn(esmPackages).length === 0 ? "not loaded" : "LOADED"],
      [
        "CommonJS",
        formatCount(cjsPackages.length),
        pinoIn(cjsPackages).length === 0 ? "not loaded" : "LOADED",
      ],
    ],
    notes: [
      ...wrap(`ESM: ${esmPackages.join(", ")}`, 100),
      ...wrap(`CommonJS: ${cjsPackages.join(", ")}`, 100),
    ],
  });
  targets.push(
    holds(
      "pino never loaded (ESM and CommonJS)",
      pinoIn(esmPackages).length === 0 && pinoIn(cjsPackages).length === 0,
      [...pinoIn(esmPackages), ...pinoIn(cjsPackages)].join(", ") || "not loaded",
    ),
  );

  // ---- sizes ----
  const external = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ];
  const esmEntries = exportTargets(manifest).filter((target) => target.endsWith(".js"));
  const sizes: Record<string, { minifiedBytes: number; gzipBytes: number }> = {};
  for (const entry of esmEntries) {
    const output = await build({
      entryPoints: [join(context.root, entry)],
      bundle: true,
      minify: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      external,
      logLevel: "silent",
    });
    const contents = output.outputFiles[0]!.contents;
    sizes[entry] = { minifiedBytes: contents.byteLength, gzipBytes: gzipSync(contents).byteLength };
  }
  const core = sizes["dist/index.js"]!;
  tables.push({
    title: "size: each ESM entry bundled with its chunks and minified (esbuild), dependencies external",
    columns: ["entry", "minified", "gzip"],
    rows: esmEntries.map((entry) => [
      entry,
      formatBytes(sizes[entry]!.minifiedBytes),
      formatBytes(sizes[entry]!.gzipBytes),
    ]),
    notes: [`1 KB = 1,000 bytes; external: ${external.join(", ")} and Node's built-ins`],
  });
  const contributors = await largestSources(context.root, external);
  tables.push({
    title: "size: what the core is made of (src/index.ts bundled and minified the same way)",
    columns: ["source file", "minified", "share"],
    rows: contributors.top.map((source) => [
      source.path,
      formatBytes(source.bytes),
      formatPercent(source.bytes / contributors.total),
    ]),
    notes: [
      `the ${contributors.top.length} largest of ${contributors.count} files, ${formatBytes(contributors.total)} in all`,
    ],
  });
  targets.push(
    atMost("core dist/index.js minified (KB)", core.minifiedBytes / 1000, CORE_BUDGET_BYTES / 1000, (value) =>
      value.toFixed(1),
    ),
  );

  // ---- adapter isolation ----
  const isolationRows: string[][] = [];
  const isolation: Record<string, { files: number; adapters: string[]; pass: boolean }> = {};
  for (const entry of exportTargets(manifest)) {
    const own = /^dist\/adapters\/([^/]+)\//.exec(entry)?.[1];
    if (!own && entry !== "dist/index.js" && entry !== "dist/index.cjs") continue;
    const files = reachableFiles(join(context.root, entry));
    const adapters = adaptersIn(originalSources(files, context.root));
    const foreign = adapters.filter((name) => name !== own);
    const pass = foreign.length === 0;
    isolation[entry] = { files: files.length, adapters, pass };
    isolationRows.push([
      entry,
      formatCount(files.length),
      adapters.join(", ") || "none",
      pass ? "pass" : `FAIL (${foreign.join(", ")})`,
    ]);
  }
  tables.push({
    title: "isolation: adapter code reachable from each entry (import graph + source maps)",
    columns: ["entry", "files reached", "adapter sources", "result"],
    rows: isolationRows,
    textColumns: 1,
  });
  const failures = Object.entries(isolation).filter(([, figures]) => !figures.pass);
  targets.push(
    holds(
      "no entry pulls in another adapter",
      failures.length === 0,
      failures.length === 0
        ? `${Object.keys(isolation).length} entries clean`
        : failures.map(([entry]) => entry).join(", "),
    ),
  );

  return {
    tables,
    targets,
    data: {
      build: buildState,
      runs,
      coldLoadMedianMs: medians,
      processMedianMs: processMedians,
      samplesMs: samples,
      ratios: { import: importRatio, require: requireRatio },
      packages: { esm: esmPackages, commonjs: cjsPackages },
      sizes,
      coreContributors: contributors,
      isolation,
    },
  };
}

/** Package names (`axios`, `@scope/name`) in module paths or URLs, from the innermost node_modules. */
function packagesIn(locations: readonly string[]): string[] {
  const names = new Set<string>();
  for (const location of locations) {
    const matches = [...location.matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)];
    const last = matches.at(-1);
    if (last) names.add(last[1]!);
  }
  return [...names].sort();
}

/** The source files that weigh most in the minified core bundle (esbuild's metafile). */
async function largestSources(
  root: string,
  external: readonly string[],
): Promise<{ top: { path: string; bytes: number }[]; count: number; total: number }> {
  const output = await build({
    entryPoints: [join(root, "src/index.ts")],
    bundle: true,
    minify: true,
    write: false,
    metafile: true,
    // Nothing is written; esbuild only needs a directory to name its output.
    outdir: join(tmpdir(), "kaquan-bench-size"),
    format: "esm",
    platform: "node",
    target: "node20",
    external: [...external],
    logLevel: "silent",
  });
  const inputs = Object.values(output.metafile.outputs).flatMap((file) =>
    Object.entries(file.inputs).map(([path, input]) => ({ path, bytes: input.bytesInOutput })),
  );
  inputs.sort((left, right) => right.bytes - left.bytes);
  return {
    top: inputs.slice(0, 12),
    count: inputs.length,
    total: inputs.reduce((sum, input) => sum + input.bytes, 0),
  };
}

/** Splits a long line between words so that it fits `columns`. */
function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line.length > 0 && line.length + word.length + 1 > columns) {
      lines.push(line);
      line = `  ${word}`;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}
