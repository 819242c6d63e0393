/**
 * The 橙券 Chengquan adapter (vendor-protocols.md §9): phone recharge (话费), direct recharge
 * (直充) and card/coupon codes (卡券), built from a `defineSignedFormAdapter` specification, plus
 * a thin wrapper for the few things the builder cannot express (listed at the end).
 *
 * The protocol (sources in chengquan-tables.ts):
 * - every call is a `GET` with query parameters and the public parameters `app_id`, `timestamp`
 *   (milliseconds) and `sign` [M];
 * - `sign = UPPER(md5(k=v&… sorted by key, empty values skipped, + "&key=" + APP_KEY))`, `sign`
 *   itself excluded; callbacks are verified with the same function over every received field
 *   (javareact/chengquan-openapi `verifySign`) [M];
 * - answers are `{code, message, data}`, success `7000` [M]; errors are classified by
 *   `defaultChengquanErrorTable` (system errors and unknown codes are an unknown outcome: kaquan
 *   queries, never fails);
 * - recharge orders (`order/tel/pay`, `order/directCharge`) are queried with `order/get`, coupon
 *   orders (`coupon/order/pay`) with `coupon/order/query`, whose answer is an array with one item
 *   per code; codes are AES-128-CBC + base64 with a separate 16-character key and IV [M].
 *
 * Amounts: requests carry 分 (`order/tel/pay` `price` is the face value in 分: written
 * `$request.faceValue|fen`); every answer carries 元 (`consume_amount`, `user/balance/get`
 * `balance`, the coupon items' `price`, the goods list's `price`/`official_price` [?]). The spec's
 * single `amountUnit` is therefore `yuan`, which reads every answer, and the one request amount
 * uses the `|fen` pipe. `order/directCharge` `amount` is a *count* of units (1–99999), not money:
 * it is `$request.quantity`. Only if the goods list answers in 分 (`goodsPriceUnit: "fen"`, [?])
 * does one answer differ: the catalogue is then read by a second definition whose `amountUnit` is
 * `fen` (it reads nothing else).
 *
 * Unconfirmed facts [?], each with a default and an option:
 * - the callback ack literal: `success` (`callbackAck`), as the simulator assumes;
 * - callback fields: `app_id, order_no, state, timestamp, sign` for recharge orders (the SDK's
 *   `tests/SignTest.php`) [M]; for coupon orders the merchant's number is `user_order_no` [?] —
 *   both are accepted, and every received field is signed, so added fields do not break
 *   verification;
 * - coupon orders have no `notify_url` parameter in the SDK, so none is sent for them;
 * - the processing `state` of coupon orders: `RECHARGE`, like recharge orders; anything else is
 *   `unknown` (raw value kept) and polled;
 * - the goods list's `sell_status`: `1` on sale, `0` off sale, anything else unknown;
 * - the unit of goods-list prices: 元 (`goodsPriceUnit`);
 * - a re-sent order number is refused with 7012 (`duplicateOrderId: "reject"`), so re-sending after
 *   "not found" is safe; 7016 may be propagation lag right after placing (`notFoundGraceMs`);
 * - the order-number character set: only "≤32" is documented; kaquan accepts 1–32 letters,
 *   digits, `_` and `-` (what the client accepts anyway);
 * - `mobile` of a coupon order is taken from `accountFields.contactPhone`, and `ip` of a direct
 *   order from `accountFields.customerIp` (sent only when given; Tencent products need it);
 *   `oil_phone_account` (fuel cards) is never sent;
 * - the 3-minute timestamp window (7002) is classified as an unknown outcome, because the same
 *   wording fits a vendor-side timeout.
 *
 * What the wrapper adds, because the builder cannot express it:
 * 1. coupon answers: for `LINK`/`PICTURE` goods the code is in `goods_link`, not
 *    `goods_password` (one card mapping reads one password path) — the coupon answer is
 *    normalised before the builder reads it (`goods_link` fills an empty `goods_password`); items
 *    whose states disagree get their distinct states joined (`FAILURE,SUCCESS` →
 *    `partially_succeeded`, the raw combination kept as the vendor status); the order's cost is
 *    the sum of the items' unit prices; the card `format` follows `goods_type`; `effective_time`
 *    (epoch ms) becomes an ISO expiry;
 * 2. callbacks: one callback mapping names one order-number field, so coupon callbacks
 *    (`user_order_no`) are verified by a second definition;
 * 3. the catalogue is two calls (`coupon/type/list`, then `coupon/type/goods/list` per type);
 *    the builder's catalogue is one operation, run here once per goods type;
 * 4. `count ≤ 50` of coupon orders is checked before anything is sent.
 */
import {
  defineSignedFormAdapter,
  type SignedFormAdapter,
  type SignedFormAdapterConfig,
  type SignedFormAdapterDefinition,
  type SignedFormAdapterSpec,
} from "../../src/adapter-kit/index.js";
import {
  type AdapterContext,
  ConfigurationError,
  type DuplicateOrderIdBehaviour,
  fromMinorUnits,
  type HttpResponse,
  type HttpTransport,
  money,
  type OrderUpdate,
  type Product,
  toMinorUnits,
  ValidationError,
} from "../../src/core/index.js";
import { utf8Text } from "../../src/runtime/charset.js";
import { isoTime } from "../../src/runtime/clock.js";
import { tryParseJson } from "../../src/runtime/json.js";
import { lookup } from "../../src/runtime/table-lookup.js";
import type { VendorErrorMeaning } from "../../src/runtime/vendor-errors.js";
import {
  CHENGQUAN_BASE_URL,
  CHENGQUAN_CALLBACK_ACK,
  CHENGQUAN_COUPON_MAX_COUNT,
  CHENGQUAN_DIRECT_CHARGE_VERSION,
  CHENGQUAN_TEST_BASE_URL,
  chengquanCouponStates,
  chengquanGoodsTypes,
  chengquanPaths,
  chengquanRechargeStates,
  defaultChengquanErrorTable,
} from "./chengquan-tables.js";

/** The public parameters of every call. */
const publicParams = { app_id: "$option.appId", timestamp: "$timestamp" } as const;
const signed = { signature: { recipe: "sign" } } as const;

/**
 * The state of a coupon order whose items disagree: the distinct item states, sorted and joined
 * with `,` (the wrapper writes it; see `normaliseCouponAnswer`). Some items failed while
 * the others succeeded: partial. Any item still processing: processing.
 */
export const chengquanMixedCouponStates = {
  "FAILURE,SUCCESS": "partially_succeeded",
  "RECHARGE,SUCCESS": "processing",
  "FAILURE,RECHARGE": "processing",
  "FAILURE,RECHARGE,SUCCESS": "processing",
} as const;

/** A recharge answer (`order/tel/pay`, `order/directCharge`, `order/get`): `data` is one order. */
const rechargeOrder = {
  merchantOrderId: "data.order_no",
  status: "data.state",
  cost: "data.consume_amount",
  finishedAt: "data.end_time",
} as const;

/**
 * Chengquan's protocol as a signed-form specification. Paths are read from the whole envelope
 * (`data.…`) because a coupon answer's `data` *is* the array of codes, and a card mapping's
 * `cards.path` cannot be empty. Used alone (`defineSignedFormAdapter(chengquanSpec)`), it
 * handles recharge orders, balance, stock, callbacks of recharge orders and coupons whose code is
 * in `goods_password`; `createChengquanAdapter` adds the rest (see the module comment).
 */
export const chengquanSpec = {
  name: "chengquan",
  baseUrl: { production: CHENGQUAN_BASE_URL, sandbox: CHENGQUAN_TEST_BASE_URL },
  // `app_id` is not secret, so it is an option; the AES key and IV decrypt card codes.
  credentials: ["appKey", "aesKey", "aesIv"],
  options: { appId: "", notifyUrl: "", goodsTypeId: "" },
  amountUnit: "yuan",
  timestampFormat: "unix-millis",
  merchantOrderId: {
    pattern: "^[A-Za-z0-9_-]{1,32}$",
    description: "1-32 letters, digits, _ or - (Chengquan's order numbers are at most 32 long)",
  },
  signatures: {
    // Sorted k=v&…, empty values skipped, then &key=APP_KEY, upper-case MD5 (javareact `src/Tools/Sign.php`).
    sign: {
      kind: "sorted",
      exclude: ["sign"],
      skipEmpty: true,
      key: { credential: "appKey", format: "&key={key}" },
      hash: "md5",
      letterCase: "upper",
    },
  },
  response: { codeField: "code", successCodes: [7000], messageField: "message" },
  statuses: { ...chengquanRechargeStates },
  errors: {
    codes: { ...defaultChengquanErrorTable.codes },
    messagePatterns: (defaultChengquanErrorTable.messagePatterns ?? []).map(([pattern, meaning]) => [
      pattern,
      meaning,
    ]),
  },
  operations: {
    placeOrder: {
      mobile: {
        path: chengquanPaths.telPay,
        params: {
          ...publicParams,
          order_no: "$request.merchantOrderId",
          recharge_number: "$request.account",
          // The face value in 分 (分 in requests, 元 in answers).
          price: "$request.faceValue|fen",
          notify_url: "$option.notifyUrl",
        },
        ...signed,
      },
      direct: {
        path: chengquanPaths.directCharge,
        params: {
          ...publicParams,
          order_no: "$request.merchantOrderId",
          recharge_number: "$request.account",
          product_id: "$request.sku",
          // A number of units (1-99999), not an amount of money.
          amount: "$request.quantity",
          ip: "$request.accountFields.customerIp",
          notify_url: "$option.notifyUrl",
          version: CHENGQUAN_DIRECT_CHARGE_VERSION,
        },
        ...signed,
      },
      card: {
        path: chengquanPaths.couponOrderPay,
        params: {
          ...publicParams,
          user_order_no: "$request.merchantOrderId",
          goods_no: "$request.sku",
          count: "$request.quantity",
          mobile: "$request.accountFields.contactPhone",
        },
        ...signed,
      },
    },
    queryOrder: {
      mobile: {
        path: chengquanPaths.orderGet,
        params: { ...publicParams, order_no: "$merchantOrderId" },
        ...signed,
      },
      direct: {
        path: chengquanPaths.orderGet,
        params: { ...publicParams, order_no: "$merchantOrderId" },
        ...signed,
      },
      card: {
        path: chengquanPaths.couponOrderQuery,
        params: { ...publicParams, user_order_no: "$merchantOrderId" },
        ...signed,
      },
    },
    balance: {
      path: chengquanPaths.balanceGet,
      params: { ...publicParams },
      ...signed,
      amount: "data.balance",
    },
    stock: {
      path: chengquanPaths.couponGoodsStock,
      params: { ...publicParams, goods_no: "$request.sku" },
      ...signed,
      status: "data.stock_num",
    },
  },
  extraOperations: {
    /** The goods types (brands): `[{ goods_type_id, goods_type_name, sell_status }]`. */
    couponTypes: {
      path: chengquanPaths.couponTypeList,
      params: { ...publicParams },
      ...signed,
      resultPath: "data",
    },
    /** The goods of one type: `[{ name, goods_no, price, official_price, goods_type_id, … }]`. */
    couponGoods: {
      path: chengquanPaths.couponTypeGoodsList,
      params: { ...publicParams, goods_type_id: "$input.goodsTypeId" },
      ...signed,
      resultPath: "data",
    },
    /** The usage notes (使用须知) of one goods: a string. */
    goodsNotes: {
      path: chengquanPaths.couponGoodsNotes,
      params: { ...publicParams, goods_no: "$input.goodsNo" },
      ...signed,
      resultPath: "data",
    },
  },
  order: {
    mobile: rechargeOrder,
    direct: rechargeOrder,
    card: {
      // The answer is `data: [item, …]`, one item per code; the order is read from the first.
      merchantOrderId: "data.0.user_order_no",
      supplierOrderId: "data.0.order_no",
      status: "data.0.state",
      statuses: { ...chengquanCouponStates, ...chengquanMixedCouponStates },
      cards: {
        path: "data",
        number: "goods_number",
        password: "goods_password",
        expiresAt: "effective_time",
        aes: { mode: "cbc", keyCredential: "aesKey", ivCredential: "aesIv" },
      },
    },
  },
  products: {
    // One goods type per definition (`options.goodsTypeId`); createChengquanAdapter runs it per type.
    source: "operation",
    operation: {
      path: chengquanPaths.couponTypeGoodsList,
      params: { ...publicParams, goods_type_id: "$option.goodsTypeId" },
      ...signed,
    },
    listPath: "data",
    sku: "goods_no",
    name: "name",
    kind: "card",
    price: "price",
    faceValue: "official_price",
    saleStatus: { path: "sell_status", values: { "1": "on_sale", "0": "off_sale" } },
  },
  callback: {
    format: "form",
    order: {
      merchantOrderId: "order_no",
      status: "state",
      statuses: { ...chengquanRechargeStates },
    },
    // Every received field except `sign` is signed, so fields the vendor adds do not break it.
    verification: { kind: "signed", recipe: "sign", field: "sign" },
    trust: "body",
    ack: { accepted: CHENGQUAN_CALLBACK_ACK, rejected: "fail" },
  },
  duplicateOrderId: "reject",
  notFoundGraceMs: 10_000,
  pollIntervalMs: 3_000,
} satisfies SignedFormAdapterSpec;

/** The callback mapping of coupon orders: the merchant's number is `user_order_no` [?]. */
const couponCallbackOrder = {
  merchantOrderId: "user_order_no",
  supplierOrderId: "order_no",
  status: "state",
  statuses: { ...chengquanCouponStates },
} as const;

export interface ChengquanAdapterOptions {
  /** The merchant account (`app_id`, 11 digits), issued by Chengquan. */
  appId: string;
  /** The APP_KEY that signs requests and callbacks. Never sent, never logged. */
  appKey: string;
  /** The 16-character AES-128 key of card codes, issued apart from APP_KEY. */
  aesKey: string;
  /** The 16-character AES-CBC IV of card codes. */
  aesIv: string;
  /** `production` (default, `https://api.chengquan.cn/`) or `sandbox` (`http://test.api.chengquan.vip:11140/`). */
  environment?: "production" | "sandbox";
  /** A base URL replacing the environment's (a simulator, a proxy). */
  endpoint?: string;
  /** Where Chengquan posts recharge results (`notify_url`). Without it, kaquan polls. */
  notifyUrl?: string;
  /** What Chengquan expects back from a callback. Unconfirmed [?]; default `success`. */
  callbackAck?: string;
  /** Replaces entries of the error-code table. */
  errorCodes?: Readonly<Record<string, VendorErrorMeaning>>;
  /** Default `reject`: Chengquan refuses a re-used order number (7012). */
  duplicateOrderId?: DuplicateOrderIdBehaviour;
  /** Default 10 000 ms: 7016 right after placing may be propagation lag. */
  notFoundGraceMs?: number;
  /** Default 3 000 ms. */
  pollIntervalMs?: number;
  /** The goods types to list in the catalogue. Default: every type `coupon/type/list` answers. */
  goodsTypeIds?: readonly (string | number)[];
  /** Unit of the goods list's `price`/`official_price`. Unconfirmed [?]; default `yuan`. */
  goodsPriceUnit?: "yuan" | "fen";
}

/** A goods type (brand) from `coupon/type/list`. */
export interface ChengquanCouponType {
  goodsTypeId: string;
  name: string;
  sellStatus: string;
}

/** The adapter, plus Chengquan's goods types and usage notes. */
export type ChengquanAdapter = SignedFormAdapter & {
  /** The goods types (brands) of the coupon catalogue. */
  couponTypes(context: AdapterContext): Promise<ChengquanCouponType[]>;
  /** The usage notes (使用须知) of a coupon goods. */
  goodsNotes(goodsNo: string, context: AdapterContext): Promise<string>;
};

type Json = Record<string, unknown>;

/** The largest time a JavaScript Date can hold, in epoch milliseconds. */
const maxEpochMs = 8.64e15;

const isEmpty = (value: unknown) => value === undefined || value === null || value === "";

/**
 * Normalises a coupon answer (`data: [item, …]`) for the card mapping: an empty
 * `goods_password` takes `goods_link` (LINK and PICTURE goods); items whose states disagree all
 * show the distinct states joined. Returns what the wrapper needs afterwards. Anything that is
 * not such an answer is left alone (the builder then reports it as unreadable).
 */
function normaliseCouponAnswer(response: HttpResponse): {
  response: HttpResponse;
  goodsType?: string;
  prices: string[];
} {
  const body = tryParseJson(response.text);
  const items = (body as Json | undefined)?.data;
  if (typeof body !== "object" || body === null || !Array.isArray(items) || items.length === 0) {
    return { response, prices: [] };
  }
  const records = items.filter((item): item is Json => typeof item === "object" && item !== null);
  let changed = false;
  for (const item of records) {
    if (isEmpty(item.goods_password) && !isEmpty(item.goods_link)) {
      item.goods_password = item.goods_link;
      changed = true;
    }
  }
  const states = [...new Set(records.map((item) => String(item.state ?? "")))].sort();
  if (states.length > 1) {
    for (const item of records) item.state = states.join(",");
    changed = true;
  }
  const prices = records.map((item) => item.price).filter((price) => !isEmpty(price));
  const goodsType = records[0]?.goods_type;
  const result = {
    prices: prices.length === items.length ? prices.map(String) : [],
    ...(typeof goodsType === "string" ? { goodsType } : {}),
  };
  if (!changed) return { response, ...result };
  const text = JSON.stringify(body);
  return { response: { ...response, text, body: new Uint8Array(Buffer.from(text, "utf8")) }, ...result };
}

/** A context whose transport normalises coupon answers, and what it saw. */
function couponContext(context: AdapterContext): {
  context: AdapterContext;
  seen: { goodsType?: string; prices: string[] };
} {
  const seen: { goodsType?: string; prices: string[] } = { prices: [] };
  const couponPaths = [chengquanPaths.couponOrderQuery, chengquanPaths.couponOrderPay];
  const http: HttpTransport = {
    async send(request, options) {
      const response = await context.http.send(request, options);
      const path = request.url.split("?")[0] ?? "";
      if (!couponPaths.some((couponPath) => path.endsWith(`/${couponPath}`))) return response;
      const normalised = normaliseCouponAnswer(response);
      seen.prices = normalised.prices;
      if (normalised.goodsType !== undefined) seen.goodsType = normalised.goodsType;
      else delete seen.goodsType;
      return normalised.response;
    },
  };
  return { context: { ...context, http }, seen };
}

/** Card format from `goods_type`, cost from the items' prices, expiry as ISO text. */
function finishCardUpdate(update: OrderUpdate, seen: { goodsType?: string; prices: string[] }): OrderUpdate {
  if (update.kind !== "card") return update;
  const finished: OrderUpdate = { ...update };
  const format = lookup(chengquanGoodsTypes, seen.goodsType);
  if (finished.cards) {
    finished.cards = finished.cards.map((card) => {
      const next = { ...card };
      if (format) next.format = format;
      if (next.expiresAt !== undefined && /^\d+$/.test(next.expiresAt)) {
        const epochMs = Number(next.expiresAt);
        // Beyond ±8.64e15 ms a Date is invalid and toISOString throws: such a value is no expiry.
        if (epochMs > 0 && epochMs <= maxEpochMs) next.expiresAt = isoTime(epochMs);
        else delete next.expiresAt;
      }
      return next;
    });
  }
  if (!finished.cost && seen.prices.length > 0) {
    try {
      const total = seen.prices.reduce((sum, price) => sum + toMinorUnits(money(price, "CNY"), 2), 0n);
      finished.cost = fromMinorUnits(total, "CNY", 2);
    } catch {
      // An unreadable price leaves the cost unknown; it is never guessed.
    }
  }
  return finished;
}

/** Creates the Chengquan adapter. Throws `ConfigurationError` for missing or malformed credentials. */
export function createChengquanAdapter(options: ChengquanAdapterOptions): ChengquanAdapter {
  if (typeof options?.appId !== "string" || options.appId.length === 0) {
    throw new ConfigurationError("chengquan adapter: appId is required");
  }
  for (const name of ["aesKey", "aesIv"] as const) {
    const value = options[name];
    if (typeof value === "string" && value.length > 0 && Buffer.byteLength(value, "utf8") !== 16) {
      throw new ConfigurationError(
        `chengquan adapter: ${name} must be 16 bytes (AES-128-CBC, a 16-character string as Chengquan issues it)`,
      );
    }
  }
  const callbackAck = options.callbackAck;
  const spec: SignedFormAdapterSpec = {
    ...chengquanSpec,
    ...(callbackAck === undefined
      ? {}
      : { callback: { ...chengquanSpec.callback, ack: { accepted: callbackAck, rejected: "fail" } } }),
  };
  const config = (goodsTypeId = ""): SignedFormAdapterConfig => ({
    credentials: { appKey: options.appKey, aesKey: options.aesKey, aesIv: options.aesIv },
    options: { appId: options.appId, notifyUrl: options.notifyUrl ?? "", goodsTypeId },
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.errorCodes ? { errorCodes: options.errorCodes } : {}),
    ...(options.duplicateOrderId ? { duplicateOrderId: options.duplicateOrderId } : {}),
    ...(options.notFoundGraceMs !== undefined ? { notFoundGraceMs: options.notFoundGraceMs } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
  const definition = defineSignedFormAdapter(spec);
  const adapter = definition.create(config());
  const couponCallbacks = defineSignedFormAdapter({
    ...spec,
    callback: { ...(spec.callback ?? chengquanSpec.callback), order: couponCallbackOrder },
  }).create(config());
  // The goods list is the one answer whose unit is unconfirmed: read it in 分 when told so.
  const catalogue: SignedFormAdapterDefinition =
    options.goodsPriceUnit === "fen" ? defineSignedFormAdapter({ ...spec, amountUnit: "fen" }) : definition;

  const { placeOrder, queryOrder, verifyCallback } = adapter;

  async function goodsTypeIds(context: AdapterContext): Promise<string[]> {
    if (options.goodsTypeIds) return options.goodsTypeIds.map(String);
    return (await couponTypes(context)).map((type) => type.goodsTypeId).filter((id) => id !== "");
  }

  async function couponTypes(context: AdapterContext): Promise<ChengquanCouponType[]> {
    const list = await adapter.invoke("couponTypes", {}, context);
    if (!Array.isArray(list)) return [];
    return list.map((item: Json) => ({
      goodsTypeId: String(item?.goods_type_id ?? ""),
      name: String(item?.goods_type_name ?? ""),
      sellStatus: String(item?.sell_status ?? ""),
    }));
  }

  return Object.assign(adapter, {
    async placeOrder(request: Parameters<SignedFormAdapter["placeOrder"]>[0], context: AdapterContext) {
      if (request.kind !== "card") return placeOrder(request, context);
      if (request.quantity > CHENGQUAN_COUPON_MAX_COUNT) {
        throw new ValidationError(`chengquan takes at most ${CHENGQUAN_COUPON_MAX_COUNT} codes per order`, [
          {
            path: "quantity",
            message: `split the order into orders of ${CHENGQUAN_COUPON_MAX_COUNT} or fewer`,
          },
        ]);
      }
      const tapped = couponContext(context);
      return finishCardUpdate(await placeOrder(request, tapped.context), tapped.seen);
    },

    async queryOrder(
      merchantOrderId: string,
      context: AdapterContext,
      hint?: Parameters<SignedFormAdapter["queryOrder"]>[2],
    ) {
      const tapped = couponContext(context);
      const update = await queryOrder(merchantOrderId, tapped.context, hint);
      return update ? finishCardUpdate(update, tapped.seen) : undefined;
    },

    async verifyCallback(
      callback: Parameters<NonNullable<SignedFormAdapter["verifyCallback"]>>[0],
      context: AdapterContext,
    ) {
      const raw = utf8Text(callback?.body ?? "");
      // Coupon callbacks name the merchant's number `user_order_no` [?]; both are signed alike.
      const coupon = !isEmpty(new URLSearchParams(raw).get("user_order_no"));
      return (coupon ? couponCallbacks.verifyCallback! : verifyCallback!)(callback, context);
    },

    async listProducts(query: Parameters<SignedFormAdapter["listProducts"]>[0], context: AdapterContext) {
      // Chengquan's catalogue is the coupon goods; phone and direct products have no list.
      if (query.kind && query.kind !== "card") return [];
      const products: Product[] = [];
      for (const goodsTypeId of await goodsTypeIds(context)) {
        products.push(...(await catalogue.create(config(goodsTypeId)).listProducts(query, context)));
      }
      return products;
    },

    async getProduct(sku: string, context: AdapterContext) {
      for (const goodsTypeId of await goodsTypeIds(context)) {
        const found = await catalogue.create(config(goodsTypeId)).getProduct(sku, context);
        if (found) return found;
      }
      return undefined;
    },

    couponTypes,

    async goodsNotes(goodsNo: string, context: AdapterContext) {
      const notes = await adapter.invoke("goodsNotes", { goodsNo }, context);
      return typeof notes === "string" ? notes : notes === undefined || notes === null ? "" : String(notes);
    },
  });
}
