import { spawnSync } from "node:child_process";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { inspect } from "node:util";
import { Redis } from "ioredis";
import {
  ConfigurationError,
  createSupplierClient,
  createSupplierHealth,
  type OrderRecord,
  StoreUnavailableError,
  type SupplierClient,
  secret,
} from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createStatusPoller } from "kaquan/callbacks";
import {
  createRedisRateLimiter,
  createRedisStores,
  RedisEventClaimStore,
  RedisHealthStateStore,
  RedisIdempotencyStore,
  RedisPollLeaseStore,
  RedisRouteStore,
  syncSupplierHealth,
} from "kaquan/redis";
import { createFuluSimulator } from "kaquan/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  describeEventClaimStoreContract,
  describeIdempotencyStoreContract,
  describePollLeaseStoreContract,
  describeRouteStoreContract,
} from "../stores/store-contract.js";
import {
  createPrivateRedisServer,
  deleteKeys,
  freePort,
  type PrivateRedisServer,
  REDIS_URL,
  redisAvailability,
  uniquePrefix,
} from "./redis-test-support.js";

const { available, serverInstalled } = await redisAvailability(
  "test/redis/redis-stores.test.ts (the Redis store contracts)",
  "the Redis fence and script-cache tests",
);

const prefix = uniquePrefix("stores");
let redis: Redis;

beforeAll(() => {
  if (available) redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  if (!redis) return;
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const options = () => ({ redis, prefix });

/**
 * A store whose method calls go to `first` and `other` in turn: two stores on two connections
 * racing each other, as two processes do.
 */
function alternating<T extends object>(first: T, other: T): T {
  let turn = 0;
  return new Proxy(first, {
    get(target, property) {
      if (typeof (target as Record<PropertyKey, unknown>)[property] !== "function")
        return (target as Record<PropertyKey, unknown>)[property];
      return (...parameters: unknown[]) => {
        const store = (turn++ % 2 === 0 ? first : other) as Record<
          PropertyKey,
          (...values: unknown[]) => unknown
        >;
        return store[property]!(...parameters);
      };
    },
  });
}

describe.skipIf(!available)("Redis stores against a live Redis", () => {
  describeIdempotencyStoreContract("RedisIdempotencyStore", () => new RedisIdempotencyStore(options()));
  describeEventClaimStoreContract("RedisEventClaimStore", () => new RedisEventClaimStore(options()));
  describeRouteStoreContract("RedisRouteStore", () => new RedisRouteStore(options()));
  describePollLeaseStoreContract("RedisPollLeaseStore", () => new RedisPollLeaseStore(options()));

  describe("the same contracts with every other call on a second connection (as two processes)", () => {
    let second: Redis;
    beforeAll(() => {
      second = new Redis(REDIS_URL);
    });
    afterAll(async () => {
      await second?.quit();
    });
    const secondOptions = () => ({ redis: second, prefix });

    describeIdempotencyStoreContract("RedisIdempotencyStore × 2 connections", () =>
      alternating(new RedisIdempotencyStore(options()), new RedisIdempotencyStore(secondOptions())),
    );
    describeEventClaimStoreContract("RedisEventClaimStore × 2 connections", () =>
      alternating(new RedisEventClaimStore(options()), new RedisEventClaimStore(secondOptions())),
    );
    describeRouteStoreContract("RedisRouteStore × 2 connections", () =>
      alternating(new RedisRouteStore(options()), new RedisRouteStore(secondOptions())),
    );
    describePollLeaseStoreContract("RedisPollLeaseStore × 2 connections", () =>
      alternating(new RedisPollLeaseStore(options()), new RedisPollLeaseStore(secondOptions())),
    );
  });

  describe("keys and lifetimes", () => {
    const record = (supplier: string, merchantOrderId: string): OrderRecord => ({
      key: `${supplier}:${merchantOrderId}`,
      supplier,
      merchantOrderId,
      fingerprint: "fingerprint-1",
      request: { merchantOrderId, kind: "direct", sku: "1001", quantity: 1, account: "player-1" },
      sends: 0,
      resendable: true,
      placing: true,
      createdAt: 0,
      updatedAt: 0,
    });

    it("order records live recordTtlMs after their last write and sit in the supplier's pending set until final", async () => {
      const store = new RedisIdempotencyStore({ ...options(), recordTtlMs: 60_000 });
      await store.claim(record("keys-supplier", "K-1"));
      const recordKey = `${prefix}:order:keys-supplier:K-1`;
      const ttl = await redis.pttl(recordKey);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await redis.sismember(`${prefix}:pending:keys-supplier`, "keys-supplier:K-1")).toBe(1);
      expect(await redis.smembers(`${prefix}:suppliers:pending`)).toContain("keys-supplier");

      await redis.pexpire(recordKey, 5_000);
      await store.update("keys-supplier:K-1", (current) =>
        current
          ? {
              ...current,
              order: {
                merchantOrderId: "K-1",
                supplier: "keys-supplier",
                status: "succeeded",
                cards: [],
                createdAt: "2024-01-01T00:00:00.000Z",
                updatedAt: "2024-01-01T00:00:00.000Z",
              },
            }
          : undefined,
      );
      expect(await redis.pttl(recordKey)).toBeGreaterThan(5_000); // refreshed by the write
      expect(await redis.sismember(`${prefix}:pending:keys-supplier`, "keys-supplier:K-1")).toBe(0);
    });

    it("the default record lifetime is 30 days", async () => {
      const store = new RedisIdempotencyStore(options());
      await store.claim(record("keys-supplier", "K-DEFAULT"));
      const ttl = await redis.pttl(`${prefix}:order:keys-supplier:K-DEFAULT`);
      expect(ttl).toBeGreaterThan(29 * 24 * 3600_000);
      expect(ttl).toBeLessThanOrEqual(30 * 24 * 3600_000);
    });

    it("a pending record that expired is dropped from the pending set when listed", async () => {
      const store = new RedisIdempotencyStore(options());
      await store.claim(record("expiring-supplier", "E-1"));
      await store.claim(record("expiring-supplier", "E-2"));
      await redis.del(`${prefix}:order:expiring-supplier:E-1`);
      expect((await store.listPending("expiring-supplier")).map((each) => each.key)).toEqual([
        "expiring-supplier:E-2",
      ]);
      expect(await redis.smembers(`${prefix}:pending:expiring-supplier`)).toEqual(["expiring-supplier:E-2"]);
    });

    it("card codes are stored readable (so they can be returned) and read back as Secrets", async () => {
      const store = new RedisIdempotencyStore(options());
      await store.claim({
        ...record("card-supplier", "C-1"),
        order: {
          merchantOrderId: "C-1",
          supplier: "card-supplier",
          status: "succeeded",
          cards: [{ password: secret("CARD-CODE-77"), format: "code" }],
          createdAt: "2024-01-01T00:00:00.000Z",
          updatedAt: "2024-01-01T00:00:00.000Z",
        },
      });
      const raw = await redis.get(`${prefix}:order:card-supplier:C-1`);
      expect(raw).toContain("CARD-CODE-77");
      expect(raw).not.toContain("[secret]");
      const read = await store.get("card-supplier:C-1");
      expect(read?.order?.cards[0]?.password.reveal()).toBe("CARD-CODE-77");
      expect(inspect(read, { depth: 10 })).not.toContain("CARD-CODE-77");
    });

    it("event claims hold in_progress for the lease, then done for the given time", async () => {
      const store = new RedisEventClaimStore(options());
      await store.claim("event:fulu:X-1:succeeded", 60_000);
      const key = `${prefix}:event:event:fulu:X-1:succeeded`;
      expect(await redis.get(key)).toBe("in_progress");
      expect(await redis.pttl(key)).toBeLessThanOrEqual(60_000);
      await store.complete("event:fulu:X-1:succeeded", 7 * 24 * 3600_000);
      expect(await redis.get(key)).toBe("done");
      expect(await redis.pttl(key)).toBeGreaterThan(60_000);
    });

    it("route records and poll leases live under their own kinds", async () => {
      await new RedisRouteStore(options()).claim({
        merchantOrderId: "ROUTE-KEY-1",
        fingerprint: "f",
        request: { merchantOrderId: "ROUTE-KEY-1", sku: "S", quantity: 1 },
        attempts: [],
        state: "routing",
        createdAt: 0,
        updatedAt: 0,
      });
      expect(await redis.pttl(`${prefix}:route:ROUTE-KEY-1`)).toBeGreaterThan(29 * 24 * 3600_000);
      await new RedisPollLeaseStore(options()).tryLease("fulu:LEASE-1", 30_000);
      expect(await redis.pttl(`${prefix}:poll-lease:fulu:LEASE-1`)).toBeLessThanOrEqual(30_000);
    });

    it("refuses bad options with messages that say what to pass", () => {
      expect(() => new RedisIdempotencyStore({} as never)).toThrow(/needs \{ redis \}/);
      expect(() => new RedisIdempotencyStore({ redis, prefix: "has space" })).toThrow(ConfigurationError);
      expect(() => new RedisEventClaimStore({ redis, commandTimeoutMs: 0 })).toThrow(ConfigurationError);
      expect(() => new RedisRouteStore({ redis, recordTtlMs: -1 })).toThrow(ConfigurationError);
      expect(() => createRedisRateLimiter({ redis, key: "", requestsPerSecond: 1 })).toThrow(/key/);
      expect(() => createRedisRateLimiter({ redis, key: "k", requestsPerSecond: 0 })).toThrow(
        ConfigurationError,
      );
      expect(() => createRedisRateLimiter({ redis, key: "k", requestsPerSecond: 1, burst: 0.5 })).toThrow(
        ConfigurationError,
      );
    });
  });

  describe("shared rate limiter (GCRA on Redis's clock)", () => {
    const abortAfter = (ms: number) => AbortSignal.timeout(ms);

    it("lets `burst` requests go at once, then makes the next one wait", async () => {
      const limiter = createRedisRateLimiter({ ...options(), key: "burst", requestsPerSecond: 1, burst: 2 });
      await limiter.acquire();
      await limiter.acquire();
      await expect(limiter.acquire(abortAfter(100))).rejects.toThrow();
    });

    it("is shared by every limiter (and client connection) with the same key, and only those", async () => {
      const otherConnection = new Redis(REDIS_URL);
      try {
        const first = createRedisRateLimiter({ ...options(), key: "shared", requestsPerSecond: 1 });
        const second = createRedisRateLimiter({
          redis: otherConnection,
          prefix,
          key: "shared",
          requestsPerSecond: 1,
        });
        const unrelated = createRedisRateLimiter({ ...options(), key: "unrelated", requestsPerSecond: 1 });
        await first.acquire();
        await expect(second.acquire(abortAfter(100))).rejects.toThrow();
        await unrelated.acquire();
      } finally {
        otherConnection.disconnect();
      }
    });

    it("takes no token for a call aborted before it starts", async () => {
      const limiter = createRedisRateLimiter({ ...options(), key: "aborted", requestsPerSecond: 1 });
      const controller = new AbortController();
      controller.abort();
      await expect(limiter.acquire(controller.signal)).rejects.toThrow();
      await limiter.acquire(abortAfter(500)); // the first real call still goes at once
    });
  });

  describe("shared supplier health", () => {
    it("saves and loads snapshots; savedAt grows with every save", async () => {
      const store = new RedisHealthStateStore(options());
      const health = createSupplierHealth({ supplier: "health-roundtrip" });
      expect(await store.load("health-roundtrip")).toBeUndefined();
      const first = await store.save("health-roundtrip", health.snapshot(), "me");
      const second = await store.save("health-roundtrip", health.snapshot(), "me");
      expect(second).toBeGreaterThan(first);
      const loaded = await store.load("health-roundtrip");
      expect(loaded?.origin).toBe("me");
      expect(loaded?.savedAt).toBe(second);
      expect(loaded?.snapshot.supplier).toBe("health-roundtrip");
      expect(await redis.pttl(`${prefix}:health:health-roundtrip`)).toBeGreaterThan(23 * 3600_000);
    });

    it("a breaker opened in one process is restored in another; closing it travels back", async () => {
      const store = new RedisHealthStateStore(options());
      const here = createSupplierHealth({ supplier: "health-sync" });
      const there = createSupplierHealth({ supplier: "health-sync" });
      const hereSync = syncSupplierHealth(here, store, { intervalMs: 60_000 });
      const thereSync = syncSupplierHealth(there, store, { intervalMs: 60_000 });
      try {
        await Promise.all([hereSync.pull(), thereSync.pull()]);
        here.circuit!.forceOpen(60_000);
        await hereSync.push();
        expect(await thereSync.pull()).toBe(true);
        expect(there.isAvailable()).toBe(false);
        expect(there.circuit!.state()).toBe("open");
        expect(await hereSync.pull()).toBe(false); // its own save is nothing new

        there.circuit!.reset();
        await thereSync.push();
        expect(await hereSync.pull()).toBe(true);
        expect(here.isAvailable()).toBe(true);
      } finally {
        hereSync.close();
        thereSync.close();
      }
    });

    it("after close() local events are no longer saved", async () => {
      const store = new RedisHealthStateStore(options());
      const health = createSupplierHealth({ supplier: "health-closed" });
      const sync = syncSupplierHealth(health, store, { intervalMs: 60_000 });
      await sync.pull();
      sync.close();
      health.circuit!.forceOpen(60_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await store.load("health-closed")).toBeUndefined();
    });
  });

  describe("Redis poll leases shared by two pollers", () => {
    it("each pending order is polled by one poller", async () => {
      const polls: string[] = [];
      const client = {
        supplier: "lease-supplier",
        adapter: { capabilities: { pollIntervalMs: 60_000 } },
        async listPendingOrders() {
          return Array.from({ length: 10 }, (_, index) => ({
            merchantOrderId: `LP-${index}`,
            supplier: "lease-supplier",
            status: "processing" as const,
            cards: [],
            createdAt: new Date().toISOString(),
            updatedAt: new Date().toISOString(),
          }));
        },
        async refreshOrder(merchantOrderId: string) {
          polls.push(merchantOrderId);
          return {
            merchantOrderId,
            supplier: "lease-supplier",
            status: "processing",
            cards: [],
            createdAt: new Date().toISOString(),
            updatedAt: new Date().toISOString(),
            meta: { attempts: 0, totalRetryDelayMs: 0, resolvedBy: "query" },
          };
        },
      } as unknown as SupplierClient;
      const events = new RedisEventClaimStore(options());
      const make = () =>
        createStatusPoller({
          clients: [client],
          onEvent: () => undefined,
          events,
          leases: new RedisPollLeaseStore(options()),
        });
      await Promise.all([make().runOnce(), make().runOnce(), make().runOnce()]);
      expect(polls.sort()).toEqual(Array.from({ length: 10 }, (_, index) => `LP-${index}`).sort());
    });
  });

  describe("createRedisStores", () => {
    it("builds every store on one client and prefix", async () => {
      const stores = createRedisStores({ redis, prefix });
      expect((await stores.events.claim("event:made:1:succeeded", 1000)) === "claimed").toBe(true);
      expect(await redis.exists(`${prefix}:event:event:made:1:succeeded`)).toBe(1);
      expect(stores.redis).toBe(redis);
      await stores.rateLimiter({ key: "made", requestsPerSecond: 10 }).acquire();
      await stores.close(); // a client passed in stays open
      expect(await redis.ping()).toBe("PONG");
    });

    it("from a URL: works, and closes its own client", async () => {
      const stores = createRedisStores({ url: REDIS_URL, prefix });
      expect(await stores.pollLeases.tryLease("fulu:URL-1", 1000)).toBe(true);
      await stores.close();
      expect(stores.redis.status).toBe("end");
    });
  });
});

describe.skipIf(!available)("fail closed when Redis is down (promise 1 and promise 4)", () => {
  const password = "s3cr3t-redis-password";
  let deadUrl: string;

  beforeAll(async () => {
    deadUrl = `redis://kaquan:${password}@127.0.0.1:${await freePort()}`;
  });

  it("every store call rejects with StoreUnavailableError that carries no password, URL or cause", async () => {
    const deadRedis = new Redis(deadUrl); // ioredis defaults: offline queue on, reconnecting forever
    deadRedis.on("error", () => undefined);
    try {
      const settings = { redis: deadRedis, prefix, commandTimeoutMs: 200 };
      const attempts: Array<Promise<unknown>> = [
        new RedisIdempotencyStore(settings).get("fulu:DOWN-1"),
        new RedisIdempotencyStore(settings).claim({
          key: "fulu:DOWN-1",
          supplier: "fulu",
          merchantOrderId: "DOWN-1",
          fingerprint: "f",
          request: { merchantOrderId: "DOWN-1", kind: "card", sku: "1", quantity: 1 },
          sends: 0,
          resendable: true,
          placing: true,
          createdAt: 0,
          updatedAt: 0,
        }),
        new RedisIdempotencyStore(settings).listPending("fulu"),
        new RedisEventClaimStore(settings).claim("event:fulu:DOWN-1:succeeded", 1000),
        new RedisRouteStore(settings).update("DOWN-1", (current) => current),
        new RedisPollLeaseStore(settings).tryLease("fulu:DOWN-1", 1000),
        new RedisHealthStateStore(settings).load("fulu"),
        createRedisRateLimiter({ ...settings, key: "down", requestsPerSecond: 1 }).acquire(),
      ];
      for (const attempt of attempts) {
        const error = await attempt.then(
          () => expect.fail("a store call succeeded without Redis"),
          (caught: unknown) => caught,
        );
        expect(StoreUnavailableError.isInstance(error)).toBe(true);
        const store = error as StoreUnavailableError;
        expect(store.code).toBe("store_unavailable");
        expect(store.cause).toBeUndefined();
        for (const text of [
          store.message,
          JSON.stringify(store),
          inspect(store, { depth: 10 }),
          String(store.stack),
        ]) {
          expect(text).not.toContain(password);
          expect(text).not.toContain("redis://");
        }
        expect(store.message).toMatch(/check that Redis is running/);
      }
    } finally {
      deadRedis.disconnect();
    }
  });

  it("placeOrder rejects with store_unavailable and the supplier receives nothing", async () => {
    const simulator = createFuluSimulator();
    await simulator.start();
    const deadRedis = new Redis(deadUrl);
    deadRedis.on("error", () => undefined);
    const client = createSupplierClient({
      adapter: createFuluAdapter({
        appKey: simulator.appKey,
        appSecret: simulator.appSecret,
        endpoint: simulator.url,
      }),
      store: new RedisIdempotencyStore({ redis: deadRedis, prefix, commandTimeoutMs: 200 }),
    });
    try {
      const error = await client
        .placeOrder({ merchantOrderId: "DOWN-ORDER-1", kind: "direct", sku: "10000001", account: "player-1" })
        .then(
          () => expect.fail("placeOrder succeeded without its store"),
          (caught: unknown) => caught as StoreUnavailableError,
        );
      expect(error.code).toBe("store_unavailable");
      expect(error.retry).toBe("same-id");
      expect(inspect(error)).not.toContain(password);
      expect(simulator.requests()).toHaveLength(0);
      expect(simulator.orders()).toHaveLength(0);
    } finally {
      client.close();
      deadRedis.disconnect();
      await simulator.close();
    }
  });

  it("createRedisStores closes the client it made when an option is refused (no reconnect-forever socket)", () => {
    const disconnect = vi.spyOn(Redis.prototype, "disconnect");
    try {
      expect(() => createRedisStores({ url: deadUrl, prefix: "has space" })).toThrow(ConfigurationError);
      expect(() => createRedisStores({ url: deadUrl, recordTtlMs: 0 })).toThrow(ConfigurationError);
      expect(disconnect).toHaveBeenCalledTimes(2);
    } finally {
      disconnect.mockRestore();
    }
  });

  it("createRedisStores never shows a URL's password: not in errors, not when printed", async () => {
    expect(() => createRedisStores({ url: `http://user:${password}@127.0.0.1:1` })).toThrow(
      ConfigurationError,
    );
    try {
      createRedisStores({ url: `redis://user:${password}@bad host` });
      expect.fail("a malformed URL was accepted");
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(password);
    }
    const stores = createRedisStores({ url: deadUrl, prefix, commandTimeoutMs: 200 });
    try {
      expect(inspect(stores, { depth: 4 })).not.toContain(password);
      expect(JSON.stringify(Object.keys(stores))).not.toContain('redis"');
      const error = await stores.idempotency.get("fulu:X").catch((caught: unknown) => caught);
      expect(StoreUnavailableError.isInstance(error)).toBe(true);
      expect(inspect(error)).not.toContain(password);
    } finally {
      await stores.close();
    }
  });
});

describe("a client created from a URL that cannot connect", () => {
  it("fails each call with StoreUnavailableError within the timeout, and close() stops its reconnecting", async () => {
    // A port that accepts and drops every connection: ioredis keeps reconnecting to it.
    let connections = 0;
    const dropper = createNetServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(0, "127.0.0.1", resolve));
    const { port } = dropper.address() as AddressInfo;
    const stores = createRedisStores({
      url: `redis://127.0.0.1:${port}`,
      prefix: "dropped",
      commandTimeoutMs: 100,
    });
    try {
      await expect(stores.events.claim("event:a", 1000)).rejects.toThrow(StoreUnavailableError);
      while (connections < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      await stores.close();
      const atClose = connections;
      // Longer than the longest pause between two reconnects (1 s): no attempt comes after close().
      await new Promise((resolve) => setTimeout(resolve, 1300));
      expect(connections).toBe(atClose);
    } finally {
      await new Promise((resolve) => dropper.close(resolve));
    }
  });
});

describe.skipIf(!available || !serverInstalled)(
  "a write that reaches Redis late changes nothing (the fence)",
  () => {
    let server: PrivateRedisServer;
    let privateRedis: Redis;
    let controlRedis: Redis;

    beforeAll(async () => {
      server = await createPrivateRedisServer();
      await server.start();
      privateRedis = new Redis(server.url);
      controlRedis = new Redis(server.url);
    });

    afterAll(async () => {
      privateRedis?.disconnect();
      controlRedis?.disconnect();
      await server?.kill();
    });

    it("a claim held up past its timeout reports store_unavailable and, when Redis runs it later, writes nothing", async () => {
      const store = new RedisIdempotencyStore({
        redis: privateRedis,
        prefix: "fence",
        commandTimeoutMs: 300,
      });
      expect(await store.get("fulu:FENCE-0")).toBeUndefined(); // warms the connection
      await store.claim({
        key: "fulu:FENCE-0",
        supplier: "fulu",
        merchantOrderId: "FENCE-0",
        fingerprint: "f",
        request: { merchantOrderId: "FENCE-0", kind: "card", sku: "1", quantity: 1 },
        sends: 0,
        resendable: true,
        placing: true,
        createdAt: 0,
        updatedAt: 0,
      }); // measures the Redis clock
      // Every client's commands now wait in Redis for 1.2 s: the claim below is sent, times out on
      // kaquan's side, and is executed by Redis only after the pause.
      await controlRedis.call("CLIENT", "PAUSE", "1200", "ALL");
      const claim = store.claim({
        key: "fulu:FENCE-1",
        supplier: "fulu",
        merchantOrderId: "FENCE-1",
        fingerprint: "f",
        request: { merchantOrderId: "FENCE-1", kind: "card", sku: "1", quantity: 1 },
        sends: 0,
        resendable: true,
        placing: true,
        createdAt: 0,
        updatedAt: 0,
      });
      await expect(claim).rejects.toThrow(StoreUnavailableError);
      // Once the pause is over, Redis runs the queued script; read after it (commands keep order).
      expect(await privateRedis.get("fence:order:fulu:FENCE-1")).toBeNull();
      expect(await store.get("fulu:FENCE-1")).toBeUndefined();
      expect(await privateRedis.sismember("fence:pending:fulu", "fulu:FENCE-1")).toBe(0);
    });

    it("a server that lost its script cache (a restart) still runs every script", async () => {
      const store = new RedisEventClaimStore({ redis: privateRedis, prefix: "flush" });
      expect(await store.claim("event:a", 60_000)).toBe("claimed");
      await controlRedis.script("FLUSH");
      expect(await store.claim("event:b", 60_000)).toBe("claimed");
      expect(await store.claim("event:b", 60_000)).toBe("in_progress");
    });
  },
);

describe("the core package does not load ioredis", () => {
  const loaded = (entry: string) => {
    const code = `
      import { createRequire } from "node:module";
      const require = createRequire(process.cwd() + "/");
      await import(${JSON.stringify(entry)});
      const found = Object.keys(require.cache).some((path) => path.includes("/node_modules/ioredis/"));
      console.log(found ? "ioredis-loaded" : "ioredis-absent");
    `;
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: process.cwd(),
      encoding: "utf8",
    });
    return `${result.stdout}${result.stderr}`;
  };

  it("import 'kaquan' leaves ioredis unloaded; import 'kaquan/redis' loads it", () => {
    expect(loaded("./src/index.ts")).toContain("ioredis-absent");
    expect(loaded("./src/redis/index.ts")).toContain("ioredis-loaded");
  });
});
