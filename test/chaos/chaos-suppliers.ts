/**
 * The suppliers of a chaos run: each one is a simulator that speaks its vendor's wire protocol,
 * the real kaquan adapter pointed at it, and the levers the harness pulls to make it fail — its
 * scripted faults under one vocabulary, its balance, stock, prices and clock, and forgers for its
 * callbacks. What each simulator committed is read back as a ledger, in the supplier's own terms,
 * so the reconciler can count fulfilments independently of anything kaquan says.
 *
 * Adapters are made per "process generation": after a simulated crash the harness builds new
 * ones (a restarted process has an empty token cache, for instance).
 */
import type { Money, ProductKind, SupplierAdapter } from "kaquan";
import { createBitrefillAdapter } from "kaquan/adapters/bitrefill";
import { createChengquanAdapter } from "kaquan/adapters/chengquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createJuheAdapter } from "kaquan/adapters/juhe";
import { createReloadlyAdapter } from "kaquan/adapters/reloadly";
import {
  type BitrefillSimulatedInvoice,
  type BitrefillSimulator,
  type ChengquanSimulator,
  createBitrefillSimulator,
  createChengquanSimulator,
  createFuluSimulator,
  createJuheSimulator,
  createReloadlySimulator,
  type FuluSimulator,
  type JuheSimulator,
  type ReloadlySimulator,
  signCallback,
} from "kaquan/testing";
import { SHARED_REQUEST_FAULT_KINDS } from "../../src/testing/simulator-faults.js";
import type { SecretToFind } from "./capturing-logger.js";

export type ChaosSupplierName = "fulu" | "juhe" | "chengquan" | "reloadly" | "bitrefill";

export const chaosSupplierNames: readonly ChaosSupplierName[] = [
  "fulu",
  "juhe",
  "chengquan",
  "reloadly",
  "bitrefill",
];

/** The suppliers a run starts unless told otherwise. */
export const defaultChaosSuppliers: readonly ChaosSupplierName[] = ["fulu", "juhe", "chengquan"];

/** The harness's vocabulary of simulator faults; each supplier maps them onto its own. */
export type SimulatorFaultKind =
  | "commit-then-drop"
  | "drop-before-commit"
  | "delay"
  | "http-500"
  | "html-gateway"
  | "malformed-json"
  | "bad-response-signature"
  | "committed-system-error"
  | "rate-limit"
  | "not-found-until"
  | "duplicate-callback"
  | "out-of-order-callback"
  | "callback-before-answer"
  | "empty-card-code"
  | "token-expired";

/** One fault for one order (by the number the supplier knows it by). */
export interface SimulatorFault {
  kind: SimulatorFaultKind;
  orderNo: string;
  orderKind: ProductKind;
  /** Which request a request fault acts on. Default `place`. */
  on?: "place" | "query";
  delayMs?: number;
  queries?: number;
}

/** Where one committed order stands at its supplier. */
export type LedgerState = "fulfilled" | "partial" | "failed" | "reversed" | "processing";

export interface LedgerEntry {
  supplier: ChaosSupplierName;
  /** The order number the supplier holds it under (a merchant id, or a router reference). */
  orderNo: string;
  state: LedgerState;
  /** The plain card codes, numbers and links it delivered. */
  codes: string[];
}

/** What a merchant order asks of one supplier, before the harness adds ids and faults. */
export interface ProductOffer {
  kind: ProductKind;
  sku?: string;
  faceValue?: Money;
  /** A card quantity the supplier takes. Default 1. */
  quantity?: number;
  /** `maxCost` for this order: only offers that can quote a price carry one. */
  maxCost?: Money;
  /** Makes an account for order `index`. */
  account?: (index: number) => string;
  /** A product whose units partly fail (F10). */
  partial?: boolean;
}

/** A restore function of a lever pulled for a while. */
export type Restore = () => void;

/** Timing the harness gives every supplier. */
export interface SupplierTiming {
  settleAfterMs: number;
  pollIntervalMs: number;
  notFoundGraceMs: number;
  /** Callback delivery attempts of the simulators, the first included. */
  callbackAttempts: number;
  callbackRetryIntervalMs: number;
}

/** A forged callback, ready to POST to kaquan's callback server. */
export interface ForgedCallback {
  path: string;
  body: string;
  headers: Record<string, string>;
}

/** One started supplier. */
export interface ChaosSupplier {
  readonly name: ChaosSupplierName;
  /** The path its callbacks are POSTed to (on the callback network, then on kaquan's server). */
  readonly callbackPath: string;
  /** Makes a fresh adapter (one per process generation). */
  createAdapter(): SupplierAdapter;
  /** The products merchant orders buy here directly. */
  readonly offers: readonly ProductOffer[];
  /** This supplier's offer in a router route of `kind`, if it takes part in one. */
  routeOffer(kind: "card" | "mobile"): { sku?: string; cost: Money } | undefined;
  /** The simulator faults it can act out. */
  readonly faults: ReadonlySet<SimulatorFaultKind>;
  inject(fault: SimulatorFault): void;
  /** How many request faults actually acted, by harness kind (read from the simulator's records). */
  firedFaults(): Map<string, number>;
  /** Whether a request (by kaquan's transport `operation` label) places an order. */
  isPlacement(operation: string | undefined): boolean;
  /** The order number a callback body names (for the callback network). */
  callbackOrderNo(body: string, url: string): string | undefined;
  ledger(): LedgerEntry[];
  /** Credentials to search the logs for. */
  secrets(): SecretToFind[];
  /** The order kinds `outOfStock` and `raisePrice` act on. */
  readonly stockKinds: readonly ProductKind[];
  readonly priceKinds: readonly ProductKind[];
  /** Whether the supplier answers a re-used order id with "duplicate" (so a second instance may re-send it). */
  readonly answersDuplicates: boolean;
  /** Levers; absent when the supplier has no such control. */
  drainBalance?(): Restore;
  outOfStock?(kind: ProductKind): Restore | undefined;
  raisePrice?(kind: ProductKind): Restore | undefined;
  /** Moves the simulator's clock (its request timestamps or its callbacks' timestamps). */
  skewClock?(offsetMs: number): Restore;
  /** Reverses an order that succeeded (F9): resolves true when it did. */
  reverse?(orderNo: string, waitMs: number): Promise<boolean>;
  /** A callback signed with a key that is not the supplier's (F25). */
  forgeWrongSignature?(orderNo: string, claim: "succeeded" | "failed"): ForgedCallback;
  /** A genuinely signed callback whose unsigned status field is flipped (F25); needs the committed order. */
  forgeFlippedStatus?(
    orderNo: string,
  ): { callback: ForgedCallback; claim: "succeeded" | "failed" } | undefined;
  /**
   * Has the simulator send a genuinely signed callback stamped long ago, claiming `claim` (a stale
   * replay). Resolves whether kaquan acknowledged it; `undefined` when the order does not exist.
   */
  sendStaleReplay?(orderNo: string, claim: "succeeded" | "failed", url: string): Promise<boolean | undefined>;
  /** The literal the adapter acknowledges an accepted callback with. */
  ackAccepted(status: number, body: string): boolean;
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface StartSupplierOptions {
  /** Base URL of the callback network, e.g. `http://127.0.0.1:4000`. */
  callbackBase: string;
  timing: SupplierTiming;
}

/** A clock whose offset the harness moves for F19. */
interface SkewableClock {
  now(): number;
  offsetMs: number;
}

function skewableClock(): SkewableClock {
  const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  return clock;
}

/** Plenty of money: only a drained balance makes an order refuse. */
const FUNDED_YUAN = "100000000.00";
const FUNDED_FEN = 10_000_000_000;

/** A phone number for order `index`: 11 digits, never ending in a simulator's magic digits. */
function chinesePhone(index: number): string {
  return `13800${String(index % 100_000).padStart(5, "0")}7`;
}

const cny = (amount: string): Money => ({ amount, currency: "CNY" });

export async function startChaosSupplier(
  name: ChaosSupplierName,
  options: StartSupplierOptions,
): Promise<ChaosSupplier> {
  switch (name) {
    case "fulu":
      return startFulu(options);
    case "juhe":
      return startJuhe(options);
    case "chengquan":
      return startChengquan(options);
    case "reloadly":
      return startReloadly(options);
    case "bitrefill":
      return startBitrefill(options);
  }
}

/** Counts `record.fault` over a simulator's request records. */
/** How often each fault fired, under the harness's names (`renamed`: a simulator's name → the harness's). */
function countFaults(
  records: ReadonlyArray<{ fault?: string | undefined }>,
  renamed: Readonly<Record<string, string>> = {},
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) {
    if (!record.fault) continue;
    const name = Object.hasOwn(renamed, record.fault) ? renamed[record.fault]! : record.fault;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** The request-fault kinds every simulator shares, and its rate-limit answer. */
const sharedRequestFaults = [
  ...SHARED_REQUEST_FAULT_KINDS,
  "rate-limit",
] as const satisfies readonly SimulatorFaultKind[];

function isSharedRequestFault(kind: SimulatorFaultKind): kind is (typeof sharedRequestFaults)[number] {
  return (sharedRequestFaults as readonly SimulatorFaultKind[]).includes(kind);
}

function formField(body: string, field: string): string | undefined {
  return new URLSearchParams(body).get(field) ?? undefined;
}

function jsonPath(body: string, read: (value: Record<string, unknown>) => unknown): string | undefined {
  try {
    const value = read(JSON.parse(body) as Record<string, unknown>);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function acknowledges(adapter: SupplierAdapter): (status: number, body: string) => boolean {
  const ack = adapter.callbackAck?.(true) ?? { status: 200, body: "ok" };
  return (status, body) => status === ack.status && body === ack.body;
}

// ---- Fulu 福禄 ----------------------------------------------------------------------------------

const FULU_CARD = 10000002;
const FULU_DIRECT = 10000001;

async function startFulu({ callbackBase, timing }: StartSupplierOptions): Promise<ChaosSupplier> {
  const callbackPath = "/callbacks/fulu";
  const simulator: FuluSimulator = createFuluSimulator({
    settleAfterMs: timing.settleAfterMs,
    balance: FUNDED_YUAN,
    callbackUrl: `${callbackBase}${callbackPath}`,
    callbackAttempts: timing.callbackAttempts,
    callbackRetryIntervalMs: timing.callbackRetryIntervalMs,
  });
  await simulator.start();
  const createAdapter = () =>
    createFuluAdapter({
      appKey: simulator.appKey,
      appSecret: simulator.appSecret,
      endpoint: simulator.url,
      pollIntervalMs: timing.pollIntervalMs,
      notFoundGraceMs: timing.notFoundGraceMs,
    });
  const methodOf = (kind: ProductKind) => `fulu.order.${kind}.add`;
  const state = (raw: string): LedgerState =>
    raw === "success" ? "fulfilled" : raw === "failed" ? "failed" : "processing";
  const ackAccepted = acknowledges(createAdapter());
  return {
    name: "fulu",
    callbackPath,
    createAdapter,
    offers: [
      { kind: "card", sku: String(FULU_CARD), maxCost: cny("30.00") },
      { kind: "direct", sku: String(FULU_DIRECT), account: (index) => `player${index}` },
      { kind: "mobile", faceValue: cny("50"), account: chinesePhone },
    ],
    routeOffer: (kind) =>
      kind === "card" ? { sku: String(FULU_CARD), cost: cny("25.50") } : { cost: cny("49.80") },
    stockKinds: ["card", "direct"],
    priceKinds: ["card"],
    answersDuplicates: true,
    faults: new Set<SimulatorFaultKind>([
      ...sharedRequestFaults,
      "bad-response-signature",
      "not-found-until",
      "duplicate-callback",
      "out-of-order-callback",
      "callback-before-answer",
    ]),
    inject(fault) {
      const method = fault.on === "query" ? "fulu.order.info.get" : methodOf(fault.orderKind);
      const scope = { customerOrderNo: fault.orderNo };
      if (isSharedRequestFault(fault.kind)) {
        simulator.injectFault({ kind: fault.kind, method, delayMs: fault.delayMs, ...scope });
        return;
      }
      switch (fault.kind) {
        case "callback-before-answer":
          // Committed at once, answered late: the callback overtakes the answer (F5).
          simulator.injectFault({ kind: "delay", method, delayMs: fault.delayMs, ...scope });
          return;
        case "not-found-until":
          simulator.injectFault({ kind: "not-found-until", queries: fault.queries, ...scope });
          return;
        case "duplicate-callback":
        case "out-of-order-callback":
          simulator.injectFault({ kind: fault.kind, ...scope });
          return;
        case "bad-response-signature":
          simulator.injectFault({ kind: fault.kind, method, delayMs: fault.delayMs, ...scope });
          return;
        default:
          throw new RangeError(`fulu cannot act out ${fault.kind}`);
      }
    },
    firedFaults: () => countFaults(simulator.requests()),
    isPlacement: (operation) => /^fulu\.order\.\w+\.add$/.test(operation ?? ""),
    callbackOrderNo: (body) =>
      jsonPath(body, (value) => value.customer_order_no) ?? formField(body, "customer_order_no"),
    ledger: () =>
      simulator.orders().map((order) => ({
        supplier: "fulu",
        orderNo: order.customerOrderNo,
        state: state(order.state),
        codes: order.cards.flatMap((card) => [card.cardNumber, card.cardPassword]),
      })),
    secrets: () => [
      { label: "fulu appSecret", value: simulator.appSecret },
      { label: "fulu appKey", value: simulator.appKey },
    ],
    drainBalance() {
      simulator.setBalance("0.00");
      return () => simulator.setBalance(FUNDED_YUAN);
    },
    outOfStock(kind) {
      const productId = kind === "card" ? FULU_CARD : kind === "direct" ? FULU_DIRECT : undefined;
      if (productId === undefined) return undefined;
      simulator.setStock(productId, "断货");
      return () => simulator.setStock(productId, "充足");
    },
    raisePrice(kind) {
      if (kind !== "card") return undefined;
      simulator.setPrice(FULU_CARD, "40.00");
      return () => simulator.setPrice(FULU_CARD, "25.50");
    },
    forgeWrongSignature(orderNo, claim) {
      const signed = signCallback(
        "fulu",
        {
          order_id: "20990101000000000001",
          charge_finish_time: "2099-01-01 00:00:00",
          customer_order_no: orderNo,
          order_status: claim === "succeeded" ? "success" : "failed",
          recharge_description: claim === "succeeded" ? "充值成功" : "充值失败",
          product_id: String(FULU_CARD),
          price: "25.5000",
          buy_num: "1",
          operator_serial_number: "",
        },
        // Right length and alphabet, wrong value: what a forger without the secret can do.
        { appSecret: "ffffffffffffffffffffffffffffffff" },
      );
      return { path: callbackPath, ...signed };
    },
    ackAccepted,
    idle: () => simulator.idle(),
    close: () => simulator.close(),
  };
}

// ---- Juhe 聚合 ----------------------------------------------------------------------------------

async function startJuhe({ callbackBase, timing }: StartSupplierOptions): Promise<ChaosSupplier> {
  const callbackPath = "/callbacks/juhe";
  const simulator: JuheSimulator = createJuheSimulator({
    settleAfterMs: timing.settleAfterMs,
    balance: FUNDED_YUAN,
    callbackUrl: `${callbackBase}${callbackPath}`,
    callbackAttempts: timing.callbackAttempts,
    callbackRetryIntervalMs: timing.callbackRetryIntervalMs,
  });
  await simulator.start();
  const createAdapter = () =>
    createJuheAdapter({
      key: simulator.appKey,
      openId: simulator.openId,
      endpoint: simulator.url,
      pollIntervalMs: timing.pollIntervalMs,
      notFoundGraceMs: timing.notFoundGraceMs,
    });
  const ackAccepted = acknowledges(createAdapter());
  return {
    name: "juhe",
    callbackPath,
    createAdapter,
    offers: [
      { kind: "mobile", faceValue: cny("50"), account: chinesePhone },
      { kind: "mobile", faceValue: cny("100"), account: chinesePhone },
    ],
    // Juhe's orderid is 8-32 letters and digits: the router's `<id>-<n>` references do not fit.
    routeOffer: () => undefined,
    stockKinds: ["mobile"],
    priceKinds: [],
    answersDuplicates: true,
    faults: new Set<SimulatorFaultKind>([
      ...sharedRequestFaults,
      "committed-system-error",
      "not-found-until",
      "duplicate-callback",
      "out-of-order-callback",
      "callback-before-answer",
    ]),
    inject(fault) {
      const method = fault.on === "query" ? "ordersta" : "onlineorder";
      const scope = { orderid: fault.orderNo };
      if (isSharedRequestFault(fault.kind)) {
        simulator.injectFault({ kind: fault.kind, method, delayMs: fault.delayMs, ...scope });
        return;
      }
      switch (fault.kind) {
        case "callback-before-answer":
          simulator.injectFault({ kind: "out-of-order-callback", mode: "before-answer", ...scope });
          return;
        case "out-of-order-callback":
          simulator.injectFault({ kind: "out-of-order-callback", mode: "stale-after-final", ...scope });
          return;
        case "not-found-until":
          simulator.injectFault({ kind: "not-found-until", queries: fault.queries, ...scope });
          return;
        case "duplicate-callback":
          simulator.injectFault({ kind: "duplicate-callback", ...scope });
          return;
        case "committed-system-error":
          simulator.injectFault({ kind: "system-error-10014", method, committed: true, ...scope });
          return;
        default:
          throw new RangeError(`juhe cannot act out ${fault.kind}`);
      }
    },
    firedFaults: () => countFaults(simulator.requests(), { "system-error-10014": "committed-system-error" }),
    isPlacement: (operation) => /\.placeOrder\./.test(operation ?? ""),
    callbackOrderNo: (body) => formField(body, "orderid"),
    ledger: () =>
      simulator.orders().map((order) => ({
        supplier: "juhe",
        orderNo: order.orderid,
        state: order.state === "success" ? "fulfilled" : order.state === "failed" ? "failed" : "processing",
        codes: [],
      })),
    secrets: () => [
      { label: "juhe key", value: simulator.appKey },
      { label: "juhe openId", value: simulator.openId },
    ],
    drainBalance() {
      simulator.setBalance("0.00");
      return () => simulator.setBalance(FUNDED_YUAN);
    },
    outOfStock(kind) {
      if (kind !== "mobile") return undefined;
      // Juhe has no stock: a denomination in maintenance (208503) is its "cannot sell this now".
      simulator.setAvailable("移动", 50, false);
      simulator.setAvailable("移动", 100, false);
      return () => {
        simulator.setAvailable("移动", 50, true);
        simulator.setAvailable("移动", 100, true);
      };
    },
    forgeWrongSignature(orderNo, claim) {
      const signed = signCallback(
        "juhe",
        { sporder_id: "J209901010000001", orderid: orderNo, sta: claim === "succeeded" ? "1" : "9" },
        { key: "0123456789abcdef0123456789abcdef" },
      );
      return { path: callbackPath, ...signed };
    },
    forgeFlippedStatus(orderNo) {
      const order = simulator.order(orderNo);
      if (!order || order.state === "processing") return undefined;
      const genuine = simulator.signCallback({
        sporder_id: order.sporderId,
        orderid: orderNo,
        sta: order.gameState,
      });
      // Juhe signs sporder_id and orderid only: the flipped sta keeps a genuine signature.
      const flipped = order.state === "success" ? "9" : "1";
      const fields = new URLSearchParams(genuine.form);
      fields.set("sta", flipped);
      return {
        callback: {
          path: callbackPath,
          body: fields.toString(),
          headers: { "content-type": "application/x-www-form-urlencoded" },
        },
        claim: flipped === "1" ? "succeeded" : "failed",
      };
    },
    ackAccepted,
    idle: () => simulator.idle(),
    close: () => simulator.close(),
  };
}

// ---- Chengquan 橙券 -----------------------------------------------------------------------------

const CHENGQUAN_COUPON = "10010001";
const CHENGQUAN_DIRECT = "20001";

async function startChengquan({ callbackBase, timing }: StartSupplierOptions): Promise<ChaosSupplier> {
  const callbackPath = "/callbacks/chengquan";
  const clock = skewableClock();
  const simulator: ChengquanSimulator = createChengquanSimulator({
    settleAfterMs: timing.settleAfterMs,
    balance: FUNDED_FEN,
    callbackUrl: `${callbackBase}${callbackPath}`,
    callbackAttempts: timing.callbackAttempts,
    callbackRetryIntervalMs: timing.callbackRetryIntervalMs,
    clock,
  });
  await simulator.start();
  simulator.setStock(CHENGQUAN_COUPON, 10_000_000);
  // Chengquan issues the AES key and IV as 16-character strings.
  const aesKey = Buffer.from(simulator.aesKey).toString("utf8");
  const aesIv = Buffer.from(simulator.aesIv).toString("utf8");
  const createAdapter = () =>
    createChengquanAdapter({
      appId: simulator.appId,
      appKey: simulator.appKey,
      aesKey,
      aesIv,
      endpoint: simulator.url,
      pollIntervalMs: timing.pollIntervalMs,
      notFoundGraceMs: timing.notFoundGraceMs,
    });
  const pathOf = (kind: ProductKind, on: "place" | "query" | undefined) => {
    if (on === "query") return kind === "card" ? "coupon/order/query" : "order/get";
    return kind === "card" ? "coupon/order/pay" : kind === "direct" ? "order/directCharge" : "order/tel/pay";
  };
  const state = (raw: string): LedgerState =>
    raw === "SUCCESS" ? "fulfilled" : raw === "FAILURE" ? "failed" : "processing";
  const ackAccepted = acknowledges(createAdapter());
  return {
    name: "chengquan",
    callbackPath,
    createAdapter,
    offers: [
      { kind: "card", sku: CHENGQUAN_COUPON, maxCost: cny("30.00"), quantity: 2 },
      { kind: "direct", sku: CHENGQUAN_DIRECT, account: (index) => `player${index}` },
      { kind: "mobile", faceValue: cny("50"), account: chinesePhone },
    ],
    routeOffer: (kind) =>
      kind === "card" ? { sku: CHENGQUAN_COUPON, cost: cny("19.80") } : { cost: cny("49.80") },
    stockKinds: ["card"],
    priceKinds: ["card"],
    answersDuplicates: true,
    faults: new Set<SimulatorFaultKind>([
      ...sharedRequestFaults,
      "committed-system-error",
      "not-found-until",
      "duplicate-callback",
      "out-of-order-callback",
      "callback-before-answer",
      "empty-card-code",
    ]),
    inject(fault) {
      const method = pathOf(fault.orderKind, fault.on);
      const scope = { orderNo: fault.orderNo };
      if (isSharedRequestFault(fault.kind)) {
        simulator.injectFault({ kind: fault.kind, method, delayMs: fault.delayMs, ...scope });
        return;
      }
      switch (fault.kind) {
        case "callback-before-answer":
          simulator.injectFault({ kind: "delay", method, delayMs: fault.delayMs, ...scope });
          return;
        case "committed-system-error":
          simulator.injectFault({ kind: "system-error", method, ...scope });
          return;
        case "not-found-until":
          simulator.injectFault({ kind: "not-found-until", queries: fault.queries, ...scope });
          return;
        case "duplicate-callback":
        case "out-of-order-callback":
        case "empty-card-code":
          simulator.injectFault({ kind: fault.kind, ...scope });
          return;
        default:
          throw new RangeError(`chengquan cannot act out ${fault.kind}`);
      }
    },
    firedFaults: () => countFaults(simulator.requests(), { "system-error": "committed-system-error" }),
    isPlacement: (operation) => /\.placeOrder\./.test(operation ?? ""),
    callbackOrderNo: (body) => formField(body, "order_no") ?? formField(body, "user_order_no"),
    ledger: () =>
      simulator.orders().map((order) => ({
        supplier: "chengquan",
        orderNo: order.orderNo,
        state: state(order.state),
        codes: order.cards.flatMap((card) => [card.number, card.password, card.link]).filter(Boolean),
      })),
    secrets: () => [
      { label: "chengquan appKey", value: simulator.appKey },
      { label: "chengquan aesKey", value: aesKey },
      { label: "chengquan aesIv", value: aesIv },
    ],
    drainBalance() {
      simulator.setBalance(0);
      return () => simulator.setBalance(FUNDED_FEN);
    },
    outOfStock(kind) {
      if (kind !== "card") return undefined;
      simulator.setStock(CHENGQUAN_COUPON, 0);
      return () => simulator.setStock(CHENGQUAN_COUPON, 10_000_000);
    },
    raisePrice(kind) {
      if (kind !== "card") return undefined;
      simulator.setPrice({ goodsNo: CHENGQUAN_COUPON }, 4_000);
      return () => simulator.setPrice({ goodsNo: CHENGQUAN_COUPON }, 1_980);
    },
    skewClock(offsetMs) {
      clock.offsetMs += offsetMs;
      return () => {
        clock.offsetMs -= offsetMs;
      };
    },
    forgeWrongSignature(orderNo, claim) {
      const signed = signCallback(
        "chengquan",
        {
          app_id: simulator.appId,
          order_no: orderNo,
          state: claim === "succeeded" ? "SUCCESS" : "FAILURE",
          timestamp: String(Date.now()),
        },
        { appKey: "0F1E2D3C4B5A69788796A5B4C3D2E1F0" },
      );
      return { path: callbackPath, ...signed };
    },
    ackAccepted,
    idle: () => simulator.idle(),
    close: () => simulator.close(),
  };
}

// ---- Reloadly -----------------------------------------------------------------------------------

async function startReloadly({ callbackBase, timing }: StartSupplierOptions): Promise<ChaosSupplier> {
  const callbackPath = "/callbacks/reloadly";
  const clock = skewableClock();
  const simulator: ReloadlySimulator = createReloadlySimulator({
    settleAfterMs: timing.settleAfterMs,
    balance: FUNDED_YUAN,
    recentRechargeWindowMs: 0,
    webhookUrl: `${callbackBase}${callbackPath}`,
    webhookAttempts: timing.callbackAttempts,
    webhookRetryIntervalMs: timing.callbackRetryIntervalMs,
    clock,
  });
  await simulator.start();
  const createAdapter = () =>
    createReloadlyAdapter({
      clientId: simulator.clientId,
      clientSecret: simulator.clientSecret,
      environment: "sandbox",
      product: "airtime",
      endpoints: { auth: simulator.urls.auth, api: simulator.urls.airtime },
      webhookSecrets: [simulator.webhookSecret],
      topupMode: "async",
      pollIntervalMs: timing.pollIntervalMs,
      notFoundGraceMs: timing.notFoundGraceMs,
    });
  /** Orders the harness refunded after their success: a REFUNDED transaction of these is a reversal. */
  const reversed = new Set<string>();
  const ackAccepted = acknowledges(createAdapter());
  const state = (customIdentifier: string, raw: string): LedgerState => {
    if (raw === "SUCCESSFUL") return "fulfilled";
    if (raw === "REFUNDED") return reversed.has(customIdentifier) ? "reversed" : "failed";
    return raw === "FAILED" ? "failed" : "processing";
  };
  return {
    name: "reloadly",
    callbackPath,
    createAdapter,
    offers: [
      {
        kind: "mobile",
        sku: "341",
        faceValue: { amount: "5.00", currency: "USD" },
        account: (index) => `+2348031${String(index % 100_000).padStart(5, "0")}7`,
      },
    ],
    routeOffer: () => undefined,
    stockKinds: [],
    priceKinds: [],
    answersDuplicates: true,
    faults: new Set<SimulatorFaultKind>([
      ...sharedRequestFaults,
      "not-found-until",
      "duplicate-callback",
      "out-of-order-callback",
      "callback-before-answer",
      "token-expired",
    ]),
    inject(fault) {
      const method = fault.on === "query" ? "airtime.reports" : "airtime.topups-async";
      const scope = { customIdentifier: fault.orderNo };
      if (isSharedRequestFault(fault.kind)) {
        simulator.injectFault({ kind: fault.kind, method, delayMs: fault.delayMs, ...scope });
        return;
      }
      switch (fault.kind) {
        case "callback-before-answer":
          simulator.injectFault({ kind: "delay", method, delayMs: fault.delayMs, ...scope });
          return;
        case "not-found-until":
          simulator.injectFault({ kind: "not-found-until", queries: fault.queries, ...scope });
          return;
        case "duplicate-callback":
          simulator.injectFault({ kind: "duplicate-webhook", ...scope });
          return;
        case "out-of-order-callback":
          simulator.injectFault({ kind: "out-of-order-webhook", ...scope });
          return;
        case "token-expired":
          simulator.injectFault({ kind: "token-expired-mid-batch", method, ...scope });
          return;
        default:
          throw new RangeError(`reloadly cannot act out ${fault.kind}`);
      }
    },
    firedFaults: () => {
      const counts = countFaults(simulator.requests());
      const expired = counts.get("token-expired-mid-batch");
      if (expired) counts.set("token-expired", expired);
      counts.delete("token-expired-mid-batch");
      return counts;
    },
    isPlacement: (operation) => /topups/.test(operation ?? ""),
    callbackOrderNo: (body) =>
      jsonPath(body, (value) => {
        const data = value.data as { transaction?: { customIdentifier?: unknown } } | undefined;
        return data?.transaction?.customIdentifier;
      }),
    ledger: () =>
      simulator.orders().map((transaction) => ({
        supplier: "reloadly",
        orderNo: transaction.customIdentifier,
        state: state(transaction.customIdentifier, transaction.status),
        codes: [
          ...(transaction.pin ? [transaction.pin.code, transaction.pin.serial] : []),
          ...transaction.cards.flatMap((card) => [card.cardNumber, card.pinCode]),
        ].filter(Boolean),
      })),
    secrets: () => [
      { label: "reloadly clientSecret", value: simulator.clientSecret },
      { label: "reloadly webhookSecret", value: simulator.webhookSecret },
    ],
    drainBalance() {
      simulator.setBalance("0.00");
      return () => simulator.setBalance(FUNDED_YUAN);
    },
    skewClock(offsetMs) {
      clock.offsetMs += offsetMs;
      return () => {
        clock.offsetMs -= offsetMs;
      };
    },
    async reverse(orderNo, waitMs) {
      const until = Date.now() + waitMs;
      for (;;) {
        const transaction = simulator.order(orderNo);
        if (transaction?.status === "SUCCESSFUL") {
          reversed.add(orderNo);
          simulator.completeOrder(orderNo, "REFUNDED");
          return true;
        }
        if ((transaction && transaction.status !== "PROCESSING") || Date.now() > until) return false;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    forgeWrongSignature(orderNo, claim) {
      const signed = signCallback(
        "reloadly",
        {
          type: "airtime_transaction.status",
          data: {
            transaction: {
              transactionId: 990001,
              customIdentifier: orderNo,
              operatorId: 341,
              recipientPhone: 2348031234567,
              status: claim === "succeeded" ? "SUCCESSFUL" : "FAILED",
            },
          },
        },
        { webhookSecret: "not-the-webhook-secret-of-this-account" },
      );
      return { path: callbackPath, ...signed };
    },
    async sendStaleReplay(orderNo, claim, url) {
      if (!simulator.order(orderNo)) return undefined;
      // Genuinely signed, but stamped ten minutes ago: a captured webhook played back later.
      const stale = String(Math.floor((Date.now() - 600_000) / 1000));
      const attempts = await simulator.sendWebhook(orderNo, {
        url,
        timestamp: stale,
        transaction: { status: claim === "succeeded" ? "SUCCESSFUL" : "FAILED" },
      });
      return attempts.some((attempt) => attempt.acknowledged);
    },
    ackAccepted,
    idle: () => simulator.idle(),
    close: () => simulator.close(),
  };
}

// ---- Bitrefill ----------------------------------------------------------------------------------

async function startBitrefill({ callbackBase, timing }: StartSupplierOptions): Promise<ChaosSupplier> {
  const callbackPath = "/callbacks/bitrefill";
  const simulator: BitrefillSimulator = createBitrefillSimulator({
    settleAfterMs: timing.settleAfterMs,
    balance: FUNDED_YUAN,
    callbackAttempts: timing.callbackAttempts,
    callbackRetryIntervalMs: timing.callbackRetryIntervalMs,
  });
  await simulator.start();
  const createAdapter = () =>
    createBitrefillAdapter({
      auth: { bearer: simulator.apiKey },
      endpoint: simulator.url,
      webhookUrl: `${callbackBase}${callbackPath}`,
      // Bitrefill publishes limits per ten minutes (30 order queries); the simulator has none,
      // and at the real limits a run of thousands of orders would spend hours in the client's
      // limiter. Rate-limit answers are still injected as F27 faults.
      rateLimits: {
        placeOrder: { requestsPerSecond: 500, burst: 500 },
        getBalance: { requestsPerSecond: 500, burst: 500 },
        listProducts: { requestsPerSecond: 500, burst: 500 },
        getProduct: { requestsPerSecond: 500, burst: 500 },
        queryOrder: { requestsPerSecond: 500, burst: 500 },
      },
      pollIntervalMs: timing.pollIntervalMs,
      notFoundGraceMs: timing.notFoundGraceMs,
    });
  const state = (invoice: BitrefillSimulatedInvoice): LedgerState => {
    if (invoice.status !== "complete") return invoice.status === "unpaid" ? "processing" : "failed";
    if (invoice.orders.some((order) => order.status === "created")) return "processing";
    const delivered = invoice.orders.filter((order) => order.status === "delivered").length;
    if (delivered === invoice.orders.length) return "fulfilled";
    return delivered > 0 ? "partial" : "failed";
  };
  const ackAccepted = acknowledges(createAdapter());
  return {
    name: "bitrefill",
    callbackPath,
    createAdapter,
    offers: [
      { kind: "card", sku: "test-gift-card-code<&>10" },
      { kind: "card", sku: "test-gift-card-partial<&>10", quantity: 2, partial: true },
    ],
    routeOffer: () => undefined,
    stockKinds: [],
    priceKinds: [],
    answersDuplicates: false,
    faults: new Set<SimulatorFaultKind>([...sharedRequestFaults, "not-found-until", "duplicate-callback"]),
    inject(fault) {
      const method = fault.on === "query" ? "invoices" : "createInvoice";
      const scope = { reference: fault.orderNo };
      if (isSharedRequestFault(fault.kind)) {
        simulator.injectFault({ kind: fault.kind, method, delayMs: fault.delayMs, ...scope });
        return;
      }
      switch (fault.kind) {
        case "not-found-until":
          simulator.injectFault({ kind: "not-found-until", queries: fault.queries, ...scope });
          return;
        case "duplicate-callback":
          simulator.injectFault({ kind: "duplicate-callback", ...scope });
          return;
        default:
          throw new RangeError(`bitrefill cannot act out ${fault.kind}`);
      }
    },
    firedFaults: () => countFaults(simulator.requests()),
    isPlacement: (operation) => /createInvoice/.test(operation ?? ""),
    callbackOrderNo: (_body, url) =>
      new URL(url, "http://127.0.0.1").searchParams.get("kaquan_order_id") ?? undefined,
    ledger: () =>
      simulator.orders().map((invoice) => ({
        supplier: "bitrefill",
        orderNo: invoice.reference ?? `(no reference: ${invoice.id})`,
        state: state(invoice),
        codes: invoice.orders
          .flatMap((order) => [order.redemption?.code, order.redemption?.pin, order.redemption?.link])
          .filter((code): code is string => typeof code === "string" && code.length > 0),
      })),
    secrets: () => [
      { label: "bitrefill apiKey", value: simulator.apiKey },
      { label: "bitrefill businessSecret", value: simulator.businessSecret },
    ],
    drainBalance() {
      simulator.setBalance("0.00");
      return () => simulator.setBalance(FUNDED_YUAN);
    },
    forgeWrongSignature(orderNo, claim) {
      // Bitrefill webhooks are unsigned: a forger just posts an invoice; kaquan must re-fetch it.
      return {
        path: `${callbackPath}?kaquan_order_id=${encodeURIComponent(orderNo)}`,
        body: JSON.stringify({
          id: "forged-invoice",
          status: claim === "succeeded" ? "complete" : "payment_error",
          reference: orderNo,
        }),
        headers: { "content-type": "application/json" },
      };
    },
    ackAccepted,
    idle: () => simulator.idle(),
    close: () => simulator.close(),
  };
}
