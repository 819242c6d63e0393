/**
 * callback-endpoint: kaquan's node:http binding serving Fulu callbacks under load, against a bare
 * node:http handler that reads the body and answers the same ack bytes (`success`).
 *
 * Both servers run in this process; autocannon (programmatic API) runs in a separate process,
 * so the load generator does not share this event loop. Rounds alternate (kaquan, bare, …) and
 * use the same signed bodies. For each kaquan round the handler starts afresh with its own
 * orders written down, so each callback is a distinct order's first success — verified, applied
 * and claimed — until the prepared bodies wrap around (then it is a duplicate; the outcome
 * counts show how many).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createSupplierClient } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createCallbackHandler, nodeCallbackListener } from "kaquan/callbacks";
import { FULU_SIMULATOR_APP_KEY, FULU_SIMULATOR_APP_SECRET } from "kaquan/testing";
import type { Benchmark, BenchmarkContext, BenchmarkReport } from "../support/benchmark.js";
import { formatCount, formatMicroseconds, formatMilliseconds, formatRatio } from "../support/format.js";
import type { Table } from "../support/report-table.js";
import { median, ratio } from "../support/statistics.js";
import { atLeast } from "../support/targets.js";
import { startWorkerProcess } from "../support/worker-process.js";

interface Sizes {
  pairs: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Distinct callbacks prepared per round. */
  pool: number;
}

const fullSizes: Sizes = { pairs: 4, durationSeconds: 5, warmupSeconds: 2, connections: 32, pool: 50_000 };
const quickSizes: Sizes = { pairs: 1, durationSeconds: 2, warmupSeconds: 1, connections: 32, pool: 15_000 };

type Side = "kaquan" | "bare";

interface LoadFigures {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  bodiesSent: number;
}

interface RoundFigures extends LoadFigures {
  /** Server CPU (user + system) per request, in microseconds. */
  serverCpuMicrosPerRequest: number;
}

const ACK = "success";
const ACK_HEADERS = { "content-type": "text/plain; charset=utf-8", "content-length": String(ACK.length) };

export const callbackEndpoint: Benchmark = {
  name: "callback-endpoint",
  summary: "nodeCallbackListener serving Fulu callbacks vs a bare node:http handler, under autocannon",
  run,
};

async function run(context: BenchmarkContext): Promise<BenchmarkReport> {
  const sizes = context.quick ? quickSizes : fullSizes;
  const outcomes: Record<string, number> = {};
  let kaquanListener: (request: IncomingMessage, response: ServerResponse) => void = () => {};
  /** A fresh client, store and handler with `prefix<n>` orders written down, as after placeOrder. */
  const freshKaquan = async (prefix: string) => {
    const client = createSupplierClient({
      adapter: createFuluAdapter({
        appKey: FULU_SIMULATOR_APP_KEY,
        appSecret: FULU_SIMULATOR_APP_SECRET,
        endpoint: "http://127.0.0.1:9/api/getway",
      }),
    });
    for (let index = 0; index < sizes.pool; index++)
      await client.applyUpdate({
        merchantOrderId: `${prefix}${index}`,
        status: "processing",
        source: "place",
        kind: "direct",
      });
    const handler = createCallbackHandler({ clients: [client], onEvent: () => {} });
    kaquanListener = nodeCallbackListener(handler, {
      supplier: "fulu",
      onResult: (result) => {
        outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
      },
    });
  };
  const kaquanServer = await listen(createServer((request, response) => kaquanListener(request, response)));
  const bareServer = await listen(createServer(bareListener));
  const generator = await startWorkerProcess(
    new URL("../processes/load-generator-process.ts", import.meta.url),
    {
      root: context.root,
    },
  );

  const runRound = async (side: Side, durationSeconds: number): Promise<RoundFigures> => {
    const server = side === "kaquan" ? kaquanServer : bareServer;
    const cpuBefore = process.cpuUsage();
    const figures = await generator.call<LoadFigures>("run", {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks/fulu`,
      connections: sizes.connections,
      durationSeconds,
    });
    const cpu = process.cpuUsage(cpuBefore);
    return { ...figures, serverCpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, figures.requests) };
  };

  const rounds: Record<Side, RoundFigures[]> = { kaquan: [], bare: [] };
  try {
    const prepare = async (prefix: string) => {
      await generator.call("prepare", { prefix, count: sizes.pool, appSecret: FULU_SIMULATOR_APP_SECRET });
      await freshKaquan(prefix);
    };
    await prepare("CEW");
    await runRound("kaquan", sizes.warmupSeconds);
    await runRound("bare", sizes.warmupSeconds);
    for (const key of Object.keys(outcomes)) delete outcomes[key];

    for (let pair = 0; pair < sizes.pairs; pair++) {
      await prepare(`CE${pair}x`);
      for (const side of ["kaquan", "bare"] as const) {
        const figures = await runRound(side, sizes.durationSeconds);
        rounds[side].push(figures);
        context.log(
          `round ${pair + 1}/${sizes.pairs} ${side.padEnd(6)} ${formatCount(figures.requestsPerSecond)} req/s, p99 ${formatMilliseconds(
            figures.latencyP99Ms,
          )}`,
        );
      }
    }
  } finally {
    await generator.close();
    kaquanServer.closeAllConnections();
    bareServer.closeAllConnections();
    await Promise.all([close(kaquanServer), close(bareServer)]);
  }

  const summary = (side: Side) => {
    const sideRounds = rounds[side];
    const requests = sideRounds.reduce((sum, round) => sum + round.requests, 0);
    return {
      requests,
      requestsPerSecond: median(sideRounds.map((round) => round.requestsPerSecond)),
      latencyP50Ms: median(sideRounds.map((round) => round.latencyP50Ms)),
      latencyP99Ms: median(sideRounds.map((round) => round.latencyP99Ms)),
      serverCpuMicrosPerRequest: median(sideRounds.map((round) => round.serverCpuMicrosPerRequest)),
      non2xx: sideRounds.reduce((sum, round) => sum + round.non2xx, 0),
      errors: sideRounds.reduce((sum, round) => sum + round.errors + round.timeouts, 0),
    };
  };
  const kaquan = summary("kaquan");
  const bare = summary("bare");
  const throughputRatio = ratio(kaquan.requestsPerSecond, bare.requestsPerSecond);
  const row = (label: string, figures: typeof kaquan) => [
    label,
    formatCount(figures.requests),
    formatCount(figures.requestsPerSecond),
    formatMilliseconds(figures.latencyP50Ms),
    formatMilliseconds(figures.latencyP99Ms),
    formatMicroseconds(figures.serverCpuMicrosPerRequest),
    formatCount(figures.non2xx + figures.errors),
  ];
  const table: Table = {
    title: `callback-endpoint: ${sizes.pairs} alternating round pairs of ${sizes.durationSeconds} s, ${sizes.connections} connections`,
    columns: ["server", "requests", "req/s", "p50", "p99", "server CPU/req", "non-2xx+errors"],
    rows: [
      row("kaquan nodeCallbackListener", kaquan),
      row("bare node:http", bare),
      [
        "kaquan / bare",
        "",
        formatRatio(throughputRatio),
        formatRatio(ratio(kaquan.latencyP50Ms, bare.latencyP50Ms)),
        formatRatio(ratio(kaquan.latencyP99Ms, bare.latencyP99Ms)),
        formatRatio(ratio(kaquan.serverCpuMicrosPerRequest, bare.serverCpuMicrosPerRequest)),
        "",
      ],
    ],
    notes: [
      "load generator: autocannon's programmatic API in a separate process (pipelining 1); servers in this process",
      "req/s, p50, p99, CPU: median round",
      `kaquan outcomes: ${Object.entries(outcomes)
        .map(([outcome, count]) => `${formatCount(count)} ${outcome}`)
        .join(", ")}`,
    ],
  };
  return {
    tables: [table],
    targets: [atLeast("throughput ratio kaquan/bare", throughputRatio, 0.7, formatRatio)],
    data: { sizes, kaquan, bare, throughputRatio, outcomes, rounds },
  };
}

/** The bare limit: read the whole body (as any real endpoint must), answer the ack. */
function bareListener(request: IncomingMessage, response: ServerResponse): void {
  request.on("data", () => {});
  request.on("end", () => {
    response.writeHead(200, ACK_HEADERS);
    response.end(ACK);
  });
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
