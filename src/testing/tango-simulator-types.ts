/**
 * Public types of the Tango Card RaaS simulator (see `tango-simulator.ts`).
 */
import type { Clock } from "../core/index.js";
import type { ScriptedFault, SharedRequestFaultKind } from "./simulator-faults.js";
import type { SimulatorRequestRecord, SupplierSimulator } from "./simulator-types.js";
import type { TangoSimulatorItem } from "./tango-simulator-catalogue.js";

/** The simulator's endpoints (the names match the adapter's `TangoEndpoint`). */
export type TangoSimulatorEndpoint =
  | "catalogs"
  | "account"
  | "createOrder"
  | "ordersByExternalRefId"
  | "order"
  | "unknown";

/**
 * Faults that act on the next matching request (match by `method` = endpoint name, and by
 * `externalRefId` when given): the shared kinds (`commit-then-drop`, `drop-before-commit`,
 * `delay`, `http-500`, `html-gateway`, `malformed-json`) plus
 * - `rate-limit`: nothing processed; HTTP 429, `Retry-After: 1`, i18n key 429.001;
 * - `vendor-error`: nothing processed; a Tango error body with `code` (default "500.001") and
 *   `httpStatus` (default 500).
 */
export type TangoRequestFaultKind = SharedRequestFaultKind | "rate-limit" | "vendor-error";

/**
 * Every fault kind: the request faults plus
 * - `in-process`: the next order created (or `externalRefId`) is committed as PENDING and the
 *   placement answered 409.002 "in process"; it completes after `delayMs` (default 50). Any
 *   re-send of that id before then is answered 409.002 too;
 * - `not-found-until`: the next `queries` (default 2) lookups of the order answer an empty list
 *   although it exists — propagation lag.
 */
export type TangoFaultKind = TangoRequestFaultKind | "in-process" | "not-found-until";

/** A scripted fault for {@link TangoSimulator.injectFault}. `method` names an endpoint. */
export interface TangoSimulatorFault extends ScriptedFault<TangoFaultKind> {
  /** Only requests (or orders) for this `externalRefID` consume the fault. */
  externalRefId?: string | undefined;
  /** `delay`: how long to hold the answer; `in-process`: how long until COMPLETE; others: a pause first. */
  delayMs?: number | undefined;
  /** `not-found-until`: how many lookups answer "not found" first. Default 2. */
  queries?: number | undefined;
  /** `http-500`: a JSON (default) or plain-text body. */
  bodyFormat?: "json" | "text" | undefined;
  /** `vendor-error`: the i18n key. Default "500.001". */
  code?: string | undefined;
  /** `vendor-error`: the message. */
  message?: string | undefined;
  /** `vendor-error`: the HTTP status. Default 500. */
  httpStatus?: number | undefined;
}

/** An order's scripted fate: COMPLETE at once (default), PENDING then COMPLETE, or FAILED. */
export type TangoSimulatorOutcome = "complete" | "pending" | "failed";

/** An order as {@link TangoSimulator.orders} reports it. */
export interface TangoSimulatedOrder {
  referenceOrderId: string;
  externalRefId: string;
  utid: string;
  /** The amount asked, a decimal string, in `currencyCode`. */
  amount: string;
  currencyCode: string;
  /** COMPLETE, PENDING, FAILED or CANCELLED. */
  status: string;
  history: Array<{ status: string; at: number }>;
  /** Credentials issued (once COMPLETE). */
  credentials: Array<{ label: string; value: string; type: string; credentialType: string }>;
  sendEmail: boolean;
  recipientEmail?: string | undefined;
  createdAt: number;
}

/** One balance movement: `debit` when an order is created, `refund` when it fails or is cancelled. */
export interface TangoLedgerEntry {
  externalRefId: string;
  referenceOrderId: string;
  movement: "debit" | "refund";
  amount: string;
  currencyCode: string;
  /** The balance after the movement. */
  balance: string;
  at: number;
}

/** One request, as {@link TangoSimulator.requests} reports it. */
export interface TangoSimulatorRequestRecord extends SimulatorRequestRecord<TangoFaultKind> {
  endpoint: TangoSimulatorEndpoint;
  httpMethod: string;
  /** The path and query, e.g. `/raas/v2/orders?externalRefID=M-1`. */
  path: string;
  /** Whether the Basic credentials were the simulator's. */
  authorized: boolean;
  /** The `authorization` header received. */
  authorization?: string | undefined;
  externalRefId?: string | undefined;
  /** The parsed JSON body, for POSTs with an object body. */
  body?: Readonly<Record<string, unknown>> | undefined;
  /** The i18n key answered, if any. */
  errorCode?: string | undefined;
  /** For `createOrder`: whether the answer replayed an existing order (HTTP 200). */
  replayed?: boolean | undefined;
}

/** Options of `createTangoSimulator`. Every option has a default. */
export interface TangoSimulatorOptions {
  platformName?: string | undefined;
  platformKey?: string | undefined;
  customerIdentifier?: string | undefined;
  accountIdentifier?: string | undefined;
  /** Default 0 (an ephemeral port); the host is always 127.0.0.1. */
  port?: number | undefined;
  /** Opening balance, a decimal string. Default "10000.00". */
  balance?: string | undefined;
  /** Account currency; items must be priced in it. Default "USD". */
  currencyCode?: string | undefined;
  catalogue?: readonly TangoSimulatorItem[] | undefined;
  /** Decides each order's fate. Default: every order completes synchronously. */
  outcome?:
    | ((input: { externalRefId: string; utid: string; amount: string }) => TangoSimulatorOutcome)
    | undefined;
  /** Delay from PENDING to COMPLETE for `pending` outcomes. Default 30 ms. */
  settleAfterMs?: number | undefined;
  /** Whether PENDING orders complete by themselves. Default true; see `setAutoSettle`. */
  autoSettle?: boolean | undefined;
  /** Fee per order, added to `amountCharged.total` and debited. Default "0.00". */
  fee?: string | undefined;
  /** Timestamps. Timers use real time. Default the system clock. */
  clock?: Clock | undefined;
}

/**
 * A running (or ready-to-start) Tango simulator. `orders()` reports orders; `order()` takes the
 * `externalRefID`; `requests()` filters by endpoint. Tango has no order callbacks, so
 * `callbacks()` is always empty.
 */
export interface TangoSimulator
  extends SupplierSimulator<
    TangoSimulatedOrder,
    TangoSimulatorRequestRecord,
    never,
    TangoSimulatorFault,
    TangoSimulatorEndpoint
  > {
  /** The API base URL, `http://127.0.0.1:<port>/raas/v2` (the adapter's `endpoint`). Throws before `start()`. */
  readonly url: string;
  readonly platformName: string;
  /** The platform key (to configure the client under test; never logged). */
  readonly platformKey: string;
  readonly customerIdentifier: string;
  readonly accountIdentifier: string;

  /** Balance movements, oldest first; only those for `externalRefId` when given. */
  ledger(externalRefId?: string): TangoLedgerEntry[];
  /** Current balance, a decimal string. */
  balance(): string;
  setBalance(amount: string): void;
  items(): TangoSimulatorItem[];
  /** Makes every lookup report `raw` as the order's status (`undefined` clears it). */
  setRawOrderState(externalRefId: string, raw: string | undefined): void;
  /** Moves a PENDING order to COMPLETE (default) or FAILED now. */
  completeOrder(externalRefId: string, status?: "COMPLETE" | "FAILED"): TangoSimulatedOrder;
  /** Cancels an order now (CANCELLED, balance refunded). */
  cancelOrder(externalRefId: string): TangoSimulatedOrder;
}

export type { TangoSimulatorItem };
