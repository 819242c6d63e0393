/**
 * Receiving supplier callbacks with plain node:http.
 *
 *   npx tsx examples/callbacks/node-http.ts
 *
 * `nodeCallbackListener` reads the raw request stream (the signature is checked over those bytes),
 * runs the pipeline and writes Fulu's exact acknowledgement (`200 success`).
 */
import { createCallbackHandler, nodeCallbackListener } from "kaquan/callbacks";
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
    // The pipeline: verify → dedupe → apply → onEvent once per order state → exact ack.
    const handler = createCallbackHandler({ clients: [supplier.fulu], onEvent });

    // The binding: the whole server is the callback endpoint here. With several suppliers, give
    // the handler `paths: { "/callbacks/fulu": "fulu", … }` and drop `supplier`.
    server.on("request", nodeCallbackListener(handler, { supplier: "fulu" }));

    const orderId = await placeCardOrder(supplier.fulu);
    printEvent(await event);
    await supplier.showAck(orderId);
  } finally {
    await supplier.close();
    await closeServer(server);
  }
});
