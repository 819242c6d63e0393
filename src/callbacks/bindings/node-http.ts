/**
 * The node:http binding, and the pieces the Express and Koa bindings share with it: reading a
 * request stream as raw bytes (bounded), writing an acknowledgement exactly, and the two answers a
 * binding gives on its own (413 for an oversized body, a generic 500 for an unexpected error).
 * Nothing here imports a framework: the types are structural, so frameworks stay optional.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type CallbackAck, ConfigurationError } from "../../core/index.js";
import type { CallbackHandler, CallbackInput, CallbackResult } from "../callback-types.js";

/** The default body limit of the bindings: 1 MiB. Supplier callbacks are a few hundred bytes. */
export const DEFAULT_MAX_CALLBACK_BODY_BYTES = 1024 * 1024;

/** Options every framework binding takes. */
export interface CallbackBindingOptions {
  /**
   * The supplier whose callbacks this route receives (the adapter name, e.g. `fulu`). Omit it when
   * the handler maps request paths to suppliers (its `paths` option) or has a single client.
   */
  supplier?: string;
  /**
   * Largest body read, in bytes. A larger one is answered 413 and never reaches the handler.
   * Default {@link DEFAULT_MAX_CALLBACK_BODY_BYTES} (1 MiB).
   */
  maxBodyBytes?: number;
  /**
   * Called with every result before its acknowledgement is sent — to log why a callback was not
   * acknowledged (`result.error` is secret-free) or to count outcomes. What it throws goes to
   * `onError`; the acknowledgement is still sent.
   */
  onResult?: (result: CallbackResult) => void;
  /**
   * Called with an unexpected error (a store or a bug, never a bad callback) before the generic
   * 500 is sent. Default: one line on stderr naming the error class, without its message.
   */
  onError?: (error: unknown) => void;
}

/** The outcome of reading a request body with {@link readRawRequestBody}. */
export type RawRequestBodyRead =
  | { kind: "ok"; body: Buffer }
  | { kind: "too_large" }
  | { kind: "aborted"; error?: unknown };

/** A plain-text answer a binding sends on its own. */
const plain = { "content-type": "text/plain; charset=utf-8" };

/** 413, sent for a body over `maxBodyBytes`; the connection is closed rather than drained. */
export const payloadTooLargeAck: CallbackAck = {
  status: 413,
  headers: { ...plain, connection: "close" },
  body: "payload too large",
};

/** 500, sent for an unexpected error: no details, no secrets; the supplier retries. */
export const internalErrorAck: CallbackAck = { status: 500, headers: plain, body: "internal error" };

/**
 * Creates a node:http request listener for one callback URL (or several, with the handler's
 * `paths`): it reads the raw body (refusing one over `maxBodyBytes` with 413), hands it to
 * `handler.handle` with the URL's pathname and the headers, and writes the acknowledgement's
 * status, headers and body exactly. It never throws: an unexpected error is answered with a generic
 * 500, which the supplier treats as "retry".
 *
 * ```ts
 * http.createServer(nodeCallbackListener(handler, { supplier: "fulu" })).listen(8080);
 * ```
 */
export function nodeCallbackListener(
  handler: CallbackHandler,
  options: CallbackBindingOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const maxBodyBytes = bodyLimit(options);
  return (request, response) => {
    void (async () => {
      try {
        const read = await readRawRequestBody(request, maxBodyBytes);
        if (read.kind === "too_large") return writeAck(response, payloadTooLargeAck);
        if (read.kind === "aborted") return response.destroy();
        const result = await handleWith(handler, options, {
          body: read.body,
          headers: request.headers,
          path: pathnameOf(request.url),
        });
        writeAck(response, result.ack);
      } catch (error) {
        answerUnexpected(response, options, error);
      }
    })();
  };
}

/**
 * Reads a request stream to the end as raw bytes, stopping at `maxBytes` (a declared
 * `Content-Length` over the limit is refused without reading). Never rejects. The stream must
 * not have been read already; see {@link isStreamConsumed}.
 */
export function readRawRequestBody(request: IncomingMessage, maxBytes: number): Promise<RawRequestBodyRead> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ kind: "too_large" });
  if (request.destroyed) return Promise.resolve({ kind: "aborted" });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (read: RawRequestBodyRead) => {
      if (settled) return;
      settled = true;
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
      // Whatever still arrives is discarded; the 413 closes the connection.
      if (read.kind === "too_large") request.on("error", () => {});
      resolve(read);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      size += bytes.length;
      if (size > maxBytes) return finish({ kind: "too_large" });
      chunks.push(bytes);
    };
    // A callback body is a few hundred bytes and nearly always one chunk: hand it over as it is.
    const onEnd = () =>
      finish({ kind: "ok", body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onError = (error: unknown) => finish({ kind: "aborted", error });
    const onClose = () => finish({ kind: "aborted" });
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}

/** Whether something (a body parser) already read the request stream, so its bytes are gone. */
export function isStreamConsumed(request: IncomingMessage): boolean {
  return request.readableDidRead || request.readableEnded || request.destroyed;
}

/** Writes an acknowledgement exactly: its status, its headers (plus Content-Length) and its body. */
export function writeAck(response: ServerResponse, ack: CallbackAck): void {
  if (response.headersSent || response.destroyed) {
    if (!response.writableEnded) response.destroy();
    return;
  }
  const headers: Record<string, string> = { ...ack.headers };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-length"))
    headers["content-length"] = String(Buffer.byteLength(ack.body, "utf8"));
  response.writeHead(ack.status, headers);
  response.end(ack.body);
}

/** The pathname of a request target (`/callbacks/fulu?x=1` → `/callbacks/fulu`), undecoded. */
export function pathnameOf(target: string | undefined): string {
  if (!target) return "/";
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/** The body limit of `options`, validated. */
export function bodyLimit(options: CallbackBindingOptions): number {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_CALLBACK_BODY_BYTES;
  // A typed error like every other bad option (a RangeError escaped as an untyped throw).
  if (!(Number.isFinite(limit) && limit >= 0))
    throw new ConfigurationError(
      `maxBodyBytes must be a non-negative number of bytes (got ${String(limit)}); omit it for the 1 MiB default`,
    );
  return limit;
}

/** Calls the handler with the binding's supplier, then `onResult`. Rejects only on unexpected errors. */
export async function handleWith(
  handler: CallbackHandler,
  options: CallbackBindingOptions,
  input: Omit<CallbackInput, "supplier">,
): Promise<CallbackResult> {
  const result = await handler.handle(
    options.supplier === undefined ? input : { ...input, supplier: options.supplier },
  );
  if (options.onResult) {
    try {
      options.onResult(result);
    } catch (error) {
      reportUnexpected(options, error);
    }
  }
  return result;
}

/** Reports an unexpected error to `onError` (or stderr), never throwing. */
export function reportUnexpected(options: CallbackBindingOptions, error: unknown): void {
  try {
    if (options.onError) options.onError(error);
    else {
      const name = error instanceof Error ? error.name : typeof error;
      console.error(`kaquan: the callback binding failed unexpectedly (${name}); answered 500`);
    }
  } catch {
    // A failing error hook must not take the server down.
  }
}

function answerUnexpected(response: ServerResponse, options: CallbackBindingOptions, error: unknown): void {
  reportUnexpected(options, error);
  try {
    writeAck(response, internalErrorAck);
  } catch {
    response.destroy();
  }
}
