/**
 * The Koa binding. Koa is not imported: the context is described by the few members used, which
 * Koa 2 and 3 contexts satisfy.
 */
import type { IncomingMessage } from "node:http";
import type { CallbackAck } from "../../core/index.js";
import type { CallbackHandler } from "../callback-types.js";
import { isRawBody } from "../raw-body.js";
import {
  bodyLimit,
  type CallbackBindingOptions,
  handleWith,
  internalErrorAck,
  isStreamConsumed,
  pathnameOf,
  payloadTooLargeAck,
  readRawRequestBody,
  reportUnexpected,
} from "./node-http.js";

/** The members of a Koa context the binding reads and sets. */
export interface KoaLikeContext {
  /** The node:http request: read when no body parser consumed it. */
  req: IncomingMessage;
  request: {
    /** The request target, used when `ctx.originalUrl` is absent. */
    url: string;
    /** The exact body text, set by `koa-bodyparser` (and similar) next to the parsed body. */
    rawBody?: unknown;
    /** The body a parser produced: raw bytes or text are used, a parsed object is refused. */
    body?: unknown;
  };
  /** The URL before any `koa-mount` stripped its prefix; matched against the handler's `paths`. */
  originalUrl?: string;
  status: number;
  body: unknown;
  set(field: Record<string, string>): void;
}

/** A Koa middleware that answers the callback itself; `next` is never called. */
export type KoaCallbackMiddleware = (ctx: KoaLikeContext, next?: () => Promise<unknown>) => Promise<void>;

/**
 * Creates a Koa middleware (mount it on the callback route, e.g. with `@koa/router`) that hands the
 * supplier's raw bytes to the pipeline:
 * - `ctx.request.rawBody` when a body parser such as `koa-bodyparser` kept it;
 * - otherwise the request stream, when nothing read it (up to `maxBodyBytes`, 413 beyond);
 * - otherwise `ctx.request.body`: raw text or bytes are used, while a parsed object is answered
 *   with the pipeline's rejection — a non-acknowledgement and a `RawBodyRequiredError` (in
 *   `onResult` and the handler's log) whose message names the fix.
 *
 * The acknowledgement's status, headers and body are set exactly. The returned promise never
 * rejects: an unexpected error is answered with a generic 500.
 *
 * ```ts
 * app.use(koaCallbackMiddleware(handler, { supplier: "fulu" })); // before any body parser
 * ```
 */
export function koaCallbackMiddleware(
  handler: CallbackHandler,
  options: CallbackBindingOptions = {},
): KoaCallbackMiddleware {
  const maxBodyBytes = bodyLimit(options);
  return async (ctx) => {
    try {
      let body: unknown;
      if (isRawBody(ctx.request.rawBody)) body = ctx.request.rawBody;
      else if (!isStreamConsumed(ctx.req)) {
        const read = await readRawRequestBody(ctx.req, maxBodyBytes);
        if (read.kind === "too_large") return setAck(ctx, payloadTooLargeAck);
        if (read.kind === "aborted") return void ctx.req.destroy();
        body = read.body;
      } else body = ctx.request.body;
      const result = await handleWith(handler, options, {
        body: body as Parameters<CallbackHandler["handle"]>[0]["body"],
        headers: ctx.req.headers,
        path: pathnameOf(ctx.originalUrl ?? ctx.request.url),
      });
      setAck(ctx, result.ack);
    } catch (error) {
      reportUnexpected(options, error);
      setAck(ctx, internalErrorAck);
    }
  };
}

/** Status, then headers, then body: Koa keeps a Content-Type already set when the body is a string. */
function setAck(ctx: KoaLikeContext, ack: CallbackAck): void {
  ctx.status = ack.status;
  ctx.set(ack.headers);
  ctx.body = ack.body;
}
