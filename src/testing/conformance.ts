/**
 * The adapter conformance suite: the checks every adapter plus its simulator must pass, so that
 * a merchant can swap suppliers without re-learning their failure modes. Framework-agnostic:
 * pass your test runner's `it`/`test` to register each check, or call without one to run them
 * all and get a report.
 */
import { inspect } from "node:util";
import { createSupplierClient, type SupplierClient } from "../client/supplier-client.js";
import {
  type AdapterContext,
  BalanceSchema,
  isFinal,
  KaquanError,
  type Money,
  type OrderRequestInput,
  OrderRequestSchema,
  type OrderUpdate,
  OrderUpdateSchema,
  ProductSchema,
  parseInput,
  type RawCallback,
  Secret,
  SignatureError,
  StockLevelSchema,
  type SupplierAdapter,
} from "../core/index.js";
import { systemClock } from "../runtime/clock.js";
import { createHttpTransport } from "../runtime/http-transport.js";

/** A running simulator with an adapter pointed at it. */
export interface ConformanceTarget {
  adapter: SupplierAdapter;
  /** Orders that should succeed, per kind the adapter supports. */
  fixtures: {
    direct?: { sku: string; account: string };
    card?: { sku: string };
    mobile?: { account: string; faceValue: Money; sku?: string };
    /** A sku the supplier does not know. */
    unknownSku: string;
  };
  /** Builds a callback for an order, signed as the supplier signs it (suppliers with callbacks). */
  callbackFor?(update: { merchantOrderId: string; status: "success" | "failed" }): RawCallback;
  /** Makes the supplier report `rawStatus`, a value the adapter has never seen, for an order. */
  setRawOrderStatus?(merchantOrderId: string, rawStatus: string): void;
  close(): Promise<void>;
}

export interface ConformanceOptions {
  /** Adapter name, for check titles. */
  name: string;
  /** Starts a fresh simulator and adapter. Called once per check. */
  start(): Promise<ConformanceTarget>;
  /** Your runner's test function (`it` from vitest, jest or node:test). */
  test?: (title: string, run: () => Promise<void>, timeoutMs?: number) => unknown;
  /** Deadline for an order to reach a final state in the simulator. Default 10 000 ms. */
  finalDeadlineMs?: number;
}

export interface ConformanceResult {
  check: string;
  passed: boolean;
  error?: unknown;
}

class ConformanceFailure extends Error {}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceFailure(message);
}

let counter = 0;
/** A fresh order id: letters and digits only, 8-32 long, which every supplier accepts. */
function orderId(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, 32)
    .padEnd(8, "0");
}

interface CheckEnvironment {
  deadlineMs: number;
  /** For checks that call the adapter directly, bypassing the client. */
  context: AdapterContext;
}

/** A request for whichever order kind the target has a fixture for (card, then direct, then mobile). */
function someOrder(target: ConformanceTarget, prefix: string): OrderRequestInput {
  const { card, direct, mobile } = target.fixtures;
  const kinds = target.adapter.capabilities.orderKinds;
  const merchantOrderId = orderId(prefix);
  if (card && kinds.includes("card")) return { merchantOrderId, kind: "card", sku: card.sku, quantity: 1 };
  if (direct && kinds.includes("direct"))
    return { merchantOrderId, kind: "direct", sku: direct.sku, account: direct.account, quantity: 1 };
  if (mobile && kinds.includes("mobile")) {
    return {
      merchantOrderId,
      kind: "mobile",
      account: mobile.account,
      faceValue: mobile.faceValue,
      quantity: 1,
      ...(mobile.sku ? { sku: mobile.sku } : {}),
    };
  }
  throw new ConformanceFailure("no fixture for any order kind the adapter supports");
}

type Check = (
  target: ConformanceTarget,
  client: SupplierClient,
  environment: CheckEnvironment,
) => Promise<void>;

const checks: Record<string, Check> = {
  "lists a catalogue of valid products and looks one up": async (target, client) => {
    const products = await client.listProducts();
    assert(products.length > 0, "listProducts returned no products");
    for (const product of products) {
      const parsed = ProductSchema.safeParse(product);
      assert(parsed.success, `product ${product.sku} does not match ProductSchema`);
    }
    const first = products[0]!;
    const found = await client.getProduct(first.sku);
    assert(found?.sku === first.sku, `getProduct(${first.sku}) did not return that product`);
    assert(
      (await client.getProduct(target.fixtures.unknownSku)) === undefined,
      "getProduct of an unknown sku is not undefined",
    );
  },

  "reports stock and balance where the supplier has them": async (target, client) => {
    const sku = target.fixtures.card?.sku ?? target.fixtures.direct?.sku;
    if (target.adapter.capabilities.stock && sku) {
      assert(
        StockLevelSchema.safeParse(await client.getStock(sku, 1)).success,
        "getStock does not match StockLevelSchema",
      );
    }
    if (target.adapter.capabilities.balance) {
      assert(
        BalanceSchema.safeParse(await client.getBalance()).success,
        "getBalance does not match BalanceSchema",
      );
    }
  },

  "takes each order kind to a final state and queries it by id": async (target, client, { deadlineMs }) => {
    const { direct, card, mobile } = target.fixtures;
    const requests = [
      direct && {
        merchantOrderId: orderId("cd"),
        kind: "direct" as const,
        sku: direct.sku,
        account: direct.account,
      },
      card && { merchantOrderId: orderId("cc"), kind: "card" as const, sku: card.sku },
      mobile && {
        merchantOrderId: orderId("cm"),
        kind: "mobile" as const,
        account: mobile.account,
        faceValue: mobile.faceValue,
        ...(mobile.sku ? { sku: mobile.sku } : {}),
      },
    ].filter(
      (request) => request !== undefined && target.adapter.capabilities.orderKinds.includes(request.kind),
    );
    assert(requests.length > 0, "no order fixtures for the kinds the adapter supports");
    for (const request of requests) {
      const placed = await client.placeOrder(request!);
      assert(placed.merchantOrderId === request!.merchantOrderId, "placeOrder returned another order");
      assert(placed.status !== "failed", `a ${request!.kind} order failed at placement`);
      const final = await client.waitForFinal(request!.merchantOrderId, { deadlineMs });
      assert(
        final.status === "succeeded",
        `a ${request!.kind} order ended ${final.status}, expected succeeded`,
      );
      if (request!.kind === "card" && target.adapter.capabilities.cardDelivery) {
        assert(final.cards.length > 0, "a succeeded card order has no cards");
        for (const delivered of final.cards) {
          assert(
            Secret.isSecret(delivered.password) && delivered.password.reveal().length > 0,
            "a card code is empty or not a Secret",
          );
        }
      }
      const queried = await client.getOrder(request!.merchantOrderId);
      assert(
        queried.merchantOrderId === request!.merchantOrderId && isFinal(queried.status),
        "getOrder did not return the final order",
      );
    }
  },

  "answers a re-sent order id as its capabilities declare": async (target, client, { context }) => {
    const request = parseInput(OrderRequestSchema, someOrder(target, "dup"), "order request");
    await client.placeOrder(request);
    const behaviour = target.adapter.capabilities.duplicateOrderId;
    const second = await target.adapter.placeOrder(request, context).then(
      (update: OrderUpdate) => ({ update }),
      (error: unknown) => ({ error }),
    );
    if (behaviour === "reject") {
      assert(
        "error" in second &&
          KaquanError.isInstance(second.error) &&
          second.error.failureClass === "duplicate",
        "a re-sent id was not refused as a duplicate",
      );
    } else if (behaviour === "replay") {
      assert(
        "update" in second && second.update.merchantOrderId === request.merchantOrderId,
        "a re-sent id did not replay the original order",
      );
    }
  },

  "verifies genuine callbacks and rejects forged ones": async (target, _client, { context }) => {
    const verify = target.adapter.verifyCallback?.bind(target.adapter);
    // Unsigned (re-fetched) callbacks have nothing to verify; signed ones — including those whose
    // body is only a trigger for a query — must reject any change to the signed fields.
    if (!verify || !target.callbackFor) return;
    const merchantOrderId = orderId("cb");
    const genuine = target.callbackFor({ merchantOrderId, status: "success" });
    const verified = await verify(genuine, context);
    assert(
      verified.update.merchantOrderId === merchantOrderId && verified.update.status === "succeeded",
      "a genuine callback did not verify to succeeded",
    );
    // The callback handler applies a verified update without the full schema check (a hot
    // path); the adapter's updates must therefore match the contract, which is checked here.
    const shape = OrderUpdateSchema.safeParse(verified.update);
    assert(
      shape.success,
      `the verified update does not match OrderUpdateSchema: ${shape.error?.issues
        .map((issue) => `${issue.path.join(".") || "(update)"}: ${issue.message}`)
        .join("; ")}`,
    );
    const body = typeof genuine.body === "string" ? genuine.body : Buffer.from(genuine.body).toString("utf8");
    // Change one character of the order id, which every supplier's signature covers.
    const last = merchantOrderId.slice(-1);
    const forgedId = `${merchantOrderId.slice(0, -1)}${last === "9" ? "8" : "9"}`;
    const tampered = { ...genuine, body: body.split(merchantOrderId).join(forgedId) };
    const rejected = await verify(tampered, context).then(
      () => false,
      (error: unknown) => SignatureError.isInstance(error),
    );
    assert(rejected, "a tampered callback was not rejected with SignatureError");
    const ack = target.adapter.callbackAck?.(true);
    assert(ack && ack.status >= 200 && ack.status < 300, "the acknowledgement is not a 2xx");
  },

  "maps an unseen vendor status to unknown and keeps the raw value": async (target, client, { context }) => {
    if (!target.setRawOrderStatus) return;
    const request = someOrder(target, "us");
    await client.placeOrder(request);
    target.setRawOrderStatus(request.merchantOrderId!, "brand-new-status");
    const update = await target.adapter.queryOrder(request.merchantOrderId!, context);
    assert(
      update?.status === "unknown",
      `an unseen status was mapped to ${update?.status}, expected unknown`,
    );
    assert(update.vendorStatus === "brand-new-status", "the raw vendor status was not kept");
    const order = await client.getOrder(request.merchantOrderId!);
    assert(!isFinal(order.status), "an unseen status made the order final");
  },

  "never shows secrets or card codes when printed": async (target, client, { deadlineMs }) => {
    const printed = [
      inspect(target.adapter, { depth: 6, showHidden: true }),
      JSON.stringify(target.adapter) ?? "",
    ];
    for (const value of target.adapter.secretValues()) {
      for (const text of printed) assert(!text.includes(value), "the adapter prints a secret value");
    }
    if (!target.fixtures.card || !target.adapter.capabilities.cardDelivery) return;
    const merchantOrderId = orderId("sm");
    await client.placeOrder({ merchantOrderId, kind: "card", sku: target.fixtures.card.sku });
    const order = await client.waitForFinal(merchantOrderId, { deadlineMs });
    for (const delivered of order.cards) {
      const code = delivered.password.reveal();
      assert(!JSON.stringify(order).includes(code), "JSON.stringify(order) shows a card code");
      assert(!inspect(order, { depth: 10 }).includes(code), "util.inspect(order) shows a card code");
      assert(!String(delivered.password).includes(code), "String(secret) shows a card code");
    }
  },
};

const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

async function runCheck(options: ConformanceOptions, check: Check): Promise<void> {
  const target = await options.start();
  const http = createHttpTransport({ timeoutMs: 5_000 });
  const client = createSupplierClient({
    adapter: target.adapter,
    http,
    retry: { maxAttempts: 3, baseDelayMs: 10 },
  });
  const context: AdapterContext = { http, clock: systemClock, logger: quietLogger };
  try {
    await check(target, client, { deadlineMs: options.finalDeadlineMs ?? 10_000, context });
  } finally {
    http.close();
    await target.close();
  }
}

/**
 * Runs (or registers) every conformance check. With `test`, each check becomes one test and the
 * returned promise resolves at once; without it, the checks run in turn and the report says
 * which passed.
 */
export async function runAdapterConformance(options: ConformanceOptions): Promise<ConformanceResult[]> {
  const entries = Object.entries(checks);
  if (options.test) {
    for (const [title, check] of entries) {
      options.test(
        `${options.name} conformance: ${title}`,
        () => runCheck(options, check),
        (options.finalDeadlineMs ?? 10_000) * 3,
      );
    }
    return [];
  }
  const results: ConformanceResult[] = [];
  for (const [title, check] of entries) {
    try {
      await runCheck(options, check);
      results.push({ check: title, passed: true });
    } catch (error) {
      results.push({ check: title, passed: false, error });
    }
  }
  return results;
}

/** The names of the conformance checks, in order. */
export const conformanceChecks: readonly string[] = Object.keys(checks);
