/**
 * The safety net for callbacks that are late, lost or never sent (failure-modes F8, F10, F22):
 * it works from the store's pending orders, so it also recovers everything a crashed process
 * left behind, and it delivers through the same claims as the callback handler, so an order's
 * final state reaches `onEvent` exactly once whichever path learns it first.
 *
 * Cadence per order: the supplier's poll interval for the first polls (Fulu suggests 1–3 s),
 * then exponential backoff with jitter up to a cap. An order still not final after its deadline
 * (per product kind: a slow recharge is allowed longer than a card code) is reported `stuck` —
 * and still polled, because an order is never dropped.
 */
import pLimit from "p-limit";
import type { SupplierClient } from "../client/supplier-client.js";
import {
  type Clock,
  ConfigurationError,
  isFinal,
  type Logger,
  type Order,
  type ProductKind,
  type StatusEvent,
} from "../core/index.js";
import { sleep, systemClock } from "../runtime/clock.js";
import { createRedactingLogger } from "../runtime/logging.js";
import type { EventClaimStore } from "../stores/event-claim-store.js";
import type { PollLeaseStore } from "../stores/poll-lease-store.js";
import { createEventDelivery, type EventDelivery } from "./event-delivery.js";

export interface StatusPollerOptions {
  clients: readonly SupplierClient[];
  /** Runs once per order state learned by polling (shared claims with the callback handler). */
  onEvent?: (event: StatusEvent) => void | Promise<void>;
  /** Claims store for `onEvent`; share it with the callback handler. */
  events?: EventClaimStore;
  /** A delivery shared with the callback handler (`handler.delivery`). Overrides onEvent/events. */
  delivery?: EventDelivery;
  /** Called once when an order passes its deadline without becoming final. */
  onStuck?: (order: Order) => void | Promise<void>;
  /** Polls at the supplier's interval before backing off. Default 5. */
  fastPolls?: number;
  /** Backoff factor after the fast polls. Default 1.5. */
  backoffFactor?: number;
  /** Longest wait between two polls of one order. Default 60 000 ms. */
  maxIntervalMs?: number;
  /**
   * How long an order may stay unfinished before it is `stuck`, per product kind or as a
   * function. Default: card 10 min, direct 30 min, mobile 2 h (slow recharge, 慢充, takes hours).
   */
  deadlines?: Partial<Record<ProductKind, number>> | ((order: Order) => number);
  /** Orders polled at once across all suppliers. Default 8. (Each client also applies its own limits.) */
  concurrency?: number;
  /** How often the poller looks for due orders. Default 250 ms. */
  tickMs?: number;
  /**
   * How often the pending orders are listed from the stores. Between listings the poller works
   * from the orders it already knows (each one's last known state), so a shared store is not
   * read in full on every tick — on Redis a listing reads every pending record. Default: the
   * shortest poll interval of the clients' suppliers, and never more often than `tickMs`. An
   * order placed since the last listing is first polled after the next one.
   */
  listIntervalMs?: number;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  /**
   * Leases shared with the other pollers (in this process or others, e.g. `RedisPollLeaseStore`
   * from `kaquan/redis`): before polling an order a poller takes its lease, and skips an order
   * whose lease another poller holds, so pollers sharing one pending set never poll an order twice
   * at once. A lease lasts a little less than the order's poll interval; the orders of a poller
   * that died are taken over when its leases expire. Default: none (every poller polls every order).
   */
  leases?: PollLeaseStore;
}

export interface StatusPoller {
  /** Starts polling in the background, beginning with every pending order in the stores. */
  start(): void;
  /** Stops and waits for polls in flight. */
  stop(): Promise<void>;
  /** One pass: polls every order that is due now. Resolves with how many were polled. */
  runOnce(): Promise<number>;
}

/**
 * One pending order's polling. A pass's list of due orders holds these themselves, and each
 * client's schedules are keyed by the order's own id string: with 100,000 pending orders, a
 * separate due-list entry, a built `supplier:id` key and a set of the ids seen in a listing cost
 * about 120 bytes an order more (12 MB, from the objects' sizes in a heap snapshot) for as long as
 * the first pass ran.
 */
interface Schedule {
  client: SupplierClient;
  /** The order as last listed or polled: what a pass between listings polls. */
  order: Order;
  polls: number;
  dueAt: number;
  firstSeenAt: number;
  stuckReported: boolean;
  /** Which listing last saw the order pending: one that did not is final elsewhere. */
  listing: number;
  /** Read from the store in the pass that polls it now (else known from an earlier listing). */
  listed: boolean;
}

const defaultDeadlines: Record<ProductKind, number> = {
  card: 10 * 60_000,
  direct: 30 * 60_000,
  mobile: 2 * 3600_000,
};

export function createStatusPoller(options: StatusPollerOptions): StatusPoller {
  if (!Array.isArray(options?.clients) || options.clients.length === 0) {
    throw new ConfigurationError(
      "createStatusPoller needs { clients }: the supplier clients whose orders it resolves",
    );
  }
  if (!options.delivery && typeof options.onEvent !== "function") {
    throw new ConfigurationError(
      "createStatusPoller needs onEvent, or the delivery of a callback handler to share",
    );
  }
  // Every entry must be a client: anything else failed later as a TypeError (on `adapter`).
  options.clients.forEach((client, index) => {
    if (
      typeof client?.refreshOrder !== "function" ||
      typeof client.listPendingOrders !== "function" ||
      typeof client.adapter?.capabilities !== "object"
    )
      throw new ConfigurationError(
        `createStatusPoller: clients[${index}] is not a supplier client; pass the result of createSupplierClient(...)`,
      );
  });
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = createRedactingLogger(options.logger);
  const delivery =
    options.delivery ??
    createEventDelivery({
      onEvent: options.onEvent!,
      ...(options.events ? { store: options.events } : {}),
      clock,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  const fastPolls = options.fastPolls ?? 5;
  const factor = options.backoffFactor ?? 1.5;
  const maxIntervalMs = options.maxIntervalMs ?? 60_000;
  const tickMs = options.tickMs ?? 250;
  const concurrency = options.concurrency ?? 8;
  if (!((Number.isInteger(concurrency) || concurrency === Number.POSITIVE_INFINITY) && concurrency >= 1))
    throw new ConfigurationError(
      `createStatusPoller: concurrency must be a whole number ≥ 1 or Infinity (got ${String(concurrency)}); omit it for the default 8`,
    );
  const limit = pLimit(concurrency);
  const listIntervalMs =
    options.listIntervalMs ??
    Math.max(
      tickMs,
      Math.min(...options.clients.map((client) => client.adapter.capabilities.pollIntervalMs)),
    );
  if (!(listIntervalMs >= 0) || !Number.isFinite(listIntervalMs))
    throw new ConfigurationError(
      `createStatusPoller: listIntervalMs must be a non-negative number of milliseconds (got ${String(listIntervalMs)}); omit it for the shortest poll interval of the suppliers`,
    );
  /** Per client, by merchantOrderId. */
  const schedules = new Map<SupplierClient, Map<string, Schedule>>(
    options.clients.map((client) => [client, new Map()]),
  );
  let listings = 0;
  let listedAt = Number.NEGATIVE_INFINITY;
  let running = false;
  let loop: Promise<void> | undefined;
  let stopController: AbortController | undefined;

  const deadlineOf = (order: Order): number =>
    typeof options.deadlines === "function"
      ? options.deadlines(order)
      : (options.deadlines?.[order.kind ?? "direct"] ?? defaultDeadlines[order.kind ?? "direct"]);

  /** The interval after `polls` polls before jitter: the supplier's cadence, then backoff, capped. */
  function baseIntervalAfter(client: SupplierClient, polls: number): number {
    const base = client.adapter.capabilities.pollIntervalMs;
    const raw = polls < fastPolls ? base : base * factor ** (polls - fastPolls + 1);
    return Math.min(maxIntervalMs, raw);
  }

  function intervalAfter(client: SupplierClient, polls: number): number {
    // ±20 % jitter so orders do not poll in step.
    return Math.round(baseIntervalAfter(client, polls) * (0.8 + random() * 0.4));
  }

  /** The lease on one poll: shorter than the holder's next interval, so the holder can poll again. */
  function leaseFor(client: SupplierClient, polls: number): number {
    return Math.max(1, Math.floor(baseIntervalAfter(client, polls) * 0.8)); // 0.8: the smallest jitter
  }

  async function pollOne(schedule: Schedule): Promise<void> {
    const { client, order, listed } = schedule;
    const done = () => schedules.get(client)!.delete(order.merchantOrderId);
    if (options.leases) {
      let leased = false;
      try {
        leased = await options.leases.tryLease(
          `${client.supplier}:${order.merchantOrderId}`,
          leaseFor(client, schedule.polls),
        );
      } catch (error) {
        // Without the lease store there is no telling who polls: skip rather than double the work.
        logger.debug(
          { supplier: client.supplier, merchantOrderId: order.merchantOrderId, error },
          "no poll lease",
        );
      }
      if (!leased) {
        schedule.dueAt = clock.now() + intervalAfter(client, schedule.polls);
        return;
      }
    }
    try {
      if (!listed && typeof client.getStoredOrder === "function") {
        // Known from an earlier listing: it may have become final since (a callback).
        const stored = await client.getStoredOrder(order.merchantOrderId);
        if (!stored || isFinal(stored.status)) {
          done();
          return;
        }
      }
      const refreshed = await client.refreshOrder(order.merchantOrderId);
      if (refreshed.status !== "unknown") {
        const { meta: _meta, ...plain } = refreshed;
        await delivery.deliver(plain, order, "query");
        schedule.order = plain;
      }
      if (isFinal(refreshed.status)) {
        done();
        return;
      }
    } catch (error) {
      logger.debug(
        { supplier: client.supplier, merchantOrderId: order.merchantOrderId, error },
        "poll failed; will poll again",
      );
    }
    schedule.polls += 1;
    schedule.dueAt = clock.now() + intervalAfter(client, schedule.polls);
    const age =
      clock.now() - Math.min(schedule.firstSeenAt, Date.parse(order.createdAt) || schedule.firstSeenAt);
    if (!schedule.stuckReported && age > deadlineOf(order)) {
      schedule.stuckReported = true;
      logger.warn(
        {
          supplier: client.supplier,
          merchantOrderId: order.merchantOrderId,
          status: order.status,
          ageMs: age,
        },
        "order stuck past its deadline",
      );
      try {
        await options.onStuck?.(order);
      } catch (error) {
        logger.warn(
          { supplier: client.supplier, merchantOrderId: order.merchantOrderId, error },
          "onStuck threw",
        );
      }
    }
  }

  /**
   * One pass. The due orders are first marked in flight and listed (their schedules), then
   * `concurrency` workers take them one at a time. Handing every due order to the limiter at
   * once cost a closure, a promise and a queue entry per order (about 0.9 KB: 90 MB for 100,000
   * pending orders that a rate-limited client needs minutes to query); the workers hold only
   * the order in hand. Each poll still goes through the shared `limit`, so passes that overlap
   * (a `runOnce` beside the background loop) stay within `concurrency` together.
   */
  async function runOnce(): Promise<number> {
    return pass(true);
  }

  /**
   * One pass. With `list`, the pending orders are read from the stores; without, the pass polls
   * the orders known from earlier listings (the background loop lists every `listIntervalMs`).
   */
  async function pass(list: boolean): Promise<number> {
    const now = clock.now();
    const due: Schedule[] = [];
    if (!list) {
      for (const clientSchedules of schedules.values()) {
        for (const schedule of clientSchedules.values()) {
          if (schedule.dueAt > now) continue;
          schedule.dueAt = Number.POSITIVE_INFINITY; // in flight: not due again until it reschedules
          schedule.listed = false;
          due.push(schedule);
        }
      }
    } else {
      listedAt = now;
      const listing = ++listings;
      for (const client of options.clients) {
        const clientSchedules = schedules.get(client)!;
        let pending: Order[];
        try {
          pending = await client.listPendingOrders();
        } catch (error) {
          // Its schedules are kept as they are: a failed listing says nothing about the orders.
          logger.warn({ supplier: client.supplier, error }, "could not list pending orders");
          continue;
        }
        for (const order of pending) {
          let schedule = clientSchedules.get(order.merchantOrderId);
          if (!schedule) {
            // First sight — including every order left pending by a crash: poll it now.
            schedule = {
              client,
              order,
              polls: 0,
              dueAt: now,
              firstSeenAt: now,
              stuckReported: false,
              listing,
              listed: true,
            };
            clientSchedules.set(order.merchantOrderId, schedule);
          } else {
            schedule.order = order;
            schedule.listing = listing;
          }
          if (schedule.dueAt > now) continue;
          schedule.dueAt = Number.POSITIVE_INFINITY; // in flight: not due again until it reschedules
          schedule.listed = true;
          due.push(schedule);
        }
        // Orders that became final elsewhere (a callback) no longer need a schedule.
        for (const [merchantOrderId, schedule] of clientSchedules)
          if (schedule.listing !== listing) clientSchedules.delete(merchantOrderId);
      }
    }
    let next = 0;
    let failure: { error: unknown } | undefined;
    const work = async (): Promise<void> => {
      while (next < due.length) {
        const schedule = due[next]!;
        // Released as soon as it is taken: the pass keeps no reference to orders already polled.
        due[next++] = undefined as unknown as Schedule;
        try {
          await limit(() => pollOne(schedule));
        } catch (error) {
          // One order's failure (a throwing `deadlines` function) must not stop this worker:
          // the orders behind it would stay marked in flight and never be polled again.
          failure ??= { error };
        }
      }
    };
    const total = due.length;
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, work));
    if (failure) throw failure.error;
    return total;
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopController = new AbortController();
      const signal = stopController.signal;
      loop = (async () => {
        while (running) {
          try {
            await pass(clock.now() - listedAt >= listIntervalMs);
          } catch (error) {
            logger.error({ error }, "poller pass failed");
          }
          await sleep(tickMs, signal).catch(() => undefined);
        }
      })();
    },
    async stop() {
      running = false;
      stopController?.abort();
      await loop;
    },
    runOnce,
  };
}
