/**
 * Fuzzes every public method's input: random order requests to a client and to the router,
 * random ids, quantities and deadlines to its reads, and random options (one field corrupted at a
 * time, or anything at all) to every factory — adapters, client, router, callback handler, poller,
 * transport, stores. Each call either succeeds or throws a KaquanError; a ValidationError or
 * ConfigurationError names the field to fix; and input that fails validation never reaches the
 * transport, which records every request it is asked to send (and sends none: it answers
 * "not sent", so a valid call ends in a typed error too).
 */
import fc from "fast-check";
import {
  ConfigurationError,
  createHttpTransport,
  createSupplierClient,
  KaquanError,
  NotSentError,
  OrderRequestSchema,
  type SupplierAdapter,
  type SupplierClient,
  ValidationError,
} from "kaquan";
import { createBitrefillAdapter } from "kaquan/adapters/bitrefill";
import { createChengquanAdapter } from "kaquan/adapters/chengquan";
import { createDingAdapter } from "kaquan/adapters/ding";
import { createDtoneAdapter } from "kaquan/adapters/dtone";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createJuheAdapter } from "kaquan/adapters/juhe";
import { createOfpayAdapter } from "kaquan/adapters/ofpay";
import { createReloadlyAdapter } from "kaquan/adapters/reloadly";
import { createTangoAdapter } from "kaquan/adapters/tango";
import { createCallbackHandler, createStatusPoller, MemoryEventClaimStore } from "kaquan/callbacks";
import { describe, expect, it } from "vitest";
import { createSupplierRouter } from "../../src/routing/index.js";
import { describeError, fuzzParameters, outcomeOf, quietLogger, scriptedTransport } from "./fuzz-kit.js";

const runs = 150;
const endpoint = "http://127.0.0.1:9";

/** A transport that records requests and sends none: every request fails as not sent. */
function refusingTransport() {
  return scriptedTransport(() => {
    throw new NotSentError("loopback test transport: not sent");
  });
}

function fuluAdapter(): SupplierAdapter {
  return createFuluAdapter({ appKey: "audit-app-key", appSecret: "a".repeat(32), endpoint });
}

function clientWith(http = refusingTransport()): { client: SupplierClient; http: typeof http } {
  const client = createSupplierClient({
    adapter: fuluAdapter(),
    http,
    logger: quietLogger,
    retry: { maxAttempts: 1 },
    resolveTimeoutMs: 50,
    pollIntervalMs: 5,
    notFoundGraceMs: 5,
    health: false,
  });
  return { client, http };
}

/** A value of any type, biased toward the near misses validation must catch. */
const junk = fc.oneof(
  fc.constantFrom(undefined, null, "", " ", 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, [], {}, true),
  fc.string({ maxLength: 80 }),
  fc.integer(),
  fc.anything({ maxDepth: 2 }),
);

const validMoney = fc.constantFrom(
  { amount: "10.00", currency: "CNY" },
  { amount: "100", currency: "CNY" },
  { amount: "5.00", currency: "USD" },
);

/** Order requests: mostly well-formed, each field sometimes replaced by junk, some keys missing. */
const orderInputs = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        merchantOrderId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), junk),
        kind: fc.oneof(fc.constantFrom("card", "direct", "mobile"), junk),
        sku: fc.oneof(fc.constantFrom("10000001", "10000002"), junk),
        quantity: fc.oneof(fc.integer({ min: 1, max: 5 }), junk),
        account: fc.oneof(fc.constantFrom("player-1", "13800138000"), junk),
        faceValue: fc.oneof(validMoney, junk, fc.record({ amount: junk, currency: junk })),
        maxCost: fc.oneof(validMoney, junk),
        accountFields: fc.oneof(fc.constant({ region: "QQ" }), junk),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: junk },
);

/** Whether an error names something the caller can find: an issue path, or a field in the message. */
function namesTheProblem(error: unknown): boolean {
  if (ValidationError.isInstance(error))
    return error.issues.length > 0 && error.issues.every((issue) => issue.message.length > 0);
  return KaquanError.isInstance(error) && error.message.length > 10;
}

/** The call's outcome is a value or a KaquanError; a refusal of input sent nothing. */
function expectTypedOutcome(
  result: { ok: true; value: unknown } | { ok: false; error: unknown },
  requestsSent: number,
  inputValid: boolean | undefined,
) {
  if (result.ok) {
    if (inputValid === false) expect.fail("invalid input was accepted");
    return;
  }
  const { error } = result;
  expect(KaquanError.isInstance(error), describeError(error)).toBe(true);
  const refusedInput = ValidationError.isInstance(error) || ConfigurationError.isInstance(error);
  if (inputValid === false) expect(refusedInput, describeError(error)).toBe(true);
  if (refusedInput) {
    expect(requestsSent, "refused input reached the transport").toBe(0);
    expect(namesTheProblem(error), describeError(error)).toBe(true);
  }
}

describe("client methods: typed errors, and no request for input that fails validation", () => {
  it("placeOrder", async () => {
    await fc.assert(
      fc.asyncProperty(orderInputs, async (input) => {
        const { client, http } = clientWith();
        const valid = OrderRequestSchema.safeParse(input).success;
        const result = await outcomeOf(client.placeOrder(input as never));
        expectTypedOutcome(result, http.requests.length, valid ? undefined : false);
        if (ValidationError.isInstance(result.ok ? undefined : result.error) && valid) {
          // A schema-valid order refused by the adapter (Fulu needs a sku for cards): say which field.
          expect((result as { error: ValidationError }).error.issues.length).toBeGreaterThan(0);
        }
      }),
      fuzzParameters(runs),
    );
  });

  it("getOrder, waitForFinal, getStock, getProduct, getBalance", async () => {
    const ids = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), junk);
    // Only finite deadlines: `undefined` means the 120 s default, and whether NaN or Infinity are
    // refused is src/client's to decide (docs/proof.md, "Known gaps").
    const deadlines = fc.constantFrom(-1, 0, 1, 20);
    await fc.assert(
      fc.asyncProperty(
        ids,
        deadlines,
        junk,
        fc.oneof(fc.integer({ min: 1, max: 3 }), junk),
        async (id, deadline, sku, quantity) => {
          const { client, http } = clientWith();
          const validId = typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id);
          expectTypedOutcome(
            await outcomeOf(client.getOrder(id as string)),
            validId ? 0 : http.requests.length,
            validId ? undefined : false,
          );
          const before = http.requests.length;
          const waited = await outcomeOf(
            client.waitForFinal(id as string, { deadlineMs: deadline as number }),
          );
          expectTypedOutcome(waited, http.requests.length - before, undefined);
          const beforeStock = http.requests.length;
          const stock = await outcomeOf(client.getStock(sku as string, quantity as number));
          expectTypedOutcome(stock, http.requests.length - beforeStock, undefined);
          const beforeProduct = http.requests.length;
          expectTypedOutcome(
            await outcomeOf(client.getProduct(sku as string)),
            http.requests.length - beforeProduct,
            undefined,
          );
          expectTypedOutcome(await outcomeOf(client.getBalance()), 0, undefined);
          // A call option that is not an AbortSignal is a ValidationError naming `signal`.
          const beforeSignal = http.requests.length;
          expectTypedOutcome(
            await outcomeOf(client.getBalance({ signal: sku as AbortSignal })),
            http.requests.length - beforeSignal,
            undefined,
          );
        },
      ),
      fuzzParameters(Math.ceil(runs / 3)),
    );
  });

  it("the router's placeOrder", async () => {
    const { client, http } = clientWith();
    const router = createSupplierRouter({
      suppliers: [client],
      routes: [{ sku: "GAME-100", kind: "direct", offers: [{ supplier: "fulu", sku: "10000001" }] }],
    });
    const routed = fc.oneof(
      fc.record(
        {
          merchantOrderId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/), junk),
          sku: fc.oneof(fc.constantFrom("GAME-100", "NO-SUCH-ROUTE"), junk),
          quantity: fc.oneof(fc.integer({ min: 1, max: 3 }), junk),
          account: fc.oneof(fc.constant("player-1"), junk),
          maxCost: fc.oneof(validMoney, junk),
        },
        { requiredKeys: [] },
      ),
      junk,
    );
    await fc.assert(
      fc.asyncProperty(routed, async (input) => {
        const before = http.requests.length;
        const result = await outcomeOf(router.placeOrder(input as never));
        expectTypedOutcome(result, http.requests.length - before, undefined);
      }),
      fuzzParameters(runs),
    );
  });
});

/** A factory, options it accepts, and how to release what it built. */
interface FactoryCase {
  name: string;
  valid: () => Record<string, unknown>;
  create: (options: unknown) => unknown;
  /** Option keys left out of the corruption, each with the defect that keeps it out (docs/proof.md). */
  notFuzzed?: readonly string[];
}

const client = () => clientWith().client;
const factories: FactoryCase[] = [
  {
    name: "createFuluAdapter",
    valid: () => ({ appKey: "k", appSecret: "a".repeat(32), endpoint }),
    create: (o) => createFuluAdapter(o as never),
  },
  {
    name: "createJuheAdapter",
    valid: () => ({ key: "k", openId: "o", endpoint }),
    create: (o) => createJuheAdapter(o as never),
  },
  {
    name: "createOfpayAdapter",
    valid: () => ({ userId: "A1", password: "p", keyStr: "k", endpoint }),
    create: (o) => createOfpayAdapter(o as never),
  },
  {
    name: "createChengquanAdapter",
    valid: () => ({ appId: "1", appKey: "k", aesKey: "a".repeat(16), aesIv: "b".repeat(16), endpoint }),
    create: (o) => createChengquanAdapter(o as never),
  },
  {
    name: "createReloadlyAdapter",
    valid: () => ({ clientId: "c", clientSecret: "s", environment: "sandbox", product: "airtime" }),
    create: (o) => createReloadlyAdapter(o as never),
  },
  {
    name: "createDtoneAdapter",
    valid: () => ({ apiKey: "k", apiSecret: "s", environment: "sandbox", endpoint }),
    create: (o) => createDtoneAdapter(o as never),
  },
  {
    name: "createTangoAdapter",
    valid: () => ({
      platformName: "p",
      platformKey: "k",
      environment: "sandbox",
      customerIdentifier: "c",
      accountIdentifier: "a",
      endpoint,
    }),
    create: (o) => createTangoAdapter(o as never),
  },
  {
    name: "createDingAdapter",
    valid: () => ({ apiKey: "k", endpoint }),
    create: (o) => createDingAdapter(o as never),
  },
  {
    name: "createBitrefillAdapter",
    valid: () => ({ auth: { bearer: "k" }, endpoint }),
    create: (o) => createBitrefillAdapter(o as never),
  },
  {
    name: "createSupplierClient",
    valid: () => ({ adapter: fuluAdapter(), http: refusingTransport() }),
    create: (o) => createSupplierClient(o as never),
  },
  {
    name: "createHttpTransport",
    valid: () => ({ timeoutMs: 1_000 }),
    create: (o) => createHttpTransport(o as never),
  },
  {
    name: "createCallbackHandler",
    valid: () => ({ clients: [client()], onEvent: () => {} }),
    create: (o) => createCallbackHandler(o as never),
  },
  {
    name: "createStatusPoller",
    valid: () => ({ clients: [client()], onEvent: () => {} }),
    create: (o) => createStatusPoller(o as never),
  },
  {
    name: "createSupplierRouter",
    valid: () => ({
      suppliers: [client()],
      routes: [{ sku: "S", kind: "card", offers: [{ supplier: "fulu", sku: "1" }] }],
    }),
    create: (o) => createSupplierRouter(o as never),
  },
  {
    name: "MemoryEventClaimStore",
    valid: () => ({ now: Date.now }),
    create: (o) => new MemoryEventClaimStore(o as never),
  },
];

describe.each(factories)("$name options", ({ valid, create, notFuzzed = [] }) => {
  it("accepts its valid options", () => {
    expect(() => create(valid())).not.toThrow();
  });

  it("with one field corrupted, or anything at all, builds or throws a typed error naming the field", () => {
    const keys = Object.keys(valid()).filter((key) => !notFuzzed.includes(key));
    const unknownKeys = fc.string({ maxLength: 12 }).filter((key) => !notFuzzed.includes(key));
    const corrupted = fc.oneof(
      fc
        .tuple(fc.constantFrom(...keys), junk)
        .map(([key, value]) => ({ key, options: { ...valid(), [key]: value } })),
      fc.tuple(unknownKeys, junk).map(([key, value]) => ({ key, options: { ...valid(), [key]: value } })),
      junk.map((options) => ({ key: undefined, options })),
    );
    fc.assert(
      fc.property(corrupted, ({ key, options }) => {
        let built: unknown;
        try {
          built = create(options);
        } catch (error) {
          expect(KaquanError.isInstance(error), describeError(error)).toBe(true);
          expect(
            ValidationError.isInstance(error) || ConfigurationError.isInstance(error),
            describeError(error),
          ).toBe(true);
          if (key !== undefined && keys.includes(key)) {
            const named =
              (error as Error).message.includes(key) ||
              (ValidationError.isInstance(error) && error.issues.some((issue) => issue.path.includes(key)));
            expect(named, `${key}: ${describeError(error)}`).toBe(true);
          }
          return;
        }
        (built as { close?: () => void }).close?.();
      }),
      fuzzParameters(runs),
    );
  });
});
