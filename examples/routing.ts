/**
 * Two suppliers behind one router: the same video membership month card (卡密) is sold by Fulu and
 * by Chengquan. The router buys from Fulu first; when Fulu runs out of stock — a definitive
 * refusal, so nothing was bought there — it fails over to Chengquan. An order whose outcome is
 * ambiguous would stay on its supplier and never be sent elsewhere.
 *
 *   npx tsx examples/routing.ts
 *
 * Both suppliers are the in-process simulators from kaquan/testing, so no account is needed. In
 * production each adapter gets its credentials from the environment.
 */
import { createSupplierClient, isKaquanError } from "kaquan";
import { createChengquanAdapter } from "kaquan/adapters/chengquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createSupplierRouter, type RoutedOrder } from "kaquan/routing";
import { createChengquanSimulator, createFuluSimulator } from "kaquan/testing";

/** The merchant's own sku; each supplier knows the product by its own id. */
const MONTH_CARD = "VIDEO-MONTH-CARD";
const FULU_MONTH_CARD = 10000002;
const CHENGQUAN_MONTH_CARD = "10010001";

function describe(order: RoutedOrder): void {
  console.log(
    `  ${order.merchantOrderId} → ${order.supplier} as ${order.supplierReference}: ${order.status}`,
  );
  for (const attempt of order.route.attempts) {
    console.log(
      `    ${attempt.supplier.padEnd(10)} ${attempt.outcome}${attempt.code ? ` (${attempt.code})` : ""}`,
    );
  }
  // Card codes are Secrets: they print masked unless revealed.
  console.log(`    cards: ${order.cards.map((card) => String(card.password)).join(", ") || "-"}`);
}

async function main(): Promise<void> {
  const fuluSimulator = createFuluSimulator({ settleAfterMs: 50 });
  const chengquanSimulator = createChengquanSimulator({ settleAfterMs: 50 });
  await Promise.all([fuluSimulator.start(), chengquanSimulator.start()]);
  chengquanSimulator.setStock(CHENGQUAN_MONTH_CARD, 1_000);

  const fulu = createSupplierClient({
    adapter: createFuluAdapter({
      appKey: fuluSimulator.appKey,
      appSecret: fuluSimulator.appSecret,
      endpoint: fuluSimulator.url,
    }),
  });
  const chengquan = createSupplierClient({
    adapter: createChengquanAdapter({
      appId: chengquanSimulator.appId,
      appKey: chengquanSimulator.appKey,
      // Chengquan issues the AES key and IV as 16-character strings.
      aesKey: Buffer.from(chengquanSimulator.aesKey).toString("utf8"),
      aesIv: Buffer.from(chengquanSimulator.aesIv).toString("utf8"),
      endpoint: chengquanSimulator.url,
    }),
  });

  const router = createSupplierRouter({
    suppliers: [fulu, chengquan],
    routes: [
      {
        sku: MONTH_CARD,
        kind: "card",
        offers: [
          {
            supplier: "fulu",
            sku: String(FULU_MONTH_CARD),
            priority: 1,
            cost: { amount: "25.50", currency: "CNY" },
          },
          {
            supplier: "chengquan",
            sku: CHENGQUAN_MONTH_CARD,
            priority: 2,
            cost: { amount: "19.80", currency: "CNY" },
          },
        ],
      },
    ],
  });

  try {
    const run = Date.now().toString(36);

    console.log("Both suppliers in stock: the first priority takes the order");
    const first = await router.placeOrder({ merchantOrderId: `RT-${run}-1`, sku: MONTH_CARD });
    describe(await router.waitForFinal(first.merchantOrderId, { deadlineMs: 10_000 }));

    console.log("\nFulu out of stock: a definitive refusal, so the router fails over");
    fuluSimulator.setStock(FULU_MONTH_CARD, "断货");
    const second = await router.placeOrder({ merchantOrderId: `RT-${run}-2`, sku: MONTH_CARD });
    const final = await router.waitForFinal(second.merchantOrderId, { deadlineMs: 10_000 });
    describe(final);
    if (final.supplier !== "chengquan") throw new Error("expected the order to fail over to Chengquan");

    console.log("\nThe same id again returns the same order and asks no supplier");
    const again = await router.placeOrder({ merchantOrderId: second.merchantOrderId, sku: MONTH_CARD });
    console.log(`  ${again.merchantOrderId}: ${again.supplier}, ${again.status}`);
    const fuluOrders = fuluSimulator.orders().length;
    const chengquanOrders = chengquanSimulator.orders().length;
    console.log(`\nOrders at the suppliers: Fulu ${fuluOrders}, Chengquan ${chengquanOrders}`);
    if (fuluOrders !== 1 || chengquanOrders !== 1)
      throw new Error("each supplier should hold exactly one order");

    console.log("\nHealth, as a dashboard would read it");
    for (const [name, health] of Object.entries(router.health())) {
      const successRate = health.stats?.successRate;
      const rate = successRate === undefined ? "-" : `${(successRate * 100).toFixed(0)} %`;
      console.log(`  ${name.padEnd(10)} available: ${health.available}, success rate ${rate}`);
    }
  } finally {
    fulu.close();
    chengquan.close();
    await Promise.all([fuluSimulator.close(), chengquanSimulator.close()]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(
      `example failed: ${isKaquanError(error) ? `${error.name} [${error.code}]: ${error.message}` : String(error)}`,
    );
    process.exit(1);
  },
);
