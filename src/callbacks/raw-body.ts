/**
 * Callbacks are verified over the bytes the supplier sent. A body that a framework already
 * parsed (and that kaquan would have to re-serialise) cannot be verified: key order, spacing and
 * escaping change the bytes. This accepts every raw form — text as it is, bytes as they are —
 * and refuses the rest with an error that names the fix for each framework.
 */
import { RawBodyRequiredError } from "../core/index.js";
import type { RawBody } from "./callback-types.js";

/** How to give kaquan the raw body, per framework. */
export const rawBodyFixes = [
  'Express: mount express.raw({ type: "*/*" }) on the callback route (not express.json()), or use expressCallbackHandler',
  'Fastify: register the route with fastifyCallbackRoute, or addContentTypeParser("*", { parseAs: "buffer" }, …) in its scope',
  "Koa: use koaCallbackMiddleware before any body parser, or pass ctx.request.rawBody",
  "Next.js route handlers and Hono: pass the Request itself to handler.fetch(request), or await request.arrayBuffer()",
  "node:http: use nodeCallbackListener, which reads the request stream",
].join("; ");

/**
 * A raw body as adapters take it (`RawCallback.body`: text or bytes), or a `RawBodyRequiredError`
 * for anything else (a parsed object). Text is passed as it is: every adapter reads text
 * directly, so encoding it to UTF-8 bytes only for the adapter to decode them again cost a copy
 * and a decode per callback — and for a supplier whose charset is not UTF-8 (GBK forms), the
 * re-encoded bytes were not the text's bytes at all.
 */
export function toRawBody(body: unknown): Uint8Array | string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  const what =
    body === null
      ? "null"
      : body === undefined
        ? "nothing"
        : Array.isArray(body)
          ? "an array"
          : `a ${typeof body}`;
  throw new RawBodyRequiredError(
    `the callback body must be the raw bytes (string, Buffer, Uint8Array or ArrayBuffer), got ${what}: a parsed body cannot be verified because re-serialising changes the signed bytes. Fix — ${rawBodyFixes}`,
  );
}

/** Whether a value is acceptable as a raw body. */
export function isRawBody(body: unknown): body is RawBody {
  return typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer;
}
