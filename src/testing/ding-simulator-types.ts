/**
 * Public types of the Ding Connect simulator (see `ding-simulator.ts`).
 */
import type { Clock } from "../core/index.js";
import type {
  DingOutcomeInput,
  DingSimulatorOutcome,
  DingSimulatorProduct,
} from "./ding-simulator-catalogue.js";
import type { ScriptedFault, SharedRequestFaultKind } from "./simulator-faults.js";
import type { SimulatorRequestRecord, SupplierSimulator } from "./simulator-types.js";

/** The simulator's methods (the names match the adapter's `DingMethod`, plus `unknown`). */
export type DingSimulatorMethod =
  | "GetBalance"
  | "GetProducts"
  | "SendTransfer"
  | "ListTransferRecords"
  | "unknown";

/**
 * Faults that act on the next matching request (match by `method`, and by `distributorRef` when given):
 * - `commit-then-drop`: processed in full (the transfer exists, the balance is debited), then the
 *   socket is destroyed without an answer;
 * - `drop-before-commit`: the socket is destroyed, nothing processed;
 * - `delay`: processed at once, answered after `delayMs` (default 1000);
 * - `http-500`: nothing processed; HTTP 500 with a non-Ding JSON body (or text);
 * - `html-gateway`: nothing processed; HTTP 502 with an nginx HTML page;
 * - `malformed-json`: processed, then HTTP 200 with the JSON cut in half;
 * - `rate-limit`: nothing processed; HTTP 429, `Retry-After: 1`, error code `RateLimited`;
 * - `vendor-error`: nothing processed; a Ding error body with `code` (default `ProviderError`),
 *   `context` and `httpStatus` (default 500).
 *
 * Every request fault also honours `delayMs` as a pause before it acts.
 */
export type DingRequestFaultKind = SharedRequestFaultKind | "rate-limit" | "vendor-error";

/**
 * Every fault kind: the request faults plus `not-found-until` — the next transfer created (or
 * `distributorRef`) is missing from the next `queries` (default 2) `ListTransferRecords` answers
 * although it exists (propagation lag).
 */
export type DingFaultKind = DingRequestFaultKind | "not-found-until";

/** A scripted fault for {@link DingSimulator.injectFault}. `method` names a Ding method. */
export interface DingSimulatorFault extends ScriptedFault<DingFaultKind> {
  /** Only requests (or transfers) for this `DistributorRef` consume the fault. */
  distributorRef?: string | undefined;
  /** `delay`: how long to hold the answer; others: a pause first. */
  delayMs?: number | undefined;
  /** `not-found-until`: how many look-ups miss the transfer first. Default 2. */
  queries?: number | undefined;
  /** `http-500`: a JSON (default) or plain-text body. */
  bodyFormat?: "json" | "text" | undefined;
  /** `vendor-error`: the Ding error code. Default `ProviderError`. */
  code?: string | undefined;
  /** `vendor-error`: the `Context`. Default empty. */
  context?: string | undefined;
  /** `vendor-error`: the HTTP status. Default 500. */
  httpStatus?: number | undefined;
}

/** A transfer as {@link DingSimulator.orders} reports it. */
export interface DingSimulatedTransfer {
  /** Ding's `TransferRef`, a string of digits. */
  transferRef: string;
  distributorRef: string;
  skuCode: string;
  accountNumber: string;
  /** `Submitted`, `Complete`, `Failed`, `Cancelled`. */
  processingState: string;
  /** Every state it went through, in order, with epoch-ms times. */
  history: Array<{ state: string; at: number }>;
  /** Decimal strings. */
  sendValue: { currency: string; amount: string };
  receiveValue: { currency: string; amount: string };
  /** What the balance was debited: `SendValue` + `DistributorFee` ("0.00" for the UAT number). */
  cost: string;
  /** The error code a failed transfer reports. */
  errorCode?: string | undefined;
  startedAt: number;
  completedAt?: number | undefined;
}

/** One balance movement. */
export interface DingLedgerEntry {
  distributorRef: string;
  transferRef: string;
  /** debit: taken when the transfer is accepted; refund: given back when it fails. */
  movement: "debit" | "refund";
  amount: string;
  currency: string;
  /** The balance after the movement. */
  balance: string;
  at: number;
}

/** One request, as {@link DingSimulator.requests} reports it. */
export interface DingSimulatorRequestRecord extends SimulatorRequestRecord<DingFaultKind> {
  method: DingSimulatorMethod;
  httpMethod: string;
  /** The path and query, e.g. `/api/V1/GetProducts?skuCodes=SG_SI_TopUp`. */
  path: string;
  /** Whether the `api_key` header was the simulator's. */
  authorized: boolean;
  /** The `api_key` header received (to check exactly what the client sent). */
  apiKey?: string | undefined;
  /** The `X-Correlation-Id` header received. */
  correlationId?: string | undefined;
  /** The `User-Agent` header received. */
  userAgent?: string | undefined;
  distributorRef?: string | undefined;
  /** `SendTransfer`: whether it was `ValidateOnly`. */
  validateOnly?: boolean | undefined;
  /** The parsed JSON body, for POSTs with an object body. */
  body?: Readonly<Record<string, unknown>> | undefined;
  /** The Ding error code answered, if any. */
  errorCode?: string | undefined;
}

/** Options of `createDingSimulator`. Every option has a default. */
export interface DingSimulatorOptions {
  apiKey?: string | undefined;
  /** Default 0 (an ephemeral port); the host is always 127.0.0.1. */
  port?: number | undefined;
  /** Opening balance, a decimal string. Default "1000.00". */
  balance?: string | undefined;
  /** Balance currency; products' send currency must match it. Default "USD". */
  currency?: string | undefined;
  catalogue?: readonly DingSimulatorProduct[] | undefined;
  /** Delay from `Submitted` to the final state of a batch transfer. Default 30 ms. */
  settleAfterMs?: number | undefined;
  /** Whether batch transfers settle by themselves. Default true; see `setAutoSettle`. */
  autoSettle?: boolean | undefined;
  /** HTTP status sent with `InsufficientBalance`. Default 500, as production does (§11 pitfall 6). */
  insufficientBalanceHttpStatus?: number | undefined;
  /** Decides each transfer's fate. Default `dingDefaultOutcome` (account-number suffixes). */
  outcome?: ((input: DingOutcomeInput) => DingSimulatorOutcome) | undefined;
  /** Timestamps. Timers use real time. Default the system clock. */
  clock?: Clock | undefined;
}

/**
 * A running (or ready-to-start) Ding simulator. `orders()` reports transfers — possibly several
 * under one `DistributorRef`, since Ding does not deduplicate it; `order()` returns the first
 * transfer of a reference and `transfers()` all of them; `requests()` filters by method. Ding has
 * no callbacks: `callbacks()` is always empty.
 */
export interface DingSimulator
  extends SupplierSimulator<
    DingSimulatedTransfer,
    DingSimulatorRequestRecord,
    never,
    DingSimulatorFault,
    DingSimulatorMethod
  > {
  /** The API origin, `http://127.0.0.1:<port>` (the adapter's `endpoint`). Throws before `start()`. */
  readonly url: string;
  readonly apiKey: string;

  /** Every transfer made under `distributorRef`, oldest first. */
  transfers(distributorRef: string): DingSimulatedTransfer[];
  /** Balance movements, oldest first; only those for `distributorRef` when given. */
  ledger(distributorRef?: string): DingLedgerEntry[];
  /** The balance, a decimal string. */
  balance(): string;
  setBalance(amount: string): void;
  products(): DingSimulatorProduct[];
  /**
   * Makes every look-up report `raw` as the `ProcessingState` of the reference's transfers.
   * `undefined` clears it. The transfers themselves are unchanged.
   */
  setRawOrderState(distributorRef: string, raw: string | undefined): void;
  /** Moves the reference's latest `Submitted` transfer to `state` now (default `Complete`; or `Failed`, `Cancelled`). */
  completeOrder(distributorRef: string, state?: "Complete" | "Failed" | "Cancelled"): DingSimulatedTransfer;
}

export type { DingOutcomeInput, DingSimulatorOutcome, DingSimulatorProduct };
