/**
 * Receiving supplier callbacks with Hono (on Node; the same route works on Bun, Deno and Workers).
 *
 *   npx tsx examples/callbacks/hono.ts
 *
 * Hono speaks Fetch: hand the route the `Request` itself (`c.req.raw`), before anything calls
 * `c.req.json()`, so the signature is checked over the bytes Fulu sent.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Hono } from "hono";
import { createCallbackHandler, fetchCallbackHandler } from "kaquan/callbacks";
import {
  CALLBACK_PATH,
  closeServer,
  firstFinalEvent,
  placeCardOrder,
  printEvent,
  reservePort,
  runExample,
  startDemoSupplier,
} from "./demo-supplier.js";

runExample(async () => {
  const { server, callbackUrl } = await reservePort();
  const supplier = await startDemoSupplier(callbackUrl);
  try {
    const { onEvent, event } = firstFinalEvent();
    const handler = createCallbackHandler({ clients: [supplier.fulu], onEvent });
    const onFulu = fetchCallbackHandler(handler, { supplier: "fulu" });

    const app = new Hono();
    app.post(CALLBACK_PATH, (c) => onFulu(c.req.raw));
    // On Node, @hono/node-server's serve(app) does this; Bun and Deno serve app.fetch directly.
    server.on("request", nodeToFetch(app.fetch));

    const orderId = await placeCardOrder(supplier.fulu);
    printEvent(await event);
    await supplier.showAck(orderId);
  } finally {
    await supplier.close();
    await closeServer(server);
  }
});

/** A minimal node:http → Fetch bridge (buffers the body; enough for callbacks). */
function nodeToFetch(fetch: (request: Request) => Response | Promise<Response>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      body,
    });
    const response = await fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}
