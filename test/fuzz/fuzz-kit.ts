/**
 * Shared machinery of the fuzz suites: run counts and seeds from the environment, a scripted
 * transport that answers whatever a property says and records every request, a recording of each
 * adapter's genuine answers from its simulator, and the outcome checks every property shares.
 *
 * Run counts are kept small so `npm test` stays fast; scale them with `FUZZ_RUNS=2000 npx vitest
 * run test/fuzz`. fast-check prints the seed and path of any failure; replay it with
 * `FUZZ_SEED=<seed> FUZZ_PATH=<path>`.
 */
import {
  type AdapterContext,
  createHttpTransport,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  KaquanError,
  type Logger,
  type SupplierAdapter,
} from "kaquan";
import type { RunningTarget } from "./adapter-targets.js";

const runsOverride = Number(process.env.FUZZ_RUNS);
const seedOverride = Number(process.env.FUZZ_SEED);

/** fast-check parameters: `numRuns` (or `FUZZ_RUNS`), and `FUZZ_SEED`/`FUZZ_PATH` to replay a failure. */
export function fuzzParameters(defaultRuns: number): { numRuns: number; seed?: number; path?: string } {
  return {
    numRuns: Number.isSafeInteger(runsOverride) && runsOverride > 0 ? runsOverride : defaultRuns,
    ...(Number.isSafeInteger(seedOverride) ? { seed: seedOverride } : {}),
    ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
  };
}

/** A vitest timeout that grows with `FUZZ_RUNS`, so a scaled-up run is not cut short. */
export function fuzzTimeoutMs(defaultRuns: number, perRunMs = 20): number {
  const runs = fuzzParameters(defaultRuns).numRuns;
  return Math.max(30_000, runs * perRunMs * 4);
}

/** A logger that drops everything (fuzzed adapters log nothing interesting). */
export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A fixed clock: fuzz runs never depend on the time they run at. */
export function fixedClock(nowMs: number) {
  return { now: () => nowMs };
}

/** A response as a transport returns it, with `text` decoded from the bytes. */
export function httpResponse(
  status: number,
  headers: Record<string, string>,
  body: string | Uint8Array,
): HttpResponse {
  const bytes = typeof body === "string" ? new Uint8Array(Buffer.from(body, "utf8")) : body;
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = value;
  return { status, headers: lowered, body: bytes, text: Buffer.from(bytes).toString("utf8"), durationMs: 1 };
}

/** One request and what answered it. */
export interface Exchange {
  request: HttpRequest;
  response: HttpResponse;
}

/** A transport whose answers a function decides, recording every request it was asked to send. */
export interface ScriptedTransport extends HttpTransport {
  readonly requests: HttpRequest[];
}

export function scriptedTransport(
  answer: (request: HttpRequest, index: number) => HttpResponse | Promise<HttpResponse>,
): ScriptedTransport {
  const requests: HttpRequest[] = [];
  return {
    requests,
    async send(request) {
      requests.push(request);
      return answer(request, requests.length - 1);
    },
  };
}

/** The key a request is matched on when replaying: its operation label, else method and path. */
export function requestKey(request: HttpRequest): string {
  const path = request.url.split("?")[0] ?? request.url;
  return `${request.operation ?? ""} ${request.method} ${path}`;
}

/** The adapter operations the fuzzers drive, by name, with what each resolves to. */
export type OperationName =
  | `placeOrder:${string}`
  | `queryOrder:${string}`
  | "queryOrder:missing"
  | "listProducts"
  | "getProduct"
  | "getProduct:missing"
  | "getStock"
  | "getBalance"
  /** Answers recorded for endpoints only an unseen status leads to; replayed by endpoint. */
  | "supplementary";

/** A way to call one adapter operation, and the schema its result must pass. */
export interface DrivenOperation {
  name: OperationName;
  /** Whether the call places an order (an ambiguous answer must never become a rejection). */
  placesOrder: boolean;
  /** Whether it reads an order (its result may carry a vendor status). */
  readsOrder: boolean;
  run(adapter: SupplierAdapter, context: AdapterContext): Promise<unknown>;
}

/** Every operation of `target`'s adapter worth fuzzing. */
export function drivenOperations(target: RunningTarget, adapter: SupplierAdapter): DrivenOperation[] {
  const operations: DrivenOperation[] = [
    {
      name: "listProducts",
      placesOrder: false,
      readsOrder: false,
      run: (subject, context) => subject.listProducts({}, context),
    },
    {
      name: "getProduct",
      placesOrder: false,
      readsOrder: false,
      run: (subject, context) => subject.getProduct(target.sku, context),
    },
    {
      name: "getProduct:missing",
      placesOrder: false,
      readsOrder: false,
      run: (subject, context) => subject.getProduct(target.unknownSku, context),
    },
    {
      name: "queryOrder:missing",
      placesOrder: false,
      readsOrder: true,
      run: (subject, context) => subject.queryOrder("nosuchorder000001", context),
    },
  ];
  if (adapter.getBalance) {
    operations.push({
      name: "getBalance",
      placesOrder: false,
      readsOrder: false,
      run: (subject, context) => subject.getBalance!(context),
    });
  }
  if (adapter.getStock) {
    operations.push({
      name: "getStock",
      placesOrder: false,
      readsOrder: false,
      run: (subject, context) => subject.getStock!(target.sku, 1, context),
    });
  }
  for (const order of target.orders) {
    operations.push({
      name: `placeOrder:${order.kind}`,
      placesOrder: true,
      readsOrder: true,
      run: (subject, context) => subject.placeOrder(order, context),
    });
    operations.push({
      name: `queryOrder:${order.kind}`,
      placesOrder: false,
      readsOrder: true,
      run: (subject, context) =>
        subject.queryOrder(order.merchantOrderId, context, {
          kind: order.kind,
          ...(order.sku ? { sku: order.sku } : {}),
        }),
    });
  }
  return operations;
}

/** What each operation exchanged with the simulator, request by request. */
export type Recording = Map<OperationName, Exchange[]>;

/**
 * Runs every operation once against the simulator, each with a fresh adapter (so token fetches
 * are part of its exchanges), and keeps what was sent and answered. Orders are placed first and
 * queried once the simulator has settled them, so query answers carry final states and codes.
 */
export async function recordAnswers(target: RunningTarget, nowMs: number): Promise<Recording> {
  const transport = createHttpTransport({ timeoutMs: 5_000 });
  const recording: Recording = new Map();
  const probe = target.createAdapter();
  const operations = drivenOperations(target, probe);
  const ordered = [
    ...operations.filter((operation) => operation.name.startsWith("placeOrder:")),
    ...operations.filter((operation) => !operation.name.startsWith("placeOrder:")),
  ];
  try {
    for (const operation of ordered) {
      if (operation.name.startsWith("queryOrder:")) await target.idle();
      const exchanges: Exchange[] = [];
      const http: HttpTransport = {
        async send(request, options) {
          const response = await transport.send(request, options);
          exchanges.push({ request, response });
          return response;
        },
      };
      const context: AdapterContext = { http, clock: { now: () => nowMs }, logger: quietLogger };
      try {
        await operation.run(target.createAdapter(), context);
      } catch {
        // A refusal is a genuine answer too; it is recorded like any other.
      }
      if (exchanges.length > 0) recording.set(operation.name, exchanges);
    }
    // Orders whose status is not final take other paths (a real-time status endpoint, a second
    // lookup): query each once more with a status the adapter has never seen, so that those
    // answers are recorded too and can be replayed by endpoint.
    const supplementary: Exchange[] = [];
    for (const operation of ordered.filter((candidate) => candidate.name.startsWith("queryOrder:"))) {
      const order = target.orders.find((candidate) => operation.name === `queryOrder:${candidate.kind}`);
      if (!order) continue;
      target.setRawOrderStatus(order.merchantOrderId, "recorded-unseen-status");
      const http: HttpTransport = {
        async send(request, options) {
          const response = await transport.send(request, options);
          supplementary.push({ request, response });
          return response;
        },
      };
      await operation
        .run(target.createAdapter(), { http, clock: { now: () => nowMs }, logger: quietLogger })
        .catch(() => undefined);
    }
    recording.set("supplementary", supplementary);
  } finally {
    transport.close();
  }
  return recording;
}

/**
 * The recorded answer for the `index`-th request of an operation, or else the answer recorded
 * for the same endpoint by any operation, or else a bare 404.
 */
export function recordedAnswer(
  exchanges: readonly Exchange[],
  recording: Recording,
  request: HttpRequest,
  index: number,
): HttpResponse {
  const key = requestKey(request);
  const inOrder = exchanges[index];
  if (inOrder && requestKey(inOrder.request) === key) return inOrder.response;
  for (const candidates of [exchanges, ...recording.values()]) {
    const match = candidates.find((exchange) => requestKey(exchange.request) === key);
    if (match) return match.response;
  }
  return httpResponse(404, { "content-type": "text/plain" }, "not found");
}

/** A transport that answers every request with the recorded answer, as {@link recordedAnswer} finds it. */
export function replayTransport(recording: Recording, operation: OperationName): ScriptedTransport {
  const exchanges = recording.get(operation) ?? [];
  return scriptedTransport((request, index) => recordedAnswer(exchanges, recording, request, index));
}

/** A promise's outcome, never a throw. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function outcomeOf<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Describes an error for an assertion message, without trusting it to be well formed. */
export function describeError(error: unknown): string {
  if (KaquanError.isInstance(error))
    return `${error.name}(${error.code}, ${error.failureClass}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}\n${error.stack ?? ""}`;
  return `a thrown ${typeof error}: ${String(error)}`;
}
