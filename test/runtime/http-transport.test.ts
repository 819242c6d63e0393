/**
 * The HTTP transport against real servers on 127.0.0.1 (ephemeral ports, never any other
 * address). Every failure must land in exactly one class — not sent, sent with no answer, or
 * aborted before sending — because that class decides whether an order may be re-sent
 * (design.md, failure classes; failure-modes.md needs 13, 14, 15, 18).
 *
 * No assertion is about timing: deadlines are short so the tests are quick, but only the class
 * of the outcome is checked.
 */
import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { inspect } from "node:util";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortedError,
  ConfigurationError,
  type HttpRequest,
  type KaquanError,
  NoAnswerError,
  NotSentError,
} from "../../src/core/index.js";
import { createHttpTransport } from "../../src/runtime/http-transport.js";
import { TEST_CERT, TEST_KEY } from "./test-certificate.js";

const HOST = "127.0.0.1";
const TOKEN_SENTINEL = "SENTINEL-TOKEN-123";
const BODY_SENTINEL = "SENTINEL-BODY-456";

// ---- Servers and clean-up ----------------------------------------------------------------------

interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface TestServer {
  port: number;
  url: string;
  /** `connection` events seen: one per TCP connection. */
  connections: number;
  /** Requests whose headers arrived (body filled in as it arrives). */
  requests: RecordedRequest[];
  /** Server-side sockets still open. */
  openSockets: Set<net.Socket>;
  /** Resolves on the next request whose headers arrive. */
  nextRequest(): Promise<RecordedRequest>;
}

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function trackSockets(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}

async function listen(server: net.Server): Promise<{ port: number; sockets: Set<net.Socket> }> {
  const sockets = trackSockets(server);
  server.listen(0, HOST);
  await once(server, "listening");
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as net.AddressInfo).port, sockets };
}

type Handler = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  recorded: RecordedRequest,
) => void;

/** An HTTP server that records every request (headers at once, body as it arrives). */
async function startServer(handler: Handler): Promise<TestServer> {
  const waiters: Array<(recorded: RecordedRequest) => void> = [];
  const state = { connections: 0, requests: [] as RecordedRequest[] };
  const server = http.createServer((request, response) => {
    const recorded: RecordedRequest = {
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
      body: Buffer.alloc(0),
    };
    state.requests.push(recorded);
    request.on("data", (chunk: Buffer) => {
      recorded.body = Buffer.concat([recorded.body, chunk]);
    });
    for (const resolve of waiters.splice(0)) resolve(recorded);
    handler(request, response, recorded);
  });
  server.on("connection", () => {
    state.connections += 1;
  });
  const { port, sockets } = await listen(server);
  return {
    port,
    url: `http://${HOST}:${port}/api`,
    get connections() {
      return state.connections;
    },
    requests: state.requests,
    openSockets: sockets,
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
  };
}

/** A transport closed after the test. */
function transport(options: Parameters<typeof createHttpTransport>[0] = {}) {
  const created = createHttpTransport(options);
  cleanups.push(() => created.close());
  return created;
}

/** A port on 127.0.0.1 with nothing listening: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A POST carrying both sentinels, so every failure can be checked for leaks. */
function sentinelPost(url: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: "POST",
    url,
    headers: {
      authorization: `Bearer ${TOKEN_SENTINEL}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ order: "M-1", secret: BODY_SENTINEL }),
    operation: "test.order.add",
    ...extra,
  };
}

function expectNoSentinel(error: unknown): void {
  const renderings = [
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
    String((error as Error).stack),
    String(error),
  ];
  for (const text of renderings) {
    expect(text).not.toContain(TOKEN_SENTINEL);
    expect(text).not.toContain(BODY_SENTINEL);
  }
  // Only kaquan's allow-listed fields: never a transport library's config, request or response.
  for (const field of ["config", "request", "response", "cause", "headers"]) {
    expect(error).not.toHaveProperty(field);
  }
}

/** Awaits a rejection, checks its class both ways (`instanceof` and the brand) and that nothing leaked. */
async function expectFailure<T extends typeof KaquanError>(
  promise: Promise<unknown>,
  errorClass: T,
): Promise<InstanceType<T>> {
  let caught: unknown;
  let resolved = false;
  try {
    await promise;
    resolved = true;
  } catch (error) {
    caught = error;
  }
  expect(resolved, "the send should have rejected").toBe(false);
  expect(caught).toBeInstanceOf(errorClass);
  expect(errorClass.isInstance(caught)).toBe(true);
  // The three transport classes are disjoint.
  const classes = [NotSentError, NoAnswerError, AbortedError].filter((candidate) =>
    candidate.isInstance(caught),
  );
  expect(classes).toEqual([errorClass]);
  expectNoSentinel(caught);
  return caught as InstanceType<T>;
}

// ---- Not sent ----------------------------------------------------------------------------------

describe("not sent: nothing reached the server", () => {
  it("a refused connection is NotSentError with failure class not_sent", async () => {
    const port = await closedPort();
    const error = await expectFailure(
      transport({ timeoutMs: 2_000 }).send(sentinelPost(`http://${HOST}:${port}/api`)),
      NotSentError,
    );
    expect(error.failureClass).toBe("not_sent");
    expect(error.retry).toBe("same-id");
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain("test.order.add");
  });

  it("a deadline that fires while waiting for a free socket is NotSentError, and nothing arrives", async () => {
    const server = await startServer(() => {
      // never answers: the only socket stays busy
    });
    // The first request's own deadline is far beyond the test's time limit: only the second's
    // deadline and then the abort can end them, and each must do so while the other still waits.
    const http1 = transport({ maxSockets: 1, timeoutMs: 120_000 });
    const blocker = new AbortController();
    const first = http1.send(sentinelPost(server.url), { signal: blocker.signal });
    await server.nextRequest();
    const second = http1.send(sentinelPost(server.url, { timeoutMs: 150 }));
    await expectFailure(second, NotSentError);
    expect(server.requests).toHaveLength(1);
    blocker.abort();
    const aborted = await expectFailure(first, NoAnswerError);
    expect(aborted.message).toMatch(/aborted/);
    expect(server.requests).toHaveLength(1);
  });

  it("an abort while waiting for a free socket is AbortedError: that request never left", async () => {
    const server = await startServer(() => {
      // never answers: the only socket stays busy
    });
    const client = transport({ maxSockets: 1, timeoutMs: 5_000 });
    const blocker = new AbortController();
    const first = client.send(sentinelPost(server.url), { signal: blocker.signal });
    await server.nextRequest();
    const queued = new AbortController();
    const second = client.send(sentinelPost(server.url), { signal: queued.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    queued.abort();
    await expectFailure(second, AbortedError);
    blocker.abort();
    await expectFailure(first, NoAnswerError);
    expect(server.requests).toHaveLength(1);
  });

  it("an already aborted signal is AbortedError and the server sees nothing", async () => {
    const server = await startServer((_request, response) => response.end("ok"));
    const controller = new AbortController();
    controller.abort();
    const error = await expectFailure(
      transport().send(sentinelPost(server.url), { signal: controller.signal }),
      AbortedError,
    );
    expect(error.failureClass).toBe("not_sent");
    // Give a request that was wrongly sent anyway time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(0);
    expect(server.connections).toBe(0);
  });

  it("an unsupported protocol is NotSentError", async () => {
    await expectFailure(transport().send(sentinelPost(`ftp://${HOST}:21/api`)), NotSentError);
  });

  it("rejects a non-positive timeout at construction", () => {
    expect(() => createHttpTransport({ timeoutMs: 0 })).toThrow(ConfigurationError);
    expect(() => createHttpTransport({ timeoutMs: -1 })).toThrow(ConfigurationError);
    expect(() => createHttpTransport({ timeoutMs: Number.NaN })).toThrow(ConfigurationError);
  });

  it("rejects a maxResponseBytes that would switch the cap off", () => {
    expect(() => createHttpTransport({ maxResponseBytes: -1 })).toThrow(ConfigurationError);
    expect(() => createHttpTransport({ maxResponseBytes: Number.NaN })).toThrow(ConfigurationError);
  });
});

// ---- Sent, no answer ---------------------------------------------------------------------------

describe("sent, no answer: the supplier may have acted", () => {
  it("a server that reads the whole body then destroys the socket is NoAnswerError", async () => {
    const server = await startServer((request) => {
      request.on("end", () => request.socket.destroy());
      request.resume();
    });
    const error = await expectFailure(
      transport({ timeoutMs: 2_000 }).send(sentinelPost(server.url)),
      NoAnswerError,
    );
    expect(error.failureClass).toBe("sent_no_answer");
    expect(error.retry).toBe("after-resolve");
    expect(error.isRetryable).toBe(false);
    // The server really had the whole request: "not sent" would have been a lie.
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.toString()).toContain(BODY_SENTINEL);
  });

  it("headers and half the body, then a stall, is NoAnswerError once the deadline passes", async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      response.write("x".repeat(50)); // and never the rest
    });
    await expectFailure(transport({ timeoutMs: 300 }).send(sentinelPost(server.url)), NoAnswerError);
    expect(server.requests).toHaveLength(1);
  });

  it("headers only, then a stall (chunked, no length), is NoAnswerError", async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.flushHeaders();
    });
    await expectFailure(transport().send(sentinelPost(server.url, { timeoutMs: 300 })), NoAnswerError);
  });

  it("half the body, then the server severs the connection, is NoAnswerError", async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { "content-length": "100" });
      response.write("y".repeat(50), () => setTimeout(() => response.socket?.destroy(), 20));
    });
    await expectFailure(transport({ timeoutMs: 2_000 }).send(sentinelPost(server.url)), NoAnswerError);
  });

  it("a server that never answers is NoAnswerError", async () => {
    const server = await startServer(() => {
      // reads nothing, answers nothing
    });
    await expectFailure(transport({ timeoutMs: 300 }).send(sentinelPost(server.url)), NoAnswerError);
    expect(server.requests).toHaveLength(1);
  });

  it("a body above maxResponseBytes is NoAnswerError, with and without content-length", async () => {
    const server = await startServer((request, response) => {
      if (request.url?.endsWith("chunked")) {
        response.writeHead(200);
        for (let index = 0; index < 4; index += 1) response.write(Buffer.alloc(512, 0x61));
        response.end();
      } else {
        response.end(Buffer.alloc(2_048, 0x61));
      }
    });
    const client = transport({ maxResponseBytes: 1_024, timeoutMs: 2_000 });
    const error = await expectFailure(client.send(sentinelPost(server.url)), NoAnswerError);
    expect(error.message).toContain("maxResponseBytes");
    await expectFailure(client.send(sentinelPost(`${server.url}/chunked`)), NoAnswerError);
  });

  it("a body exactly at maxResponseBytes is accepted", async () => {
    const server = await startServer((_request, response) => response.end(Buffer.alloc(1_024, 0x62)));
    const response = await transport({ maxResponseBytes: 1_024 }).send(sentinelPost(server.url));
    expect(response.body.byteLength).toBe(1_024);
  });

  it("the cap applies to the decoded body: a small gzip bomb is NoAnswerError", async () => {
    const bomb = gzipSync(Buffer.alloc(200_000, 0));
    expect(bomb.byteLength).toBeLessThan(1_024);
    const server = await startServer((_request, response) => {
      response.writeHead(200, { "content-encoding": "gzip", "content-length": String(bomb.byteLength) });
      response.end(bomb);
    });
    await expectFailure(
      transport({ maxResponseBytes: 10_000 }).send(sentinelPost(server.url)),
      NoAnswerError,
    );
  });

  it("an abort after the server got the request is NoAnswerError, not AbortedError", async () => {
    const server = await startServer(() => {
      // holds the request
    });
    const controller = new AbortController();
    const pending = transport({ timeoutMs: 5_000 }).send(sentinelPost(server.url), {
      signal: controller.signal,
    });
    await server.nextRequest();
    controller.abort();
    const error = await expectFailure(pending, NoAnswerError);
    expect(error.failureClass).toBe("sent_no_answer");
    expect(server.requests).toHaveLength(1);
  });

  it("a server that answers garbage instead of HTTP is NoAnswerError", async () => {
    const server = net.createServer((socket) => {
      socket.once("data", () => socket.end("this is not http\r\n\r\n"));
    });
    const { port } = await listen(server);
    await expectFailure(
      transport({ timeoutMs: 2_000 }).send(sentinelPost(`http://${HOST}:${port}/api`)),
      NoAnswerError,
    );
  });
});

// ---- Answers -----------------------------------------------------------------------------------

describe("answers of any status resolve", () => {
  it("HTTP 500 resolves with its status and text", async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end('{"code":500,"message":"余额不足"}');
    });
    const response = await transport().send(sentinelPost(server.url));
    expect(response.status).toBe(500);
    expect(response.text).toBe('{"code":500,"message":"余额不足"}');
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("an HTML 502 gateway page resolves with its status and text", async () => {
    const page = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>";
    const server = await startServer((_request, response) => {
      response.writeHead(502, { "content-type": "text/html" });
      response.end(page);
    });
    const response = await transport().send(sentinelPost(server.url));
    expect(response.status).toBe(502);
    expect(response.text).toBe(page);
  });

  it("404, 429 and a redirect resolve too: the transport never follows or judges", async () => {
    const server = await startServer((request, response) => {
      if (request.url?.endsWith("/404")) response.writeHead(404).end("nope");
      else if (request.url?.endsWith("/429")) response.writeHead(429, { "retry-after": "3" }).end();
      else response.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" }).end();
    });
    const client = transport();
    expect((await client.send(sentinelPost(`${server.url}/404`))).status).toBe(404);
    const throttled = await client.send(sentinelPost(`${server.url}/429`));
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("3");
    const redirect = await client.send(sentinelPost(`${server.url}/302`));
    expect(redirect.status).toBe(302);
    expect(server.requests).toHaveLength(3);
  });

  it("keeps the raw response bytes exactly, including bytes that are not UTF-8", async () => {
    const bytes = Buffer.from([
      0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xe4, 0xbd, 0xa0, 0x0d, 0x0a, 0xef, 0xbb, 0xbf,
    ]);
    const server = await startServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(bytes);
    });
    const response = await transport().send({ method: "GET", url: server.url });
    expect(Buffer.from(response.body).equals(bytes)).toBe(true);
    expect(response.text).toBe(bytes.toString("utf8"));
  });

  it("does not strip a UTF-8 byte-order mark from the raw bytes", async () => {
    const bytes = Buffer.from('\ufeff{"a":1}', "utf8");
    const server = await startServer((_request, response) => response.end(bytes));
    const response = await transport().send({ method: "GET", url: server.url });
    expect(Buffer.from(response.body).equals(bytes)).toBe(true);
  });

  it("decodes a gzip body to the original bytes", async () => {
    const original = Buffer.from('{"status":"success","卡密":"none"}', "utf8");
    const server = await startServer((_request, response) => {
      response.writeHead(200, { "content-encoding": "gzip" });
      response.end(gzipSync(original));
    });
    const response = await transport().send({ method: "GET", url: server.url });
    expect(Buffer.from(response.body).equals(original)).toBe(true);
  });

  it("decodes deflate (zlib-wrapped and raw) and br bodies, and asks for them", async () => {
    const original = Buffer.from(`{"status":"success","卡密":"none","pad":"${"x".repeat(300)}"}`, "utf8");
    const encodings: Record<string, Buffer> = {
      deflate: deflateSync(original),
      "deflate-raw": deflateRawSync(original),
      br: brotliCompressSync(original),
      "x-gzip": gzipSync(original),
    };
    const server = await startServer((request, response) => {
      const name = new URL(request.url ?? "", "http://x").searchParams.get("encoding") ?? "";
      response.writeHead(200, { "content-encoding": name === "deflate-raw" ? "deflate" : name });
      response.end(encodings[name]);
    });
    const client = transport();
    for (const name of Object.keys(encodings)) {
      const response = await client.send({ method: "GET", url: `${server.url}?encoding=${name}` });
      expect(Buffer.from(response.body).equals(original), name).toBe(true);
      // The decoded body no longer carries its encoding.
      expect(response.headers["content-encoding"], name).toBeUndefined();
    }
    expect(server.requests[0]!.headers["accept-encoding"]).toBe("gzip, deflate, br");
  });

  it("a body that claims an encoding it does not have is NoAnswerError", async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { "content-encoding": "gzip" });
      response.end("not gzip at all");
    });
    const error = await expectFailure(transport().send({ method: "GET", url: server.url }), NoAnswerError);
    expect(error.message).toContain("not in the content-encoding it names");
  });

  it("an empty body is zero bytes", async () => {
    const server = await startServer((_request, response) => response.writeHead(204).end());
    const response = await transport().send({ method: "GET", url: server.url });
    expect(response.status).toBe(204);
    expect(response.body.byteLength).toBe(0);
    expect(response.text).toBe("");
  });

  it("lower-cases response header names and joins repeated ones", async () => {
    const server = await startServer((_request, response) => {
      response.setHeader("X-Request-Id", "REQ-1");
      response.setHeader("Content-Type", "application/json; charset=utf-8");
      response.setHeader("Set-Cookie", ["a=1", "b=2"]);
      response.setHeader("X-MiXeD-CaSe", "v");
      response.end("{}");
    });
    const response = await transport().send({ method: "GET", url: server.url });
    for (const name of Object.keys(response.headers)) expect(name).toBe(name.toLowerCase());
    expect(response.headers["x-request-id"]).toBe("REQ-1");
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.headers["x-mixed-case"]).toBe("v");
    expect(response.headers["set-cookie"]).toBe("a=1, b=2");
  });
});

// ---- Request bytes ------------------------------------------------------------------------------

describe("what is sent: body bytes exactly as given, headers as given", () => {
  it("a Uint8Array body with non-UTF-8 bytes arrives exactly, and only the view's bytes", async () => {
    const server = await startServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    const backing = new Uint8Array([1, 2, 3, 0xff, 0x00, 0xfe, 0x80, 0x0d, 0x0a, 9, 9, 9]);
    const view = backing.subarray(3, 9);
    await transport().send({ method: "POST", url: server.url, body: view });
    expect(server.requests[0]!.body.equals(Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x0d, 0x0a]))).toBe(true);
    expect(server.requests[0]!.headers["content-length"]).toBe("6");
  });

  it("a string body arrives as its UTF-8 bytes, unchanged (no JSON or form re-encoding)", async () => {
    const server = await startServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    const text = '{"b":2,"a":"卡密 + space&x=1","n":22113024595794711936}';
    await transport().send({
      method: "POST",
      url: server.url,
      headers: { "content-type": "application/json" },
      body: text,
    });
    const recorded = server.requests[0]!;
    expect(recorded.body.equals(Buffer.from(text, "utf8"))).toBe(true);
    expect(recorded.headers["content-type"]).toBe("application/json");
    expect(recorded.headers["content-length"]).toBe(String(Buffer.byteLength(text)));
  });

  it("a form body is not re-encoded", async () => {
    const server = await startServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    const form = "a=1&b=%E5%8D%A1+x&sign=ABC";
    await transport().send({
      method: "POST",
      url: server.url,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    expect(server.requests[0]!.body.toString("latin1")).toBe(form);
  });

  it("sends the caller's headers, a default user agent, and the method and path", async () => {
    const server = await startServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    await transport().send({
      method: "PUT",
      url: `${server.url}?x=1`,
      headers: { "X-Custom": "value" },
      body: "b",
    });
    const recorded = server.requests[0]!;
    expect(recorded.method).toBe("PUT");
    expect(recorded.url).toBe("/api?x=1");
    expect(recorded.headers["x-custom"]).toBe("value");
    expect(recorded.headers["user-agent"]).toBe("kaquan");
  });

  it("a line break in a header value cannot inject a header: the request is refused, not sent", async () => {
    const server = await startServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    const error = await expectFailure(
      transport().send(sentinelPost(server.url, { headers: { "x-note": "a\r\nx-injected: 1" } })),
      NotSentError,
    );
    expect(error.message).toContain("character HTTP forbids");
    // Give a request that was wrongly sent anyway time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(0);
    expect(server.connections).toBe(0);
  });

  it("a request body larger than maxResponseBytes is still sent: that cap is for responses", async () => {
    const server = await startServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    const body = Buffer.alloc(4_096, 0x7a);
    const response = await transport({ maxResponseBytes: 1_024 }).send({
      method: "POST",
      url: server.url,
      body,
    });
    expect(response.status).toBe(200);
    expect(server.requests[0]!.body.equals(body)).toBe(true);
  });
});

// ---- TLS -----------------------------------------------------------------------------------------

async function startTlsServer(handler: Handler): Promise<{ url: string; requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = https.createServer({ key: TEST_KEY, cert: TEST_CERT }, (request, response) => {
    const recorded: RecordedRequest = {
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
      body: Buffer.alloc(0),
    };
    requests.push(recorded);
    request.on("data", (chunk: Buffer) => {
      recorded.body = Buffer.concat([recorded.body, chunk]);
    });
    handler(request, response, recorded);
  });
  server.on("tlsClientError", () => {
    // the client refused our certificate: expected in one test
  });
  const { port } = await listen(server);
  return { url: `https://${HOST}:${port}/api`, requests };
}

describe("TLS", () => {
  it("a failed handshake (untrusted certificate) is NotSentError: no request byte left", async () => {
    const server = await startTlsServer((_request, response) => response.end("ok"));
    const error = await expectFailure(
      transport({ timeoutMs: 2_000 }).send(sentinelPost(server.url)),
      NotSentError,
    );
    expect(error.failureClass).toBe("not_sent");
    expect(server.requests).toHaveLength(0);
  });

  it("with the caller's https agent the request is sent and the body arrives exactly", async () => {
    const server = await startTlsServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    const agent = new https.Agent({ ca: TEST_CERT, keepAlive: true });
    cleanups.push(() => agent.destroy());
    const response = await transport({ httpsAgent: agent }).send(sentinelPost(server.url));
    expect(response.text).toBe("ok");
    expect(server.requests[0]!.body.toString()).toContain(BODY_SENTINEL);
  });

  it("after the handshake, a stalled answer is NoAnswerError", async () => {
    const server = await startTlsServer((_request, response) => {
      response.writeHead(200, { "content-length": "10" });
      response.write("12345");
    });
    const agent = new https.Agent({ ca: TEST_CERT });
    cleanups.push(() => agent.destroy());
    await expectFailure(
      transport({ httpsAgent: agent, timeoutMs: 300 }).send(sentinelPost(server.url)),
      NoAnswerError,
    );
    expect(server.requests).toHaveLength(1);
  });
});

// ---- Keep-alive ------------------------------------------------------------------------------

describe("keep-alive", () => {
  it("two sequential requests share one socket", async () => {
    const server = await startServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    const client = transport();
    expect((await client.send(sentinelPost(server.url))).status).toBe(200);
    expect((await client.send(sentinelPost(server.url))).status).toBe(200);
    expect(server.requests).toHaveLength(2);
    expect(server.connections).toBe(1);
  });

  it("a reused socket the server closes after reading the request is NoAnswerError, never NotSentError", async () => {
    // A raw server: answers the first request with keep-alive, then on the second request's
    // bytes destroys the connection without answering — a stale socket that *was* written to.
    const received: string[] = [];
    let connections = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      let buffered = "";
      socket.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("latin1");
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buffered)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        received.push(buffered.slice(0, end + 4 + length));
        buffered = buffered.slice(end + 4 + length);
        if (received.length === 1) {
          socket.write("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok");
        } else {
          socket.destroy();
        }
      });
    });
    const { port } = await listen(server);
    const client = transport({ timeoutMs: 2_000 });
    const url = `http://${HOST}:${port}/api`;
    expect((await client.send(sentinelPost(url))).text).toBe("ok");
    await expectFailure(client.send(sentinelPost(url)), NoAnswerError);
    expect(connections).toBe(1);
    expect(received).toHaveLength(2);
    expect(received[1]).toContain(BODY_SENTINEL);
  });

  it("a keep-alive socket the server closed while idle: the next POST succeeds once or is NoAnswerError", async () => {
    // The server closes each connection shortly after answering. By the time the next request is
    // made, the client has seen the FIN and its agent has dropped the socket, so the POST goes
    // out on a new connection and succeeds — exactly once.
    // (The socket is captured from the request: `response.socket` is already detached once the
    // answer is finished, and ending it would silently do nothing.)
    const server = await startServer((request, response) => {
      const socket = request.socket;
      request.on("end", () => {
        response.end("ok", () => setTimeout(() => socket.end(), 20));
      });
      request.resume();
    });
    const client = transport({ timeoutMs: 2_000 });
    await client.send(sentinelPost(server.url));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const succeeded = await expectSucceededOnceOrNoAnswer(client.send(sentinelPost(server.url)), server, 2);
    // Observed: the agent had dropped the closed socket, so the POST went out on a new connection.
    if (succeeded) expect(server.connections).toBe(2);
  });

  it.each([
    ["half-closes (FIN)", (socket: net.Socket) => socket.end()],
    ["destroys", (socket: net.Socket) => socket.destroy()],
  ])(
    "a keep-alive socket the server %s right after answering, racing the next POST: succeeds once or NoAnswerError",
    async (_name, close) => {
      // The server closes the connection the moment its answer is written; the next request is
      // sent as soon as the first resolves, on the reused socket. Whichever way the race goes, the
      // POST must not be reported as not sent and must not arrive twice.
      //
      // Observed on Node 20: the reused socket is always chosen and the POST fails with ECONNRESET
      // (NoAnswerError). After a FIN the server usually *did* read and parse the second request
      // before the reset, which is exactly why a stale-socket reset may never be called "not sent".
      const server = await startServer((request, response) => {
        const socket = request.socket;
        request.on("end", () => {
          response.end("ok", () => close(socket));
        });
        request.resume();
      });
      const client = transport({ timeoutMs: 2_000 });
      for (let round = 0; round < 5; round += 1) {
        const before = server.requests.length;
        const first = await client.send(sentinelPost(server.url));
        expect(first.status).toBe(200);
        await expectSucceededOnceOrNoAnswer(client.send(sentinelPost(server.url)), server, before + 2);
      }
    },
  );

  it("idle sockets are dropped after keepAliveIdleMs, so the next request opens a new connection", async () => {
    const server = await startServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    const client = transport({ keepAliveIdleMs: 50 });
    await client.send(sentinelPost(server.url));
    await new Promise((resolve) => setTimeout(resolve, 250));
    await client.send(sentinelPost(server.url));
    expect(server.connections).toBe(2);
  });

  it("the idle limit does not cut a request in flight that is slower than it", async () => {
    const server = await startServer((request, response) => {
      request.on("end", () => setTimeout(() => response.end("late but fine"), 300)).resume();
    });
    const response = await transport({ keepAliveIdleMs: 50, timeoutMs: 5_000 }).send(
      sentinelPost(server.url),
    );
    expect(response.text).toBe("late but fine");
  });

  it("close() releases the sockets", async () => {
    const server = await startServer((request, response) =>
      request.on("end", () => response.end("ok")).resume(),
    );
    const client = createHttpTransport();
    cleanups.push(() => client.close());
    await client.send(sentinelPost(server.url));
    expect(server.openSockets.size).toBe(1);
    const [socket] = server.openSockets;
    const socketClosed = once(socket!, "close");
    client.close();
    await socketClosed;
    expect(server.openSockets.size).toBe(0);
    // A new transport (the old one's agent is destroyed) still works against the same server.
    const again = transport();
    expect((await again.send(sentinelPost(server.url))).status).toBe(200);
  });
});

async function expectSucceededOnceOrNoAnswer(
  pending: Promise<{ status: number }>,
  server: TestServer,
  expectedRequestsIfSucceeded: number,
): Promise<boolean> {
  const outcome = await pending.then(
    (response) => ({ ok: true as const, response }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) {
    expect(outcome.response.status).toBe(200);
    // Sent exactly once: no hidden retry of a POST.
    expect(server.requests.length).toBe(expectedRequestsIfSucceeded);
  } else {
    expect(NotSentError.isInstance(outcome.error)).toBe(false);
    expect(NoAnswerError.isInstance(outcome.error)).toBe(true);
    expectNoSentinel(outcome.error);
    expect(server.requests.length).toBeLessThanOrEqual(expectedRequestsIfSucceeded);
  }
  return outcome.ok;
}

describe("createHttpTransport options (regression)", () => {
  it("null options are a ConfigurationError, not a TypeError", () => {
    expect(() => createHttpTransport(null as never)).toThrow(ConfigurationError);
  });
});
