/**
 * The secret-leak audit (promise 4). Every adapter is configured with sentinel credentials against
 * its simulator, and a client, the callback handler and (Reloadly) the token cache are driven
 * through successes and every failure path the simulators script: rejections, 5xx and HTML
 * gateway pages, cut-off JSON, commit-then-drop, timeouts, rate limits, token expiry, card
 * delivery, forged, tampered and stale callbacks, and a parsed body handed in where the raw one
 * belongs. A pino logger at trace level keeps every line. Then no forbidden value — a sentinel, a
 * signature or token the adapter sent, a token or card code the supplier answered — may occur in
 * any log line or any rendering of any error (see leak-evidence.ts).
 *
 * The audit checks itself too: a planted leak in a log line and in an error's cause chain must be
 * found, and the traffic must have shown signatures or tokens, so that an empty finding means
 * something.
 */
import {
  createHttpTransport,
  createSupplierClient,
  type KaquanError,
  NoAnswerError,
  type OrderRequest,
  type RawCallback,
  type SupplierAdapter,
  type SupplierClient,
} from "kaquan";
import { defineSignedFormAdapter } from "kaquan/adapter-kit";
import { createCallbackHandler } from "kaquan/callbacks";
import { describe, expect, it } from "vitest";
import { startXingyunStandIn, xingyunSpec } from "../../examples/signed-form-platform.js";
import { adapterTargets, freshOrderId, type RunningTarget } from "../fuzz/adapter-targets.js";
import { mutateCallback } from "../fuzz/callback-mutations.js";
import {
  capturingLogger,
  findLeaks,
  observingTransport,
  renderError,
  TrafficSecrets,
} from "./leak-evidence.js";

/** Everything one audit run saw, and what must not be in it. */
class AuditRecord {
  readonly capture = capturingLogger();
  /** The configured credentials. */
  readonly forbidden = new Set<string>();
  /** Signatures, tokens and card codes seen on the wire. */
  readonly traffic = new TrafficSecrets();
  readonly errors: unknown[] = [];
  /** Card codes delivered, revealed only to be searched for. */
  readonly cardCodes = new Set<string>();
  readonly results: unknown[] = [];

  constructor(secrets: Iterable<string>) {
    for (const value of secrets) this.forbidden.add(value);
  }

  /** Runs `call`, keeping whatever it throws (the audit wants the errors, not the outcome). */
  async attempt<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await call();
      this.results.push(result);
      return result;
    } catch (error) {
      this.errors.push(error);
      return undefined;
    }
  }

  keepCards(order: unknown): void {
    const cards = (
      order as { cards?: Array<{ number?: { reveal(): string }; password: { reveal(): string } }> }
    )?.cards;
    for (const card of cards ?? []) {
      this.cardCodes.add(card.password.reveal());
      if (card.number) this.cardCodes.add(card.number.reveal());
    }
  }

  evidence(): Map<string, string[]> {
    return new Map([
      ["log lines", this.capture.lines],
      ["errors", this.errors.flatMap(renderError)],
      // Results hold card codes as Secret values: rendered, they must stay masked.
      ["results", this.results.flatMap(renderError)],
    ]);
  }

  leaks() {
    return findLeaks(this.evidence(), [...this.forbidden, ...this.traffic.values(), ...this.cardCodes]);
  }
}

/** A copy of `order` with an id never used before. */
function freshCopy(order: OrderRequest): OrderRequest {
  return { ...order, merchantOrderId: freshOrderId("audit") };
}

function clientFor(adapter: SupplierAdapter, record: AuditRecord) {
  const transport = createHttpTransport({ timeoutMs: 300, keepAliveIdleMs: 500 });
  const client = createSupplierClient({
    adapter,
    http: observingTransport(transport, record.traffic),
    logger: record.capture.logger,
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
    resolveTimeoutMs: 400,
    pollIntervalMs: 20,
    notFoundGraceMs: 100,
    health: false,
    // Suppliers publish rate limits (Tango: 1 request/s; Bitrefill: per minute) that the client
    // enforces by waiting; against a simulator they only make the audit slow.
    rateLimit: { requestsPerSecond: 10_000, burst: 10_000 },
  });
  return { client, transport };
}

/** Successes: catalogue, stock, balance, and every kind of order to its final state (card codes). */
async function driveSuccesses(client: SupplierClient, target: RunningTarget, record: AuditRecord) {
  await record.attempt(() => client.listProducts({}));
  await record.attempt(() => client.getProduct(target.sku));
  await record.attempt(() => client.getProduct(target.unknownSku));
  if (client.adapter.getStock) await record.attempt(() => client.getStock(target.sku, 1));
  if (client.adapter.getBalance) await record.attempt(() => client.getBalance());
  for (const order of target.orders) {
    await record.attempt(() => client.placeOrder(order));
    const final = await record.attempt(() =>
      client.waitForFinal(order.merchantOrderId, { deadlineMs: 3_000 }),
    );
    record.keepCards(final);
    await record.attempt(() => client.getOrder(order.merchantOrderId));
  }
  await record.attempt(() => client.getOrder("auditmissing0001"));
}

const sharedFaults = ["http-500", "html-gateway", "malformed-json", "commit-then-drop", "drop-before-commit"];
/** Each simulator's rejection: a vendor error code (OFPay's is a system error). */
const rejectionFault = (name: string) => (name === "ofpay" ? "system-error" : "vendor-error");

/** Failures: every scripted fault on a placement and on a read, a timeout, rejections, token expiry. */
async function driveFailures(client: SupplierClient, target: RunningTarget, record: AuditRecord) {
  const simulator = target.simulator;
  const template = target.orders[0]!;
  const faults = [...sharedFaults, "rate-limit", rejectionFault(target.name)];
  for (const kind of faults) {
    simulator.clearFaults();
    simulator.injectFault({ kind, times: 1 });
    const order = freshCopy(template);
    await record.attempt(() => client.placeOrder(order));
    await record.attempt(() => client.waitForFinal(order.merchantOrderId, { deadlineMs: 1_000 }));
    simulator.clearFaults();
    simulator.injectFault({ kind, times: 1 });
    await record.attempt(() => client.getProduct(target.sku));
  }
  // A timeout after the request was written: answered later than the transport waits.
  simulator.clearFaults();
  simulator.injectFault({ kind: "delay", delayMs: 700, times: 1 });
  await record.attempt(() => client.placeOrder(freshCopy(template)));
  simulator.clearFaults();
  if (simulator.expireTokens) {
    simulator.expireTokens();
    await record.attempt(() => client.getProduct(target.sku));
    simulator.injectFault({ kind: "token-expired-mid-batch", times: 1 });
    await record.attempt(() => client.placeOrder(freshCopy(template)));
    simulator.clearFaults();
  }
  // Insufficient balance: a definitive rejection with the vendor's own code and message.
  (simulator.setBalance as (amount: unknown) => void)(target.name === "chengquan" ? 0 : "0");
  await record.attempt(() => client.placeOrder(freshCopy(template)));
}

/** Callbacks: genuine (with card codes), tampered, forged, stale, parsed, for an unknown supplier. */
async function driveCallbacks(client: SupplierClient, target: RunningTarget, record: AuditRecord) {
  const handler = createCallbackHandler({
    clients: [client],
    onEvent: (event) => void record.results.push(event),
    logger: record.capture.logger,
  });
  const handle = async (callback: RawCallback | { body: unknown; headers: Record<string, string> }) => {
    const result = await record.attempt(() =>
      handler.handle({ supplier: client.supplier, ...(callback as RawCallback) }),
    );
    if (result?.error) record.errors.push(result.error);
    record.keepCards(result?.event);
  };
  const order = target.orders[0]!;
  const fixture = target.callbacks;
  if (fixture) {
    const genuine = fixture.build(order.merchantOrderId, "success");
    await handle(genuine);
    await handle(fixture.build(order.merchantOrderId, "failed"));
    await handle(mutateCallback(genuine, [{ kind: "signature-replace", value: "0".repeat(32) }]));
    await handle(mutateCallback(genuine, [{ kind: "flip-byte", position: 3, mask: 1 }]));
    await handle(mutateCallback(genuine, [{ kind: "add-field", key: "forged", value: "1" }]));
    await handle(mutateCallback(genuine, [{ kind: "drop-header", index: 0 }]));
    if (fixture.signedAt) {
      const body = typeof genuine.body === "string" ? genuine.body : Buffer.from(genuine.body).toString();
      await handle(fixture.signedAt(body, String(Date.now() - 3_600_000)));
    }
  }
  await handle({ body: "<html>not a callback</html>", headers: { "content-type": "text/html" } });
  await handle({ body: { parsed: true, sign: "x" }, headers: {} });
  const stranger = await record.attempt(() =>
    handler.handle({ supplier: "nobody", body: "{}", headers: {} }),
  );
  if (stranger?.error) record.errors.push(stranger.error);
}

/** Drives one target end to end with sentinel credentials; the targets run side by side. */
async function audit(definition: (typeof adapterTargets)[number]) {
  const target = await definition.start({ sentinels: true });
  const record = new AuditRecord(target.secrets);
  const { client, transport } = clientFor(target.createAdapter(), record);
  try {
    await driveSuccesses(client, target, record);
    await driveFailures(client, target, record);
    await driveCallbacks(client, target, record);
  } finally {
    client.close();
    transport.close();
    await target.close();
  }
  return { name: definition.name, definition, target, record };
}

const audits = await Promise.all(adapterTargets.map(audit));

describe.each(audits)("secret-leak audit: $name", ({ definition, target, record }) => {
  it("configured the adapter with the sentinel credentials", () => {
    const configured = Object.values(definition.sentinels).filter((sentinel) =>
      target.secrets.includes(sentinel),
    );
    expect(configured.length).toBeGreaterThanOrEqual(1);
  });

  it("drove every path: many log lines, errors of several kinds, results, secrets on the wire", () => {
    expect(record.capture.lines.length).toBeGreaterThan(10);
    const codes = new Set(record.errors.map((error) => (error as KaquanError).code));
    expect(codes.size, [...codes].join(", ")).toBeGreaterThanOrEqual(3);
    expect(record.results.length).toBeGreaterThan(5);
    expect(record.traffic.values().length).toBeGreaterThan(0);
  });

  it("leaks no sentinel, signature, token or card code in any log line or error", () => {
    expect(record.leaks()).toEqual([]);
  });
});

describe("secret-leak audit: a signed-form platform", () => {
  const credentials = {
    merchantId: "M10001",
    secretKey: "xingyun-demo-secret-0001",
    cardKey: "0123456789abcdef",
    cardIv: "fedcba9876543210",
  };

  it("leaks no secret key, signature or card code", async () => {
    const platform = await startXingyunStandIn();
    const record = new AuditRecord([credentials.secretKey, credentials.cardKey, credentials.cardIv]);
    const adapter = defineSignedFormAdapter(xingyunSpec).create({
      credentials,
      endpoint: platform.url,
      pollIntervalMs: 20,
    });
    const { client, transport } = clientFor(adapter, record);
    try {
      const orders = [
        { merchantOrderId: freshOrderId("xycard"), kind: "card" as const, sku: "501" },
        {
          merchantOrderId: freshOrderId("xydirect"),
          kind: "direct" as const,
          sku: "601",
          account: "player-1",
        },
      ];
      for (const order of orders) {
        await record.attempt(() => client.placeOrder(order));
        record.keepCards(
          await record.attempt(() => client.waitForFinal(order.merchantOrderId, { deadlineMs: 3_000 })),
        );
      }
      await record.attempt(() => client.getProduct("999"));
      await record.attempt(() => client.getOrder("auditmissing0002"));
      const handler = createCallbackHandler({
        clients: [client],
        onEvent: () => {},
        logger: record.capture.logger,
      });
      const forged = new URLSearchParams({
        out_trade_no: orders[0]!.merchantOrderId,
        trade_no: "XY1",
        state: "2",
        sign: "F".repeat(32),
      }).toString();
      const result = await handler.handle({ supplier: client.supplier, body: forged, headers: {} });
      if (result.error) record.errors.push(result.error);
    } finally {
      client.close();
      transport.close();
      await platform.close();
    }
    expect(record.cardCodes.size).toBeGreaterThan(0);
    expect(record.traffic.values().length).toBeGreaterThan(0);
    expect(record.leaks()).toEqual([]);
  });
});

describe("the secret-leak audit can fail", () => {
  it("finds a sentinel logged without kaquan's redaction", () => {
    const record = new AuditRecord(["SENTINEL-PLANTED-SECRET-0001"]);
    record.capture.logger.info({ appSecret: "SENTINEL-PLANTED-SECRET-0001" }, "planted");
    expect(record.leaks()).toEqual([{ value: "SENTINEL-PLANTED-SECRET-0001", where: "log lines" }]);
  });

  it("finds a token deep in an error's cause chain, and a card code in a result", () => {
    const record = new AuditRecord(["PLANTED-TOKEN-0123456789"]);
    record.cardCodes.add("PLANTED-CARD-CODE-42");
    record.errors.push(
      new NoAnswerError("clean message", {
        cause: new Error("inner", { cause: "PLANTED-TOKEN-0123456789" }),
      }),
    );
    record.results.push({ cards: [{ password: "PLANTED-CARD-CODE-42" }] });
    expect(record.leaks().map((leak) => leak.where)).toEqual(["errors", "results"]);
  });

  it("learns signatures and tokens from the traffic, not only the configured secrets", async () => {
    const definition = adapterTargets.find((candidate) => candidate.name.startsWith("reloadly"))!;
    const target = await definition.start({ sentinels: true });
    const record = new AuditRecord([]);
    const { client, transport } = clientFor(target.createAdapter(), record);
    try {
      await record.attempt(() => client.getBalance());
    } finally {
      client.close();
      transport.close();
      await target.close();
    }
    // The client secret it sent, and the access token it was given.
    const seen = record.traffic.values();
    expect(seen).toContain(definition.sentinels.clientSecret);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });
});
