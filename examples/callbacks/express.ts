/**
 * Receiving supplier callbacks with Express.
 *
 *   npx tsx examples/callbacks/express.ts
 *
 * The signature is checked over the bytes Fulu sent, so the callback route must not sit behind
 * `express.json()`. `expressCallbackHandler` reads the stream itself when no parser ran, and uses
 * `req.body` after `express.raw()` / `express.text()`.
 */
import express from "express";
import { createCallbackHandler, expressCallbackHandler } from "kaquan/callbacks";
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

    const app = express();
    // The callback route comes BEFORE any app-wide express.json(), or uses express.raw() itself:
    //   app.post(CALLBACK_PATH, express.raw({ type: "*/*" }), expressCallbackHandler(handler, …));
    app.post(CALLBACK_PATH, expressCallbackHandler(handler, { supplier: "fulu" }));
    app.use(express.json()); // the rest of the application
    server.on("request", app); // in an ordinary app: app.listen(port)

    const orderId = await placeCardOrder(supplier.fulu);
    printEvent(await event);
    await supplier.showAck(orderId);
  } finally {
    await supplier.close();
    await closeServer(server);
  }
});
