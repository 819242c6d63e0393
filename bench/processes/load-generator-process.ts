/**
 * autocannon in a process of its own, so that on a small machine the load generator does not
 * share an event loop (or a core, when one is free) with the server it measures. Commands:
 * - `prepare` `{ prefix, count, appSecret }`: signs `count` distinct Fulu success callbacks for
 *   orders `<prefix><n>` and keeps them;
 * - `run` `{ url, connections, durationSeconds }`: POSTs the prepared callbacks in turn (one per
 *   request, wrapping around) for the duration → autocannon's figures.
 */
import autocannon from "autocannon";
import { signedFuluCallback } from "../support/fulu-callback.js";
import { serveWorkerCommands } from "../support/worker-process.js";

let bodies: string[] = [];

serveWorkerCommands({
  prepare(options: { prefix: string; count: number; appSecret: string }) {
    bodies = Array.from(
      { length: options.count },
      (_, index) => signedFuluCallback(`${options.prefix}${index}`, index, options.appSecret).body,
    );
    return { count: bodies.length };
  },

  async run(options: { url: string; connections: number; durationSeconds: number }) {
    if (bodies.length === 0) throw new Error("prepare the callbacks first");
    let next = 0;
    const result = await autocannon({
      url: options.url,
      connections: options.connections,
      pipelining: 1,
      duration: options.durationSeconds,
      requests: [
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          setupRequest(request) {
            request.body = bodies[next++ % bodies.length];
            return request;
          },
        },
      ],
    });
    return {
      requests: result.requests.total,
      durationSeconds: result.duration,
      requestsPerSecond: result.requests.total / result.duration,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      latencyMeanMs: result.latency.average,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      bodiesSent: next,
    };
  },
});
