/**
 * The OFPay 欧飞 话费 (phone recharge) adapter (vendor-protocols.md §5), built from a
 * `defineSignedFormAdapter` specification: OFPay speaks the signed-form dialect.
 *
 * - `onlineorder.do`: `md5_str = UPPER(md5(userid + userpws + cardid + cardnum + sporder_id +
 *   sporder_time + game_userid + KeyStr))`, plain concatenation; `mctype` (slow-recharge hours),
 *   `ret_url` (the callback URL) and `version` are sent but not signed. [M]
 * - `userpws` is md5 of the login password, 32 lowercase hex; it is what the wire carries and
 *   what is signed. `KeyStr` is never sent. [M]
 * - `queryOrderInfo.do`: `md5_str = UPPER(md5(userid + userpws + sporder_id + KeyStr))`; the
 *   answer carries `retcode` and `game_state` 0 processing / 1 succeeded / 9 failed (撤消,
 *   refunded). [M] Any other `game_state` is `unknown`, with the raw value kept.
 * - Callbacks to `ret_url` are a form `ret_code, sporder_id, ordersuccesstime, err_msg` with **no
 *   signature** [?]: kaquan treats one only as a trigger and applies what `queryOrderInfo.do`
 *   answers (`verification: { kind: "refetch" }`), so a forged callback is never applied.
 * - A system error (9999 [?]) or an unrecognised code on an order is an unknown outcome: the
 *   client queries, never marks the order failed (§11 pitfalls 2 and 3). A re-used `sporder_id`
 *   (1008 [?]) is a duplicate: the client queries and adopts the order.
 *
 * Unconfirmed facts [?], each with its default and the option that replaces it:
 * - the answer format: kaquan always sends `format=json` and reads the flat JSON answer
 *   `{ retcode, err_msg, orderid, sporder_id, game_state, ordercash, … }`; its value types are
 *   unconfirmed, so every value is read as text (the default XML answer is not read);
 * - the retcode table: only `1` (success) is confirmed; `OFPAY_RETCODES` are kaquan's assumption,
 *   backed by Chinese message patterns for unknown codes (`defaultOfpayErrorTable`; `errorCodes`);
 * - the callback ack literal: `OK` [L] (`callbackAck`);
 * - whether callbacks are ever signed: assumed not (`verification: refetch`, safe either way);
 * - the callback charset: UTF-8 is assumed. The spec's `charset` covers requests, answers and
 *   callbacks alike, and the `format=json` answer is UTF-8 (the XML answer is GB2312 [M]), so a
 *   merchant whose callbacks arrive GBK-encoded is not served yet (Chinese `err_msg` would be
 *   misread; the order id and `ret_code` are ASCII, and the status is re-queried anyway);
 * - https and the per-merchant host `http://AXXXX.api2.ofpay.com/`: the default is the
 *   documented `http://api2.ofpay.com/` (`endpoint`);
 * - GET or POST: `onlineorder.do` is sent as a POST form (keeps `userpws` and `md5_str` out of
 *   access logs), every other endpoint as GET query parameters, as §5 writes them;
 * - propagation lag and poll cadence: 10 s and 3 s (`notFoundGraceMs`, `pollIntervalMs`);
 * - the `querybill.do` time format and letter case: `yyyyMMdd` (or `yyyyMMddHHmmss`), upper-case
 *   `md5_str` ("32位大写" [M]); the layout of its rows is unconfirmed.
 *
 * Not built on the spec (the builder cannot express them; see `createOfpayAdapter`): the default
 * `cardid` when an order has no `sku`, and `mctype` sent only with slow (17xxxx) orders.
 * `mobinfo.do` (number lookup) answers plain text `segment|province|city|carrier` [?]; it is a
 * plain-text extra operation (`answer: "text"`).
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
  MalformedPayloadError,
  type Money,
  money,
  type OrderRequest,
  type OrderUpdate,
  ValidationError,
} from "../../src/core/index.js";
import { formatDateTime } from "../../src/runtime/clock.js";
import type { VendorErrorMeaning } from "../../src/runtime/vendor-errors.js";
import {
  defaultOfpayErrorTable,
  OFPAY_API_VERSION,
  OFPAY_CALLBACK_ACK,
  OFPAY_CARDID_FAST,
  OFPAY_CARDID_SLOW,
  OFPAY_DEFAULT_KEY_STR,
  OFPAY_DEFAULT_MCTYPE,
  OFPAY_FAST_FACE_VALUES,
  OFPAY_SLOW_FACE_VALUES,
  OFPAY_SLOW_MCTYPES,
  ofpayCallbackRetCodes,
  ofpayCardidSpeeds,
  ofpayGameStates,
} from "./ofpay-tables.js";

/**
 * The documented base URL. Merchants may also have a per-merchant host
 * (`http://AXXXX.api2.ofpay.com/`); whether https works is unconfirmed [?]. Replace with `endpoint`.
 */
export const OFPAY_BASE_URL = "http://api2.ofpay.com/";

/** The parameters every call carries: the merchant, the protocol version and the JSON answer format. */
const account = { userid: "$credential.userId", userpws: "$credential.userpws" } as const;
const common = { version: OFPAY_API_VERSION, format: "json" } as const;

/** OFPay's protocol as a signed-form specification. */
export const ofpaySpec = {
  name: "ofpay",
  baseUrl: { production: OFPAY_BASE_URL },
  // userId is an identifier rather than a secret, but it is scrubbed from logs like the others.
  credentials: ["userId", "password", "keyStr"],
  // The wire never carries the login password, only md5(password) in 32 lowercase hex. [M]
  derivedCredentials: { userpws: "$credential.password|md5" },
  // `mctype` is set per adapter instance by createOfpayAdapter (slow orders only).
  options: { notifyUrl: "", mctype: "" },
  amountUnit: "yuan",
  timestampFormat: "yyyyMMddHHmmss",
  signatures: {
    order: {
      kind: "concat",
      parts: [
        "userid",
        "userpws",
        "cardid",
        "cardnum",
        "sporder_id",
        "sporder_time",
        "game_userid",
        { credential: "keyStr" },
      ],
      letterCase: "upper",
    },
    query: {
      kind: "concat",
      parts: ["userid", "userpws", "sporder_id", { credential: "keyStr" }],
      letterCase: "upper",
    },
    // "32位大写" per a constants file quoting the docs [M]; `cardid` is "" for every product.
    bill: {
      kind: "concat",
      parts: ["userid", "userpws", "cardid", "starttime", "endtime", { credential: "keyStr" }],
      letterCase: "upper",
    },
  },
  // The `format=json` answer is one flat object: no result wrapper. [M] (integrators read
  // `retcode` and `game_state` from it)
  response: { codeField: "retcode", successCodes: ["1"], messageField: "err_msg" },
  statuses: { ...ofpayGameStates },
  errors: {
    codes: { ...defaultOfpayErrorTable.codes },
    messagePatterns: (defaultOfpayErrorTable.messagePatterns ?? []).map(([pattern, meaning]) => [
      pattern,
      meaning,
    ]),
  },
  operations: {
    placeOrder: {
      mobile: {
        method: "POST",
        path: "onlineorder.do",
        params: {
          ...account,
          cardid: "$request.sku",
          cardnum: "$request.faceValue|yuan-integer",
          // Not signed, and sent only when set: omitted means 24 hours ("不传默认为24"). [M]
          mctype: "$option.mctype",
          sporder_id: "$request.merchantOrderId",
          sporder_time: "$timestamp",
          game_userid: "$request.account",
          // Not signed; omitted when no notifyUrl is configured (then kaquan polls).
          ret_url: "$option.notifyUrl",
          ...common,
        },
        signature: { recipe: "order", param: "md5_str" },
      },
    },
    queryOrder: {
      path: "queryOrderInfo.do",
      params: { ...account, sporder_id: "$merchantOrderId", ...common },
      signature: { recipe: "query", param: "md5_str" },
    },
    balance: {
      path: "queryuserinfo.do",
      params: { ...account, ...common },
      amount: "ret_leftcredit",
    },
  },
  extraOperations: {
    /** `telcheck.do?phoneno&price&userid`: can this number take this face value (fast top-up)? */
    telcheck: {
      path: "telcheck.do",
      params: { userid: "$credential.userId", phoneno: "$input.phone", price: "$input.faceValue", ...common },
    },
    /** `telquery.do`: `{ cardid, cardname, inprice, game_area }`; a slow product when `mctype` is sent. */
    telquery: {
      path: "telquery.do",
      params: {
        ...account,
        phoneno: "$input.phone",
        pervalue: "$input.faceValue",
        mctype: "$input.mctype",
        ...common,
      },
    },
    /** `mobinfo.do?mobilenum`: the number's segment, province, city and carrier, as plain text [?]. */
    mobinfo: {
      path: "mobinfo.do",
      params: { mobilenum: "$input.segment" },
      answer: "text",
    },
    /** `querybill.do`: the orders created in a time range (reconciliation), as a list of rows. */
    querybill: {
      path: "querybill.do",
      params: {
        ...account,
        cardid: "$input.cardid",
        starttime: "$input.starttime",
        endtime: "$input.endtime",
        ...common,
      },
      // An empty cardid means "every product" and takes part in the signature as "". [?]
      keepEmpty: ["cardid"],
      signature: { recipe: "bill", param: "md5_str" },
    },
  },
  order: {
    merchantOrderId: "sporder_id",
    supplierOrderId: "orderid",
    status: "game_state",
    cost: "ordercash",
    failureMessage: "err_msg",
  },
  products: {
    // OFPay has no catalogue API for 话费: a phone product is a cardid and a face value. The sku
    // is the cardid that goes on the wire, so the products of one speed share their sku.
    source: "static",
    products: [
      ...OFPAY_FAST_FACE_VALUES.map((value) => ({
        sku: OFPAY_CARDID_FAST,
        name: `话费 ${value}元 快充`,
        kind: "mobile" as const,
        faceValue: value,
      })),
      ...OFPAY_SLOW_FACE_VALUES.map((value) => ({
        sku: OFPAY_CARDID_SLOW,
        name: `话费 ${value}元 慢充`,
        kind: "mobile" as const,
        faceValue: value,
      })),
    ],
  },
  callback: {
    format: "form",
    order: {
      merchantOrderId: "sporder_id",
      status: "ret_code",
      statuses: { ...ofpayCallbackRetCodes },
      failureMessage: "err_msg",
      finishedAt: "ordersuccesstime",
    },
    // No signature in public samples [?]: the callback only triggers a query.
    verification: { kind: "refetch" },
    ack: { accepted: OFPAY_CALLBACK_ACK, rejected: "fail" },
  },
  // A re-sent sporder_id is refused (1008 [?]), so re-sending after "not found" is safe.
  duplicateOrderId: "reject",
  notFoundGraceMs: 10_000,
  pollIntervalMs: 3_000,
} satisfies SignedFormAdapterSpec;

export interface OfpayAdapterOptions {
  /** The SP code (`userid`), starting with `A`. */
  userId: string;
  /** The login password. Only `userpws = md5(password)` is sent. */
  password: string;
  /** The `KeyStr` every `md5_str` ends with. Never sent. Default `OFCARD`, the vendor's own default. */
  keyStr?: string;
  /** A base URL replacing `http://api2.ofpay.com/` (the per-merchant host, a simulator, a proxy). */
  endpoint?: string;
  /**
   * Where OFPay posts the final state (`ret_url`, not signed). The callback itself is unsigned:
   * kaquan re-queries the order before applying anything. Without it kaquan polls.
   */
  notifyUrl?: string;
  /**
   * `mctype` of slow (170101) orders: the hours within which they settle, one of 0.5, 4, 12, 24,
   * 48, 72. Sent only with slow orders. Default: not sent (the vendor then assumes 24).
   */
  slowRechargeHours?: string | number;
  /** What OFPay expects back from a callback. Unconfirmed [L]; default `OK`. */
  callbackAck?: string;
  /** Replaces entries of the retcode table (`defaultOfpayErrorTable`, assumed codes [?]). */
  errorCodes?: Readonly<Record<string, VendorErrorMeaning>>;
  /** Default `reject`: OFPay refuses a re-used sporder_id (1008 [?]). */
  duplicateOrderId?: DuplicateOrderIdBehaviour;
  /** Default 10 000 ms [?]. */
  notFoundGraceMs?: number;
  /** Default 3 000 ms [?]. */
  pollIntervalMs?: number;
}

/** OFPay's product and price for a number and face value (`telquery.do`). */
export interface OfpayQuote {
  /** The product code, e.g. 140101 (fast) or 170101 (slow). */
  cardid: string;
  /** e.g. 北京移动话费50元快充. */
  cardname: string;
  /** What one order costs the merchant (`inprice`), when the answer names it. */
  price?: Money;
  /** The number's province and carrier, e.g. 北京移动. */
  gameArea: string;
}

/**
 * One row of the reconciliation bill (`querybill.do`), every value as text. The row layout is
 * unconfirmed [?]; kaquan's simulator sends `orderid, sporder_id, cardid, cardname, cardnum,
 * ordercash, game_userid, game_state, ordertime, ordersuccesstime`.
 */
export type OfpayBillEntry = Readonly<Record<string, string>>;

/** A bill boundary: a `Date` or epoch ms (its day in China Standard Time), or `yyyyMMdd[HHmmss]` text. */
export type OfpayBillTime = Date | number | string;

/** What `mobinfo.do` says of a number. */
export interface OfpayNumberInfo {
  segment: string;
  province: string;
  city: string;
  carrier: string;
}

/** The adapter, plus OFPay's availability check, number lookup, price lookup and reconciliation bill. */
export type OfpayAdapter = SignedFormAdapter & {
  /**
   * Whether `phone` can take a fast top-up of `faceValue` (whole 元), by `telcheck.do`. Resolves
   * when it can; throws the vendor's typed error (e.g. `InvalidAccountError`) when it cannot.
   */
  checkNumber(phone: string, faceValue: number, context: AdapterContext): Promise<void>;
  /**
   * Where a number is from (`mobinfo.do`, by its first 7 digits): `{ segment, province, city,
   * carrier }`, or `undefined` when OFPay does not know the segment (it answers `-1`). The
   * `segment|province|city|carrier` layout is unconfirmed [?].
   */
  lookupNumber(phone: string, context: AdapterContext): Promise<OfpayNumberInfo | undefined>;
  /**
   * OFPay's product and price for `phone` and `faceValue` (whole 元), by `telquery.do`. `slow`
   * asks for the slow product, sending `slowRechargeHours` (default 24) as `mctype`.
   */
  quote(
    phone: string,
    faceValue: number,
    context: AdapterContext,
    speed?: "fast" | "slow",
  ): Promise<OfpayQuote>;
  /**
   * The orders created between `from` and `to` (`querybill.do`), for reconciliation. A `Date` or
   * epoch ms stands for its whole day (`yyyyMMdd`, the documented form [?]); pass
   * `yyyyMMddHHmmss` text for a finer range. `cardid` filters by product code prefix (`14`, `17`).
   */
  bill(
    from: OfpayBillTime,
    to: OfpayBillTime,
    context: AdapterContext,
    options?: { cardid?: string },
  ): Promise<OfpayBillEntry[]>;
};

/** A phone-recharge cardid: 14xxxx fast or 17xxxx slow (the vendor matches the first two digits [M]). */
const phoneCardid = /^1[47]\d{4}$/;

/**
 * Creates the OFPay adapter. Orders are `mobile` orders: `account` is the phone number
 * (`game_userid`), `faceValue` the whole-元 face value (`cardnum`), `merchantOrderId` the
 * `sporder_id`, and `sku` the `cardid` — `140101` fast (快充, the default when `sku` is absent) or
 * `170101` slow (慢充).
 *
 * Two things the signed-form builder cannot express are done here, around the spec-built
 * adapter: an order without `sku` is sent with the fast `cardid` (the builder has no default
 * values), and `mctype` (`slowRechargeHours`) is sent only with slow orders (the builder has no
 * parameter that depends on another's value) — slow orders go through a second instance of the
 * same spec created with the `mctype` option set.
 *
 * Throws `ConfigurationError` for a missing credential or an invalid `slowRechargeHours`.
 */
export function createOfpayAdapter(options: OfpayAdapterOptions): OfpayAdapter {
  if (typeof options !== "object" || options === null)
    throw new ConfigurationError("createOfpayAdapter needs its options: { userId, password, keyStr }");
  const hours = options.slowRechargeHours === undefined ? undefined : String(options.slowRechargeHours);
  if (hours !== undefined && !OFPAY_SLOW_MCTYPES.includes(hours)) {
    throw new ConfigurationError(
      `ofpay adapter: slowRechargeHours must be one of ${OFPAY_SLOW_MCTYPES.join(", ")} (hours), not "${hours}"`,
    );
  }
  const spec: SignedFormAdapterSpec =
    options.callbackAck === undefined
      ? ofpaySpec
      : {
          ...ofpaySpec,
          callback: { ...ofpaySpec.callback, ack: { accepted: options.callbackAck, rejected: "fail" } },
        };
  const definition = defineSignedFormAdapter(spec);
  const instance = (mctype: string) =>
    definition.create({
      credentials: {
        userId: options.userId,
        password: options.password,
        keyStr: options.keyStr ?? OFPAY_DEFAULT_KEY_STR,
      },
      options: { notifyUrl: options.notifyUrl ?? "", mctype },
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.errorCodes ? { errorCodes: options.errorCodes } : {}),
      ...(options.duplicateOrderId ? { duplicateOrderId: options.duplicateOrderId } : {}),
      ...(options.notFoundGraceMs !== undefined ? { notFoundGraceMs: options.notFoundGraceMs } : {}),
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    });
  const adapter = instance("");
  // Bound before `placeOrder` is replaced below: the wrapper dispatches to these.
  const placeFast = adapter.placeOrder.bind(adapter);
  const slowAdapter = hours === undefined ? undefined : instance(hours);
  const placeSlow = slowAdapter ? slowAdapter.placeOrder.bind(slowAdapter) : placeFast;

  return Object.assign(adapter, {
    placeOrder(request: OrderRequest, context: AdapterContext): Promise<OrderUpdate> {
      const cardid = request.sku ?? OFPAY_CARDID_FAST;
      if (!phoneCardid.test(cardid)) {
        return Promise.reject(
          new ValidationError(`ofpay sku "${cardid}" is not a phone-recharge cardid`, [
            {
              path: "sku",
              message: `use ${OFPAY_CARDID_FAST} (fast 快充) or ${OFPAY_CARDID_SLOW} (slow 慢充), or leave it out for fast`,
            },
          ]),
        );
      }
      const withCardid = request.sku === cardid ? request : { ...request, sku: cardid };
      return ofpayCardidSpeeds[cardid.slice(0, 2)] === "slow"
        ? placeSlow(withCardid, context)
        : placeFast(withCardid, context);
    },

    async lookupNumber(phone: string, context: AdapterContext): Promise<OfpayNumberInfo | undefined> {
      const text = String(
        await adapter.invoke("mobinfo", { segment: phone.replace(/\D/g, "").slice(0, 7) }, context),
      );
      const [segment, province, city, carrier] = text.split("|");
      if (!segment || segment === "-1" || province === undefined) return undefined;
      return { segment, province, city: city ?? "", carrier: carrier ?? "" };
    },

    async checkNumber(phone: string, faceValue: number, context: AdapterContext): Promise<void> {
      await adapter.invoke("telcheck", { phone, faceValue: String(faceValue) }, context);
    },

    async quote(
      phone: string,
      faceValue: number,
      context: AdapterContext,
      speed: "fast" | "slow" = "fast",
    ): Promise<OfpayQuote> {
      const result = await adapter.invoke(
        "telquery",
        {
          phone,
          faceValue: String(faceValue),
          mctype: speed === "slow" ? (hours ?? OFPAY_DEFAULT_MCTYPE) : "",
        },
        context,
      );
      const field = (name: string) => {
        const value = (result as Record<string, unknown> | null)?.[name];
        return value === undefined || value === null ? "" : String(value);
      };
      const quote: OfpayQuote = {
        cardid: field("cardid"),
        cardname: field("cardname"),
        gameArea: field("game_area"),
      };
      if (field("inprice") !== "") {
        try {
          quote.price = money(field("inprice"), "CNY");
        } catch {
          throw new MalformedPayloadError(`ofpay telquery: inprice "${field("inprice")}" is not an amount`, {
            supplier: "ofpay",
          });
        }
      }
      return quote;
    },

    async bill(
      from: OfpayBillTime,
      to: OfpayBillTime,
      context: AdapterContext,
      billOptions: { cardid?: string } = {},
    ): Promise<OfpayBillEntry[]> {
      const result = await adapter.invoke(
        "querybill",
        {
          starttime: billTime(from, "from"),
          endtime: billTime(to, "to"),
          cardid: billOptions.cardid ?? "",
        },
        context,
      );
      const rows = (result as Record<string, unknown> | null)?.bills ?? [];
      if (!Array.isArray(rows)) {
        throw new MalformedPayloadError("ofpay querybill: bills is not a list", { supplier: "ofpay" });
      }
      return rows.map((row: unknown) =>
        Object.fromEntries(
          Object.entries(row as Record<string, unknown>).map(([name, value]) => [
            name,
            value === null || value === undefined ? "" : String(value),
          ]),
        ),
      );
    },
  });
}

/** A bill boundary as `querybill.do` takes it: `yyyyMMdd` (a day, China Standard Time) or `yyyyMMddHHmmss`. */
function billTime(value: OfpayBillTime, which: "from" | "to"): string {
  if (typeof value === "string") {
    if (!/^\d{8}(\d{6})?$/.test(value)) {
      throw new ValidationError(`ofpay bill: ${which} "${value}" is not yyyyMMdd or yyyyMMddHHmmss`, [
        { path: which, message: "use yyyyMMdd or yyyyMMddHHmmss (China Standard Time), or a Date" },
      ]);
    }
    return value;
  }
  const epochMs = typeof value === "number" ? value : value.getTime();
  if (!Number.isFinite(epochMs)) {
    throw new ValidationError(`ofpay bill: ${which} is not a valid time`, [
      { path: which, message: "use a valid Date or epoch milliseconds" },
    ]);
  }
  return formatDateTime(epochMs).slice(0, 10).replace(/-/g, "");
}
