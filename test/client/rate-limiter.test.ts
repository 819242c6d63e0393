import { ConfigurationError, createTokenBucket } from "kaquan";
import { describe, expect, it } from "vitest";

describe("token bucket", () => {
  it("lets `burst` requests through at once and spaces the rest by 1/rate (virtual clock)", async () => {
    let now = 0;
    const waits: number[] = [];
    const bucket = createTokenBucket({ requestsPerSecond: 10, burst: 3 }, () => now);
    // Measure the wait each acquire asks for by advancing the virtual clock instead of sleeping.
    for (let i = 0; i < 6; i++) {
      const started = now;
      const pending = bucket.acquire();
      const settledAt = await Promise.race([
        pending.then(() => "now"),
        new Promise((resolve) => setTimeout(() => resolve("later"), 0)),
      ]);
      waits.push(settledAt === "now" ? 0 : 1);
      if (settledAt === "later") await pending;
      now = started;
    }
    expect(waits).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it("never lets more than rate × window + burst requests through in any window", async () => {
    const bucket = createTokenBucket({ requestsPerSecond: 200, burst: 1 });
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, () => bucket.acquire().then(() => times.push(performance.now()))),
    );
    times.sort((a, b) => a - b);
    const spanMs = times[times.length - 1]! - times[0]!;
    // 40 requests at 200/s need at least 39 intervals of 5 ms between the first and the last.
    expect(spanMs).toBeGreaterThanOrEqual(39 * 5 - 5);
  });

  it("refuses nonsense limits", () => {
    expect(() => createTokenBucket({ requestsPerSecond: 0 })).toThrow(ConfigurationError);
    expect(() => createTokenBucket({ requestsPerSecond: 5, burst: 0 })).toThrow(ConfigurationError);
  });
});

describe("per-endpoint rate limits on the client", () => {
  it("takes a token from the default limit and from the request's own endpoint", async () => {
    const { createSupplierClient } = await import("kaquan");
    const { createFakeAdapter } = await import("./fake-adapter.js");
    const counts: Record<string, number> = {};
    const counting = (name: string) => ({
      acquire: async () => {
        counts[name] = (counts[name] ?? 0) + 1;
      },
    });
    const fake = createFakeAdapter();
    const client = createSupplierClient({
      adapter: fake.adapter,
      retry: { maxAttempts: 1 },
      rateLimit: {
        default: counting("default"),
        placeOrder: counting("placeOrder"),
        queryOrder: counting("queryOrder"),
      },
    });
    await client.placeOrder({ merchantOrderId: "RL-1", kind: "direct", sku: "1001", account: "a" });
    await client.getOrder("RL-1");
    await client.listProducts();
    expect(counts).toEqual({ default: 3, placeOrder: 1, queryOrder: 1 });
  });

  it("refuses an unknown endpoint name", async () => {
    const { createSupplierClient } = await import("kaquan");
    const { createFakeAdapter } = await import("./fake-adapter.js");
    expect(() =>
      createSupplierClient({
        adapter: createFakeAdapter().adapter,
        rateLimit: { refund: { requestsPerSecond: 1 } } as never,
      }),
    ).toThrow(/unknown endpoint/);
  });
});

describe("published rate limits", () => {
  it("apply by default, and the merchant's own rateLimit replaces them", async () => {
    const { createSupplierClient } = await import("kaquan");
    const { createFakeAdapter } = await import("./fake-adapter.js");
    const fake = createFakeAdapter({ publishedRateLimits: { default: { requestsPerSecond: 20 } } });
    const client = createSupplierClient({ adapter: fake.adapter, retry: { maxAttempts: 1 } });
    const started = performance.now();
    await Promise.all(Array.from({ length: 5 }, (_, index) => client.getProduct(String(index))));
    // Five requests at 20/s with no burst need four intervals of 50 ms between the first and last.
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 50 - 10);
    let acquired = 0;
    const own = createSupplierClient({
      adapter: fake.adapter,
      retry: { maxAttempts: 1 },
      rateLimit: {
        acquire: async () => {
          acquired += 1;
        },
      },
    });
    await own.getProduct("1");
    expect(acquired).toBe(1);
  });
});
