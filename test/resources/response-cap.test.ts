/**
 * Response bodies are bounded (src/runtime/http-transport.ts, `maxResponseBytes`, default 1 MiB):
 * a supplier (or a proxy in front of it) that answers with an endless or oversized body is cut
 * off once the cap is passed, the socket is released, and the call fails as *sent, no answer* —
 * the failure class that turns a placement into `unknown` rather than `failed` (promise 2).
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpTransport, NoAnswerError } from "kaquan";
import { afterEach, describe, expect, it } from "vitest";

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A loopback server whose answer `respond` writes; resolves with its URL. */
async function serve(respond: (response: ServerResponse) => void): Promise<string> {
  server = createServer((_request, response) => respond(response));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe("response size cap", () => {
  it("cuts off an endless chunked body, reports it as sent-no-answer, and frees the socket", async () => {
    let written = 0;
    let clientGone: () => void = () => {};
    const gone = new Promise<void>((resolve) => (clientGone = resolve));
    const url = await serve((response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.on("close", () => clientGone());
      const chunk = Buffer.alloc(16 * 1024, "a");
      const pump = () => {
        // Keep writing until the client hangs up; backpressure paces it.
        while (!response.destroyed && response.write(chunk)) written += chunk.length;
        if (!response.destroyed) response.once("drain", pump);
      };
      pump();
    });
    const transport = createHttpTransport({ maxResponseBytes: 64 * 1024, timeoutMs: 10_000 });
    try {
      const failure = await transport.send({ method: "GET", url, headers: {}, operation: "getBalance" }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(NoAnswerError);
      expect((failure as Error).message).toMatch(
        /getBalance: response larger than maxResponseBytes \(65536 bytes\)/,
      );
      await gone;
      // The server stopped well short of an unbounded stream: the client hung up near the cap.
      expect(written).toBeLessThan(64 * 1024 * 64);
    } finally {
      transport.close();
    }
  });

  it("refuses a declared content-length over the cap, and accepts a body at the cap", async () => {
    const url = await serve((response) => {
      const size = Number(new URL(response.req.url ?? "/", "http://x").searchParams.get("size"));
      response.writeHead(200, { "content-length": String(size) });
      response.end(Buffer.alloc(size, "b"));
    });
    const transport = createHttpTransport({ maxResponseBytes: 4_096 });
    try {
      const atCap = await transport.send({ method: "GET", url: `${url}?size=4096`, headers: {} });
      expect(atCap.body.byteLength).toBe(4_096);
      await expect(
        transport.send({ method: "GET", url: `${url}?size=4097`, headers: {} }),
      ).rejects.toBeInstanceOf(NoAnswerError);
    } finally {
      transport.close();
    }
  });
});
