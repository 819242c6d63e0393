/**
 * The circuit breaker: when it trips, how it probes, how it closes, and that late reports and
 * saved snapshots cannot put it in a wrong state. Time is an injected clock moved by hand.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CircuitBreakerOptions,
  type CircuitPermit,
  type CircuitTransition,
  createCircuitBreaker,
} from "../../src/client/circuit-breaker.js";
import type { HealthOutcome } from "../../src/client/health-window.js";
import { CircuitOpenError, ConfigurationError, ValidationError } from "../../src/core/index.js";

function setup(options: CircuitBreakerOptions = {}) {
  const clock = { time: 1_700_000_000_000 };
  const transitions: CircuitTransition[] = [];
  const breaker = createCircuitBreaker({
    supplier: "fulu",
    now: () => clock.time,
    onTransition: (transition) => transitions.push(transition),
    ...options,
  });
  const run = (outcome: HealthOutcome) => breaker.record(breaker.acquire(), outcome);
  const advance = (ms: number) => {
    clock.time += ms;
  };
  return { clock, breaker, transitions, run, advance };
}

function refusal(action: () => unknown): CircuitOpenError {
  try {
    action();
  } catch (error) {
    if (CircuitOpenError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a CircuitOpenError, but the call succeeded");
}

describe("tripping", () => {
  it("opens after `consecutiveFailures` failures in a row and refuses with CircuitOpenError", () => {
    const { breaker, run, transitions } = setup({ consecutiveFailures: 5, openMs: 30_000 });
    for (let i = 0; i < 4; i++) run("failure");
    expect(breaker.state()).toBe("closed");
    run("failure");
    expect(breaker.state()).toBe("open");
    const error = refusal(() => breaker.acquire());
    expect(error.code).toBe("circuit_open");
    expect(error.failureClass).toBe("not_sent");
    expect(error.supplier).toBe("fulu");
    expect(error.retryAfterMs).toBe(30_000);
    expect(error.message).toContain("Nothing was sent");
    expect(transitions).toEqual([
      {
        from: "closed",
        to: "open",
        at: expect.any(Number),
        reason: "consecutive_failures",
        retryAfterMs: 30_000,
      },
    ]);
  });

  it("starts the consecutive count again after a success", () => {
    const { breaker, run } = setup({ consecutiveFailures: 3, minimumRequests: 1_000 });
    for (let round = 0; round < 10; round++) {
      run("failure");
      run("failure");
      run("success");
    }
    expect(breaker.state()).toBe("closed");
    expect(breaker.snapshot().consecutiveFailures).toBe(0);
    run("failure");
    run("failure");
    run("failure");
    expect(breaker.state()).toBe("open");
  });

  it("does not count neutral outcomes either way", () => {
    const { breaker, run } = setup({ consecutiveFailures: 2, minimumRequests: 1_000 });
    run("failure");
    for (let i = 0; i < 50; i++) run("neutral");
    expect(breaker.snapshot().consecutiveFailures).toBe(1);
    run("failure");
    expect(breaker.state()).toBe("open");
  });

  it("trips on the failure rate only once the window holds `minimumRequests` outcomes", () => {
    const { breaker, run } = setup({ consecutiveFailures: 100, failureRate: 0.5, minimumRequests: 20 });
    // 19 outcomes, 10 of them failures: above the rate, below the minimum.
    for (let i = 0; i < 19; i++) run(i % 2 === 0 ? "failure" : "success");
    expect(breaker.state()).toBe("closed");
    run("failure");
    expect(breaker.state()).toBe("open");
    expect(breaker.snapshot().reason).toBe("failure_rate");
  });

  it("does not trip on a rate below `failureRate`", () => {
    const { breaker, run } = setup({ consecutiveFailures: 100, failureRate: 0.5, minimumRequests: 20 });
    for (let i = 0; i < 200; i++) run(i % 3 === 0 ? "failure" : "success");
    expect(breaker.state()).toBe("closed");
  });

  it("forgets failures that have left the window", () => {
    const { breaker, run, advance } = setup({
      consecutiveFailures: 100,
      failureRate: 0.5,
      minimumRequests: 10,
      windowMs: 10_000,
    });
    for (let i = 0; i < 9; i++) run("failure");
    advance(11_000);
    // Had the nine old failures stayed, this failure would make 10 of 10.
    run("failure");
    expect(breaker.state()).toBe("closed");
  });
});

describe("half-open probing", () => {
  it("half-opens after the cool-down and closes when the probe succeeds", () => {
    const { breaker, run, advance, transitions } = setup({ consecutiveFailures: 1, openMs: 10_000 });
    run("failure");
    advance(9_999);
    expect(refusal(() => breaker.acquire()).retryAfterMs).toBe(1);
    advance(1);
    expect(breaker.state()).toBe("half_open");
    const probe = breaker.acquire();
    expect(probe.probe).toBe(true);
    breaker.record(probe, "success");
    expect(breaker.state()).toBe("closed");
    expect(breaker.acquire().probe).toBe(false);
    expect(transitions.map((transition) => transition.to)).toEqual(["open", "half_open", "closed"]);
  });

  it("reopens on a failed probe with the cool-down doubled, up to maxOpenMs", () => {
    const { breaker, run, advance, transitions } = setup({
      consecutiveFailures: 1,
      openMs: 1_000,
      maxOpenMs: 3_000,
    });
    run("failure");
    const coolDowns = [breaker.snapshot().currentOpenMs];
    for (let i = 0; i < 3; i++) {
      advance(coolDowns[coolDowns.length - 1]!);
      run("failure");
      const error = refusal(() => breaker.acquire());
      coolDowns.push(error.retryAfterMs!);
    }
    expect(coolDowns).toEqual([1_000, 2_000, 3_000, 3_000]);
    expect(transitions.filter((t) => t.to === "open").map((t) => t.reason)).toEqual([
      "consecutive_failures",
      "probe_failed",
      "probe_failed",
      "probe_failed",
    ]);
    // A success closes it and brings the cool-down back to openMs.
    advance(3_000);
    run("success");
    expect(breaker.state()).toBe("closed");
    run("failure");
    expect(refusal(() => breaker.acquire()).retryAfterMs).toBe(1_000);
  });

  it("lets only `halfOpenProbes` requests through and needs all of them to succeed", () => {
    const { breaker, run, advance } = setup({ consecutiveFailures: 1, openMs: 1_000, halfOpenProbes: 2 });
    run("failure");
    advance(1_000);
    const first = breaker.acquire();
    const second = breaker.acquire();
    expect([first.probe, second.probe]).toEqual([true, true]);
    const error = refusal(() => breaker.acquire());
    expect(error.supplier).toBe("fulu");
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(breaker.isAvailable()).toBe(false);
    breaker.record(first, "success");
    expect(breaker.state()).toBe("half_open");
    breaker.record(second, "success");
    expect(breaker.state()).toBe("closed");
  });

  it("refuses a second concurrent request while the single probe is out, with retryAfterMs", () => {
    const { breaker, run, advance } = setup({
      consecutiveFailures: 1,
      openMs: 1_000,
      probeTimeoutMs: 20_000,
    });
    run("failure");
    advance(1_000);
    breaker.acquire();
    advance(5_000);
    // The slot frees at the latest when the probe times out, 15 s from now.
    expect(refusal(() => breaker.acquire()).retryAfterMs).toBe(15_000);
  });

  it("gives a probe slot back on a neutral outcome without closing", () => {
    const { breaker, run, advance } = setup({ consecutiveFailures: 1, openMs: 1_000 });
    run("failure");
    advance(1_000);
    breaker.record(breaker.acquire(), "neutral");
    expect(breaker.state()).toBe("half_open");
    expect(breaker.isAvailable()).toBe(true);
    const next = breaker.acquire();
    expect(next.probe).toBe(true);
    breaker.record(next, "success");
    expect(breaker.state()).toBe("closed");
  });

  it("frees the slot of a probe that never reports once probeTimeoutMs has passed", () => {
    const { breaker, run, advance } = setup({ consecutiveFailures: 1, openMs: 1_000, probeTimeoutMs: 5_000 });
    run("failure");
    advance(1_000);
    const lost = breaker.acquire();
    advance(5_000);
    const next = breaker.acquire();
    expect(next.probe).toBe(true);
    // The lost probe reporting late is ignored: it no longer holds a slot.
    breaker.record(lost, "failure");
    expect(breaker.state()).toBe("half_open");
    breaker.record(next, "success");
    expect(breaker.state()).toBe("closed");
  });
});

describe("permits", () => {
  it("ignores permits granted before a trip, whatever they report", () => {
    const { breaker, run, advance } = setup({ consecutiveFailures: 2, openMs: 1_000 });
    const early = Array.from({ length: 4 }, () => breaker.acquire());
    run("failure");
    run("failure");
    expect(breaker.state()).toBe("open");
    advance(1_000);
    const probe = breaker.acquire();
    // Successes from before the trip must not stand in for the probe.
    breaker.record(early[0]!, "success");
    breaker.record(early[1]!, "success");
    expect(breaker.state()).toBe("half_open");
    breaker.record(probe, "failure");
    expect(breaker.state()).toBe("open");
    breaker.record(early[2]!, "success");
    expect(breaker.state()).toBe("open");
    advance(2_000);
    breaker.record(breaker.acquire(), "success");
    expect(breaker.state()).toBe("closed");
    // Nor does a failure from before the trip count against the closed breaker.
    breaker.record(early[3]!, "failure");
    expect(breaker.snapshot().consecutiveFailures).toBe(0);
  });

  it("counts a permit once, and ignores permits it did not grant", () => {
    const { breaker } = setup({ consecutiveFailures: 2 });
    const permit = breaker.acquire();
    breaker.record(permit, "failure");
    breaker.record(permit, "failure");
    breaker.record({ probe: false, generation: permit.generation }, "failure");
    expect(breaker.state()).toBe("closed");
    expect(breaker.snapshot().consecutiveFailures).toBe(1);
  });

  it("refuses an outcome that is not one of the three", () => {
    const { breaker } = setup();
    const permit = breaker.acquire();
    expect(() => breaker.record(permit, "ok" as HealthOutcome)).toThrow(ValidationError);
  });

  it("observe() counts while closed but never takes a probe slot", () => {
    const { breaker, advance } = setup({ consecutiveFailures: 2, openMs: 1_000 });
    breaker.record(breaker.observe()!, "failure");
    breaker.record(breaker.observe()!, "failure");
    expect(breaker.state()).toBe("open");
    expect(breaker.observe()).toBeUndefined();
    advance(1_000);
    expect(breaker.observe()).toBeUndefined();
    expect(breaker.acquire().probe).toBe(true);
  });
});

describe("operator overrides", () => {
  it("forceOpen opens for the given time, then probes; reset closes at once", () => {
    const { breaker, advance, transitions } = setup({ openMs: 1_000 });
    breaker.forceOpen(60_000);
    expect(refusal(() => breaker.acquire()).retryAfterMs).toBe(60_000);
    expect(transitions.at(-1)).toMatchObject({ to: "open", reason: "forced", retryAfterMs: 60_000 });
    advance(60_000);
    expect(breaker.state()).toBe("half_open");
    breaker.reset();
    expect(breaker.state()).toBe("closed");
    expect(transitions.map((transition) => transition.to)).toEqual(["open", "half_open", "closed"]);
  });

  it("forceOpen defaults to maxOpenMs and refuses a nonsense duration", () => {
    const { breaker } = setup({ openMs: 1_000, maxOpenMs: 90_000 });
    breaker.forceOpen();
    expect(refusal(() => breaker.acquire()).retryAfterMs).toBe(90_000);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => breaker.forceOpen(bad)).toThrow(ValidationError);
  });

  it("emits no transition for a reset of a closed breaker", () => {
    const { breaker, transitions } = setup();
    breaker.reset();
    expect(transitions).toEqual([]);
  });

  it("is not broken by a throwing transition listener", () => {
    const breaker = createCircuitBreaker({
      consecutiveFailures: 1,
      onTransition: () => {
        throw new Error("listener failed");
      },
    });
    expect(() => breaker.record(breaker.acquire(), "failure")).not.toThrow();
    expect(breaker.state()).toBe("open");
  });
});

describe("snapshots", () => {
  it("survives JSON and behaves the same after restore", () => {
    const original = setup({ consecutiveFailures: 3, openMs: 1_000, maxOpenMs: 8_000 });
    original.run("failure");
    original.run("failure");
    original.run("failure");
    original.advance(1_000);
    original.run("failure"); // a failed probe: cool-down now 2 s
    const saved = JSON.parse(JSON.stringify(original.breaker.snapshot()));

    const copy = setup({ consecutiveFailures: 3, openMs: 1_000, maxOpenMs: 8_000 });
    copy.clock.time = original.clock.time;
    copy.breaker.restore(saved);
    const trace = (subject: ReturnType<typeof setup>) => {
      const seen: string[] = [];
      const step = (action: () => void) => {
        try {
          action();
          seen.push(subject.breaker.state());
        } catch (error) {
          seen.push(CircuitOpenError.isInstance(error) ? `refused ${error.retryAfterMs}` : "other error");
        }
      };
      step(() => subject.run("success"));
      step(() => subject.advance(2_000));
      step(() => subject.run("failure"));
      step(() => subject.advance(4_000));
      step(() => subject.run("success"));
      step(() => subject.run("failure"));
      step(() => subject.run("failure"));
      step(() => subject.run("failure"));
      return seen;
    };
    const expected = trace(original);
    expect(expected).toEqual([
      "refused 2000",
      "half_open",
      "open",
      "half_open",
      "closed",
      "closed",
      "closed",
      "open",
    ]);
    expect(trace(copy)).toEqual(expected);
  });

  it("keeps the consecutive count and the rate window of a closed breaker", () => {
    const options = { consecutiveFailures: 3, failureRate: 0.5, minimumRequests: 4 };
    const original = setup(options);
    original.run("success");
    original.run("failure");
    original.run("failure");
    const copy = setup(options);
    copy.clock.time = original.clock.time;
    copy.breaker.restore(JSON.parse(JSON.stringify(original.breaker.snapshot())));
    expect(copy.breaker.snapshot().consecutiveFailures).toBe(2);
    copy.run("success");
    copy.run("failure"); // 3 failures of 5: the rate trips it
    expect(copy.breaker.snapshot().reason).toBe("failure_rate");
  });

  it("refuses a bad snapshot, naming the field, and changes nothing", () => {
    const { breaker, run } = setup({ consecutiveFailures: 3 });
    run("failure");
    const good = breaker.snapshot();
    const cases: [unknown, string][] = [
      [{ ...good, state: "broken" }, "state"],
      [{ ...good, state: "open", openUntil: undefined }, "openUntil"],
      [{ ...good, consecutiveFailures: -1 }, "consecutiveFailures"],
      [{ ...good, currentOpenMs: "30s" }, "currentOpenMs"],
      [{ ...good, version: 2 }, "version"],
      [{ ...good, window: [{ startedAt: 0, successes: 1.5, failures: 0 }] }, "window.0.successes"],
    ];
    for (const [snapshot, path] of cases) {
      let caught: unknown;
      try {
        breaker.restore(snapshot as never);
      } catch (error) {
        caught = error;
      }
      expect(ValidationError.isInstance(caught), path).toBe(true);
      const paths = (caught as ValidationError).issues.map((issue) => issue.path);
      expect(paths).toContain(path);
      expect((caught as ValidationError).message).toContain(path);
    }
    expect(() => breaker.restore(null as never)).toThrow(ValidationError);
    expect(breaker.snapshot().consecutiveFailures).toBe(1);
  });

  it("invalidates permits granted before a restore", () => {
    const { breaker } = setup({ consecutiveFailures: 1 });
    const permit = breaker.acquire();
    breaker.restore(breaker.snapshot());
    breaker.record(permit, "failure");
    expect(breaker.state()).toBe("closed");
  });
});

describe("configuration", () => {
  it.each([
    { consecutiveFailures: 0 },
    { consecutiveFailures: 2.5 },
    { failureRate: 0 },
    { failureRate: 1.5 },
    { minimumRequests: 0 },
    { windowMs: 0 },
    { openMs: -1 },
    { openMs: Number.POSITIVE_INFINITY },
    { openMs: 10_000, maxOpenMs: 5_000 },
    { halfOpenProbes: 0 },
    { probeTimeoutMs: Number.NaN },
  ])("refuses %o with a ConfigurationError that names the option", (options) => {
    const name = Object.keys(options).at(-1)!;
    expect(() => createCircuitBreaker(options)).toThrow(ConfigurationError);
    expect(() => createCircuitBreaker(options)).toThrow(name);
  });
});

describe("property: any sequence of requests, outcomes and time steps", () => {
  const command = fc.oneof(
    fc.record({ kind: fc.constant("acquire" as const) }),
    fc.record({ kind: fc.constant("observe" as const) }),
    fc.record({
      kind: fc.constant("record" as const),
      pick: fc.nat(),
      outcome: fc.constantFrom<HealthOutcome>("success", "failure", "neutral"),
    }),
    fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
    fc.record({ kind: fc.constant("forceOpen" as const), ms: fc.integer({ min: 1, max: 10_000 }) }),
    fc.record({ kind: fc.constant("reset" as const) }),
    fc.record({ kind: fc.constant("restore" as const) }),
  );

  it("stays in one of the three states, refuses only with CircuitOpenError, never refuses when closed", () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 200 }), (commands) => {
        const { breaker, advance } = setup({
          consecutiveFailures: 3,
          minimumRequests: 4,
          windowMs: 10_000,
          openMs: 1_000,
          maxOpenMs: 8_000,
          halfOpenProbes: 2,
          probeTimeoutMs: 5_000,
        });
        const held: CircuitPermit[] = [];
        for (const step of commands) {
          const before = breaker.state();
          expect(["closed", "open", "half_open"]).toContain(before);
          switch (step.kind) {
            case "acquire":
              try {
                held.push(breaker.acquire());
              } catch (error) {
                expect(CircuitOpenError.isInstance(error)).toBe(true);
                expect(before).not.toBe("closed");
                expect((error as CircuitOpenError).retryAfterMs).toBeGreaterThan(0);
              }
              break;
            case "observe": {
              const permit = breaker.observe();
              if (permit) held.push(permit);
              else expect(before).not.toBe("closed");
              break;
            }
            case "record":
              if (held.length > 0) breaker.record(held.splice(step.pick % held.length, 1)[0]!, step.outcome);
              break;
            case "advance":
              advance(step.ms);
              break;
            case "forceOpen":
              breaker.forceOpen(step.ms);
              break;
            case "reset":
              breaker.reset();
              break;
            case "restore":
              breaker.restore(JSON.parse(JSON.stringify(breaker.snapshot())));
              break;
          }
          expect(["closed", "open", "half_open"]).toContain(breaker.state());
          if (breaker.state() === "closed") expect(breaker.isAvailable()).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
