/**
 * The Express binding (Express 4 and 5, and Connect-style servers). Express is not imported: the
 * request and response are node:http's, with Express's optional `body` and `originalUrl`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
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
  writeAck,
} from "./node-http.js";

/** What the Express binding reads from a request: node:http's, plus what Express and body parsers add. */
export interface ExpressLikeRequest extends IncomingMessage {
  /** Set by a body parser: a Buffer (`express.raw`), a string (`express.text`) or a parsed object. */
  body?: unknown;
  /** The URL before any `app.use(prefix, …)` stripped its prefix; matched against the handler's `paths`. */
  originalUrl?: string;
}

/** An Express (or Connect) request handler; it ends the response itself and never calls `next`. */
export type ExpressCallbackMiddleware = (
  req: ExpressLikeRequest,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => Promise<void>;

/**
 * Creates an Express route handler for supplier callbacks. It verifies the bytes the supplier
 * sent, so it needs them untouched:
 * - after `express.raw({ type: "*\/*" })` or `express.text()`, it uses `req.body` (a Buffer or string);
 * - with no body parser on the route (or one that skipped this content type), it reads the stream
 *   itself, up to `maxBodyBytes` (413 beyond);
 * - when a parser such as `express.json()` already consumed the stream, it answers with the
 *   pipeline's rejection: a non-acknowledgement, and a `RawBodyRequiredError` (in `onResult` and
 *   the handler's log) whose message names the fix. The parsed body itself is never logged.
 *
 * The acknowledgement's status, headers and body are written exactly. The returned promise never
 * rejects: an unexpected error is answered with a generic 500.
 *
 * ```ts
 * app.post("/callbacks/fulu", expressCallbackHandler(handler, { supplier: "fulu" }));
 * ```
 */
export function expressCallbackHandler(
  handler: CallbackHandler,
  options: CallbackBindingOptions = {},
): ExpressCallbackMiddleware {
  const maxBodyBytes = bodyLimit(options);
  return async (req, res) => {
    try {
      let body: unknown = req.body;
      if (!isRawBody(body) && !isStreamConsumed(req)) {
        // No parser ran (Express 5 leaves `req.body` undefined; Express 4's parsers set `{}` when
        // they skip a content type): the bytes are still in the stream.
        const read = await readRawRequestBody(req, maxBodyBytes);
        if (read.kind === "too_large") return writeAck(res, payloadTooLargeAck);
        if (read.kind === "aborted") return void res.destroy();
        body = read.body;
      } else if (isRawBody(body) && byteLength(body) > maxBodyBytes) {
        return writeAck(res, payloadTooLargeAck);
      }
      // A parsed object (or nothing, if the stream was read elsewhere) goes to the pipeline as is:
      // it refuses it with RawBodyRequiredError and a non-acknowledgement.
      const result = await handleWith(handler, options, {
        body: body as Parameters<CallbackHandler["handle"]>[0]["body"],
        headers: req.headers,
        path: pathnameOf(req.originalUrl ?? req.url),
      });
      writeAck(res, result.ack);
    } catch (error) {
      reportUnexpected(options, error);
      try {
        writeAck(res, internalErrorAck);
      } catch {
        res.destroy();
      }
    }
  };
}

function byteLength(body: string | Uint8Array | ArrayBuffer): number {
  return typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.byteLength;
}
