import { createFuluAdapter, fuluSign } from "kaquan/adapters/fulu";
import { type ConformanceTarget, createFuluSimulator, runAdapterConformance } from "kaquan/testing";
import { expect, it } from "vitest";

runAdapterConformance({
  name: "fulu",
  test: it,
  finalDeadlineMs: 10_000,
  start,
});

it("conformance refuses an adapter whose verified callback update breaks the OrderUpdate contract", async () => {
  // The callback handler skips the full schema for an adapter's verified update, so the
  // conformance suite is where a malformed one must be caught.
  const checks: Array<{ title: string; run: () => Promise<void> }> = [];
  await runAdapterConformance({
    name: "fulu (broken)",
    test: (title, run) => void checks.push({ title, run: run as () => Promise<void> }),
    async start() {
      const target = await start();
      const verify = target.adapter.verifyCallback!.bind(target.adapter);
      target.adapter.verifyCallback = async (callback, context) => {
        const verified = await verify(callback, context);
        return { ...verified, update: { ...verified.update, cost: "98.50" as never } };
      };
      return target;
    },
  });
  const callbacks = checks.find((check) => check.title.includes("verifies genuine callbacks"));
  await expect(callbacks!.run()).rejects.toThrow(/OrderUpdateSchema: cost/);
});

async function start(): Promise<ConformanceTarget> {
  const simulator = createFuluSimulator({ settleAfterMs: 20 });
  await simulator.start();
  const adapter = createFuluAdapter({
    appKey: simulator.appKey,
    appSecret: simulator.appSecret,
    endpoint: simulator.url,
    pollIntervalMs: 20,
    notFoundGraceMs: 200,
  });
  return {
    adapter,
    fixtures: {
      direct: { sku: "10000001", account: "player-1" },
      card: { sku: "10000002" },
      mobile: { account: "13800138000", faceValue: { amount: "100", currency: "CNY" } },
      unknownSku: "99999999",
    },
    callbackFor({ merchantOrderId, status }) {
      const fields = {
        order_id: "22113024595794711936",
        charge_finish_time: "2026-11-24 12:00:00",
        customer_order_no: merchantOrderId,
        order_status: status,
        recharge_description: status === "success" ? "充值成功" : "充值失败",
        product_id: "10000002",
        price: "98.5000",
        buy_num: "1",
        operator_serial_number: "",
      };
      const body = JSON.stringify({
        ...fields,
        sign: fuluSign(JSON.stringify(fields), simulator.appSecret),
      });
      return { body: Buffer.from(body), headers: { "content-type": "application/json" } };
    },
    setRawOrderStatus: (merchantOrderId, rawStatus) => simulator.setRawOrderState(merchantOrderId, rawStatus),
    close: () => simulator.close(),
  };
}
