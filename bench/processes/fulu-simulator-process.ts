/**
 * The Fulu simulator in a process of its own, as a supplier is on another machine: the process
 * under measurement then spends its CPU on the client alone. Started by the benchmarks through
 * `startWorkerProcess`; commands:
 * - `start` `{ autoSettle, settleAfterMs }` → `{ url, appKey, appSecret }`;
 * - `seed` `{ prefix, count, concurrency }`: places orders `<prefix><n>` through the simulator's
 *   own gateway, signed as Fulu expects (the simulator has no other way in), → `{ elapsedMs }`;
 * - `idle`: waits until every order has settled → `{ processing }` (orders still not final);
 * - `requestTimes` `{ method }` → the arrival time (epoch ms) of every request for that method.
 */
import http from "node:http";
import { createFuluSimulator, type FuluSimulator } from "kaquan/testing";
import { signedFuluDirectOrder } from "../support/fulu-order.js";
import { serveWorkerCommands } from "../support/worker-process.js";

let simulator: FuluSimulator | undefined;

function running(): FuluSimulator {
  if (!simulator) throw new Error("the simulator is not started");
  return simulator;
}

serveWorkerCommands({
  async start(options: { autoSettle: boolean; settleAfterMs?: number }) {
    simulator = createFuluSimulator({
      autoSettle: options.autoSettle,
      settleAfterMs: options.settleAfterMs ?? 1,
      // Enough for every order a benchmark places: the default 10,000 元 would run out.
      balance: "1000000000.00",
    });
    await simulator.start();
    return { url: simulator.url, appKey: simulator.appKey, appSecret: simulator.appSecret };
  },

  async seed(options: { prefix: string; count: number; concurrency: number }) {
    const target = running();
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
    const startedAt = performance.now();
    let next = 0;
    let reported = 0;
    const placeNext = async (): Promise<void> => {
      for (let index = next++; index < options.count; index = next++) {
        const body = signedFuluDirectOrder(target, `${options.prefix}${index}`, "bench-player");
        const answer = await post(target.url, body, agent);
        if (!answer.includes('"code":0')) throw new Error(`seeding order ${index} was refused: ${answer}`);
        if (index - reported >= options.count / 4) {
          reported = index;
          console.log(
            `    seeded ${index.toLocaleString("en-US")} of ${options.count.toLocaleString("en-US")}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, placeNext));
    agent.destroy();
    return { elapsedMs: performance.now() - startedAt };
  },

  async idle() {
    const target = running();
    await target.idle();
    return { processing: target.orders().filter((order) => order.state === "processing").length };
  },

  requestTimes(options: { method: string }) {
    return running()
      .requests(options.method)
      .map((record) => record.at);
  },
});

function post(url: string, body: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json;charset=utf-8",
          "content-length": Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}
