/**
 * What the parent of the multi-process example and its instance processes say to each other over
 * the IPC channel of `child_process.fork`. Plain JSON only: no order record, no secret, no card
 * code crosses it — an instance reports ids, states and error codes.
 */

/** One order to place: every instance of the example sells the same direct top-up. */
export interface OrderToPlace {
  merchantOrderId: string;
  /** The Fulu product id. */
  sku: string;
  /** The game account to top up. */
  account: string;
}

/** What one `placeOrder` call ended with, in one instance. */
export type PlacementResult =
  | { merchantOrderId: string; status: string }
  | { merchantOrderId: string; errorCode: string; retry: string };

/** Parent → instance. */
export type WorkerCommand =
  | { type: "place"; batch: number; orders: OrderToPlace[]; concurrency: number }
  | { type: "start-poller" }
  | { type: "ping"; sequence: number }
  | { type: "stop" };

/** Instance → parent. */
export type WorkerReport =
  | { type: "ready"; callbackUrl: string }
  | { type: "placed"; batch: number; results: PlacementResult[] }
  | { type: "event"; merchantOrderId: string; status: string; source: string }
  | { type: "poller-started" }
  /** Answers a ping: every report sent before it has arrived (the channel keeps order). */
  | { type: "pong"; sequence: number }
  | { type: "stopped" };

/**
 * The environment an instance reads. The parent sets it; in production these come from your
 * deployment (the AppSecret and the Redis URL from a secret store, never from code).
 */
export const WORKER_ENVIRONMENT = {
  /** `redis://host:port`: the Redis every instance shares. */
  redisUrl: "KAQUAN_REDIS_URL",
  /** The key prefix: one per environment (and, in tests, one per run). */
  prefix: "KAQUAN_REDIS_PREFIX",
  /** The supplier's gateway URL (here the Fulu simulator's). */
  supplierUrl: "KAQUAN_SUPPLIER_URL",
  appKey: "KAQUAN_FULU_APP_KEY",
  appSecret: "KAQUAN_FULU_APP_SECRET",
  /** The merchant-wide request rate toward the supplier, requests per second. */
  requestsPerSecond: "KAQUAN_REQUESTS_PER_SECOND",
  /** Requests allowed at once after a quiet period. */
  burst: "KAQUAN_BURST",
} as const;
