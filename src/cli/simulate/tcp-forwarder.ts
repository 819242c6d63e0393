/**
 * Forwards TCP connections from a chosen address to a simulator. The simulators listen on
 * 127.0.0.1 only (a test double should not be reachable from the network by accident); when a
 * merchant's system runs elsewhere — a container, a VM — `kaquan simulate --host 0.0.0.0` opts in
 * to exposing it, and this forwarder carries the bytes unchanged, so signatures still verify.
 */

import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";

/** A running forwarder. */
export interface TcpForwarder {
  /** The port it listens on (the one asked for, or the ephemeral one given). */
  readonly port: number;
  /** Stops listening and closes every forwarded connection. */
  close(): Promise<void>;
}

/** Listens on `host:port` and pipes each connection to `127.0.0.1:targetPort`. */
export async function startTcpForwarder(
  host: string,
  port: number,
  targetPort: number,
): Promise<TcpForwarder> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((incoming) => {
    const outgoing = connect(targetPort, "127.0.0.1");
    sockets.add(incoming);
    sockets.add(outgoing);
    const drop = () => {
      incoming.destroy();
      outgoing.destroy();
      sockets.delete(incoming);
      sockets.delete(outgoing);
    };
    incoming.on("error", drop).on("close", drop);
    outgoing.on("error", drop).on("close", drop);
    incoming.pipe(outgoing);
    outgoing.pipe(incoming);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
