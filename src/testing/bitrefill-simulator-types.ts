/**
 * Public types of the Bitrefill API v2 simulator (see `bitrefill-simulator.ts`).
 */
import type { Clock } from "../core/index.js";
import type { ScriptedFault, SharedRequestFaultKind } from "./simulator-faults.js";
import type {
  SimulatorCallbackAttempt,
  SimulatorCallbackRetryOptions,
  SimulatorRequestRecord,
  SupplierSimulator,
} from "./simulator-types.js";

/** The simulator's endpoints (the names match the adapter's `BitrefillEndpoint`, plus `ping`, `search`). */
export type BitrefillSimulatorEndpoint =
  | "ping"
  | "balance"
  | "products"
  | "search"
  | "product"
  | "createInvoice"
  | "invoices"
  | "invoice"
  | "payInvoice"
  | "order"
  | "unknown";

/**
 * Request faults (match by `method` = endpoint, and by `reference` when given): the shared ones,
 * plus `rate-limit` (HTTP 429, `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset`, `Retry-After: 1`)
 * and `vendor-error` (an error body with `code`, default `internal_error`, and `httpStatus`,
 * default 500). Other kinds: `not-found-until` (the invoice is left out of the next `queries`
 * listings and item GETs, default 2) and `duplicate-callback` (the next webhook is sent twice).
 */
export type BitrefillRequestFaultKind = SharedRequestFaultKind | "rate-limit" | "vendor-error";
export type BitrefillFaultKind = BitrefillRequestFaultKind | "not-found-until" | "duplicate-callback";

export interface BitrefillSimulatorFault extends ScriptedFault<BitrefillFaultKind> {
  /** Only requests or webhooks about the invoice recording this merchant order id consume the fault. */
  reference?: string | undefined;
  delayMs?: number | undefined;
  queries?: number | undefined;
  bodyFormat?: "json" | "text" | undefined;
  /** `vendor-error`: the error code. Default `internal_error`. */
  code?: string | undefined;
  message?: string | undefined;
  httpStatus?: number | undefined;
}

/** What happens to one unit (order) of an invoice. */
export type BitrefillUnitOutcome = "delivered" | "failed" | "refunded" | "pending";

/** A catalogue product. `packages` (fixed values) or `range` (any value from min to max by step). */
export interface BitrefillSimulatorProduct {
  id: string;
  name: string;
  /** `gift_card` or `phone_refill`. */
  type: string;
  countryCode: string;
  /** Face-value currency. */
  currency: string;
  inStock: boolean;
  /** Face values; each package costs `value × priceRate` in the balance currency. */
  packages?: readonly string[] | undefined;
  range?: { min: string; max: string; step: string } | undefined;
  /** Price per unit of face value, a decimal string. */
  priceRate: string;
  /** How units are redeemed: a code (+ PIN), a link, or nothing (a top-up). */
  redemption: "code" | "code-pin" | "link" | "none";
  /** Fate of unit `index` (0-based) of `quantity`. */
  outcome(index: number, quantity: number): BitrefillUnitOutcome;
}

export interface BitrefillSimulatedOrder {
  id: string;
  status: string;
  productId: string;
  value: string;
  currency: string;
  /** What this unit cost, in the balance currency. */
  price: string;
  outcome: BitrefillUnitOutcome;
  redemption?: { code?: string; pin?: string; link?: string } | undefined;
  deliveredAt?: number | undefined;
}

export interface BitrefillSimulatedInvoice {
  id: string;
  /** The merchant order id recorded in the invoice (`reference` or the webhook parameter). */
  reference?: string | undefined;
  status: string;
  paymentMethod: string;
  autoPay: boolean;
  /** Decimal string, in the balance currency. */
  price: string;
  currency: string;
  webhookUrl?: string | undefined;
  orders: BitrefillSimulatedOrder[];
  history: Array<{ status: string; at: number }>;
  createdAt: number;
  completedAt?: number | undefined;
}

/** One balance movement: `debit` when an invoice is paid, `refund` when a unit fails. */
export interface BitrefillLedgerEntry {
  reference?: string | undefined;
  invoiceId: string;
  orderId?: string | undefined;
  movement: "debit" | "refund";
  amount: string;
  currency: string;
  /** Balance after the movement. */
  balance: string;
  at: number;
}

export interface BitrefillSimulatorRequestRecord extends SimulatorRequestRecord<BitrefillFaultKind> {
  endpoint: BitrefillSimulatorEndpoint;
  httpMethod: string;
  path: string;
  /** Whether the Bearer or Basic credentials were the simulator's. */
  authorized: boolean;
  authorization?: string | undefined;
  reference?: string | undefined;
  body?: Readonly<Record<string, unknown>> | undefined;
  errorCode?: string | undefined;
}

/** One webhook attempt. Webhooks are unsigned POSTs of the invoice object. */
export interface BitrefillCallbackAttempt
  extends SimulatorCallbackAttempt<"status" | "manual" | "duplicate"> {
  reference?: string | undefined;
  invoiceId: string;
  invoiceStatus: string;
}

export interface BitrefillSimulatorOptions extends SimulatorCallbackRetryOptions {
  /** The personal API key (Bearer). Default `bitrefill-simulator-key`. */
  apiKey?: string | undefined;
  /** Business credentials (Basic), also accepted. Defaults `bitrefill-business` / `bitrefill-business-secret`. */
  businessId?: string | undefined;
  businessSecret?: string | undefined;
  port?: number | undefined;
  /** Opening balance, a decimal string. Default "1000.00". */
  balance?: string | undefined;
  /** Balance currency. Default "USD". */
  currency?: string | undefined;
  catalogue?: readonly BitrefillSimulatorProduct[] | undefined;
  /** Delay from payment to each order's final status. Default 30 ms. */
  settleAfterMs?: number | undefined;
  autoSettle?: boolean | undefined;
  /**
   * How an auto-paid invoice the balance cannot cover is answered [?]: `error` (default) — HTTP 400
   * `insufficient_balance`, no invoice; `payment-error` — the invoice is created as `payment_error`.
   */
  insufficientBalance?: "error" | "payment-error" | undefined;
  /** Whether `GET /invoices` lists each invoice with its `orders`. Default true. */
  listIncludesOrders?: boolean | undefined;
  clock?: Clock | undefined;
}

export interface BitrefillSimulator
  extends SupplierSimulator<
    BitrefillSimulatedInvoice,
    BitrefillSimulatorRequestRecord,
    BitrefillCallbackAttempt,
    BitrefillSimulatorFault,
    BitrefillSimulatorEndpoint
  > {
  /** The API base URL, `http://127.0.0.1:<port>/v2`. */
  readonly url: string;
  readonly apiKey: string;
  readonly businessId: string;
  readonly businessSecret: string;
  ledger(reference?: string): BitrefillLedgerEntry[];
  balance(): string;
  setBalance(amount: string): void;
  products(): BitrefillSimulatorProduct[];
  /** Makes every read report `raw` as the invoice's status (`undefined` clears it). */
  setRawOrderState(reference: string, raw: string | undefined): void;
  /**
   * Settles the invoice's pending orders now: each to its scripted outcome, or to `outcomes[i]`
   * (delivered, failed, refunded), with refunds and a webhook.
   */
  completeOrder(reference: string, outcomes?: readonly BitrefillUnitOutcome[]): BitrefillSimulatedInvoice;
  /** POSTs the invoice (without redemption info) to its webhook URL (or `options.url`); `overrides` replace top-level fields. */
  sendCallback(
    reference: string,
    overrides?: Readonly<Record<string, unknown>>,
    options?: { url?: string },
  ): Promise<BitrefillCallbackAttempt[]>;
}
