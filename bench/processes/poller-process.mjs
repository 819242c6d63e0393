/**
 * The status poller in a process of its own, so that its peak memory is its own. Plain
 * JavaScript on the built package (`kaquan` resolves to `dist/` through the package's own
 * exports), run by Node without a TypeScript loader: the memory measured is what a merchant's
 * poller uses, not the loader's. It speaks the protocol of bench/support/worker-process.ts:
 * `"ready"` once, then `{ id, command, payload }` → `{ id, value }` or `{ id, error }`.
 *
 * Command `run`: writes `count` pending orders `<prefix><n>` into a memory store (as placeOrder
 * would have), then lets `createStatusPoller` resolve them all through a client limited to
 * `requestsPerSecond`, and reports the wall time, the memory and the CPU used, and when each
 * order query left for the transport (where the client's rate limit applies; the simulator's
 * arrival times add the loopback and its own event loop's delays).
 */
import { createHttpTransport, createSupplierClient, isFinal } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createStatusPoller } from "kaquan/callbacks";

async function run(options) {
  let peakRss = process.memoryUsage.rss();
  let peakHeapUsed = process.memoryUsage().heapUsed;
  // RSS every 100 ms once polling starts (preallocated, like the dispatch times), and when the
  // sampled peak came: it tells V8's heap growth after the write burst from the steady state.
  const rssSamples = new Float64Array(Math.ceil(options.deadlineMs / 100) + 10);
  let sampled = 0;
  let pollingStartedAt = Number.NaN;
  let peakRssAt = Number.NaN;
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    if (memory.rss > peakRss) peakRssAt = performance.now();
    peakRss = Math.max(peakRss, memory.rss);
    peakHeapUsed = Math.max(peakHeapUsed, memory.heapUsed);
    if (!Number.isNaN(pollingStartedAt) && sampled < rssSamples.length) rssSamples[sampled++] = memory.rss;
  }, 100);
  const baselineRss = process.memoryUsage.rss();
  // Not collected first: a full collection here would change how V8 sizes the heap afterwards.
  const baselineHeapUsed = process.memoryUsage().heapUsed;

  const transport = createHttpTransport();
  // Preallocated so that recording does not add to the memory being measured as it runs.
  const dispatchTimes = new Float64Array(options.count * 2);
  let dispatched = 0;
  const recordingTransport = {
    send(request, sendOptions) {
      if (request.operation === "fulu.order.info.get" && dispatched < dispatchTimes.length)
        dispatchTimes[dispatched++] = performance.timeOrigin + performance.now();
      return transport.send(request, sendOptions);
    },
    // Passed through, as a wrapping transport should: the client waits for it before its first
    // rate-limit token.
    ready: () => transport.ready(),
  };
  const client = createSupplierClient({
    adapter: createFuluAdapter({
      appKey: options.appKey,
      appSecret: options.appSecret,
      endpoint: options.url,
    }),
    http: recordingTransport,
    rateLimit: { requestsPerSecond: options.requestsPerSecond },
  });
  const seedStartedAt = performance.now();
  for (let index = 0; index < options.count; index++) {
    await client.applyUpdate({
      merchantOrderId: `${options.prefix}${index}`,
      status: "processing",
      source: "place",
      kind: "direct",
      sku: "10000001",
      account: "bench-player",
    });
  }
  const seedMs = performance.now() - seedStartedAt;
  const afterSeedRss = process.memoryUsage.rss();

  let resolved = 0;
  let finish = () => {};
  const allResolved = new Promise((resolve) => {
    finish = resolve;
  });
  const poller = createStatusPoller({
    clients: [client],
    onEvent: (event) => {
      if (!isFinal(event.status)) return;
      resolved += 1;
      if (resolved === options.count) finish();
    },
  });
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  pollingStartedAt = startedAt;
  const progress = setInterval(() => {
    const seconds = (performance.now() - startedAt) / 1000;
    console.log(
      `    ${seconds.toFixed(0)} s: ${resolved.toLocaleString("en-US")} of ${options.count.toLocaleString("en-US")} resolved, RSS ${(process.memoryUsage.rss() / 1e6).toFixed(0)} MB`,
    );
  }, 30_000);
  poller.start();
  const deadline = new Promise((resolve) => setTimeout(resolve, options.deadlineMs).unref());
  await Promise.race([allResolved, deadline]);
  const wallMs = performance.now() - startedAt;
  await poller.stop();
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(progress);
  clearInterval(sampler);
  const pending = (await client.listPendingOrders()).length;
  transport.close();
  const endRss = process.memoryUsage.rss();
  // What the poller really holds once it is done (every record, claim and schedule still
  // referenced), after everything measured above: `--expose-gc` only adds the function.
  globalThis.gc?.();
  const liveHeapAfter = process.memoryUsage().heapUsed;
  const secondHalf = Array.from(rssSamples.subarray(Math.floor(sampled / 2), sampled)).sort((a, b) => a - b);
  return {
    dispatchTimes: Array.from(dispatchTimes.subarray(0, dispatched)),
    seedMs,
    wallMs,
    resolved,
    pending,
    baselineRss,
    afterSeedRss,
    peakRssSampled: peakRss,
    // maxRSS is in kilobytes: the true peak, between samples included.
    peakRss: Math.max(peakRss, process.resourceUsage().maxRSS * 1024),
    peakHeapUsed,
    peakRssAtMs: peakRssAt - pollingStartedAt,
    medianRssSecondHalf: secondHalf.length > 0 ? secondHalf[Math.floor(secondHalf.length / 2)] : Number.NaN,
    endRss,
    baselineHeapUsed,
    liveHeapAfter: globalThis.gc ? liveHeapAfter : Number.NaN,
    cpuMicros: cpu.user + cpu.system,
  };
}

const commands = { run };

if (!process.send) throw new Error("this module runs as a benchmark worker (started with an IPC channel)");
process.on("message", (message) => {
  const handler = commands[message.command];
  (async () => {
    try {
      if (!handler) throw new Error(`unknown worker command "${message.command}"`);
      process.send({ id: message.id, value: await handler(message.payload) });
    } catch (error) {
      process.send({ id: message.id, error: error instanceof Error ? error.message : String(error) });
    }
  })();
});
process.on("disconnect", () => process.exit(0));
process.send("ready");
