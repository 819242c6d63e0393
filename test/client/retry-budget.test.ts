/**
 * The shared retry budget (the AWS SDK v3 standard retry quota): what a retry costs, how an
 * outage empties it, how successes and time fill it again.
 */
import { describe, expect, it } from "vitest";
import { createRetryBudget } from "../../src/client/retry-budget.js";
import {
  ConfigurationError,
  MalformedPayloadError,
  NoAnswerError,
  NotSentError,
  RateLimitError,
  ValidationError,
} from "../../src/core/index.js";

const notSent = new NotSentError("connect refused");
const timeout = new NoAnswerError("timeout after write");

describe("retry budget", () => {
  it("starts full with the AWS-standard defaults", () => {
    const budget = createRetryBudget();
    expect(budget.available()).toBe(500);
    expect(budget.costOf(notSent)).toBe(5);
    expect(budget.costOf(new RateLimitError("429"))).toBe(5);
    expect(budget.costOf(timeout)).toBe(10);
    expect(budget.costOf(new MalformedPayloadError("HTML page"))).toBe(10);
    expect(budget.costOf(new DOMException("timed out", "TimeoutError"))).toBe(10);
    expect(budget.costOf(new Error("anything else"))).toBe(5);
  });

  it("charges timeouts more, and refuses once it cannot pay (taking nothing)", () => {
    const budget = createRetryBudget({ capacity: 25 });
    expect(budget.tryWithdraw(timeout)).toBe(true); // 15 left
    expect(budget.tryWithdraw(timeout)).toBe(true); // 5 left
    expect(budget.tryWithdraw(timeout)).toBe(false);
    expect(budget.available()).toBe(5);
    expect(budget.exhausted()).toBe(true);
    expect(budget.tryWithdraw(notSent)).toBe(true); // a cheaper retry still fits
    expect(budget.available()).toBe(0);
    expect(budget.tryWithdraw(notSent)).toBe(false);
  });

  it("lets an outage through at most capacity / retryCost retries", () => {
    const budget = createRetryBudget();
    let retries = 0;
    while (budget.tryWithdraw(notSent)) retries += 1;
    expect(retries).toBe(100);
  });

  it("refills: +1 per plain success, the retry's cost after a retried success, capped at capacity", () => {
    const budget = createRetryBudget({ capacity: 50 });
    budget.tryWithdraw(timeout);
    budget.tryWithdraw(notSent);
    expect(budget.available()).toBe(35);
    budget.recordSuccess();
    expect(budget.available()).toBe(36);
    budget.recordSuccess(true, budget.costOf(timeout));
    expect(budget.available()).toBe(46);
    budget.recordSuccess(true);
    expect(budget.available()).toBe(50);
    budget.recordSuccess(true, 10);
    expect(budget.available()).toBe(50);
  });

  it("is exhausted from a refusal until the dearest retry fits again", () => {
    const budget = createRetryBudget({ capacity: 10 });
    expect(budget.tryWithdraw(timeout)).toBe(true);
    expect(budget.exhausted()).toBe(false);
    expect(budget.tryWithdraw(notSent)).toBe(false);
    expect(budget.exhausted()).toBe(true);
    for (let i = 0; i < 9; i++) budget.recordSuccess();
    expect(budget.exhausted()).toBe(true);
    budget.recordSuccess();
    expect(budget.exhausted()).toBe(false);
  });

  it("refills with time only when refillPerSecond is set", () => {
    const clock = { time: 1_000_000 };
    const steady = createRetryBudget({ capacity: 10, now: () => clock.time });
    const refilling = createRetryBudget({ capacity: 10, refillPerSecond: 2, now: () => clock.time });
    for (const budget of [steady, refilling]) {
      budget.tryWithdraw(notSent);
      budget.tryWithdraw(notSent);
    }
    clock.time += 3_000;
    expect(steady.available()).toBe(0);
    expect(refilling.available()).toBe(6);
    clock.time -= 60_000; // a clock stepping back takes nothing away
    expect(refilling.available()).toBe(6);
    clock.time += 3_600_000;
    expect(refilling.available()).toBe(10);
  });

  it("saves and restores its state, capped at capacity", () => {
    const budget = createRetryBudget({ capacity: 20 });
    budget.tryWithdraw(timeout);
    budget.tryWithdraw(timeout);
    budget.tryWithdraw(timeout);
    const saved = JSON.parse(JSON.stringify(budget.snapshot()));
    expect(saved).toEqual({ available: 0, capacity: 20, exhausted: true });
    const copy = createRetryBudget({ capacity: 20 });
    copy.restore(saved);
    expect(copy.available()).toBe(0);
    expect(copy.exhausted()).toBe(true);
    copy.restore({ available: 9_999 });
    expect(copy.available()).toBe(20);
    expect(copy.exhausted()).toBe(false);
  });

  it("refuses a bad snapshot, naming the field", () => {
    const budget = createRetryBudget();
    expect(() => budget.restore({ available: -5 })).toThrow(ValidationError);
    let caught: unknown;
    try {
      budget.restore({ available: "lots" } as never);
    } catch (error) {
      caught = error;
    }
    expect(ValidationError.isInstance(caught)).toBe(true);
    expect((caught as ValidationError).issues.map((issue) => issue.path)).toEqual(["available"]);
    expect(budget.available()).toBe(500);
  });

  it.each([
    { capacity: -1 },
    { retryCost: Number.NaN },
    { timeoutRetryCost: Number.POSITIVE_INFINITY },
    { successRefund: -1 },
    { refillPerSecond: -2 },
  ])("refuses %o with a ConfigurationError naming the option", (options) => {
    const name = Object.keys(options)[0]!;
    expect(() => createRetryBudget(options)).toThrow(ConfigurationError);
    expect(() => createRetryBudget(options)).toThrow(name);
  });

  it("with capacity 0 allows no retry at all", () => {
    const budget = createRetryBudget({ capacity: 0 });
    expect(budget.tryWithdraw(notSent)).toBe(false);
  });
});
