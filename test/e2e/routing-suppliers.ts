/**
 * Three supplier simulators that sell one equivalent product — a 云影视频 黄金会员月卡 card code
 * (卡密) — each reached through its real adapter and a real supplier client, for the router's end
 * to end tests. Each supplier can be pushed into every failure the router must tell apart: out of
 * stock, no balance, down before the request was sent, and a connection dropped after the order
 * was committed.
 *
 * What each simulator committed is read back by the reference the router sent, so a test can count
 * where a merchant order really landed, independently of what the router says.
 */
import * as net from "node:net";
import type { Money, SupplierClient, SupplierClientOptions } from "kaquan";
import { createSupplierClient } from "kaquan";
import { createBitrefillAdapter } from "kaquan/adapters/bitrefill";
import { createChengquanAdapter } from "kaquan/adapters/chengquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import type { RouteInput } from "kaquan/routing";
import {
  type BitrefillSimulatedInvoice,
  type BitrefillSimulator,
  type BitrefillSimulatorProduct,
  type ChengquanSimulator,
  createBitrefillSimulator,
  createChengquanSimulator,
  createFuluSimulator,
  type FuluSimulator,
} from "kaquan/testing";

export type SupplierName = "fulu" | "chengquan" | "bitrefill";

export const supplierNames: readonly SupplierName[] = ["fulu", "chengquan", "bitrefill"];

/** The merchant's sku every route below is keyed by. */
export const MONTH_CARD_SKU = "VIDEO-MONTH-CARD";

/** Where a committed order stands at the supplier, in kaquan's words. */
export type CommittedState = "processing" | "succeeded" | "failed";

/** One committed order as a simulator holds it. */
export interface CommittedOrder {
  supplier: SupplierName;
  /** The order number the supplier knows it by (the router's `<merchantOrderId>-<n>`). */
  reference: string;
  state: CommittedState;
  /** The plain card codes delivered, once it succeeded. */
  codes: string[];
}

/** A running simulator, its client and the levers a routing test pulls. */
export interface SimulatedSupplier {
  readonly name: SupplierName;
  readonly client: SupplierClient;
  /** The supplier's own sku of the month card. */
  readonly sku: string;
  /** What one month card costs there. */
  readonly cost: Money;
  /** Every order the simulator committed, oldest first. */
  committed(): CommittedOrder[];
  /** The committed order under `reference`, if any. */
  committedOrder(reference: string): CommittedOrder | undefined;
  /** Placement requests the simulator received for `reference` (committed or refused). */
  placementRequests(reference: string): number;
  /** Every placement request the simulator received. */
  allPlacementRequests(): number;
  setInStock(inStock: boolean): void;
  /** `false` empties the account, so every order is refused for insufficient balance. */
  setFunded(funded: boolean): void;
  /**
   * The next placement is committed and its connection dropped without an answer; the order's
   * queries then answer "not found" `lagQueries` times first (propagation lag), when given.
   */
  dropAfterCommit(lagQueries?: number): void;
  /** Resolves when no settle timer or callback is outstanding. */
  idle(): Promise<void>;
  /** Closes the simulator (the client keeps pointing at it). */
  closeSimulator(): Promise<void>;
  close(): Promise<void>;
}

export interface SupplierStartOptions {
  /** The simulator's delay from acceptance to the final state. Default 1 ms. */
  settleAfterMs?: number;
  /** Sends every request of the client to this loopback port instead of the simulator's. */
  redirectToPort?: number;
  /** Overrides of the client's options (timeouts, polling, grace window). */
  client?: Partial<Omit<SupplierClientOptions, "adapter">>;
  /** Fulu: where signed callbacks are POSTed when an order becomes final. */
  callbackUrl?: string;
}

/** A balance no test run gets through, so only `setFunded(false)` makes one refuse. */
const FUNDED = { yuan: "1000000.00", fen: 100_000_000, usd: "1000000.00" } as const;

const FULU_MONTH_CARD = 10000002;
const CHENGQUAN_MONTH_CARD = "10010001";
const BITREFILL_MONTH_CARD = "yunying-video-month-card";

function clientOptions(options: SupplierStartOptions): Omit<SupplierClientOptions, "adapter"> {
  return {
    http: { timeoutMs: 2_000 },
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
    resolveTimeoutMs: 3_000,
    pollIntervalMs: 10,
    notFoundGraceMs: 150,
    ...options.client,
  };
}

function endpointOf(url: string, redirectToPort: number | undefined): string {
  if (redirectToPort === undefined) return url;
  const redirected = new URL(url);
  redirected.port = String(redirectToPort);
  return redirected.toString();
}

/** Starts one supplier's simulator and builds its client. */
export async function startSupplier(
  name: SupplierName,
  options: SupplierStartOptions = {},
): Promise<SimulatedSupplier> {
  switch (name) {
    case "fulu":
      return startFulu(options);
    case "chengquan":
      return startChengquan(options);
    case "bitrefill":
      return startBitrefill(options);
  }
}

/** Starts the three suppliers, in `supplierNames` order unless told otherwise. */
export async function startSuppliers(
  names: readonly SupplierName[] = supplierNames,
  options: Partial<Record<SupplierName, SupplierStartOptions>> = {},
): Promise<Record<SupplierName, SimulatedSupplier>> {
  const started = await Promise.all(names.map((name) => startSupplier(name, options[name])));
  return Object.fromEntries(started.map((supplier) => [supplier.name, supplier])) as Record<
    SupplierName,
    SimulatedSupplier
  >;
}

/** The month-card route, its offers in `priorityOrder` (priority 1, 2, 3). */
export function monthCardRoute(priorityOrder: readonly SimulatedSupplier[]): RouteInput {
  return {
    sku: MONTH_CARD_SKU,
    kind: "card",
    offers: priorityOrder.map((supplier, index) => ({
      supplier: supplier.name,
      sku: supplier.sku,
      priority: index + 1,
      cost: supplier.cost,
    })),
  };
}

/** A port on 127.0.0.1 that nothing listens on: bound, then released. */
export async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startFulu(options: SupplierStartOptions): Promise<SimulatedSupplier> {
  const simulator: FuluSimulator = createFuluSimulator({
    settleAfterMs: options.settleAfterMs ?? 1,
    balance: FUNDED.yuan,
    ...(options.callbackUrl ? { callbackUrl: options.callbackUrl } : {}),
  });
  await simulator.start();
  const client = createSupplierClient({
    adapter: createFuluAdapter({
      appKey: simulator.appKey,
      appSecret: simulator.appSecret,
      endpoint: endpointOf(simulator.url, options.redirectToPort),
    }),
    ...clientOptions(options),
  });
  const state = (raw: string): CommittedState =>
    raw === "success" ? "succeeded" : raw === "failed" ? "failed" : "processing";
  const committed = (): CommittedOrder[] =>
    simulator.orders().map((order) => ({
      supplier: "fulu",
      reference: order.customerOrderNo,
      state: state(order.state),
      codes: order.cards.map((card) => card.cardPassword),
    }));
  const placements = () => simulator.requests("fulu.order.card.add");
  return {
    name: "fulu",
    client,
    sku: String(FULU_MONTH_CARD),
    cost: { amount: "25.50", currency: "CNY" },
    committed,
    committedOrder: (reference) => committed().find((order) => order.reference === reference),
    placementRequests: (reference) =>
      placements().filter((request) => request.customerOrderNo === reference).length,
    allPlacementRequests: () => placements().length,
    setInStock: (inStock) => simulator.setStock(FULU_MONTH_CARD, inStock ? "充足" : "断货"),
    setFunded: (funded) => simulator.setBalance(funded ? FUNDED.yuan : "0.00"),
    dropAfterCommit(lagQueries) {
      if (lagQueries !== undefined)
        simulator.injectFault({
          kind: "not-found-until",
          method: "fulu.order.card.add",
          queries: lagQueries,
        });
      simulator.injectFault({ kind: "commit-then-drop", method: "fulu.order.card.add" });
    },
    idle: () => simulator.idle(),
    closeSimulator: () => simulator.close(),
    async close() {
      client.close();
      await simulator.close();
    },
  };
}

async function startChengquan(options: SupplierStartOptions): Promise<SimulatedSupplier> {
  const simulator: ChengquanSimulator = createChengquanSimulator({
    settleAfterMs: options.settleAfterMs ?? 1,
    balance: FUNDED.fen,
  });
  await simulator.start();
  // Plenty of codes: only `setInStock(false)` runs the product out.
  simulator.setStock(CHENGQUAN_MONTH_CARD, 1_000_000);
  const client = createSupplierClient({
    adapter: createChengquanAdapter({
      appId: simulator.appId,
      appKey: simulator.appKey,
      // Chengquan issues the AES key and IV as 16-character strings.
      aesKey: Buffer.from(simulator.aesKey).toString("utf8"),
      aesIv: Buffer.from(simulator.aesIv).toString("utf8"),
      endpoint: endpointOf(simulator.url, options.redirectToPort),
    }),
    ...clientOptions(options),
  });
  const state = (raw: string): CommittedState =>
    raw === "SUCCESS" ? "succeeded" : raw === "FAILURE" ? "failed" : "processing";
  const committed = (): CommittedOrder[] =>
    simulator.orders().map((order) => ({
      supplier: "chengquan",
      reference: order.orderNo,
      state: state(order.state),
      codes: order.cards.map((card) => card.password),
    }));
  const placements = () => simulator.requests("coupon/order/pay");
  return {
    name: "chengquan",
    client,
    sku: CHENGQUAN_MONTH_CARD,
    cost: { amount: "19.80", currency: "CNY" },
    committed,
    committedOrder: (reference) => committed().find((order) => order.reference === reference),
    placementRequests: (reference) => placements().filter((request) => request.orderNo === reference).length,
    allPlacementRequests: () => placements().length,
    setInStock: (inStock) => simulator.setStock(CHENGQUAN_MONTH_CARD, inStock ? 1_000_000 : 0),
    setFunded: (funded) => simulator.setBalance(funded ? FUNDED.fen : 0),
    dropAfterCommit(lagQueries) {
      if (lagQueries !== undefined)
        simulator.injectFault({ kind: "not-found-until", method: "coupon/order/pay", queries: lagQueries });
      simulator.injectFault({ kind: "commit-then-drop", method: "coupon/order/pay" });
    },
    idle: () => simulator.idle(),
    closeSimulator: () => simulator.close(),
    async close() {
      client.close();
      await simulator.close();
    },
  };
}

async function startBitrefill(options: SupplierStartOptions): Promise<SimulatedSupplier> {
  // The Bitrefill simulator has no stock lever: it reads `inStock` of its catalogue product on
  // every invoice, so the product's `inStock` is a view of this flag.
  let inStock = true;
  const monthCard: BitrefillSimulatorProduct = {
    id: BITREFILL_MONTH_CARD,
    name: "云影视频 黄金会员月卡",
    type: "gift_card",
    countryCode: "CN",
    currency: "CNY",
    get inStock() {
      return inStock;
    },
    packages: ["25"],
    priceRate: "0.14",
    redemption: "code",
    outcome: () => "delivered",
  };
  const simulator: BitrefillSimulator = createBitrefillSimulator({
    settleAfterMs: options.settleAfterMs ?? 1,
    balance: FUNDED.usd,
    catalogue: [monthCard],
  });
  await simulator.start();
  const client = createSupplierClient({
    adapter: createBitrefillAdapter({
      auth: { bearer: simulator.apiKey },
      endpoint: endpointOf(simulator.url, options.redirectToPort),
      // Bitrefill's published quota (60 orders and 30 order look-ups per 10 minutes) is enforced
      // by the client, not the simulator: kept, a run of many orders would mostly wait for tokens.
      rateLimits: {},
    }),
    ...clientOptions(options),
  });
  const state = (invoice: BitrefillSimulatedInvoice): CommittedState => {
    if (invoice.status !== "complete") return invoice.status === "unpaid" ? "processing" : "failed";
    if (invoice.orders.some((order) => order.status === "created")) return "processing";
    return invoice.orders.every((order) => order.status === "delivered") ? "succeeded" : "failed";
  };
  const committed = (): CommittedOrder[] =>
    simulator
      .orders()
      // An invoice exists only once it was paid from the balance (auto_pay): it is the order.
      .map((invoice) => ({
        supplier: "bitrefill",
        reference: invoice.reference ?? `(no reference: ${invoice.id})`,
        state: state(invoice),
        codes: invoice.orders.flatMap((order) => (order.redemption?.code ? [order.redemption.code] : [])),
      }));
  const placements = () => simulator.requests("createInvoice");
  return {
    name: "bitrefill",
    client,
    sku: `${BITREFILL_MONTH_CARD}<&>25`,
    cost: { amount: "3.50", currency: "USD" },
    committed,
    committedOrder: (reference) => committed().find((order) => order.reference === reference),
    placementRequests: (reference) =>
      placements().filter((request) => request.reference === reference).length,
    allPlacementRequests: () => placements().length,
    setInStock(value) {
      inStock = value;
    },
    setFunded: (funded) => simulator.setBalance(funded ? FUNDED.usd : "0.00"),
    dropAfterCommit(lagQueries) {
      if (lagQueries !== undefined) simulator.injectFault({ kind: "not-found-until", queries: lagQueries });
      simulator.injectFault({ kind: "commit-then-drop", method: "createInvoice" });
    },
    idle: () => simulator.idle(),
    closeSimulator: () => simulator.close(),
    async close() {
      client.close();
      await simulator.close();
    },
  };
}
