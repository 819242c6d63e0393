/**
 * The loopback HTTP server the supplier simulators run on. It listens on 127.0.0.1 only, keeps
 * track of every socket so that closing really closes (keep-alive connections included — a plain
 * `server.close()` waits for idle keep-alive sockets and can hang a test run), and never prints.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Handles one request. A thrown error or rejected promise answers 500 (or drops the socket if headers went out). */
export type LoopbackHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** A running loopback server. */
export interface LoopbackServer {
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Stops listening and destroys every open socket. Idempotent. */
  close(): Promise<void>;
}

/** Options for {@link startLoopbackServer}. */
export interface LoopbackServerOptions {
  /** The port; 0 (the default) picks a free ephemeral port. */
  port?: number | undefined;
}

/** Starts an HTTP server on 127.0.0.1. Rejects when the port cannot be bound. */
export async function startLoopbackServer(
  handler: LoopbackHandler,
  options: LoopbackServerOptions = {},
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    Promise.resolve()
      .then(() => handler(request, response))
      .catch(() => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end("simulator error");
      });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // A client that resets mid-request must not surface as an unhandled error.
  server.on("clientError", (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/**
 * Reads a request body as UTF-8 text. Resolves `undefined` when it exceeds `limitBytes` (the
 * rest is discarded); rejects when the client aborts.
 */
export function readRequestBody(
  request: IncomingMessage,
  limitBytes = 1024 * 1024,
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let ended = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    request.on("end", () => {
      ended = true;
      resolve(tooLarge ? undefined : Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", reject);
    request.on("close", () => {
      if (!ended) reject(new Error("the client closed the connection before sending the whole body"));
    });
  });
}

/**
 * Sends a complete answer with `Content-Type` and `Content-Length`. Does nothing when the
 * response or its socket is already destroyed (a fault dropped it, or the client went away).
 */
export function sendResponse(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
): void {
  if (response.destroyed || response.socket?.destroyed) return;
  response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

const PLAIN_TEXT = "text/plain; charset=utf-8";

/** Answers 405 Method Not Allowed with `Allow: <allow>` (e.g. `"GET, POST"`) and a plain-text body of `contentType`. */
export function sendMethodNotAllowed(
  response: ServerResponse,
  allow: string,
  contentType = PLAIN_TEXT,
): void {
  response.setHeader("allow", allow);
  sendResponse(response, 405, contentType, "Method Not Allowed");
}

/**
 * Reads the body as {@link readRequestBody} does. When it exceeds the limit, answers 413 Request
 * Entity Too Large (a plain-text body of `contentType`) and resolves `undefined`: the request is
 * finished.
 */
export async function readBodyOr413(
  request: IncomingMessage,
  response: ServerResponse,
  contentType = PLAIN_TEXT,
): Promise<string | undefined> {
  const body = await readRequestBody(request);
  if (body === undefined) sendResponse(response, 413, contentType, "Request Entity Too Large");
  return body;
}
