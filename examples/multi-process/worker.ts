/**
 * One instance of a merchant backend, as it would run behind a load balancer next to others:
 * a supplier client, a callback endpoint and a status poller, all on one shared Redis.
 *
 *   Started by main.ts (or the multi-process test) with child_process.fork; it reads its settings
 *   from the environment (see WORKER_ENVIRONMENT) and takes commands over IPC.
 *
 * What makes several instances safe together, and where it comes from:
 * - `store: stores.idempotency` — the write-ahead claim is one atomic Redis script, so the same
 *   merchantOrderId given to every instance reaches the supplier once;
 * - `events: stores.events` — delivery claims, so a callback and its duplicates (landing on any
 *   instance) and the pollers' queries run `onEvent` once per order state;
 * - `leases: stores.pollLeases` — every poller works from the one pending set in Redis and takes a
 *   short lease before polling an order; the orders of an instance that died are taken over when
 *   its leases expire;
 * - `stores.rateLimiter({ key: "fulu" })` — one token bucket for the whole merchant;
 * - `syncSupplierHealth` — a breaker opened by one instance is restored in the others.
 * When Redis is unreachable every one of these fails closed: placeOrder rejects with
 * StoreUnavailableError (retry: "same-id") and nothing is sent.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSupplierClient, isKaquanError, type StatusEvent } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createCallbackHandler, createStatusPoller, nodeCallbackListener } from "kaquan/callbacks";
import { createRedisStores, syncSupplierHealth } from "kaquan/redis";
import pLimit from "p-limit";
import {
  type OrderToPlace,
  type PlacementResult,
  WORKER_ENVIRONMENT,
  type WorkerCommand,
  type WorkerReport,
} from "./worker-messages.js";

function setting(name: keyof typeof WORKER_ENVIRONMENT): string {
  const value = process.env[WORKER_ENVIRONMENT[name]];
  if (!value)
    throw new Error(`set ${WORKER_ENVIRONMENT[name]} (see examples/multi-process/worker-messages.ts)`);
  return value;
}

function report(message: WorkerReport): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error("worker.ts is one instance; run the example with: npx tsx examples/multi-process/main.ts");
    process.exitCode = 1;
    return;
  }
  const stores = createRedisStores({
    url: setting("redisUrl"),
    prefix: setting("prefix"),
    // A placement waits at most this long for Redis before it fails closed.
    commandTimeoutMs: 1000,
  });
  const fulu = createSupplierClient({
    adapter: createFuluAdapter({
      appKey: setting("appKey"),
      appSecret: setting("appSecret"),
      endpoint: setting("supplierUrl"),
      // Fulu suggests polling every 1–3 s; the example polls faster so it finishes quickly.
      pollIntervalMs: 300,
    }),
    store: stores.idempotency,
    rateLimit: stores.rateLimiter({
      key: "fulu",
      requestsPerSecond: Number(setting("requestsPerSecond")),
      burst: Number(setting("burst")),
    }),
  });
  const healthSync = fulu.health ? syncSupplierHealth(fulu.health, stores.health) : undefined;

  const onEvent = (event: StatusEvent): void => {
    report({
      type: "event",
      merchantOrderId: event.merchantOrderId,
      status: event.status,
      source: event.source,
    });
  };
  const handler = createCallbackHandler({ clients: [fulu], onEvent, events: stores.events });
  const poller = createStatusPoller({
    clients: [fulu],
    delivery: handler.delivery, // one set of claims for callbacks and polls
    leases: stores.pollLeases,
    maxIntervalMs: 1000,
    tickMs: 100,
  });

  const server = createServer(nodeCallbackListener(handler, { supplier: "fulu" }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  async function place(orders: OrderToPlace[], concurrency: number): Promise<PlacementResult[]> {
    const limit = pLimit(concurrency);
    return Promise.all(
      orders.map((order) =>
        limit(async (): Promise<PlacementResult> => {
          try {
            const placed = await fulu.placeOrder({ ...order, kind: "direct" });
            return { merchantOrderId: order.merchantOrderId, status: placed.status };
          } catch (error) {
            if (!isKaquanError(error)) throw error;
            return { merchantOrderId: order.merchantOrderId, errorCode: error.code, retry: error.retry };
          }
        }),
      ),
    );
  }

  let stopping = false;
  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    await poller.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    healthSync?.close();
    fulu.close();
    await stores.close();
  }

  process.on("message", (message: WorkerCommand) => {
    if (message.type === "place") {
      void place(message.orders, message.concurrency).then((results) =>
        report({ type: "placed", batch: message.batch, results }),
      );
    } else if (message.type === "start-poller") {
      poller.start();
      report({ type: "poller-started" });
    } else if (message.type === "ping") {
      report({ type: "pong", sequence: message.sequence });
    } else if (message.type === "stop") {
      void stop().then(() => {
        report({ type: "stopped" });
        process.disconnect();
      });
    }
  });
  // A parent that went away takes its instances with it.
  process.on("disconnect", () => void stop());

  report({ type: "ready", callbackUrl: `http://127.0.0.1:${port}/callbacks/fulu` });
}

void main();
