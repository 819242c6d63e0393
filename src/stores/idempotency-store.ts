/**
 * Where the client keeps its write-ahead records. An implementation must make `claim` and
 * `update` atomic: that is what turns "100 concurrent calls with one id" (or two processes) into
 * exactly one request to the supplier.
 */
import type { Order, OrderRequest } from "../core/index.js";

/** The client's record of one order, written before the first byte is sent. */
export interface OrderRecord {
  /** `<supplier>:<merchantOrderId>`. */
  key: string;
  supplier: string;
  merchantOrderId: string;
  /** SHA-256 of the canonical request: the same id with another request is a conflict. */
  fingerprint: string;
  /** The validated request, kept so an order whose outcome is unknown can be re-sent safely. */
  request: OrderRequest;
  /** The last known state of the order, reduced with `applyUpdate`. */
  order?: Order;
  /** How many times the order was handed to the transport. 0 means it never left this process. */
  sends: number;
  /** Epoch ms of the last send. */
  lastSentAt?: number;
  /**
   * True while the only thing known is that a send got no answer and the supplier never said
   * the id exists (no order, no duplicate answer): the one situation where a re-send may be
   * considered, and only after the supplier's not-found grace window.
   */
  resendable: boolean;
  /** True while a caller is placing the order; others wait for its outcome instead of guessing. */
  placing: boolean;
  createdAt: number;
  updatedAt: number;
}

export type ClaimResult = { claimed: true; record: OrderRecord } | { claimed: false; existing: OrderRecord };

export interface IdempotencyStore {
  /** Atomically creates the record unless one exists for the key. */
  claim(record: OrderRecord): Promise<ClaimResult>;
  get(key: string): Promise<OrderRecord | undefined>;
  /**
   * Atomic read-modify-write. `mutate` receives the current record (or `undefined`) and returns
   * the next one, or `undefined` to leave it unchanged. Resolves with the record as stored after.
   *
   * `mutate` may run more than once — a store shared between processes retries it when another
   * write got in first — and only its last run counts: it must have no side effects, and a caller
   * that learns something from it (did I win the claim?) must reset that at the start of each run.
   */
  update(
    key: string,
    mutate: (current: OrderRecord | undefined) => OrderRecord | undefined,
  ): Promise<OrderRecord | undefined>;
  /** Deletes the record — only ever called when nothing was sent, so the id may be used again. */
  release(key: string, fingerprint: string): Promise<void>;
  /** Records whose order is not final (for pollers and start-up recovery). */
  listPending?(supplier?: string): Promise<OrderRecord[]>;
}
