/**
 * The network of a chaos run, where the faults that belong to neither kaquan nor a supplier are
 * injected:
 * - the *callback network* between the simulators and the merchant: a loopback proxy that loses
 *   chosen callbacks (F8) and keeps a copy of every genuine one for replay attacks (F25);
 * - the merchant's *callback server*: a node:http server running kaquan's own binding, whose
 *   listener is swapped when the merchant's process "restarts" (F22) and missing while it is down;
 * - the *egress tap*: a wrapper around kaquan's HTTP transport that refuses the connection of a
 *   chosen placement before a byte leaves (F2) and notes every bearer token that crosses it, so
 *   the log search knows the tokens too.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import type { HttpRequest, HttpResponse, HttpTransport } from "kaquan";

/** Reads a request body as text. */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// ---- the merchant's callback server ------------------------------------------------------------

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

export interface CallbackServer {
  readonly origin: string;
  /** The process serving callbacks now; `undefined` while it is down (connections are dropped). */
  setListener(listener: RequestListener | undefined): void;
  close(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  let current: RequestListener | undefined;
  const server = createServer((request, response) => {
    if (current) current(request, response);
    else request.socket.destroy();
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    setListener(listener) {
      current = listener;
    },
    close: () => closeServer(server),
  };
}

// ---- the callback network ----------------------------------------------------------------------

/** A genuine callback as it crossed the network. */
export interface CapturedCallback {
  path: string;
  body: string;
  headers: Record<string, string>;
}

export interface CallbackNetworkOptions {
  /** kaquan's callback server. */
  target: string;
  /** Names the order a callback is about, from its path and body. */
  orderOf(path: string, body: string): { supplier: string; orderNo: string } | undefined;
  /** Whether this callback is lost on the way (F8). */
  lose(supplier: string, orderNo: string): boolean;
}

export interface CallbackNetwork {
  readonly origin: string;
  /** The first genuine callback that crossed for an order, if any. */
  captured(supplier: string, orderNo: string): CapturedCallback | undefined;
  /** Callbacks lost on purpose. */
  lost(): number;
  close(): Promise<void>;
}

export async function startCallbackNetwork(options: CallbackNetworkOptions): Promise<CallbackNetwork> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const captures = new Map<string, CapturedCallback>();
  let lostCount = 0;
  const server = createServer((request, response) => {
    void (async () => {
      let body: string;
      try {
        body = await readBody(request);
      } catch {
        return;
      }
      const path = request.url ?? "/";
      const order = options.orderOf(path, body);
      if (order && options.lose(order.supplier, order.orderNo)) {
        // Lost on the way: the supplier sees a dead connection and, after its retries, gives up.
        lostCount += 1;
        request.socket.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string" && name !== "host" && name !== "connection") headers[name] = value;
      }
      if (order) {
        const key = `${order.supplier}:${order.orderNo}`;
        if (!captures.has(key)) captures.set(key, { path, body, headers });
      }
      const forward = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path,
          method: request.method,
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
          agent,
        },
        (answer) => {
          void readBody(answer)
            .then((text) => {
              response.writeHead(answer.statusCode ?? 502, {
                "content-type": answer.headers["content-type"] ?? "text/plain",
              });
              response.end(text);
            })
            .catch(() => response.destroy());
        },
      );
      // kaquan's server is down (a restart): the supplier sees the same dead connection.
      forward.on("error", () => response.destroy());
      forward.end(body);
    })();
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    captured: (supplier, orderNo) => captures.get(`${supplier}:${orderNo}`),
    lost: () => lostCount,
    async close() {
      agent.destroy();
      await closeServer(server);
    },
  };
}

/** POSTs a callback straight to kaquan's server (an attacker does not go through the supplier). */
export function postCallback(
  origin: string,
  callback: { path: string; body: string; headers: Record<string, string> },
): Promise<{ status: number; body: string } | undefined> {
  const url = new URL(callback.path, origin);
  return new Promise((resolve) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: { ...callback.headers, "content-length": String(Buffer.byteLength(callback.body)) },
      },
      (answer) => {
        void readBody(answer)
          .then((text) => resolve({ status: answer.statusCode ?? 0, body: text }))
          .catch(() => resolve(undefined));
      },
    );
    outgoing.on("error", () => resolve(undefined));
    outgoing.end(callback.body);
  });
}

// ---- the egress tap ----------------------------------------------------------------------------

/** A loopback port nothing listens on: bound, then released. */
export async function closedLoopbackPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface EgressTapOptions {
  /** Whether this request must find the connection refused (F2). */
  refuse(request: HttpRequest): boolean;
  /** A port nothing listens on. */
  closedPort: number;
  /** Called with every credential-like value seen on the wire (bearer tokens, access tokens). */
  onToken(token: string): void;
}

/** Wraps a transport: refused connections where told, and every token noted. */
export function tapTransport(inner: HttpTransport, options: EgressTapOptions): HttpTransport {
  return {
    async send(request, sendOptions) {
      const authorization = request.headers?.authorization ?? request.headers?.Authorization;
      if (authorization) options.onToken(authorization.replace(/^(Bearer|Basic)\s+/i, ""));
      let outgoing = request;
      if (options.refuse(request)) {
        const url = new URL(request.url);
        url.port = String(options.closedPort);
        outgoing = { ...request, url: url.toString() };
      }
      const response: HttpResponse = await inner.send(outgoing, sendOptions);
      const token = /"access_token"\s*:\s*"([^"]+)"/.exec(response.text)?.[1];
      if (token) options.onToken(token);
      return response;
    },
  };
}
