/**
 * The framework bindings, through real HTTP on 127.0.0.1: a real Fulu client and the Fulu
 * simulator on one side, node:http / Express / Fastify / Koa / Hono / a Next.js route handler on
 * the other, and the real callback pipeline in between.
 */
import { spawn } from "node:child_process";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import {
  createSupplierClient,
  RawBodyRequiredError,
  SignatureError,
  type StatusEvent,
  type SupplierClient,
} from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { type CallbackHandler, type CallbackResult, createCallbackHandler } from "kaquan/callbacks";
import { createFuluSimulator, type FuluSignedCallback, type FuluSimulator } from "kaquan/testing";
import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CallbackBindingOptions,
  expressCallbackHandler,
  fastifyCallbackRoute,
  fetchCallbackHandler,
  koaCallbackMiddleware,
  nodeCallbackListener,
} from "../../src/callbacks/bindings/index.js";

const PATH = "/callbacks/fulu";
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  const pending = cleanups.reverse();
  cleanups = [];
  for (const cleanup of pending) await cleanup();
});

// ---------------------------------------------------------------------------------------------
// The supplier side: the Fulu simulator, a real Fulu client, one direct order settled to success.

interface Harness {
  simulator: FuluSimulator;
  client: SupplierClient;
  handler: CallbackHandler;
  orderId: string;
  /** What onEvent received. */
  events: StatusEvent[];
  /** What the binding's onResult received. */
  results: CallbackResult[];
  /** Binding options: Fulu, and onResult recording into `results`. */
  options: CallbackBindingOptions;
  /** The genuine callback of the order, signed as Fulu signs it. */
  genuine: FuluSignedCallback;
}

let orderCounter = 0;

async function harness(handlerOptions: { paths?: Record<string, string> } = {}): Promise<Harness> {
  const simulator = createFuluSimulator({ autoSettle: false, callbackAttempts: 1 });
  await simulator.start();
  cleanups.push(() => simulator.close());
  const client = createSupplierClient({
    adapter: createFuluAdapter({
      appKey: simulator.appKey,
      appSecret: simulator.appSecret,
      endpoint: simulator.url,
    }),
  });
  cleanups.push(() => client.close());
  const events: StatusEvent[] = [];
  const handler = createCallbackHandler({
    clients: [client],
    onEvent: (event) => {
      events.push(event);
    },
    ...handlerOptions,
  });
  const orderId = `BIND-${++orderCounter}-${Date.now().toString(36)}`;
  await client.placeOrder({
    merchantOrderId: orderId,
    kind: "direct",
    sku: "10000001",
    account: "player-10086",
    maxCost: { amount: "100.00", currency: "CNY" },
  });
  const order = simulator.completeOrder(orderId, "success");
  const genuine = simulator.signCallback({
    order_id: order.orderId,
    charge_finish_time: "2026-01-02 03:04:05",
    customer_order_no: orderId,
    order_status: "success",
    recharge_description: "充值成功",
    product_id: String(order.productId),
    price: order.price,
    buy_num: String(order.buyNum),
    operator_serial_number: order.operatorSerialNumber,
  });
  const results: CallbackResult[] = [];
  return {
    simulator,
    client,
    handler,
    orderId,
    events,
    results,
    genuine,
    options: { supplier: "fulu", onResult: (result) => results.push(result) },
  };
}

async function post(url: string, body: string | Uint8Array, contentType = "application/json") {
  const response = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

// ---------------------------------------------------------------------------------------------
// The merchant side: one server per framework, each on an ephemeral port.

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => closeServer(server));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** node:http → Fetch, as @hono/node-server or Next.js would do it. */
function nodeToFetch(fetchHandler: (request: Request) => Response | Promise<Response>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method ?? "POST",
      headers,
      body: Buffer.concat(chunks),
    });
    const response = await fetchHandler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}

interface Framework {
  name: string;
  /** Serves `handler` on PATH; resolves with the callback URL. */
  start(handler: CallbackHandler, options: CallbackBindingOptions): Promise<string>;
  /** Whether it is the Fetch binding: no `maxBodyBytes` (the runtime's limit applies) and no `onResult`. */
  fetchBased: boolean;
}

const frameworks: Framework[] = [
  {
    name: "node:http",
    fetchBased: false,
    start: async (handler, options) => `${await listen(nodeCallbackListener(handler, options))}${PATH}`,
  },
  {
    name: "Express",
    fetchBased: false,
    async start(handler, options) {
      const app = express();
      app.post(PATH, expressCallbackHandler(handler, options));
      return `${await listen(app)}${PATH}`;
    },
  },
  {
    name: "Fastify",
    fetchBased: false,
    async start(handler, options) {
      const app = Fastify();
      fastifyCallbackRoute(app, { ...options, path: PATH, handler });
      await app.listen({ port: 0, host: "127.0.0.1" });
      cleanups.push(() => app.close());
      return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${PATH}`;
    },
  },
  {
    name: "Koa",
    fetchBased: false,
    async start(handler, options) {
      const app = new Koa();
      app.use(koaCallbackMiddleware(handler, options));
      return `${await listen(app.callback())}${PATH}`;
    },
  },
  {
    name: "Hono",
    fetchBased: true,
    async start(handler, options) {
      const app = new Hono();
      const onFulu = fetchCallbackHandler(handler, options);
      app.post(PATH, (c) => onFulu(c.req.raw));
      return `${await listen(nodeToFetch(app.fetch))}${PATH}`;
    },
  },
  {
    name: "Next.js route handler",
    fetchBased: true,
    async start(handler, options) {
      const POST = fetchCallbackHandler(handler, options);
      return `${await listen(nodeToFetch(POST))}${PATH}`;
    },
  },
];

// ---------------------------------------------------------------------------------------------

describe.each(frameworks)("$name", (framework) => {
  it("answers a genuine signed callback with exactly 200 `success` and runs onEvent once", async () => {
    const h = await harness();
    const url = await framework.start(h.handler, h.options);
    const attempts = await h.simulator.sendCallback(h.orderId, {}, { url });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: 200, reply: "success", acknowledged: true });
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({
      merchantOrderId: h.orderId,
      status: "succeeded",
      source: "callback",
    });

    // The ack's headers too, and a redelivery is acknowledged without a second onEvent.
    const again = await post(url, h.genuine.json);
    expect(again.status).toBe(200);
    expect(again.body).toBe("success");
    expect(again.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(h.events).toHaveLength(1);
  });

  it("accepts the form-encoded variant of the callback", async () => {
    const h = await harness();
    const url = await framework.start(h.handler, h.options);
    const attempts = await h.simulator.sendCallback(h.orderId, {}, { url, format: "form" });
    expect(attempts[0]).toMatchObject({ status: 200, reply: "success" });
    expect(h.events).toHaveLength(1);
  });

  it("refuses a forged signature with a non-2xx, non-`success` answer and no onEvent", async () => {
    const h = await harness();
    const url = await framework.start(h.handler, h.options);
    const attempts = await h.simulator.sendCallback(h.orderId, { sign: "0".repeat(32) }, { url });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.status).toBeGreaterThanOrEqual(300);
    expect(attempts[0]!.reply).not.toBe("success");
    expect(attempts[0]!.acknowledged).toBe(false);
    expect(h.events).toHaveLength(0);
  });

  it("refuses a tampered body (a field changed after signing) and runs no onEvent", async () => {
    const h = await harness();
    const url = await framework.start(h.handler, h.options);
    const tampered = h.genuine.json.replace('"order_status":"success"', '"order_status":"failed"');
    expect(tampered).not.toBe(h.genuine.json);
    const answer = await post(url, tampered);
    expect(answer.status).toBeGreaterThanOrEqual(300);
    expect(answer.body).not.toBe("success");
    expect(h.events).toHaveLength(0);
    // The node-based bindings report why through onResult (the Fetch one delegates to handler.fetch).
    if (!framework.fetchBased) expect(h.results[0]?.error).toBeInstanceOf(SignatureError);
    // The genuine body still goes through afterwards.
    expect((await post(url, h.genuine.json)).body).toBe("success");
    expect(h.events).toHaveLength(1);
  });

  it("runs onEvent once for a 50-way concurrent burst of the same genuine callback", async () => {
    const h = await harness();
    const url = await framework.start(h.handler, h.options);
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(url, h.genuine.json)));
    expect(h.events).toHaveLength(1);
    expect(answers.map((answer) => `${answer.status} ${answer.body}`)).toEqual(
      Array.from({ length: 50 }, () => "200 success"),
    );
  });

  it("answers an unexpected pipeline error with a generic 500 that carries no details", async () => {
    const errors: unknown[] = [];
    const failing: CallbackHandler = {
      handle: () => Promise.reject(new Error("db password=hunter2 unreachable")),
      fetch: () => Promise.reject(new Error("db password=hunter2 unreachable")),
    };
    const url = await framework.start(failing, { supplier: "fulu", onError: (error) => errors.push(error) });
    const answer = await post(url, '{"a":"1"}');
    expect(answer.status).toBe(500);
    expect(answer.body).toBe("internal error");
    expect(answer.body).not.toContain("hunter2");
    expect(errors).toHaveLength(1);
  });

  it("refuses a body over maxBodyBytes with 413 before the pipeline", async () => {
    const h = await harness();
    const url = await framework.start(h.handler, { ...h.options, maxBodyBytes: 256 });
    const answer = await post(url, JSON.stringify({ pad: "x".repeat(1024) }));
    expect(answer.status).toBe(413);
    expect(answer.body).not.toBe("success");
    expect(h.results).toHaveLength(0);
    expect(h.events).toHaveLength(0);
  });
});

describe("node:http specifics", () => {
  it("counts the bytes of a chunked body without Content-Length", async () => {
    const h = await harness();
    const url = `${await listen(nodeCallbackListener(h.handler, { ...h.options, maxBodyBytes: 256 }))}${PATH}`;
    const chunk = new TextEncoder().encode("x".repeat(200));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(url, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    expect(h.results).toHaveLength(0);
  });

  it("routes by pathname through the handler's paths, ignoring the query string", async () => {
    const h = await harness({ paths: { [PATH]: "fulu" } });
    const base = await listen(nodeCallbackListener(h.handler, { onResult: h.options.onResult! }));
    expect((await post(`${base}${PATH}?via=proxy`, h.genuine.json)).body).toBe("success");
    const elsewhere = await post(`${base}/callbacks/other`, h.genuine.json);
    expect(elsewhere.status).toBe(404);
    expect(h.events).toHaveLength(1);
  });
});

describe("Express specifics", () => {
  it("behind express.json(), answers with the RawBodyRequiredError rejection that names the fix", async () => {
    const h = await harness();
    const app = express();
    app.use(express.json());
    app.post(PATH, expressCallbackHandler(h.handler, h.options));
    const url = `${await listen(app)}${PATH}`;
    const answer = await post(url, h.genuine.json);
    expect(answer.status).toBe(500);
    expect(answer.body).toBe("fail");
    expect(h.events).toHaveLength(0);
    expect(h.results).toHaveLength(1);
    expect(h.results[0]!.outcome).toBe("rejected");
    expect(h.results[0]!.error).toBeInstanceOf(RawBodyRequiredError);
    expect(h.results[0]!.error!.message).toContain('Express: mount express.raw({ type: "*/*" })');
    expect(h.results[0]!.error!.message).not.toContain(h.genuine.sign);
  });

  it("behind express.json(), still reads a form callback the JSON parser skipped", async () => {
    const h = await harness();
    const app = express();
    app.use(express.json());
    app.post(PATH, expressCallbackHandler(h.handler, h.options));
    const url = `${await listen(app)}${PATH}`;
    const answer = await post(url, h.genuine.form, "application/x-www-form-urlencoded");
    expect(answer).toMatchObject({ status: 200, body: "success" });
    expect(h.events).toHaveLength(1);
  });

  it("uses req.body after express.raw() and express.text()", async () => {
    const h = await harness();
    const app = express();
    app.post("/raw", express.raw({ type: "*/*" }), expressCallbackHandler(h.handler, h.options));
    app.post("/text", express.text({ type: "*/*" }), expressCallbackHandler(h.handler, h.options));
    const base = await listen(app);
    expect((await post(`${base}/raw`, h.genuine.json)).body).toBe("success");
    expect((await post(`${base}/text`, h.genuine.json)).body).toBe("success");
    expect(h.events).toHaveLength(1);
    expect(h.results.map((result) => result.outcome)).toEqual(["delivered", "duplicate"]);
  });

  it("matches paths on originalUrl when mounted under a prefix", async () => {
    const h = await harness({ paths: { [PATH]: "fulu" } });
    const router = express.Router();
    router.post("/fulu", expressCallbackHandler(h.handler));
    const app = express();
    app.use("/callbacks", router);
    const url = `${await listen(app)}${PATH}`;
    expect(await post(url, h.genuine.json)).toMatchObject({ status: 200, body: "success" });
    expect(h.events).toHaveLength(1);
  });
});

describe("Fastify specifics", () => {
  it("keeps the application's own JSON parser outside the callback scope", async () => {
    const h = await harness();
    const app = Fastify();
    app.post("/api/echo", async (request) => ({ got: request.body }));
    fastifyCallbackRoute(app, { ...h.options, path: PATH, handler: h.handler });
    await app.listen({ port: 0, host: "127.0.0.1" });
    cleanups.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    expect(JSON.parse((await post(`${base}/api/echo`, '{"a":1}')).body)).toEqual({ got: { a: 1 } });
    expect(await post(`${base}${PATH}`, h.genuine.json)).toMatchObject({ status: 200, body: "success" });
    // A content type Fastify has no parser for by default reaches the callback as bytes too.
    const form = await post(`${base}${PATH}`, h.genuine.form, "application/x-www-form-urlencoded");
    expect(form).toMatchObject({ status: 200, body: "success" });
    expect(h.events).toHaveLength(1);
  });
});

describe("Koa specifics", () => {
  /** A small JSON body parser, as an application might mount app-wide. */
  function jsonParser(options: { keepRawBody: boolean }): Koa.Middleware {
    return async (ctx, next) => {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      const request = ctx.request as typeof ctx.request & { body?: unknown; rawBody?: string };
      request.body = JSON.parse(text);
      if (options.keepRawBody) request.rawBody = text; // what koa-bodyparser does
      await next();
    };
  }

  it("behind a JSON body parser, answers with the RawBodyRequiredError rejection that names the fix", async () => {
    const h = await harness();
    const app = new Koa();
    app.use(jsonParser({ keepRawBody: false }));
    app.use(koaCallbackMiddleware(h.handler, h.options));
    const url = `${await listen(app.callback())}${PATH}`;
    const answer = await post(url, h.genuine.json);
    expect(answer.status).toBe(500);
    expect(answer.body).toBe("fail");
    expect(h.events).toHaveLength(0);
    expect(h.results[0]!.error).toBeInstanceOf(RawBodyRequiredError);
    expect(h.results[0]!.error!.message).toContain("Koa: use koaCallbackMiddleware before any body parser");
  });

  it("uses ctx.request.rawBody when the body parser kept it (koa-bodyparser)", async () => {
    const h = await harness();
    const app = new Koa();
    app.use(jsonParser({ keepRawBody: true }));
    app.use(koaCallbackMiddleware(h.handler, h.options));
    const url = `${await listen(app.callback())}${PATH}`;
    expect(await post(url, h.genuine.json)).toMatchObject({ status: 200, body: "success" });
    expect(h.events).toHaveLength(1);
  });
});

describe("examples/callbacks", () => {
  const run = (file: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", `examples/callbacks/${file}`], {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });

  it.concurrent.each([
    "node-http.ts",
    "express.ts",
    "fastify.ts",
    "koa.ts",
    "hono.ts",
    "next-route-handler.ts",
  ])("%s runs to exit code 0", { timeout: 90_000 }, async (file) => {
    const { code, stdout, stderr } = await run(file);
    expect(stderr, stdout).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain('"status": "succeeded"');
    expect(stdout).toContain('"password": "[secret]"');
    expect(stdout).toContain('Fulu\'s callback was answered: 200 "success"');
  });
});

describe("binding options (regression)", () => {
  it("a maxBodyBytes that would switch the cap off is a ConfigurationError, not a RangeError", async () => {
    const { ConfigurationError } = await import("kaquan");
    const handler = { handle: async () => ({}), fetch: async () => new Response() } as never;
    for (const maxBodyBytes of [Number.NaN, -1, Number.POSITIVE_INFINITY])
      expect(() => nodeCallbackListener(handler, { maxBodyBytes })).toThrow(ConfigurationError);
  });
});
