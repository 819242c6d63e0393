/** Fulu callbacks as the vendor sends them (vendor-protocols.md §1.7), for the callback benchmarks. */
import { signCallback } from "kaquan/testing";

/** The documented fields, all strings; `index` makes the supplier-side ids distinct. */
export function fuluCallbackFields(customerOrderNo: string, index: number): Record<string, string> {
  return {
    order_id: `261124${String(index).padStart(14, "0")}`,
    charge_finish_time: "2026-11-24 12:00:00",
    customer_order_no: customerOrderNo,
    order_status: "success",
    recharge_description: "充值成功",
    product_id: "10000001",
    price: "5.7000",
    buy_num: "1",
    operator_serial_number: `SIM261124${String(index).padStart(14, "0")}`,
  };
}

/** A success callback for `customerOrderNo`, signed with `appSecret`: the exact JSON body and headers. */
export function signedFuluCallback(
  customerOrderNo: string,
  index: number,
  appSecret: string,
): { body: string; headers: Record<string, string> } {
  return signCallback("fulu", fuluCallbackFields(customerOrderNo, index), { appSecret });
}
