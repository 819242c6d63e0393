/**
 * kaquan quick start: runs against the embedded Fulu simulator, so it needs no account.
 *
 *   npm run demo               # card codes masked
 *   npm run demo -- --reveal   # card codes shown
 *
 * To run against Fulu itself, drop the simulator and pass your AppKey/AppSecret (from the
 * environment, never from code) to createFuluAdapter.
 */
import { createSupplierClient, isKaquanError, type Order } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createFuluSimulator } from "kaquan/testing";

const reveal = process.argv.includes("--reveal");

function line(label: string, value: string): void {
  console.log(`  ${label.padEnd(18)} ${value}`);
}

function describeOrder(order: Order): void {
  line("order", `${order.merchantOrderId} (${order.kind ?? "?"}) → ${order.status}`);
  line("supplier order id", order.supplierOrderId ?? "-");
  line("cost", order.cost ? `${order.cost.amount} ${order.cost.currency}` : "-");
  order.cards.forEach((card, index) => {
    const number = card.number ? (reveal ? card.number.reveal() : String(card.number)) : "-";
    const code = reveal ? card.password.reveal() : String(card.password);
    line(
      `card ${index + 1}`,
      `number ${number}  code ${code}${card.expiresAt ? `  expires ${card.expiresAt}` : ""}`,
    );
  });
}

async function main(): Promise<void> {
  const simulator = createFuluSimulator({ settleAfterMs: 300 });
  await simulator.start();
  console.log(`Fulu simulator listening at ${simulator.url}\n`);

  const fulu = createSupplierClient({
    adapter: createFuluAdapter({
      appKey: simulator.appKey,
      appSecret: simulator.appSecret,
      endpoint: simulator.url,
    }),
  });

  try {
    console.log("Catalogue");
    const products = await fulu.listProducts();
    for (const product of products) {
      const price = product.price ? `${product.price.amount} ${product.price.currency}` : "-";
      line(
        product.sku,
        `${product.kind.padEnd(6)} ${price.padStart(12)}  ${product.saleStatus}/${product.stockStatus ?? "?"}  ${product.name}`,
      );
    }

    const cardProduct = products.find((product) => product.kind === "card");
    const directProduct = products.find((product) => product.kind === "direct");
    if (!cardProduct || !directProduct)
      throw new Error("the simulator's catalogue has no card or direct product");

    const stock = await fulu.getStock(cardProduct.sku, 2);
    const balance = await fulu.getBalance();
    console.log("\nAccount");
    line("stock", `${cardProduct.sku}: ${stock.status} (${stock.vendorStatus ?? "-"})`);
    line("balance", `${balance.available.amount} ${balance.available.currency}`);

    const run = Date.now().toString(36);
    console.log("\nPlacing a direct top-up and a card order");
    const [direct, card] = await Promise.all([
      fulu.placeOrder({
        merchantOrderId: `DEMO-${run}-D`,
        kind: "direct",
        sku: directProduct.sku,
        account: "player-10086",
        accountFields: { region: "电信一区" },
        maxCost: { amount: "100.00", currency: "CNY" },
      }),
      fulu.placeOrder({ merchantOrderId: `DEMO-${run}-C`, kind: "card", sku: cardProduct.sku, quantity: 2 }),
    ]);
    line(direct.merchantOrderId, direct.status);
    line(card.merchantOrderId, card.status);

    console.log("\nWaiting for the final states");
    const finals = await Promise.all([
      fulu.waitForFinal(direct.merchantOrderId, { deadlineMs: 30_000 }),
      fulu.waitForFinal(card.merchantOrderId, { deadlineMs: 30_000 }),
    ]);
    console.log("\nSummary");
    for (const order of finals) {
      describeOrder(order);
      console.log("");
    }
    const after = await fulu.getBalance();
    line("balance now", `${after.available.amount} ${after.available.currency}`);
    if (!reveal)
      console.log(
        "\nCard codes are Secrets: masked when printed. Run `npm run demo -- --reveal` to show them.",
      );

    const failed = finals.filter((order) => order.status !== "succeeded");
    if (failed.length > 0)
      throw new Error(`${failed.length} order(s) did not succeed: ${failed.map((o) => o.status).join(", ")}`);
  } finally {
    fulu.close();
    await simulator.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = isKaquanError(error) ? `${error.name} [${error.code}]: ${error.message}` : String(error);
    console.error(`\nDemo failed: ${message}`);
    process.exit(1);
  },
);
