/**
 * What the Redis tests share: where Redis is, a loud warning when it is not there, key cleanup,
 * and a private `redis-server` child that a test may kill and restart.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { Redis } from "ioredis";

/** The Redis the tests use: `REDIS_URL`, else the local default. Loopback only. */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A key prefix no other test file (or run) uses. */
export function uniquePrefix(name: string): string {
  return `kaquan-test:${name}:${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Whether a Redis server answers PING at `url` within a second. */
export async function redisReachable(url: string = REDIS_URL): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 1000,
  });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Says, loudly, that Redis tests are skipped and how to run them. With `KAQUAN_REQUIRE_REDIS=1`
 * (CI sets it, having started a server) a missing Redis fails the file instead of skipping it.
 */
export function warnRedisSkipped(what: string, reason: string): void {
  if (process.env.KAQUAN_REQUIRE_REDIS === "1")
    throw new Error(`${what} needs Redis (KAQUAN_REQUIRE_REDIS=1): ${reason}`);
  console.warn(
    [
      "",
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      `!!! SKIPPED: ${what}`,
      `!!! ${reason}`,
      "!!! Start one, then run the tests again:",
      "!!!   apt-get install -y redis-server        (or: brew install redis)",
      "!!!   redis-server --daemonize yes --port 6379 --save '' --appendonly no",
      "!!! or point REDIS_URL at a server of your own (loopback only).",
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      "",
    ].join("\n"),
  );
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

/** Whether the `redis-server` program is installed. */
export function redisServerInstalled(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * What a Redis test file can run: the shared server (`available`) and a private redis-server
 * (`serverInstalled`), each warned about loudly when missing. `file` names the whole file's
 * tests, `privateTests` the ones that start their own server.
 */
export async function redisAvailability(
  file: string,
  privateTests: string,
): Promise<{ available: boolean; serverInstalled: boolean }> {
  const available = await redisReachable();
  if (!available) warnRedisSkipped(file, `No Redis answered at ${new URL(REDIS_URL).host}.`);
  const serverInstalled = redisServerInstalled();
  if (available && !serverInstalled)
    warnRedisSkipped(privateTests, "They start a private redis-server, which is not installed.");
  return { available, serverInstalled };
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A `redis-server` child of this test, without persistence, on a port of its own. */
export interface PrivateRedisServer {
  readonly port: number;
  readonly url: string;
  /** Starts (or starts again) the server and waits until it answers. */
  start(): Promise<void>;
  /** Kills it with SIGKILL (no shutdown, no save) and waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Creates (without starting) a private `redis-server`. With `appendOnlyDir` it keeps an
 * append-only file there, fsynced on every write, so a SIGKILL and a start again keep every key —
 * how a production Redis holding order records must be configured (see docs/redis.md).
 */
export async function createPrivateRedisServer(
  options: { appendOnlyDir?: string } = {},
): Promise<PrivateRedisServer> {
  const port = await freePort();
  const persistence = options.appendOnlyDir
    ? ["--appendonly", "yes", "--appendfsync", "always", "--dir", options.appendOnlyDir]
    : ["--appendonly", "no"];
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  return {
    port,
    url,
    async start() {
      if (child) throw new Error("the private redis-server is already running");
      child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence],
        { stdio: "ignore" },
      );
      const until = Date.now() + 10_000;
      while (!(await redisReachable(url))) {
        if (Date.now() > until) throw new Error(`redis-server did not start on port ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGKILL");
      await exited;
    },
  };
}
