/**
 * The Fastify binding. Fastify is not imported: the instance, request and reply are described by
 * the few members used, which Fastify 4 and 5 instances satisfy.
 */
import type { CallbackHandler } from "../callback-types.js";
import {
  bodyLimit,
  type CallbackBindingOptions,
  handleWith,
  internalErrorAck,
  pathnameOf,
  reportUnexpected,
} from "./node-http.js";

/** The members of a Fastify request the binding reads. */
export interface FastifyLikeRequest {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

/** The members of a Fastify reply the binding uses. */
export interface FastifyLikeReply {
  code(statusCode: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  send(payload?: unknown): FastifyLikeReply;
}

/** The members of the encapsulated Fastify scope the binding's plugin uses. */
export interface FastifyLikeScope {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    contentType: string,
    options: { parseAs: "buffer"; bodyLimit?: number },
    parser: (request: unknown, body: Buffer) => Promise<unknown>,
  ): void;
  post(
    path: string,
    handler: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<unknown>,
  ): unknown;
}

/** A Fastify instance (or a scope inside one), as far as the binding needs it. */
export interface FastifyLikeInstance {
  register(plugin: (scope: FastifyLikeScope, options: Record<string, unknown>) => Promise<void>): unknown;
}

/** Options of {@link fastifyCallbackRoute}. */
export interface FastifyCallbackRouteOptions extends CallbackBindingOptions {
  /** The route path, e.g. `/callbacks/fulu`. */
  path: string;
  /** The callback pipeline, from `createCallbackHandler`. */
  handler: CallbackHandler;
}

/**
 * Registers `POST path` for supplier callbacks in an encapsulated plugin whose only body parser
 * keeps every content type as raw bytes (`removeAllContentTypeParsers()`, then
 * `addContentTypeParser("*", { parseAs: "buffer" })`), so the signature is checked over the bytes the
 * supplier sent; the rest of the application keeps its own parsers. Fastify answers a body over
 * `maxBodyBytes` (default 1 MiB) with 413 before the handler runs. The acknowledgement's status,
 * headers and body are sent exactly; an unexpected error is answered with a generic 500 (never
 * Fastify's error JSON, which would carry the message).
 *
 * Registration is asynchronous like any plugin: await `fastify.ready()` or `listen()` as usual.
 *
 * ```ts
 * fastifyCallbackRoute(app, { path: "/callbacks/fulu", handler, supplier: "fulu" });
 * await app.listen({ port: 8080 });
 * ```
 */
export function fastifyCallbackRoute(
  fastify: FastifyLikeInstance,
  options: FastifyCallbackRouteOptions,
): void {
  const { handler, path } = options;
  if (typeof path !== "string" || !path.startsWith("/"))
    throw new TypeError('fastifyCallbackRoute needs { path }, starting with "/"');
  if (typeof handler?.handle !== "function")
    throw new TypeError("fastifyCallbackRoute needs { handler }, from createCallbackHandler");
  const maxBodyBytes = bodyLimit(options);
  fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "*",
      { parseAs: "buffer", bodyLimit: maxBodyBytes },
      async (_request, body) => body,
    );
    scope.post(path, async (request, reply) => {
      try {
        const body = request.body === undefined ? Buffer.alloc(0) : request.body;
        const result = await handleWith(handler, options, {
          body: body as Parameters<CallbackHandler["handle"]>[0]["body"],
          headers: request.headers,
          path: pathnameOf(request.url),
        });
        return reply.code(result.ack.status).headers(result.ack.headers).send(result.ack.body);
      } catch (error) {
        reportUnexpected(options, error);
        return reply
          .code(internalErrorAck.status)
          .headers(internalErrorAck.headers)
          .send(internalErrorAck.body);
      }
    });
  });
}
