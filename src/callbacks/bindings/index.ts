/**
 * Thin bindings of the callback pipeline to node:http, Express, Fastify, Koa and Fetch-style
 * runtimes (Hono, Next.js route handlers, Bun, Deno). None imports its framework: frameworks stay
 * optional, and the types are structural.
 */
export {
  type ExpressCallbackMiddleware,
  type ExpressLikeRequest,
  expressCallbackHandler,
} from "./express.js";
export {
  type FastifyCallbackRouteOptions,
  type FastifyLikeInstance,
  type FastifyLikeReply,
  type FastifyLikeRequest,
  type FastifyLikeScope,
  fastifyCallbackRoute,
} from "./fastify.js";
export { type FetchCallbackOptions, fetchCallbackHandler } from "./fetch.js";
export { type KoaCallbackMiddleware, type KoaLikeContext, koaCallbackMiddleware } from "./koa.js";
export {
  type CallbackBindingOptions,
  DEFAULT_MAX_CALLBACK_BODY_BYTES,
  nodeCallbackListener,
} from "./node-http.js";
