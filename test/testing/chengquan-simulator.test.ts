import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { aesDecryptBase64 } from "../../src/runtime/aes.js";
import { canonicalize, md5Hex } from "../../src/runtime/signing.js";
import { createChengquanSimulator } from "../../src/testing/chengquan-simulator.js";
import {
  CHENGQUAN_SIMULATOR_APP_ID,
  CHENGQUAN_SIMULATOR_APP_KEY,
} from "../../src/testing/chengquan-simulator-catalogue.js";
import {
  chengquanSign,
  chengquanSignatureBase,
  encodeChengquanParameters,
  parseChengquanParameters,
  verifyChengquanSign,
} from "../../src/testing/chengquan-simulator-signature.js";
import type {
  ChengquanSimulator,
  ChengquanSimulatorOptions,
} from "../../src/testing/chengquan-simulator-types.js";

const PASSWORD_GOODS = "10010001"; // PASSWORD, 19.80 元, 100 in stock
const NUMBER_PASSWORD_GOODS = "10010002"; // NUMBER_PASSWORD, 168.00 元, 5 in stock
const LINK_GOODS = "10020001"; // LINK, 23.50 元
const PHONE = "13800138000";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startSimulator(options: ChengquanSimulatorOptions = {}): Promise<ChengquanSimulator> {
  const sim = createChengquanSimulator(options);
  await sim.start();
  cleanups.push(() => sim.close());
  return sim;
}

/**
 * The signature written once more, by hand, from the vendor description — independent of the
 * simulator's signer, so that every HTTP test cross-checks the simulator's verification.
 */
function signByHand(params: Record<string, string>, appKey: string): string {
  const base = Object.keys(params)
    .filter((key) => key !== "sign" && params[key] !== "")
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join("&");
  return createHash("md5").update(`${base}&key=${appKey}`, "utf8").digest("hex").toUpperCase();
}

interface Envelope {
  code: number;
  message: string;
  // biome-ignore lint/suspicious/noExplicitAny: vendor JSON, inspected field by field in the assertions
  data: any;
}

interface CallOptions {
  appId?: string;
  appKey?: string;
  timestamp?: number | string;
  /** Replaces the computed sign. */
  sign?: string;
}

function signedQuery(
  sim: ChengquanSimulator,
  business: Record<string, string>,
  options: CallOptions = {},
): string {
  const params: Record<string, string> = {
    ...business,
    app_id: options.appId ?? sim.appId,
    timestamp: String(options.timestamp ?? Date.now()),
  };
  params.sign = options.sign ?? signByHand(params, options.appKey ?? sim.appKey);
  return new URLSearchParams(params).toString();
}

async function getRaw(sim: ChengquanSimulator, path: string, query: string): Promise<Envelope> {
  const response = await fetch(`${sim.url}${path}?${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  return (await response.json()) as Envelope;
}

async function call(
  sim: ChengquanSimulator,
  path: string,
  business: Record<string, string> = {},
  options: CallOptions = {},
): Promise<Envelope> {
  return getRaw(sim, path, signedQuery(sim, business, options));
}

function telPay(sim: ChengquanSimulator, orderNo: string, extra: Record<string, string> = {}) {
  return call(sim, "order/tel/pay", { order_no: orderNo, recharge_number: PHONE, price: "5000", ...extra });
}

function couponPay(sim: ChengquanSimulator, orderNo: string, goodsNo = PASSWORD_GOODS, count = 1) {
  return call(sim, "coupon/order/pay", { user_order_no: orderNo, goods_no: goodsNo, count: String(count) });
}

function decrypt(sim: ChengquanSimulator, ciphertext: string): string {
  return aesDecryptBase64(ciphertext, { mode: "cbc", key: sim.aesKey, iv: sim.aesIv });
}

interface Receiver {
  url: string;
  received: Array<{ body: string; contentType: string; fields: Record<string, string> }>;
}

/** A merchant callback endpoint on loopback; answers `replies` in turn, then `success`. */
async function startReceiver(replies: string[] = []): Promise<Receiver> {
  const received: Receiver["received"] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({
        body,
        contentType: request.headers["content-type"] ?? "",
        fields: Object.fromEntries(new URLSearchParams(body)),
      });
      response.end(replies.shift() ?? "success");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/chengquan/notify`, received };
}

describe("Chengquan signature", () => {
  it("reproduces the vendor's golden vectors (SignTest.php, AESTest.php)", () => {
    // javareact/chengquan-openapi tests/SignTest.php: a signed 话费 callback. The test-environment
    // APP_KEY, AES key and IV are published in public integration code (a Java demo).
    const testEnvironmentKey = "0BE0C9FEE504983B285B9407CB9C85D9";
    const callback = {
      order_no: "1578471536",
      sign: "9FA0E855DB258C1CBA8DFD7DC79A4C06",
      state: "SUCCESS",
      app_id: "15020190001",
      timestamp: "1578471759938",
    };
    expect(chengquanSignatureBase(callback, testEnvironmentKey)).toBe(
      "app_id=15020190001&order_no=1578471536&state=SUCCESS&timestamp=1578471759938&key=0BE0C9FEE504983B285B9407CB9C85D9",
    );
    expect(chengquanSign(callback, testEnvironmentKey)).toBe(callback.sign);
    expect(verifyChengquanSign(callback, testEnvironmentKey)).toBe(true);
    expect(verifyChengquanSign({ ...callback, state: "FAILURE" }, testEnvironmentKey)).toBe(false);
    expect(verifyChengquanSign({ ...callback, sign: callback.sign.toLowerCase() }, testEnvironmentKey)).toBe(
      false,
    );

    // tests/AESTest.php: AES-128-CBC with the 16-character key and IV as UTF-8 bytes.
    const plain = aesDecryptBase64("2SilothZONRO6H/W/j34DPs3C7zoFW58Hp1q7iskXmhuexmPudtdf0IohvKCuFrG", {
      mode: "cbc",
      key: Buffer.from("7UpyiWxTijDqxYu6", "utf8"),
      iv: Buffer.from("ifGOeBnEUUe2xo8Q", "utf8"),
    });
    expect(plain).toBe("1ac5ec57-d5e5-4f92-8089-71d5aeeec346");
  });

  it("sorts by key bytes, skips empty values, keeps '0', and appends &key= even alone", () => {
    expect(
      chengquanSignatureBase({ b: "2", a: "1", c: "", d: null, e: undefined, f: "0", sign: "X" }, "K"),
    ).toBe("a=1&b=2&f=0&key=K");
    expect(chengquanSignatureBase({}, "K")).toBe("&key=K");
    expect(chengquanSign({}, "K")).toBe(md5Hex("&key=K").toUpperCase());
    // UTF-8 byte order (PHP strcmp), not UTF-16: U+FF61 sorts before U+1F600 in bytes.
    expect(chengquanSignatureBase({ "\u{1F600}": "x", "\u{FF61}": "y" }, "K")).toBe(
      "\u{FF61}=y&\u{1F600}=x&key=K",
    );
    expect(chengquanSign({ a: "1" }, "K")).toMatch(/^[0-9A-F]{32}$/);
    expect(verifyChengquanSign({ a: "1" }, "K")).toBe(false);
    expect(verifyChengquanSign({ a: "1", sign: "" }, "K")).toBe(false);
    expect(verifyChengquanSign({ a: "1", sign: "short" }, "K")).toBe(false);
  });

  it("decodes parameters form-style: + is a space, %2B is a plus, last value wins", () => {
    expect(parseChengquanParameters("?a=1+2&b=1%2B2&c=%E4%B8%AD%E6%96%87&d=x&d=y&e=")).toEqual({
      a: "1 2",
      b: "1+2",
      c: "中文",
      d: "y",
      e: "",
    });
    expect(encodeChengquanParameters({ a: "1 2+3", b: "中", c: null, d: "" })).toBe(
      "a=1+2%2B3&b=%E4%B8%AD&d=",
    );
  });

  it("property: what the signer signs verifies after a URL round-trip; a one-character change does not", () => {
    const characters = [
      "a",
      "Z",
      "0",
      "9",
      "+",
      "%",
      "%2B",
      " ",
      "&",
      "=",
      "中",
      "文",
      "é",
      "😀",
      "/",
      "~",
      ".",
      "?",
    ];
    const value = fc.array(fc.constantFrom(...characters), { maxLength: 8 }).map((parts) => parts.join(""));
    const key = fc
      .array(fc.constantFrom("a", "b", "z", "_", "1", "中", "K"), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.join(""))
      .filter((name) => name !== "sign");
    const replacement = fc.constantFrom("a", "b", "+", " ", "%", "中", "1");
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 8 }),
        fc.nat(),
        replacement,
        (params, pick, substitute) => {
          const signed = { ...params, sign: chengquanSign(params, CHENGQUAN_SIMULATOR_APP_KEY) };
          const received = parseChengquanParameters(encodeChengquanParameters(signed));
          expect(received).toEqual(signed);
          expect(verifyChengquanSign(received, CHENGQUAN_SIMULATOR_APP_KEY)).toBe(true);
          // The runtime's canonicalizer agrees where JavaScript's sort order equals byte order (ASCII keys).
          if (Object.keys(params).every((name) => /^[\x20-\x7e]*$/.test(name))) {
            expect(md5Hex(`${canonicalize(params)}&key=${CHENGQUAN_SIMULATOR_APP_KEY}`).toUpperCase()).toBe(
              signed.sign,
            );
          }
          const nonEmpty = Object.keys(params).filter((name) => (params[name] ?? "") !== "");
          if (nonEmpty.length === 0) return;
          const target = nonEmpty[pick % nonEmpty.length]!;
          const characters = [...(received[target] ?? "")];
          const index = pick % characters.length;
          if (characters[index] === substitute) return;
          characters[index] = substitute;
          const tampered = { ...received, [target]: characters.join("") };
          expect(verifyChengquanSign(tampered, CHENGQUAN_SIMULATOR_APP_KEY)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("Chengquan simulator: transport and authentication", () => {
  it("answers a signed GET with the 7000 envelope; the balance is shown in 元", async () => {
    const sim = await startSimulator();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(sim.appId).toBe(CHENGQUAN_SIMULATOR_APP_ID);
    expect(sim.aesKey).toHaveLength(16);
    expect(sim.aesIv).toHaveLength(16);
    const answer = await call(sim, "user/balance/get");
    expect(answer).toEqual({ code: 7000, message: "请求通过", data: { app_id: sim.appId, balance: 10000 } });
    const [record] = sim.requests("user/balance/get");
    expect(record).toMatchObject({
      path: "user/balance/get",
      httpMethod: "GET",
      signatureValid: true,
      code: 7000,
    });
    expect(sim.balance()).toBe(1_000_000);
  });

  it("verifies values with +, %2B, spaces, % and Chinese after URL decoding", async () => {
    const sim = await startSimulator();
    const remark = "a+b c%2B 中文 100%";
    expect((await call(sim, "user/balance/get", { remark })).code).toBe(7000);
    expect(sim.requests().at(-1)!.params.remark).toBe(remark);

    // Hand-encoded with %20 spaces (RFC 3986) instead of +: still the same decoded values.
    const params: Record<string, string> = { remark, app_id: sim.appId, timestamp: String(Date.now()) };
    params.sign = signByHand(params, sim.appKey);
    const rfc3986 = Object.entries(params)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join("&");
    expect((await getRaw(sim, "user/balance/get", rfc3986)).code).toBe(7000);

    // A raw, unencoded + meant as a plus sign reads as a space and breaks the signature (F5).
    const plus: Record<string, string> = { remark: "1+1", app_id: sim.appId, timestamp: String(Date.now()) };
    plus.sign = signByHand(plus, sim.appKey);
    const broken = `remark=1+1&app_id=${sim.appId}&timestamp=${plus.timestamp}&sign=${plus.sign}`;
    expect((await getRaw(sim, "user/balance/get", broken)).code).toBe(7005);
    expect(sim.requests().at(-1)).toMatchObject({ signatureValid: false, code: 7005 });
  });

  it("skips empty parameters in the signature but still receives them", async () => {
    const sim = await startSimulator();
    const params: Record<string, string> = { mobile: "", app_id: sim.appId, timestamp: String(Date.now()) };
    params.sign = signByHand(params, sim.appKey); // signByHand skips the empty mobile
    expect((await getRaw(sim, "user/balance/get", new URLSearchParams(params).toString())).code).toBe(7000);
    expect(sim.requests().at(-1)!.params).toHaveProperty("mobile", "");
  });

  it("refuses a bad sign (7005), an unknown app_id (7003), missing or stale timestamps (7001, 7002)", async () => {
    const sim = await startSimulator();
    expect((await call(sim, "user/balance/get", {}, { appKey: "WRONGKEY" })).code).toBe(7005);
    const lower = signByHand({ app_id: sim.appId, timestamp: "1700000000000" }, sim.appKey).toLowerCase();
    expect((await call(sim, "user/balance/get", {}, { timestamp: "1700000000000", sign: lower })).code).toBe(
      7005,
    );
    expect((await call(sim, "user/balance/get", {}, { appId: "19999999999" })).code).toBe(7003);
    expect((await call(sim, "user/balance/get", {}, { timestamp: "yesterday" })).code).toBe(7001);
    expect((await call(sim, "user/balance/get", {}, { timestamp: Date.now() - 10 * 60_000 })).code).toBe(
      7002,
    );
    const noSign = new URLSearchParams({ app_id: sim.appId, timestamp: String(Date.now()) }).toString();
    expect((await getRaw(sim, "user/balance/get", noSign)).code).toBe(7001);
    expect(sim.requests().every((record) => record.code !== 7000)).toBe(true);
    const failed = await call(sim, "user/balance/get", {}, { appKey: "WRONGKEY" });
    expect(failed).toEqual({ code: 7005, message: "签名错误", data: null });
  });

  it("serves only GET by default, 404s unknown paths, and tolerates a doubled slash", async () => {
    const sim = await startSimulator();
    const query = signedQuery(sim, {});
    const post = await fetch(`${sim.url}user/balance/get`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: query,
    });
    expect(post.status).toBe(405);
    expect((await fetch(`${sim.url}order/nothing?${query}`)).status).toBe(404);
    expect((await getRaw(sim, "/user/balance/get", query)).code).toBe(7000);

    const lenient = await startSimulator({ httpMethods: ["GET", "POST"] });
    const form = await fetch(`${lenient.url}user/balance/get`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: signedQuery(lenient, {}),
    });
    expect(((await form.json()) as Envelope).code).toBe(7000);
  });

  it("lists brands, goods (prices in 元), stock and notes", async () => {
    const sim = await startSimulator();
    const types = await call(sim, "coupon/type/list");
    expect(types.data).toEqual([
      { goods_type_id: 101, goods_type_name: "云影视频", sell_status: 1 },
      { goods_type_id: 102, goods_type_name: "星海咖啡", sell_status: 1 },
    ]);
    const goods = await call(sim, "coupon/type/goods/list", { goods_type_id: "101" });
    expect(goods.data).toEqual([
      expect.objectContaining({
        goods_no: PASSWORD_GOODS,
        price: 19.8,
        official_price: 25,
        goods_type_id: 101,
      }),
      expect.objectContaining({ goods_no: NUMBER_PASSWORD_GOODS, price: 168, official_price: 198 }),
    ]);
    expect((await call(sim, "coupon/type/goods/list", { goods_type_id: "999" })).code).toBe(7008);
    const stock = await call(sim, "coupon/goods/stock", { goods_no: NUMBER_PASSWORD_GOODS });
    expect(stock.data).toEqual({
      name: "云影视频 黄金会员年卡",
      goods_no: NUMBER_PASSWORD_GOODS,
      stock_num: 5,
    });
    const notes = await call(sim, "coupon/goods/notes", { goods_no: PASSWORD_GOODS });
    expect(typeof notes.data).toBe("string");
    expect(notes.data).toContain("兑换");

    const inFen = await startSimulator({ goodsPriceUnit: "fen" });
    const fen = await call(inFen, "coupon/type/goods/list", { goods_type_id: "102" });
    expect(fen.data[0]).toMatchObject({ price: 2350, official_price: 3000 });
  });
});

describe("Chengquan simulator: orders", () => {
  it("settles a phone order; balance moves in 分 and consume_amount shows 元", async () => {
    const sim = await startSimulator();
    const placed = await telPay(sim, "TEL-001");
    expect(placed.code).toBe(7000);
    expect(placed.data).toMatchObject({
      app_id: sim.appId,
      order_no: "TEL-001",
      recharge_number: PHONE,
      state: "RECHARGE",
      consume_amount: 49.8,
    });
    expect(placed.data.end_time).toBe(placed.data.start_time);
    expect(sim.balance()).toBe(1_000_000 - 4980);
    await sim.idle();
    const queried = await call(sim, "order/get", { order_no: "TEL-001" });
    expect(queried.data).toMatchObject({ order_no: "TEL-001", state: "SUCCESS", consume_amount: 49.8 });
    expect(queried.data.start_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(sim.orders()).toEqual([
      expect.objectContaining({
        kind: "tel",
        orderNo: "TEL-001",
        state: "SUCCESS",
        faceValue: 5000,
        cost: 4980,
      }),
    ]);
    expect((await call(sim, "user/balance/get")).data.balance).toBe(9950.2);
  });

  it("refunds a failed order and refuses bad phone numbers, denominations and low balances", async () => {
    const sim = await startSimulator({ balance: 6000 });
    expect((await telPay(sim, "TEL-fail-1")).code).toBe(7000);
    expect(sim.balance()).toBe(1020);
    await sim.idle();
    expect((await call(sim, "order/get", { order_no: "TEL-fail-1" })).data.state).toBe("FAILURE");
    expect(sim.balance()).toBe(6000);

    expect((await telPay(sim, "TEL-002", { recharge_number: "12345" })).code).toBe(7007);
    expect((await telPay(sim, "TEL-003", { price: "3000" })).code).toBe(7008);
    expect((await telPay(sim, "TEL-004", { price: "10000" })).code).toBe(7014);
    expect((await telPay(sim, "X".repeat(33))).code).toBe(7001);
    expect((await call(sim, "order/get", { order_no: "TEL-404" })).code).toBe(7016);
    expect(sim.orders()).toHaveLength(1);
    expect(sim.balance()).toBe(6000);
  });

  it("places a direct charge with version 1.1.0 and amount units", async () => {
    const sim = await startSimulator();
    const base = { order_no: "DC-001", recharge_number: "player-42", product_id: "20001", amount: "3" };
    expect((await call(sim, "order/directCharge", base)).code).toBe(7001); // no version
    const placed = await call(sim, "order/directCharge", { ...base, version: "1.1.0" });
    expect(placed.data).toMatchObject({ order_no: "DC-001", state: "RECHARGE", consume_amount: 17.1 });
    expect(sim.balance()).toBe(1_000_000 - 1710);
    const qq = {
      order_no: "DC-002",
      recharge_number: "10001",
      product_id: "20002",
      amount: "1",
      version: "1.1.0",
    };
    expect((await call(sim, "order/directCharge", qq)).code).toBe(7001); // needs ip
    expect((await call(sim, "order/directCharge", { ...qq, ip: "203.0.113.7" })).code).toBe(7000);
    expect(
      (
        await call(sim, "order/directCharge", {
          ...base,
          order_no: "DC-3",
          version: "1.1.0",
          product_id: "9",
        })
      ).code,
    ).toBe(7008);
    const invalid = { ...base, order_no: "DC-4", recharge_number: "invalid-1", version: "1.1.0" };
    expect((await call(sim, "order/directCharge", invalid)).code).toBe(7001);
    await sim.idle();
    expect((await call(sim, "order/get", { order_no: "DC-001" })).data.state).toBe("SUCCESS");
  });

  it("delivers coupon codes AES-128-CBC encrypted, only once delivered, and decrementing stock", async () => {
    const sim = await startSimulator();
    const placed = await couponPay(sim, "CP-001", PASSWORD_GOODS, 2);
    expect(placed.code).toBe(7000);
    expect(placed.data).toHaveLength(2);
    expect(placed.data[0]).toMatchObject({
      user_order_no: "CP-001",
      state: "RECHARGE",
      price: 19.8,
      goods_no: PASSWORD_GOODS,
      goods_type: "PASSWORD",
      goods_password: "",
      goods_number: "",
      goods_link: "",
    });
    expect(sim.stock(PASSWORD_GOODS)).toBe(98);
    expect(sim.balance()).toBe(1_000_000 - 3960);
    await sim.idle();

    const queried = await call(sim, "coupon/order/query", { user_order_no: "CP-001" });
    const [order] = sim.orders();
    expect(order).toMatchObject({ kind: "coupon", state: "SUCCESS", count: 2, cost: 3960 });
    expect(queried.data).toHaveLength(2);
    queried.data.forEach((item: Record<string, unknown>, index: number) => {
      expect(item.state).toBe("SUCCESS");
      expect(item.order_no).toBe(order!.platformOrderNo);
      expect(item.goods_number).toBe("");
      expect(item.goods_password).not.toBe(order!.cards[index]!.password);
      expect(decrypt(sim, item.goods_password as string)).toBe(order!.cards[index]!.password);
      expect(item.effective_time).toBe(order!.cards[index]!.effectiveTime);
    });
    expect(order!.cards[0]!.password).not.toBe(order!.cards[1]!.password);

    await couponPay(sim, "CP-002", NUMBER_PASSWORD_GOODS);
    await couponPay(sim, "CP-003", LINK_GOODS);
    await sim.idle();
    const numbered = (await call(sim, "coupon/order/query", { user_order_no: "CP-002" })).data[0];
    const card = sim.order("CP-002")!.cards[0]!;
    expect(decrypt(sim, numbered.goods_number)).toBe(card.number);
    expect(decrypt(sim, numbered.goods_password)).toBe(card.password);
    const linked = (await call(sim, "coupon/order/query", { user_order_no: "CP-003" })).data[0];
    expect(decrypt(sim, linked.goods_link)).toBe(sim.order("CP-003")!.cards[0]!.link);
    expect(linked.goods_password).toBe("");
  });

  it("uses the configured AES key and IV", async () => {
    const key = Buffer.from("0123456789abcdef", "utf8");
    const sim = await startSimulator({ aesKey: key, aesIv: "fedcba9876543210", syncCouponDelivery: true });
    const placed = await couponPay(sim, "CP-SYNC");
    // Synchronous delivery: the pay answer already carries the code.
    expect(placed.data[0].state).toBe("SUCCESS");
    const plain = aesDecryptBase64(placed.data[0].goods_password, {
      mode: "cbc",
      key,
      iv: Buffer.from("fedcba9876543210"),
    });
    expect(plain).toBe(sim.order("CP-SYNC")!.cards[0]!.password);
    expect(() => createChengquanSimulator({ aesKey: "short" })).toThrow(/16 bytes/);
  });

  it("refuses out-of-stock and off-sale goods; a failed coupon order returns stock and money", async () => {
    const sim = await startSimulator({
      catalogue: {
        couponTypes: [{ goodsTypeId: 1, name: "测试品牌" }],
        couponGoods: [
          { goodsNo: "G1", name: "测试券", goodsTypeId: 1, price: 100, stock: 2 },
          { goodsNo: "G2", name: "下架券", goodsTypeId: 1, price: 100, sellStatus: 0 },
        ],
        phoneDenominations: [],
        directProducts: [],
      },
    });
    expect((await couponPay(sim, "A", "G1", 3)).code).toBe(7019);
    expect((await couponPay(sim, "B", "G1", 2)).code).toBe(7000);
    expect(sim.stock("G1")).toBe(0);
    expect((await couponPay(sim, "C", "G1", 1)).code).toBe(7019);
    expect((await couponPay(sim, "D", "G2", 1)).code).toBe(7009);
    expect((await couponPay(sim, "E", "NOPE", 1)).code).toBe(7008);
    expect((await couponPay(sim, "F", "G1", 51)).code).toBe(7001);
    sim.setStock("G1", 1);
    expect((await couponPay(sim, "G-fail", "G1", 1)).code).toBe(7000);
    expect(sim.stock("G1")).toBe(0);
    await sim.idle();
    expect(sim.stock("G1")).toBe(1);
    expect(sim.order("G-fail")).toMatchObject({ state: "FAILURE", cards: [] });
    expect(sim.balance()).toBe(1_000_000 - 200);
    expect(sim.orders().map((order) => order.orderNo)).toEqual(["B", "G-fail"]);
  });

  it("refuses a re-sent order number with 7012 and keeps one order, debited once", async () => {
    const sim = await startSimulator();
    expect((await telPay(sim, "DUP-1")).code).toBe(7000);
    expect(await telPay(sim, "DUP-1")).toEqual({ code: 7012, message: "请求订单号已存在", data: null });
    expect((await couponPay(sim, "DUP-2")).code).toBe(7000);
    expect((await couponPay(sim, "DUP-2")).code).toBe(7012);
    expect(sim.orders()).toHaveLength(2);
    expect(sim.balance()).toBe(1_000_000 - 4980 - 1980);
    expect(sim.stock(PASSWORD_GOODS)).toBe(99);
  });

  it("keeps orders processing with autoSettle off; completeOrder, setPrice and setRawOrderState", async () => {
    const sim = await startSimulator({ autoSettle: false });
    sim.setPrice({ faceValue: 5000 }, 4900);
    sim.setPrice({ goodsNo: PASSWORD_GOODS }, 1000);
    await telPay(sim, "MAN-1");
    await couponPay(sim, "MAN-2");
    await sim.idle();
    expect(sim.orders().map((order) => [order.state, order.cost])).toEqual([
      ["RECHARGE", 4900],
      ["RECHARGE", 1000],
    ]);
    expect(sim.completeOrder("MAN-2", "success").cards).toHaveLength(1);
    expect(sim.completeOrder("MAN-1", "failed").state).toBe("FAILURE");
    expect(() => sim.completeOrder("MAN-1", "success")).toThrow(RangeError);
    expect(sim.balance()).toBe(1_000_000 - 1000);
    sim.setRawOrderState("MAN-1", "REFUND");
    expect((await call(sim, "order/get", { order_no: "MAN-1" })).data.state).toBe("REFUND");
    sim.setRawOrderState("MAN-1", undefined);
    expect((await call(sim, "order/get", { order_no: "MAN-1" })).data.state).toBe("FAILURE");

    await telPay(sim, "MAN-3");
    sim.setAutoSettle(true);
    await sim.idle();
    expect(sim.order("MAN-3")!.state).toBe("SUCCESS");
  });
});

describe("Chengquan simulator: scripted faults", () => {
  it("commit-then-drop leaves exactly one order, found by query, and a re-send is refused", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "commit-then-drop", method: "order/tel/pay" });
    await expect(telPay(sim, "DROP-1")).rejects.toThrow();
    expect(sim.orders()).toHaveLength(1);
    expect(sim.requests("order/tel/pay")[0]).toMatchObject({ fault: "commit-then-drop", code: 7000 });
    expect(sim.requests("order/tel/pay")[0]!.httpStatus).toBeUndefined();
    expect((await call(sim, "order/get", { order_no: "DROP-1" })).code).toBe(7000);
    expect((await telPay(sim, "DROP-1")).code).toBe(7012);
    expect(sim.orders()).toHaveLength(1);
    expect(sim.balance()).toBe(1_000_000 - 4980);
  });

  it("drop-before-commit and gateway failures commit nothing", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "drop-before-commit" });
    await expect(telPay(sim, "F-1")).rejects.toThrow();

    sim.injectFault({ kind: "http-500" });
    const query = signedQuery(sim, { order_no: "F-2", recharge_number: PHONE, price: "5000" });
    const failed = await fetch(`${sim.url}order/tel/pay?${query}`);
    expect(failed.status).toBe(500);
    await failed.text();

    sim.injectFault({ kind: "html-gateway", orderNo: "F-3" });
    const gateway = await fetch(
      `${sim.url}order/tel/pay?${signedQuery(sim, { order_no: "F-3", recharge_number: PHONE, price: "5000" })}`,
    );
    expect(gateway.status).toBe(502);
    expect(await gateway.text()).toContain("502 Bad Gateway");

    sim.injectFault({ kind: "rate-limit" });
    const limited = await fetch(
      `${sim.url}order/tel/pay?${signedQuery(sim, { order_no: "F-4", recharge_number: PHONE, price: "5000" })}`,
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(await limited.json()).toEqual({ code: 7999, message: "请求过于频繁，请稍后再试", data: null });

    sim.injectFault({ kind: "vendor-error", code: 7013, message: "请求订单入库异常" });
    expect(await telPay(sim, "F-5")).toEqual({ code: 7013, message: "请求订单入库异常", data: null });

    expect(sim.orders()).toEqual([]);
    expect(sim.balance()).toBe(1_000_000);
    expect(sim.pendingFaults()).toEqual([]);
  });

  it("system-error and malformed-json commit the order but hide the answer", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "system-error", method: "coupon/order/pay" });
    expect(await couponPay(sim, "SYS-1")).toEqual({ code: 7777, message: "系统异常", data: null });
    expect(sim.order("SYS-1")).toBeDefined();

    sim.injectFault({ kind: "malformed-json" });
    const response = await fetch(
      `${sim.url}order/tel/pay?${signedQuery(sim, { order_no: "MAL-1", recharge_number: PHONE, price: "5000" })}`,
    );
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(sim.orders().map((order) => order.orderNo)).toEqual(["SYS-1", "MAL-1"]);
  });

  it("delay commits at once and answers after the delay", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "delay", delayMs: 50, method: "order/tel/pay" });
    const pending = telPay(sim, "SLOW-1");
    const answer = await pending;
    expect(answer.code).toBe(7000);
    expect(sim.requests("order/tel/pay")[0]!.fault).toBe("delay");
    expect(sim.orders()).toHaveLength(1);
  });

  it("close() cancels a held answer, pending settles and callback retries", async () => {
    const sim = createChengquanSimulator({ settleAfterMs: 60_000 });
    await sim.start();
    cleanups.push(() => sim.close());
    sim.injectFault({ kind: "delay", delayMs: 60_000, method: "order/tel/pay" });
    const held = telPay(sim, "HELD-1");
    await expect.poll(() => sim.orders().length).toBe(1);
    await sim.close();
    await expect(held).rejects.toThrow();
    await sim.idle();
    expect(sim.order("HELD-1")!.state).toBe("RECHARGE");
    await expect(sim.start()).rejects.toThrow(/closed/);
  });

  it("not-found-until answers 7016 for an existing order until N queries passed", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "not-found-until", queries: 2 });
    await couponPay(sim, "LAG-1");
    expect((await call(sim, "coupon/order/query", { user_order_no: "LAG-1" })).code).toBe(7016);
    expect((await call(sim, "coupon/order/query", { user_order_no: "LAG-1" })).code).toBe(7016);
    expect((await call(sim, "coupon/order/query", { user_order_no: "LAG-1" })).code).toBe(7000);

    await telPay(sim, "LAG-2");
    sim.injectFault({ kind: "not-found-until", orderNo: "LAG-2", queries: 1 });
    expect((await call(sim, "order/get", { order_no: "LAG-2" })).code).toBe(7016);
    expect((await call(sim, "order/get", { order_no: "LAG-2" })).code).toBe(7000);
  });

  it("empty-card-code delivers SUCCESS with empty secrets (F24)", async () => {
    const sim = await startSimulator();
    sim.injectFault({ kind: "empty-card-code", orderNo: "EMPTY-1" });
    sim.injectFault({ kind: "empty-card-code", orderNo: "EMPTY-2", emptyAs: "null" });
    sim.injectFault({ kind: "empty-card-code", orderNo: "EMPTY-3", emptyAs: "encrypted-empty" });
    await couponPay(sim, "EMPTY-1", NUMBER_PASSWORD_GOODS);
    await couponPay(sim, "EMPTY-2");
    await couponPay(sim, "EMPTY-3");
    await couponPay(sim, "FULL-1");
    await sim.idle();

    const first = (await call(sim, "coupon/order/query", { user_order_no: "EMPTY-1" })).data[0];
    expect(first).toMatchObject({ state: "SUCCESS", goods_number: "", goods_password: "" });
    expect(sim.order("EMPTY-1")!.cards[0]).toMatchObject({ number: "", password: "" });
    const second = (await call(sim, "coupon/order/query", { user_order_no: "EMPTY-2" })).data[0];
    expect(second).toMatchObject({ state: "SUCCESS", goods_password: null });
    const third = (await call(sim, "coupon/order/query", { user_order_no: "EMPTY-3" })).data[0];
    expect(third.state).toBe("SUCCESS");
    expect(third.goods_password).not.toBe("");
    expect(decrypt(sim, third.goods_password)).toBe("");
    const full = (await call(sim, "coupon/order/query", { user_order_no: "FULL-1" })).data[0];
    expect(decrypt(sim, full.goods_password)).not.toBe("");
  });

  it("rejects unknown fault kinds and bad parameters", () => {
    const sim = createChengquanSimulator();
    // @ts-expect-error an unknown kind
    expect(() => sim.injectFault({ kind: "meteor" })).toThrow(RangeError);
    expect(() => sim.injectFault({ kind: "delay", delayMs: -1 })).toThrow(RangeError);
    expect(() => sim.injectFault({ kind: "not-found-until", queries: 1.5 })).toThrow(RangeError);
    expect(() => sim.injectFault({ kind: "delay", times: 0 })).toThrow(RangeError);
    expect(sim.pendingFaults()).toEqual([]);
  });
});

describe("Chengquan simulator: callbacks", () => {
  function verifyCallback(fields: Record<string, string>, appKey: string): boolean {
    return fields.sign === signByHand(fields, appKey);
  }

  it("posts a signed form callback to notify_url and retries until acknowledged", async () => {
    const sim = await startSimulator();
    const receiver = await startReceiver(["fail", "FAIL"]);
    await telPay(sim, "CB-1", { notify_url: receiver.url });
    await sim.idle();
    expect(receiver.received).toHaveLength(3);
    const [first] = receiver.received;
    expect(first!.contentType).toBe("application/x-www-form-urlencoded");
    expect(Object.keys(first!.fields).sort()).toEqual(["app_id", "order_no", "sign", "state", "timestamp"]);
    expect(first!.fields).toMatchObject({ app_id: sim.appId, order_no: "CB-1", state: "SUCCESS" });
    expect(first!.fields.timestamp).toMatch(/^\d{13}$/);
    expect(verifyCallback(first!.fields, sim.appKey)).toBe(true);
    expect(verifyChengquanSign(first!.fields, sim.appKey)).toBe(true);
    expect(
      sim.callbacks("CB-1").map((attempt) => [attempt.attempt, attempt.reply, attempt.acknowledged]),
    ).toEqual([
      [1, "fail", false],
      [2, "FAIL", false],
      [3, "success", true],
    ]);
  });

  it("gives up after callbackAttempts and honours a custom ack", async () => {
    const sim = await startSimulator({ callbackAttempts: 2, callbackAck: "OK" });
    const receiver = await startReceiver(["success", "success", "OK"]);
    await telPay(sim, "CB-2", { notify_url: receiver.url });
    await sim.idle();
    expect(receiver.received).toHaveLength(2);
    expect(sim.callbacks().every((attempt) => !attempt.acknowledged)).toBe(true);
  });

  it("sends the refund state of a failed order, and coupon callbacks only to callbackUrl (extended fields)", async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ callbackUrl: receiver.url, callbackFields: "extended" });
    await telPay(sim, "CB-fail-3", { notify_url: "http://127.0.0.1:9/never" });
    await couponPay(sim, "CB-4", PASSWORD_GOODS, 2);
    await sim.idle();
    expect(receiver.received).toHaveLength(2);
    const recharge = receiver.received.find((entry) => entry.fields.order_no === "CB-fail-3")!;
    expect(recharge.fields).toMatchObject({
      state: "FAILURE",
      recharge_number: PHONE,
      consume_amount: "49.8",
    });
    expect(verifyCallback(recharge.fields, sim.appKey)).toBe(true);
    const coupon = receiver.received.find((entry) => entry.fields.user_order_no === "CB-4")!;
    expect(coupon.fields).toMatchObject({ state: "SUCCESS", goods_no: PASSWORD_GOODS, count: "2" });
    expect(coupon.fields.order_no).toBe(sim.order("CB-4")!.platformOrderNo);
    expect(verifyCallback(coupon.fields, sim.appKey)).toBe(true);
  });

  it("delivers a duplicate callback, and a stale RECHARGE callback after the final one", async () => {
    const sim = await startSimulator();
    const receiver = await startReceiver();
    sim.injectFault({ kind: "duplicate-callback", orderNo: "CB-5" });
    sim.injectFault({ kind: "out-of-order-callback", orderNo: "CB-6" });
    await telPay(sim, "CB-5", { notify_url: receiver.url });
    await telPay(sim, "CB-6", { notify_url: receiver.url });
    await sim.idle();
    const states = (orderNo: string) =>
      receiver.received
        .filter((entry) => entry.fields.order_no === orderNo)
        .map((entry) => entry.fields.state);
    expect(states("CB-5")).toEqual(["SUCCESS", "SUCCESS"]);
    expect(states("CB-6")).toEqual(["SUCCESS", "RECHARGE"]);
    expect(receiver.received.every((entry) => verifyCallback(entry.fields, sim.appKey))).toBe(true);
    expect(sim.callbacks("CB-6").map((attempt) => attempt.reason)).toEqual(["final", "stale"]);
  });

  it("pushes callbacks on demand, with overrides or a forged signature", async () => {
    const sim = await startSimulator({ autoSettle: false });
    const receiver = await startReceiver();
    await telPay(sim, "CB-7");
    await expect(sim.sendCallback("CB-7")).rejects.toThrow(/no callback URL/);
    await sim.sendCallback("CB-7", { state: "SUCCESS", extra: "中文 +" }, { url: receiver.url });
    await sim.sendCallback("CB-7", { sign: "0".repeat(32) }, { url: receiver.url });
    expect(receiver.received[0]!.fields).toMatchObject({ state: "SUCCESS", extra: "中文 +" });
    expect(verifyCallback(receiver.received[0]!.fields, sim.appKey)).toBe(true);
    expect(receiver.received[1]!.fields.state).toBe("RECHARGE");
    expect(verifyCallback(receiver.received[1]!.fields, sim.appKey)).toBe(false);
    await expect(sim.sendCallback("NOPE", {}, { url: receiver.url })).rejects.toThrow(RangeError);

    const signed = sim.signParams({ b: "2", a: "1 +", empty: "", gone: undefined });
    expect(signed.params).toEqual({ b: "2", a: "1 +", empty: "", sign: signed.sign });
    expect(signed.sign).toBe(signByHand({ a: "1 +", b: "2" }, sim.appKey));
    expect(signed.encoded).toBe(`b=2&a=1+%2B&empty=&sign=${signed.sign}`);
  });
});

describe("Chengquan simulator: signature property over HTTP", () => {
  it("accepts what signParams signs after a URL round-trip and rejects a one-character change", async () => {
    const sim = await startSimulator();
    const characters = ["a", "Z", "0", "+", "%", "%2B", " ", "&", "=", "中", "文", "😀", "#", "?"];
    const value = fc.array(fc.constantFrom(...characters), { maxLength: 6 }).map((parts) => parts.join(""));
    const key = fc
      .array(fc.constantFrom("a", "q", "x", "_", "中"), { minLength: 1, maxLength: 4 })
      .map((parts) => `p${parts.join("")}`);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }),
        fc.nat(),
        async (extra, pick) => {
          runs += 1;
          const signed = sim.signParams({ ...extra, app_id: sim.appId, timestamp: Date.now() });
          expect((await getRaw(sim, "user/balance/get", signed.encoded)).code).toBe(7000);
          expect(sim.requests().at(-1)!.signatureValid).toBe(true);
          const names = Object.keys(extra).filter((name) => (extra[name] ?? "") !== "");
          if (names.length === 0) return;
          const target = names[pick % names.length]!;
          const characters = [...(extra[target] ?? "")];
          const index = pick % characters.length;
          characters[index] = characters[index] === "b" ? "c" : "b";
          const tampered = encodeChengquanParameters({ ...signed.params, [target]: characters.join("") });
          expect((await getRaw(sim, "user/balance/get", tampered)).code).toBe(7005);
          expect(sim.requests().at(-1)!.signatureValid).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
    expect(runs).toBe(40);
  });
});
