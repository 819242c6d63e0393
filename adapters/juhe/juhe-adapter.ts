/**
 * The Juhe 聚合数据 话费 (phone recharge) adapter (vendor-protocols.md §4), built entirely from a
 * `defineSignedFormAdapter` specification: Juhe speaks the signed-form dialect.
 *
 * - `onlineorder`: `sign = md5(OpenID + key + phoneno + cardnum + orderid)`, lower-case hex. [H]
 * - `yue` (balance): `sign = md5(OpenID + key + timestamp)`. [H]
 * - Callbacks: a form `sporder_id, orderid, sta, sign` with `sign = md5(AppKey + sporder_id +
 *   orderid)`. The signature does **not** cover `sta`, so a genuine callback replayed with `sta`
 *   flipped would still verify: kaquan checks the signature and then applies only what `ordersta`
 *   answers (`trust: "query"`). [H]
 * - The vendor's rule: a network error or error 10014 (system error) means *query the order*,
 *   never *failed* — 10014 maps to an unknown outcome. [M]
 *
 * Unconfirmed facts, as options: the callback ack literal [?] (default `success`), https support
 * [?] (the default endpoint is the documented http URL), and the error-code table (see
 * `defaultJuheErrorTable`; replace entries with `errorCodes`).
 */
import {
  defineSignedFormAdapter,
  type SignedFormAdapter,
  type SignedFormAdapterSpec,
} from "../../src/adapter-kit/index.js";
import {
  type AdapterContext,
  ConfigurationError,
  type DuplicateOrderIdBehaviour,
} from "../../src/core/index.js";
import type { VendorErrorMeaning } from "../../src/runtime/vendor-errors.js";
import {
  defaultJuheErrorTable,
  JUHE_BASE_URL,
  JUHE_CALLBACK_ACK,
  JUHE_FACE_VALUES,
  juheCallbackStates,
  juheGameStates,
} from "./juhe-tables.js";

/** Juhe's protocol as a signed-form specification. */
export const juheSpec = {
  name: "juhe",
  baseUrl: { production: JUHE_BASE_URL },
  credentials: ["key", "openId"],
  amountUnit: "yuan",
  timestampFormat: "unix-seconds",
  merchantOrderId: {
    pattern: "^[A-Za-z0-9]{8,32}$",
    description: "8-32 letters and digits (Juhe's orderid rule)",
  },
  signatures: {
    order: {
      kind: "concat",
      parts: [{ credential: "openId" }, "key", "phoneno", "cardnum", "orderid"],
      letterCase: "lower",
    },
    balance: { kind: "concat", parts: [{ credential: "openId" }, "key", "timestamp"], letterCase: "lower" },
    callback: {
      kind: "concat",
      parts: [{ credential: "key" }, "sporder_id", "orderid"],
      letterCase: "lower",
    },
  },
  response: { codeField: "error_code", successCodes: [0], messageField: "reason", resultField: "result" },
  statuses: { ...juheGameStates },
  errors: {
    codes: { ...defaultJuheErrorTable.codes },
    messagePatterns: (defaultJuheErrorTable.messagePatterns ?? []).map(([pattern, meaning]) => [
      pattern,
      meaning,
    ]),
  },
  operations: {
    placeOrder: {
      mobile: {
        method: "POST",
        path: "onlineorder",
        params: {
          key: "$credential.key",
          phoneno: "$request.account",
          cardnum: "$request.faceValue|yuan-integer",
          orderid: "$request.merchantOrderId",
        },
        signature: { recipe: "order" },
      },
    },
    queryOrder: { path: "ordersta", params: { key: "$credential.key", orderid: "$merchantOrderId" } },
    balance: {
      path: "yue",
      params: { key: "$credential.key", timestamp: "$timestamp" },
      signature: { recipe: "balance" },
      amount: "money",
    },
  },
  extraOperations: {
    /** Can this number take this face value: resolves when it can, throws a typed error otherwise. */
    telcheck: {
      path: "telcheck",
      params: { key: "$credential.key", phoneno: "$input.phone", cardnum: "$input.faceValue" },
    },
    /** Product and price for a number and face value: `{ cardid, cardname, inprice, game_area }`. */
    telquery: {
      path: "telquery",
      params: { key: "$credential.key", phoneno: "$input.phone", cardnum: "$input.faceValue" },
    },
    /** Order history (layout unconfirmed [?]). */
    orderlist: { path: "orderlist", params: { key: "$credential.key" } },
  },
  order: {
    merchantOrderId: "uorderid",
    supplierOrderId: "sporder_id",
    status: "game_state",
    cost: "ordercash",
  },
  products: {
    // Juhe has no catalogue: it recharges any carrier's number by face value.
    source: "static",
    products: JUHE_FACE_VALUES.map((value) => ({
      sku: String(value),
      name: `话费 ${value}元`,
      kind: "mobile" as const,
      faceValue: String(value),
    })),
  },
  callback: {
    format: "form",
    order: {
      merchantOrderId: "orderid",
      supplierOrderId: "sporder_id",
      status: "sta",
      statuses: { ...juheCallbackStates },
    },
    verification: { kind: "signed", recipe: "callback" },
    trust: "query",
    ack: { accepted: JUHE_CALLBACK_ACK, rejected: "fail" },
  },
  duplicateOrderId: "reject",
  notFoundGraceMs: 10_000,
  pollIntervalMs: 3_000,
} satisfies SignedFormAdapterSpec;

export interface JuheAdapterOptions {
  /** The AppKey of the 话费充值 API. */
  key: string;
  /** The OpenID from the Juhe personal center. */
  openId: string;
  /** A base URL replacing `http://op.juhe.cn/ofpay/mobile/` (a simulator, a proxy, https). */
  endpoint?: string;
  /** What Juhe expects back from a callback. Unconfirmed [?]; default `success`. */
  callbackAck?: string;
  /** Replaces entries of the error-code table. */
  errorCodes?: Readonly<Record<string, VendorErrorMeaning>>;
  /** Default `reject`: Juhe refuses a re-used orderid (208516). */
  duplicateOrderId?: DuplicateOrderIdBehaviour;
  notFoundGraceMs?: number;
  pollIntervalMs?: number;
}

/** The adapter, plus Juhe's availability check and price lookup. */
export type JuheAdapter = SignedFormAdapter & {
  /** Whether `phone` can take `faceValue` (whole 元). Throws the vendor's typed error when it cannot. */
  checkNumber(phone: string, faceValue: number, context: AdapterContext): Promise<void>;
  /** Juhe's product and price for a number and face value. */
  quote(phone: string, faceValue: number, context: AdapterContext): Promise<unknown>;
};

/** Creates the Juhe adapter. */
export function createJuheAdapter(options: JuheAdapterOptions): JuheAdapter {
  if (typeof options !== "object" || options === null)
    throw new ConfigurationError("createJuheAdapter needs its options: { key, openId }");
  const spec: SignedFormAdapterSpec =
    options.callbackAck === undefined
      ? juheSpec
      : {
          ...juheSpec,
          callback: { ...juheSpec.callback, ack: { accepted: options.callbackAck, rejected: "fail" } },
        };
  const adapter = defineSignedFormAdapter(spec).create({
    credentials: { key: options.key, openId: options.openId },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.errorCodes ? { errorCodes: options.errorCodes } : {}),
    ...(options.duplicateOrderId ? { duplicateOrderId: options.duplicateOrderId } : {}),
    ...(options.notFoundGraceMs !== undefined ? { notFoundGraceMs: options.notFoundGraceMs } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
  return Object.assign(adapter, {
    async checkNumber(phone: string, faceValue: number, context: AdapterContext) {
      await adapter.invoke("telcheck", { phone, faceValue: String(faceValue) }, context);
    },
    quote(phone: string, faceValue: number, context: AdapterContext) {
      return adapter.invoke("telquery", { phone, faceValue: String(faceValue) }, context);
    },
  });
}
