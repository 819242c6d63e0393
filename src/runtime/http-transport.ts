/**
 * The HTTP transport every adapter sends through: axios on a keep-alive agent, one deadline that
 * covers connect + headers + body, a response size cap, raw bytes kept for signature checks, and
 * every failure classified as *not sent* or *sent, no answer* — the distinction that decides
 * whether an order may be retried (design.md, failure classes).
 *
 * Whether a request was sent is tracked on the socket itself: until the TCP (or TLS) connection
 * is up, Node buffers the request and nothing can have reached the supplier. Once a socket is
 * connected — including every reused keep-alive socket — the request counts as sent, even if the
 * error looks like a stale-socket reset (a supplier cannot be proven not to have read it).
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { AxiosInstance, AxiosProxyConfig } from "axios";
import {
  AbortedError,
  ConfigurationError,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  NoAnswerError,
  NotSentError,
} from "../core/index.js";

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
  /** Your own agents (e.g. for a proxy or custom TLS). They replace kaquan's keep-alive agents. */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /**
   * An explicit proxy. Default `false`: kaquan ignores `HTTP(S)_PROXY` environment variables unless
   * you pass a proxy here, so egress to an IP-allow-listed supplier is never silently rerouted.
   */
  proxy?: AxiosProxyConfig | false;
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
  // axios reads a negative (or NaN) maxContentLength as "no limit": that must not switch the cap off.
  if (!(maxResponseBytes >= 0))
    throw new ConfigurationError("maxResponseBytes must be a number of bytes ≥ 0");
  const agentOptions = {
    keepAlive: true,
    // Node's agent destroys a *free* socket when this socket timeout fires: the idle limit.
    timeout: options.keepAliveIdleMs ?? 4_000,
    maxSockets: options.maxSockets ?? 64,
    scheduling: "lifo" as const,
  };
  const httpAgent = options.httpAgent ?? new http.Agent(agentOptions);
  const httpsAgent = options.httpsAgent ?? new https.Agent(agentOptions);
  const axiosOptions = {
    httpAgent,
    httpsAgent,
    proxy: options.proxy ?? false,
    maxRedirects: 0,
    decompress: true,
    responseType: "arraybuffer",
    // Bodies are signed: they must be sent and read byte for byte, never transformed.
    transformRequest: [(data: unknown) => data],
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxContentLength: maxResponseBytes,
    // The cap is for responses. Request bodies are built and signed by kaquan itself; capping them
    // with the response limit made a large (but valid) request fail as "not sent" (-1: no limit).
    maxBodyLength: -1,
    timeout: 0,
  };
  // axios is loaded on the first request, not when kaquan is imported: a callback-only or
  // types-only user (and every serverless cold start that handles no request) never pays for it.
  let instance: Promise<AxiosInstance> | undefined;
  const axiosInstance = (): Promise<AxiosInstance> => {
    instance ??= import("axios").then((module) => {
      const axios = (module.default ?? module) as unknown as { create(config: object): AxiosInstance };
      return axios.create(axiosOptions);
    });
    return instance;
  };

  async function send(
    request: HttpRequest,
    sendOptions: { signal?: AbortSignal | undefined } = {},
  ): Promise<HttpResponse> {
    const state: SendState = { connected: false };
    const userSignal = sendOptions.signal;
    if (userSignal?.aborted) throw new AbortedError("the request was aborted before it was sent");
    let client: AxiosInstance;
    try {
      client = await axiosInstance();
    } catch {
      instance = undefined;
      throw new NotSentError("the HTTP client (axios) could not be loaded; is it installed?");
    }
    const deadline = new AbortController();
    const limit = request.timeoutMs ?? timeoutMs;
    const timer = setTimeout(() => deadline.abort(), limit);
    // axios's signal, not a destroyed request: a request still queued for a free socket surfaces
    // a destroy only when it gets a socket, while an aborted signal rejects at once.
    const signal = userSignal ? AbortSignal.any([deadline.signal, userSignal]) : deadline.signal;
    const startedAt = performance.now();
    const transport = {
      request(requestOptions: http.RequestOptions, callback: (response: http.IncomingMessage) => void) {
        const module = requestOptions.protocol === "https:" ? https : http;
        const clientRequest = module.request(requestOptions, callback);
        trackSocket(clientRequest, state);
        return clientRequest;
      },
    };
    const headers: Record<string, string> = {
      "user-agent": options.userAgent ?? "kaquan",
      ...request.headers,
    };
    const body = request.body === undefined ? undefined : Buffer.from(request.body as string | Uint8Array);
    try {
      const response = await client.request<ArrayBuffer>({
        method: request.method,
        url: request.url,
        headers,
        data: body,
        signal,
        transport,
      } as Parameters<AxiosInstance["request"]>[0]);
      // axios hands Node a Buffer already (responseType arraybuffer); copy only anything else.
      const data = response.data as unknown;
      const raw = Buffer.isBuffer(data)
        ? data
        : Buffer.from((data as ArrayBuffer | undefined) ?? new ArrayBuffer(0));
      return {
        status: response.status,
        headers: flattenHeaders(response.headers as Record<string, unknown>),
        body: raw,
        text: raw.toString("utf8"),
        durationMs: performance.now() - startedAt,
      };
    } catch (error) {
      throw classifyFailure(error, state, {
        timedOut: deadline.signal.aborted,
        userAborted: userSignal?.aborted === true,
        limit,
        maxResponseBytes,
        operation: request.operation,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    send,
    async ready() {
      await axiosInstance().catch(() => {
        // A failed load is reported by `send` (NotSentError), which tries again.
        instance = undefined;
      });
    },
    close() {
      if (!options.httpAgent) httpAgent.destroy();
      if (!options.httpsAgent) httpsAgent.destroy();
    },
  };
}

function flattenHeaders(headers: Record<string, unknown>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return flat;
}

interface FailureContext {
  timedOut: boolean;
  userAborted: boolean;
  limit: number;
  maxResponseBytes: number;
  operation: string | undefined;
}

/**
 * Turns whatever axios or Node threw into a kaquan error. Only the error code and a fixed
 * message survive: axios errors carry the request config and headers, so they are never
 * attached as a cause.
 */
function classifyFailure(error: unknown, state: SendState, context: FailureContext): Error {
  const code =
    typeof error === "object" && error !== null ? String((error as { code?: unknown }).code ?? "") : "";
  const message =
    typeof error === "object" && error !== null ? String((error as { message?: unknown }).message) : "";
  const what = context.operation ? `${context.operation}: ` : "";
  if (context.userAborted) {
    return state.connected
      ? new NoAnswerError(`${what}aborted after the request was sent; the outcome is unknown`)
      : new AbortedError(`${what}aborted before the request was sent`);
  }
  if (context.timedOut) {
    return state.connected
      ? new NoAnswerError(`${what}no complete answer within ${context.limit} ms after the request was sent`)
      : new NotSentError(`${what}could not connect within ${context.limit} ms`);
  }
  if (/maxContentLength/.test(message)) {
    return new NoAnswerError(
      `${what}response larger than maxResponseBytes (${context.maxResponseBytes} bytes)`,
    );
  }
  if (!state.connected) {
    const reason = notSentCodes.has(code) ? code : code || "connection failed";
    return new NotSentError(`${what}request not sent (${reason})`);
  }
  return new NoAnswerError(`${what}connection failed after the request was sent (${code || "no answer"})`);
}
