/**
 * callback-verification: how many supplier callbacks one core takes through kaquan's pipeline —
 * raw bytes → verify → parse → known order → reducer → dedupe claim (memory store) → ack —
 * beside the bare hash over the same bytes (MD5 for Fulu and Juhe, HMAC-SHA256 for Reloadly),
 * and Fulu's request signing with kaquan's counting sort beside the comparison sort the
 * vendors' own SDKs use (`[...text].sort().join("")`).
 *
 * Each callback names its own order, written down in the store first (as placeOrder would), so
 * every claim is a real one. One handler serves every round, as a long-running server does:
 * the claim store keeps growing from round to round, and the per-round rates show what that
 * costs.
 *
 * Juhe does not sign the status, so kaquan confirms a Juhe callback by querying the order; that
 * query is answered here from memory by a transport that never touches the network, so the
 * figure is kaquan's CPU per callback, not a round trip.
 */
import { randomUUID } from "node:crypto";
import {
  createSupplierClient,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  hmac,
  md5Hex,
  type ProductKind,
  type SupplierAdapter,
  systemClock,
} from "kaquan";
import { sortCharacters } from "kaquan/adapter-kit";
import { createFuluAdapter, fuluSign } from "kaquan/adapters/fulu";
import { createJuheAdapter } from "kaquan/adapters/juhe";
import { createReloadlyAdapter } from "kaquan/adapters/reloadly";
import { type CallbackHandler, type CallbackHeaders, createCallbackHandler } from "kaquan/callbacks";
import { FULU_SIMULATOR_APP_KEY, FULU_SIMULATOR_APP_SECRET, signCallback } from "kaquan/testing";
import type { Benchmark, BenchmarkContext, BenchmarkReport } from "../support/benchmark.js";
import { formatCount, formatMicroseconds, formatRatio } from "../support/format.js";
import { fuluCallbackFields, signedFuluCallback } from "../support/fulu-callback.js";
import { fuluDirectOrderParameters } from "../support/fulu-order.js";
import type { Table } from "../support/report-table.js";
import { median, ratio } from "../support/statistics.js";
import { atLeast, type TargetCheck } from "../support/targets.js";

interface Sizes {
  rounds: number;
  callbacksPerRound: number;
  /** Each synchronous measurement repeats over its inputs for at least this long. */
  minimumMs: number;
  signingInputs: number;
}

const fullSizes: Sizes = { rounds: 5, callbacksPerRound: 20_000, minimumMs: 400, signingInputs: 2_000 };
const quickSizes: Sizes = { rounds: 2, callbacksPerRound: 6_000, minimumMs: 100, signingInputs: 500 };

const JUHE_KEY = "bench-juhe-key-0001";
const RELOADLY_WEBHOOK_SECRET = "bench-reloadly-webhook-secret";

/** One supplier's callbacks: how to write an order down, sign its callback, and hash it bare. */
interface Scenario {
  supplier: string;
  bareHash: string;
  handler: CallbackHandler;
  adapter: SupplierAdapter;
  /** Writes the orders down as pending, as placeOrder would have. */
  seed(ids: readonly string[]): Promise<void>;
  orderId(round: number, index: number): string;
  callback(id: string, index: number): { body: Buffer; headers: Record<string, string> };
  bare(body: Buffer): string;
}

interface ScenarioRounds {
  handlerPerSecond: number[];
  verifyPerSecond: number[];
  barePerSecond: number[];
  handlerCallbacks: number;
  handlerMs: number;
  outcomes: Record<string, number>;
}

export const callbackVerification: Benchmark = {
  name: "callback-verification",
  summary: "Fulu, Juhe and Reloadly callbacks through createCallbackHandler vs the bare hash; Fulu signing",
  run,
};

async function run(context: BenchmarkContext): Promise<BenchmarkReport> {
  const sizes = context.quick ? quickSizes : fullSizes;
  const scenarios = [fuluScenario(), juheScenario(), reloadlyScenario()];
  const results = new Map<Scenario, ScenarioRounds>();
  for (const scenario of scenarios)
    results.set(scenario, {
      handlerPerSecond: [],
      verifyPerSecond: [],
      barePerSecond: [],
      handlerCallbacks: 0,
      handlerMs: 0,
      outcomes: {},
    });

  // Warm-up round (not measured): JIT for every path, on orders of their own.
  for (const scenario of scenarios)
    await measureRound(scenario, -1, Math.min(2_000, sizes.callbacksPerRound), sizes);

  for (let round = 0; round < sizes.rounds; round++) {
    for (const scenario of scenarios) {
      const figures = await measureRound(scenario, round, sizes.callbacksPerRound, sizes);
      const rounds = results.get(scenario)!;
      rounds.handlerPerSecond.push(figures.handlerPerSecond);
      rounds.verifyPerSecond.push(figures.verifyPerSecond);
      rounds.barePerSecond.push(figures.barePerSecond);
      rounds.handlerCallbacks += sizes.callbacksPerRound;
      rounds.handlerMs += figures.handlerMs;
      for (const [outcome, count] of Object.entries(figures.outcomes))
        rounds.outcomes[outcome] = (rounds.outcomes[outcome] ?? 0) + count;
      context.log(
        `round ${round + 1}/${sizes.rounds} ${scenario.supplier.padEnd(16)} handler ${formatCount(
          figures.handlerPerSecond,
        )}/s, verify only ${formatCount(figures.verifyPerSecond)}/s, bare ${formatCount(figures.barePerSecond)}/s`,
      );
    }
  }

  const tables: Table[] = [];
  const targets: TargetCheck[] = [];
  const data: Record<string, unknown> = { sizes };
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const rounds = results.get(scenario)!;
    const overall = (rounds.handlerCallbacks / rounds.handlerMs) * 1000;
    const handlerMedian = median(rounds.handlerPerSecond);
    const verifyMedian = median(rounds.verifyPerSecond);
    const bareMedian = median(rounds.barePerSecond);
    rows.push(
      [
        `${scenario.supplier}: kaquan handler`,
        formatCount(overall),
        formatCount(rounds.handlerPerSecond[0]!),
        formatCount(rounds.handlerPerSecond.at(-1)!),
        formatMicroseconds(1e6 / overall),
        formatRatio(ratio(overall, bareMedian)),
      ],
      [
        `${scenario.supplier}: adapter.verifyCallback only`,
        formatCount(verifyMedian),
        formatCount(rounds.verifyPerSecond[0]!),
        formatCount(rounds.verifyPerSecond.at(-1)!),
        formatMicroseconds(1e6 / verifyMedian),
        formatRatio(ratio(verifyMedian, bareMedian)),
      ],
      [
        `${scenario.supplier}: bare ${scenario.bareHash}`,
        formatCount(bareMedian),
        formatCount(rounds.barePerSecond[0]!),
        formatCount(rounds.barePerSecond.at(-1)!),
        formatMicroseconds(1e6 / bareMedian),
        "1.00×",
      ],
    );
    data[scenario.supplier] = {
      handlerPerSecondOverall: overall,
      handlerPerSecondMedianRound: handlerMedian,
      handlerPerSecondByRound: rounds.handlerPerSecond,
      verifyPerSecondByRound: rounds.verifyPerSecond,
      barePerSecondByRound: rounds.barePerSecond,
      bareHash: scenario.bareHash,
      outcomes: rounds.outcomes,
    };
    if (scenario.supplier === "fulu")
      targets.push(atLeast("Fulu callbacks/s through the handler (one core)", overall, 100_000, formatCount));
  }
  const outcomeNote = scenarios
    .map((scenario) => {
      const outcomes = results.get(scenario)!.outcomes;
      return `${scenario.supplier}: ${Object.entries(outcomes)
        .map(([outcome, count]) => `${formatCount(count)} ${outcome}`)
        .join(", ")}`;
    })
    .join("; ");
  tables.push({
    title: `callback-verification, one core (${sizes.rounds} rounds of ${formatCount(
      sizes.callbacksPerRound,
    )} distinct callbacks per supplier)`,
    columns: ["path", "per second", "first round", "last round", "per callback", "vs bare"],
    rows,
    notes: [
      "handler: all rounds together (the claim store grows across rounds); verify only and bare: median round",
      "Juhe's confirming query is answered in memory (no network)",
      `outcomes: ${outcomeNote}`,
    ],
  });

  const signing = measureSigning(sizes);
  tables.push(signing.table);
  targets.push(atLeast("Fulu signing vs comparison sort", signing.speedup, 3, formatRatio));
  data.fuluSigning = signing.data;
  return { tables, targets, data };
}

async function measureRound(
  scenario: Scenario,
  round: number,
  count: number,
  sizes: Sizes,
): Promise<{
  handlerPerSecond: number;
  handlerMs: number;
  verifyPerSecond: number;
  barePerSecond: number;
  outcomes: Record<string, number>;
}> {
  const ids = Array.from({ length: count }, (_, index) => scenario.orderId(round, index));
  await scenario.seed(ids);
  const callbacks = ids.map((id, index) => scenario.callback(id, index));
  const outcomes: Record<string, number> = {};

  const handlerStartedAt = performance.now();
  for (const callback of callbacks) {
    const result = await scenario.handler.handle({
      supplier: scenario.supplier,
      body: callback.body,
      headers: callback.headers as CallbackHeaders,
    });
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
  }
  const handlerMs = performance.now() - handlerStartedAt;

  const verifyContext = { http: offlineTransport, clock: systemClock, logger: silent };
  const verifyCallback = scenario.adapter.verifyCallback!.bind(scenario.adapter);
  const verifyPerSecond = await repeatAsync(
    callbacks,
    (callback) => verifyCallback({ body: callback.body, headers: callback.headers }, verifyContext),
    sizes.minimumMs,
  );
  const barePerSecond = repeat(callbacks, (callback) => scenario.bare(callback.body), sizes.minimumMs);
  return {
    handlerPerSecond: (count / handlerMs) * 1000,
    handlerMs,
    verifyPerSecond,
    barePerSecond,
    outcomes,
  };
}

/** Runs `work` over `items` again and again for at least `minimumMs`; operations per second. */
function repeat<T>(items: readonly T[], work: (item: T) => unknown, minimumMs: number): number {
  let operations = 0;
  const startedAt = performance.now();
  let elapsed = 0;
  do {
    for (const item of items) work(item);
    operations += items.length;
    elapsed = performance.now() - startedAt;
  } while (elapsed < minimumMs);
  return (operations / elapsed) * 1000;
}

async function repeatAsync<T>(
  items: readonly T[],
  work: (item: T) => Promise<unknown>,
  minimumMs: number,
): Promise<number> {
  let operations = 0;
  const startedAt = performance.now();
  let elapsed = 0;
  do {
    for (const item of items) await work(item);
    operations += items.length;
    elapsed = performance.now() - startedAt;
  } while (elapsed < minimumMs);
  return (operations / elapsed) * 1000;
}

// ---- the suppliers ---------------------------------------------------------------------------

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Verification is offline; a transport that fails loudly proves it. */
const offlineTransport: HttpTransport = {
  send: () => Promise.reject(new Error("callback verification must not reach the network")),
};

function scenarioParts(adapter: SupplierAdapter, http: HttpTransport | undefined, kind: ProductKind) {
  const client = createSupplierClient({ adapter, ...(http ? { http } : {}) });
  const handler = createCallbackHandler({ clients: [client], onEvent: () => {} });
  const seed = async (ids: readonly string[]) => {
    for (const merchantOrderId of ids)
      await client.applyUpdate({ merchantOrderId, status: "processing", source: "place", kind });
  };
  return { handler, seed };
}

function fuluScenario(): Scenario {
  const adapter = createFuluAdapter({
    appKey: FULU_SIMULATOR_APP_KEY,
    appSecret: FULU_SIMULATOR_APP_SECRET,
    endpoint: "http://127.0.0.1:9/api/getway",
  });
  return {
    supplier: "fulu",
    bareHash: "MD5",
    adapter,
    ...scenarioParts(adapter, offlineTransport, "direct"),
    orderId: (round, index) => `CVF${round + 1}x${index}`,
    callback(id, index) {
      const signed = signedFuluCallback(id, index, FULU_SIMULATOR_APP_SECRET);
      return { body: Buffer.from(signed.body), headers: signed.headers };
    },
    bare: (body) => md5Hex(body),
  };
}

function juheScenario(): Scenario {
  const adapter = createJuheAdapter({ key: JUHE_KEY, openId: "bench-open-id" });
  return {
    supplier: "juhe",
    bareHash: "MD5",
    adapter,
    ...scenarioParts(adapter, juheStatusTransport, "mobile"),
    // Juhe's orderid: 8-32 letters and digits.
    orderId: (round, index) => `CVJ${round + 1}X${String(index).padStart(7, "0")}`,
    callback(id, index) {
      const signed = signCallback(
        "juhe",
        { sporder_id: `J${index}`, orderid: id, sta: "1" },
        { key: JUHE_KEY },
      );
      return { body: Buffer.from(signed.body), headers: signed.headers };
    },
    bare: (body) => md5Hex(body),
  };
}

/** Answers Juhe's `ordersta` for any order: succeeded (game_state 1), as the simulator words it. */
const juheStatusTransport: HttpTransport = {
  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    const form = new URLSearchParams(typeof request.body === "string" ? request.body : url.search);
    const orderid = url.searchParams.get("orderid") ?? form.get("orderid") ?? "";
    const text = JSON.stringify({
      reason: "查询成功",
      result: {
        cardid: "1802501",
        cardnum: "1",
        ordercash: 9.96,
        cardname: "江苏移动话费10元直充",
        sporder_id: `J${orderid}`,
        uorderid: orderid,
        game_userid: "13800138000",
        game_state: "1",
        uordercash: "9.960",
      },
      error_code: 0,
    });
    const body = Buffer.from(text);
    return {
      status: 200,
      headers: { "content-type": "application/json;charset=utf-8" },
      body,
      text,
      durationMs: 0,
    };
  },
};

function reloadlyScenario(): Scenario {
  const adapter = createReloadlyAdapter({
    clientId: "bench-client-id",
    clientSecret: "bench-client-secret",
    environment: "sandbox",
    product: "airtime",
    webhookSecrets: [RELOADLY_WEBHOOK_SECRET],
  });
  return {
    supplier: adapter.name,
    bareHash: "HMAC-SHA256",
    adapter,
    ...scenarioParts(adapter, offlineTransport, "mobile"),
    orderId: (round, index) => `CVR${round + 1}x${index}`,
    callback(id, index) {
      const signed = signCallback(
        "reloadly",
        {
          id: randomUUID(),
          type: "airtime_transaction.status",
          data: {
            transaction: {
              transactionId: 40_000 + index,
              status: "SUCCESSFUL",
              operatorTransactionId: `OP${index}`,
              customIdentifier: id,
              recipientPhone: "2348031234567",
              countryCode: "NG",
              operatorId: 341,
              operatorName: "MTN Nigeria",
              discount: 0.63,
              discountCurrencyCode: "USD",
              requestedAmount: 5,
              requestedAmountCurrencyCode: "USD",
              deliveredAmount: 4_150,
              deliveredAmountCurrencyCode: "NGN",
              transactionDate: "2026-11-24 12:00:00",
            },
          },
        },
        { webhookSecret: RELOADLY_WEBHOOK_SECRET, timestamp: String(Math.floor(Date.now() / 1000)) },
      );
      return { body: Buffer.from(signed.body), headers: signed.headers };
    },
    bare: (body) => hmac("sha256", RELOADLY_WEBHOOK_SECRET, body),
  };
}

// ---- Fulu signing ----------------------------------------------------------------------------

/** The vendors' own method: split into characters, comparison sort, join. */
function comparisonSort(text: string): string {
  return [...text].sort().join("");
}

function measureSigning(sizes: Sizes): { table: Table; speedup: number; data: Record<string, unknown> } {
  const inputs = signingInputs(sizes.signingInputs);
  const secret = FULU_SIMULATOR_APP_SECRET;
  let mismatches = 0;
  for (const text of inputs)
    if (fuluSign(text, secret) !== md5Hex(comparisonSort(text) + secret)) mismatches += 1;

  const rounds = {
    kaquanSign: [] as number[],
    comparisonSign: [] as number[],
    kaquanSort: [] as number[],
    comparisonSortOnly: [] as number[],
  };
  for (let round = 0; round < Math.max(3, sizes.rounds); round++) {
    rounds.kaquanSign.push(repeat(inputs, (text) => fuluSign(text, secret), sizes.minimumMs));
    rounds.comparisonSign.push(
      repeat(inputs, (text) => md5Hex(comparisonSort(text) + secret), sizes.minimumMs),
    );
    rounds.kaquanSort.push(repeat(inputs, sortCharacters, sizes.minimumMs));
    rounds.comparisonSortOnly.push(repeat(inputs, comparisonSort, sizes.minimumMs));
  }
  const kaquanSign = median(rounds.kaquanSign);
  const comparisonSign = median(rounds.comparisonSign);
  const kaquanSort = median(rounds.kaquanSort);
  const comparisonSortOnly = median(rounds.comparisonSortOnly);
  const speedup = ratio(kaquanSign, comparisonSign);
  const averageLength = inputs.reduce((sum, text) => sum + text.length, 0) / inputs.length;
  const table: Table = {
    title: `Fulu signing: md5(sorted characters + secret), ${formatCount(inputs.length)} inputs of ${formatCount(
      averageLength,
    )} characters on average`,
    columns: ["method", "per second", "per input", "vs comparison sort"],
    rows: [
      [
        "kaquan fuluSign (sortCharacters)",
        formatCount(kaquanSign),
        formatMicroseconds(1e6 / kaquanSign),
        formatRatio(speedup),
      ],
      [
        "vendor SDKs: [...s].sort().join('')",
        formatCount(comparisonSign),
        formatMicroseconds(1e6 / comparisonSign),
        "1.00×",
      ],
      [
        "sort only: sortCharacters",
        formatCount(kaquanSort),
        formatMicroseconds(1e6 / kaquanSort),
        formatRatio(ratio(kaquanSort, comparisonSortOnly)),
      ],
      [
        "sort only: [...s].sort().join('')",
        formatCount(comparisonSortOnly),
        formatMicroseconds(1e6 / comparisonSortOnly),
        "1.00×",
      ],
    ],
    notes: [
      "inputs: half request bodies (public parameters with a direct-order biz_content), half callback bodies with CJK text",
      `both methods give the same signature on ${formatCount(inputs.length - mismatches)} of ${formatCount(inputs.length)} inputs`,
    ],
  };
  return {
    table,
    speedup,
    data: {
      inputs: inputs.length,
      averageLength,
      mismatches,
      signsPerSecond: { kaquan: kaquanSign, comparisonSort: comparisonSign },
      sortsPerSecond: { kaquan: kaquanSort, comparisonSort: comparisonSortOnly },
      speedup,
    },
  };
}

/** Texts Fulu signs: request bodies as the adapter serialises them, and callback bodies. */
function signingInputs(count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    if (index % 2 === 1) return JSON.stringify(fuluCallbackFields(`SIGN${index}`, index));
    return JSON.stringify(
      fuluDirectOrderParameters(
        FULU_SIMULATOR_APP_KEY,
        `SIGN${index}`,
        `player-${index}`,
        "2026-11-24 12:00:00",
      ),
    );
  });
}
