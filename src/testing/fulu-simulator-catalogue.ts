/**
 * The Fulu simulator's catalogue, account templates and outcome rule. Product fields follow the
 * vendor's list/info result (vendor-protocols.md §1.5): Chinese status literals, integer
 * product ids, prices in 元.
 */

/** Public sandbox AppKey published in the vendor's SDKs (vendor-protocols.md §1.1); the simulator's default. */
export const FULU_SIMULATOR_APP_KEY = "i4esv1l+76l/7NQCL3QudG90Fq+YgVfFGJAWgT+7qO1Bm9o/adG/1iwO2qXsAXNB";

/** Public sandbox AppSecret published in the vendor's SDKs (§1.1); the simulator's default. */
export const FULU_SIMULATOR_APP_SECRET = "0a091b3aa4324435aab703142518a8f7";

/** `product_type`: 卡密 card codes, 直充 direct top-up, 话费 mobile top-up (ordered by face value). */
export type FuluProductTypeLiteral = "卡密" | "直充" | "话费";

/** `sales_status` literals (§1.5). Only 上架 can be ordered; `fulu.goods.list.get` lists only 上架 products. */
export type FuluSaleStatusLiteral = "上架" | "下架" | "维护中" | "库存维护";

/** `stock_status` literals (§1.5). 断货 refuses orders with code 1005; 警报 still sells. */
export type FuluStockStatusLiteral = "充足" | "警报" | "断货";

/** One product of the simulated catalogue. */
export interface FuluSimulatorProduct {
  /** `product_id`, an integer. */
  productId: number;
  /** `product_name`. */
  name: string;
  /** `product_type`. A 话费 product is ordered through `fulu.order.mobile.add` by its face value. */
  type: FuluProductTypeLiteral;
  /** `face_value` in 元, a decimal string such as `"100"`. */
  faceValue: string;
  /** `purchase_price` in 元 (what one unit costs the merchant), a decimal string such as `"95.50"`. */
  price: string;
  /** `sales_status`. Default 上架. */
  saleStatus?: FuluSaleStatusLiteral | undefined;
  /** `stock_status`. Default 充足. */
  stockStatus?: FuluStockStatusLiteral | undefined;
  /** `template_id` of the charge-account template (直充 products). Default `""`. */
  templateId?: string | undefined;
  /** `details`. Default `""`. */
  details?: string | undefined;
  /** `cards[].card_type` for 卡密 products: 0 plain code, 1 QR code, 2 short link. Default 0. */
  cardType?: 0 | 1 | 2 | undefined;
}

/** One field of a charge-account template (`fulu.goods.template.get`). The vendor's layout is unpublished [?]. */
export interface FuluSimulatorTemplateField {
  /** The template field name, e.g. `ChargeAccount`, `ChargeRegion`, `ChargeServer`. */
  name: string;
  /** Label shown to the buyer. */
  title: string;
  /** Whether the order must carry it. */
  required: boolean;
  /** Choices, for a select field. */
  options?: readonly string[] | undefined;
}

/** Template id of the default direct product. */
export const FULU_SIMULATOR_GAME_TEMPLATE_ID = "7b0c3c8e-4f5a-4d4e-9a51-2c1f0e9d7a10";

/**
 * The default catalogue:
 * - 10000001 直充 game top-up (template {@link FULU_SIMULATOR_GAME_TEMPLATE_ID}), 5.70 元;
 * - 10000002 卡密 video membership month card, 25.50 元;
 * - 10000003 卡密 game point card 100 元, 95.00 元;
 * - 10000004 / 10000005 话费 50 元 and 100 元 mobile top-up (ordered by `charge_value`), 49.80 / 99.50 元.
 */
export const defaultFuluSimulatorCatalogue: readonly FuluSimulatorProduct[] = [
  {
    productId: 10000001,
    name: "星海传说 60钻石 直充",
    type: "直充",
    faceValue: "6",
    price: "5.70",
    templateId: FULU_SIMULATOR_GAME_TEMPLATE_ID,
    details: "模拟直充商品：充值到游戏账号",
  },
  {
    productId: 10000002,
    name: "云影视频 黄金会员月卡 卡密",
    type: "卡密",
    faceValue: "30",
    price: "25.50",
    details: "模拟卡密商品：会员兑换码",
  },
  {
    productId: 10000003,
    name: "星海传说 100元点卡 卡密",
    type: "卡密",
    faceValue: "100",
    price: "95.00",
    details: "模拟卡密商品：点卡卡号与密码",
  },
  { productId: 10000004, name: "全国移动联通电信 话费 50元", type: "话费", faceValue: "50", price: "49.80" },
  {
    productId: 10000005,
    name: "全国移动联通电信 话费 100元",
    type: "话费",
    faceValue: "100",
    price: "99.50",
  },
];

/** Default account templates, by template id. */
export const defaultFuluSimulatorTemplates: Readonly<Record<string, readonly FuluSimulatorTemplateField[]>> =
  {
    [FULU_SIMULATOR_GAME_TEMPLATE_ID]: [
      { name: "ChargeAccount", title: "充值账号", required: true },
      {
        name: "ChargeRegion",
        title: "充值区服",
        required: false,
        options: ["安卓QQ区", "安卓微信区", "苹果QQ区"],
      },
      { name: "ChargeServer", title: "服务器", required: false },
      { name: "ChargeGame", title: "游戏角色", required: false },
    ],
  };

/**
 * What happens to an order:
 * - `success` / `failed`: it settles so after `settleAfterMs`;
 * - `pending`: it stays `processing` until `completeOrder` settles it;
 * - `invalid-account`: it is refused at order time with code 1007 and never exists.
 */
export type FuluSimulatorOutcome = "success" | "failed" | "pending" | "invalid-account";

/** What the outcome rule sees of an order being placed. */
export interface FuluOutcomeInput {
  /** The order method (`fulu.order.direct.add`, `fulu.order.card.add`, `fulu.order.mobile.add`). */
  method: string;
  customerOrderNo: string;
  /** `charge_account` (direct) or `charge_phone` (mobile); `""` for card orders. */
  account: string;
  productId: number;
  buyNum: number;
}

/**
 * The default outcome rule — the simulator's magic values, checked case-insensitively (a
 * `charge_phone` that is not 11 digits starting with 1 is refused with 1007 before any rule runs):
 * - a `charge_account` containing `invalid` is refused at order time with code 1007;
 * - a `charge_account`/`charge_phone` **or** `customer_order_no` containing `fail` ends `failed`
 *   (the balance is refunded);
 * - one containing `pending` stays `processing` until `completeOrder` (or forever);
 * - anything else ends `success`.
 */
export function defaultFuluOutcome(input: FuluOutcomeInput): FuluSimulatorOutcome {
  const account = input.account.toLowerCase();
  const orderNo = input.customerOrderNo.toLowerCase();
  if (account.includes("invalid")) return "invalid-account";
  if (account.includes("fail") || orderNo.includes("fail")) return "failed";
  if (account.includes("pending") || orderNo.includes("pending")) return "pending";
  return "success";
}
