/**
 * One contract per store interface, run against every implementation (memory and Redis): what
 * the client, the router, the callback handler and the poller rely on. Each case uses keys and
 * supplier names of its own, so implementations may share one backing store across cases.
 */
import { randomUUID } from "node:crypto";
import {
  applyUpdate,
  type IdempotencyStore,
  type Order,
  type OrderRecord,
  type OrderStatus,
  Secret,
  secret,
} from "kaquan";
import type { EventClaimStore, PollLeaseStore } from "kaquan/callbacks";
import type { RouteRecord, RouteStore } from "kaquan/routing";
import { describe, expect, it } from "vitest";

const unique = () => randomUUID().slice(0, 8);
const isoNow = () => new Date().toISOString();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function orderRecord(supplier: string, merchantOrderId: string, overrides: Partial<OrderRecord> = {}) {
  const now = Date.now();
  const record: OrderRecord = {
    key: `${supplier}:${merchantOrderId}`,
    supplier,
    merchantOrderId,
    fingerprint: "fingerprint-1",
    request: { merchantOrderId, kind: "direct", sku: "1001", quantity: 1, account: "player-1" },
    sends: 0,
    resendable: true,
    placing: true,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  return record;
}

function order(supplier: string, merchantOrderId: string, status: OrderStatus): Order {
  return { merchantOrderId, supplier, status, cards: [], createdAt: isoNow(), updatedAt: isoNow() };
}

/** Applies a status the way the client does: through the monotonic reducer. */
function reduceTo(status: OrderStatus) {
  return (current: OrderRecord | undefined): OrderRecord | undefined => {
    if (!current) return undefined;
    const result = applyUpdate(
      current.order,
      { merchantOrderId: current.merchantOrderId, supplier: current.supplier, status, source: "callback" },
      isoNow(),
    );
    return { ...current, order: result.order, updatedAt: Date.now() };
  };
}

/** The {@link IdempotencyStore} contract. */
export function describeIdempotencyStoreContract(name: string, create: () => IdempotencyStore): void {
  describe(`${name}: IdempotencyStore contract`, () => {
    it("claims a key once; a second claim returns the existing record untouched", async () => {
      const store = create();
      const supplier = `s-${unique()}`;
      const first = await store.claim(orderRecord(supplier, "A-1"));
      expect(first.claimed).toBe(true);
      const second = await store.claim(orderRecord(supplier, "A-1", { fingerprint: "other" }));
      expect(second.claimed).toBe(false);
      if (!second.claimed) expect(second.existing.fingerprint).toBe("fingerprint-1");
      expect((await store.get(`${supplier}:A-1`))?.fingerprint).toBe("fingerprint-1");
    });

    it("100 concurrent claims of one key: exactly one wins and every loser sees the winner's record", async () => {
      const store = create();
      const supplier = `s-${unique()}`;
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          store.claim(orderRecord(supplier, "RACE-1", { fingerprint: `fingerprint-${index}` })),
        ),
      );
      const winners = results.filter((result) => result.claimed);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.claimed ? winners[0]!.record.fingerprint : "";
      for (const result of results) if (!result.claimed) expect(result.existing.fingerprint).toBe(winner);
      expect((await store.get(`${supplier}:RACE-1`))?.fingerprint).toBe(winner);
    });

    it("get: undefined for an unknown key; the record as written, card codes still readable", async () => {
      const store = create();
      const supplier = `s-${unique()}`;
      expect(await store.get(`${supplier}:NOPE`)).toBeUndefined();
      const delivered: Order = {
        ...order(supplier, "CARD-1", "succeeded"),
        cards: [{ number: secret("NUMBER-1"), password: secret("CODE-SECRET-1"), format: "code" }],
        cost: { amount: "9.50", currency: "CNY" },
      };
      await store.claim(orderRecord(supplier, "CARD-1", { order: delivered, sends: 1, placing: false }));
      const read = await store.get(`${supplier}:CARD-1`);
      expect(read?.merchantOrderId).toBe("CARD-1");
      expect(read?.request).toEqual(orderRecord(supplier, "CARD-1").request);
      expect(read?.order?.cost).toEqual({ amount: "9.50", currency: "CNY" });
      const card = read!.order!.cards[0]!;
      expect(Secret.isSecret(card.password)).toBe(true);
      expect(card.password.reveal()).toBe("CODE-SECRET-1");
      expect(card.number!.reveal()).toBe("NUMBER-1");
      expect(JSON.stringify(read)).not.toContain("CODE-SECRET-1");
    });

    it("update: mutate sees the current record; undefined leaves it; an absent record can be created", async () => {
      const store = create();
      const supplier = `s-${unique()}`;
      const key = `${supplier}:U-1`;
      let seen: OrderRecord | undefined | null = null;
      expect(
        await store.update(key, (current) => {
          seen = current;
          return undefined;
        }),
      ).toBeUndefined();
      expect(seen).toBeUndefined();
      expect(await store.get(key)).toBeUndefined();
      const created = await store.update(
        key,
        (current) => current ?? orderRecord(supplier, "U-1", { sends: 1 }),
      );
      expect(created?.sends).toBe(1);
      const unchanged = await store.update(key, () => undefined);
      expect(unchanged?.sends).toBe(1);
      const changed = await store.update(key, (current) => (current ? { ...current, sends: 7 } : undefined));
      expect(changed?.sends).toBe(7);
      expect((await store.get(key))?.sends).toBe(7);
    });

    it("50 concurrent updates incrementing a counter lose none", async () => {
      const store = create();
      const supplier = `s-${unique()}`;
      const key = `${supplier}:COUNT-1`;
      await store.claim(orderRecord(supplier, "COUNT-1"));
      await Promise.all(
        Array.from({ length: 50 }, () =>
          store.update(key, (current) => (current ? { ...current, sends: current.sends + 1 } : undefined)),
        ),
      );
      expect((await store.get(key))?.sends).toBe(50);
    });

    it("a final state is never regressed by concurrent late updates", async () => {
      const store = create();
      const supplier = `s-${unique()}`;
      const key = `${supplier}:FINAL-1`;
      await store.claim(
        orderRecord(supplier, "FINAL-1", {
          order: order(supplier, "FINAL-1", "processing"),
          sends: 1,
          placing: false,
        }),
      );
      await Promise.all([
        ...Array.from({ length: 10 }, () => store.update(key, reduceTo("processing"))),
        store.update(key, reduceTo("succeeded")),
        ...Array.from({ length: 10 }, () => store.update(key, reduceTo("processing"))),
      ]);
      expect((await store.get(key))?.order?.status).toBe("succeeded");
      await store.update(key, reduceTo("processing"));
      expect((await store.get(key))?.order?.status).toBe("succeeded");
      expect((await store.listPending?.(supplier))?.map((record) => record.key) ?? []).not.toContain(key);
    });

    it("release deletes only a record with no sends and the same fingerprint", async () => {
      const store = create();
      const supplier = `s-${unique()}`;
      await store.claim(orderRecord(supplier, "R-1"));
      await store.release(`${supplier}:R-1`, "another-fingerprint");
      expect(await store.get(`${supplier}:R-1`)).toBeDefined();

      await store.claim(orderRecord(supplier, "R-2", { sends: 1 }));
      await store.release(`${supplier}:R-2`, "fingerprint-1");
      expect(await store.get(`${supplier}:R-2`)).toBeDefined();

      await store.release(`${supplier}:R-1`, "fingerprint-1");
      expect(await store.get(`${supplier}:R-1`)).toBeUndefined();
      expect((await store.claim(orderRecord(supplier, "R-1", { fingerprint: "new" }))).claimed).toBe(true);

      await expect(store.release(`${supplier}:NEVER`, "fingerprint-1")).resolves.toBeUndefined();
    });

    it("listPending lists the supplier's records whose order is not final, and drops them when final or released", async () => {
      const store = create();
      if (!store.listPending) return expect.fail(`${name} has no listPending`);
      const supplier = `s-${unique()}`;
      const other = `s-${unique()}`;
      await store.claim(orderRecord(supplier, "P-NEW")); // no order yet: pending
      await store.claim(
        orderRecord(supplier, "P-PROCESSING", { order: order(supplier, "P-PROCESSING", "processing") }),
      );
      await store.claim(
        orderRecord(supplier, "P-UNKNOWN", { order: order(supplier, "P-UNKNOWN", "unknown") }),
      );
      await store.claim(orderRecord(supplier, "P-DONE", { order: order(supplier, "P-DONE", "succeeded") }));
      await store.claim(orderRecord(other, "P-OTHER", { order: order(other, "P-OTHER", "processing") }));
      const keys = async (of?: string) => (await store.listPending!(of)).map((record) => record.key).sort();

      expect(await keys(supplier)).toEqual(
        [`${supplier}:P-NEW`, `${supplier}:P-PROCESSING`, `${supplier}:P-UNKNOWN`].sort(),
      );
      expect(await keys(other)).toEqual([`${other}:P-OTHER`]);
      const everything = await keys();
      expect(everything).toEqual(expect.arrayContaining([`${supplier}:P-NEW`, `${other}:P-OTHER`]));
      expect(everything).not.toContain(`${supplier}:P-DONE`);

      await store.update(`${supplier}:P-PROCESSING`, reduceTo("failed"));
      await store.release(`${supplier}:P-NEW`, "fingerprint-1");
      expect(await keys(supplier)).toEqual([`${supplier}:P-UNKNOWN`]);
    });
  });
}

/** The {@link EventClaimStore} contract. */
export function describeEventClaimStoreContract(name: string, create: () => EventClaimStore): void {
  describe(`${name}: EventClaimStore contract`, () => {
    it("claimed, then in_progress while held, then done once completed", async () => {
      const store = create();
      const key = `event:fulu:${unique()}:succeeded`;
      expect(await store.claim(key, 60_000)).toBe("claimed");
      expect(await store.claim(key, 60_000)).toBe("in_progress");
      await store.complete(key, 60_000);
      expect(await store.claim(key, 60_000)).toBe("done");
    });

    it("100 concurrent claims: exactly one is claimed", async () => {
      const store = create();
      const key = `event:fulu:${unique()}:succeeded`;
      const results = await Promise.all(Array.from({ length: 100 }, () => store.claim(key, 60_000)));
      expect(results.filter((result) => result === "claimed")).toHaveLength(1);
      expect(results.filter((result) => result === "in_progress")).toHaveLength(99);
    });

    it("release gives back a claim in progress, never a delivered one", async () => {
      const store = create();
      const held = `event:fulu:${unique()}:failed`;
      expect(await store.claim(held, 60_000)).toBe("claimed");
      await store.release(held);
      expect(await store.claim(held, 60_000)).toBe("claimed");

      const delivered = `event:fulu:${unique()}:succeeded`;
      await store.claim(delivered, 60_000);
      await store.complete(delivered, 60_000);
      await store.release(delivered);
      expect(await store.claim(delivered, 60_000)).toBe("done");
      await expect(store.release(`event:fulu:${unique()}:never`)).resolves.toBeUndefined();
    });

    it("a lease whose holder vanished expires and can be claimed again", async () => {
      const store = create();
      const key = `event:fulu:${unique()}:succeeded`;
      expect(await store.claim(key, 40)).toBe("claimed");
      await pause(150);
      expect(await store.claim(key, 60_000)).toBe("claimed");
    });
  });
}

function routeRecord(merchantOrderId: string, overrides: Partial<RouteRecord> = {}): RouteRecord {
  const now = Date.now();
  return {
    merchantOrderId,
    fingerprint: "fingerprint-1",
    request: { merchantOrderId, sku: "GAME-60", quantity: 1, account: "player-1" },
    attempts: [],
    state: "routing",
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** The {@link RouteStore} contract. */
export function describeRouteStoreContract(name: string, create: () => RouteStore): void {
  describe(`${name}: RouteStore contract`, () => {
    it("100 concurrent claims of one order: exactly one wins; losers see the winner's record", async () => {
      const store = create();
      const id = `ROUTE-${unique()}`;
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          store.claim(routeRecord(id, { fingerprint: `fingerprint-${index}` })),
        ),
      );
      const winners = results.filter((result) => result.claimed);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.claimed ? winners[0]!.record.fingerprint : "";
      for (const result of results) if (!result.claimed) expect(result.existing.fingerprint).toBe(winner);
    });

    it("get and update: undefined leaves the record; 50 concurrent appends lose none", async () => {
      const store = create();
      const id = `ROUTE-${unique()}`;
      expect(await store.get(id)).toBeUndefined();
      await store.claim(routeRecord(id));
      expect((await store.update(id, () => undefined))?.attempts).toEqual([]);
      await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          store.update(id, (current) =>
            current
              ? {
                  ...current,
                  attempts: [
                    ...current.attempts,
                    { supplier: `supplier-${index}`, outcome: "skipped" as const, code: "stock", at: index },
                  ],
                }
              : undefined,
          ),
        ),
      );
      const stored = await store.get(id);
      expect(stored?.attempts).toHaveLength(50);
      expect(new Set(stored?.attempts.map((attempt) => attempt.supplier)).size).toBe(50);
    });

    it("returns copies: changing a returned record does not change the stored one", async () => {
      const store = create();
      const id = `ROUTE-${unique()}`;
      const claimed = await store.claim(routeRecord(id));
      if (claimed.claimed) claimed.record.state = "exhausted";
      const read = await store.get(id);
      read!.attempts.push({ supplier: "x", outcome: "skipped", at: 1 });
      const again = await store.get(id);
      expect(again?.state).toBe("routing");
      expect(again?.attempts).toEqual([]);
    });
  });
}

/** The {@link PollLeaseStore} contract. */
export function describePollLeaseStoreContract(name: string, create: () => PollLeaseStore): void {
  describe(`${name}: PollLeaseStore contract`, () => {
    it("one holder at a time, per key; 100 concurrent tries: one lease", async () => {
      const store = create();
      const key = `fulu:${unique()}`;
      const results = await Promise.all(Array.from({ length: 100 }, () => store.tryLease(key, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.tryLease(key, 60_000)).toBe(false);
      expect(await store.tryLease(`fulu:${unique()}`, 60_000)).toBe(true);
    });

    it("an expired lease can be taken again", async () => {
      const store = create();
      const key = `fulu:${unique()}`;
      expect(await store.tryLease(key, 40)).toBe(true);
      await pause(150);
      expect(await store.tryLease(key, 60_000)).toBe(true);
    });
  });
}
