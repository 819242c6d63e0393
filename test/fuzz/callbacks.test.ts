/**
 * Fuzzes every adapter's callback verification and the callback handler in front of it
 * (promise 3: no forged or replayed callback is applied):
 * - a genuine callback, signed as the supplier signs it, verifies;
 * - random bodies and headers, and genuine callbacks with a byte flipped, a field added, removed
 *   or repeated, the signature replaced or its case changed, the timestamp shifted or a header
 *   dropped, are rejected with a KaquanError — unless the change leaves what the callback says
 *   untouched (hex letter case, form escaping);
 * - through the handler, nothing is applied from a callback that does not verify, and a callback
 *   of a supplier that does not sign them is never applied without a query confirming it: the
 *   stored order only ever takes the state the supplier's own answer gives.
 */
import fc from "fast-check";
import {
  createSupplierClient,
  KaquanError,
  MemoryIdempotencyStore,
  type OrderUpdate,
  OrderUpdateSchema,
  type RawCallback,
  ReplayError,
  type StatusEvent,
  type SupplierAdapter,
  systemClock,
} from "kaquan";
import { createCallbackHandler } from "kaquan/callbacks";
import { describe, expect, it } from "vitest";
import { adapterTargets, type CallbackFixture, type RunningTarget } from "./adapter-targets.js";
import { bodyText, callbackMutation, lookalikeCallback, mutateCallback } from "./callback-mutations.js";
import {
  describeError,
  fuzzParameters,
  fuzzTimeoutMs,
  outcomeOf,
  quietLogger,
  type Recording,
  recordAnswers,
  recordedAnswer,
  replayTransport,
  scriptedTransport,
} from "./fuzz-kit.js";

const runs = { genuine: 15, random: 60, mutated: 80, handler: 40 };
const nowMs = Date.now();
const accepted = new Set(["delivered", "duplicate", "recorded", "awaiting_codes"]);

const recorded = await Promise.all(
  adapterTargets.map(async (definition) => {
    const target = await definition.start();
    try {
      return { target, recording: await recordAnswers(target, nowMs) };
    } finally {
      await target.close();
    }
  }),
);

const context = () => ({
  http: scriptedTransport(() => {
    throw new Error("verifying a callback must not make a request");
  }),
  clock: systemClock,
  logger: quietLogger,
});

/** What a callback says about an order: the part a forgery would want to change. */
function meaning(update: OrderUpdate) {
  return {
    merchantOrderId: update.merchantOrderId,
    status: update.status,
    supplierOrderId: update.supplierOrderId,
    vendorStatus: update.vendorStatus,
    cost: update.cost,
    failure: update.failure?.vendorCode,
  };
}

const orderIds = fc.stringMatching(/^[A-Za-z0-9]{8,32}$/);
const outcomes = fc.constantFrom("success" as const, "failed" as const);

/**
 * A mutated genuine callback is rejected by `subject` with a KaquanError, or accepted only when
 * `reference` (the real adapter) reads the same meaning from the genuine one.
 */
function mutatedCallbackProperty(
  fixture: CallbackFixture,
  subject: SupplierAdapter,
  reference: SupplierAdapter,
) {
  const signedCapability = reference.capabilities.callbacks === "signed";
  return fc.asyncProperty(
    orderIds,
    outcomes,
    fc.array(callbackMutation, { minLength: 1, maxLength: 3 }),
    async (merchantOrderId, outcome, mutations) => {
      const genuine = fixture.build(merchantOrderId, outcome);
      const original = await reference.verifyCallback!(genuine, context());
      const mutated = mutateCallback(genuine, mutations);
      const result = await outcomeOf(subject.verifyCallback!(mutated, context()));
      if (!result.ok) {
        expect(KaquanError.isInstance(result.error), describeError(result.error)).toBe(true);
        return;
      }
      // Accepted: the change must be one that means nothing (hex letter case, form escaping).
      // A supplier whose signature covers only the ids (Juhe) is re-queried: the ids must hold.
      if (signedCapability) expect(meaning(result.value.update)).toEqual(meaning(original.update));
      else expect(result.value.update.merchantOrderId).toBe(original.update.merchantOrderId);
    },
  );
}

const withCallbacks = recorded.filter(({ target }) => target.callbacks !== undefined);

describe.each(withCallbacks)("$target.name callbacks", ({ target }) => {
  const fixture = target.callbacks!;
  const adapter = target.createAdapter();
  const signedCapability = adapter.capabilities.callbacks === "signed";

  it("accepts a genuine callback and reads its order", async () => {
    await fc.assert(
      fc.asyncProperty(orderIds, outcomes, async (merchantOrderId, outcome) => {
        const verified = await adapter.verifyCallback!(fixture.build(merchantOrderId, outcome), context());
        expect(OrderUpdateSchema.safeParse(verified.update).success).toBe(true);
        expect(verified.update.merchantOrderId).toBe(merchantOrderId);
        if (signedCapability)
          expect(verified.update.status).toBe(outcome === "success" ? "succeeded" : "failed");
      }),
      fuzzParameters(runs.genuine),
    );
  });

  it(
    "rejects random callbacks with a KaquanError (an unsigned supplier's may parse, to be re-fetched)",
    async () => {
      await fc.assert(
        fc.asyncProperty(lookalikeCallback(fixture.build("fuzzorder0001", "success")), async (callback) => {
          const outcome = await outcomeOf(adapter.verifyCallback!(callback, context()));
          if (!outcome.ok) {
            expect(KaquanError.isInstance(outcome.error), describeError(outcome.error)).toBe(true);
            return;
          }
          expect(fixture.signed, "a random callback verified").toBe(false);
          expect(OrderUpdateSchema.safeParse(outcome.value.update).success).toBe(true);
        }),
        fuzzParameters(runs.random),
      );
    },
    fuzzTimeoutMs(runs.random),
  );
});

// Only the suppliers that sign their callbacks get the mutation property: an unsigned one is
// re-fetched by the handler, which the handler property below covers for every supplier.
const withSignedCallbacks = withCallbacks.filter(({ target }) => target.callbacks!.signed);

describe.each(withSignedCallbacks)("$target.name signed callbacks", ({ target }) => {
  const fixture = target.callbacks!;
  const adapter = target.createAdapter();

  it(
    "rejects a mutated signed callback unless what it says is unchanged",
    async () => {
      await fc.assert(mutatedCallbackProperty(fixture, adapter, adapter), fuzzParameters(runs.mutated));
    },
    fuzzTimeoutMs(runs.mutated),
  );
});

// Only suppliers whose signature covers a timestamp can refuse a stale one by its age.
const withTimestampedCallbacks = withCallbacks.filter(({ target }) => target.callbacks!.signedAt);

describe.each(withTimestampedCallbacks)("$target.name timestamped callbacks", ({ target }) => {
  const fixture = target.callbacks!;
  const adapter = target.createAdapter();

  it("refuses a correctly signed callback whose timestamp is outside the replay window", async () => {
    const genuine = fixture.build("fuzzorder0002", "success");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 301, max: 10_000_000 }), fc.integer({ min: -10_000_000, max: -301 })),
        async (shiftSeconds) => {
          const body = typeof genuine.body === "string" ? genuine.body : Buffer.from(genuine.body).toString();
          const stale = fixture.signedAt!(body, String(Date.now() + shiftSeconds * 1000));
          const result = await outcomeOf(adapter.verifyCallback!(stale, context()));
          expect(result.ok).toBe(false);
          if (!result.ok)
            expect(ReplayError.isInstance(result.error), describeError(result.error)).toBe(true);
        },
      ),
      fuzzParameters(runs.genuine),
    );
  });
});

/** A client holding one processing order, its handler, and what its transport was asked. */
async function handlerFor(target: RunningTarget, recording: Recording, adapter = target.createAdapter()) {
  const order = target.orders[0]!;
  const http = replayTransport(recording, `queryOrder:${order.kind}`);
  const client = createSupplierClient({
    adapter,
    http,
    store: new MemoryIdempotencyStore(),
    retry: { maxAttempts: 1 },
    logger: quietLogger,
  });
  await client.applyUpdate({
    merchantOrderId: order.merchantOrderId,
    status: "processing",
    source: "local",
    kind: order.kind,
  });
  const events: StatusEvent[] = [];
  const handler = createCallbackHandler({ clients: [client], onEvent: (event) => void events.push(event) });
  return { order, http, client, handler, events };
}

/** The status the supplier's own answer gives a target's first order (what a re-fetch applies). */
async function queriedStatus(target: RunningTarget, recording: Recording): Promise<string | undefined> {
  const order = target.orders[0]!;
  const exchanges = recording.get(`queryOrder:${order.kind}`) ?? [];
  const http = scriptedTransport((request, index) => recordedAnswer(exchanges, recording, request, index));
  const update = await target
    .createAdapter()
    .queryOrder(order.merchantOrderId, { ...context(), http }, { kind: order.kind });
  return update?.status;
}

/** Callbacks for a target's first order: genuine, mutated, look-alike (or noise without callbacks). */
function callbacksFor(target: RunningTarget): fc.Arbitrary<RawCallback> {
  const fixture = target.callbacks;
  const order = target.orders[0]!;
  if (!fixture) {
    return fc.record({
      body: fc.oneof(fc.string({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 })),
      headers: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    });
  }
  return fc.oneof(
    outcomes.map((outcome) => fixture.build(order.merchantOrderId, outcome)),
    fc
      .tuple(outcomes, fc.array(callbackMutation, { minLength: 1, maxLength: 3 }))
      .map(([outcome, mutations]) =>
        mutateCallback(fixture.build(order.merchantOrderId, outcome), mutations),
      ),
    lookalikeCallback(fixture.build(order.merchantOrderId, "failed")),
  );
}

/**
 * Through the handler (with a client built on `createAdapter`), a callback that is not accepted
 * changes nothing; one that is accepted verifies with the real adapter (signed suppliers) or was
 * re-fetched, the stored state being the supplier's answer (unsigned ones).
 */
function handlerProperty(
  target: RunningTarget,
  recording: Recording,
  callbacks: fc.Arbitrary<RawCallback>,
  fromQuery: string | undefined,
  createAdapter: () => SupplierAdapter,
) {
  const reference = target.createAdapter();
  const order = target.orders[0]!;
  return fc.asyncProperty(callbacks, async (callback) => {
    const { http, client, handler, events } = await handlerFor(target, recording, createAdapter());
    const handled = await outcomeOf(handler.handle({ supplier: client.supplier, ...callback }));
    expect(handled.ok, handled.ok ? "" : describeError(handled.error)).toBe(true);
    if (!handled.ok) return;
    const result = handled.value;
    const stored = await client.getStoredOrder(order.merchantOrderId);
    if (!accepted.has(result.outcome)) {
      expect(result.ack.status).toBeGreaterThanOrEqual(400);
      expect(KaquanError.isInstance(result.error), describeError(result.error)).toBe(true);
      expect(events).toHaveLength(0);
      expect(stored?.status).toBe("processing");
      return;
    }
    expect(result.ack.status).toBeLessThan(300);
    if (reference.capabilities.callbacks === "signed") {
      // Accepted from the body: it must verify on its own.
      const verified = await outcomeOf(reference.verifyCallback!(callback, context()));
      expect(verified.ok, "an accepted callback does not verify").toBe(true);
    } else {
      // Never from the body: the stored state is the supplier's answer to a query.
      expect(http.requests.length, "applied without a query").toBeGreaterThan(0);
      expect(["processing", fromQuery]).toContain(stored?.status);
    }
  });
}

describe.each(recorded)("$target.name callbacks through the handler", ({ target, recording }) => {
  it(
    "applies nothing that does not verify, and re-fetches before applying an unsigned callback",
    async () => {
      const fromQuery = await queriedStatus(target, recording);
      await fc.assert(
        handlerProperty(target, recording, callbacksFor(target), fromQuery, () => target.createAdapter()),
        fuzzParameters(runs.handler),
      );
    },
    fuzzTimeoutMs(runs.handler),
  );
});

describe.each(withCallbacks)("$target.name genuine callback through the handler", ({ target, recording }) => {
  const fixture = target.callbacks!;
  const adapter = target.createAdapter();
  const order = target.orders[0]!;

  it("delivers a genuine callback's state", async () => {
    const { handler, client, events } = await handlerFor(target, recording);
    const result = await handler.handle({
      supplier: client.supplier,
      ...fixture.build(order.merchantOrderId, "success"),
    });
    expect(accepted.has(result.outcome), `${result.outcome}: ${describeError(result.error)}`).toBe(true);
    const stored = await client.getStoredOrder(order.merchantOrderId);
    const expected =
      adapter.capabilities.callbacks === "signed" ? "succeeded" : await queriedStatus(target, recording);
    expect(stored?.status).toBe(expected);
    if (stored?.status !== "processing")
      expect(events.map((event) => event.status)).toContain(stored?.status);
  });
});

describe("the callback properties can fail", () => {
  // Each property is run against a verifier broken the way it guards against; fast-check must
  // find a counterexample, or the property proves nothing.
  const selfCheck = { numRuns: 200, seed: 7 };
  const fulu = recorded.find((entry) => entry.target.name === "fulu")!;
  const ofpay = recorded.find((entry) => entry.target.name === "ofpay")!;

  /** Reads a Fulu callback's fields without checking its signature. */
  const trusting = (reference: SupplierAdapter): SupplierAdapter => ({
    ...reference,
    async verifyCallback(callback) {
      const fields = JSON.parse(bodyText(callback)) as Record<string, unknown>;
      return {
        update: {
          merchantOrderId: String(fields.customer_order_no ?? ""),
          supplier: "fulu",
          status: fields.order_status === "success" ? "succeeded" : "failed",
          vendorStatus: String(fields.order_status ?? ""),
          source: "callback",
        },
      };
    },
  });

  it("catches a verifier that does not check the signature", async () => {
    const reference = fulu.target.createAdapter();
    const property = mutatedCallbackProperty(fulu.target.callbacks!, trusting(reference), reference);
    expect((await fc.check(property, selfCheck)).failed).toBe(true);
  });

  it("catches a handler that applies an unsigned callback's claim without a query", async () => {
    // OFPay's callbacks are unsigned; declaring them signed applies the body as it came.
    const believing = () => {
      const adapter = ofpay.target.createAdapter();
      return { ...adapter, capabilities: { ...adapter.capabilities, callbacks: "signed" as const } };
    };
    const fromQuery = await queriedStatus(ofpay.target, ofpay.recording);
    const forged = fc.constant(
      ofpay.target.callbacks!.build(ofpay.target.orders[0]!.merchantOrderId, "failed"),
    );
    const property = handlerProperty(ofpay.target, ofpay.recording, forged, fromQuery, believing);
    expect((await fc.check(property, { ...selfCheck, numRuns: 1 })).failed).toBe(true);
  });
});
