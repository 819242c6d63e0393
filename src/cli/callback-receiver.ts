/**
 * A local node:http server that receives a supplier's callbacks through kaquan's own callback
 * pipeline (`createCallbackHandler` and the node:http binding): callbacks are verified over their
 * raw bytes, applied to the probe's client and acknowledged with the supplier's exact ack, as in
 * production. Used by `probe` to measure callback delay.
 *
 * It starts before the client exists (a simulator needs the callback URL when it starts, and the
 * client needs the simulator's URL), so the pipeline is attached afterwards; until then callbacks
 * are answered 503 and the supplier retries.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createCallbackHandler, nodeCallbackListener } from "../callbacks/index.js";
import type { SupplierClient } from "../client/index.js";
import type { CallbackTracker } from "./probe/callback-tracker.js";

/** A running receiver. */
export interface CallbackReceiver {
  /** `http://<host>:<port>/callbacks/<supplier>`: the URL to give a simulator. */
  readonly url: string;
  /** Routes callbacks through kaquan's pipeline into `client`, recording them in `tracker`. */
  attach(client: SupplierClient, tracker: CallbackTracker): void;
  close(): Promise<void>;
}

/** Options of {@link startCallbackReceiver}. */
export interface CallbackReceiverOptions {
  readonly supplier: string;
  /** Default `127.0.0.1`: callbacks from an in-process simulator never leave the machine. */
  readonly host?: string | undefined;
  /** Default 0: an ephemeral port. */
  readonly port?: number | undefined;
}

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

/** Starts the receiver; resolves once it listens. */
export async function startCallbackReceiver(options: CallbackReceiverOptions): Promise<CallbackReceiver> {
  let listener: Listener | undefined;
  const server: Server = createServer((request, response) => {
    if (listener) return listener(request, response);
    response.writeHead(503, { "content-type": "text/plain; charset=utf-8" }).end("not ready");
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/callbacks/${options.supplier}`,
    attach(client, tracker) {
      const handler = createCallbackHandler({ clients: [client], onEvent: tracker.onEvent });
      listener = nodeCallbackListener(handler, {
        supplier: client.supplier,
        onResult: tracker.onResult,
        // An unexpected failure is answered 500 (the supplier retries); the probe stays quiet.
        onError: () => undefined,
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
