/**
 * Public types of the DT One DVS simulator (see `dtone-simulator.ts`).
 */
import type { DtoneProductType, DtoneStatusClass } from "../../adapters/dtone/dtone-tables.js";
import type { Clock } from "../core/index.js";
import type {
  DtoneOutcomeInput,
  DtoneSimulatorOperator,
  DtoneSimulatorOutcome,
  DtoneSimulatorProduct,
} from "./dtone-simulator-catalogue.js";
import type { ScriptedFault, SharedRequestFaultKind } from "./simulator-faults.js";
import type {
  SimulatorCallbackAttempt,
  SimulatorCallbackRetryOptions,
  SimulatorRequestRecord,
  SupplierSimulator,
} from "./simulator-types.js";

/** The simulator's endpoints (the names match the adapter's `DtoneEndpoint`, plus `transactions`). */
export type DtoneSimulatorEndpoint =
  | "products"
  | "product"
  | "balances"
  | "lookup"
  | "createTransaction"
  | "confirmTransaction"
  | "cancelTransaction"
  | "transaction"
  | "transactions"
  | "unknown";

/**
 * Faults that act on the next matching request (match by `method` = endpoint name, and by
 * `externalId` when given):
 * - `commit-then-drop`: processed in full (the transaction exists, the balance is held), then the
 *   socket is destroyed without an answer;
 * - `drop-before-commit`: the socket is destroyed, nothing processed;
 * - `delay`: processed at once, answered after `delayMs` (default 1000);
 * - `http-500`: nothing processed; HTTP 500 with a non-DVS JSON body (or text);
 * - `html-gateway`: nothing processed; HTTP 502 with an nginx HTML page;
 * - `malformed-json`: processed, then HTTP 2xx with the JSON cut in half;
 * - `rate-limit`: nothing processed; HTTP 429, `Retry-After: 1`, error 1000429;
 * - `vendor-error`: nothing processed; a DVS error body with `code` (default 1009001) and
 *   `httpStatus` (default 500).
 *
 * Every request fault also honours `delayMs` as a pause before it acts.
 */
export type DtoneRequestFaultKind = SharedRequestFaultKind | "rate-limit" | "vendor-error";

/**
 * Every fault kind: the request faults plus
 * - `not-found-until`: the next transaction created (or `externalId`) is answered 1008004 "not
 *   found" by the next `queries` (default 2) lookups although it exists — propagation lag;
 * - `duplicate-callback`: the next callback (of `externalId`) is delivered twice;
 * - `out-of-order-callback`: after the next final callback, a stale `SUBMITTED` one follows;
 * - `reversal-after-success`: the next transaction created (or `externalId`) is REVERSED
 *   `delayMs` (default 20) after it completes, with a callback — DT One's rare manual reversal.
 */
export type DtoneFaultKind =
  | DtoneRequestFaultKind
  | "not-found-until"
  | "duplicate-callback"
  | "out-of-order-callback"
  | "reversal-after-success";

/** A scripted fault for {@link DtoneSimulator.injectFault}. `method` names an endpoint. */
export interface DtoneSimulatorFault extends ScriptedFault<DtoneFaultKind> {
  /** Only requests (or transactions, or callbacks) for this `external_id` consume the fault. */
  externalId?: string | undefined;
  /** `delay`: how long to hold the answer; `reversal-after-success`: how long after completion; others: a pause first. */
  delayMs?: number | undefined;
  /** `not-found-until`: how many lookups answer "not found" first. Default 2. */
  queries?: number | undefined;
  /** `http-500`: a JSON (default) or plain-text body. */
  bodyFormat?: "json" | "text" | undefined;
  /** `vendor-error`: the DVS error code. Default 1009001. */
  code?: number | undefined;
  /** `vendor-error`: the message. Default "Unexpected error, please contact our support team". */
  message?: string | undefined;
  /** `vendor-error`: the HTTP status. Default 500. */
  httpStatus?: number | undefined;
}

/** A transaction as {@link DtoneSimulator.orders} reports it. */
export interface DtoneSimulatedTransaction {
  /** DT One's id, as a string of digits. */
  id: string;
  externalId: string;
  productId: number;
  productType: DtoneProductType;
  /** The endpoint family it was created through. */
  mode: "async" | "sync";
  /** The current status, e.g. `SUBMITTED`, `DECLINED-BARRED-CREDIT-PARTY`. */
  status: string;
  statusClass: DtoneStatusClass;
  /** Every status it went through, in order, with epoch-ms times. */
  history: Array<{ status: string; at: number }>;
  mobileNumber?: string | undefined;
  accountNumber?: string | undefined;
  calculationMode?: "SOURCE_AMOUNT" | "DESTINATION_AMOUNT" | undefined;
  /** Decimal strings. */
  source: { unit: string; amount: string };
  destination: { unit: string; amount: string };
  wholesale: { unit: string; amount: string; fee: string };
  /** What is held, then captured: wholesale amount + fee. */
  cost: string;
  pin?: { code: string; serial: string } | undefined;
  operatorReference?: string | undefined;
  callbackUrl?: string | undefined;
  createdAt: number;
  confirmedAt?: number | undefined;
  finishedAt?: number | undefined;
  confirmationExpiresAt: number;
}

/** One balance movement (the DVS spec's "Balances" table). */
export interface DtoneLedgerEntry {
  externalId: string;
  transactionId: string;
  /** authorize: available → holding (CREATED); void: back (CANCELLED/REJECTED/DECLINED); capture: debited (COMPLETED); reverse: back to available (REVERSED). */
  movement: "authorize" | "void" | "capture" | "reverse";
  amount: string;
  unit: string;
  /** Balances after the movement. */
  available: string;
  holding: string;
  at: number;
}

/** One request, as {@link DtoneSimulator.requests} reports it. */
export interface DtoneSimulatorRequestRecord extends SimulatorRequestRecord<DtoneFaultKind> {
  endpoint: DtoneSimulatorEndpoint;
  httpMethod: string;
  /** The path and query, e.g. `/v1/transactions?external_id=M-1`. */
  path: string;
  /** Whether the Basic credentials were the simulator's. */
  authorized: boolean;
  /** The `authorization` header received (to check exactly what the client sent). */
  authorization?: string | undefined;
  externalId?: string | undefined;
  transactionId?: string | undefined;
  /** The parsed JSON body, for POSTs with an object body. */
  body?: Readonly<Record<string, unknown>> | undefined;
  /** The DVS error code answered, if any. */
  errorCode?: number | undefined;
}

/**
 * One callback delivery attempt. `reason`: `status`, a status change; `manual`, `sendCallback`;
 * `duplicate`/`stale`, faults. No `contentType`: DT One callbacks are always `application/json`.
 */
export interface DtoneCallbackAttempt
  extends Omit<SimulatorCallbackAttempt<"status" | "manual" | "duplicate" | "stale">, "contentType"> {
  externalId: string;
  /** The `status.message` sent. */
  transactionStatus: string;
}

/**
 * Options of `createDtoneSimulator`. Every option has a default. A callback is acknowledged by any
 * 2xx answer; until then it is retried (`callbackAttempts`, `callbackRetryIntervalMs`, `callbackTimeoutMs`).
 */
export interface DtoneSimulatorOptions extends SimulatorCallbackRetryOptions {
  apiKey?: string | undefined;
  apiSecret?: string | undefined;
  /** Default 0 (an ephemeral port); the host is always 127.0.0.1. */
  port?: number | undefined;
  /** Opening available balance, a decimal string. Default "10000.00". */
  balance?: string | undefined;
  /** Balance currency; products' source currency must match it. Default "USD". */
  balanceUnit?: string | undefined;
  catalogue?: readonly DtoneSimulatorProduct[] | undefined;
  operators?: readonly DtoneSimulatorOperator[] | undefined;
  /** Delay from confirmation to the final status for numbers without a sandbox suffix. Default 30 ms. */
  settleAfterMs?: number | undefined;
  /** Delay from confirmation to SUBMITTED. Default 5 ms. */
  submitAfterMs?: number | undefined;
  /** Delays of the sandbox's `1xx`, `2xx`, `3xx` suffixes. Default `{1: 3000, 2: 20000, 3: 300000}` as DT One's sandbox. */
  sandboxDelaysMs?: Partial<Record<1 | 2 | 3, number>> | undefined;
  /** Delay from COMPLETED to REVERSED for the `x08` scenario. Default 20 ms. */
  reversalAfterMs?: number | undefined;
  /** Whether transactions progress by themselves. Default true; see `setAutoSettle`. */
  autoSettle?: boolean | undefined;
  /** How long `/sync/...` requests hold the connection for a final status. Default 180 000 ms. */
  syncHoldMs?: number | undefined;
  /** How long a CREATED transaction may be confirmed. Default 15 min [?]. */
  confirmationWindowMs?: number | undefined;
  /**
   * How insufficient balance is answered [?]: `error` (default) — error 1006001 and no
   * transaction; `rejected-status` — a transaction created as `REJECTED-INSUFFICIENT-BALANCE`.
   */
  insufficientBalance?: "error" | "rejected-status" | undefined;
  /** HTTP status sent with error 1006001 [?]. Default 400. */
  insufficientBalanceHttpStatus?: number | undefined;
  /** How `GET /transactions?external_id=` answers an unknown id [?]: `404` (default, as the spec declares, with 1008004) or `empty-list` (`[]`). */
  transactionNotFound?: "404" | "empty-list" | undefined;
  /** Decides each transaction's fate. Default `dtoneSandboxOutcome` (the sandbox suffixes). */
  outcome?: ((input: DtoneOutcomeInput) => DtoneSimulatorOutcome) | undefined;
  /** Timestamps. Timers use real time. Default the system clock. */
  clock?: Clock | undefined;
}

/**
 * A running (or ready-to-start) DT One simulator. `orders()` reports transactions; `order()` and
 * `callbacks()` take the `external_id`; `requests()` filters by endpoint. `setAutoSettle(false)`
 * stops (and `true` resumes) automatic progression; `completeOrder` finishes a transaction by hand.
 */
export interface DtoneSimulator
  extends SupplierSimulator<
    DtoneSimulatedTransaction,
    DtoneSimulatorRequestRecord,
    DtoneCallbackAttempt,
    DtoneSimulatorFault,
    DtoneSimulatorEndpoint
  > {
  /** The API base URL, `http://127.0.0.1:<port>/v1` (the adapter's `endpoint`). Throws before `start()`. */
  readonly url: string;
  readonly apiKey: string;
  /** The API secret (to configure the client under test; never logged). */
  readonly apiSecret: string;

  /** Balance movements, oldest first; only those for `externalId` when given. */
  ledger(externalId?: string): DtoneLedgerEntry[];
  /** Available balance, a decimal string. */
  balance(): string;
  /** Amount held for transactions in progress, a decimal string. */
  holding(): string;
  setBalance(amount: string): void;
  products(): DtoneSimulatorProduct[];
  /**
   * Makes every lookup report `raw` as the transaction's status — a string sets both
   * `status.message` and `status.class.message` (e.g. a class no client has seen); an object sets
   * either. `undefined` clears it. The transaction itself is unchanged.
   */
  setRawOrderState(
    externalId: string,
    raw: string | { status?: string | undefined; statusClass?: string | undefined } | undefined,
  ): void;
  /**
   * Moves a transaction that is not final to `status` now (default COMPLETED; any DECLINED-*,
   * REJECTED-* or CANCELLED), with its balance movement and callback.
   */
  completeOrder(externalId: string, status?: string): DtoneSimulatedTransaction;
  /** Reverses a COMPLETED transaction now (REVERSED, balance returned, callback). */
  reverseOrder(externalId: string): DtoneSimulatedTransaction;
  /**
   * POSTs the transaction's JSON to its callback URL (or `options.url`) now. `overrides` replace
   * top-level fields — e.g. a forged `status` — as an attacker could, since DVS callbacks are unsigned.
   */
  sendCallback(
    externalId: string,
    overrides?: Readonly<Record<string, unknown>>,
    options?: { url?: string },
  ): Promise<DtoneCallbackAttempt[]>;
}

export type { DtoneOutcomeInput, DtoneSimulatorOperator, DtoneSimulatorOutcome, DtoneSimulatorProduct };
