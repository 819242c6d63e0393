/**
 * Callback bodies are bounded before anything parses them (src/callbacks/bindings/*,
 * `handler.fetch`): a body over `maxBodyBytes` (default 1 MiB) is answered 413 and never reaches
 * the pipeline — no signature check, no JSON parse, no store access — whether its size is
 * declared up front or only discovered while streaming. A limit that would switch the cap off is
 * a ConfigurationError.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigurationError, createSupplierClient } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { type CallbackHandler, type CallbackInput, createCallbackHandler } from "kaquan/callbacks";
import { afterEach, describe, expect, it } from "vitest";
import { fetchCallbackHandler, nodeCallbackListener } from "../../src/callbacks/bindings/index.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A handler that records what reached the pipeline and acknowledges everything. */
function recordingHandler(): CallbackHandler & { inputs: CallbackInput[] } {
  const inputs: CallbackInput[] = [];
  return {
    inputs,
    async handle(input) {
      inputs.push(input);
      return { outcome: "recorded", ack: { status: 200, headers: {}, body: "ok" } };
    },
    async fetch() {
      return new Response("ok");
    },
  };
}

async function listen(handler: CallbackHandler, maxBodyBytes: number): Promise<number> {
  server = createServer(nodeCallbackListener(handler, { supplier: "fulu", maxBodyBytes }));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** POSTs `chunks` (a declared length when given) and resolves with the status. */
function post(port: number, chunks: Buffer[], declaredLength?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/callbacks/fulu",
        headers: declaredLength === undefined ? {} : { "content-length": String(declaredLength) },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    outgoing.on("error", reject);
    for (const chunk of chunks) outgoing.write(chunk);
    // With a declared length larger than what was written, the answer must come without the rest.
    if (declaredLength === undefined) outgoing.end();
  });
}

describe("callback body limit", () => {
  it("node:http: a streamed body over the limit is 413 and never reaches the handler", async () => {
    const handler = recordingHandler();
    const port = await listen(handler, 1_024);
    expect(await post(port, [Buffer.alloc(600, "a"), Buffer.alloc(600, "a")])).toBe(413);
    expect(handler.inputs).toHaveLength(0);
    expect(await post(port, [Buffer.alloc(1_024, "a")])).toBe(200);
    expect(handler.inputs).toHaveLength(1);
  });

  it("node:http: a declared Content-Length over the limit is refused before the body is read", async () => {
    const handler = recordingHandler();
    const port = await listen(handler, 1_024);
    // Only 10 bytes are ever sent; the 413 comes from the declaration alone.
    expect(await post(port, [Buffer.alloc(10, "a")], 50 * 1024 * 1024)).toBe(413);
    expect(handler.inputs).toHaveLength(0);
  });

  it("fetch: handler.fetch and fetchCallbackHandler answer 413 before the pipeline runs", async () => {
    const client = createSupplierClient({
      adapter: createFuluAdapter({ appKey: "k", appSecret: "s".repeat(32), endpoint: "http://127.0.0.1:9" }),
    });
    const events: unknown[] = [];
    const handler = createCallbackHandler({ clients: [client], onEvent: (event) => void events.push(event) });
    const big = () =>
      new Request("http://merchant.test/callbacks/fulu", { method: "POST", body: "x".repeat(2_048) });
    const direct = await handler.fetch(big(), { supplier: "fulu", maxBodyBytes: 1_024 });
    expect(direct.status).toBe(413);
    const bound = fetchCallbackHandler(handler, { supplier: "fulu", maxBodyBytes: 1_024 });
    expect((await bound(big())).status).toBe(413);
    // The same body under the limit does reach the pipeline (and fails verification, not size).
    const small = await handler.fetch(big(), { supplier: "fulu", maxBodyBytes: 4_096 });
    expect(small.status).not.toBe(413);
    expect(events).toHaveLength(0);
    client.close();
  });

  it("a limit that would switch the cap off is a ConfigurationError", async () => {
    const handler = recordingHandler();
    for (const maxBodyBytes of [Number.NaN, -1, Number.POSITIVE_INFINITY])
      expect(() => nodeCallbackListener(handler, { maxBodyBytes })).toThrow(ConfigurationError);
    const client = createSupplierClient({
      adapter: createFuluAdapter({ appKey: "k", appSecret: "s".repeat(32), endpoint: "http://127.0.0.1:9" }),
    });
    const real = createCallbackHandler({ clients: [client], onEvent: () => {} });
    const request = new Request("http://merchant.test/", { method: "POST", body: "{}" });
    await expect(real.fetch(request, { maxBodyBytes: Number.NaN })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    client.close();
  });
});
