/**
 * An explicit forward proxy for the HTTP transport: `CONNECT` tunnels for `https:` suppliers
 * (TLS end to end; the proxy relays ciphertext) and the proxy's credentials. Requests to `http:`
 * suppliers go to the proxy in absolute form; that is done by the transport itself.
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";

/**
 * A forward proxy every request goes through (e.g. the fixed-IP egress a supplier allow-lists).
 * `http:` targets are sent to the proxy in absolute form; `https:` targets through a `CONNECT`
 * tunnel, so TLS runs end to end between kaquan and the supplier and the proxy sees no bytes of
 * the request.
 */
export interface ProxyOptions {
  /** How kaquan reaches the proxy itself: `http` (default) or `https`. */
  protocol?: "http" | "https" | "http:" | "https:";
  host: string;
  port: number;
  /** Sent as `Proxy-Authorization: Basic …`. */
  auth?: { username: string; password: string };
}

/** The `Proxy-Authorization` header value for the proxy's credentials, if it has any. */
export function proxyAuthorization(proxy: ProxyOptions): string | undefined {
  if (!proxy.auth) return undefined;
  return `Basic ${Buffer.from(`${proxy.auth.username}:${proxy.auth.password}`).toString("base64")}`;
}

/** Whether kaquan reaches the proxy itself over TLS. */
export function proxyIsHttps(proxy: ProxyOptions): boolean {
  return proxy.protocol === "https" || proxy.protocol === "https:";
}

/**
 * An https agent whose connections are `CONNECT` tunnels through the proxy: a socket is handed to
 * the request only once TLS with the supplier is up, so a refused tunnel or a failed handshake is
 * *not sent* (nothing reached the supplier), as it is without a proxy. Tunnels are pooled per
 * supplier host like any keep-alive socket. A tunnel not up within `establishMs` (a proxy that
 * accepts the connection and never answers) is torn down: the request's own deadline has already
 * answered its caller, and the half-open connection must not linger.
 */
export function createTunnelAgent(
  proxy: ProxyOptions,
  agentOptions: https.AgentOptions,
  establishMs: number,
): https.Agent {
  const authorization = proxyAuthorization(proxy);
  const proxyModule = proxyIsHttps(proxy) ? https : http;
  class TunnelAgent extends https.Agent {
    override createConnection(
      options: http.RequestOptions,
      callback?: (error: Error | null, socket: Duplex) => void,
    ): undefined {
      const authority = `${options.host}:${options.port}`;
      const headers: http.OutgoingHttpHeaders = { host: authority };
      if (authorization) headers["proxy-authorization"] = authorization;
      const connect = proxyModule.request({
        host: proxy.host,
        port: proxy.port,
        method: "CONNECT",
        path: authority,
        headers,
        agent: false,
        ...(agentOptions.ca ? { ca: agentOptions.ca } : {}),
      });
      let tunnel: Socket | undefined;
      let secure: tls.TLSSocket | undefined;
      let done = false;
      const finish = (error: Error | null, socket?: Duplex) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        callback?.(error, socket as Duplex);
      };
      const timer = setTimeout(() => {
        connect.destroy();
        tunnel?.destroy();
        secure?.destroy();
        finish(
          Object.assign(new Error(`the proxy tunnel was not up within ${establishMs} ms`), {
            code: "ETIMEDOUT",
          }),
        );
      }, establishMs);
      connect.once("connect", (response: http.IncomingMessage, socket: Socket) => {
        tunnel = socket;
        if (done) {
          socket.destroy();
          return;
        }
        if (response.statusCode !== 200) {
          socket.destroy();
          // Not sent: the proxy refused before any byte could reach the supplier.
          finish(
            Object.assign(new Error(`proxy refused the tunnel (${response.statusCode})`), { code: "EPROXY" }),
          );
          return;
        }
        secure = tls.connect({ ...(options as tls.ConnectionOptions), socket });
        const onTlsError = (error: Error) => {
          secure?.destroy();
          finish(error);
        };
        secure.once("secureConnect", () => {
          secure?.removeListener("error", onTlsError);
          finish(null, secure);
        });
        secure.once("error", onTlsError);
      });
      // Kept for the request's whole life: a torn-down CONNECT may report its hang-up late.
      connect.on("error", (error) => finish(error));
      connect.end();
      return undefined;
    }
  }
  return new TunnelAgent(agentOptions);
}
