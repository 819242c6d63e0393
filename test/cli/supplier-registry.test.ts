import { describe, expect, it } from "vitest";
import {
  isSupplierName,
  SUPPLIER_NAMES,
  SUPPLIER_REGISTRY,
  supplierEntry,
} from "../../src/cli/supplier-registry.js";
import { createSupplierClient, InvalidAccountError, isFinal, KaquanError } from "../../src/index.js";

describe("the supplier registry", () => {
  it("has one row per built-in supplier, each credential read from a KAQUAN_<SUPPLIER>_ variable", () => {
    expect(Object.keys(SUPPLIER_REGISTRY).sort()).toEqual([...SUPPLIER_NAMES].sort());
    for (const entry of Object.values(SUPPLIER_REGISTRY)) {
      expect(entry.credentials.length).toBeGreaterThan(0);
      for (const spec of entry.credentials) {
        expect(spec.environmentVariable.startsWith(`KAQUAN_${entry.name.toUpperCase()}_`)).toBe(true);
      }
    }
    expect(isSupplierName("fulu")).toBe(true);
    expect(() => supplierEntry("acme")).toThrow(/not a built-in supplier/);
  });

  it("only OFPay has an order-list (bill) endpoint", () => {
    expect(
      Object.values(SUPPLIER_REGISTRY)
        .filter((entry) => entry.orderList)
        .map((entry) => entry.name),
    ).toEqual(["ofpay"]);
  });

  it.each(SUPPLIER_NAMES)("%s: the simulator accepts every listed fault kind", async (name) => {
    const simulator = await SUPPLIER_REGISTRY[name].startSimulator();
    try {
      for (const kind of SUPPLIER_REGISTRY[name].faultKinds)
        expect(() => simulator.injectFault({ kind })).not.toThrow();
      expect(() => simulator.injectFault({ kind: "no-such-fault" })).toThrow();
    } finally {
      await simulator.close();
    }
  });

  it.each(SUPPLIER_NAMES)(
    "%s: the default test order succeeds at the simulator, the invalid account does not",
    async (name) => {
      const entry = SUPPLIER_REGISTRY[name];
      const simulator = await entry.startSimulator();
      const client = createSupplierClient({
        adapter: entry.createAdapter({
          ...simulator.adapterInput,
          credentials: simulator.credentials,
          pollIntervalMs: 20,
          notFoundGraceMs: 200,
        }),
      });
      try {
        const placed = await client.placeOrder({
          ...entry.testOrder,
          merchantOrderId: `KQREG${name.toUpperCase()}01`,
        });
        const final = isFinal(placed.status)
          ? placed
          : await client.waitForFinal(placed.merchantOrderId, { deadlineMs: 10_000 });
        expect(final.status).toBe("succeeded");
        expect(simulator.ordersWithId(placed.merchantOrderId)).toBe(1);
        if (entry.invalidAccountOrder) {
          const outcome = await client
            .placeOrder({ ...entry.invalidAccountOrder, merchantOrderId: `KQREG${name.toUpperCase()}02` })
            .then((order) =>
              isFinal(order.status)
                ? order
                : client.waitForFinal(order.merchantOrderId, { deadlineMs: 10_000 }),
            )
            .catch((error: unknown) => error);
          // A typed rejection at order time, or (DT One's sandbox) a decline after acceptance.
          if (KaquanError.isInstance(outcome)) expect(InvalidAccountError.isInstance(outcome)).toBe(true);
          else expect((outcome as { status: string }).status).toBe("failed");
        }
      } finally {
        client.close();
        await simulator.close();
      }
    },
  );

  it("refuses sandbox for a supplier without a sandbox host, unless an endpoint replaces it", () => {
    const juhe = SUPPLIER_REGISTRY.juhe;
    const credentials = { key: "k", openId: "o" };
    expect(() => juhe.createAdapter({ credentials, environment: "sandbox" })).toThrow(/no sandbox host/);
    expect(() =>
      juhe.createAdapter({ credentials, environment: "sandbox", endpoint: "http://127.0.0.1:1/" }),
    ).not.toThrow();
  });

  it("asks for Bitrefill's key or both business credentials, by variable name", () => {
    expect(() => SUPPLIER_REGISTRY.bitrefill.createAdapter({ credentials: { businessId: "id" } })).toThrow(
      /KAQUAN_BITREFILL_API_KEY, or both KAQUAN_BITREFILL_BUSINESS_ID and KAQUAN_BITREFILL_BUSINESS_SECRET/,
    );
  });
});
