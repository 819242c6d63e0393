/**
 * Nothing is left running after `close()`: a client's keep-alive sockets, a simulator's server and
 * its sockets, a poller's timer, and the transport's deadline timers. Compared with
 * `process.getActiveResourcesInfo()` before and after, counted by kind (the test runner's own
 * handles are in both snapshots and cancel out).
 */
import { createHttpTransport, createSupplierClient } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createCallbackHandler, createStatusPoller } from "kaquan/callbacks";
import { createFuluSimulator } from "kaquan/testing";
import { describe, expect, it } from "vitest";

/** Resource kinds that would keep a process alive or leak: sockets, servers, timers. */
const watched = /TCP|Timeout|Immediate|Pipe|FSReq/;

function snapshot(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    if (watched.test(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Kinds with more active resources now than in `before`. */
function leftBehind(before: Map<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [kind, count] of snapshot()) {
    const more = count - (before.get(kind) ?? 0);
    if (more > 0) extra[kind] = more;
  }
  return extra;
}

/** Lets destroyed sockets emit `close` (they are released on a later turn of the event loop). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe("no timer or socket is left behind after close()", () => {
  it("client, handler, poller and simulator release everything they opened", async () => {
    await settle();
    const before = snapshot();
    const simulator = createFuluSimulator({ settleAfterMs: 5 });
    await simulator.start();
    const client = createSupplierClient({
      adapter: createFuluAdapter({
        appKey: simulator.appKey,
        appSecret: simulator.appSecret,
        endpoint: simulator.url,
        pollIntervalMs: 10,
      }),
    });
    const handler = createCallbackHandler({ clients: [client], onEvent: () => {} });
    const poller = createStatusPoller({ clients: [client], delivery: handler.delivery, tickMs: 10 });
    poller.start();
    await client.getBalance();
    await client.placeOrder({
      merchantOrderId: `HANDLES-${Date.now()}`,
      kind: "direct",
      sku: "10000001",
      account: "p-1",
    });
    await poller.runOnce();
    // While running there is something to find: the check below is not vacuous.
    expect(Object.keys(leftBehind(before)).length).toBeGreaterThan(0);

    await poller.stop();
    client.close();
    await simulator.close();
    await settle();
    expect(leftBehind(before)).toEqual({});
  });

  it("a transport closed after a timed-out request holds no socket or deadline timer", async () => {
    await settle();
    const before = snapshot();
    const simulator = createFuluSimulator();
    await simulator.start();
    simulator.injectFault({ kind: "delay", delayMs: 500, times: 1 });
    const transport = createHttpTransport({ timeoutMs: 50 });
    await transport
      .send({ method: "POST", url: `${simulator.url}/`, headers: {}, body: "{}" })
      .catch(() => undefined);
    transport.close();
    await simulator.close();
    await settle();
    expect(leftBehind(before)).toEqual({});
  });
});
