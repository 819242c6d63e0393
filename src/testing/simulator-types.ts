/**
 * Public type shapes every supplier simulator shares: the lifecycle and inspection methods, the
 * fields of request records and callback attempts, the callback retry options. Each simulator's
 * own types extend these with its vendor's fields, so `FuluSimulator`, `JuheSimulator`, … keep
 * their names and meaning.
 */
import type { CallbackAttemptOutcome } from "./simulator-callbacks.js";
import type { PendingFault, ScriptedFault } from "./simulator-faults.js";

/** The fields of every simulator's request record. */
export interface SimulatorRequestRecord<FaultKind extends string> {
  /** The HTTP status sent; absent when the socket was dropped. */
  httpStatus?: number | undefined;
  /** The fault that acted on this request, if any. */
  fault?: FaultKind | undefined;
  /** Epoch milliseconds, from the simulator's clock. */
  at: number;
}

/** The fields of every simulator's callback attempt: the outcome, and what was sent and why. */
export interface SimulatorCallbackAttempt<Reason extends string> extends CallbackAttemptOutcome {
  /** Numbers one delivery (a body and its retries); a duplicate, stale or forged callback is a new delivery. */
  deliveryId: number;
  /** Why it was sent: the order became final (`final`), `sendCallback` (`manual`), or a fault. */
  reason: Reason;
  url: string;
  contentType: string;
  /** The exact body sent. */
  body: string;
  /** Epoch milliseconds, from the simulator's clock. */
  at: number;
}

/** The callback retry options every simulator takes. */
export interface SimulatorCallbackRetryOptions {
  /** Attempts per callback delivery, the first included, until the merchant acknowledges it. Default 4. */
  callbackAttempts?: number | undefined;
  /** Pause between callback attempts, in milliseconds. Default 20. */
  callbackRetryIntervalMs?: number | undefined;
  /** Deadline of one callback attempt, in milliseconds. Default 2000. */
  callbackTimeoutMs?: number | undefined;
}

/**
 * The lifecycle, inspection and fault methods every simulator has. `Order` is what `orders()`
 * reports, `RequestRecord` what `requests()` reports (filtered by a `RequestFilter`: the vendor
 * method, endpoint or path), `Attempt` what `callbacks()` reports; `order()` and `callbacks()`
 * take the merchant's order number.
 */
export interface SupplierSimulator<
  Order,
  RequestRecord,
  Attempt,
  Fault extends ScriptedFault,
  RequestFilter extends string = string,
> {
  /** Starts listening on 127.0.0.1. Rejects when already started or closed. */
  start(): Promise<void>;
  /** Closes the server and every socket (keep-alive included), cancels timers and callback deliveries. Idempotent. */
  close(): Promise<void>;
  /** The port. Throws before `start()`. */
  readonly port: number;

  /** The committed orders, oldest first. */
  orders(): Order[];
  /** One committed order, by the merchant's order number. */
  order(orderNo: string): Order | undefined;
  /** The requests received, oldest first; only those for `filter` (a vendor method, endpoint or path) when given. */
  requests(filter?: RequestFilter): RequestRecord[];
  /** Every callback delivery attempt, oldest first; only those for the merchant's `orderNo` when given. */
  callbacks(orderNo?: string): Attempt[];
  /**
   * Turns automatic settling off (orders stay processing until `completeOrder`) or back on
   * (orders still processing are scheduled again, except `pending` ones).
   */
  setAutoSettle(enabled: boolean): void;
  /** Queues a scripted fault. Throws `RangeError` for an unknown kind or invalid parameters. */
  injectFault(fault: Fault): void;
  /** The faults still queued. */
  pendingFaults(): PendingFault<Fault>[];
  /** Drops every queued fault. */
  clearFaults(): void;
  /** Resolves when no settle timer, delayed answer or callback delivery is outstanding. */
  idle(): Promise<void>;
}
