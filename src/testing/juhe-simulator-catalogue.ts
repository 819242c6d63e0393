/**
 * The Juhe simulator's credentials, face-value catalogue, carrier detection and outcome rule
 * (vendor-protocols.md §4). Juhe sells 话费 by carrier and face value: `telquery` names the
 * product (`cardid`, `cardname` such as "江苏移动话费100元") and its price `inprice` in 元.
 */

/** The simulator's default AppKey (`key`). Obviously fake; never a real Juhe key. */
export const JUHE_SIMULATOR_APP_KEY = "simulated-juhe-app-key-not-real-0";

/** The simulator's default OpenID (signs orders and balance queries, never sent). Obviously fake. */
export const JUHE_SIMULATOR_OPEN_ID = "JHsimulated-juhe-openid-not-real-0";

/** A mobile carrier, as Juhe names it in `cardname` and `game_area`. */
export type JuheCarrier = "移动" | "联通" | "电信";

/** One face value one carrier takes. */
export interface JuheSimulatorFaceValue {
  carrier: JuheCarrier;
  /** `cardnum`: the face value in whole 元, e.g. 100. */
  cardnum: number;
  /** `inprice`: what the merchant pays, 元, a decimal string such as "99.50". Debited as `ordercash`. */
  inprice: string;
  /** `cardid`: the vendor's product id for this carrier and face value. */
  cardid: string;
  /** `cardname`, e.g. "江苏移动话费100元". */
  cardname: string;
  /** False: the carrier/region is in maintenance, answered with 208503. Default true. */
  available?: boolean | undefined;
}

/**
 * Number prefixes (first three digits) per carrier. Numbers whose prefix is not listed — the
 * virtual-operator 170 segment, 1000…1299 — are refused with 208501 不允许充值的手机号码及金额.
 */
export const juheSimulatorCarrierPrefixes: Readonly<Record<JuheCarrier, readonly string[]>> = {
  移动: [
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "172",
    "178",
    "182",
    "183",
    "184",
    "187",
    "188",
    "195",
    "197",
    "198",
  ],
  联通: ["130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186", "196"],
  电信: ["133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199"],
};

/** The carrier of an 11-digit number, from its prefix; `undefined` when none matches. */
export function juheSimulatorCarrierOf(phoneno: string): JuheCarrier | undefined {
  const prefix = phoneno.slice(0, 3);
  for (const carrier of ["移动", "联通", "电信"] as const) {
    if (juheSimulatorCarrierPrefixes[carrier].includes(prefix)) return carrier;
  }
  return undefined;
}

const discounts: Readonly<Record<JuheCarrier, { permille: number; cardidPrefix: string }>> = {
  移动: { permille: 995, cardidPrefix: "1410" },
  联通: { permille: 996, cardidPrefix: "1420" },
  电信: { permille: 994, cardidPrefix: "1430" },
};

function faceValue(carrier: JuheCarrier, cardnum: number, province: string): JuheSimulatorFaceValue {
  const { permille, cardidPrefix } = discounts[carrier];
  // Face values are whole multiples of 10 元, so the price in 分 is a whole number.
  const fen = (cardnum * 100 * permille) / 1000;
  const inprice = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
  return {
    carrier,
    cardnum,
    inprice,
    cardid: `${cardidPrefix}${String(cardnum).padStart(4, "0")}`,
    cardname: `${province}${carrier}话费${cardnum}元`,
  };
}

/**
 * The default catalogue, for numbers of 江苏 (game_area "江苏南京<carrier>"):
 * - 移动 takes 10, 20, 30, 50, 100, 200, 300 and 500 元, at 99.5 % (100 元 costs 99.50);
 * - 联通 takes 10 … 300 元 (no 500), at 99.6 %;
 * - 电信 takes 10 … 300 元 (no 500), at 99.4 %.
 * `cardid` is `1410`/`1420`/`1430` followed by the face value on four digits (`14100100`).
 */
export const defaultJuheSimulatorCatalogue: readonly JuheSimulatorFaceValue[] = [
  ...[10, 20, 30, 50, 100, 200, 300, 500].map((cardnum) => faceValue("移动", cardnum, "江苏")),
  ...[10, 20, 30, 50, 100, 200, 300].map((cardnum) => faceValue("联通", cardnum, "江苏")),
  ...[10, 20, 30, 50, 100, 200, 300].map((cardnum) => faceValue("电信", cardnum, "江苏")),
];

/**
 * What happens to a number or an order:
 * - `success` / `failed`: the order settles so after `settleAfterMs` (failed refunds `ordercash`);
 * - `pending`: it stays `game_state` 0 until `completeOrder`;
 * - `refused`: `telcheck`, `telquery` and `onlineorder` refuse it with 208501, nothing is created.
 */
export type JuheSimulatorOutcome = "success" | "failed" | "pending" | "refused";

/** What the outcome rule sees. */
export interface JuheOutcomeInput {
  phoneno: string;
  /** The face value asked for. */
  cardnum: number;
  /** The merchant's `orderid`; `""` for `telcheck` and `telquery`. */
  orderid: string;
  carrier: JuheCarrier;
}

/**
 * The default outcome rule — the simulator's magic values. Before it runs, a `phoneno` that is
 * not 11 digits starting with 1 is refused with 208505 错误的手机号码, and one whose prefix names
 * no carrier (e.g. `170…`) or whose carrier does not take the face value with 208501.
 * - a number ending in `9999` is refused with 208501 (no order is created);
 * - a number ending in `0000`, or an `orderid` containing `fail` (any case), ends `9` failed;
 * - a number ending in `1111`, or an `orderid` containing `pending`, stays `0` until `completeOrder`;
 * - anything else ends `1` success.
 */
export function defaultJuheOutcome(input: JuheOutcomeInput): JuheSimulatorOutcome {
  const orderid = input.orderid.toLowerCase();
  if (input.phoneno.endsWith("9999")) return "refused";
  if (input.phoneno.endsWith("0000") || orderid.includes("fail")) return "failed";
  if (input.phoneno.endsWith("1111") || orderid.includes("pending")) return "pending";
  return "success";
}
