/**
 * Fuzzes every adapter's answer parsing. Each adapter's genuine answers are recorded from its
 * simulator once; each run then replays them through a scripted transport with mutations (wrong
 * types, missing and extra fields, huge and negative numbers, NaN strings, unicode, HTML, garbage
 * and GBK bytes, truncation, random statuses and headers) and checks:
 * - every operation resolves with a value its core schema accepts, or rejects with a KaquanError;
 * - an order placement whose answer is unreadable never rejects as `rejected` (promise 2): only
 *   a bare 401/403, the supplier refusing the credentials, may;
 * - a vendor status the adapter has never seen gives `unknown` (or `processing`), never a final
 *   state.
 */
import fc from "fast-check";
import {
  type AdapterContext,
  AuthenticationError,
  BalanceSchema,
  KaquanError,
  OrderUpdateSchema,
  ProductSchema,
  RequestRejectedError,
  StockLevelSchema,
  type SupplierAdapter,
} from "kaquan";
import { describe, expect, it } from "vitest";
import { adapterTargets, type RunningTarget } from "./adapter-targets.js";
import {
  type DrivenOperation,
  describeError,
  drivenOperations,
  fixedClock,
  fuzzParameters,
  fuzzTimeoutMs,
  httpResponse,
  type OperationName,
  outcomeOf,
  quietLogger,
  type Recording,
  recordAnswers,
  recordedAnswer,
  scriptedTransport,
} from "./fuzz-kit.js";
import {
  ambiguousMutation,
  applyMutations,
  isAmbiguous,
  type MutationPlan,
  mutatedStatus,
  mutationPlan,
  planTargets,
  replaceStatuses,
  responseMutation,
  unseenStatus,
} from "./response-mutations.js";

const runs = { mutated: 40, ambiguous: 25, unseenStatus: 15 };
const nowMs = Date.now();

// The simulators are only needed to record genuine answers; every run replays them offline.
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

function replay(target: RunningTarget, recording: Recording, operation: OperationName, plan: MutationPlan) {
  const exchanges = recording.get(operation) ?? [];
  const resign = plan.resign ? target.resignAnswer : undefined;
  return scriptedTransport((request, index) => {
    const answer = recordedAnswer(exchanges, recording, request, index);
    return planTargets(plan, index, exchanges.length)
      ? applyMutations(answer, plan.mutations, resign)
      : answer;
  });
}

function contextFor(http: AdapterContext["http"]): AdapterContext {
  return { http, clock: fixedClock(nowMs), logger: quietLogger };
}

/** Whether a resolved value is what the operation promises, by the core schemas. */
function validResult(operation: OperationName, value: unknown): boolean {
  if (operation.startsWith("placeOrder:")) return OrderUpdateSchema.safeParse(value).success;
  if (operation.startsWith("queryOrder:"))
    return value === undefined || OrderUpdateSchema.safeParse(value).success;
  if (operation === "listProducts")
    return Array.isArray(value) && value.every((product) => ProductSchema.safeParse(product).success);
  if (operation.startsWith("getProduct"))
    return value === undefined || ProductSchema.safeParse(value).success;
  if (operation === "getBalance") return BalanceSchema.safeParse(value).success;
  if (operation === "getStock") return StockLevelSchema.safeParse(value).success;
  return false;
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 2_000) ?? String(value);
  } catch {
    return String(value);
  }
}

type AdapterFactory = () => SupplierAdapter;

/** Every operation resolves schema-valid or rejects with a KaquanError, whatever the answers. */
function mutatedAnswersProperty(
  target: RunningTarget,
  recording: Recording,
  operation: DrivenOperation,
  createAdapter: AdapterFactory,
) {
  return fc.asyncProperty(mutationPlan(responseMutation), async (plan) => {
    const http = replay(target, recording, operation.name, plan);
    const outcome = await outcomeOf(operation.run(createAdapter(), contextFor(http)));
    if (outcome.ok) {
      expect(validResult(operation.name, outcome.value), `invalid result ${show(outcome.value)}`).toBe(true);
    } else {
      expect(KaquanError.isInstance(outcome.error), describeError(outcome.error)).toBe(true);
    }
  });
}

/** An order placement never turns an unreadable answer into a rejection (promise 2). */
function ambiguousAnswersProperty(
  target: RunningTarget,
  recording: Recording,
  operation: DrivenOperation,
  createAdapter: AdapterFactory,
) {
  return fc.asyncProperty(mutationPlan(ambiguousMutation), async (plan) => {
    expect(isAmbiguous(plan.mutations)).toBe(true);
    const http = replay(target, recording, operation.name, plan);
    const outcome = await outcomeOf(operation.run(createAdapter(), contextFor(http)));
    if (outcome.ok) {
      expect(validResult(operation.name, outcome.value), show(outcome.value)).toBe(true);
      return;
    }
    const error = outcome.error;
    expect(KaquanError.isInstance(error), describeError(error)).toBe(true);
    if ((error as KaquanError).failureClass !== "rejected") return;
    // A bare 401/403 is the supplier refusing the credentials: nothing was placed.
    const status = mutatedStatus(plan.mutations);
    expect(
      AuthenticationError.isInstance(error) && (status === 401 || status === 403),
      `an unreadable answer became a rejection: ${describeError(error)}`,
    ).toBe(true);
  });
}

/** A vendor status the adapter has never seen is `unknown` (or `processing`), never final. */
function unseenStatusProperty(
  target: RunningTarget,
  recording: Recording,
  operation: DrivenOperation,
  createAdapter: AdapterFactory,
) {
  return fc.asyncProperty(unseenStatus, async (unseen) => {
    const exchanges = recording.get(operation.name) ?? [];
    const http = scriptedTransport((request, index) => {
      const answer = recordedAnswer(exchanges, recording, request, index);
      const document = parseJson(answer.text);
      if (document === undefined) return answer;
      const replaced = replaceStatuses(document, target.statusKeys, unseen);
      const signed = target.resignAnswer ? target.resignAnswer(replaced) : replaced;
      return httpResponse(answer.status, answer.headers, JSON.stringify(signed));
    });
    const outcome = await outcomeOf(operation.run(createAdapter(), contextFor(http)));
    expect(outcome.ok, outcome.ok ? "" : describeError(outcome.error)).toBe(true);
    if (!outcome.ok) return;
    const update = outcome.value as { status?: string } | undefined;
    expect(update, "an order with an unseen status was reported missing").toBeDefined();
    expect(["unknown", "processing"], show(update)).toContain(update?.status);
  });
}

/** The operations of a target that exchanged something with the supplier when recorded. */
function recordedOperations(target: RunningTarget, recording: Recording): DrivenOperation[] {
  return drivenOperations(target, target.createAdapter()).filter((operation) =>
    recording.has(operation.name),
  );
}

/** The order reads whose recorded answers carry a vendor status the fuzzer can replace. */
function statusBearing(target: RunningTarget, recording: Recording): DrivenOperation[] {
  const probe = { text: "unseen-probe", number: 4_321 };
  return recordedOperations(target, recording).filter((operation) => {
    if (!operation.readsOrder || operation.name === "queryOrder:missing") return false;
    return (recording.get(operation.name) ?? []).some((exchange) => {
      const document = parseJson(exchange.response.text);
      return (
        document !== undefined && show(replaceStatuses(document, target.statusKeys, probe)) !== show(document)
      );
    });
  });
}

describe.each(recorded)("$target.name answers", ({ target, recording }) => {
  const operations = recordedOperations(target, recording);
  const create = () => target.createAdapter();

  it("recorded a genuine answer for every operation that talks to the supplier", () => {
    // Static catalogues (Juhe, OFPay) answer without a request; everything else must be covered.
    expect(operations.length).toBeGreaterThan(0);
    expect(operations.some((operation) => operation.placesOrder)).toBe(true);
  });

  it.each(operations)(
    "$name resolves schema-valid or rejects with a KaquanError for mutated answers",
    async (operation) => {
      await fc.assert(
        mutatedAnswersProperty(target, recording, operation, create),
        fuzzParameters(runs.mutated),
      );
    },
    fuzzTimeoutMs(runs.mutated),
  );

  it.each(operations.filter((operation) => operation.placesOrder))(
    "$name never turns an unreadable answer into a rejection",
    async (operation) => {
      await fc.assert(
        ambiguousAnswersProperty(target, recording, operation, create),
        fuzzParameters(runs.ambiguous),
      );
    },
    fuzzTimeoutMs(runs.ambiguous),
  );

  const orderReads = statusBearing(target, recording);
  it("finds the vendor status in the answers of every order read", () => {
    expect(orderReads.length).toBeGreaterThan(0);
  });

  it.each(orderReads)(
    "$name maps a vendor status it has never seen to unknown or processing",
    async (operation) => {
      await fc.assert(
        unseenStatusProperty(target, recording, operation, create),
        fuzzParameters(runs.unseenStatus),
      );
    },
    fuzzTimeoutMs(runs.unseenStatus),
  );
});

describe("the answer properties can fail", () => {
  // Each property is run against an adapter broken the way it guards against; fast-check must
  // find a counterexample, or the property proves nothing.
  const { target, recording } = recorded.find((entry) => entry.target.name === "fulu")!;
  const operations = recordedOperations(target, recording);
  const placement = operations.find((operation) => operation.name === "placeOrder:card")!;
  const query = operations.find((operation) => operation.name === "queryOrder:card")!;
  const wrap = (change: (adapter: SupplierAdapter) => Partial<SupplierAdapter>) => () => {
    const adapter = target.createAdapter();
    return { ...adapter, ...change(adapter) } as SupplierAdapter;
  };
  const selfCheck = { numRuns: 300, seed: 7 };

  it("catches an adapter that lets a TypeError escape", async () => {
    const broken = wrap((adapter) => ({
      placeOrder: (request, context) =>
        adapter.placeOrder(request, context).catch(() => {
          throw new TypeError("Cannot read properties of undefined");
        }),
    }));
    const result = await fc.check(mutatedAnswersProperty(target, recording, placement, broken), selfCheck);
    expect(result.failed).toBe(true);
  });

  it("catches an adapter that reports an unreadable placement as rejected", async () => {
    const broken = wrap((adapter) => ({
      placeOrder: (request, context) =>
        adapter.placeOrder(request, context).catch(() => {
          throw new RequestRejectedError("refused", { supplier: "fulu" });
        }),
    }));
    const result = await fc.check(ambiguousAnswersProperty(target, recording, placement, broken), selfCheck);
    expect(result.failed).toBe(true);
  });

  it("catches an adapter that guesses a final state for an unseen status", async () => {
    const broken = wrap((adapter) => ({
      queryOrder: async (merchantOrderId, context, hint) => {
        const update = await adapter.queryOrder(merchantOrderId, context, hint);
        return update && update.status === "unknown" ? { ...update, status: "failed" } : update;
      },
    }));
    const result = await fc.check(unseenStatusProperty(target, recording, query, broken), selfCheck);
    expect(result.failed).toBe(true);
  });
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
