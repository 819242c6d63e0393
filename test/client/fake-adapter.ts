import type {
  AdapterCapabilities,
  AdapterContext,
  OrderRequest,
  OrderUpdate,
  Product,
  SupplierAdapter,
} from "kaquan";

type Step = (request: OrderRequest) => OrderUpdate | Error | Promise<OrderUpdate | Error>;

/**
 * A scriptable in-memory adapter: `placeSteps` answer successive placeOrder calls (an Error is
 * thrown), `orders` is what queryOrder sees. Every call is counted.
 */
export function createFakeAdapter(capabilities: Partial<AdapterCapabilities> = {}) {
  const orders = new Map<string, OrderUpdate>();
  const placeSteps: Step[] = [];
  const querySteps: Array<(id: string) => OrderUpdate | undefined | Error> = [];
  const calls = { place: 0, query: 0, product: 0 };
  const products = new Map<string, Product>([
    [
      "1001",
      {
        sku: "1001",
        name: "Game 60",
        kind: "direct",
        saleStatus: "on_sale",
        price: { amount: "5.70", currency: "CNY" },
      },
    ],
  ]);
  const adapter: SupplierAdapter = {
    name: "fake",
    capabilities: {
      duplicateOrderId: "reject",
      callbacks: "signed",
      stock: false,
      balance: false,
      cardDelivery: true,
      batchQuery: false,
      orderKinds: ["direct", "card", "mobile"],
      notFoundGraceMs: 0,
      pollIntervalMs: 5,
      resendAfterNotFound: true,
      ...capabilities,
    },
    secretValues: () => ["FAKE-SECRET-VALUE-0001"],
    async listProducts() {
      return [...products.values()];
    },
    async getProduct(sku: string) {
      calls.product += 1;
      return products.get(sku);
    },
    async placeOrder(request: OrderRequest, _context: AdapterContext) {
      calls.place += 1;
      const step = placeSteps.shift();
      const result: OrderUpdate | Error = step
        ? await step(request)
        : {
            merchantOrderId: request.merchantOrderId,
            supplier: "fake",
            status: "processing",
            source: "place",
          };
      if (result instanceof Error) throw result;
      orders.set(request.merchantOrderId, { ...result, source: "query" });
      return result;
    },
    async queryOrder(merchantOrderId: string) {
      calls.query += 1;
      const step = querySteps.shift();
      if (step) {
        const result = step(merchantOrderId);
        if (result instanceof Error) throw result;
        return result;
      }
      return orders.get(merchantOrderId);
    },
  };
  return { adapter, orders, placeSteps, querySteps, calls, products };
}

/** A step that commits the order at the supplier and then loses the answer. */
export function commitThenLose(
  orders: Map<string, OrderUpdate>,
  error: Error,
  status: OrderUpdate["status"] = "succeeded",
): Step {
  return (request) => {
    orders.set(request.merchantOrderId, {
      merchantOrderId: request.merchantOrderId,
      supplier: "fake",
      status,
      source: "query",
    });
    return error;
  };
}
