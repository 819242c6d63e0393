/**
 * Fulu's value tables (vendor-protocols.md §1.5, §1.8, §1.9). Statuses are Chinese strings on
 * the wire; anything not in a table maps to `unknown` with the raw value kept.
 */
import type { OrderStatus, ProductKind, SaleStatus, StockStatus } from "../../src/core/index.js";
import type { VendorErrorTable } from "../../src/runtime/vendor-errors.js";

/** `order_state` (query) and `order_status` (callback). Terminal: success, failed. [H] */
export const fuluOrderStates: Readonly<Record<string, OrderStatus>> = {
  success: "succeeded",
  failed: "failed",
  processing: "processing",
  untreated: "processing", // 未处理: accepted, not yet worked on
};

/** `sales_status`. [M] (literals from code comments) */
export const fuluSaleStatuses: Readonly<Record<string, SaleStatus>> = {
  上架: "on_sale",
  下架: "off_sale",
  维护中: "maintenance",
  库存维护: "maintenance",
};

/** `stock_status`. [M] */
export const fuluStockStatuses: Readonly<Record<string, StockStatus>> = {
  充足: "in_stock",
  警报: "low",
  断货: "out_of_stock",
};

/** `product_type`. */
export const fuluProductTypes: Readonly<Record<string, ProductKind>> = {
  卡密: "card",
  直充: "direct",
  话费: "mobile",
};

/** `order_type`: 1 话费, 2 流量, 3 卡密, 4 直充. 流量 (data) is modelled as mobile. */
export const fuluOrderTypes: Readonly<Record<string, ProductKind>> = {
  "1": "mobile",
  "2": "mobile",
  "3": "card",
  "4": "direct",
};

/** `cards[].card_type`: 0 plain code, 1 QR code, 2 short link. */
export const fuluCardFormats: Readonly<Record<string, "code" | "qr" | "link">> = {
  "0": "code",
  "1": "qr",
  "2": "link",
};

/**
 * Fulu's open-API error codes are not published (vendor-protocols.md §1.9 [?]). These defaults
 * are kaquan's assumption and every entry can be replaced through the adapter's `errorCodes`
 * option. Only 3000 "外部订单号已存在" is documented, for the legacy API. The message patterns
 * catch the vendor's Chinese wording when a code is unknown; a code or message that matches
 * nothing is treated as *unknown outcome* for orders (kaquan then queries), never as failed.
 */
export const defaultFuluErrorTable: VendorErrorTable = {
  codes: {
    "1000": "system_error",
    "1001": "authentication",
    "1002": "authentication",
    "1003": "bad_request",
    "1004": "product_unavailable",
    "1005": "out_of_stock",
    "1006": "insufficient_balance",
    "1007": "invalid_account",
    "1008": "order_not_found",
    "1009": "rate_limited",
    "3000": "duplicate_order",
  },
  messagePatterns: [
    [/已存在|重复/, "duplicate_order"],
    [/余额不足/, "insufficient_balance"],
    [/库存不足|缺货|断货|无库存/, "out_of_stock"],
    [/签名|sign/i, "authentication"],
    [/订单不存在|订单未找到|order not found/i, "order_not_found"],
    [/频繁|限流|rate limit/i, "rate_limited"],
  ],
};
