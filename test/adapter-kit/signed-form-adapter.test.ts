import fc from "fast-check";
import { ConfigurationError, md5Hex, SignatureError, silentLogger, systemClock } from "kaquan";
import { defineSignedFormAdapter, type SignedFormAdapterSpec } from "kaquan/adapter-kit";
import { runAdapterConformance } from "kaquan/testing";
import { describe, expect, it } from "vitest";
import { startXingyunStandIn, xingyunSpec } from "../../examples/signed-form-platform.js";

const credentials = {
  merchantId: "M10001",
  secretKey: "xingyun-demo-secret-0001",
  cardKey: "0123456789abcdef",
  cardIv: "fedcba9876543210",
};

function handSign(fields: Record<string, string>): string {
  const pairs = Object.keys(fields)
    .filter((key) => key !== "sign" && fields[key] !== "")
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join("&");
  return md5Hex(`${pairs}&key=${credentials.secretKey}`).toUpperCase();
}

describe("defineSignedFormAdapter: an inconsistent spec is refused when defined, naming the field", () => {
  const broken: Array<[string, (spec: SignedFormAdapterSpec) => SignedFormAdapterSpec, RegExp]> = [
    [
      "an unknown signature recipe",
      (spec) => ({
        ...spec,
        operations: {
          ...spec.operations,
          queryOrder: { ...spec.operations.queryOrder, signature: { recipe: "nope" } },
        },
      }),
      /operations\.queryOrder\.signature\.recipe: no signature recipe named "nope"/,
    ],
    [
      "an unknown credential in an expression",
      (spec) => ({
        ...spec,
        operations: {
          ...spec.operations,
          queryOrder: { ...spec.operations.queryOrder, params: { merchant_id: "$credential.nobody" } },
        },
      }),
      /operations\.queryOrder\.params\.merchant_id: no credential named "nobody"/,
    ],
    [
      "an unknown pipe",
      (spec) => ({
        ...spec,
        operations: {
          ...spec.operations,
          queryOrder: { ...spec.operations.queryOrder, params: { id: "$merchantOrderId|base64" } },
        },
      }),
      /unknown pipe "base64"/,
    ],
    [
      "an unknown request field",
      (spec) => ({
        ...spec,
        operations: {
          ...spec.operations,
          queryOrder: { ...spec.operations.queryOrder, params: { id: "$request.colour" } },
        },
      }),
      /"\$request\.colour" is not an order request field/,
    ],
    [
      "no order operation",
      (spec) => ({ ...spec, operations: { ...spec.operations, placeOrder: {} } }),
      /operations\.placeOrder: define at least one/,
    ],
    ["a bad name", (spec) => ({ ...spec, name: "Bad Name" }), /name: name must be/],
    [
      "AES-CBC without an IV",
      (spec) => ({
        ...spec,
        order: {
          ...spec.order,
          cards: { path: "cards", password: "pwd", aes: { mode: "cbc", keyCredential: "cardKey" } },
        },
      }),
      /order\.cards\.aes\.ivCredential: AES-CBC needs an IV/,
    ],
    [
      "a key format without {key}",
      (spec) => ({
        ...spec,
        signatures: { standard: { kind: "sorted", key: { credential: "secretKey", format: "&key=" } } },
      }),
      /signatures\.standard\.key\.format/,
    ],
    [
      "an unknown field",
      (spec) => ({ ...spec, colour: "red" }) as SignedFormAdapterSpec,
      /Unrecognized key|colour/,
    ],
  ];
  for (const [name, mutate, message] of broken) {
    it(`rejects ${name}`, () => {
      let caught: unknown;
      try {
        defineSignedFormAdapter(mutate(xingyunSpec));
      } catch (error) {
        caught = error;
      }
      expect(ConfigurationError.isInstance(caught)).toBe(true);
      expect((caught as Error).message).toMatch(message);
    });
  }

  it("refuses a missing credential when the adapter is created", () => {
    const { cardIv: _missing, ...partial } = credentials;
    expect(() => defineSignedFormAdapter(xingyunSpec).create({ credentials: partial })).toThrow(
      /credentials\.cardIv is required/,
    );
  });
});

describe("a fictional platform built from a spec passes the conformance suite", () => {
  runAdapterConformance({
    name: "xingyun (signed-form spec)",
    test: it,
    async start() {
      const platform = await startXingyunStandIn();
      const adapter = defineSignedFormAdapter(xingyunSpec).create({
        credentials,
        endpoint: platform.url,
        pollIntervalMs: 20,
      });
      return {
        adapter,
        fixtures: { card: { sku: "501" }, direct: { sku: "601", account: "player-1" }, unknownSku: "999" },
        callbackFor({ merchantOrderId, status }) {
          // `memo` carries the word the conformance suite tampers with; the platform signs every field.
          const fields: Record<string, string> = {
            out_trade_no: merchantOrderId,
            trade_no: "XY1",
            state: status === "success" ? "2" : "3",
            amount: "2550",
            memo: status,
          };
          fields.sign = handSign(fields);
          return {
            body: new URLSearchParams(fields).toString(),
            headers: { "content-type": "application/x-www-form-urlencoded" },
          };
        },
        close: () => platform.close(),
      };
    },
  });
});

describe("callback signatures over all received fields (fast-check)", () => {
  const adapter = defineSignedFormAdapter(xingyunSpec).create({
    credentials,
    endpoint: "http://127.0.0.1:1/",
  });
  const context = {
    http: { send: () => Promise.reject(new Error("offline")) },
    clock: systemClock,
    logger: silentLogger,
  };
  const key = fc
    .stringMatching(/^[a-z][a-z_]{0,11}$/)
    .filter((name) => name !== "sign" && name !== "out_trade_no");
  const value = fc.oneof(
    fc.constant(""),
    fc.string({ maxLength: 12 }),
    fc.constantFrom("a+b", "a b", "%2B", "100%", "电信一区", "a&b=c", "+"),
  );
  const fields = fc.dictionary(key, value, { maxKeys: 8 });

  it("whatever the platform signs, kaquan verifies — including fields it has never heard of", async () => {
    await fc.assert(
      fc.asyncProperty(fields, async (extra) => {
        const sent: Record<string, string> = { out_trade_no: "P-1", state: "2", ...extra };
        sent.sign = handSign(sent);
        const { update } = await adapter.verifyCallback!(
          { body: new URLSearchParams(sent).toString(), headers: {} },
          context,
        );
        expect(update.merchantOrderId).toBe("P-1");
      }),
    );
  });

  it("any single-character change of a signed value is rejected", async () => {
    await fc.assert(
      fc.asyncProperty(
        fields,
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (extra, pick, replacement) => {
          const sent: Record<string, string> = { out_trade_no: "P-1", state: "2", ...extra };
          sent.sign = handSign(sent);
          const names = Object.keys(sent).filter((name) => name !== "sign" && sent[name] !== "");
          const name = names[pick % names.length]!;
          const original = sent[name]!;
          const index = pick % original.length;
          const changed = original.slice(0, index) + replacement + original.slice(index + 1);
          fc.pre(changed !== original);
          const tampered = { ...sent, [name]: changed };
          await expect(
            adapter.verifyCallback!({ body: new URLSearchParams(tampered).toString(), headers: {} }, context),
          ).rejects.toSatisfy((error) => SignatureError.isInstance(error));
        },
      ),
    );
  });
});

describe("a GBK platform", () => {
  const gbkSpec = { ...xingyunSpec, name: "xingyun-gbk", charset: "gbk" as const };
  const context = {
    http: { send: () => Promise.reject(new Error("offline")) },
    clock: systemClock,
    logger: silentLogger,
  };

  it("verifies a callback signed over GBK bytes, which a UTF-8 reading rejects", async () => {
    const { encodeForm, encodeText } = await import("../../src/runtime/charset.js");
    const fields: Record<string, string> = { out_trade_no: "G-1", state: "2", memo: "充值成功 电信一区" };
    const base = `${Object.keys(fields)
      .sort()
      .map((name) => `${name}=${fields[name]}`)
      .join("&")}&key=${credentials.secretKey}`;
    const { createHash } = await import("node:crypto");
    fields.sign = createHash("md5").update(encodeText(base, "gbk")).digest("hex").toUpperCase();
    const body = Buffer.from(encodeForm(fields, "gbk"), "latin1");
    const gbk = defineSignedFormAdapter(gbkSpec).create({ credentials, endpoint: "http://127.0.0.1:1/" });
    const { update } = await gbk.verifyCallback!({ body, headers: {} }, context);
    expect(update.merchantOrderId).toBe("G-1");
    const utf8 = defineSignedFormAdapter(xingyunSpec).create({
      credentials,
      endpoint: "http://127.0.0.1:1/",
    });
    await expect(utf8.verifyCallback!({ body, headers: {} }, context)).rejects.toSatisfy((error) =>
      SignatureError.isInstance(error),
    );
  });

  it("sends GBK-encoded parameters signed over their GBK bytes", async () => {
    const { decodeForm, encodeText } = await import("../../src/runtime/charset.js");
    const { createHash } = await import("node:crypto");
    let captured = "";
    const gbk = defineSignedFormAdapter(gbkSpec).create({ credentials, endpoint: "http://xy.test/v1/" });
    const http = {
      send: async (request: { url: string }) => {
        captured = request.url.split("?")[1] ?? "";
        const body = Buffer.from(
          JSON.stringify({
            code: "0000",
            msg: "ok",
            data: { out_trade_no: "G-2", trade_no: "T", state: "1" },
          }),
        );
        return { status: 200, headers: {}, body, text: body.toString(), durationMs: 1 };
      },
    };
    await gbk.placeOrder(
      { merchantOrderId: "G-2", kind: "direct", sku: "601", account: "玩家一号", quantity: 1 },
      { http, clock: { now: () => 1_800_000_000_000 }, logger: silentLogger },
    );
    expect(captured).toContain("account=%CD%E6%BC%D2%D2%BB%BA%C5");
    const params = decodeForm(Buffer.from(captured, "latin1"), "gbk");
    const { sign, ...rest } = params;
    const base = `${Object.keys(rest)
      .sort()
      .filter((name) => rest[name] !== "")
      .map((name) => `${name}=${rest[name]}`)
      .join("&")}&key=${credentials.secretKey}`;
    expect(sign).toBe(createHash("md5").update(encodeText(base, "gbk")).digest("hex").toUpperCase());
  });
});

describe("mappings without an id path", () => {
  it("leave the supplier order id unset instead of copying the whole answer", async () => {
    const spec = {
      ...xingyunSpec,
      callback: { ...xingyunSpec.callback!, order: { merchantOrderId: "out_trade_no", status: "state" } },
    };
    const adapter = defineSignedFormAdapter(spec).create({ credentials, endpoint: "http://127.0.0.1:1/" });
    const fields: Record<string, string> = { out_trade_no: "N-1", state: "2" };
    fields.sign = handSign(fields);
    const context = {
      http: { send: () => Promise.reject(new Error("offline")) },
      clock: systemClock,
      logger: silentLogger,
    };
    const { update } = await adapter.verifyCallback!(
      { body: new URLSearchParams(fields).toString(), headers: {} },
      context,
    );
    expect(update.supplierOrderId).toBeUndefined();
    expect(JSON.stringify(update)).not.toContain(fields.sign);
  });
});
