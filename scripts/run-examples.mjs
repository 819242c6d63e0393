#!/usr/bin/env node
/**
 * Runs every example in examples/ with tsx against the embedded simulators, one at a time, each
 * with a time limit, and exits non-zero when any of them fails. CI runs it (`npm run examples`)
 * so that no example in the documentation can rot.
 *
 *   npm run examples                          # every example
 *   npm run examples -- callbacks/express     # only the examples whose path contains a filter
 *
 * What counts as an example:
 * - every `.ts` file under examples/, except the modules other examples import (`./x.js`): those
 *   are shared scaffolding, not programs;
 * - a folder that holds `main.ts` or `index.ts` is one example: only that file is run (the other
 *   files are its parts, which it may start as processes of their own).
 *
 * Examples under examples/multi-process/ share state through Redis. They run when `REDIS_URL` is
 * set or a Redis server answers PING on 127.0.0.1:6379 (and then see `REDIS_URL`); otherwise they
 * are skipped with a loud line, never silently.
 *
 * Environment: `EXAMPLE_TIMEOUT_MS` (default 60000) bounds each example.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const examplesDirectory = join(root, "examples");
const timeoutMs = Number(process.env.EXAMPLE_TIMEOUT_MS ?? 60_000);
const filters = process.argv.slice(2).filter((argument) => !argument.startsWith("-"));
const redisFolder = "multi-process";
const defaultRedisUrl = "redis://127.0.0.1:6379";

if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
  console.error(
    `EXAMPLE_TIMEOUT_MS must be a positive number of milliseconds, got "${process.env.EXAMPLE_TIMEOUT_MS}"`,
  );
  process.exit(2);
}

/** Every `.ts` file below a folder, sorted, as absolute paths. */
function listTypeScriptFiles(folder) {
  const files = [];
  for (const entry of readdirSync(folder).sort()) {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) {
      if (entry === "node_modules") continue;
      files.push(...listTypeScriptFiles(path));
    } else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) {
      files.push(path);
    }
  }
  return files;
}

/** The files that other examples import by a relative path: shared scaffolding, not programs. */
function importedModules(files) {
  const imported = new Set();
  const relativeImport = /(?:from\s+|import\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
  for (const file of files) {
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(relativeImport)) {
      const target = resolve(dirname(file), match[1]);
      // NodeNext imports name the emitted `.js` file; the example on disk is the `.ts` file.
      imported.add(target.replace(/\.js$/, ".ts"));
      imported.add(`${target}.ts`);
    }
  }
  return imported;
}

/** The examples to run, as absolute paths. */
function findExamples() {
  const files = listTypeScriptFiles(examplesDirectory);
  const imported = importedModules(files);
  const foldersWithEntry = new Set(
    files
      .filter((file) => /[\\/](main|index)\.ts$/.test(file) && dirname(file) !== examplesDirectory)
      .map((file) => dirname(file)),
  );
  return files.filter((file) => {
    const folder = [...foldersWithEntry].find((candidate) => file.startsWith(candidate + sep));
    if (folder)
      return (
        file === join(folder, "main.ts") ||
        (file === join(folder, "index.ts") && !existsSync(join(folder, "main.ts")))
      );
    return !imported.has(file);
  });
}

/** True when a Redis server answers PING at the URL's host and port within two seconds. */
function redisAnswers(url) {
  let host = "127.0.0.1";
  let port = 6379;
  try {
    const parsed = new URL(url);
    host = parsed.hostname || host;
    port = Number(parsed.port || port);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((settle) => {
    const socket = createConnection({ host, port });
    let answer = "";
    const finish = (result) => {
      socket.destroy();
      settle(result);
    };
    socket.setTimeout(2_000, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
      // +PONG without a password; -NOAUTH means a server is there and REDIS_URL carries the password.
      if (answer.includes("\r\n")) finish(answer.startsWith("+PONG") || answer.startsWith("-NOAUTH"));
    });
  });
}

/** Runs one example with tsx; resolves with its outcome. */
function runExample(file, environment) {
  const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");
  const started = Date.now();
  return new Promise((settle) => {
    const child = spawn(process.execPath, [tsx, file], {
      cwd: root,
      env: environment,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so that a timeout also ends the processes the example started.
      detached: process.platform !== "win32",
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(process.platform === "win32" ? child.pid : -child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      settle({ code, signal, timedOut, output, elapsedMs: Date.now() - started });
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      settle({
        code: null,
        signal: null,
        timedOut: false,
        output: `${output}\n${error.message}`,
        elapsedMs: Date.now() - started,
      });
    });
  });
}

function indent(text) {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

async function main() {
  if (!existsSync(examplesDirectory)) {
    console.error("examples/ not found");
    process.exit(2);
  }
  const examples = findExamples().filter(
    (file) =>
      filters.length === 0 || filters.some((filter) => relative(examplesDirectory, file).includes(filter)),
  );
  if (examples.length === 0) {
    console.error(
      filters.length ? `no example matches ${filters.join(", ")}` : "no example found in examples/",
    );
    process.exit(2);
  }

  const redisUrl = process.env.REDIS_URL || defaultRedisUrl;
  const needsRedis = (file) => relative(examplesDirectory, file).split(sep)[0] === redisFolder;
  const redisAvailable = examples.some(needsRedis) ? await redisAnswers(redisUrl) : false;

  const failures = [];
  const skipped = [];
  let passed = 0;
  for (const file of examples) {
    const name = relative(root, file);
    if (needsRedis(file) && !redisAvailable) {
      skipped.push(name);
      console.log(
        `\n!!!!! SKIPPED ${name}: no Redis answered at ${redisUrl} (set REDIS_URL or start redis-server) !!!!!`,
      );
      continue;
    }
    process.stdout.write(`\n▶ ${name}\n`);
    const environment = { ...process.env, FORCE_COLOR: "0" };
    if (needsRedis(file)) environment.REDIS_URL = redisUrl;
    const result = await runExample(file, environment);
    const seconds = (result.elapsedMs / 1000).toFixed(1);
    if (result.code === 0) {
      passed += 1;
      console.log(indent(result.output));
      console.log(`✔ ${name} (${seconds} s)`);
    } else {
      const reason = result.timedOut
        ? `did not finish within ${timeoutMs} ms`
        : `exited with ${result.code ?? result.signal}`;
      failures.push(`${name}: ${reason}`);
      console.log(indent(result.output));
      console.log(`✘ ${name} ${reason} (${seconds} s)`);
    }
  }

  console.log(`\nexamples: ${passed} passed, ${failures.length} failed, ${skipped.length} skipped`);
  for (const name of skipped) console.log(`  SKIPPED (no Redis): ${name}`);
  for (const failure of failures) console.log(`  FAILED: ${failure}`);
  process.exit(failures.length > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
