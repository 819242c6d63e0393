/**
 * The transport through an explicit forward proxy (the fixed-IP egress a supplier allow-lists),
 * against a loopback proxy and loopback suppliers: `http:` targets in absolute form, `https:`
 * targets through a `CONNECT` tunnel with TLS end to end. A proxy that refuses, or cannot be
 * reached, is *not sent*: nothing reached the supplier.
 */
import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError, NotSentError } from "../../src/core/index.js";
import { createHttpTransport, type HttpTransportOptions } from "../../src/runtime/http-transport.js";
import { TEST_CERT, TEST_KEY } from "./test-certificate.js";

const HOST = "127.0.0.1";
const BODY = JSON.stringify({ order: "M-PROXY-1", note: "BODY-SENTINEL-789" });
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, HOST);
  await once(server, "listening");
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as net.AddressInfo).port;
}

interface SupplierRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A supplier that records each request and answers `ok <n>`. */
async function startSupplier(tls: boolean): Promise<{ url: string; requests: SupplierRequest[] }> {
  const requests: SupplierRequest[] = [];
  const handler: http.RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      response.end(`ok ${requests.length}`);
    });
  };
  const server = tls
    ? https.createServer({ key: TEST_KEY, cert: TEST_CERT }, handler)
    : http.createServer(handler);
  const port = await listen(server);
  return { url: `${tls ? "https" : "http"}://${HOST}:${port}/api?x=1`, requests };
}

interface ProxyRecord {
  /** Absolute-form request targets the proxy forwarded. */
  forwarded: string[];
  /** `CONNECT` authorities it tunnelled (or refused). */
  tunnels: string[];
  /** The Proxy-Authorization header of each request or tunnel. */
  authorizations: Array<string | undefined>;
  /** Every byte the proxy relayed from kaquan through a tunnel. */
  tunnelled: Buffer[];
}

/** A forward proxy on loopback; `refuse` answers every request and tunnel with that status. */
async function startProxy(refuse?: number, secure = false): Promise<{ port: number; record: ProxyRecord }> {
  const record: ProxyRecord = { forwarded: [], tunnels: [], authorizations: [], tunnelled: [] };
  const onRequest: http.RequestListener = (request, response) => {
    record.forwarded.push(request.url ?? "");
    record.authorizations.push(request.headers["proxy-authorization"]);
    if (refuse) {
      response.writeHead(refuse).end();
      return;
    }
    const target = new URL(request.url ?? "");
    const headers = { ...request.headers };
    delete headers["proxy-authorization"];
    const upstream = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: request.method,
        headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  };
  const server = secure
    ? https.createServer({ key: TEST_KEY, cert: TEST_CERT }, onRequest)
    : http.createServer(onRequest);
  server.on("connect", (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    record.tunnels.push(request.url ?? "");
    record.authorizations.push(request.headers["proxy-authorization"]);
    client.on("error", () => {});
    if (refuse) {
      client.end(`HTTP/1.1 ${refuse} Refused\r\n\r\n`);
      return;
    }
    const [host, port] = (request.url ?? "").split(":");
    const upstream = net.connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      client.on("data", (chunk: Buffer) => record.tunnelled.push(chunk));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  return { port: await listen(server), record };
}

function transport(options: HttpTransportOptions) {
  const created = createHttpTransport(options);
  cleanups.push(() => created.close());
  return created;
}

const post = (url: string) => ({
  method: "POST" as const,
  url,
  headers: { "content-type": "application/json" },
  body: BODY,
});
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("an explicit proxy", () => {
  it("sends an http: request to the proxy in absolute form, with Proxy-Authorization", async () => {
    const supplier = await startSupplier(false);
    const proxy = await startProxy();
    const client = transport({
      proxy: { host: HOST, port: proxy.port, auth: { username: "egress", password: "pw-1" } },
    });
    const response = await client.send(post(supplier.url));
    expect(response.text).toBe("ok 1");
    expect(proxy.record.forwarded).toEqual([supplier.url]);
    expect(proxy.record.authorizations).toEqual([basic("egress", "pw-1")]);
    expect(supplier.requests[0]!.body).toBe(BODY);
    expect(supplier.requests[0]!.url).toBe("/api?x=1");
  });

  it("tunnels an https: request with CONNECT: TLS end to end, the proxy sees no plaintext, the tunnel is reused", async () => {
    const supplier = await startSupplier(true);
    const proxy = await startProxy();
    const client = transport({
      proxy: { host: HOST, port: proxy.port, auth: { username: "egress", password: "pw-2" } },
      ca: TEST_CERT,
    });
    expect((await client.send(post(supplier.url))).text).toBe("ok 1");
    expect((await client.send(post(supplier.url))).text).toBe("ok 2");
    const authority = new URL(supplier.url).host;
    // One tunnel for both requests: it is a pooled keep-alive connection like any other.
    expect(proxy.record.tunnels).toEqual([authority]);
    expect(proxy.record.forwarded).toEqual([]);
    expect(proxy.record.authorizations).toEqual([basic("egress", "pw-2")]);
    expect(supplier.requests.map((request) => request.body)).toEqual([BODY, BODY]);
    const relayed = Buffer.concat(proxy.record.tunnelled);
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.includes("BODY-SENTINEL-789")).toBe(false);
  });

  it("reaches an https proxy over TLS, for http: and https: suppliers", async () => {
    const plain = await startSupplier(false);
    const tls = await startSupplier(true);
    const proxy = await startProxy(undefined, true);
    const client = transport({ proxy: { host: HOST, port: proxy.port, protocol: "https" }, ca: TEST_CERT });
    expect((await client.send(post(plain.url))).text).toBe("ok 1");
    expect((await client.send(post(tls.url))).text).toBe("ok 1");
    expect(proxy.record.forwarded).toEqual([plain.url]);
    expect(proxy.record.tunnels).toEqual([new URL(tls.url).host]);
    expect(tls.requests[0]!.body).toBe(BODY);
  });

  it("a proxy that refuses the tunnel is NotSentError and the supplier sees nothing", async () => {
    const supplier = await startSupplier(true);
    const proxy = await startProxy(407);
    const client = transport({ proxy: { host: HOST, port: proxy.port }, ca: TEST_CERT });
    const error = await client.send(post(supplier.url)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotSentError);
    expect((error as Error).message).toContain("EPROXY");
    expect(proxy.record.tunnels).toHaveLength(1);
    expect(supplier.requests).toHaveLength(0);
  });

  it("an untrusted supplier certificate behind the tunnel is NotSentError: the request never left", async () => {
    const supplier = await startSupplier(true);
    const proxy = await startProxy();
    const client = transport({ proxy: { host: HOST, port: proxy.port } });
    await expect(client.send(post(supplier.url))).rejects.toBeInstanceOf(NotSentError);
    expect(proxy.record.tunnels).toHaveLength(1);
    expect(supplier.requests).toHaveLength(0);
  });

  it("a proxy that never answers the CONNECT is NotSentError, and the half-open tunnel is torn down", async () => {
    const silent = net.createServer();
    const accepted: net.Socket[] = [];
    const closed: Promise<void>[] = [];
    silent.on("connection", (socket: net.Socket) => {
      accepted.push(socket);
      closed.push(once(socket, "close").then(() => undefined));
      // Read (and ignore) the CONNECT, so that kaquan's hang-up is seen.
      socket.resume();
    });
    const port = await listen(silent);
    const client = transport({ proxy: { host: HOST, port }, timeoutMs: 200 });
    await expect(client.send(post(`https://${HOST}:9/api`))).rejects.toBeInstanceOf(NotSentError);
    expect(accepted).toHaveLength(1);
    // kaquan closes its side once the tunnel's own deadline passes; nothing is left open.
    await closed[0];
  }, 5_000);

  it("a proxy nobody listens on is NotSentError, for http: and https: targets", async () => {
    const closed = net.createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = transport({ proxy: { host: HOST, port } });
    await expect(client.send(post(`http://${HOST}:9/api`))).rejects.toBeInstanceOf(NotSentError);
    await expect(client.send(post(`https://${HOST}:9/api`))).rejects.toBeInstanceOf(NotSentError);
  });

  it("ca alone trusts a supplier with a private certificate authority", async () => {
    const supplier = await startSupplier(true);
    expect((await transport({ ca: TEST_CERT }).send(post(supplier.url))).text).toBe("ok 1");
  });

  it("refuses a proxy it cannot use, and a proxy or ca beside the caller's own agents", () => {
    expect(() => createHttpTransport({ proxy: { host: HOST, port: 0 } })).toThrow(ConfigurationError);
    expect(() => createHttpTransport({ proxy: { host: "", port: 8080 } })).toThrow(ConfigurationError);
    expect(() =>
      createHttpTransport({ proxy: { host: HOST, port: 8080, protocol: "socks5" as "http" } }),
    ).toThrow(ConfigurationError);
    const agent = new https.Agent();
    expect(() => createHttpTransport({ proxy: { host: HOST, port: 8080 }, httpsAgent: agent })).toThrow(
      /own agents/,
    );
    expect(() => createHttpTransport({ ca: TEST_CERT, httpsAgent: agent })).toThrow(ConfigurationError);
    agent.destroy();
  });
});
