/**
 * The Fetch binding, for runtimes and frameworks built on the Web `Request`/`Response`: Hono,
 * Next.js App Router route handlers, Bun, Deno.
 */
import type { CallbackHandler } from "../callback-types.js";
import { internalErrorAck, reportUnexpected } from "./node-http.js";

/** Options of {@link fetchCallbackHandler}. */
export interface FetchCallbackOptions {
  /**
   * The supplier whose callbacks this route receives (the adapter name, e.g. `fulu`). Omit it when
   * the handler maps request paths to suppliers (its `paths` option) or has a single client.
   */
  supplier?: string;
  /**
   * Called with an unexpected error before the generic 500 is sent. Default: one line on stderr
   * naming the error class, without its message.
   */
  onError?: (error: unknown) => void;
  /** Largest body read; a larger one is answered 413 before the pipeline runs. Default 1 MiB. */
  maxBodyBytes?: number;
}

/**
 * A `(request) => Promise<Response>` for supplier callbacks: `handler.fetch` with the supplier
 * bound. The body is read once, as bytes, from the `Request` itself — pass it before anything calls
 * `request.json()` or `request.text()`. The response carries the acknowledgement's status, headers
 * and body exactly; the promise never rejects (an unexpected error is a generic 500).
 *
 * ```ts
 * // Next.js: app/callbacks/fulu/route.ts
 * export const POST = fetchCallbackHandler(handler, { supplier: "fulu" });
 * // Hono
 * app.post("/callbacks/fulu", (c) => onFulu(c.req.raw));
 * ```
 */
export function fetchCallbackHandler(
  handler: CallbackHandler,
  options: FetchCallbackOptions = {},
): (request: Request) => Promise<Response> {
  const fetchOptions = {
    ...(options.supplier === undefined ? {} : { supplier: options.supplier }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  };
  return async (request) => {
    try {
      return await handler.fetch(request, fetchOptions);
    } catch (error) {
      reportUnexpected(options, error);
      return new Response(internalErrorAck.body, {
        status: internalErrorAck.status,
        headers: internalErrorAck.headers,
      });
    }
  };
}
