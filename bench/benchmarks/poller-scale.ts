/**
 * poller-scale: 100,000 pending orders (`--orders` to change it; 2,000 with `--quick`) resolved
 * by `createStatusPoller` against the Fulu simulator through a client limited to 200 requests a
 * second. Checked: the simulator never sees more than 200 order queries in a second; the wall
 * time against the ideal (orders / 200 s); the poller process's peak RSS.
 *
 * The simulator runs in its own process and is seeded through its own gateway (it has no other
 * way in); every order is settled before polling starts, so each order takes one query. The
 * poller runs in a third process whose memory is measured alone — plain Node on the built
 * package, as a merchant runs it (`dist/` is rebuilt first when stale, as for startup-size); it
 * writes the orders into its store directly (as pending, as placeOrder would have left them)
 * instead of placing them.
 */
import type { Benchmark, BenchmarkContext, BenchmarkReport } from "../support/benchmark.js";
import { ensureBuilt } from "../support/built-package.js";
import {
  formatBytes,
  formatCount,
  formatMicroseconds,
  formatRatio,
  formatSeconds,
} from "../support/format.js";
import { rateWindows } from "../support/rate-windows.js";
import { atMost } from "../support/targets.js";
import { startWorkerProcess } from "../support/worker-process.js";

const REQUESTS_PER_SECOND = 200;
const RSS_BUDGET_BYTES = 200 * 1_000_000;

interface PollerFigures {
  /** When each order query left for the transport (epoch ms). */
  dispatchTimes: number[];
  seedMs: number;
  wallMs: number;
  resolved: number;
  pending: number;
  baselineRss: number;
  afterSeedRss: number;
  peakRssSampled: number;
  peakRss: number;
  peakHeapUsed: number;
  /** When the sampled peak came, in ms after polling started (negative: while writing the orders). */
  peakRssAtMs: number;
  /** The median RSS over the second half of the polling, sampled every 100 ms. */
  medianRssSecondHalf: number;
  endRss: number;
  baselineHeapUsed: number;
  /** V8 heap used after a full collection once the run is over: what is still referenced. */
  liveHeapAfter: number;
  cpuMicros: number;
}

export const pollerScale: Benchmark = {
  name: "poller-scale",
  summary:
    "createStatusPoller resolving pending orders (100,000 unless --orders) at a 200 req/s supplier limit",
  run,
};

async function run(context: BenchmarkContext): Promise<BenchmarkReport> {
  const orders = context.orders ?? (context.quick ? 2_000 : 100_000);
  const idealMs = (orders / REQUESTS_PER_SECOND) * 1000;
  // The poller runs on the built package, as a merchant's would.
  const buildState = await ensureBuilt(context.root, context.build, context.log);
  const simulator = await startWorkerProcess(
    new URL("../processes/fulu-simulator-process.ts", import.meta.url),
    {
      root: context.root,
    },
  );
  let figures: PollerFigures;
  let times: number[];
  let seedMs: number;
  try {
    const target = await simulator.call<{ url: string; appKey: string; appSecret: string }>("start", {
      autoSettle: true,
      settleAfterMs: 1,
    });
    context.log(`seeding ${formatCount(orders)} orders into the simulator`);
    ({ elapsedMs: seedMs } = await simulator.call<{ elapsedMs: number }>("seed", {
      prefix: "PS",
      count: orders,
      concurrency: 32,
    }));
    const { processing } = await simulator.call<{ processing: number }>("idle");
    if (processing > 0) throw new Error(`${processing} seeded orders did not settle`);
    context.log(
      `seeded in ${formatSeconds(seedMs)}; polling (ideal ${formatSeconds(idealMs)} at ${REQUESTS_PER_SECOND} req/s)`,
    );

    const poller = await startWorkerProcess(new URL("../processes/poller-process.mjs", import.meta.url), {
      root: context.root,
      // Only so that the live heap can be read after the run; it changes no GC heuristics.
      execArgv: ["--expose-gc"],
    });
    try {
      figures = await poller.call<PollerFigures>("run", {
        ...target,
        prefix: "PS",
        count: orders,
        requestsPerSecond: REQUESTS_PER_SECOND,
        deadlineMs: Math.max(60_000, idealMs * 3),
      });
    } finally {
      await poller.close();
    }
    times = await simulator.call<number[]>("requestTimes", { method: "fulu.order.info.get" });
  } finally {
    await simulator.close();
  }

  const windows = rateWindows(times, REQUESTS_PER_SECOND);
  const { dispatchTimes, ...pollerFigures } = figures;
  const dispatchWindows = rateWindows(dispatchTimes, REQUESTS_PER_SECOND);
  const complete = figures.resolved === orders;
  const rows = [
    ["orders resolved", `${formatCount(figures.resolved)} of ${formatCount(orders)}`],
    ["order queries the simulator received", formatCount(windows.requests)],
    ["wall time (poller start → last order final)", formatSeconds(figures.wallMs)],
    [`ideal (${formatCount(orders)} / ${REQUESTS_PER_SECOND} req/s)`, formatSeconds(idealMs)],
    ["wall / ideal", formatRatio(figures.wallMs / idealMs)],
    ["busiest wall-clock second at the simulator", `${formatCount(windows.busiestClockSecond)} requests`],
    ["busiest 1-second window at the simulator", `${formatCount(windows.busiestSlidingSecond)} requests`],
    [
      `wall-clock seconds over ${REQUESTS_PER_SECOND} at the simulator`,
      formatCount(windows.clockSecondsOverLimit),
    ],
    [
      "busiest 1-second window leaving the client",
      `${formatCount(dispatchWindows.busiestSlidingSecond)} requests`,
    ],
    ["peak RSS of the poller process", formatBytes(figures.peakRss)],
    ["  RSS before the orders were written", formatBytes(figures.baselineRss)],
    ["  RSS with the orders written down", formatBytes(figures.afterSeedRss)],
    [
      "  peak reached",
      !Number.isFinite(figures.peakRssAtMs)
        ? "-"
        : figures.peakRssAtMs < 0
          ? "while the orders were written"
          : `${formatSeconds(figures.peakRssAtMs)} after polling started`,
    ],
    ["  RSS, median over the second half of the polling", formatBytes(figures.medianRssSecondHalf)],
    ["peak V8 heap used", formatBytes(figures.peakHeapUsed)],
    [
      "live V8 heap after the run (full collection)",
      Number.isFinite(figures.liveHeapAfter)
        ? `${formatBytes(figures.liveHeapAfter)} (${formatCount(
            (figures.liveHeapAfter - figures.baselineHeapUsed) / Math.max(1, orders),
          )} bytes per order over the start)`
        : "-",
    ],
    ["poller CPU per order", formatMicroseconds(figures.cpuMicros / Math.max(1, figures.resolved))],
    ["writing the orders into the store", formatSeconds(figures.seedMs)],
    ["seeding the simulator (not part of the measurement)", formatSeconds(seedMs)],
  ];
  return {
    tables: [
      {
        title: `poller-scale: ${formatCount(orders)} pending orders, ${REQUESTS_PER_SECOND} req/s supplier limit`,
        columns: ["figure", "value"],
        rows,
        notes: [
          "the poller process is plain Node on the built package (dist/), without a TypeScript loader",
          "leaving the client: when each query was handed to the transport, after the rate limiter",
          ...(complete ? [] : ["the poller did not resolve every order before its deadline"]),
        ],
      },
    ],
    targets: [
      atMost(
        "most order queries in any 1-second window",
        windows.busiestSlidingSecond,
        REQUESTS_PER_SECOND,
        formatCount,
      ),
      atMost("peak RSS of the poller process (MB)", figures.peakRss / 1e6, RSS_BUDGET_BYTES / 1e6, (value) =>
        value.toFixed(0),
      ),
      atMost("orders left unresolved", orders - figures.resolved, 0, formatCount),
    ],
    data: {
      orders,
      build: buildState,
      requestsPerSecond: REQUESTS_PER_SECOND,
      idealMs,
      simulatorSeedMs: seedMs,
      ...pollerFigures,
      windowsAtSimulator: windows,
      windowsLeavingClient: dispatchWindows,
    },
  };
}
