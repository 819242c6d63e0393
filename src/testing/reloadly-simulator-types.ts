/**
 * Public types of the Reloadly simulator: options, scripted faults, the inspection records.
 */
import type { Clock } from "../core/index.js";
import type {
  ReloadlyOutcomeInput,
  ReloadlySimulatorGiftProduct,
  ReloadlySimulatorOperator,
  ReloadlySimulatorOutcome,
} from "./reloadly-simulator-catalogue.js";
import type { ScriptedFault } from "./simulator-faults.js";
import type {
  SimulatorCallbackAttempt,
  SimulatorRequestRecord,
  SupplierSimulator,
} from "./simulator-types.js";

/** The simulator's endpoints, as faults and `requests()` name them. */
export type ReloadlySimulatorEndpoint =
  | "token"
  | "airtime.balance"
  | "airtime.operators"
  | "airtime.operator"
  | "airtime.auto-detect"
  | "airtime.fx-rate"
  | "airtime.topups"
  | "airtime.topups-async"
  | "airtime.status"
  | "airtime.reports"
  | "airtime.report"
  | "giftcards.balance"
  | "giftcards.products"
  | "giftcards.product"
  | "giftcards.orders"
  | "giftcards.cards"
  | "giftcards.reports"
  | "giftcards.report";

/** Reloadly transaction statuses (vendor-protocols.md §2.4). */
export type ReloadlyTransactionStatus = "PROCESSING" | "PENDING" | "SUCCESSFUL" | "FAILED" | "REFUNDED";

/**
 * Faults that act on the next matching request (`method` is a {@link ReloadlySimulatorEndpoint}):
 * - `commit-then-drop`: processed in full (a top-up is created and charged), then the socket is
 *   destroyed without an answer;
 * - `drop-before-commit`: the socket is destroyed, nothing processed;
 * - `delay`: processed at once, answered after `delayMs` (default 1000);
 * - `http-500`: nothing processed; HTTP 500 (JSON or text body);
 * - `html-gateway`: nothing processed; HTTP 502 with an nginx page;
 * - `malformed-json`: processed, then the answer cut in half;
 * - `rate-limit`: nothing processed; HTTP 429 `RATE_LIMIT_REACHED` with `Retry-After: 1`;
 * - `vendor-error`: nothing processed; HTTP `status` (default 400) with `errorCode` and `message`;
 * - `token-expired-mid-batch`: every access token issued so far expires now, then the request
 *   goes on (and is refused 401 `TOKEN_EXPIRED`, like every other request with an old token).
 */
export type ReloadlyRequestFaultKind =
  | "commit-then-drop"
  | "drop-before-commit"
  | "delay"
  | "http-500"
  | "html-gateway"
  | "malformed-json"
  | "rate-limit"
  | "vendor-error"
  | "token-expired-mid-batch";

/**
 * Every fault kind: the request faults plus
 * - `not-found-until`: the reports lookup of the next transaction created (or of
 *   `customIdentifier`) answers an empty list for its first `queries` (default 2) lookups;
 * - `duplicate-webhook`: the next webhook (of `customIdentifier`, if given) is delivered twice;
 * - `out-of-order-webhook`: after the next final webhook, a stale PROCESSING one follows.
 */
export type ReloadlyFaultKind =
  | ReloadlyRequestFaultKind
  | "not-found-until"
  | "duplicate-webhook"
  | "out-of-order-webhook";

/** A scripted fault for {@link ReloadlySimulator.injectFault}. */
export interface ReloadlySimulatorFault extends ScriptedFault<ReloadlyFaultKind> {
  method?: ReloadlySimulatorEndpoint | undefined;
  /** Only requests (or transactions, or webhooks) for this `customIdentifier` consume it. */
  customIdentifier?: string | undefined;
  /** `delay`: how long to hold the answer (default 1000 ms); other request faults: a pause first. */
  delayMs?: number | undefined;
  /** `not-found-until`: how many lookups come back empty first. Default 2. */
  queries?: number | undefined;
  /** `http-500`: a JSON (default) or plain-text body. */
  bodyFormat?: "json" | "text" | undefined;
  /** `vendor-error`: the HTTP status. Default 400. */
  status?: number | undefined;
  /** `vendor-error`: the `errorCode` (default `TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT`; `null` for none). */
  errorCode?: string | null | undefined;
  /** `vendor-error`: the `message`. */
  message?: string | undefined;
}

/** How the simulator signs webhooks. Defaults match the adapter's defaults. */
export interface ReloadlySimulatorWebhookSignature {
  /** Default `body-timestamp`. */
  inputFormat?: "body-timestamp" | "timestamp-body" | "body" | undefined;
  /** Default `":"`. */
  separator?: string | undefined;
  /** Default `hex`. */
  encoding?: "hex" | "base64" | undefined;
  /** The timestamp header's unit. Default `seconds`. */
  timestampUnit?: "seconds" | "milliseconds" | undefined;
}

/** A PIN top-up's `pinDetail`, in plain text. */
export interface ReloadlySimulatedPin {
  serial: string;
  code: string;
  info1: string;
  validity: string;
}

/** One redeem code, in plain text. */
export interface ReloadlySimulatedCard {
  cardNumber: string;
  pinCode: string;
}

/** A transaction, as {@link ReloadlySimulator.orders} reports it. */
export interface ReloadlySimulatedTransaction {
  product: "airtime" | "giftcards";
  transactionId: number;
  customIdentifier: string;
  status: ReloadlyTransactionStatus;
  /** `sync` (`/topups`), `async` (`/topups-async`) or `order` (`/orders`). */
  mode: "sync" | "async" | "order";
  /** What was debited from the balance, in the balance currency. */
  cost: string;
  currency: string;
  /** Airtime: the amount asked for and its currency (sender, or local with `useLocalAmount`). */
  requestedAmount?: string | undefined;
  requestedCurrency?: string | undefined;
  useLocalAmount?: boolean | undefined;
  deliveredAmount?: string | undefined;
  deliveredCurrency?: string | undefined;
  discount?: string | undefined;
  operatorId?: number | undefined;
  recipientPhone?: string | undefined;
  countryCode?: string | undefined;
  pin?: ReloadlySimulatedPin | undefined;
  /** Gift cards. */
  productId?: number | undefined;
  quantity?: number | undefined;
  unitPrice?: string | undefined;
  unitCurrency?: string | undefined;
  recipientEmail?: string | undefined;
  senderName?: string | undefined;
  cards: ReloadlySimulatedCard[];
  createdAt: number;
  finishedAt?: number | undefined;
}

/** One request received. */
export interface ReloadlySimulatorRequestRecord extends SimulatorRequestRecord<ReloadlyFaultKind> {
  endpoint?: ReloadlySimulatorEndpoint | undefined;
  httpMethod: string;
  /** Path and query. */
  path: string;
  /** The `customIdentifier` of the body or query, if any. */
  customIdentifier?: string | undefined;
  /** What the bearer token was: absent, valid, expired, for another audience, or unknown. */
  authorization: "none" | "valid" | "expired" | "wrong-audience" | "unknown";
  /** The audience of the bearer token, when known. */
  audience?: string | undefined;
  accept?: string | undefined;
  contentType?: string | undefined;
  /** The parsed JSON body (the token request's `client_secret` is masked). */
  body?: Readonly<Record<string, unknown>> | undefined;
  /** The `errorCode` answered, if any. */
  errorCode?: string | undefined;
}

/** One token request. */
export interface ReloadlyTokenRequestRecord {
  clientId?: string | undefined;
  audience?: string | undefined;
  granted: boolean;
  errorCode?: string | undefined;
  at: number;
}

/**
 * One webhook delivery attempt (`reason`: `final` — a status became final; `manual` —
 * `sendWebhook`; `duplicate`, `stale` — the webhook faults).
 */
export interface ReloadlyWebhookAttempt
  extends SimulatorCallbackAttempt<"final" | "manual" | "duplicate" | "stale"> {
  customIdentifier: string;
  /** The transaction `status` the body carried. */
  transactionStatus: string;
  /** The `X-Reloadly-Signature` sent. */
  signature: string;
  /** The `X-Reloadly-Request-Timestamp` sent. */
  timestamp: string;
}

export interface ReloadlySimulatorOptions {
  /** Default {@link RELOADLY_SIMULATOR_CLIENT_ID}. */
  clientId?: string | undefined;
  /** Default {@link RELOADLY_SIMULATOR_CLIENT_SECRET}. */
  clientSecret?: string | undefined;
  /** Which audiences tokens are issued for. Default `sandbox`. */
  environment?: "production" | "sandbox" | undefined;
  /** Token lifetime (`expires_in`), seconds. Default 86 400 (the sandbox's 24 h). */
  tokenTtlSeconds?: number | undefined;
  port?: number | undefined;
  /** Opening balance, a decimal string. Default "1000.00". */
  balance?: string | undefined;
  /** The account currency. Default USD. */
  currency?: string | undefined;
  operators?: readonly ReloadlySimulatorOperator[] | undefined;
  giftProducts?: readonly ReloadlySimulatorGiftProduct[] | undefined;
  /** Delay before async and slow transactions settle, ms (real timers). Default 30. */
  settleAfterMs?: number | undefined;
  autoSettle?: boolean | undefined;
  /** How long a number cannot be topped up again (`PHONE_RECENTLY_RECHARGED`), ms. Default 120 000; 0 turns it off. */
  recentRechargeWindowMs?: number | undefined;
  /** `GET /topups/{id}/status` answer: `wrapped` (default; Java SDK fixture) or `flat` (OpenAPI example). */
  statusShape?: "wrapped" | "flat" | undefined;
  /** `GET /orders/transactions/{id}/cards`: always an `array` (default), or one `object` for one card. */
  redeemCodeShape?: "array" | "object" | undefined;
  /**
   * Whether a gift-card order answers PROCESSING and settles after `settleAfterMs` (as an order
   * Reloadly cannot fill at once does) rather than answering its final status. Default false.
   */
  giftOrdersSettleLater?: boolean | undefined;
  /** Whether the gift-card transactions report ignores `customIdentifier` (it is undocumented there). Default false. */
  giftReportsIgnoreCustomIdentifier?: boolean | undefined;
  /** Where to POST webhooks when a status becomes final. None by default. */
  webhookUrl?: string | undefined;
  /** The signing secret. Default {@link RELOADLY_SIMULATOR_WEBHOOK_SECRET}. */
  webhookSecret?: string | undefined;
  webhookSignature?: ReloadlySimulatorWebhookSignature | undefined;
  /** Attempts per webhook delivery until a 2xx. Default 4. */
  webhookAttempts?: number | undefined;
  webhookRetryIntervalMs?: number | undefined;
  webhookTimeoutMs?: number | undefined;
  outcome?: ((input: ReloadlyOutcomeInput) => ReloadlySimulatorOutcome) | undefined;
  clock?: Clock | undefined;
}

/**
 * A running Reloadly simulator. `orders()`/`order()` report transactions by `customIdentifier`,
 * `requests()` filters by endpoint, `callbacks()` is {@link ReloadlySimulator.webhooks}.
 */
export interface ReloadlySimulator
  extends SupplierSimulator<
    ReloadlySimulatedTransaction,
    ReloadlySimulatorRequestRecord,
    ReloadlyWebhookAttempt,
    ReloadlySimulatorFault,
    ReloadlySimulatorEndpoint
  > {
  /** `http://127.0.0.1:<port>/auth` (the adapter's `endpoints.auth`), `/airtime`, `/giftcards` (its `endpoints.api`). */
  readonly urls: { readonly auth: string; readonly airtime: string; readonly giftcards: string };
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webhookSecret: string;
  /** The audiences tokens are issued for, per product. */
  readonly audiences: { readonly airtime: readonly string[]; readonly giftcards: readonly string[] };

  /** Every token request, oldest first. */
  tokenRequests(): ReloadlyTokenRequestRecord[];
  /** Every webhook delivery attempt, oldest first; only those of `customIdentifier` when given. */
  webhooks(customIdentifier?: string): ReloadlyWebhookAttempt[];
  /** The balance, a decimal string in the account currency. */
  balance(): string;
  setBalance(amount: string): void;
  operators(): ReloadlySimulatorOperator[];
  giftProducts(): ReloadlySimulatorGiftProduct[];
  /**
   * Moves a transaction to a final status: SUCCESSFUL (codes issued), FAILED (refunded) from a
   * pending one, or REFUNDED (refunded; after a success it is a reversal). The webhook follows.
   */
  completeOrder(
    customIdentifier: string,
    status: "SUCCESSFUL" | "FAILED" | "REFUNDED",
  ): ReloadlySimulatedTransaction;
  /** Makes the reports and status endpoints show `rawStatus` for a transaction, until `undefined`. */
  setRawOrderState(customIdentifier: string, rawStatus: string | undefined): void;
  /** Expires every access token issued so far. */
  expireTokens(): void;
  /**
   * Delivers a webhook for a transaction now. `signature` replaces the computed one (a forgery),
   * `timestamp` the current time (seconds, e.g. a stale one), `transaction` overrides fields.
   */
  sendWebhook(
    customIdentifier: string,
    options?: {
      url?: string;
      signature?: string;
      timestamp?: string;
      transaction?: Readonly<Record<string, unknown>>;
    },
  ): Promise<ReloadlyWebhookAttempt[]>;
  /** The webhook headers for a body, signed as the simulator signs (independently of the adapter). */
  signWebhook(body: string, timestamp?: string): Record<string, string>;
}
