/**
 * Connecting a platform kaquan does not ship, with configuration instead of code.
 *
 * "Xingyun 星云卡券" is a fictional card platform that speaks the usual dialect: GET requests
 * with query parameters, `sign = UPPER(md5(sorted k=v pairs + "&key=" + secret))` with empty
 * values skipped, prices in 分, a `{ code, msg, data }` envelope with "0000" for success,
 * numeric order states, AES-128-CBC card codes, and form-encoded callbacks signed the same way
 * that want the literal `SUCCESS`.
 *
 *   npx tsx examples/signed-form-platform.ts
 *
 * The script starts a small stand-in for the platform on 127.0.0.1 (written by hand from the
 * same description, so it checks the spec), places a card order through kaquan and prints it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSupplierClient, md5Hex } from "kaquan";
import { aesEncryptBase64, defineSignedFormAdapter, type SignedFormAdapterSpec } from "kaquan/adapter-kit";
import { createCallbackHandler } from "kaquan/callbacks";

/** The whole protocol, as data. */
export const xingyunSpec: SignedFormAdapterSpec = {
  name: "xingyun",
  baseUrl: { production: "https://api.xingyun.example/v1/", sandbox: "https://sandbox.xingyun.example/v1/" },
  credentials: ["merchantId", "secretKey", "cardKey", "cardIv"],
  options: { notifyUrl: "" },
  amountUnit: "fen",
  timestampFormat: "unix-millis",
  signatures: {
    // Sorted k=v pairs of every parameter but `sign`, empty values skipped, then &key=SECRET.
    standard: { kind: "sorted", key: { credential: "secretKey", format: "&key={key}" }, letterCase: "upper" },
  },
  response: { codeField: "code", successCodes: ["0000"], messageField: "msg", resultField: "data" },
  statuses: { "1": "processing", "2": "succeeded", "3": "failed", "4": "reversed" },
  errors: {
    codes: {
      "1001": "authentication",
      "2001": "insufficient_balance",
      "2002": "out_of_stock",
      "2003": "invalid_account",
      "2004": "duplicate_order",
      "2005": "order_not_found",
      "9999": "system_error",
    },
    messagePatterns: [["余额不足", "insufficient_balance"]],
  },
  operations: {
    placeOrder: {
      card: {
        path: "order/card",
        params: {
          merchant_id: "$credential.merchantId",
          out_trade_no: "$request.merchantOrderId",
          goods_id: "$request.sku",
          num: "$request.quantity",
          notify_url: "$option.notifyUrl",
          timestamp: "$timestamp",
        },
        signature: { recipe: "standard" },
      },
      direct: {
        path: "order/recharge",
        params: {
          merchant_id: "$credential.merchantId",
          out_trade_no: "$request.merchantOrderId",
          goods_id: "$request.sku",
          account: "$request.account",
          num: "$request.quantity",
          notify_url: "$option.notifyUrl",
          timestamp: "$timestamp",
        },
        signature: { recipe: "standard" },
      },
    },
    queryOrder: {
      path: "order/query",
      params: {
        merchant_id: "$credential.merchantId",
        out_trade_no: "$merchantOrderId",
        timestamp: "$timestamp",
      },
      signature: { recipe: "standard" },
    },
    balance: {
      path: "account/balance",
      params: { merchant_id: "$credential.merchantId", timestamp: "$timestamp" },
      signature: { recipe: "standard" },
      amount: "balance",
    },
    stock: {
      path: "goods/stock",
      params: { merchant_id: "$credential.merchantId", goods_id: "$request.sku", timestamp: "$timestamp" },
      signature: { recipe: "standard" },
      status: "stock",
    },
  },
  order: {
    merchantOrderId: "out_trade_no",
    supplierOrderId: "trade_no",
    status: "state",
    cost: "amount",
    cards: {
      path: "cards",
      number: "no",
      password: "pwd",
      aes: { mode: "cbc", keyCredential: "cardKey", ivCredential: "cardIv" },
    },
  },
  products: {
    source: "operation",
    operation: {
      path: "goods/list",
      params: { merchant_id: "$credential.merchantId", timestamp: "$timestamp" },
      signature: { recipe: "standard" },
    },
    sku: "goods_id",
    name: "title",
    kind: { path: "type", values: { card: "card", recharge: "direct" } },
    price: "price",
    saleStatus: { path: "on_sale", values: { "1": "on_sale", "0": "off_sale" } },
  },
  callback: {
    format: "form",
    order: { merchantOrderId: "out_trade_no", supplierOrderId: "trade_no", status: "state", cost: "amount" },
    verification: { kind: "signed", recipe: "standard" },
    ack: { accepted: "SUCCESS", rejected: "FAIL" },
  },
  duplicateOrderId: "reject",
  notFoundGraceMs: 2_000,
  pollIntervalMs: 200,
};

/** The platform's credentials in this example (a real merchant reads them from the environment). */
const credentials = {
  merchantId: "M10001",
  secretKey: "xingyun-demo-secret-0001",
  cardKey: "0123456789abcdef",
  cardIv: "fedcba9876543210",
};

/** A hand-written stand-in for the platform: signs and verifies from the description above. */
export async function startXingyunStandIn(): Promise<{ url: string; close(): Promise<void> }> {
  const orders = new Map<
    string,
    { trade_no: string; state: string; amount: number; goods_id: string; num: number }
  >();
  const signOf = (params: Record<string, string>) =>
    md5Hex(
      `${Object.keys(params)
        .filter((key) => key !== "sign" && params[key] !== "")
        .sort()
        .map((key) => `${key}=${params[key]}`)
        .join("&")}&key=${credentials.secretKey}`,
    ).toUpperCase();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const params = Object.fromEntries(url.searchParams);
    const reply = (body: object) =>
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (params.sign !== signOf(params)) return reply({ code: "1001", msg: "签名错误" });
    const path = url.pathname.replace(/^\/v1\//, "");
    if (path === "goods/list") {
      return reply({
        code: "0000",
        msg: "ok",
        data: [
          { goods_id: "501", title: "星云 月卡", type: "card", price: 2550, on_sale: "1" },
          { goods_id: "601", title: "星云 100 金币直充", type: "recharge", price: 980, on_sale: "1" },
        ],
      });
    }
    if (path === "goods/stock") return reply({ code: "0000", msg: "ok", data: { stock: 42 } });
    if (path === "account/balance") return reply({ code: "0000", msg: "ok", data: { balance: 1000000 } });
    if (path === "order/card" || path === "order/recharge") {
      const id = params.out_trade_no ?? "";
      if (orders.has(id)) return reply({ code: "2004", msg: "订单号重复" });
      const order = {
        trade_no: `XY${orders.size + 1}`,
        state: "2",
        amount: 2550 * Number(params.num),
        goods_id: params.goods_id ?? "",
        num: Number(params.num),
      };
      orders.set(id, order);
      return reply({
        code: "0000",
        msg: "ok",
        data: { out_trade_no: id, trade_no: order.trade_no, state: "1", amount: order.amount },
      });
    }
    if (path === "order/query") {
      const order = orders.get(params.out_trade_no ?? "");
      if (!order) return reply({ code: "2005", msg: "订单不存在" });
      const encrypt = (value: string) =>
        aesEncryptBase64(value, {
          mode: "cbc",
          key: Buffer.from(credentials.cardKey),
          iv: Buffer.from(credentials.cardIv),
        });
      const cards = Array.from({ length: order.num }, (_, index) => ({
        no: encrypt(`XYNO${index}`),
        pwd: encrypt(`XYPWD-${order.trade_no}-${index}`),
      }));
      return reply({
        code: "0000",
        msg: "ok",
        data: {
          out_trade_no: params.out_trade_no,
          trade_no: order.trade_no,
          state: order.state,
          amount: order.amount,
          cards,
        },
      });
    }
    return response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  const platform = await startXingyunStandIn();
  const xingyun = defineSignedFormAdapter(xingyunSpec); // validated here: a wrong field name fails now
  const client = createSupplierClient({ adapter: xingyun.create({ credentials, endpoint: platform.url }) });
  try {
    const products = await client.listProducts();
    console.log(
      "Catalogue:",
      products.map(
        (product) => `${product.sku} ${product.name} ${product.price?.amount} ${product.price?.currency}`,
      ),
    );
    console.log("Balance:", (await client.getBalance()).available);
    console.log("Stock of 501:", (await client.getStock("501")).status);
    await client.placeOrder({ merchantOrderId: `XY-${Date.now()}`, kind: "card", sku: "501", quantity: 2 });
    const [order] = await client.listPendingOrders();
    const final = await client.waitForFinal(order!.merchantOrderId, { deadlineMs: 10_000 });
    console.log(
      `Order ${final.merchantOrderId}: ${final.status}, ${final.cards.length} card codes (masked: ${String(final.cards[0]?.password)})`,
    );
    // Callbacks: the same spec verifies the platform's form-encoded callbacks.
    const handler = createCallbackHandler({ clients: [client], onEvent: () => undefined });
    const fields: Record<string, string> = {
      out_trade_no: final.merchantOrderId,
      trade_no: "XY1",
      state: "2",
      amount: "5100",
    };
    const sorted = Object.keys(fields)
      .sort()
      .map((key) => `${key}=${fields[key]}`)
      .join("&");
    fields.sign = md5Hex(`${sorted}&key=${credentials.secretKey}`).toUpperCase();
    const result = await handler.handle({ body: new URLSearchParams(fields).toString(), headers: {} });
    console.log(`Callback answered ${result.ack.status} ${result.ack.body} (${result.outcome})`);
  } finally {
    client.close();
    await platform.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`Example failed: ${String(error)}`);
    process.exit(1);
  });
}
