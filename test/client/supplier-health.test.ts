/**
 * A supplier's health as the client and a router use it: gating, ungated status queries, events,
 * the shared retry budget, and snapshots. Time is an injected clock moved by hand.
 */
import { describe, expect, it, vi } from "vitest";
import {
  createSupplierHealth,
  type HealthEvent,
  type HealthSnapshot,
  type SupplierHealthOptions,
} from "../../src/client/supplier-health.js";
import {
  CircuitOpenError,
  ConfigurationError,
  type Logger,
  NoAnswerError,
  NotSentError,
  OutOfStockError,
  RateLimitError,
  ValidationError,
} from "../../src/core/index.js";

function setup(options: Partial<SupplierHealthOptions> = {}) {
  const clock = { time: 1_700_000_000_000 };
  const health = createSupplierHealth({ supplier: "fulu", now: () => clock.time, ...options });
  const events: HealthEvent[] = [];
  health.on((event) => events.push(event));
  const request = (outcome: Parameters<ReturnType<typeof health.begin>["end"]>[0], gated = true) =>
    health.begin({ gated }).end(outcome);
  const advance = (ms: number) => {
    clock.time += ms;
  };
  return { clock, health, events, request, advance };
}

const timeout = new NoAnswerError("timeout after write");

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("gating", () => {
  it("refuses gated requests with CircuitOpenError once the breaker trips", () => {
    const { health, request } = setup({ breaker: { consecutiveFailures: 3, openMs: 20_000 } });
    for (let i = 0; i < 3; i++) request({ error: timeout });
    expect(health.isAvailable()).toBe(false);
    const error = caught(() => health.begin());
    expect(CircuitOpenError.isInstance(error)).toBe(true);
    expect((error as CircuitOpenError).supplier).toBe("fulu");
    expect((error as CircuitOpenError).retryAfterMs).toBe(20_000);
  });

  it("judges errors by the table: refusals and throttling never trip it", () => {
    // Were refusals or 429s failures, two of them would meet in a row and trip the breaker.
    const { health, request } = setup({ breaker: { consecutiveFailures: 2, minimumRequests: 1_000 } });
    for (let i = 0; i < 50; i++) {
      request({ error: new OutOfStockError("sold out") });
      request({ error: new RateLimitError("429") });
      request({ error: timeout });
    }
    expect(health.isAvailable()).toBe(true);
    expect(health.stats()).toMatchObject({ successes: 50, neutral: 50, failures: 50 });
  });

  it("never refuses an ungated request (order-status queries), and it takes no probe slot", () => {
    const { health, request, advance } = setup({ breaker: { consecutiveFailures: 1, openMs: 1_000 } });
    request({ error: timeout });
    expect(() => health.begin({ gated: false })).not.toThrow();
    request("success", false);
    expect(health.stats().successes).toBe(1);
    advance(1_000);
    // Half-open: the query goes out, the single probe slot is still free for a placement.
    const query = health.begin({ gated: false });
    expect(query.probe).toBe(false);
    query.end("success");
    const probe = health.begin();
    expect(probe.probe).toBe(true);
    expect(caught(() => health.begin())).toBeInstanceOf(CircuitOpenError);
    expect(() => health.begin({ gated: false }).end("success")).not.toThrow();
    probe.end("success");
    expect(health.isAvailable()).toBe(true);
  });

  it("counts ungated failures while closed", () => {
    const { health, request } = setup({ breaker: { consecutiveFailures: 2 } });
    request({ error: timeout }, false);
    request({ error: timeout }, false);
    expect(health.isAvailable()).toBe(false);
  });

  it("never refuses without a breaker", () => {
    const { health, request } = setup({ breaker: false });
    for (let i = 0; i < 100; i++) request({ error: timeout });
    expect(health.isAvailable()).toBe(true);
    expect(() => health.begin()).not.toThrow();
    expect(health.circuit).toBeUndefined();
    expect(health.snapshot()).not.toHaveProperty("circuit");
  });
});

describe("tickets", () => {
  it("measures latency and ignores a second end", () => {
    const { health, advance } = setup();
    const ticket = health.begin();
    advance(120);
    ticket.end("success");
    advance(5_000);
    ticket.end({ error: timeout });
    expect(health.stats()).toMatchObject({ requests: 1, successes: 1, failures: 0 });
    expect(health.stats().latencyMs).toMatchObject({ p50: 120, max: 120, samples: 1 });
  });

  it("treats { error: undefined } as a success and records no latency for neutral outcomes", () => {
    const { health, advance } = setup();
    const ticket = health.begin();
    advance(80);
    ticket.end({ error: undefined });
    const throttled = health.begin();
    advance(9_000);
    throttled.end({ error: new RateLimitError("429") });
    expect(health.stats()).toMatchObject({ successes: 1, neutral: 1, latencyMs: { max: 80, samples: 1 } });
  });

  it("refuses a bad outcome with a ValidationError and leaves the ticket open", () => {
    const { health } = setup();
    const ticket = health.begin();
    expect(caught(() => ticket.end("ok" as never))).toBeInstanceOf(ValidationError);
    ticket.end("failure");
    expect(health.stats().failures).toBe(1);
  });
});

describe("events", () => {
  it("emits each circuit transition once, however often the state is read", () => {
    const { health, events, request, advance } = setup({
      breaker: { consecutiveFailures: 2, openMs: 5_000 },
    });
    const start = 1_700_000_000_000;
    request({ error: timeout });
    request({ error: timeout });
    for (let i = 0; i < 3; i++) {
      health.isAvailable();
      health.snapshot();
    }
    advance(5_000);
    for (let i = 0; i < 3; i++) health.isAvailable();
    request("success");
    health.isAvailable();
    expect(events).toEqual([
      {
        type: "circuit_opened",
        supplier: "fulu",
        at: start,
        reason: "consecutive_failures",
        retryAfterMs: 5_000,
      },
      { type: "circuit_half_opened", supplier: "fulu", at: start + 5_000 },
      { type: "circuit_closed", supplier: "fulu", at: start + 5_000 },
    ]);
  });

  it("reports a forced open and a reset made through the breaker", () => {
    const { health, events } = setup();
    health.circuit!.forceOpen(600_000);
    health.circuit!.reset();
    expect(events.map((event) => event.type)).toEqual(["circuit_opened", "circuit_closed"]);
    expect(events[0]).toMatchObject({ reason: "forced", retryAfterMs: 600_000 });
  });

  it("isolates a throwing listener: the request and the other listeners carry on", () => {
    const warn = vi.fn();
    const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    const { health, events, request } = setup({ breaker: { consecutiveFailures: 1 }, logger });
    const failing = vi.fn(() => {
      throw new Error("listener crashed with secret=abc");
    });
    health.on(failing);
    const after: HealthEvent[] = [];
    health.on((event) => after.push(event));
    expect(() => request({ error: timeout })).not.toThrow();
    expect(failing).toHaveBeenCalledTimes(1);
    expect(events.map((event) => event.type)).toEqual(["circuit_opened"]);
    expect(after.map((event) => event.type)).toEqual(["circuit_opened"]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls)).not.toContain("secret=abc");
  });

  it("stops calling a listener once unsubscribed", () => {
    const { health, request } = setup({ breaker: { consecutiveFailures: 1, openMs: 1_000 } });
    const seen: HealthEvent[] = [];
    const stop = health.on((event) => seen.push(event));
    request({ error: timeout });
    stop();
    health.circuit!.reset();
    expect(seen.map((event) => event.type)).toEqual(["circuit_opened"]);
  });

  it("refuses a listener that is not a function", () => {
    const { health } = setup();
    expect(caught(() => health.on("listener" as never))).toBeInstanceOf(ValidationError);
  });
});

describe("retry budget", () => {
  it("is shared: an outage drains it once, then refuses, emitting `exhausted` once", () => {
    const { health, events } = setup({ retryBudget: { capacity: 20 } });
    const verdicts = Array.from({ length: 6 }, () => health.canRetry(timeout));
    expect(verdicts).toEqual([true, true, false, false, false, false]);
    expect(events.map((event) => event.type)).toEqual(["retry_budget_exhausted"]);
  });

  it("is refilled by successes and emits `restored` once the dearest retry fits again", () => {
    const { health, events, request } = setup({ retryBudget: { capacity: 20 } });
    health.canRetry(timeout);
    health.canRetry(timeout);
    health.canRetry(new NotSentError("refused"));
    for (let i = 0; i < 9; i++) request("success");
    expect(events.map((event) => event.type)).toEqual(["retry_budget_exhausted"]);
    request("success");
    request("success");
    expect(events.map((event) => event.type)).toEqual(["retry_budget_exhausted", "retry_budget_restored"]);
    expect(health.snapshot().retryBudget).toEqual({ available: 11, capacity: 20, exhausted: false });
  });

  it("returns a retry's cost when the retried request succeeds", () => {
    const { health } = setup({ retryBudget: { capacity: 100 } });
    expect(health.canRetry(timeout)).toBe(true);
    expect(health.snapshot().retryBudget?.available).toBe(90);
    health.begin({ retryOf: timeout }).end("success");
    expect(health.snapshot().retryBudget?.available).toBe(100);
    health.canRetry(timeout);
    health.begin({ retryOf: timeout }).end({ error: timeout });
    expect(health.snapshot().retryBudget?.available).toBe(90);
  });

  it("always allows retries without a budget", () => {
    const { health } = setup({ retryBudget: false });
    for (let i = 0; i < 1_000; i++) expect(health.canRetry(timeout)).toBe(true);
    expect(health.snapshot()).not.toHaveProperty("retryBudget");
  });
});

describe("snapshots", () => {
  const options = { breaker: { consecutiveFailures: 2, openMs: 1_000 }, retryBudget: { capacity: 30 } };

  it("is JSON-safe and restores the same behaviour into a fresh health", () => {
    const original = setup(options);
    original.request({ error: timeout });
    original.request({ error: timeout });
    original.health.canRetry(timeout);
    original.health.canRetry(timeout);
    original.health.canRetry(timeout);
    const snapshot = original.health.snapshot();
    const saved = JSON.parse(JSON.stringify(snapshot)) as HealthSnapshot;
    expect(saved).toEqual(snapshot);
    expect(saved).toMatchObject({ version: 1, supplier: "fulu", circuit: { state: "open" } });

    const copy = setup(options);
    copy.clock.time = original.clock.time;
    copy.health.restore(saved);
    expect(copy.events).toEqual([]);
    for (const subject of [original, copy]) {
      expect(subject.health.isAvailable()).toBe(false);
      expect((caught(() => subject.health.begin()) as CircuitOpenError).retryAfterMs).toBe(1_000);
      expect(subject.health.canRetry(new NotSentError("refused"))).toBe(false);
      subject.advance(1_000);
      subject.request("success");
      expect(subject.health.isAvailable()).toBe(true);
    }
    expect(copy.health.snapshot().retryBudget).toEqual(original.health.snapshot().retryBudget);
  });

  it("restores a bare circuit snapshot", () => {
    const original = setup(options);
    original.request({ error: timeout });
    original.request({ error: timeout });
    const copy = setup(options);
    copy.clock.time = original.clock.time;
    copy.health.restore(JSON.parse(JSON.stringify(original.health.circuit!.snapshot())));
    expect(copy.health.isAvailable()).toBe(false);
  });

  it("refuses another supplier's snapshot and bad fields, naming them, and changes nothing", () => {
    const { health } = setup(options);
    const good = health.snapshot();
    const cases: [unknown, string][] = [
      [{ ...good, supplier: "juhe" }, "supplier"],
      [{ ...good, circuit: { ...good.circuit, state: "open" } }, "circuit.openUntil"],
      [{ ...good, circuit: { ...good.circuit, trips: -1 } }, "circuit.trips"],
      [{ ...good, retryBudget: { available: Number.NaN } }, "retryBudget.available"],
      [{ ...good, version: 0 }, "version"],
      [{ version: 1, state: "half_open", consecutiveFailures: 0, trips: 1 }, "currentOpenMs"],
    ];
    for (const [snapshot, path] of cases) {
      const error = caught(() => health.restore(snapshot as never));
      expect(ValidationError.isInstance(error), path).toBe(true);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toContain(path);
    }
    expect(health.isAvailable()).toBe(true);
    expect(health.snapshot().retryBudget?.available).toBe(30);
  });
});

describe("configuration", () => {
  it("needs a supplier name", () => {
    expect(caught(() => createSupplierHealth({} as never))).toBeInstanceOf(ConfigurationError);
    expect(caught(() => createSupplierHealth(undefined as never))).toBeInstanceOf(ConfigurationError);
    expect(caught(() => createSupplierHealth({ supplier: "" }))).toBeInstanceOf(ConfigurationError);
  });

  it("passes bad part options on as ConfigurationErrors", () => {
    expect(caught(() => createSupplierHealth({ supplier: "fulu", breaker: { openMs: 0 } }))).toBeInstanceOf(
      ConfigurationError,
    );
    expect(caught(() => createSupplierHealth({ supplier: "fulu", window: { buckets: 0 } }))).toBeInstanceOf(
      ConfigurationError,
    );
    expect(
      caught(() => createSupplierHealth({ supplier: "fulu", retryBudget: { capacity: -1 } })),
    ).toBeInstanceOf(ConfigurationError);
  });
});
