/**
 * Receiving supplier callbacks with Koa.
 *
 *   npx tsx examples/callbacks/koa.ts
 *
 * Mount `koaCallbackMiddleware` on the callback path before any body parser: it reads the raw
 * request stream. Behind `koa-bodyparser` it uses `ctx.request.rawBody` instead.
 */

import { createCallbackHandler, koaCallbackMiddleware } from "kaquan/callbacks";
import Koa from "koa";
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
    const onFulu = koaCallbackMiddleware(handler, { supplier: "fulu" });

    const app = new Koa();
    // With @koa/router: router.post(CALLBACK_PATH, onFulu).
    app.use(async (ctx, next) =>
      ctx.method === "POST" && ctx.path === CALLBACK_PATH ? onFulu(ctx) : next(),
    );
    server.on("request", app.callback()); // in an ordinary app: app.listen(port)

    const orderId = await placeCardOrder(supplier.fulu);
    printEvent(await event);
    await supplier.showAck(orderId);
  } finally {
    await supplier.close();
    await closeServer(server);
  }
});
