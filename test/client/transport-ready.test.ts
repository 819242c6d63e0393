import { createHttpTransport, createSupplierClient, type HttpTransport, type RateLimiter } from "kaquan";
import { describe, expect, it } from "vitest";
import { createFakeAdapter } from "./fake-adapter.js";

/** A fake supplier whose balance call sends one request through the client's transport. */
function sendingAdapter() {
  const fake = createFakeAdapter();
  fake.adapter.getBalance = async (context) => {
    await context.http.send({ method: "GET", url: "http://127.0.0.1:9/balance" });
    return { available: { amount: "1.00", currency: "CNY" }, checkedAt: new Date(0).toISOString() };
  };
  return fake.adapter;
}

const answer = { status: 200, headers: {}, body: new Uint8Array(), text: "", durationMs: 1 };

describe("a rate-limited client and a transport that loads on first use", () => {
  it("takes the token only once the transport is ready, so the load never bunches requests", async () => {
    const events: string[] = [];
    let finishLoading = () => {};
    let readyCalls = 0;
    const http: HttpTransport = {
      ready: () => {
        readyCalls += 1;
        return new Promise<void>((resolve) => {
          finishLoading = () => {
            events.push("ready");
            resolve();
          };
        });
      },
      send: async () => {
        events.push("send");
        return answer;
      },
    };
    const limiter: RateLimiter = {
      acquire: async () => {
        events.push("token");
      },
    };
    const client = createSupplierClient({ adapter: sendingAdapter(), http, rateLimit: limiter });
    const first = client.getBalance();
    const second = client.getBalance();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual([]);
    finishLoading();
    await Promise.all([first, second]);
    expect(events[0]).toBe("ready");
    expect(events.filter((event) => event === "token")).toHaveLength(2);
    await client.getBalance();
    expect(events.at(-1)).toBe("send");
    expect(readyCalls).toBe(1);
  });

  it("a transport whose ready fails still sends (and reports there) rather than hanging", async () => {
    const sent: string[] = [];
    const http: HttpTransport = {
      ready: () => Promise.reject(new Error("cannot load")),
      send: async () => {
        sent.push("send");
        return answer;
      },
    };
    const client = createSupplierClient({
      adapter: sendingAdapter(),
      http,
      rateLimit: { requestsPerSecond: 1000 },
    });
    await client.getBalance();
    expect(sent).toEqual(["send"]);
  });

  it("kaquan's transport is ready at once (Node's own client, nothing to load)", async () => {
    const transport = createHttpTransport();
    await expect(transport.ready()).resolves.toBeUndefined();
    transport.close();
  });
});
