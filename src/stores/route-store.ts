/**
 * Where a supplier router keeps its write-ahead record of each routed order: which suppliers
 * were tried, under which reference, and what each said. Written before any supplier is asked,
 * so a crash or a second process resumes the same attempt instead of trying another supplier —
 * the path by which fail-over would otherwise fulfil one order twice.
 *
 * An implementation must make `claim` and `update` atomic, as for the {@link IdempotencyStore}.
 */
/** What happened to one offer of a routed order. */
export type RouteAttemptOutcome =
  /** Written before the supplier is asked; still the state while its placement runs (or after a crash). */
  | "sending"
  /** The supplier holds the order (in any status but a synchronous `failed`). */
  | "placed"
  /** The supplier definitively refused the order: nothing was delivered there. */
  | "rejected"
  /** Never sent: refused by admission, an open breaker, known-empty stock, cost or a constraint. */
  | "skipped"
  /** The placement ended in a way kaquan cannot classify: the order stays on this supplier. */
  | "unknown";

/** One supplier's part in a routed order. */
export interface RouteAttempt {
  supplier: string;
  /** The order id sent to this supplier (absent for a skipped offer). */
  reference?: string;
  /** The supplier's sku for this order. */
  sku?: string;
  outcome: RouteAttemptOutcome;
  /** The error code (`out_of_stock`, `circuit_open`, …) or skip rule (`admission`, `stock`, …). */
  code?: string;
  message?: string;
  /** Epoch ms when the outcome was recorded. */
  at: number;
}

/** The router's validated request, as recorded. */
export interface RoutedRequestRecord {
  merchantOrderId: string;
  /** The merchant's own sku (the route key). */
  sku: string;
  quantity: number;
  account?: string | undefined;
  accountFields?: Record<string, string> | undefined;
  faceValue?: { amount: string; currency: string } | undefined;
  maxCost?: { amount: string; currency: string } | undefined;
  passThrough?: string | undefined;
}

/** The router's record of one routed order. */
export interface RouteRecord {
  merchantOrderId: string;
  /** SHA-256 of the canonical request: the same id with another request is a conflict. */
  fingerprint: string;
  request: RoutedRequestRecord;
  /** Every offer tried or skipped, in order. The last `sending`/`placed`/`unknown` one holds the order. */
  attempts: RouteAttempt[];
  /** `routing` while offers are being tried; `placed` once a supplier holds it; `exhausted` when none could. */
  state: "routing" | "placed" | "exhausted";
  createdAt: number;
  updatedAt: number;
}

export type RouteClaimResult =
  | { claimed: true; record: RouteRecord }
  | { claimed: false; existing: RouteRecord };

export interface RouteStore {
  /** Atomically creates the record unless one exists for its `merchantOrderId`. */
  claim(record: RouteRecord): Promise<RouteClaimResult>;
  get(merchantOrderId: string): Promise<RouteRecord | undefined>;
  /**
   * Atomic read-modify-write: `mutate` gets the current record and returns the next one, or
   * `undefined` to leave it unchanged. Resolves with the record as stored after.
   *
   * `mutate` may run more than once — a store shared between processes retries it when another
   * write got in first — and only its last run counts: it must have no side effects, and a caller
   * that learns something from it (did I win the claim?) must reset that at the start of each run.
   */
  update(
    merchantOrderId: string,
    mutate: (current: RouteRecord | undefined) => RouteRecord | undefined,
  ): Promise<RouteRecord | undefined>;
}

/** An in-process {@link RouteStore}; several processes need a shared one (`kaquan/redis`). */
export class MemoryRouteStore implements RouteStore {
  readonly #records = new Map<string, RouteRecord>();

  async claim(record: RouteRecord): Promise<RouteClaimResult> {
    const existing = this.#records.get(record.merchantOrderId);
    if (existing) return { claimed: false, existing: structuredClone(existing) };
    this.#records.set(record.merchantOrderId, structuredClone(record));
    return { claimed: true, record: structuredClone(record) };
  }

  async get(merchantOrderId: string): Promise<RouteRecord | undefined> {
    const record = this.#records.get(merchantOrderId);
    return record ? structuredClone(record) : undefined;
  }

  async update(
    merchantOrderId: string,
    mutate: (current: RouteRecord | undefined) => RouteRecord | undefined,
  ): Promise<RouteRecord | undefined> {
    const current = this.#records.get(merchantOrderId);
    const next = mutate(current ? structuredClone(current) : undefined);
    if (next) this.#records.set(merchantOrderId, structuredClone(next));
    const stored = this.#records.get(merchantOrderId);
    return stored ? structuredClone(stored) : undefined;
  }
}
