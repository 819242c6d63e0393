/**
 * Three instances of a merchant backend on one Redis, as behind a load balancer.
 *
 *   redis-server --port 6379 --save '' --appendonly no   (or REDIS_URL=redis://…)
 *   npx tsx examples/multi-process/main.ts
 *
 * It starts the Fulu simulator as the supplier, forks three instances of worker.ts, gives the
 * same 100 orders to every instance, then delivers each order's callback to two instances at
 * once — and prints what the supplier received and how often `onEvent` ran. Expected: 100
 * placements (not 300) and 100 `succeeded` events (not 200). Its keys live under a prefix of
 * its own, deleted at the end.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { createFuluSimulator } from "kaquan/testing";
import type { OrderToPlace } from "./worker-messages.js";
import { type ReportedEvent, startWorkers } from "./worker-pool.js";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `kaquan-example:${randomUUID().slice(0, 8)}`;
const orderCount = 100;

async function main(): Promise<void> {
  const simulator = createFuluSimulator({ settleAfterMs: 50 });
  await simulator.start();
  const events: ReportedEvent[] = [];
  const workers = await startWorkers(
    3,
    {
      redisUrl,
      prefix,
      supplierUrl: simulator.url,
      appKey: simulator.appKey,
      appSecret: simulator.appSecret,
      requestsPerSecond: 100,
      burst: 10,
    },
    (event) => events.push(event),
  );
  const redis = new Redis(redisUrl);
  try {
    const orders: OrderToPlace[] = Array.from({ length: orderCount }, (_, index) => ({
      merchantOrderId: `EXAMPLE-${index}`,
      sku: "10000001",
      account: `player-${index}`,
    }));
    console.log(`placing the same ${orderCount} orders in each of ${workers.length} instances…`);
    const results = await Promise.all(workers.map((worker) => worker.place(orders)));
    const refused = results.flat().filter((result) => "errorCode" in result);
    console.log(`supplier received ${simulator.requests("fulu.order.direct.add").length} placements`);
    if (refused.length > 0) console.log(`${refused.length} placements were refused:`, refused.slice(0, 3));

    await simulator.idle(); // every order has settled at the supplier
    console.log("delivering each order's callback to two instances at once…");
    await Promise.all(
      orders.map((order, index) =>
        Promise.all([
          simulator.sendCallback(order.merchantOrderId, undefined, { url: workers[index % 3]!.callbackUrl }),
          simulator.sendCallback(order.merchantOrderId, undefined, {
            url: workers[(index + 1) % 3]!.callbackUrl,
          }),
        ]),
      ),
    );
    await Promise.all(workers.map((worker) => worker.flush()));
    const perWorker = workers.map((worker) => events.filter((event) => event.worker === worker.index).length);
    console.log(`onEvent ran ${events.length} times (per instance: ${perWorker.join(", ")})`);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await simulator.close();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
    await redis.quit();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
