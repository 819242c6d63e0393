/**
 * What kaquan does when an order's answer is lost: the supplier committed the order, then the
 * connection dropped before the answer arrived. Reporting it `failed` (and refunding the customer)
 * would be wrong — the card was bought. kaquan reports it `unknown`, never re-sends it blindly,
 * and resolves it by querying with your own order number.
 *
 *   npx tsx examples/resolving-unknown.ts
 *
 * Runs against the embedded Fulu simulator, whose scripted faults act out the failures.
 */
import { createSupplierClient, isKaquanError, type OrderResult } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createFuluSimulator } from "kaquan/testing";

const PLACE_CARD = "fulu.order.card.add";
const QUERY = "fulu.order.info.get";

function show(label: string, order: OrderResult): void {
  const { attempts, resolvedBy } = order.meta;
  console.log(`  ${label}: ${order.status} (resolved by ${resolvedBy}, ${attempts} send(s) by this call)`);
  if (order.unknownReason) console.log(`    why unknown: ${order.unknownReason}`);
}

async function main(): Promise<void> {
  const simulator = createFuluSimulator({ settleAfterMs: 100 });
  await simulator.start();
  const fulu = createSupplierClient({
    adapter: createFuluAdapter({
      appKey: simulator.appKey,
      appSecret: simulator.appSecret,
      endpoint: simulator.url,
    }),
    // Short windows so the example finishes in seconds; the defaults are the supplier's own.
    pollIntervalMs: 200,
    notFoundGraceMs: 2_000,
    resolveTimeoutMs: 1_500,
  });
  const run = Date.now().toString(36);
  const ordersAtSupplier = (merchantOrderId: string) =>
    simulator.orders().filter((order) => order.customerOrderNo === merchantOrderId).length;

  try {
    console.log("1. The order is committed, the answer lost, and the first queries say 订单不存在 (lag)");
    simulator.injectFault({ kind: "not-found-until", queries: 2 });
    simulator.injectFault({ kind: "commit-then-drop", method: PLACE_CARD });
    const first = await fulu.placeOrder({ merchantOrderId: `UNK-${run}-1`, kind: "card", sku: "10000002" });
    show("placeOrder", first);
    console.log(`    orders Fulu holds under this id: ${ordersAtSupplier(first.merchantOrderId)}`);

    console.log("\n2. The answer is lost and Fulu cannot be queried for a while: placeOrder returns unknown");
    simulator.injectFault({ kind: "commit-then-drop", method: PLACE_CARD });
    simulator.injectFault({ kind: "http-500", method: QUERY, times: Number.POSITIVE_INFINITY });
    const second = await fulu.placeOrder({ merchantOrderId: `UNK-${run}-2`, kind: "card", sku: "10000002" });
    show("placeOrder", second);
    if (second.status !== "unknown")
      throw new Error("expected an unknown order while Fulu cannot be queried");
    console.log("    never refund an unknown order: it may have been fulfilled");

    console.log("\n   Fulu answers queries again; waitForFinal resolves the order");
    simulator.clearFaults();
    const resolved = await fulu.waitForFinal(second.merchantOrderId, { deadlineMs: 10_000 });
    show("waitForFinal", resolved);
    console.log(`    orders Fulu holds under this id: ${ordersAtSupplier(second.merchantOrderId)}`);

    console.log(
      "\n3. Calling placeOrder again with the same id returns the stored order: nothing is re-sent",
    );
    const again = await fulu.placeOrder({
      merchantOrderId: second.merchantOrderId,
      kind: "card",
      sku: "10000002",
    });
    show("placeOrder", again);
    const sends = simulator.requests(PLACE_CARD).length;
    console.log(`\nPlacement requests Fulu received in all: ${sends} for 2 orders`);
    if (sends !== 2) throw new Error(`expected 2 placement requests, saw ${sends}`);
  } finally {
    fulu.close();
    await simulator.close();
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
