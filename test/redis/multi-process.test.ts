/**
 * The multi-process proof: instances of examples/multi-process/worker.ts — separate Node
 * processes, as behind a load balancer — share one Redis and one in-process Fulu simulator.
 * Every assertion reads the simulator's ledger (what the supplier actually received) or the
 * `onEvent` calls the instances report over IPC.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { createFuluSimulator, type FuluSimulator } from "kaquan/testing";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrderToPlace, PlacementResult } from "../../examples/multi-process/worker-messages.js";
import {
  type ReportedEvent,
  startWorkers,
  type WorkerHandle,
  type WorkerSettings,
} from "../../examples/multi-process/worker-pool.js";
import {
  createPrivateRedisServer,
  deleteKeys,
  type PrivateRedisServer,
  REDIS_URL,
  redisAvailability,
  uniquePrefix,
} from "./redis-test-support.js";

const { available, serverInstalled } = await redisAvailability(
  "test/redis/multi-process.test.ts (several processes on one Redis)",
  "the Redis restart test of test/redis/multi-process.test.ts",
);

/** Fulu's test product 10000001 (a direct top-up) from the simulator's default catalogue. */
const orders = (prefix: string, count: number, from = 0): OrderToPlace[] =>
  Array.from({ length: count }, (_, index) => ({
    merchantOrderId: `${prefix}-${from + index}`,
    sku: "10000001",
    account: `player-${from + index}`,
  }));

const REQUESTS_PER_SECOND = 50;
const BURST = 5;

function settingsFor(simulator: FuluSimulator, redisUrl: string, prefix: string): WorkerSettings {
  return {
    redisUrl,
    prefix,
    supplierUrl: simulator.url,
    appKey: simulator.appKey,
    appSecret: simulator.appSecret,
    requestsPerSecond: REQUESTS_PER_SECOND,
    burst: BURST,
  };
}

/** How many placements of each order the simulator received. */
function placementsById(simulator: FuluSimulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of simulator.requests("fulu.order.direct.add")) {
    const id = request.customerOrderNo ?? "?";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** How many orders of `idPrefix` reached `onEvent` with `status`. */
function ordersWith(events: readonly ReportedEvent[], idPrefix: string, status: string): number {
  return new Set(
    events
      .filter((event) => event.status === status && event.merchantOrderId.startsWith(`${idPrefix}-`))
      .map((event) => event.merchantOrderId),
  ).size;
}

/** `onEvent` calls per `<merchantOrderId> <status>`. */
function eventCounts(events: readonly ReportedEvent[], idPrefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    if (!event.merchantOrderId.startsWith(`${idPrefix}-`)) continue;
    const key = `${event.merchantOrderId} ${event.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Waits (polling, no fixed sleep) until `done()` holds, failing after `limitMs`. */
async function until(what: string, done: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const giveUpAt = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const errorsOf = (results: readonly PlacementResult[]) => results.filter((result) => "errorCode" in result);

describe.skipIf(!available)("several processes on one Redis", () => {
  const prefix = uniquePrefix("multi-process");
  const events: ReportedEvent[] = [];
  let simulator: FuluSimulator;
  let workers: WorkerHandle[] = [];
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // No callback URL: the test decides which instance receives which callback.
    simulator = createFuluSimulator({ settleAfterMs: 20 });
    await simulator.start();
    workers = await startWorkers(4, settingsFor(simulator, REDIS_URL, prefix), (event) => events.push(event));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await simulator?.close();
    if (redis) {
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
  }, 30_000);

  it("the same 500 orders given to all four processes reach the supplier once each, within the shared rate limit", async () => {
    const batch = orders("MP", 500);
    const results = await Promise.all(workers.map((worker) => worker.place(batch, 16)));

    for (const perWorker of results) {
      expect(perWorker).toHaveLength(500);
      expect(errorsOf(perWorker)).toEqual([]);
      // Whoever lost the claim reports the winner's order (or `unknown` while it is still being
      // placed): never `failed` (promise 2).
      for (const result of perWorker)
        expect(["processing", "succeeded", "unknown"]).toContain((result as { status: string }).status);
    }
    const placements = placementsById(simulator);
    expect(placements.size).toBe(500);
    expect([...placements.values()].every((count) => count === 1)).toBe(true);
    expect(simulator.orders().filter((order) => order.customerOrderNo.startsWith("MP-"))).toHaveLength(500);

    // The shared write-ahead records agree: each order was handed to the transport once.
    const records = await redis.mget(batch.map((order) => `${prefix}:order:fulu:${order.merchantOrderId}`));
    expect(records.map((text) => JSON.parse(text ?? "{}").sends)).toEqual(batch.map(() => 1));

    // The shared bucket: in any five-second window the simulator saw at most five seconds' worth
    // of requests plus the burst, from all four processes together (four unshared limiters would
    // allow four times that). The allowance of a second covers requests that left on time but
    // reached the simulator late on a busy machine.
    const windowMs = 5000;
    const allowanceMs = 1000;
    const times = simulator
      .requests()
      .map((request) => request.at)
      .sort((a, b) => a - b);
    let busiest = 0;
    for (let start = 0, end = 0; start < times.length; start++) {
      while (end < times.length && times[end]! < times[start]! + windowMs) end++;
      busiest = Math.max(busiest, end - start);
    }
    expect(busiest).toBeLessThanOrEqual((REQUESTS_PER_SECOND * (windowMs + allowanceMs)) / 1000 + BURST);
    expect(times.length).toBeGreaterThanOrEqual(500);
  }, 60_000);

  it("duplicate callbacks spread over the processes run onEvent once per order state", async () => {
    await simulator.idle();
    const settled = simulator.orders().filter((order) => order.customerOrderNo.startsWith("MP-"));
    expect(settled.every((order) => order.state === "success")).toBe(true);

    // Each order's callback goes to two different processes at the same time, and once more to a
    // third afterwards: a supplier retrying, or a load balancer spreading one callback's retries.
    const limit = pLimit(24);
    const attempts = await Promise.all(
      settled.map((order, index) =>
        limit(async () => {
          const [first, second] = await Promise.all([
            simulator.sendCallback(order.customerOrderNo, undefined, {
              url: workers[index % 4]!.callbackUrl,
            }),
            simulator.sendCallback(order.customerOrderNo, undefined, {
              url: workers[(index + 1) % 4]!.callbackUrl,
            }),
          ]);
          const third = await simulator.sendCallback(order.customerOrderNo, undefined, {
            url: workers[(index + 2) % 4]!.callbackUrl,
          });
          return [...first, ...second, ...third];
        }),
      ),
    );
    // Every delivery was acknowledged (a duplicate is acknowledged too, so the supplier stops).
    const deliveries = attempts.flat();
    expect(deliveries.filter((attempt) => attempt.acknowledged).length).toBe(settled.length * 3);

    await Promise.all(workers.map((worker) => worker.flush()));
    const counts = eventCounts(events, "MP");
    expect(counts.size).toBe(500);
    for (const order of settled) expect(counts.get(`${order.customerOrderNo} succeeded`)).toBe(1);
    // The deliveries really were spread: every process ran onEvent for some orders.
    expect(new Set(events.map((event) => event.worker)).size).toBe(4);
  }, 60_000);

  it("a process killed mid-run (SIGKILL) leaves its pending orders to the others, through expired poll leases", async () => {
    simulator.setAutoSettle(false); // orders stay processing until the test completes them
    const victim = workers[0]!;
    const survivors = workers.slice(1);
    const batch = orders("KILL", 40);
    const placed = await victim.place(batch, 8);
    expect(errorsOf(placed)).toEqual([]);

    // The victim polls its orders (each first poll delivers `processing`), and dies holding leases.
    await victim.startPoller();
    await until(
      "the victim polled every order",
      () => ordersWith(events, "KILL", "processing") === batch.length,
    );
    const leaseKeys = batch.map((order) => `${prefix}:poll-lease:fulu:${order.merchantOrderId}`);
    await until("the victim holds leases", async () => (await redis.exists(...leaseKeys)) > 0);
    await victim.kill();

    for (const order of batch) simulator.completeOrder(order.merchantOrderId, "success");
    await Promise.all(survivors.map((worker) => worker.startPoller()));
    await until(
      "the survivors delivered every order",
      () => ordersWith(events, "KILL", "succeeded") === batch.length,
    );
    await Promise.all(survivors.map((worker) => worker.flush()));

    // Once per order state: the victim may have delivered `processing` before it died; nobody
    // delivers it again, and `succeeded` comes once, from a survivor.
    const counts = eventCounts(events, "KILL");
    for (const order of batch) expect(counts.get(`${order.merchantOrderId} succeeded`)).toBe(1);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    const finishers = new Set(
      events
        .filter((event) => event.merchantOrderId.startsWith("KILL-") && event.status === "succeeded")
        .map((event) => event.worker),
    );
    expect(finishers.has(0)).toBe(false);
    const placements = placementsById(simulator);
    for (const order of batch) expect(placements.get(order.merchantOrderId)).toBe(1);
    // Nothing is pending any more: the pending set in Redis was emptied by the survivors' writes.
    expect(await redis.scard(`${prefix}:pending:fulu`)).toBe(0);
  }, 60_000);
});

describe.skipIf(!available || !serverInstalled)("Redis restarting mid-run", () => {
  const prefix = uniquePrefix("restart");
  const events: ReportedEvent[] = [];
  let dataDir: string;
  let server: PrivateRedisServer;
  let simulator: FuluSimulator;
  let workers: WorkerHandle[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "kaquan-redis-"));
    server = await createPrivateRedisServer({ appendOnlyDir: dataDir });
    await server.start();
    simulator = createFuluSimulator({ autoSettle: false });
    await simulator.start();
    workers = await startWorkers(2, settingsFor(simulator, server.url, prefix), (event) =>
      events.push(event),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await simulator?.close();
    await server?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it("loses no order: while Redis is down nothing is sent and every placement says store_unavailable; after it is back each order is placed once and finished", async () => {
    const before = orders("RS", 20);
    for (const results of await Promise.all(workers.map((worker) => worker.place(before, 8))))
      expect(errorsOf(results)).toEqual([]);

    await server.kill();
    const during = orders("RS", 10, 20);
    for (const results of await Promise.all(workers.map((worker) => worker.place(during, 10)))) {
      expect(results).toHaveLength(10);
      for (const result of results)
        expect(result).toMatchObject({ errorCode: "store_unavailable", retry: "same-id" });
    }
    const duringIds = new Set(during.map((order) => order.merchantOrderId));
    expect(simulator.requests().filter((request) => duringIds.has(request.customerOrderNo ?? ""))).toEqual(
      [],
    );

    // Redis comes back with its append-only file. The callers do what retry: "same-id" says: place
    // the same orders again — both processes, every order, until the store answers.
    await server.start();
    const everything = [...before, ...during];
    await until("the store answers again", async () => {
      const results = await Promise.all(workers.map((worker) => worker.place(everything, 10)));
      const codes = results.flat().flatMap((result) => ("errorCode" in result ? [result.errorCode] : []));
      expect(codes.filter((code) => code !== "store_unavailable")).toEqual([]);
      return codes.length === 0;
    });
    const placements = placementsById(simulator);
    for (const order of everything) expect(placements.get(order.merchantOrderId)).toBe(1);

    for (const order of everything) simulator.completeOrder(order.merchantOrderId, "success");
    await Promise.all(workers.map((worker) => worker.startPoller()));
    await until(
      "every order was delivered",
      () => ordersWith(events, "RS", "succeeded") === everything.length,
    );
    await Promise.all(workers.map((worker) => worker.flush()));
    const counts = eventCounts(events, "RS");
    for (const order of everything) expect(counts.get(`${order.merchantOrderId} succeeded`)).toBe(1);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
  }, 60_000);
});
