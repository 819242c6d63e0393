import type { CallbackAck, KaquanError, StatusEvent } from "../core/index.js";

/** What a callback can arrive as: the raw bytes. Parsed objects are refused. */
export type RawBody = string | Uint8Array | ArrayBuffer;

/** Header values as node:http, Express, Koa and Fastify give them. */
export type CallbackHeaders = Record<string, string | readonly string[] | undefined> | Headers;

export interface CallbackInput {
  /** The supplier the callback is for (adapter name). Optional when the handler maps paths. */
  supplier?: string;
  /** The request path, used with the handler's `paths` to pick the supplier. */
  path?: string;
  /** The raw request body, exactly as received. */
  body: RawBody;
  headers: CallbackHeaders;
}

/**
 * What happened to a callback.
 * - `delivered`: verified, applied, and `onEvent` ran for the resulting state;
 * - `duplicate`: verified; this state was already delivered (or is being delivered) — acknowledged;
 * - `recorded`: verified and applied, but the order did not move (a late `processing`) — acknowledged;
 * - `awaiting_codes`: a card order reported success without its codes; kept processing until they
 *   are fetched — acknowledged (the poller finishes it);
 * - `rejected`: signature, replay window or payload failed — not acknowledged;
 * - `unknown_order`: no record of this order yet (the callback beat our own write) — not acknowledged;
 * - `handler_failed`: `onEvent` threw — not acknowledged, so the supplier retries.
 */
export type CallbackOutcome =
  | "delivered"
  | "duplicate"
  | "recorded"
  | "awaiting_codes"
  | "rejected"
  | "unknown_order"
  | "handler_failed";

export interface CallbackResult {
  outcome: CallbackOutcome;
  /** The exact response to send back. */
  ack: CallbackAck;
  supplier?: string;
  merchantOrderId?: string;
  /** The event delivered to `onEvent`, when one was. */
  event?: StatusEvent;
  /** Why it was not acknowledged. Secret-free. */
  error?: KaquanError;
}

/** Options of `handler.fetch`. */
export interface FetchOptions {
  /** The supplier whose callbacks this route receives; overrides path matching. */
  supplier?: string;
  /** Largest body read; a larger one is answered 413 before the pipeline runs. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** The callback pipeline: raw bytes in, exact acknowledgement out. */
export interface CallbackHandler {
  handle(input: CallbackInput): Promise<CallbackResult>;
  /**
   * A Web-standard handler for Hono, Next.js route handlers, Bun, Deno and any `fetch`-style
   * runtime. The request body is read once, as bytes; `supplier` overrides path matching.
   */
  fetch(request: Request, options?: FetchOptions): Promise<Response>;
}
