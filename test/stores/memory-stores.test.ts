import { MemoryIdempotencyStore, type Order, type SupplierClient } from "kaquan";
import { createStatusPoller, MemoryEventClaimStore, MemoryPollLeaseStore } from "kaquan/callbacks";
import { MemoryRouteStore } from "kaquan/routing";
import { describe, expect, it } from "vitest";
import {
  describeEventClaimStoreContract,
  describeIdempotencyStoreContract,
  describePollLeaseStoreContract,
  describeRouteStoreContract,
} from "./store-contract.js";

describeIdempotencyStoreContract("MemoryIdempotencyStore", () => new MemoryIdempotencyStore());
describeEventClaimStoreContract("MemoryEventClaimStore", () => new MemoryEventClaimStore());
describeRouteStoreContract("MemoryRouteStore", () => new MemoryRouteStore());
describePollLeaseStoreContract("MemoryPollLeaseStore", () => new MemoryPollLeaseStore());

/** A client with `count` processing orders whose polls are only counted. */
function countingClient(count: number, pollIntervalMs: number) {
  const polls: string[] = [];
  const orders: Order[] = Array.from({ length: count }, (_, index) => ({
    merchantOrderId: `POLL-${index}`,
    supplier: "counting",
    status: "processing",
    kind: "direct",
    cards: [],
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  }));
  const client = {
    supplier: "counting",
    adapter: { capabilities: { pollIntervalMs } },
    async listPendingOrders() {
      return orders;
    },
    async refreshOrder(merchantOrderId: string) {
      polls.push(merchantOrderId);
      const found = orders.find((order) => order.merchantOrderId === merchantOrderId)!;
      return { ...found, meta: { attempts: 0, totalRetryDelayMs: 0, resolvedBy: "query" } };
    },
  } as unknown as SupplierClient;
  return { client, polls };
}

describe("status pollers sharing poll leases", () => {
  const onEvent = () => undefined;

  it("two pollers sharing leases poll each due order once between them", async () => {
    const { client, polls } = countingClient(20, 60_000);
    const leases = new MemoryPollLeaseStore();
    const events = new MemoryEventClaimStore();
    const first = createStatusPoller({ clients: [client], onEvent, events, leases });
    const second = createStatusPoller({ clients: [client], onEvent, events, leases });
    await Promise.all([first.runOnce(), second.runOnce()]);
    expect(polls).toHaveLength(20);
    expect(new Set(polls).size).toBe(20);
  });

  it("without leases the same two pollers poll every order twice (what the leases prevent)", async () => {
    const { client, polls } = countingClient(20, 60_000);
    const events = new MemoryEventClaimStore();
    const first = createStatusPoller({ clients: [client], onEvent, events });
    const second = createStatusPoller({ clients: [client], onEvent, events });
    await Promise.all([first.runOnce(), second.runOnce()]);
    expect(polls).toHaveLength(40);
  });

  it("a poller takes over the orders of one that stopped once its leases expire", async () => {
    const { client, polls } = countingClient(5, 40);
    const leases = new MemoryPollLeaseStore();
    const events = new MemoryEventClaimStore();
    const gone = createStatusPoller({ clients: [client], onEvent, events, leases, random: () => 0.5 });
    const survivor = createStatusPoller({ clients: [client], onEvent, events, leases, random: () => 0.5 });
    await gone.runOnce();
    await survivor.runOnce();
    expect(polls).toHaveLength(5); // the survivor found every lease held
    await new Promise((resolve) => setTimeout(resolve, 200));
    await survivor.runOnce();
    expect(polls).toHaveLength(10);
  });
});
