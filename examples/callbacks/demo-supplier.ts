/**
 * The scaffolding the callback examples share, so that each example shows only its framework:
 * a stand-in supplier (the Fulu simulator, which signs and POSTs callbacks like Fulu), the
 * supplier client, one card order, and a 15 s guard. Not part of an integration: in production the
 * supplier is Fulu itself, your AppKey/AppSecret come from the environment, and Fulu is told your
 * callback URL in its console.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSupplierClient, isKaquanError, type StatusEvent, type SupplierClient } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createFuluSimulator, type FuluSimulator } from "kaquan/testing";

/** The callback path every example mounts. */
export const CALLBACK_PATH = "/callbacks/fulu";

/**
 * Starts a node:http server on an ephemeral 127.0.0.1 port with no route yet. The supplier must
 * know the callback URL before it starts, and the supplier client must know the supplier's URL
 * before the callback handler exists — so the port comes first and the route is attached later.
 */
export async function reservePort(): Promise<{ server: Server; callbackUrl: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { server, callbackUrl: `http://127.0.0.1:${port}${CALLBACK_PATH}` };
}

/** Closes a server and its keep-alive connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** The stand-in supplier and a client for it. */
export interface DemoSupplier {
  simulator: FuluSimulator;
  fulu: SupplierClient;
  /** Prints what Fulu got back from the callback URL (`200 success`), and throws if it was not acknowledged. */
  showAck(merchantOrderId: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts the Fulu simulator, which POSTs a signed callback to `callbackUrl` when an order settles. */
export async function startDemoSupplier(callbackUrl: string): Promise<DemoSupplier> {
  const simulator = createFuluSimulator({ callbackUrl, settleAfterMs: 100 });
  await simulator.start();
  const fulu = createSupplierClient({
    adapter: createFuluAdapter({
      appKey: simulator.appKey,
      appSecret: simulator.appSecret,
      endpoint: simulator.url,
    }),
  });
  return {
    simulator,
    fulu,
    async showAck(merchantOrderId) {
      await simulator.idle(); // the acknowledgement is sent once onEvent has returned
      const last = simulator.callbacks(merchantOrderId).at(-1);
      console.log(
        `Fulu's callback was answered: ${last?.status ?? "-"} ${JSON.stringify(last?.reply ?? "")}`,
      );
      if (!last?.acknowledged) throw new Error("the callback was not acknowledged with `success`");
    },
    async close() {
      fulu.close();
      await simulator.close();
    },
  };
}

/** An `onEvent` for the examples, and a promise of the first final event it receives. */
export function firstFinalEvent(): { onEvent: (event: StatusEvent) => void; event: Promise<StatusEvent> } {
  let resolve!: (event: StatusEvent) => void;
  const event = new Promise<StatusEvent>((settle) => {
    resolve = settle;
  });
  return {
    onEvent(event) {
      console.log(`onEvent: ${event.merchantOrderId} ${event.previousStatus ?? "-"} → ${event.status}`);
      if (event.status !== "processing") resolve(event);
    },
    event,
  };
}

/** Places one 卡密 order (two codes of the video membership card), as a shop would. */
export async function placeCardOrder(fulu: SupplierClient): Promise<string> {
  const merchantOrderId = `CB-${Date.now().toString(36)}`;
  const order = await fulu.placeOrder({ merchantOrderId, kind: "card", sku: "10000002", quantity: 2 });
  console.log(`placed ${order.merchantOrderId}: ${order.status}`);
  return merchantOrderId;
}

/** Prints an event. Card codes are Secrets: they print as [secret] unless revealed. */
export function printEvent(event: StatusEvent): void {
  const { order, ...rest } = event;
  console.log("StatusEvent delivered by onEvent:");
  console.log(JSON.stringify({ ...rest, cost: order.cost, cards: order.cards }, null, 2));
}

/** Runs an example: exit 0 on success, 1 with the reason on failure or after 15 s. */
export function runExample(main: () => Promise<void>): void {
  const timer = setTimeout(() => {
    console.error("example failed: no callback event within 15 s");
    process.exit(1);
  }, 15_000);
  main().then(
    () => {
      clearTimeout(timer);
      process.exit(0);
    },
    (error: unknown) => {
      const message = isKaquanError(error)
        ? `${error.name} [${error.code}]: ${error.message}`
        : String(error);
      console.error(`example failed: ${message}`);
      process.exit(1);
    },
  );
}
