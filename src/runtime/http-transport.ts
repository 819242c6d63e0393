/**
 * The HTTP transport every adapter sends through: `node:http`/`node:https` on a keep-alive agent,
 * one deadline that covers connect + headers + body, a response size cap (on the decoded body),
 * raw bytes kept for signature checks, and every failure classified as *not sent* or *sent, no
 * answer* — the distinction that decides whether an order may be retried (design.md, failure
 * classes).
 *
 * Why Node's own client and not a general HTTP library: kaquan sends bytes it has signed and
 * reads the raw bytes it verifies, so it needs none of a library's transforms, redirects,
 * interceptors or configuration merging, and measured side by side (`npm run bench`,
 * order-overhead, the "transport alone" row) the same pre-signed request costs about three times
 * the client CPU through axios. What kaquan does need is done here, each in a few lines: the
 * deadline, the abort, the size cap, gzip/deflate/br decoding, an explicit proxy.
 *
 * Whether a request was sent is tracked on the socket itself: until the TCP (or TLS) connection
 * is up, Node buffers the request and nothing can have reached the supplier. Once a socket is
 * connected — including every reused keep-alive socket — the request counts as sent, even if the
 * error looks like a stale-socket reset (a supplier cannot be proven not to have read it).
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import zlib from "node:zlib";
import {
  AbortedError,
  ConfigurationError,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  NoAnswerError,
  NotSentError,
} from "../core/index.js";
import { createTunnelAgent, type ProxyOptions, proxyAuthorization, proxyIsHttps } from "./proxy-tunnel.js";

export type { ProxyOptions } from "./proxy-tunnel.js";

/** Options for {@link createHttpTransport}. Every option has a safe default. */
export interface HttpTransportOptions {
  /** Deadline for one request: connect + headers + whole body. Default 15 000 ms. */
  timeoutMs?: number;
  /**
   * How long an idle keep-alive socket is kept. Default 4 000 ms: below the 5 s idle timeout of
   * Node servers and far below nginx (75 s) and cloud load balancers (60 s), so kaquan closes an
   * idle socket before the supplier does and a stale socket is rarely reused.
   */
  keepAliveIdleMs?: number;
  /** Maximum sockets per supplier host. Default 64. */
  maxSockets?: number;
  /** Largest response body accepted. Default 1 MiB. A larger one is a *sent, no answer* failure. */
  maxResponseBytes?: number;
  /** Your own agents (e.g. for custom TLS). They replace kaquan's keep-alive agents. */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /**
   * An explicit forward proxy. Default `false`: kaquan ignores `HTTP(S)_PROXY` environment
   * variables unless you pass a proxy here, so egress to an IP-allow-listed supplier is never
   * silently rerouted. Not combinable with your own agents (give the agent the proxy instead).
   */
  proxy?: ProxyOptions | false;
  /**
   * Extra certificate authorities to trust, for a supplier or an `https` proxy with a private CA
   * (PEM). The system's roots are still trusted. Not combinable with your own agents.
   */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** User-Agent header. Default `kaquan`. */
  userAgent?: string;
}

interface SendState {
  connected: boolean;
}

const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

/** Codes Node throws while building a request: nothing has left. */
const invalidRequestCodes = new Set([
  "ERR_INVALID_CHAR",
  "ERR_INVALID_HTTP_TOKEN",
  "ERR_UNESCAPED_CHARACTERS",
]);

/** What kaquan asks for unless the adapter sets its own (the same as it always sent). */
const DEFAULT_ACCEPT = "application/json, text/plain, */*";
const ACCEPT_ENCODING = "gzip, deflate, br";

/** The body of a request without one: every request is ended with a known length, never chunked. */
const EMPTY = Buffer.alloc(0);

function trackSocket(request: http.ClientRequest, state: SendState): void {
  request.once("socket", (socket: Socket) => {
    const connecting = (socket as Socket & { connecting?: boolean }).connecting;
    if (!connecting) {
      state.connected = true; // a reused keep-alive socket: the request may be written at once
      return;
    }
    const event =
      "encrypted" in socket && (socket as { encrypted?: boolean }).encrypted ? "secureConnect" : "connect";
    socket.once(event, () => {
      state.connected = true;
    });
  });
}

type Decoder = (
  input: Buffer,
  options: zlib.ZlibOptions | zlib.BrotliOptions,
  callback: (error: Error | null, result: Buffer) => void,
) => void;

/** The decoder for a `content-encoding`, or undefined for an identity body. */
function decoderFor(encoding: string | undefined, body: Buffer): Decoder | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return zlib.gunzip as Decoder;
    case "br":
      return zlib.brotliDecompress as Decoder;
    case "deflate":
      // RFC 9110 says zlib-wrapped, but servers have long sent raw deflate too: a zlib stream
      // starts with a CMF/FLG pair whose 16-bit value is a multiple of 31.
      return body.length >= 2 && (body[0]! & 0x0f) === 8 && ((body[0]! << 8) | body[1]!) % 31 === 0
        ? (zlib.inflate as Decoder)
        : (zlib.inflateRaw as Decoder);
    default:
      return undefined;
  }
}

/** Creates the transport. Hold one per supplier client so its agent's sockets are reused. */
export function createHttpTransport(
  given: HttpTransportOptions = {},
): HttpTransport & { ready(): Promise<void>; close(): void } {
  // `null` (or another non-object) passes the default parameter; it must not become a TypeError.
  if (given === null || typeof given !== "object")
    throw new ConfigurationError(
      "createHttpTransport takes an options object (or nothing, for the defaults)",
    );
  const options = given;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  if (!(timeoutMs > 0)) throw new ConfigurationError("timeoutMs must be a positive number of milliseconds");
  // A negative (or NaN) cap must not read as "no limit".
  if (!(maxResponseBytes >= 0))
    throw new ConfigurationError("maxResponseBytes must be a number of bytes ≥ 0");
  const proxy = options.proxy || undefined;
  if (proxy !== undefined) {
    if (typeof proxy !== "object" || typeof proxy.host !== "string" || !proxy.host)
      throw new ConfigurationError("proxy needs a host (and a port), or false for no proxy");
    if (!Number.isInteger(proxy.port) || proxy.port < 1 || proxy.port > 65_535)
      throw new ConfigurationError("proxy.port must be a whole number from 1 to 65535");
    if (proxy.protocol !== undefined && !["http", "https", "http:", "https:"].includes(proxy.protocol))
      throw new ConfigurationError('proxy.protocol must be "http" or "https"');
  }
  if ((proxy || options.ca) && (options.httpAgent || options.httpsAgent))
    throw new ConfigurationError(
      "proxy and ca configure kaquan's own agents: with your own httpAgent/httpsAgent, set them on those agents",
    );
  const agentOptions: https.AgentOptions = {
    keepAlive: true,
    // Node's agent destroys a *free* socket when this socket timeout fires: the idle limit.
    timeout: options.keepAliveIdleMs ?? 4_000,
    maxSockets: options.maxSockets ?? 64,
    scheduling: "lifo",
    ...(options.ca ? { ca: options.ca as string | Buffer | Array<string | Buffer> } : {}),
  };
  const httpAgent = options.httpAgent ?? new http.Agent(agentOptions);
  const httpsAgent =
    options.httpsAgent ??
    (proxy ? createTunnelAgent(proxy, agentOptions, timeoutMs) : new https.Agent(agentOptions));
  // Requests to http: targets through a proxy go to the proxy itself, over this agent.
  const proxyAgent = proxy && proxyIsHttps(proxy) ? new https.Agent(agentOptions) : httpAgent;
  const proxyAuthorizationHeader = proxy ? proxyAuthorization(proxy) : undefined;
  const userAgent = options.userAgent ?? "kaquan";

  function send(
    request: HttpRequest,
    sendOptions: { signal?: AbortSignal | undefined } = {},
  ): Promise<HttpResponse> {
    const userSignal = sendOptions.signal;
    if (userSignal?.aborted)
      return Promise.reject(new AbortedError("the request was aborted before it was sent"));
    const what = request.operation ? `${request.operation}: ` : "";
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      // The URL itself is never quoted: its query may carry a signature or a token.
      return Promise.reject(new NotSentError(`${what}request not sent (the URL is not valid)`));
    }
    const secure = url.protocol === "https:";
    if (!secure && url.protocol !== "http:")
      return Promise.reject(
        new NotSentError(`${what}request not sent (unsupported protocol ${url.protocol.slice(0, 16)})`),
      );
    const body =
      request.body === undefined
        ? undefined
        : typeof request.body === "string"
          ? Buffer.from(request.body, "utf8")
          : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    const headers: http.OutgoingHttpHeaders = {
      "user-agent": userAgent,
      accept: DEFAULT_ACCEPT,
      "accept-encoding": ACCEPT_ENCODING,
    };
    if (request.headers)
      for (const name in request.headers) headers[name.toLowerCase()] = request.headers[name];
    if (body !== undefined || request.method !== "GET") headers["content-length"] = body?.length ?? 0;
    const limit = request.timeoutMs ?? timeoutMs;
    const state: SendState = { connected: false };
    const startedAt = performance.now();

    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      let clientRequest: http.ClientRequest | undefined;
      const settle = (error: Error | undefined, response?: HttpResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        userSignal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve(response!);
      };
      /** Ends the request (and its socket, unless it is still waiting for one) with `error`. */
      const fail = (error: Error) => {
        settle(error);
        // A request still queued for a free socket is ended when it gets one, which is then
        // returned to the pool unused; the rejection above does not wait for that.
        clientRequest?.destroy();
      };
      const onDeadline = () =>
        fail(
          state.connected
            ? new NoAnswerError(`${what}no complete answer within ${limit} ms after the request was sent`)
            : new NotSentError(`${what}could not connect within ${limit} ms`),
        );
      const onAbort = () =>
        fail(
          state.connected
            ? new NoAnswerError(`${what}aborted after the request was sent; the outcome is unknown`)
            : new AbortedError(`${what}aborted before the request was sent`),
        );
      const tooLarge = () =>
        new NoAnswerError(`${what}response larger than maxResponseBytes (${maxResponseBytes} bytes)`);
      const timer = setTimeout(onDeadline, limit);
      userSignal?.addEventListener("abort", onAbort, { once: true });

      const onResponse = (response: http.IncomingMessage) => {
        if (settled) {
          response.resume();
          return;
        }
        const responseHeaders = response.headers;
        const encoded = responseHeaders["content-encoding"] !== undefined;
        const declared = Number(responseHeaders["content-length"]);
        if (!encoded && declared > maxResponseBytes) {
          fail(tooLarge());
          return;
        }
        // A compressed body is capped too (with room for the format's own framing) before it is decoded.
        const received = encoded ? maxResponseBytes + 1024 : maxResponseBytes;
        const chunks: Buffer[] = [];
        let length = 0;
        let ended = false;
        response.on("data", (chunk: Buffer) => {
          length += chunk.length;
          if (length > received) {
            fail(tooLarge());
            return;
          }
          chunks.push(chunk);
        });
        response.once("end", () => {
          ended = true;
          if (settled) return;
          const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
          const decoder = length === 0 ? undefined : decoderFor(responseHeaders["content-encoding"], raw);
          if (!decoder) {
            finish(response, raw);
            return;
          }
          decoder(raw, { maxOutputLength: Math.max(1, maxResponseBytes) }, (error, decoded) => {
            if (error || decoded.length > maxResponseBytes) {
              fail(
                !error || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE"
                  ? tooLarge()
                  : new NoAnswerError(`${what}the response body is not in the content-encoding it names`),
              );
              return;
            }
            delete responseHeaders["content-encoding"];
            finish(response, decoded);
          });
        });
        // The connection closed before the whole body arrived (Node reports "aborted").
        response.once("close", () => {
          if (!ended) fail(new NoAnswerError(`${what}the connection closed before the whole answer arrived`));
        });
        response.on("error", () => {
          // reported by "close"
        });
      };

      const finish = (response: http.IncomingMessage, raw: Buffer) => {
        settle(undefined, {
          status: response.statusCode ?? 0,
          headers: flattenHeaders(response.headers),
          body: raw,
          text: raw.toString("utf8"),
          durationMs: performance.now() - startedAt,
        });
      };

      try {
        let module: typeof http | typeof https = secure ? https : http;
        let requestOptions: https.RequestOptions;
        if (proxy && !secure) {
          module = proxyIsHttps(proxy) ? https : http;
          // Absolute form to the proxy: it forwards the request to the supplier.
          const proxied: http.OutgoingHttpHeaders = { ...headers, host: url.host };
          if (proxyAuthorizationHeader) proxied["proxy-authorization"] = proxyAuthorizationHeader;
          requestOptions = {
            host: proxy.host,
            port: proxy.port,
            path: url.href,
            method: request.method,
            headers: proxied,
            agent: proxyAgent,
          };
        } else {
          requestOptions = {
            protocol: url.protocol,
            // A bracketed IPv6 literal is a URL's spelling, not a host name.
            hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
            port: url.port || (secure ? 443 : 80),
            path: url.pathname + url.search,
            method: request.method,
            headers,
            agent: secure ? httpsAgent : httpAgent,
          };
        }
        clientRequest = module.request(requestOptions, onResponse);
      } catch (error) {
        const code = String((error as { code?: unknown })?.code ?? "");
        settle(
          new NotSentError(
            invalidRequestCodes.has(code)
              ? `${what}request not sent: a header name or value has a character HTTP forbids (${code})`
              : `${what}request not sent (${code || "the request could not be built"})`,
          ),
        );
        return;
      }
      trackSocket(clientRequest, state);
      clientRequest.on("error", (error: Error & { code?: string }) => {
        if (settled) return; // the request was ended on purpose (deadline, abort, cap)
        const code = String(error.code ?? "");
        if (!state.connected) {
          const reason = notSentCodes.has(code) ? code : code || "connection failed";
          settle(new NotSentError(`${what}request not sent (${reason})`));
        } else {
          settle(
            new NoAnswerError(`${what}connection failed after the request was sent (${code || "no answer"})`),
          );
        }
      });
      clientRequest.end(body ?? EMPTY);
    });
  }

  return {
    send,
    // Node's client is loaded with kaquan: nothing to wait for (the member is kept for the interface).
    ready: () => Promise.resolve(),
    close() {
      if (!options.httpAgent) httpAgent.destroy();
      if (!options.httpsAgent) httpsAgent.destroy();
      if (proxyAgent !== httpAgent) proxyAgent.destroy();
    },
  };
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    // Node already lower-cases names and joins repeats, except set-cookie (an array).
    flat[name] = typeof value === "string" ? value : value.join(", ");
  }
  return flat;
}
