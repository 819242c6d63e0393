/**
 * An in-process 橙券 Chengquan supplier that speaks the vendor's wire protocol
 * (vendor-protocols.md §9): every call is a `GET` of `<base>/<path>?<query>` carrying `app_id`,
 * `timestamp` (milliseconds) and `sign = UPPER(md5(sorted non-empty k=v&…&key=APP_KEY))`; every
 * answer is JSON `{"code": 7000, "message": "请求通过", "data": …}`; coupon secrets come back
 * AES-128-CBC + base64 with the merchant's separate AES key and IV; recharge results are
 * POSTed form-encoded to `notify_url`, signed with the same scheme.
 *
 * On top of the protocol it offers scripted faults (a dropped connection after the order is
 * committed, gateway pages, vendor system errors, rate limits, propagation lag, duplicate or
 * out-of-order callbacks, delivered coupons with empty secrets, …) and an inspection API to
 * check that an order was placed exactly once and paid once. It listens on 127.0.0.1 only and
 * prints nothing. It imports nothing from the Chengquan adapter: the signature, paths and
 * tables are written here from the vendor facts, so the two cross-check each other.
 *
 * Sources of the facts (each a public repository, read for facts only):
 * - javareact/chengquan-openapi: `src/Client.php` (GET, query, public parameters, gateways,
 *   `verifySign`), `src/Tools/Sign.php` (the signature), `src/CQApiResponse.php` (envelope
 *   `code`/`message`/`data`, success 7000, JSON content type), `src/CQBalance.php` (the balance
 *   path `user/balance/get`, no parameters), `src/CQOrder.php`, `src/CQCoupon.php` (paths and
 *   parameters), `src/Tools/AES.php` (AES-128-CBC, base64, trimmed plaintext),
 *   `tests/SignTest.php` (a signed callback: `app_id, order_no, state=SUCCESS, timestamp, sign`),
 *   `tests/AESTest.php` (a ciphertext);
 * - dtapps/go-library `service/chengquan`: the error codes 7000–7777 and order states
 *   `RECHARGE`/`SUCCESS`/`FAILURE` (`const.go`), recharge answer fields (`order.get.go`,
 *   `order.tel.pay.go`), the balance answer in 元 (`user.balance.get.go`), the 3-minute
 *   timestamp window (`request.go`);
 * - txbao/common-go `common/thirdParty/chengquan/model.go` and `sdk.go`: coupon goods, stock,
 *   notes and coupon order fields (`goods_type`, `goods_number`/`goods_password`/`goods_link`
 *   AES-encrypted, times in milliseconds, unit price in 元);
 * - public integration code (a Java demo's `ChengquanDevEnv`): the AES key and IV are two
 *   16-character strings issued apart from APP_KEY. With its published test-environment values
 *   the vectors of `SignTest.php` and `AESTest.php` both check out (kaquan's tests use them).
 *
 * Still unconfirmed, chosen here and configurable: the callback ack (`success`), coupon
 * callbacks (no `notify_url` parameter exists for coupon orders: only with `callbackUrl`), the
 * processing state of coupon orders (`RECHARGE`), the unit of goods-list prices (元), the
 * rate-limit answer (HTTP 429, code 7999), `start_time`/`end_time` as `yyyy-MM-dd HH:mm:ss`
 * Asia/Shanghai, `data: null` on errors, and whether `coupon/order/pay` delivers at once.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { ConfigurationError, fromMinorUnits } from "../core/index.js";
import { aesEncryptBase64 } from "../runtime/aes.js";
import { formatDateTime, systemClock } from "../runtime/clock.js";
import { md5Hex } from "../runtime/signing.js";
import {
  CHENGQUAN_SIMULATOR_AES_IV,
  CHENGQUAN_SIMULATOR_AES_KEY,
  CHENGQUAN_SIMULATOR_APP_ID,
  CHENGQUAN_SIMULATOR_APP_KEY,
  type ChengquanGoodsTypeLiteral,
  type ChengquanSimulatorOutcome,
  defaultChengquanOutcome,
  defaultChengquanSimulatorCatalogue,
} from "./chengquan-simulator-catalogue.js";
import {
  type ChengquanParameterValue,
  chengquanSign,
  encodeChengquanParameters,
  parseChengquanParameters,
  verifyChengquanSign,
} from "./chengquan-simulator-signature.js";
import type {
  ChengquanCallbackAttempt,
  ChengquanFaultKind,
  ChengquanOrderKind,
  ChengquanRequestFaultKind,
  ChengquanSignedParams,
  ChengquanSimulatedCard,
  ChengquanSimulatedOrder,
  ChengquanSimulator,
  ChengquanSimulatorFault,
  ChengquanSimulatorOptions,
  ChengquanSimulatorRequestRecord,
} from "./chengquan-simulator-types.js";
import { CallbackRecorder, callbackRetrySettings } from "./simulator-callbacks.js";
import {
  FaultQueue,
  faultMatchesMethod,
  type Http500Style,
  RequestFaults,
  SHARED_REQUEST_FAULT_KINDS,
  sendRetryAfter,
} from "./simulator-faults.js";
import { AutoSettle, SimulatorLifecycle, SimulatorLog } from "./simulator-lifecycle.js";
import { simulatorChecks } from "./simulator-options.js";
import { readBodyOr413, sendMethodNotAllowed, sendResponse } from "./simulator-server.js";

export type * from "./chengquan-simulator-types.js";

/** The paths the simulator serves (relative to the base URL; the SDK appends them without a leading slash). */
export const CHENGQUAN_SIMULATOR_PATHS = {
  telPay: "order/tel/pay",
  directCharge: "order/directCharge",
  orderGet: "order/get",
  couponOrderPay: "coupon/order/pay",
  couponOrderQuery: "coupon/order/query",
  couponTypeList: "coupon/type/list",
  couponTypeGoodsList: "coupon/type/goods/list",
  couponGoodsStock: "coupon/goods/stock",
  couponGoodsNotes: "coupon/goods/notes",
  balanceGet: "user/balance/get",
} as const;

interface GoodsState {
  goodsNo: string;
  name: string;
  goodsTypeId: number;
  price: number;
  officialPrice: number;
  stock: number;
  goodsType: ChengquanGoodsTypeLiteral;
  notes: string;
  sellStatus: number;
  validityDays: number;
}

interface OrderState extends ChengquanSimulatedOrder {
  outcome: ChengquanSimulatorOutcome;
  /** Reported instead of `state` by queries, when set (see `setRawOrderState`). */
  rawStateOverride?: string | undefined;
  settleScheduled: boolean;
  /** Remaining queries that answer 7016 (`not-found-until`). */
  notFoundLag: number;
  /** Set by `empty-card-code`: the delivered secrets are empty, shown this way on the wire. */
  emptySecrets?: "empty" | "null" | "encrypted-empty" | undefined;
  /** Unit price in 分 (coupon), for the `price` field of coupon answers. */
  unitPrice: number;
  goodsName: string;
  goodsType?: ChengquanGoodsTypeLiteral | undefined;
}

/** A vendor error answer; thrown inside the request pipeline, turned into an envelope. */
class ChengquanRejection extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

type Answer = { ok: true; data: unknown } | { ok: false; code: number; message: string };
type Json = Record<string, unknown>;

/** Success code and message (javareact `CQApiResponse.php`: `code === 7000`; dtapps `const.go`: 请求通过). */
const SUCCESS_CODE = 7000;
const SUCCESS_MESSAGE = "请求通过";
const SYSTEM_ERROR_CODE = 7777;
const SYSTEM_ERROR_MESSAGE = "系统异常";
/** Assumed [?]: the vendor's rate-limit code is unpublished; the message also says so for classification by text. */
const RATE_LIMIT_CODE = 7999;
const RATE_LIMIT_MESSAGE = "请求过于频繁，请稍后再试";
const JSON_TYPE = "application/json;charset=UTF-8";
const HTTP_500: Http500Style = {
  defaultFormat: "json",
  jsonContentType: JSON_TYPE,
  textContentType: "text/plain; charset=utf-8",
};
const DAY_MS = 24 * 60 * 60 * 1000;
const checks = simulatorChecks("Chengquan");

const requestFaultKinds: ReadonlySet<string> = new Set<ChengquanRequestFaultKind>([
  ...SHARED_REQUEST_FAULT_KINDS,
  "system-error",
  "vendor-error",
  "rate-limit",
]);
const faultKinds: ReadonlySet<string> = new Set<string>([
  ...requestFaultKinds,
  "not-found-until",
  "duplicate-callback",
  "out-of-order-callback",
  "empty-card-code",
]);
const knownPaths: ReadonlySet<string> = new Set<string>(Object.values(CHENGQUAN_SIMULATOR_PATHS));
const goodsTypes: ReadonlySet<string> = new Set<ChengquanGoodsTypeLiteral>([
  "NUMBER_PASSWORD",
  "PASSWORD",
  "LINK",
  "PICTURE",
]);

/**
 * Creates a Chengquan simulator; call `start()` before use and `close()` after. Throws
 * `ConfigurationError` for an invalid option (an AES key or IV that is not 16 bytes, a balance
 * or price that is not a whole number of 分, a duplicate product).
 */
export function createChengquanSimulator(options: ChengquanSimulatorOptions = {}): ChengquanSimulator {
  const appId = options.appId ?? CHENGQUAN_SIMULATOR_APP_ID;
  const appKey = options.appKey ?? CHENGQUAN_SIMULATOR_APP_KEY;
  if (appId.length === 0) throw new ConfigurationError("Chengquan simulator: appId must not be empty");
  if (appKey.length === 0) throw new ConfigurationError("Chengquan simulator: appKey must not be empty");
  const aesKey = sixteenBytes(options.aesKey ?? CHENGQUAN_SIMULATOR_AES_KEY, "aesKey");
  const aesIv = sixteenBytes(options.aesIv ?? CHENGQUAN_SIMULATOR_AES_IV, "aesIv");
  const clock = options.clock ?? systemClock;
  const settleAfterMs = checks.nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const callbackRetry = callbackRetrySettings(options, checks.nonNegative);
  const callbackFieldSet = options.callbackFields ?? "minimal";
  const ack = options.callbackAck ?? "success";
  const isAcknowledged = typeof ack === "function" ? ack : (_status: number, reply: string) => reply === ack;
  const timestampToleranceMs = options.timestampToleranceMs ?? 180_000;
  if (!(timestampToleranceMs >= 0)) {
    throw new ConfigurationError(
      "Chengquan simulator: timestampToleranceMs must be 0 or more (Infinity turns it off)",
    );
  }
  const httpMethods = new Set<string>(options.httpMethods ?? ["GET"]);
  const goodsPriceUnit = options.goodsPriceUnit ?? "yuan";
  const couponProcessingState = options.couponProcessingState ?? "RECHARGE";
  const syncCouponDelivery = options.syncCouponDelivery ?? false;
  const directChargeVersion =
    options.directChargeVersion === undefined ? "1.1.0" : options.directChargeVersion;
  const outcomeOf = options.outcome ?? defaultChengquanOutcome;
  const callbackUrl = options.callbackUrl;
  if (callbackUrl !== undefined) checks.url(callbackUrl, "callbackUrl");

  let balance = fenOption(options.balance ?? 1_000_000, "balance");

  const catalogueOption = options.catalogue ?? defaultChengquanSimulatorCatalogue;
  const couponTypes = new Map<number, { goodsTypeId: number; name: string; sellStatus: number }>();
  for (const type of catalogueOption.couponTypes) {
    positiveInteger(type.goodsTypeId, "goodsTypeId");
    if (couponTypes.has(type.goodsTypeId)) duplicateEntry(`goodsTypeId ${type.goodsTypeId}`);
    couponTypes.set(type.goodsTypeId, {
      goodsTypeId: type.goodsTypeId,
      name: type.name,
      sellStatus: type.sellStatus ?? 1,
    });
  }
  const goods = new Map<string, GoodsState>();
  for (const item of catalogueOption.couponGoods) {
    if (item.goodsNo.length === 0)
      throw new ConfigurationError("Chengquan simulator: goodsNo must not be empty");
    if (goods.has(item.goodsNo)) duplicateEntry(`goodsNo "${item.goodsNo}"`);
    if (!couponTypes.has(item.goodsTypeId)) {
      throw new ConfigurationError(
        `Chengquan simulator: goods "${item.goodsNo}" names goodsTypeId ${item.goodsTypeId}, which is not in couponTypes`,
      );
    }
    const goodsType = item.goodsType ?? "PASSWORD";
    if (!goodsTypes.has(goodsType)) {
      throw new ConfigurationError(
        `Chengquan simulator: goodsType "${goodsType}" is not a Chengquan goods_type`,
      );
    }
    const price = fenOption(item.price, `price of ${item.goodsNo}`);
    goods.set(item.goodsNo, {
      goodsNo: item.goodsNo,
      name: item.name,
      goodsTypeId: item.goodsTypeId,
      price,
      officialPrice: fenOption(item.officialPrice ?? price, `officialPrice of ${item.goodsNo}`),
      stock: countOption(item.stock ?? 100, `stock of ${item.goodsNo}`),
      goodsType,
      notes: item.notes ?? `${item.name}：模拟卡券使用须知，请在有效期内兑换。`,
      sellStatus: item.sellStatus ?? 1,
      validityDays: checks.nonNegative(item.validityDays ?? 365, `validityDays of ${item.goodsNo}`),
    });
  }
  const denominations = new Map<number, { faceValue: number; price: number }>();
  for (const item of catalogueOption.phoneDenominations) {
    const faceValue = fenOption(item.faceValue, "faceValue");
    if (denominations.has(faceValue)) duplicateEntry(`faceValue ${faceValue}`);
    denominations.set(faceValue, {
      faceValue,
      price: fenOption(item.price, `price of face value ${faceValue}`),
    });
  }
  const directProducts = new Map<
    number,
    { productId: number; name: string; price: number; requiresIp: boolean }
  >();
  for (const item of catalogueOption.directProducts) {
    positiveInteger(item.productId, "productId");
    if (directProducts.has(item.productId)) duplicateEntry(`productId ${item.productId}`);
    directProducts.set(item.productId, {
      productId: item.productId,
      name: item.name,
      price: fenOption(item.price, `price of ${item.productId}`),
      requiresIp: item.requiresIp ?? false,
    });
  }

  /** Recharge orders (`order/tel/pay`, `order/directCharge`) by `order_no`. */
  const rechargeOrders = new Map<string, OrderState>();
  /** Coupon orders by `user_order_no` — a separate number space, as the separate query shows. */
  const couponOrders = new Map<string, OrderState>();
  const orderLog: OrderState[] = [];
  const lifecycle = new SimulatorLifecycle("Chengquan");
  const requestLog = new SimulatorLog<ChengquanSimulatorRequestRecord>((record) => ({
    ...record,
    params: { ...record.params },
  }));
  const callbackLog = new CallbackRecorder<ChengquanCallbackAttempt>({
    ...callbackRetry,
    isAcknowledged,
    signal: lifecycle.signal,
    now: () => clock.now(),
  });
  const settling = new AutoSettle<OrderState>(lifecycle, {
    enabled: options.autoSettle ?? true,
    delayOf: () => settleAfterMs,
    isFinal,
    settle: (order) => finalize(order, order.outcome === "failed" ? "FAILURE" : "SUCCESS"),
  });
  const faults = new FaultQueue<ChengquanSimulatorFault>();
  const requestFaults = new RequestFaults({
    queue: faults,
    kinds: requestFaultKinds,
    orderOf: (fault) => fault.orderNo,
    http500: HTTP_500,
    wait: (ms) => lifecycle.wait(ms),
  });
  let orderSequence = 0;

  // ---- bookkeeping -------------------------------------------------------------------------

  function snapshot(order: OrderState): ChengquanSimulatedOrder {
    const copy: ChengquanSimulatedOrder = {
      kind: order.kind,
      orderNo: order.orderNo,
      platformOrderNo: order.platformOrderNo,
      state: order.state,
      rechargeNumber: order.rechargeNumber,
      mobile: order.mobile,
      count: order.count,
      cost: order.cost,
      notifyUrl: order.notifyUrl,
      createdAt: order.createdAt,
      cards: order.cards.map((card) => ({ ...card })),
    };
    if (order.productId !== undefined) copy.productId = order.productId;
    if (order.goodsNo !== undefined) copy.goodsNo = order.goodsNo;
    if (order.faceValue !== undefined) copy.faceValue = order.faceValue;
    if (order.finishedAt !== undefined) copy.finishedAt = order.finishedAt;
    return copy;
  }

  function findOrder(orderNo: string): OrderState | undefined {
    return rechargeOrders.get(orderNo) ?? couponOrders.get(orderNo);
  }

  function orderOrThrow(orderNo: string): OrderState {
    const order = findOrder(orderNo);
    if (!order) throw new RangeError(`Chengquan simulator: no order "${orderNo}"`);
    return order;
  }

  function goodsOrThrow(goodsNo: string): GoodsState {
    const item = goods.get(goodsNo);
    if (!item) throw new RangeError(`Chengquan simulator: no coupon goods "${goodsNo}"`);
    return item;
  }

  // ---- wire formats ------------------------------------------------------------------------

  function envelope(answer: Answer): string {
    if (!answer.ok) return JSON.stringify({ code: answer.code, message: answer.message, data: null });
    return JSON.stringify({ code: SUCCESS_CODE, message: SUCCESS_MESSAGE, data: answer.data ?? null });
  }

  /** The state a query shows: the raw override, else the order's, with the coupon processing literal. */
  function wireState(order: OrderState): string {
    if (order.rawStateOverride !== undefined) return order.rawStateOverride;
    return order.kind === "coupon" && order.state === "RECHARGE" ? couponProcessingState : order.state;
  }

  /** Recharge answer (dtapps `order.get.go`): times as text [?], `consume_amount` in 元. */
  function rechargeJson(order: OrderState): Json {
    return {
      app_id: appId,
      order_no: order.orderNo,
      recharge_number: order.rechargeNumber,
      start_time: formatDateTime(order.createdAt),
      // "如果订单为充值中该时间和创建时间相同" (dtapps `order.get.go`).
      end_time: formatDateTime(order.finishedAt ?? order.createdAt),
      state: wireState(order),
      consume_amount: yuan(order.cost),
    };
  }

  function encrypt(plain: string): string {
    return aesEncryptBase64(plain, { mode: "cbc", key: aesKey, iv: aesIv });
  }

  /** One secret field on the wire: encrypted when present, `""` when the goods type has none. */
  function secretField(order: OrderState, plain: string, applies: boolean): string | null {
    if (!applies) return "";
    if (order.emptySecrets === "null") return null;
    if (order.emptySecrets === "encrypted-empty") return encrypt("");
    if (plain === "") return "";
    return encrypt(plain);
  }

  /** Coupon answer (txbao `model.go`): one item per code; secrets only once delivered. */
  function couponJson(order: OrderState): Json[] {
    const delivered = order.state === "SUCCESS";
    const goodsType = order.goodsType ?? "PASSWORD";
    const items: Json[] = [];
    for (let index = 0; index < order.count; index++) {
      const card = delivered ? order.cards[index] : undefined;
      items.push({
        user_order_no: order.orderNo,
        order_no: order.platformOrderNo,
        state: wireState(order),
        price: yuan(order.unitPrice),
        goods_no: order.goodsNo ?? "",
        goods_name: order.goodsName,
        goods_type: goodsType,
        goods_number: card ? secretField(order, card.number, goodsType === "NUMBER_PASSWORD") : "",
        goods_password: card
          ? secretField(order, card.password, goodsType === "NUMBER_PASSWORD" || goodsType === "PASSWORD")
          : "",
        goods_link: card
          ? secretField(order, card.link, goodsType === "LINK" || goodsType === "PICTURE")
          : "",
        create_time: order.createdAt,
        complete_time: order.finishedAt ?? order.createdAt,
        effective_time: card ? card.effectiveTime : 0,
      });
    }
    return items;
  }

  function goodsJson(item: GoodsState): Json {
    const type = couponTypes.get(item.goodsTypeId);
    const price = (fen: number) => (goodsPriceUnit === "fen" ? fen : yuan(fen));
    return {
      name: item.name,
      goods_no: item.goodsNo,
      price: price(item.price),
      official_price: price(item.officialPrice),
      goods_type_id: item.goodsTypeId,
      goods_type_name: type?.name ?? "",
      sell_status: item.sellStatus,
    };
  }

  function callbackFields(order: OrderState, stale: boolean): Record<string, string> {
    const shownState = stale
      ? order.kind === "coupon"
        ? couponProcessingState
        : "RECHARGE"
      : wireState(order);
    const fields: Record<string, string> = { app_id: appId };
    if (order.kind === "coupon") fields.user_order_no = order.orderNo;
    else fields.order_no = order.orderNo;
    fields.state = shownState;
    fields.timestamp = String(clock.now());
    if (callbackFieldSet === "extended") {
      if (order.kind === "coupon") {
        fields.order_no = order.platformOrderNo;
        fields.goods_no = order.goodsNo ?? "";
        fields.count = String(order.count);
      } else {
        fields.recharge_number = order.rechargeNumber;
        fields.consume_amount = String(yuan(order.cost));
        fields.start_time = formatDateTime(order.createdAt);
        fields.end_time = formatDateTime(stale ? order.createdAt : (order.finishedAt ?? order.createdAt));
      }
    }
    return fields;
  }

  function signParams(params: Readonly<Record<string, ChengquanParameterValue>>): ChengquanSignedParams {
    const strings: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) {
      if (key === "sign" || value === undefined || value === null) continue;
      strings[key] = String(value);
    }
    const sign = chengquanSign(strings, appKey);
    const signed = { ...strings, sign };
    return { params: signed, sign, encoded: encodeChengquanParameters(signed) };
  }

  // ---- the HTTP front ----------------------------------------------------------------------

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on("error", () => {});
    // Split by hand: `new URL("//order/get", base)` would read `order` as a host name.
    const target = request.url ?? "/";
    const queryStart = target.indexOf("?");
    const search = queryStart < 0 ? "" : target.slice(queryStart + 1);
    // nginx merges repeated slashes; the SDK joins `https://api.chengquan.cn/` and `order/get`.
    const path = (queryStart < 0 ? target : target.slice(0, queryStart))
      .replace(/\/{2,}/g, "/")
      .replace(/^\//, "")
      .replace(/\/$/, "");
    if (!knownPaths.has(path)) {
      sendResponse(response, 404, "text/plain; charset=utf-8", "Not Found");
      return;
    }
    const httpMethod = request.method ?? "GET";
    if (!httpMethods.has(httpMethod)) {
      sendMethodNotAllowed(response, [...httpMethods].join(", "));
      return;
    }
    const params = parseChengquanParameters(search);
    if (httpMethod === "POST") {
      const body = await readBodyOr413(request, response);
      if (body === undefined) return;
      if (
        (request.headers["content-type"] ?? "").toLowerCase().includes("application/x-www-form-urlencoded")
      ) {
        Object.assign(params, parseChengquanParameters(body));
      }
    }
    const orderNo = params.order_no ?? params.user_order_no;
    const record: ChengquanSimulatorRequestRecord = {
      path,
      httpMethod,
      params: { ...params },
      orderNo,
      signatureValid: params.app_id === appId && verifyChengquanSign(params, appKey),
      at: clock.now(),
    };
    requestLog.push(record);

    const exchange = { request, response, record };
    const { fault, finished } = await requestFaults.open(exchange, path, orderNo);
    if (finished) return;
    if (fault?.kind === "rate-limit") {
      const code = fault.code ?? RATE_LIMIT_CODE;
      record.httpStatus = 429;
      record.code = code;
      const message = fault.message ?? RATE_LIMIT_MESSAGE;
      sendRetryAfter(response, 429, JSON_TYPE, envelope({ ok: false, code, message }));
      return;
    }
    if (fault?.kind === "vendor-error") {
      const code = fault.code ?? SYSTEM_ERROR_CODE;
      record.httpStatus = 200;
      record.code = code;
      const message = fault.message ?? SYSTEM_ERROR_MESSAGE;
      sendResponse(response, 200, JSON_TYPE, envelope({ ok: false, code, message }));
      return;
    }

    const answer = answerCall(path, params);
    record.code = answer.ok ? SUCCESS_CODE : answer.code;
    let text = envelope(answer);
    if (fault?.kind === "system-error") {
      // Processed (committed), then answered with a vendor error.
      const code = fault.code ?? SYSTEM_ERROR_CODE;
      record.code = code;
      text = envelope({ ok: false, code, message: fault.message ?? SYSTEM_ERROR_MESSAGE });
    }
    await requestFaults.send(fault, exchange, JSON_TYPE, text);
  }

  /** Authenticates one call and runs it. Never throws. */
  function answerCall(path: string, params: Record<string, string>): Answer {
    try {
      authenticate(params);
      return { ok: true, data: run(path, params) };
    } catch (error) {
      if (error instanceof ChengquanRejection) return { ok: false, code: error.code, message: error.message };
      return { ok: false, code: SYSTEM_ERROR_CODE, message: SYSTEM_ERROR_MESSAGE };
    }
  }

  /** The public parameters (§9): `app_id`, `timestamp` in milliseconds, `sign`. */
  function authenticate(params: Record<string, string>): void {
    if (!params.app_id) throw parameterError("app_id");
    if (params.app_id !== appId) throw new ChengquanRejection(7003, "商户账号不存在");
    if (!params.sign) throw parameterError("sign");
    if (!verifyChengquanSign(params, appKey)) throw new ChengquanRejection(7005, "签名错误");
    const timestamp = params.timestamp ?? "";
    if (!/^\d{1,16}$/.test(timestamp)) throw parameterError("timestamp");
    if (Math.abs(clock.now() - Number(timestamp)) > timestampToleranceMs) {
      throw new ChengquanRejection(7002, "请求超时");
    }
  }

  function run(path: string, params: Record<string, string>): unknown {
    switch (path) {
      case CHENGQUAN_SIMULATOR_PATHS.balanceGet:
        return { app_id: appId, balance: yuan(balance) };
      case CHENGQUAN_SIMULATOR_PATHS.couponTypeList:
        return [...couponTypes.values()].map((type) => ({
          goods_type_id: type.goodsTypeId,
          goods_type_name: type.name,
          sell_status: type.sellStatus,
        }));
      case CHENGQUAN_SIMULATOR_PATHS.couponTypeGoodsList: {
        const typeId = requiredInteger(params, "goods_type_id", 1, Number.MAX_SAFE_INTEGER);
        if (!couponTypes.has(typeId)) throw new ChengquanRejection(7008, "查询不到产品");
        return [...goods.values()].filter((item) => item.goodsTypeId === typeId).map(goodsJson);
      }
      case CHENGQUAN_SIMULATOR_PATHS.couponGoodsStock: {
        const item = findGoods(requiredText(params, "goods_no", 64));
        return { name: item.name, goods_no: item.goodsNo, stock_num: item.stock };
      }
      case CHENGQUAN_SIMULATOR_PATHS.couponGoodsNotes:
        return findGoods(requiredText(params, "goods_no", 64)).notes;
      case CHENGQUAN_SIMULATOR_PATHS.telPay:
        return placeTelOrder(params);
      case CHENGQUAN_SIMULATOR_PATHS.directCharge:
        return placeDirectOrder(params);
      case CHENGQUAN_SIMULATOR_PATHS.orderGet:
        return rechargeJson(queryOrder(rechargeOrders, requiredText(params, "order_no", 32)));
      case CHENGQUAN_SIMULATOR_PATHS.couponOrderPay:
        return placeCouponOrder(params);
      case CHENGQUAN_SIMULATOR_PATHS.couponOrderQuery:
        return couponJson(queryOrder(couponOrders, requiredText(params, "user_order_no", 32)));
      default:
        throw new ChengquanRejection(7001, "请求参数错误");
    }
  }

  function findGoods(goodsNo: string): GoodsState {
    const item = goods.get(goodsNo);
    if (!item) throw new ChengquanRejection(7008, "查询不到产品");
    return item;
  }

  function queryOrder(orders: Map<string, OrderState>, orderNo: string): OrderState {
    const order = orders.get(orderNo);
    if (!order) throw new ChengquanRejection(7016, "请求订单不存在");
    if (order.notFoundLag > 0) {
      order.notFoundLag -= 1;
      throw new ChengquanRejection(7016, "请求订单不存在");
    }
    return order;
  }

  function notifyUrlParameter(params: Record<string, string>): string {
    const notifyUrl = params.notify_url ?? "";
    if (notifyUrl !== "" && !/^https?:\/\//i.test(notifyUrl)) throw parameterError("notify_url");
    if (notifyUrl !== "") {
      try {
        new URL(notifyUrl);
      } catch {
        throw parameterError("notify_url");
      }
    }
    return notifyUrl;
  }

  function placeTelOrder(params: Record<string, string>): Json {
    const orderNo = requiredText(params, "order_no", 32);
    const rechargeNumber = requiredText(params, "recharge_number", 64);
    const faceValue = requiredInteger(params, "price", 1, Number.MAX_SAFE_INTEGER);
    const notifyUrl = notifyUrlParameter(params);
    // A re-sent order number is refused before anything else (7012 请求订单号已存在).
    if (rechargeOrders.has(orderNo)) throw new ChengquanRejection(7012, "请求订单号已存在");
    const denomination = denominations.get(faceValue);
    if (!denomination) throw new ChengquanRejection(7008, "查询不到产品");
    if (!/^1\d{10}$/.test(rechargeNumber)) throw new ChengquanRejection(7007, "查询不到手机卡号归属地");
    const outcome = outcomeOf({
      path: CHENGQUAN_SIMULATOR_PATHS.telPay,
      orderNo,
      rechargeNumber,
      mobile: "",
      faceValue,
      count: 1,
    });
    if (outcome === "invalid-account") throw new ChengquanRejection(7007, "查询不到手机卡号归属地");
    const order = commit({
      kind: "tel",
      orderNo,
      rechargeNumber,
      mobile: "",
      faceValue,
      count: 1,
      cost: denomination.price,
      unitPrice: denomination.price,
      goodsName: `话费 ${yuan(faceValue)}元`,
      notifyUrl,
      outcome,
    });
    return rechargeJson(order);
  }

  function placeDirectOrder(params: Record<string, string>): Json {
    const orderNo = requiredText(params, "order_no", 32);
    const rechargeNumber = requiredText(params, "recharge_number", 64);
    const productId = requiredInteger(params, "product_id", 1, Number.MAX_SAFE_INTEGER);
    // "数量范围1-99999" (javareact/chengquan-openapi `src/CQOrder.php`).
    const amount = requiredInteger(params, "amount", 1, 99_999);
    const ip = params.ip ?? "";
    const notifyUrl = notifyUrlParameter(params);
    if (directChargeVersion !== null && params.version !== directChargeVersion)
      throw parameterError("version");
    if (ip !== "" && isIP(ip) === 0) throw parameterError("ip");
    if (rechargeOrders.has(orderNo)) throw new ChengquanRejection(7012, "请求订单号已存在");
    const product = directProducts.get(productId);
    if (!product) throw new ChengquanRejection(7008, "查询不到产品");
    // "仅腾讯业务需要…传空会报错" (javareact/chengquan-openapi `src/CQOrder.php`).
    if (product.requiresIp && ip === "") throw parameterError("ip");
    const outcome = outcomeOf({
      path: CHENGQUAN_SIMULATOR_PATHS.directCharge,
      orderNo,
      rechargeNumber,
      mobile: params.oil_phone_account ?? "",
      productId,
      count: amount,
    });
    if (outcome === "invalid-account") throw new ChengquanRejection(7001, "请求参数错误：recharge_number");
    const order = commit({
      kind: "direct",
      orderNo,
      rechargeNumber,
      mobile: "",
      productId,
      count: amount,
      cost: product.price * amount,
      unitPrice: product.price,
      goodsName: product.name,
      notifyUrl,
      outcome,
    });
    return rechargeJson(order);
  }

  function placeCouponOrder(params: Record<string, string>): Json[] {
    const orderNo = requiredText(params, "user_order_no", 32);
    const goodsNo = requiredText(params, "goods_no", 64);
    // "购买数量（只能为正整数，最大等于50）" (javareact/chengquan-openapi `src/CQCoupon.php`).
    const count = requiredInteger(params, "count", 1, 50);
    const mobile = params.mobile ?? "";
    if (mobile !== "" && !/^1\d{10}$/.test(mobile)) throw parameterError("mobile");
    if (couponOrders.has(orderNo)) throw new ChengquanRejection(7012, "请求订单号已存在");
    const item = findGoods(goodsNo);
    if (item.sellStatus !== 1) throw new ChengquanRejection(7009, "产品已下架");
    if (item.stock < count) throw new ChengquanRejection(7019, "产品库存不足");
    const outcome = outcomeOf({
      path: CHENGQUAN_SIMULATOR_PATHS.couponOrderPay,
      orderNo,
      rechargeNumber: "",
      mobile,
      goodsNo,
      count,
    });
    if (outcome === "invalid-account") throw parameterError("mobile");
    const order = commit({
      kind: "coupon",
      orderNo,
      rechargeNumber: "",
      mobile,
      goodsNo,
      count,
      cost: item.price * count,
      unitPrice: item.price,
      goodsName: item.name,
      goodsType: item.goodsType,
      notifyUrl: "",
      outcome,
    });
    if (syncCouponDelivery && outcome === "success") finalize(order, "SUCCESS");
    return couponJson(order);
  }

  interface NewOrder {
    kind: ChengquanOrderKind;
    orderNo: string;
    rechargeNumber: string;
    mobile: string;
    productId?: number;
    goodsNo?: string;
    faceValue?: number;
    count: number;
    cost: number;
    unitPrice: number;
    goodsName: string;
    goodsType?: ChengquanGoodsTypeLiteral;
    notifyUrl: string;
    outcome: ChengquanSimulatorOutcome;
  }

  /** Debits the balance (7014 when short), takes coupon stock, records the order, schedules settling. */
  function commit(input: NewOrder): OrderState {
    if (balance < input.cost) throw new ChengquanRejection(7014, "商户账号余额不足");
    balance -= input.cost;
    if (input.goodsNo !== undefined) goodsOrThrow(input.goodsNo).stock -= input.count;
    const createdAt = clock.now();
    orderSequence += 1;
    const order: OrderState = {
      ...input,
      platformOrderNo: `CQ${formatDateTime(createdAt).replace(/\D/g, "")}${String(orderSequence).padStart(6, "0")}`,
      state: "RECHARGE",
      createdAt,
      cards: [],
      settleScheduled: false,
      notFoundLag: 0,
    };
    (order.kind === "coupon" ? couponOrders : rechargeOrders).set(order.orderNo, order);
    orderLog.push(order);
    const path =
      order.kind === "tel"
        ? CHENGQUAN_SIMULATOR_PATHS.telPay
        : order.kind === "direct"
          ? CHENGQUAN_SIMULATOR_PATHS.directCharge
          : CHENGQUAN_SIMULATOR_PATHS.couponOrderPay;
    const forThisOrder = (kind: ChengquanFaultKind) => (candidate: ChengquanSimulatorFault) =>
      candidate.kind === kind &&
      faultMatchesMethod(candidate, path) &&
      (candidate.orderNo === undefined || candidate.orderNo === order.orderNo);
    const lag = faults.take(forThisOrder("not-found-until"));
    if (lag) order.notFoundLag = lag.queries ?? 2;
    if (order.kind === "coupon") {
      const empty = faults.take(forThisOrder("empty-card-code"));
      if (empty) order.emptySecrets = empty.emptyAs ?? "empty";
    }
    settling.schedule(order);
    return order;
  }

  // ---- settling and callbacks --------------------------------------------------------------

  function isFinal(order: OrderState): boolean {
    return order.state !== "RECHARGE";
  }

  function finalize(order: OrderState, final: "SUCCESS" | "FAILURE"): void {
    order.state = final;
    order.finishedAt = clock.now();
    if (final === "SUCCESS") {
      if (order.kind === "coupon") order.cards = makeCards(order);
    } else {
      balance += order.cost;
      if (order.goodsNo !== undefined) {
        const item = goods.get(order.goodsNo);
        if (item) item.stock += order.count;
      }
    }
    const url = callbackUrl ?? (order.kind === "coupon" ? undefined : order.notifyUrl || undefined);
    if (url !== undefined) {
      const fields = callbackFields(order, false);
      void dispatchCallback(order, signParams(fields).params, url, "final");
    }
  }

  function makeCards(order: OrderState): ChengquanSimulatedCard[] {
    const goodsType = order.goodsType ?? "PASSWORD";
    const validityDays =
      (order.goodsNo !== undefined ? goods.get(order.goodsNo)?.validityDays : undefined) ?? 365;
    const effectiveTime = (order.finishedAt ?? order.createdAt) + validityDays * DAY_MS;
    const empty = order.emptySecrets !== undefined;
    return Array.from({ length: order.count }, (_, index) => {
      const seed = md5Hex(`${order.platformOrderNo}:${index}`).toUpperCase();
      const hasNumber = goodsType === "NUMBER_PASSWORD";
      const hasPassword = hasNumber || goodsType === "PASSWORD";
      const hasLink = goodsType === "LINK" || goodsType === "PICTURE";
      return {
        number: hasNumber && !empty ? `CQN${seed.slice(0, 12)}` : "",
        password:
          hasPassword && !empty ? `${seed.slice(12, 16)}-${seed.slice(16, 20)}-${seed.slice(20, 24)}` : "",
        link:
          hasLink && !empty
            ? `https://coupon.simulator.invalid/${goodsType === "PICTURE" ? "img" : "r"}/${seed.slice(0, 16)}`
            : "",
        effectiveTime,
      };
    });
  }

  /** Delivers one callback, plus the duplicate / stale copies queued faults ask for. */
  function dispatchCallback(
    order: OrderState,
    signed: Readonly<Record<string, string>>,
    url: string,
    reason: "final" | "manual",
  ): Promise<ChengquanCallbackAttempt[]> {
    const forOrder = (kind: ChengquanFaultKind) => (candidate: ChengquanSimulatorFault) =>
      candidate.kind === kind && (candidate.orderNo === undefined || candidate.orderNo === order.orderNo);
    const duplicate = faults.take(forOrder("duplicate-callback"));
    const outOfOrder = faults.take(forOrder("out-of-order-callback"));
    const run = async () => {
      const attempts = await deliver(order, signed, url, reason);
      if (duplicate) attempts.push(...(await deliver(order, signed, url, "duplicate")));
      if (outOfOrder) {
        const stale = signParams(callbackFields(order, true)).params;
        attempts.push(...(await deliver(order, stale, url, "stale")));
      }
      return attempts;
    };
    return lifecycle.track(run());
  }

  function deliver(
    order: OrderState,
    signed: Readonly<Record<string, string>>,
    url: string,
    reason: ChengquanCallbackAttempt["reason"],
  ): Promise<ChengquanCallbackAttempt[]> {
    // Form-encoded: the SDK's `verifySign` takes the POST array (javareact `src/Client.php`).
    const body = encodeChengquanParameters(signed);
    const contentType = "application/x-www-form-urlencoded";
    return callbackLog.deliver({ url, body, contentType }, reason, () => ({
      orderNo: order.orderNo,
      state: signed.state ?? "",
    }));
  }

  // ---- the public object -------------------------------------------------------------------

  const simulator: ChengquanSimulator = {
    ...lifecycle.controls(handle, options),
    get url() {
      return `${lifecycle.running().origin}/`;
    },
    get port() {
      return lifecycle.running().port;
    },
    get appId() {
      return appId;
    },
    get appKey() {
      return appKey;
    },
    get aesKey() {
      return new Uint8Array(aesKey);
    },
    get aesIv() {
      return new Uint8Array(aesIv);
    },

    orders: () => orderLog.map(snapshot),
    order(orderNo) {
      const order = findOrder(orderNo);
      return order ? snapshot(order) : undefined;
    },
    requests: (path) => requestLog.select("path", path?.replace(/^\//, "")),
    callbacks: (orderNo) => callbackLog.select("orderNo", orderNo),
    balance: () => balance,
    setBalance(fen) {
      balance = fenOption(fen, "balance");
    },
    catalogue: () => ({
      couponTypes: [...couponTypes.values()].map((type) => ({ ...type })),
      couponGoods: [...goods.values()].map((item) => ({ ...item })),
      phoneDenominations: [...denominations.values()].map((item) => ({ ...item })),
      directProducts: [...directProducts.values()].map((item) => ({ ...item })),
    }),
    stock: (goodsNo) => goodsOrThrow(goodsNo).stock,
    setStock(goodsNo, units) {
      const item = goodsOrThrow(goodsNo);
      if (!(Number.isSafeInteger(units) && units >= 0)) {
        throw new RangeError("Chengquan simulator: stock must be a whole number of 0 or more");
      }
      item.stock = units;
    },
    setPrice(target, fen) {
      if (!(Number.isSafeInteger(fen) && fen >= 0)) {
        throw new RangeError("Chengquan simulator: a price is a whole number of 分, 0 or more");
      }
      if ("goodsNo" in target) goodsOrThrow(target.goodsNo).price = fen;
      else if ("productId" in target) {
        const product = directProducts.get(target.productId);
        if (!product) throw new RangeError(`Chengquan simulator: no direct product ${target.productId}`);
        product.price = fen;
      } else {
        const denomination = denominations.get(target.faceValue);
        if (!denomination)
          throw new RangeError(`Chengquan simulator: no phone denomination ${target.faceValue}`);
        denomination.price = fen;
      }
    },

    completeOrder(orderNo, final) {
      const order = orderOrThrow(orderNo);
      if (isFinal(order))
        throw new RangeError(`Chengquan simulator: order "${orderNo}" is already ${order.state}`);
      finalize(order, final === "success" ? "SUCCESS" : "FAILURE");
      return snapshot(order);
    },

    setRawOrderState(orderNo, rawState) {
      orderOrThrow(orderNo).rawStateOverride = rawState;
    },

    setAutoSettle(enabled) {
      settling.set(enabled, orderLog);
    },

    injectFault(fault) {
      checks.faultKind(faultKinds, fault);
      checks.faultTiming(fault);
      checks.faultCode(fault);
      if (fault.emptyAs !== undefined && !["empty", "null", "encrypted-empty"].includes(fault.emptyAs)) {
        throw new RangeError(
          `Chengquan simulator: emptyAs "${fault.emptyAs}" is not empty, null or encrypted-empty`,
        );
      }
      const existing = fault.orderNo === undefined ? undefined : findOrder(fault.orderNo);
      if (existing && fault.kind === "not-found-until") {
        // The order already exists: its lag starts now.
        existing.notFoundLag = fault.queries ?? 2;
        return;
      }
      if (existing && fault.kind === "empty-card-code") {
        if (existing.kind !== "coupon") {
          throw new RangeError(`Chengquan simulator: order "${existing.orderNo}" is not a coupon order`);
        }
        existing.emptySecrets = fault.emptyAs ?? "empty";
        for (const card of existing.cards) {
          card.number = "";
          card.password = "";
          card.link = "";
        }
        return;
      }
      faults.push(fault);
    },
    pendingFaults: () => faults.pending(),
    clearFaults() {
      faults.clear();
    },

    sendCallback(orderNo, overrides = {}, callOptions = {}) {
      const order = findOrder(orderNo);
      if (!order) return Promise.reject(new RangeError(`Chengquan simulator: no order "${orderNo}"`));
      const url = callOptions.url ?? callbackUrl ?? (order.notifyUrl || undefined);
      if (url === undefined) {
        return Promise.reject(
          new Error(
            "Chengquan simulator: no callback URL (set the callbackUrl option, pass url, or give notify_url)",
          ),
        );
      }
      const { sign, ...fieldOverrides } = overrides;
      const fields: Record<string, string> = callbackFields(order, false);
      for (const [key, value] of Object.entries(fieldOverrides)) {
        if (value === undefined) delete fields[key];
        else fields[key] = value;
      }
      const signed = sign === undefined ? signParams(fields).params : { ...fields, sign };
      return dispatchCallback(order, signed, url, "manual");
    },
    signParams,
  };

  return simulator;
}

// ---- helpers -----------------------------------------------------------------------------------

/** 分 → 元 as a JSON number (46.3 for 4630), computed without float arithmetic. */
function yuan(fen: number): number {
  return Number(fromMinorUnits(fen, "CNY", 2).amount);
}

function parameterError(name: string): ChengquanRejection {
  return new ChengquanRejection(7001, `请求参数错误：${name}`);
}

function requiredText(params: Record<string, string>, name: string, maxLength: number): string {
  const value = params[name];
  if (value === undefined || value === "") throw parameterError(name);
  if ([...value].length > maxLength) throw parameterError(name);
  return value;
}

function requiredInteger(params: Record<string, string>, name: string, min: number, max: number): number {
  const value = params[name];
  if (value === undefined || !/^\d{1,15}$/.test(value)) throw parameterError(name);
  const number = Number(value);
  if (number < min || number > max) throw parameterError(name);
  return number;
}

function sixteenBytes(value: string | Uint8Array, name: string): Uint8Array {
  const bytes =
    typeof value === "string" ? new Uint8Array(Buffer.from(value, "utf8")) : new Uint8Array(value);
  if (bytes.length !== 16) {
    throw new ConfigurationError(
      `Chengquan simulator: ${name} must be 16 bytes (AES-128-CBC), got ${bytes.length}`,
    );
  }
  return bytes;
}

function fenOption(value: number, name: string): number {
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    throw new ConfigurationError(
      `Chengquan simulator: ${name} must be a whole number of 分, 0 or more (got ${value})`,
    );
  }
  return value;
}

function countOption(value: number, name: string): number {
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    throw new ConfigurationError(
      `Chengquan simulator: ${name} must be a whole number of 0 or more (got ${value})`,
    );
  }
  return value;
}

function positiveInteger(value: number, name: string): void {
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new ConfigurationError(`Chengquan simulator: ${name} ${value} is not a positive integer`);
  }
}

function duplicateEntry(what: string): never {
  throw new ConfigurationError(`Chengquan simulator: ${what} appears twice in the catalogue`);
}
