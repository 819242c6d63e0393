/**
 * Receiving supplier callbacks in a Next.js App Router route handler.
 *
 *   npx tsx examples/callbacks/next-route-handler.ts
 *
 * In a Next.js app the route is one file; `POST` gets the Web `Request`, whose body kaquan reads
 * once, as bytes (never `await request.json()` first):
 *
 *   // app/callbacks/fulu/route.ts
 *   import { fetchCallbackHandler } from "kaquan/callbacks";
 *   import { callbackHandler } from "@/lib/suppliers"; // createCallbackHandler({ clients, onEvent })
 *
 *   export const runtime = "nodejs";
 *   export const POST = fetchCallbackHandler(callbackHandler, { supplier: "fulu" });
 *
 * Here a tiny node:http server stands in for Next.js: it turns each request into a `new Request(…)`
 * and calls `POST` with it, as Next.js does.
 */
import { createCallbackHandler, fetchCallbackHandler } from "kaquan/callbacks";
import {
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
    const callbackHandler = createCallbackHandler({ clients: [supplier.fulu], onEvent });

    // What app/callbacks/fulu/route.ts exports:
    const POST = fetchCallbackHandler(callbackHandler, { supplier: "fulu" });

    // The stand-in for Next.js: request in, POST(new Request(…)), response out.
    server.on("request", async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const response = await POST(
        new Request(`http://${req.headers.host}${req.url}`, {
          method: "POST",
          headers: { "content-type": req.headers["content-type"] ?? "" },
          body: Buffer.concat(chunks),
        }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(await response.text());
    });

    const orderId = await placeCardOrder(supplier.fulu);
    printEvent(await event);
    await supplier.showAck(orderId);
  } finally {
    await supplier.close();
    await closeServer(server);
  }
});
