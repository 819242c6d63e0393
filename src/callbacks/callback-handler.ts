/**
 * The callback pipeline, the same for every supplier:
 *   raw bytes → verify (or re-fetch, for unsigned callbacks) → replay window → known order?
 *   → card codes present? → reducer → claim the state → onEvent → the supplier's exact ack.
 * It fails closed: anything that does not verify, is outside the replay window, names an order
 * kaquan has no record of yet, or whose `onEvent` throws gets a non-ack so the supplier retries,
 * and nothing from it is applied (promise 3 in design.md).
 */

import type { SupplierClient } from "../client/supplier-client.js";
import { applyVerifiedUpdate, type VerifiedUpdateClient } from "../client/verified-update.js";
import {
  type CallbackAck,
  type Clock,
  ConfigurationError,
  KaquanError,
  type Logger,
  type Order,
  type OrderUpdate,
  ReplayError,
  SignatureError,
  type StatusEvent,
} from "../core/index.js";
import { systemClock } from "../runtime/clock.js";
import { createRedactingLogger } from "../runtime/logging.js";
import type { EventClaimStore } from "../stores/event-claim-store.js";
import type { CallbackHandler, CallbackInput, CallbackResult } from "./callback-types.js";
import { createEventDelivery, type EventDelivery } from "./event-delivery.js";
import { toRawBody } from "./raw-body.js";

export interface CallbackHandlerOptions {
  /** The supplier clients, as an array (keyed by adapter name) or a record keyed by supplier name. */
  clients: readonly SupplierClient[] | Readonly<Record<string, SupplierClient>>;
  /**
   * Runs once per order state (processing, succeeded, failed, reversed, …). Throw to refuse the
   * callback: the supplier retries and the state is delivered again.
   */
  onEvent: (event: StatusEvent) => void | Promise<void>;
  /** Request path → supplier name, e.g. `{ "/callbacks/fulu": "fulu" }`. */
  paths?: Readonly<Record<string, string>>;
  /** Replay window for suppliers that timestamp callbacks: |now − sent| ≤ this. Default 300 s. */
  toleranceSeconds?: number;
  /**
   * Re-fetch the order from the supplier before applying a final state from a *signed* callback
   * (a second check against a leaked key). Unsigned callbacks are always re-fetched. Default false.
   */
  confirmByQuery?: boolean;
  /**
   * The longest a callback waits for the re-fetch that verifies it (unsigned callbacks, and
   * `confirmByQuery`), rate-limit tokens included. Past it the callback is not acknowledged and
   * the supplier sends it again — suppliers expect a fast answer, and one that publishes a few
   * queries per minute would otherwise hold the request open. Default 10 000 ms.
   */
  refetchTimeoutMs?: number;
  /** Where delivery claims live. Share one with the poller (and across processes). Default in-memory. */
  events?: EventClaimStore;
  /** A delivery built elsewhere (e.g. shared with a poller). Overrides `onEvent`/`events`. */
  delivery?: EventDelivery;
  clock?: Clock;
  logger?: Logger;
}

const plainHeaders = { "content-type": "text/plain; charset=utf-8" };

/** Creates the callback pipeline. */
export function createCallbackHandler(
  options: CallbackHandlerOptions,
): CallbackHandler & { delivery: EventDelivery } {
  const clients = indexClients(options?.clients);
  if (typeof options.onEvent !== "function" && !options.delivery) {
    throw new ConfigurationError(
      "createCallbackHandler needs onEvent(event), the code that acts on each order state",
    );
  }
  const toleranceMs = (options.toleranceSeconds ?? 300) * 1000;
  if (!(toleranceMs > 0)) throw new ConfigurationError("toleranceSeconds must be a positive number");
  const refetchTimeoutMs = options.refetchTimeoutMs ?? 10_000;
  if (!(refetchTimeoutMs > 0) || !Number.isFinite(refetchTimeoutMs))
    throw new ConfigurationError(
      `refetchTimeoutMs must be a positive number of milliseconds (got ${String(refetchTimeoutMs)}); omit it for the default 10000`,
    );
  const clock = options.clock ?? systemClock;
  const logger = createRedactingLogger(options.logger, {
    secretValues: [...clients.values()].flatMap((client) => client.adapter.secretValues()),
  });
  /** One context for every verification: adapters read it, never keep or change it. */
  const verifyContext = { http: unusedTransport, clock, logger };
  const delivery =
    options.delivery ??
    createEventDelivery({
      onEvent: options.onEvent,
      ...(options.events ? { store: options.events } : {}),
      logger: options.logger ?? silent,
      clock,
    });

  function pickSupplier(input: CallbackInput): SupplierClient | undefined {
    if (input.supplier !== undefined) return clients.get(input.supplier);
    if (options.paths && input.path !== undefined) {
      const name = options.paths[stripQuery(input.path)];
      return name === undefined ? undefined : clients.get(name);
    }
    // One supplier and no routing configured: every callback is that supplier's.
    return clients.size === 1 ? [...clients.values()][0] : undefined;
  }

  function ackOf(client: SupplierClient, accepted: boolean): CallbackAck {
    return (
      client.adapter.callbackAck?.(accepted) ??
      (accepted
        ? { status: 200, headers: plainHeaders, body: "ok" }
        : { status: 500, headers: plainHeaders, body: "retry" })
    );
  }

  async function handle(input: CallbackInput): Promise<CallbackResult> {
    const client = pickSupplier(input ?? ({} as CallbackInput));
    if (!client) {
      const error = new ConfigurationError(
        `no supplier for this callback${input?.path ? ` (path ${stripQuery(input.path)})` : ""}: pass { supplier } or configure paths`,
      );
      logger.warn({ path: input?.path, error }, "callback for an unknown supplier");
      return {
        outcome: "rejected",
        ack: { status: 404, headers: plainHeaders, body: "unknown callback" },
        error,
      };
    }
    const supplier = client.supplier;
    const reject = (
      outcome: CallbackResult["outcome"],
      error: KaquanError,
      merchantOrderId?: string,
    ): CallbackResult => {
      logger.warn({ supplier, merchantOrderId, outcome, error }, "callback not acknowledged");
      return {
        outcome,
        ack: ackOf(client, false),
        supplier,
        error,
        ...(merchantOrderId ? { merchantOrderId } : {}),
      };
    };

    // 1. Raw bytes, verified by the adapter (or, for unsigned callbacks, only parsed).
    let update: OrderUpdate;
    let sentAtMs: number | undefined;
    try {
      const body = toRawBody(input.body);
      const adapter = client.adapter;
      if (!adapter.verifyCallback)
        throw new SignatureError(`${supplier} does not send callbacks kaquan can verify`, { supplier });
      const verified = await adapter.verifyCallback(
        { body, headers: plainHeaderRecord(input.headers) },
        verifyContext,
      );
      update = verified.update;
      sentAtMs = verified.sentAtMs;
    } catch (error) {
      return reject("rejected", asKaquanError(error, supplier));
    }
    const merchantOrderId = update.merchantOrderId;

    // 2. The replay window, where the supplier timestamps its callbacks.
    if (sentAtMs !== undefined && Math.abs(clock.now() - sentAtMs) > toleranceMs) {
      return reject(
        "rejected",
        new ReplayError(
          `${supplier} callback is outside the ${toleranceMs / 1000} s replay window; check the server clock if genuine`,
          { supplier, merchantOrderId },
        ),
        merchantOrderId,
      );
    }

    try {
      // 3. Only orders kaquan wrote down first (write-ahead) are applied; a callback that beat
      //    our own write is refused so the supplier sends it again.
      const unknownOrder = () =>
        reject(
          "unknown_order",
          new KaquanError(
            `${supplier} callback for order ${merchantOrderId}, which kaquan has no record of yet; the supplier will retry`,
            { supplier, merchantOrderId },
          ),
          merchantOrderId,
        );

      // 4. Unsigned callbacks, and signed ones when confirmByQuery is on, are only a trigger: the
      //    supplier's own answer to a query is what gets applied.
      const refetch =
        client.adapter.capabilities.callbacks !== "signed" ||
        (options.confirmByQuery === true && update.status !== "processing");
      let applied: Awaited<ReturnType<SupplierClient["applyUpdate"]>> | undefined;
      let stored: Order | undefined;
      // The adapter's own verified update, on a kaquan client: one read-modify-write decides
      // whether the order is known, whether it may take the update, and applies it (see
      // applyVerifiedUpdate). Otherwise the order is read first.
      const verifiedPath = refetch
        ? undefined
        : (client as Partial<VerifiedUpdateClient>)[applyVerifiedUpdate];
      if (verifiedPath) {
        const outcome = await verifiedPath.call(
          client,
          update,
          (current) => !lacksCardCodes(current, update),
        );
        if (outcome.kind === "no_order") return unknownOrder();
        if (outcome.kind === "held") stored = outcome.order;
        else applied = outcome;
      } else {
        stored = await client.getStoredOrder(merchantOrderId);
        if (!stored) return unknownOrder();
        if (!refetch && !lacksCardCodes(stored, update)) applied = await client.applyUpdate(update);
      }
      if (!applied) {
        // A query decides: the callback is only a trigger, or it is a card order's success
        // without its codes (failure-modes F24), completed by the query's codes — an order still
        // without codes stays processing.
        const before = stored!;
        const needsCodes = lacksCardCodes(before, update);
        const fetched = await client.getOrder(merchantOrderId, {
          signal: AbortSignal.timeout(refetchTimeoutMs),
        });
        applied = { order: fetched, previous: before, statusChanged: fetched.status !== before.status };
        if (needsCodes && fetched.status !== "succeeded") {
          logger.info(
            { supplier, merchantOrderId },
            "success callback without card codes; waiting for the codes",
          );
          return { outcome: "awaiting_codes", ack: ackOf(client, true), supplier, merchantOrderId };
        }
      }

      // 5. Deliver the order's state once, whichever path learned it first.
      const result = await delivery.deliver(applied.order, applied.previous, "callback");
      if (result.outcome === "failed") {
        return reject(
          "handler_failed",
          new KaquanError(
            `onEvent failed for ${supplier} order ${merchantOrderId}; the supplier will retry`,
            { supplier, merchantOrderId },
          ),
          merchantOrderId,
        );
      }
      const outcome =
        result.outcome === "delivered" ? "delivered" : applied.ignored ? "recorded" : "duplicate";
      logger.info(
        { supplier, merchantOrderId, status: applied.order.status, outcome },
        "callback acknowledged",
      );
      return {
        outcome,
        ack: ackOf(client, true),
        supplier,
        merchantOrderId,
        ...(result.outcome === "delivered" ? { event: result.event } : {}),
      };
    } catch (error) {
      return reject("handler_failed", asKaquanError(error, supplier), merchantOrderId);
    }
  }

  return {
    handle,
    delivery,
    async fetch(request, fetchOptions = {}) {
      const limit = fetchOptions.maxBodyBytes ?? 1024 * 1024;
      // NaN compares false with every size: unchecked, a typo'd limit switched the cap off.
      if (!(Number.isFinite(limit) && limit >= 0))
        throw new ConfigurationError(
          `maxBodyBytes must be a non-negative number of bytes (got ${String(limit)}); omit it for the 1 MiB default`,
        );
      const body = await readLimited(request, limit);
      if (body === "too_large")
        return new Response("payload too large", { status: 413, headers: plainHeaders });
      if (body === "unreadable")
        return new Response("unreadable body", { status: 400, headers: plainHeaders });
      const url = safeUrl(request.url);
      const result = await handle({
        body,
        headers: request.headers,
        ...(url ? { path: url.pathname } : {}),
        ...(fetchOptions.supplier ? { supplier: fetchOptions.supplier } : {}),
      });
      return new Response(result.ack.body, { status: result.ack.status, headers: result.ack.headers });
    },
  };
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Adapters verify callbacks offline; a transport handed to them must never be used. */
const unusedTransport = {
  send(): Promise<never> {
    return Promise.reject(new ConfigurationError("callback verification must not make requests"));
  },
};

function indexClients(clients: CallbackHandlerOptions["clients"] | undefined): Map<string, SupplierClient> {
  const map = new Map<string, SupplierClient>();
  if (Array.isArray(clients)) for (const client of clients) map.set(String(client?.supplier), client);
  else if (clients && typeof clients === "object")
    for (const [name, client] of Object.entries(clients)) map.set(name, client as SupplierClient);
  // Every entry must be a client: anything else failed later as a TypeError on `client.adapter`.
  for (const [name, client] of map) {
    if (typeof client?.adapter?.secretValues !== "function" || typeof client.placeOrder !== "function")
      throw new ConfigurationError(
        `createCallbackHandler: clients${Array.isArray(clients) ? "[]" : `.${name}`} is not a supplier client; pass the result of createSupplierClient(...)`,
      );
  }
  if (map.size === 0)
    throw new ConfigurationError(
      "createCallbackHandler needs { clients }: the supplier clients whose callbacks it receives",
    );
  return map;
}

function plainHeaderRecord(
  headers: CallbackInput["headers"],
): Record<string, string | readonly string[] | undefined> {
  if (typeof Headers !== "undefined" && headers instanceof Headers)
    return Object.fromEntries(headers.entries());
  return (headers ?? {}) as Record<string, string | readonly string[] | undefined>;
}

/** A card order's success that carries no codes, for an order that has none yet (failure-modes F24). */
function lacksCardCodes(stored: Order, update: OrderUpdate): boolean {
  return (
    update.status === "succeeded" &&
    (stored.kind ?? update.kind) === "card" &&
    (update.cards?.length ?? 0) === 0 &&
    stored.cards.length === 0
  );
}

function stripQuery(path: string): string {
  const index = path.indexOf("?");
  return index === -1 ? path : path.slice(0, index);
}

/** Reads a Web request body as bytes, stopping at `limit` (a declared length is checked first). */
async function readLimited(
  request: Request,
  limit: number,
): Promise<Uint8Array | "too_large" | "unreadable"> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return "too_large";
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return "too_large";
      }
      chunks.push(value);
    }
  } catch {
    return "unreadable";
  }
  return Buffer.concat(chunks);
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function asKaquanError(error: unknown, supplier: string): KaquanError {
  if (KaquanError.isInstance(error)) return error;
  return new KaquanError(`${supplier} callback could not be processed`, { supplier });
}
