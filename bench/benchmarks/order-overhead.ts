/**
 * order-overhead: what kaquan adds to placing an order, against the bare limit — one axios POST
 * of an equivalent body, signed in advance, to the same simulator on the same keep-alive terms.
 *
 * The simulator runs in its own process (a supplier is another machine), with its settle timers
 * and callbacks off, so both sides see the same fast, constant supplier. Both sides run in this
 * process in alternating rounds (kaquan, transport, bare, kaquan, …) so that drift in the
 * machine's load falls on all; the third side, kaquan's transport alone with the bare side's
 * pre-signed body, splits kaquan's cost into the request and the order machinery above it. Every order has its own merchantOrderId; every answer is checked (kaquan:
 * the order is `processing`; bare: envelope code 0), so both sides do the same work at the
 * supplier.
 */
import http from "node:http";
import axios from "axios";
import { createHttpTransport, createSupplierClient } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import type { Benchmark, BenchmarkContext, BenchmarkReport } from "../support/benchmark.js";
import { type ClosedLoopResult, runClosedLoop } from "../support/closed-loop.js";
import { formatCount, formatMicroseconds, formatMilliseconds, formatRatio } from "../support/format.js";
import { FULU_DIRECT_PRODUCT_ID, signedFuluDirectOrder } from "../support/fulu-order.js";
import type { Table } from "../support/report-table.js";
import { concatenate, median, ratio, summariseLatencies } from "../support/statistics.js";
import { atLeast, atMost, type TargetCheck } from "../support/targets.js";
import { startWorkerProcess } from "../support/worker-process.js";

const SKU = FULU_DIRECT_PRODUCT_ID;
const ACCOUNT = "bench-player";
const CONCURRENCY_LEVELS = [1, 64] as const;
const HEADERS = { "content-type": "application/json;charset=utf-8", accept: "application/json" };

interface Sizes {
  pairs: number;
  operations: Record<(typeof CONCURRENCY_LEVELS)[number], number>;
  warmup: number;
}

const fullSizes: Sizes = { pairs: 5, operations: { 1: 1_500, 64: 8_000 }, warmup: 1_000 };
const quickSizes: Sizes = { pairs: 1, operations: { 1: 200, 64: 1_000 }, warmup: 200 };

/**
 * `transport` is kaquan's HTTP transport alone sending the same pre-signed body as the bare side:
 * not a target, it splits kaquan's cost into the request itself and the order machinery above it.
 */
type Side = "kaquan" | "transport" | "bare";
const SIDES: readonly Side[] = ["kaquan", "transport", "bare"];
const SIDE_LETTER: Record<Side, string> = { kaquan: "K", transport: "T", bare: "B" };

interface SideSummary {
  orders: number;
  failures: number;
  ordersPerSecond: number;
  medianRoundOrdersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerOrder: number;
}

export const orderOverhead: Benchmark = {
  name: "order-overhead",
  summary: "placeOrder through kaquan vs a bare axios POST of a pre-signed body (Fulu simulator)",
  run,
};

async function run(context: BenchmarkContext): Promise<BenchmarkReport> {
  const sizes = context.quick ? quickSizes : fullSizes;
  const simulator = await startWorkerProcess(
    new URL("../processes/fulu-simulator-process.ts", import.meta.url),
    {
      root: context.root,
    },
  );
  const target = await simulator.call<{ url: string; appKey: string; appSecret: string }>("start", {
    autoSettle: false,
  });
  // kaquan's client defaults to 16 requests in flight per supplier; allow 64 so that both sides
  // have the same number of requests outstanding at c=64.
  const client = createSupplierClient({
    adapter: createFuluAdapter({ appKey: target.appKey, appSecret: target.appSecret, endpoint: target.url }),
    concurrency: 64,
  });
  // The bare side's agent mirrors kaquan's transport defaults (keep-alive, 64 sockets, LIFO).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, scheduling: "lifo", timeout: 4_000 });
  const bare = axios.create({ httpAgent: agent, proxy: false });
  const transport = createHttpTransport();

  const signedBody = (customerOrderNo: string) => signedFuluDirectOrder(target, customerOrderNo, ACCOUNT);

  /** One side's operation over `ids`; the order ids (and the bare sides' bodies) are made before the clock starts. */
  const operationOf = (side: Side, ids: readonly string[]): ((index: number) => Promise<boolean>) => {
    if (side === "kaquan")
      return async (index) => {
        const order = await client.placeOrder({
          merchantOrderId: ids[index]!,
          kind: "direct",
          sku: SKU,
          account: ACCOUNT,
        });
        return order.status === "processing";
      };
    // Signed in advance: the bare side is the network and the supplier alone.
    const bodies = ids.map(signedBody);
    if (side === "transport")
      return async (index) => {
        const response = await transport.send({
          method: "POST",
          url: target.url,
          headers: HEADERS,
          body: bodies[index]!,
        });
        return response.status === 200 && (JSON.parse(response.text) as { code?: unknown }).code === 0;
      };
    return async (index) => {
      const response = await bare.post(target.url, bodies[index], { headers: HEADERS });
      return response.status === 200 && (response.data as { code?: unknown })?.code === 0;
    };
  };

  const runSide = (side: Side, label: string, concurrency: number, operations: number) => {
    const ids = Array.from({ length: operations }, (_, index) => `${label}n${index}`);
    return runClosedLoop({ concurrency, operations, operation: operationOf(side, ids) });
  };

  const tables: Table[] = [];
  const targets: TargetCheck[] = [];
  const data: Record<string, unknown> = { sizes, clientConcurrency: 64 };
  try {
    // Warm-up: connections, JIT, the simulator's maps. Not measured.
    await runSide("kaquan", "WK", 16, sizes.warmup);
    await runSide("transport", "WT", 16, sizes.warmup);
    await runSide("bare", "WB", 16, sizes.warmup);

    for (const concurrency of CONCURRENCY_LEVELS) {
      const rounds: Record<Side, ClosedLoopResult[]> = { kaquan: [], transport: [], bare: [] };
      for (let pair = 0; pair < sizes.pairs; pair++) {
        for (const side of SIDES) {
          const label = `${SIDE_LETTER[side]}c${concurrency}r${pair}`;
          const result = await runSide(side, label, concurrency, sizes.operations[concurrency]);
          rounds[side].push(result);
          context.log(
            `c=${concurrency} round ${pair + 1}/${sizes.pairs} ${side.padEnd(9)} ${formatCount(
              (result.operations / result.elapsedMs) * 1000,
            )} orders/s`,
          );
        }
      }
      const kaquan = summariseSide(rounds.kaquan);
      const transportSummary = summariseSide(rounds.transport);
      const bareSummary = summariseSide(rounds.bare);
      const throughputRatio = ratio(kaquan.ordersPerSecond, bareSummary.ordersPerSecond);
      const p50Ratio = ratio(kaquan.p50Ms, bareSummary.p50Ms);
      const p99Ratio = ratio(kaquan.p99Ms, bareSummary.p99Ms);
      const cpuRatio = ratio(kaquan.cpuMicrosPerOrder, bareSummary.cpuMicrosPerOrder);
      tables.push({
        title: `order-overhead, concurrency ${concurrency} (${sizes.pairs} alternating round pairs of ${formatCount(
          sizes.operations[concurrency],
        )} orders)`,
        columns: ["side", "orders", "orders/s", "p50", "p99", "client CPU/order", "failures"],
        rows: [
          sideRow("kaquan placeOrder", kaquan),
          sideRow("kaquan transport alone", transportSummary),
          sideRow("bare axios POST", bareSummary),
          [
            "kaquan / bare",
            "",
            formatRatio(throughputRatio),
            formatRatio(p50Ratio),
            formatRatio(p99Ratio),
            formatRatio(cpuRatio),
            "",
          ],
        ],
        notes: [
          "client CPU/order: user+system CPU of the client process per order (the simulator runs in its own process)",
          "transport alone: kaquan's HTTP transport sending the bare side's pre-signed body — the request without the order machinery (not a target)",
        ],
      });
      data[`c${concurrency}`] = {
        kaquan,
        transport: transportSummary,
        bare: bareSummary,
        ratios: { throughput: throughputRatio, p50: p50Ratio, p99: p99Ratio, cpuPerOrder: cpuRatio },
        rounds: {
          kaquan: rounds.kaquan.map(roundFigures),
          transport: rounds.transport.map(roundFigures),
          bare: rounds.bare.map(roundFigures),
        },
      };
      if (concurrency === 64)
        targets.push(atLeast("throughput ratio kaquan/bare at c=64", throughputRatio, 0.9, formatRatio));
      if (concurrency === 1)
        targets.push(atMost("p50 latency ratio kaquan/bare at c=1", p50Ratio, 1.1, formatRatio));
      for (const [side, summary] of [
        ["kaquan", kaquan],
        ["transport", transportSummary],
        ["bare", bareSummary],
      ] as const) {
        if (summary.failures > 0) {
          const first = [...rounds[side]].find((round) => round.firstFailure)?.firstFailure;
          context.log(`c=${concurrency} ${side}: ${summary.failures} failures, first: ${first}`);
        }
      }
    }
  } finally {
    client.close();
    transport.close();
    agent.destroy();
    await simulator.close();
  }
  return { tables, targets, data };
}

function summariseSide(rounds: readonly ClosedLoopResult[]): SideSummary {
  const orders = rounds.reduce((sum, round) => sum + round.operations, 0);
  const elapsedMs = rounds.reduce((sum, round) => sum + round.elapsedMs, 0);
  const cpuMicros = rounds.reduce((sum, round) => sum + round.cpuMicros, 0);
  const latencies = summariseLatencies(concatenate(rounds.map((round) => round.latenciesMs)));
  return {
    orders,
    failures: rounds.reduce((sum, round) => sum + round.failures, 0),
    ordersPerSecond: (orders / elapsedMs) * 1000,
    medianRoundOrdersPerSecond: median(rounds.map((round) => (round.operations / round.elapsedMs) * 1000)),
    p50Ms: latencies.p50Ms,
    p99Ms: latencies.p99Ms,
    cpuMicrosPerOrder: cpuMicros / orders,
  };
}

function roundFigures(round: ClosedLoopResult) {
  const latencies = summariseLatencies(round.latenciesMs);
  return {
    orders: round.operations,
    failures: round.failures,
    ordersPerSecond: (round.operations / round.elapsedMs) * 1000,
    p50Ms: latencies.p50Ms,
    p99Ms: latencies.p99Ms,
    cpuMicrosPerOrder: round.cpuMicros / round.operations,
  };
}

function sideRow(label: string, summary: SideSummary): string[] {
  return [
    label,
    formatCount(summary.orders),
    formatCount(summary.ordersPerSecond),
    formatMilliseconds(summary.p50Ms),
    formatMilliseconds(summary.p99Ms),
    formatMicroseconds(summary.cpuMicrosPerOrder),
    formatCount(summary.failures),
  ];
}
