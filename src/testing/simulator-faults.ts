/**
 * A queue of scripted faults for the supplier simulators. A test queues a fault ("drop the
 * connection after committing the next order"), and the simulator consumes it when the next
 * matching request or event comes along. Nothing here knows a vendor: each simulator defines its
 * own fault kinds and decides what "matching" means.
 *
 * Also here: the request faults every simulator acts out the same way (dropped sockets, HTTP 500,
 * an nginx 502 page, delayed and truncated answers, `Retry-After`). Vendor answers — error
 * envelopes, rate-limit codes — stay in each simulator.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendResponse } from "./simulator-server.js";

/** The fields every scripted fault has. Simulators extend this with their own parameters. */
export interface ScriptedFault<Kind extends string = string> {
  /** What goes wrong. */
  kind: Kind;
  /** Only requests for this vendor method (or operation) consume the fault; any method when omitted. */
  method?: string | undefined;
  /** How many matching requests or events consume it before it is spent. Default 1; `Infinity` never runs out. */
  times?: number | undefined;
}

/** A queued fault and how many more times it will fire. */
export type PendingFault<Fault extends ScriptedFault> = Fault & { readonly remaining: number };

/**
 * First-in, first-out queue of scripted faults. {@link FaultQueue.take} returns the oldest queued
 * fault that a predicate accepts and counts one use of it; a fault is dropped when its `times`
 * are used up.
 */
export class FaultQueue<Fault extends ScriptedFault> {
  readonly #entries: Array<{ fault: Fault; remaining: number }> = [];

  /** Queues a fault. Throws `RangeError` when `times` is not a positive whole number or `Infinity`. */
  push(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isSafeInteger(times) && times > 0))) {
      throw new RangeError(`fault "${fault.kind}": times must be a positive whole number or Infinity`);
    }
    this.#entries.push({ fault: { ...fault }, remaining: times });
  }

  /**
   * Consumes one use of the oldest queued fault that `accepts` returns true for, and returns it;
   * `undefined` when none matches (the queue is then unchanged).
   */
  take(accepts: (fault: Fault) => boolean): Fault | undefined {
    const index = this.#entries.findIndex((entry) => accepts(entry.fault));
    if (index < 0) return undefined;
    const entry = this.#entries[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#entries.splice(index, 1);
    return { ...entry.fault };
  }

  /** The faults still queued, oldest first, each with its remaining uses. */
  pending(): PendingFault<Fault>[] {
    return this.#entries.map((entry) => ({ ...entry.fault, remaining: entry.remaining }));
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#entries.length = 0;
  }

  /** How many faults are queued. */
  get size(): number {
    return this.#entries.length;
  }
}

/** True when the fault names no method, or names `method`. */
export function faultMatchesMethod(fault: ScriptedFault, method: string | undefined): boolean {
  return fault.method === undefined || fault.method === method;
}

/**
 * The `not-found-until` fault's bookkeeping (propagation lag): per merchant order number, how
 * many more queries answer "not found" although the order exists.
 */
export class QueryLag {
  readonly #remaining = new Map<string, number>();

  /** Makes the next `queries` (default 2) queries of `orderNo` answer "not found". */
  start(orderNo: string, queries: number | undefined): void {
    this.#remaining.set(orderNo, queries ?? 2);
  }

  /** Whether this query of `orderNo` must answer "not found"; counts it when so. */
  lagging(orderNo: string): boolean {
    const lag = this.#remaining.get(orderNo) ?? 0;
    if (lag <= 0) return false;
    this.#remaining.set(orderNo, lag - 1);
    return true;
  }
}

// ---- request faults every simulator shares ------------------------------------------------------

/**
 * The request-fault kinds every simulator acts out alike ({@link RequestFaults}):
 * - `commit-then-drop`: the request is processed in full, then the socket is destroyed without an answer;
 * - `drop-before-commit`: the socket is destroyed without processing anything;
 * - `delay`: processed at once, answered after `delayMs` (default 1000);
 * - `http-500`: nothing is processed; HTTP 500 with a JSON or plain-text body;
 * - `html-gateway`: nothing is processed; HTTP 502 with an nginx "502 Bad Gateway" HTML page;
 * - `malformed-json`: processed, then HTTP 200 with the answer cut in half.
 *
 * Every request fault, these and the simulator's own, also pauses `delayMs` before it acts.
 */
export const SHARED_REQUEST_FAULT_KINDS = [
  "commit-then-drop",
  "drop-before-commit",
  "delay",
  "http-500",
  "html-gateway",
  "malformed-json",
] as const;

/** One of {@link SHARED_REQUEST_FAULT_KINDS}. */
export type SharedRequestFaultKind = (typeof SHARED_REQUEST_FAULT_KINDS)[number];

/** The parameters of a request fault that {@link RequestFaults} reads. */
export interface RequestFaultTiming extends ScriptedFault {
  /** `delay`: how long to hold the answer (default 1000 ms). Every other kind: a pause before acting. */
  delayMs?: number | undefined;
  /** `http-500`: the body format; see {@link Http500Style.defaultFormat}. */
  bodyFormat?: "json" | "text" | undefined;
}

/** One request being answered: the exchange and its inspection record. */
export interface FaultExchange<Kind extends string = string> {
  request: IncomingMessage;
  response: ServerResponse;
  /**
   * The request's inspection record: `fault` is set to the fault taken, `httpStatus` to the
   * status sent by {@link RequestFaults} (left absent when nothing is sent).
   */
  record: { httpStatus?: number | undefined; fault?: Kind | undefined };
}

/** How a simulator writes the `http-500` fault's answer. */
export interface Http500Style {
  /** The body when the fault names no (valid) `bodyFormat`. */
  defaultFormat: "json" | "text";
  /** Content-Type of the JSON body `{"status":500,"error":"Internal Server Error"}`. */
  jsonContentType: string;
  /** Content-Type of the text body `Internal Server Error`. */
  textContentType: string;
}

/** Settings of {@link RequestFaults}. */
export interface RequestFaultsOptions<Fault extends ScriptedFault> {
  /** The simulator's fault queue. */
  queue: FaultQueue<Fault>;
  /** The simulator's request-fault kinds: {@link SHARED_REQUEST_FAULT_KINDS} and its own. */
  kinds: ReadonlySet<string>;
  /** The merchant order number a fault is limited to (its `customerOrderNo`, `orderid`, …), if any. */
  orderOf(fault: Fault): string | undefined;
  /** How the `http-500` fault answers. */
  http500: Http500Style;
  /** The simulator's pause that `close()` cancels (`SimulatorLifecycle.wait`). */
  wait(ms: number): Promise<boolean>;
}

/** What {@link RequestFaults.open} leaves to the simulator. */
export interface OpenedRequest<Fault> {
  /** The fault acting on this request, if any: the simulator acts out its own kinds. */
  fault: Fault | undefined;
  /** True when the request is finished (answered, dropped, or its pause cancelled by `close()`). */
  finished: boolean;
}

const HTTP_500_TEXT = "Internal Server Error";
const HTTP_500_JSON = '{"status":500,"error":"Internal Server Error"}';

/** The page nginx answers when its upstream fails: what a gateway in front of a supplier sends. */
export const NGINX_502_PAGE =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
  "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/**
 * Acts out the shared request faults of one simulator around its own request handling:
 * {@link open} before the request is processed, {@link send} after. The simulator acts out its
 * own kinds (vendor error envelopes, rate limits, …) in between.
 */
export class RequestFaults<Fault extends RequestFaultTiming> {
  readonly #options: RequestFaultsOptions<Fault>;

  constructor(options: RequestFaultsOptions<Fault>) {
    this.#options = options;
  }

  /**
   * Takes the request's fault — the oldest queued request fault that names no method or
   * `method`, and no order or `orderNo` — and notes its kind in the record; then acts out what
   * comes before processing: the pause of `delayMs` (every kind but `delay`), `drop-before-commit`
   * (the socket is destroyed), `http-500` and `html-gateway`.
   */
  async open(
    exchange: FaultExchange<Fault["kind"]>,
    method: string | undefined,
    orderNo: string | undefined,
  ): Promise<OpenedRequest<Fault>> {
    const { queue, kinds, orderOf } = this.#options;
    const fault = queue.take((candidate) => {
      const scope = orderOf(candidate);
      return (
        kinds.has(candidate.kind) &&
        faultMatchesMethod(candidate, method) &&
        (scope === undefined || scope === orderNo)
      );
    });
    if (!fault) return { fault, finished: false };
    exchange.record.fault = fault.kind;
    if (fault.kind !== "delay" && fault.delayMs && !(await this.#options.wait(fault.delayMs))) {
      return { fault, finished: true };
    }
    switch (fault.kind) {
      case "drop-before-commit":
        exchange.request.socket.destroy();
        return { fault, finished: true };
      case "http-500": {
        const { defaultFormat, jsonContentType, textContentType } = this.#options.http500;
        const format =
          fault.bodyFormat === "json" || fault.bodyFormat === "text" ? fault.bodyFormat : defaultFormat;
        if (format === "text") sendRecorded(exchange, 500, textContentType, HTTP_500_TEXT);
        else sendRecorded(exchange, 500, jsonContentType, HTTP_500_JSON);
        return { fault, finished: true };
      }
      case "html-gateway":
        sendRecorded(exchange, 502, "text/html", NGINX_502_PAGE);
        return { fault, finished: true };
      default:
        return { fault, finished: false };
    }
  }

  /**
   * Sends the answer of a processed request, HTTP 200, through the shared faults that act after
   * processing: `commit-then-drop` destroys the socket instead, `delay` holds the answer
   * `delayMs` (default 1000; nothing is sent when `close()` cancels the pause), `malformed-json`
   * cuts the body in half. Any other fault (or none) sends it as is.
   */
  async send(
    fault: Fault | undefined,
    exchange: FaultExchange<Fault["kind"]>,
    contentType: string,
    body: string | Buffer,
  ): Promise<void> {
    if (fault?.kind === "commit-then-drop") {
      exchange.request.socket.destroy();
      return;
    }
    if (fault?.kind === "delay" && !(await this.#options.wait(fault.delayMs ?? 1000))) return;
    sendRecorded(exchange, 200, contentType, fault?.kind === "malformed-json" ? truncated(body) : body);
  }
}

/**
 * Sends a rate-limit answer: `Retry-After: 1` and the vendor's body. The caller notes the status
 * (and the vendor code) in the request's record.
 */
export function sendRetryAfter(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
): void {
  response.setHeader("retry-after", "1");
  sendResponse(response, status, contentType, body);
}

/** Sends an answer and notes its status in the request's record. */
function sendRecorded(
  exchange: FaultExchange,
  status: number,
  contentType: string,
  body: string | Buffer,
): void {
  exchange.record.httpStatus = status;
  sendResponse(exchange.response, status, contentType, body);
}

/** The first half of a body (at least one character or byte). */
function truncated(body: string | Buffer): string | Buffer {
  const half = Math.max(1, Math.floor(body.length / 2));
  return typeof body === "string" ? body.slice(0, half) : body.subarray(0, half);
}
