/** Fulu direct top-up requests as kaquan's adapter writes them (vendor-protocols.md §1.2), for the benchmarks. */
import { formatDateTime } from "kaquan/adapter-kit";
import { buildFuluRequestBody } from "kaquan/adapters/fulu";

/** A direct top-up product of the simulator's default catalogue. */
export const FULU_DIRECT_PRODUCT_ID = "10000001";

/** The public parameters of a direct top-up, business fields in the adapter's order. */
export function fuluDirectOrderParameters(
  appKey: string,
  customerOrderNo: string,
  account: string,
  timestamp: string,
): Parameters<typeof buildFuluRequestBody>[0] {
  return {
    app_key: appKey,
    method: "fulu.order.direct.add",
    timestamp,
    version: "2.0",
    format: "json",
    charset: "utf-8",
    sign_type: "md5",
    app_auth_token: "",
    biz_content: JSON.stringify({
      product_id: Number(FULU_DIRECT_PRODUCT_ID),
      customer_order_no: customerOrderNo,
      charge_account: account,
      buy_num: 1,
    }),
  };
}

/** The exact signed body of a direct top-up, stamped now. */
export function signedFuluDirectOrder(
  credentials: { appKey: string; appSecret: string },
  customerOrderNo: string,
  account: string,
): string {
  const parameters = fuluDirectOrderParameters(
    credentials.appKey,
    customerOrderNo,
    account,
    formatDateTime(Date.now()),
  );
  return buildFuluRequestBody(parameters, credentials.appSecret).body;
}
