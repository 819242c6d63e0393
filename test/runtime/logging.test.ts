/**
 * Redacting logger (failure-modes.md need 18): a real pino logger writing to memory, wrapped by
 * `createRedactingLogger`. Sentinel secrets are hidden at every depth, in arrays, as `Secret`s,
 * as literal values inside unrelated strings and inside errors; none may reach a log line.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  InsufficientBalanceError,
  type Logger,
  NoAnswerError,
  SECRET_MASK,
  Secret,
  ValidationError,
} from "../../src/core/index.js";
import { createRedactingLogger, isSecretKey, redact, silentLogger } from "../../src/runtime/logging.js";

const APP_SECRET = "SENTINEL-APPSECRET-8f3k2";
const APP_KEY = "SENTINEL-APPKEY-77aa1";
const secretValues = [APP_SECRET, APP_KEY];

/** A pino logger at level debug writing its lines to memory. */
function capture(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });
  const logger = createRedactingLogger(pino({ level: "debug" }, destination), { secretValues });
  return { logger, lines, text: () => lines.join("\n") };
}

/** Every string containing "SENTINEL" is a secret: none may appear in any line. */
function expectNoSentinel(text: string): void {
  expect(text).not.toMatch(/SENTINEL/);
}

/** `{ level1: { level2: … { [key]: value } } }` with the key at `depth` (1 = top level). */
function nest(depth: number, key: string, value: unknown): Record<string, unknown> {
  let node: Record<string, unknown> = { [key]: value, merchantOrderId: `M-${depth}` };
  for (let level = depth - 1; level >= 1; level -= 1) node = { [`level${level}`]: node, status: "ok" };
  return node;
}

const secretKeys = [
  "appSecret",
  "app_secret",
  "AppSecret",
  "secret",
  "sign",
  "signature",
  "Signature",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "authorization",
  "Authorization",
  "proxy-authorization",
  "password",
  "card_pwd",
  "cardPwd",
  "cardPassword",
  "cardNumber",
  "card_no",
  "cardCode",
  "x-api-key",
  "X-Api-Key",
  "apiKey",
  "appKey",
  "privateKey",
  "cookie",
  "set-cookie",
  "pin",
  "cardPin",
  "credentials",
  "clientSecret",
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe("secret-like keys are redacted at any depth", () => {
  for (const key of secretKeys) {
    it(`${key} at depths 1..8`, () => {
      const { logger, lines, text } = capture();
      for (let depth = 1; depth <= 8; depth += 1) {
        logger.info(nest(depth, key, `SENTINEL-${key}-${depth}`), `depth ${depth}`);
      }
      expect(lines).toHaveLength(8);
      expectNoSentinel(text());
      // The line was written with its harmless fields intact, and the secret marked.
      for (let depth = 1; depth <= 8; depth += 1) {
        const line = lines[depth - 1]!;
        expect(line).toContain(`"merchantOrderId":"M-${depth}"`);
        expect(line).toContain("[redacted]");
        expect(line).toContain(`depth ${depth}`);
      }
    });
  }

  it("non-string values under a secret key are redacted too (numbers, objects, arrays)", () => {
    const { logger, text } = capture();
    logger.warn({
      cardNumber: 6222_0000_1111_2222,
      credentials: { user: "u", pass: "SENTINEL-CRED" },
      cards: [{ no: "SENTINEL-CARD-1", pwd: "SENTINEL-CARD-2" }],
      deep: { a: { b: { c: { d: { e: { f: { g: { signature: Buffer.from("SENTINEL-BUF") } } } } } } } },
    });
    expect(text()).not.toContain("6222000011112222");
    expectNoSentinel(text());
  });

  it("secrets inside arrays, and arrays of arrays", () => {
    const { logger, text } = capture();
    logger.debug({
      items: [{ token: "SENTINEL-A1" }, [{ password: "SENTINEL-A2" }, [{ sign: "SENTINEL-A3" }]]],
      list: [[[[{ card_pwd: "SENTINEL-A4", status: "kept" }]]]],
    });
    expectNoSentinel(text());
    expect(text()).toContain('"status":"kept"');
  });

  it("logged through every level", () => {
    const { logger, lines, text } = capture();
    logger.debug({ token: "SENTINEL-L1" });
    logger.info({ token: "SENTINEL-L2" });
    logger.warn({ token: "SENTINEL-L3" });
    logger.error({ token: "SENTINEL-L4" });
    expect(lines).toHaveLength(4);
    expect(lines.map((line) => (JSON.parse(line) as { level: number }).level)).toEqual([20, 30, 40, 50]);
    expectNoSentinel(text());
  });
});

describe("Secret values", () => {
  it("are masked anywhere: under plain keys, in arrays, nested, at the top", () => {
    const { logger, text } = capture();
    const card = new Secret("SENTINEL-CARDCODE-1");
    logger.info({
      card,
      note: new Secret("SENTINEL-NOTE"),
      order: { status: "succeeded", cards: [{ code: card }], codes: [card, card] },
      deep: nest(8, "value", new Secret("SENTINEL-DEEP")),
      wrapped: new Secret({ pin: "SENTINEL-OBJ", nested: ["SENTINEL-OBJ-2"] }),
    });
    expectNoSentinel(text());
    expect(text()).toContain(SECRET_MASK);
  });

  it("a Secret passed as the whole object is masked", () => {
    const { logger, text } = capture();
    logger.info(new Secret("SENTINEL-WHOLE") as unknown as object, "whole");
    expectNoSentinel(text());
  });
});

describe("literal secret values (secretValues)", () => {
  it("are scrubbed from messages", () => {
    const { logger, lines, text } = capture();
    logger.warn({}, `signing with ${APP_SECRET} and key ${APP_KEY} failed`);
    expectNoSentinel(text());
    expect(lines[0]).toContain("signing with [redacted] and key [redacted] failed");
  });

  it("are scrubbed from unrelated string fields, at any depth and in arrays", () => {
    const { logger, text } = capture();
    logger.info({
      url: `https://api.example/?app_key=${APP_KEY}&method=order.add`,
      body: `{"app_key":"${APP_KEY}","note":"x${APP_SECRET}y"}`,
      nested: nest(8, "comment", `prefix-${APP_SECRET}-suffix`),
      list: [`${APP_SECRET}`, [`twice ${APP_SECRET}${APP_SECRET}`]],
    });
    expectNoSentinel(text());
  });

  it("are scrubbed from object keys", () => {
    const { logger, text } = capture();
    logger.info({ [APP_SECRET]: "value", nested: { [`k-${APP_KEY}`]: 1 } });
    expectNoSentinel(text());
  });
});

describe("errors", () => {
  it("a KaquanError logged as `error` leaks nothing", () => {
    const { logger, lines, text } = capture();
    const error = new NoAnswerError(`upstream said ${APP_SECRET}`, {
      supplier: "fulu",
      merchantOrderId: "M-9",
      vendorMessage: `key ${APP_KEY} rejected`,
      cause: new Error("SENTINEL-CAUSE"),
    });
    logger.error({ supplier: "fulu", error }, "place order failed");
    logger.error({ err: error });
    logger.error({ error: new InsufficientBalanceError("balance", { vendorCode: "2001" }) });
    logger.error({
      error: new ValidationError("bad", [{ path: "account", message: `not ${APP_SECRET}` }]),
    });
    expectNoSentinel(text());
    const first = JSON.parse(lines[0]!) as { error: Record<string, unknown> };
    expect(first.error).toMatchObject({
      name: "NoAnswerError",
      code: "sent_no_answer",
      failureClass: "sent_no_answer",
      merchantOrderId: "M-9",
      message: "upstream said [redacted]",
    });
    expect(lines[2]).toContain('"vendorCode":"2001"');
  });

  it("a plain Error keeps only its name and scrubbed message, never its extra fields", () => {
    const { logger, text } = capture();
    const error = Object.assign(new Error(`request failed for ${APP_KEY}`), {
      config: { headers: { "X-Custom": "SENTINEL-CONFIG-HEADER" }, data: "SENTINEL-CONFIG-DATA" },
      response: { data: "SENTINEL-RESPONSE" },
    });
    logger.error({ error, err: error });
    expectNoSentinel(text());
    expect(text()).toContain("request failed for [redacted]");
  });

  it("an axios-error-shaped plain object is redacted by key", () => {
    const { logger, text } = capture();
    logger.error({
      error: {
        message: "Request failed",
        config: { headers: { Authorization: "Bearer SENTINEL-BEARER", "x-api-key": "SENTINEL-XKEY" } },
      },
    });
    expectNoSentinel(text());
  });
});

describe("secrets written inside strings", () => {
  it("query and form parameters with secret-like names", () => {
    const { logger, text } = capture();
    logger.info(
      { url: "https://api.example/order?app_key=k&sign=SENTINEL-SIGN-Q&timestamp=1" },
      "sending app_key=k&sign=SENTINEL-SIGN-M&method=x",
    );
    logger.info({ form: "access_token=SENTINEL-TOKEN-F&card_pwd=SENTINEL-PWD-F" });
    expectNoSentinel(text());
    expect(text()).toContain("timestamp=1");
  });

  it("JSON text with secret-like fields", () => {
    const { logger, text } = capture();
    logger.info({ raw: '{"code":0,"sign":"SENTINEL-SIGN-J","data":{"card_pwd":"SENTINEL-PWD-J"}}' });
    expectNoSentinel(text());
    expect(text()).toContain('\\"code\\":0');
  });

  it("bearer and basic credentials", () => {
    const { logger, text } = capture();
    const basic = Buffer.from("merchant:pa55-word").toString("base64");
    logger.info(
      { header: "Bearer SENTINEL-BEARER-S", other: `basic Basic ${basic}` },
      "auth: bearer SENTINEL-B2",
    );
    expectNoSentinel(text());
    expect(text()).not.toContain(basic);
    // Prose is left alone.
    logger.info({}, "Basic validation failed");
    expect(text()).toContain("Basic validation failed");
  });
});

describe("robustness", () => {
  it("circular objects do not crash and are marked", () => {
    const { logger, lines } = capture();
    const order: Record<string, unknown> = { merchantOrderId: "M-1", token: "SENTINEL-CIRC" };
    order.self = order;
    order.list = [order, { parent: order }];
    expect(() => logger.info({ order })).not.toThrow();
    expect(lines).toHaveLength(1);
    expectNoSentinel(lines[0]!);
    expect(lines[0]).toContain("[circular]");
    expect(lines[0]).toContain('"merchantOrderId":"M-1"');
  });

  it("a value referenced twice (not a cycle) is logged both times", () => {
    const shared = { status: "succeeded" };
    expect(redact({ a: shared, b: shared, list: [shared, shared] })).toEqual({
      a: { status: "succeeded" },
      b: { status: "succeeded" },
      list: [{ status: "succeeded" }, { status: "succeeded" }],
    });
  });

  it("does not change the object it was given", () => {
    const input = { token: "SENTINEL-KEEP", nested: { password: "p", list: [new Secret("s")] } };
    const copy = structuredClone({ ...input, nested: { ...input.nested, list: [] } });
    redact(input, { secretValues });
    expect(input.token).toBe("SENTINEL-KEEP");
    expect(input.nested.password).toBe("p");
    expect(Secret.isSecret(input.nested.list[0])).toBe(true);
    expect(copy.nested.password).toBe("p");
  });

  it("keeps harmless values readable: numbers, booleans, null, dates, byte counts", () => {
    const at = new Date("2026-01-02T03:04:05.000Z");
    expect(
      redact({
        amount: "46.30",
        count: 2,
        ok: true,
        none: null,
        at,
        bytes: Buffer.from("SENTINEL-BYTES"),
        emptySign: "",
      }),
    ).toEqual({
      amount: "46.30",
      count: 2,
      ok: true,
      none: null,
      at: "2026-01-02T03:04:05.000Z",
      bytes: "[14 bytes]",
      emptySign: "",
    });
  });

  it("Maps and Sets are redacted like objects and arrays", () => {
    const { logger, text } = capture();
    logger.info({
      map: new Map<string, unknown>([
        ["token", "SENTINEL-MAP"],
        ["status", "kept-map"],
      ]),
      set: new Set([new Secret("SENTINEL-SET"), `x ${APP_SECRET}`]),
    });
    expectNoSentinel(text());
    expect(text()).toContain("kept-map");
  });

  it("a getter that throws, or a logger that throws, never breaks the caller", () => {
    const hostile = {
      get boom(): string {
        throw new Error("getter exploded");
      },
    };
    const throwing = createRedactingLogger({
      debug() {
        throw new Error("sink down");
      },
      info() {},
      warn() {},
      error() {},
    });
    expect(() => throwing.debug({ a: 1 })).not.toThrow();
    const { logger } = capture();
    expect(() => logger.info({ hostile })).not.toThrow();
  });

  it("very deep objects are cut off, not walked forever", () => {
    let deep: Record<string, unknown> = { token: "SENTINEL-DEEPEST" };
    for (let level = 0; level < 200; level += 1) deep = { next: deep };
    const { logger, text } = capture();
    expect(() => logger.info(deep)).not.toThrow();
    expectNoSentinel(text());
  });
});

describe("the silent default", () => {
  it("without a logger, nothing is printed anywhere", () => {
    const writes = [
      vi.spyOn(process.stdout, "write"),
      vi.spyOn(process.stderr, "write"),
      vi.spyOn(console, "log"),
      vi.spyOn(console, "info"),
      vi.spyOn(console, "warn"),
      vi.spyOn(console, "error"),
      vi.spyOn(console, "debug"),
    ];
    const logger = createRedactingLogger(undefined, { secretValues });
    expect(logger).toBe(silentLogger);
    logger.debug({ token: "SENTINEL-SILENT" }, "debug");
    logger.info({ a: 1 }, "info");
    logger.warn({ a: 1 }, "warn");
    logger.error({ error: new Error("x") }, "error");
    silentLogger.error({ a: 1 });
    for (const spy of writes) expect(spy).not.toHaveBeenCalled();
  });

  it("wrapping the silent logger stays silent", () => {
    expect(createRedactingLogger(silentLogger)).toBe(silentLogger);
  });
});

describe("isSecretKey", () => {
  it.each([
    ...secretKeys,
    "SIGN",
    "sign_key",
    "md5_sign",
    "hmacSignature",
    "app-secret",
    "secretKey",
    "secret_id",
    "passwd",
    "pwd",
    "card_password",
    "cardpass",
    "cardNo",
    "card_code",
    "cards",
    "apiKeys",
    "privateKeyPem",
    "cookies",
    "x-auth-token",
    "session_token",
    "卡密",
    "密码",
    "签名",
  ])("%s is secret", (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    "merchantOrderId",
    "merchant_order_id",
    "status",
    "code",
    "vendorCode",
    "vendor_code",
    "message",
    "vendorMessage",
    "supplier",
    "amount",
    "currency",
    "sku",
    "product_id",
    "account",
    "requestId",
    "keyId",
    "sign_type",
    "signType",
    "timestamp",
    "method",
    "failureClass",
    "retryAfterMs",
    "url",
    "httpStatus",
    "attempts",
    "quantity",
  ])("%s is not secret", (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});
