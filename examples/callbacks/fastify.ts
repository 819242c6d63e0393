/**
 * Receiving supplier callbacks with Fastify.
 *
 *   npx tsx examples/callbacks/fastify.ts
 *
 * `fastifyCallbackRoute` registers the route in its own encapsulated scope whose only body parser
 * keeps every content type as raw bytes; the rest of the app keeps Fastify's JSON parser.
 */
import Fastify from "fastify";
import { createCallbackHandler, fastifyCallbackRoute } from "kaquan/callbacks";
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
  // Fastify serves on the server reserved above; in an ordinary app: await app.listen({ port }).
  const app = Fastify({ serverFactory: (route) => server.on("request", route) });
  try {
    const { onEvent, event } = firstFinalEvent();
    const handler = createCallbackHandler({ clients: [supplier.fulu], onEvent });

    fastifyCallbackRoute(app, { path: CALLBACK_PATH, handler, supplier: "fulu" });
    await app.ready();

    const orderId = await placeCardOrder(supplier.fulu);
    printEvent(await event);
    await supplier.showAck(orderId);
  } finally {
    await app.close();
    await supplier.close();
    await closeServer(server);
  }
});
