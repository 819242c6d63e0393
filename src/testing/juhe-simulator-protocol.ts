/**
 * The Juhe 话费 wire protocol as the simulator speaks it (vendor-protocols.md §4): the three
 * signatures, written here by hand from the document and independent of any adapter code (so the
 * simulator cross-checks the adapter), the answer envelope, and the error codes it sends.
 */
import { md5Hex } from "../runtime/signing.js";

/** The base path, with its trailing slash. */
export const JUHE_SIMULATOR_BASE_PATH = "/ofpay/mobile/";

/** The endpoints the simulator serves under {@link JUHE_SIMULATOR_BASE_PATH}. */
export type JuheEndpoint = "telcheck" | "telquery" | "onlineorder" | "ordersta" | "yue" | "orderlist";

export const juheEndpoints: ReadonlySet<string> = new Set<JuheEndpoint>([
  "telcheck",
  "telquery",
  "onlineorder",
  "ordersta",
  "yue",
  "orderlist",
]);

/** `onlineorder`: `md5(OpenID + key + phoneno + cardnum + orderid)`, plain concatenation, lowercase hex. [H] */
export function juheOrderSign(
  openId: string,
  key: string,
  phoneno: string,
  cardnum: string,
  orderid: string,
): string {
  return md5Hex(openId + key + phoneno + cardnum + orderid);
}

/** `yue`: `md5(OpenID + key + timestamp)`, lowercase hex. [H] */
export function juheBalanceSign(openId: string, key: string, timestamp: string): string {
  return md5Hex(openId + key + timestamp);
}

/** Callback: `md5(AppKey + sporder_id + orderid)`, lowercase hex. `sta` is not signed. [H] */
export function juheCallbackSign(appKey: string, sporderId: string, orderid: string): string {
  return md5Hex(appKey + sporderId + orderid);
}

/** One `{error_code, reason}` pair. */
export interface JuheErrorAnswer {
  readonly code: number;
  readonly reason: string;
}

/**
 * The error answers the simulator sends. Common codes (100xx) [H]; 话费 codes (2085xx) [M]; see
 * adapters/juhe/juhe-tables.ts for their sources.
 */
export const juheSimulatorErrors = {
  badKey: { code: 10001, reason: "错误的请求KEY" },
  rateLimited: { code: 10012, reason: "请求超过次数限制" },
  systemError: { code: 10014, reason: "系统内部异常" },
  maintenance: { code: 10020, reason: "接口维护" },
  notAllowed: { code: 208501, reason: "不允许充值的手机号码及金额" },
  carrierMaintenance: { code: 208503, reason: "运营商地区维护，暂不能充值" },
  badPhone: { code: 208505, reason: "错误的手机号码" },
  badCardnum: { code: 208506, reason: "错误的充值金额" },
  badOrderId: { code: 208509, reason: "错误的订单号" },
  orderNotFound: { code: 208513, reason: "此订单不存在" },
  orderIdFormat: { code: 208514, reason: "不合规范的订单号（8-32位）" },
  badSign: { code: 208515, reason: "校验值sign错误" },
  duplicateOrder: { code: 208516, reason: "重复的订单号" },
  insufficientBalance: { code: 208517, reason: "当前账户可用余额不足" },
} as const satisfies Record<string, JuheErrorAnswer>;

/** A vendor error answer, thrown inside the request pipeline and turned into an envelope. */
export class JuheRejection extends Error {
  readonly code: number;
  constructor(answer: JuheErrorAnswer) {
    super(answer.reason);
    this.code = answer.code;
  }
}

/** The envelope `{reason, result, error_code}` (§4). */
export function juheEnvelope(reason: string, result: unknown, errorCode: number): string {
  return JSON.stringify({ reason, result: result ?? null, error_code: errorCode });
}

/**
 * The request parameters: the query string, then the form body of a POST (a body field wins over
 * a query field of the same name). A body that is not `application/x-www-form-urlencoded` is
 * ignored — one public sample POSTs with every parameter in the URL and `text/xml` as its type.
 */
export function juheParameters(
  search: URLSearchParams,
  body: string,
  contentType: string | undefined,
): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of search) parameters[name] = value;
  if (body.length > 0 && contentType?.toLowerCase().includes("application/x-www-form-urlencoded")) {
    for (const [name, value] of new URLSearchParams(body)) parameters[name] = value;
  }
  return parameters;
}

/** `"46.3"` → `"46.300"`: Juhe writes `uordercash` with three decimals (`"5.000"` in its sample). */
export function threeDecimals(amount: string): string {
  const [whole = "0", fraction = ""] = amount.split(".");
  return `${whole}.${fraction.padEnd(3, "0")}`;
}
