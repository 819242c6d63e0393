import { createRedactingLogger, type Logger } from "kaquan";
import { describe, expect, it } from "vitest";

type Line = { level: string; object: unknown; message: string | undefined };

/** A pino-shaped logger: `isLevelEnabled` says which levels are on; every line is recorded. */
function levelledLogger(isLevelEnabled: (level: string) => boolean): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (object: object, message?: string) =>
    void lines.push({ level, object, message });
  return {
    lines,
    isLevelEnabled,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  } as never;
}

/** An object that counts how often it is read: redaction reads every key. */
function countingObject() {
  const counter = { reads: 0 };
  const object = {
    get appSecret() {
      counter.reads += 1;
      return "s3cr3t-value";
    },
  };
  return { object, counter };
}

describe("logging gated by isLevelEnabled", () => {
  it("a level the logger has switched off is neither redacted nor passed on", () => {
    const target = levelledLogger((level) => level !== "debug");
    const logger = createRedactingLogger(target);
    const { object, counter } = countingObject();
    logger.debug(object, "poll failed");
    expect(counter.reads).toBe(0);
    expect(target.lines).toHaveLength(0);
  });

  it("an enabled level is redacted and passed on", () => {
    const target = levelledLogger(() => true);
    const logger = createRedactingLogger(target);
    const { object, counter } = countingObject();
    logger.warn(object, "callback not acknowledged");
    expect(counter.reads).toBe(1);
    expect(target.lines).toEqual([
      { level: "warn", object: { appSecret: "[redacted]" }, message: "callback not acknowledged" },
    ]);
  });

  it("an isLevelEnabled that throws logs (redacted) rather than losing the line", () => {
    const target = levelledLogger(() => {
      throw new Error("broken");
    });
    createRedactingLogger(target).error({ token: "abcd1234" }, "failed");
    expect(target.lines).toEqual([{ level: "error", object: { token: "[redacted]" }, message: "failed" }]);
  });

  it("a logger without isLevelEnabled gets every level", () => {
    const lines: string[] = [];
    const plain: Logger = {
      debug: () => void lines.push("debug"),
      info: () => void lines.push("info"),
      warn: () => void lines.push("warn"),
      error: () => void lines.push("error"),
    };
    const logger = createRedactingLogger(plain);
    logger.debug({}, "a");
    logger.info({}, "b");
    logger.warn({}, "c");
    logger.error({}, "d");
    expect(lines).toEqual(["debug", "info", "warn", "error"]);
  });
});
