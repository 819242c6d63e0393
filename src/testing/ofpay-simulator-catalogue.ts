/**
 * The OFPay 欧飞 simulator's credentials, catalogue, number segments and outcome rule
 * (vendor-protocols.md §5). OFPay sells mobile top-ups (话费) by `cardid` and face value
 * (`cardnum`, 元): 140101 fast (快充), 170101 slow (慢充, cheaper, settles within `mctype` hours).
 */
import {
  OFPAY_CARDID_FAST,
  OFPAY_CARDID_SLOW,
  OFPAY_DEFAULT_KEY_STR,
} from "../../adapters/ofpay/ofpay-tables.js";

/** The simulator's default SP code (`userid`). Real ones start with `A` too. */
export const OFPAY_SIMULATOR_USER_ID = "A8800001";

/** The simulator's default login password; the wire carries `userpws = md5(password)` (32 lowercase hex). */
export const OFPAY_SIMULATOR_PASSWORD = "kaquan-sim-111111";

/** The simulator's default `KeyStr`: the vendor's own default `OFCARD` (§5). Never sent over the wire. */
export const OFPAY_SIMULATOR_KEY_STR = OFPAY_DEFAULT_KEY_STR;

/** One product of the simulated catalogue: a face value of one `cardid` and what it costs the merchant. */
export interface OfpaySimulatorProduct {
  /** `cardid`, six digits: 140101 fast or 170101 slow. Matched on its first two digits (§5 [M]). */
  cardid: string;
  /** The face value, `cardnum` on the wire, in 元: a decimal string such as `"50"`. */
  faceValue: string;
  /** `inprice`: what one order costs the merchant (debited as `ordercash`), in 元, such as `"49.80"`. */
  price: string;
  /**
   * `cardname` stem. Default `话费{faceValue}元快充` / `…慢充`; the answers prefix the number's
   * province and carrier (`北京移动话费50元快充`) [?] (the vendor's naming is not published).
   */
  name?: string | undefined;
}

/**
 * The default catalogue: fast top-ups (140101) of 10, 20, 30, 50, 100, 200, 300 and 500 元 at
 * 99.6 % of face value, slow top-ups (170101) of 30, 50 and 100 元 at 96 % — the slow face values
 * are the vendor's (§5 [M]); the prices are made up.
 */
export const defaultOfpaySimulatorCatalogue: readonly OfpaySimulatorProduct[] = [
  { cardid: OFPAY_CARDID_FAST, faceValue: "10", price: "9.96" },
  { cardid: OFPAY_CARDID_FAST, faceValue: "20", price: "19.92" },
  { cardid: OFPAY_CARDID_FAST, faceValue: "30", price: "29.88" },
  { cardid: OFPAY_CARDID_FAST, faceValue: "50", price: "49.80" },
  { cardid: OFPAY_CARDID_FAST, faceValue: "100", price: "99.60" },
  { cardid: OFPAY_CARDID_FAST, faceValue: "200", price: "199.20" },
  { cardid: OFPAY_CARDID_FAST, faceValue: "300", price: "298.80" },
  { cardid: OFPAY_CARDID_FAST, faceValue: "500", price: "498.00" },
  { cardid: OFPAY_CARDID_SLOW, faceValue: "30", price: "28.80" },
  { cardid: OFPAY_CARDID_SLOW, faceValue: "50", price: "48.00" },
  { cardid: OFPAY_CARDID_SLOW, faceValue: "100", price: "96.00" },
];

/** The three carriers, as the vendor names them in `cardname` and `mobinfo.do`. */
export type OfpayCarrier = "移动" | "联通" | "电信";

/** Where a 7-digit number segment (号段) is registered. */
export interface OfpayNumberSegment {
  province: string;
  city: string;
}

/**
 * Default number segments for `mobinfo.do` and `cardname`; any other segment answers
 * {@link OFPAY_UNKNOWN_SEGMENT}. The simulator has no real 号段 database.
 */
export const defaultOfpayNumberSegments: Readonly<Record<string, OfpayNumberSegment>> = {
  "1380013": { province: "北京", city: "北京" },
  "1390000": { province: "北京", city: "北京" },
  "1861000": { province: "北京", city: "北京" },
  "1331000": { province: "北京", city: "北京" },
  "1381383": { province: "江苏", city: "南京" },
  "1391000": { province: "广东", city: "广州" },
};

/** The segment reported for a number the segment table does not know. [?] */
export const OFPAY_UNKNOWN_SEGMENT: OfpayNumberSegment = { province: "全国", city: "" };

const carrierPrefixes: ReadonlyArray<readonly [OfpayCarrier, readonly string[]]> = [
  [
    "移动",
    ["134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "178"],
  ],
  ["移动", ["182", "183", "184", "187", "188", "195", "197", "198"]],
  ["联通", ["130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186", "196"]],
  ["电信", ["133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199"]],
];

/**
 * The carrier of an 11-digit mainland number, by its first three digits; `undefined` for an
 * unknown segment or a virtual operator (170/171), which the default outcome refuses.
 */
export function ofpayCarrierOf(phone: string): OfpayCarrier | undefined {
  const prefix = phone.slice(0, 3);
  for (const [carrier, prefixes] of carrierPrefixes) if (prefixes.includes(prefix)) return carrier;
  return undefined;
}

/**
 * What happens to an order:
 * - `success` / `failed`: it settles so after `settleAfterMs` (fast) or `slowSettleAfterMs` (slow);
 * - `pending`: it stays `game_state` 0 until `completeOrder` settles it;
 * - `unsupported-number`: refused at order time with retcode 1005 (nothing is debited);
 * - `maintenance`: refused at order time with retcode 1006 "运营商地区维护，暂不能充值".
 */
export type OfpaySimulatorOutcome = "success" | "failed" | "pending" | "unsupported-number" | "maintenance";

/** What the outcome rule sees of an order being placed. */
export interface OfpayOutcomeInput {
  sporderId: string;
  /** `game_userid`: the phone number. */
  phone: string;
  cardid: string;
  speed: "fast" | "slow";
  /** `cardnum`, in 元. */
  faceValue: string;
}

/**
 * The default outcome rule — the simulator's magic values:
 * - a number of a virtual operator (170, 171) or an unknown segment is refused with 1005;
 * - a `sporder_id` containing `maintenance` (any case) is refused with 1006;
 * - a `sporder_id` containing `fail`, or a number ending in `0009`, ends failed (`game_state` 9,
 *   the balance is refunded);
 * - a `sporder_id` containing `pending`, or a number ending in `0008`, stays processing until
 *   `completeOrder` (or forever);
 * - anything else succeeds.
 */
export function defaultOfpayOutcome(input: OfpayOutcomeInput): OfpaySimulatorOutcome {
  const orderId = input.sporderId.toLowerCase();
  if (ofpayCarrierOf(input.phone) === undefined) return "unsupported-number";
  if (orderId.includes("maintenance")) return "maintenance";
  if (orderId.includes("fail") || input.phone.endsWith("0009")) return "failed";
  if (orderId.includes("pending") || input.phone.endsWith("0008")) return "pending";
  return "success";
}
