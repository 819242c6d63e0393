import {
  AuthenticationError,
  type HttpResponse,
  MalformedPayloadError,
  NoAnswerError,
  RateLimitError,
} from "kaquan";
import { describe, expect, it } from "vitest";
import { createJsonDecimals, readJsonAnswer } from "../../src/runtime/json-api.js";

function response(status: number, text: string, headers: Record<string, string> = {}): HttpResponse {
  const body = Buffer.from(text);
  return { status, headers: { "content-type": "application/json", ...headers }, body, text, durationMs: 1 };
}

const options = {
  supplier: "demo",
  operation: "demo.orders",
  nowMs: 0,
  credentialsRefused: "demo refused the key",
  readRefusal: (body: unknown) =>
    typeof body === "object" && body !== null && "code" in body
      ? { code: String((body as { code: unknown }).code) }
      : undefined,
};

describe("readJsonAnswer", () => {
  it("returns a 2xx JSON body, digits intact", () => {
    const answer = readJsonAnswer(response(200, '{"id":22113024595794711936}'), options);
    expect(answer.ok && answer.value).toEqual({ id: "22113024595794711936" });
  });

  it("offers a non-2xx body to the vendor's reader whatever the status (insufficient balance as 500)", () => {
    const answer = readJsonAnswer(response(500, '{"code":"1006001"}'), options);
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.code).toBe("1006001");
  });

  it("turns bare answers into the right class", () => {
    expect(() => readJsonAnswer(response(401, ""), options)).toThrow(AuthenticationError);
    expect(() =>
      readJsonAnswer(response(502, "<html>bad gateway</html>", { "content-type": "text/html" }), options),
    ).toThrow(NoAnswerError);
    expect(() => readJsonAnswer(response(200, '{"id":'), options)).toThrow(NoAnswerError);
    const throttled = (() => {
      try {
        readJsonAnswer(response(429, "", { "retry-after": "3" }), options);
      } catch (error) {
        return error;
      }
    })();
    expect(RateLimitError.isInstance(throttled)).toBe(true);
    expect((throttled as RateLimitError).retryAfterMs).toBe(3000);
  });
});

describe("createJsonDecimals", () => {
  it("writes exact decimals as bare JSON numbers, never through a float", () => {
    const decimals = createJsonDecimals("demo", { signed: false });
    const text = decimals.serialize({
      amount: decimals.placeholder("457.32"),
      big: decimals.placeholder("12345678901234567.89"),
    });
    expect(text).toBe('{"amount":457.32,"big":12345678901234567.89}');
    expect(() => decimals.placeholder("1e5")).toThrow(RangeError);
    expect(() => decimals.placeholder("-1")).toThrow(RangeError);
    expect(
      createJsonDecimals("signed", { signed: true }).serialize({
        v: createJsonDecimals("signed", { signed: true }).placeholder("-1.5"),
      }),
    ).toBe('{"v":-1.5}');
  });

  it("drops leading zeros, which MoneySchema allows and JSON numbers do not (every supplier using it: Tango, Bitrefill, Ding, DT One)", () => {
    const signed = createJsonDecimals("zeros", { signed: true });
    const text = signed.serialize({
      a: signed.placeholder("007.50"),
      b: signed.placeholder("-007.5"),
      c: signed.placeholder("00.5"),
      d: signed.placeholder("0"),
      e: signed.placeholder("000"),
    });
    expect(text).toBe('{"a":7.50,"b":-7.5,"c":0.5,"d":0,"e":0}');
    expect(JSON.parse(text)).toEqual({ a: 7.5, b: -7.5, c: 0.5, d: 0, e: 0 });
  });
});

describe("parseVendorPayload", () => {
  it("returns parsed data, or a MalformedPayloadError that never echoes the payload", async () => {
    const { z } = await import("zod");
    const { parseVendorPayload } = await import("../../src/runtime/vendor-payload.js");
    const schema = z.object({ id: z.string() });
    expect(parseVendorPayload(schema, { id: "A" }, { supplier: "demo", what: "order" })).toEqual({ id: "A" });
    let caught: unknown;
    try {
      parseVendorPayload(
        schema,
        { pin: "SECRET-PIN-1234" },
        { supplier: "demo", what: "order", merchantOrderId: "M1" },
      );
    } catch (error) {
      caught = error;
    }
    expect(MalformedPayloadError.isInstance(caught)).toBe(true);
    expect((caught as MalformedPayloadError).failureClass).toBe("sent_no_answer");
    expect(JSON.stringify(caught)).not.toContain("SECRET-PIN");
    expect((caught as Error).message).toBe("demo: the order in the answer does not have the expected fields");
  });
});
