import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFuluAdapter } from "../../adapters/fulu/index.js";
import { createOfpayAdapter } from "../../adapters/ofpay/index.js";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from "../../src/cli/main.js";
import { createSupplierClient, type SupplierClient } from "../../src/client/index.js";
import {
  createFuluSimulator,
  createOfpaySimulator,
  type FuluSimulator,
  type OfpaySimulator,
} from "../../src/testing/index.js";
import { cli, scratchDirectory } from "./cli-harness.js";

let directory: Awaited<ReturnType<typeof scratchDirectory>>;
let simulator: OfpaySimulator;
let client: SupplierClient;
let environment: Record<string, string>;

/** The range every run reconciles: an hour either side of now (the simulator stamps orders with real time). */
const from = new Date(Date.now() - 3_600_000).toISOString();
const to = new Date(Date.now() + 3_600_000).toISOString();
const inRange = new Date().toISOString();

async function place(merchantOrderId: string): Promise<void> {
  const placed = await client.placeOrder({
    merchantOrderId,
    kind: "mobile",
    sku: "140101",
    account: "13800138000",
    faceValue: { amount: "100", currency: "CNY" },
  });
  const final = await client.waitForFinal(placed.merchantOrderId, { deadlineMs: 10_000 });
  expect(["succeeded", "failed"]).toContain(final.status);
}

async function write(name: string, text: string): Promise<void> {
  await writeFile(join(directory.path, name), text);
}

function reconcile(local: string, ...extra: string[]) {
  return cli(
    [
      "reconcile",
      "--config",
      "ofpay.json",
      "--local",
      local,
      "--from",
      from,
      "--to",
      to,
      "--out",
      "out.csv",
      ...extra,
    ],
    { env: environment, cwd: directory.path },
  );
}

beforeEach(async () => {
  directory = await scratchDirectory();
  simulator = createOfpaySimulator({ settleAfterMs: 5 });
  await simulator.start();
  client = createSupplierClient({
    adapter: createOfpayAdapter({
      userId: simulator.userId,
      password: simulator.password,
      keyStr: simulator.keyStr,
      endpoint: simulator.url,
      pollIntervalMs: 10,
      notFoundGraceMs: 0,
    }),
  });
  environment = {
    KAQUAN_OFPAY_USER_ID: simulator.userId,
    KAQUAN_OFPAY_PASSWORD: simulator.password,
    KAQUAN_OFPAY_KEY_STR: simulator.keyStr,
  };
  await write("ofpay.json", JSON.stringify({ supplier: "ofpay", baseUrl: simulator.url }));
  // Succeeds at 99.60 元; the simulator fails an order whose id contains "fail".
  await place("KQOK1");
  await place("KQFAIL2");
  await place("KQAMOUNT3");
  await place("KQEXTRA4");
});

afterEach(async () => {
  client.close();
  await simulator.close();
  await directory.remove();
});

describe("kaquan reconcile against the OFPay simulator", () => {
  it("finds every kind of difference, exits 3, and writes them as CSV", async () => {
    await write(
      "orders.csv",
      [
        "merchantOrderId,status,amount,currency,createdAt",
        `KQOK1,succeeded,99.60,CNY,${inRange}`,
        // The supplier failed (and refunded) it; the merchant delivered.
        `KQFAIL2,success,99.60,CNY,${inRange}`,
        // Charged 99.60, the merchant expects 98.00.
        `KQAMOUNT3,succeeded,98.00,,${inRange}`,
        // Never reached the supplier.
        `KQGHOST5,succeeded,99.60,CNY,${inRange}`,
        // Out of range: not queried at all.
        "KQOLD6,succeeded,99.60,CNY,2020-01-01T00:00:00+08:00",
        // KQEXTRA4 exists only at the supplier: querybill.do finds it.
      ].join("\n"),
    );
    const run = await reconcile("orders.csv", "--rate", "50");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT_FINDINGS);
    expect(run.stdout).toMatch(/local records\s+5 \(4 in range\)/);
    expect(run.stdout).toMatch(/matched\s+1\b/);
    expect(run.stdout).toMatch(/missing at supplier\s+1\b/);
    expect(run.stdout).toMatch(/missing locally\s+1\b/);
    expect(run.stdout).toMatch(/status mismatches\s+1\b/);
    expect(run.stdout).toMatch(/amount mismatches\s+1\b/);
    expect(run.stdout).toContain("read 4 orders from querybill.do");

    const csv = (await readFile(join(directory.path, "out.csv"), "utf8")).trim().split(/\r?\n/);
    expect(csv[0]).toBe(
      "difference,merchantOrderId,localStatus,supplierStatus,vendorStatus,localAmount,supplierAmount,currency,supplierOrderId,localPosition,detail",
    );
    const rows = csv.slice(1).map((line) => line.split(",").slice(0, 2).join(" "));
    expect(rows).toEqual([
      "missing_at_supplier KQGHOST5",
      "missing_locally KQEXTRA4",
      "status_mismatch KQFAIL2",
      "amount_mismatch KQAMOUNT3",
    ]);
    const amountRow = csv.find((line) => line.startsWith("amount_mismatch"));
    expect(amountRow).toContain(",98.00,99.60,CNY,");
    // The CSV line of the local record, so the merchant can find it.
    expect(amountRow).toContain(",4,");
    // The password is in the environment; nothing printed or written may hold it.
    for (const text of [run.stdout, run.stderr, csv.join("\n")])
      expect(text).not.toContain(simulator.password);
  });

  it("exits 0 when the JSON records match the supplier exactly", async () => {
    const records = [
      ["KQOK1", "succeeded", "99.60"],
      ["KQFAIL2", "failed", "99.60"],
      ["KQAMOUNT3", "succeeded", "99.60"],
      ["KQEXTRA4", "succeeded", "99.60"],
    ].map(([merchantOrderId, status, amount]) => ({ merchantOrderId, status, amount, createdAt: inRange }));
    await write("orders.json", JSON.stringify(records));
    const run = await reconcile("orders.json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toMatch(/matched\s+4\b/);
    const csv = (await readFile(join(directory.path, "out.csv"), "utf8")).trim().split(/\r?\n/);
    expect(csv).toHaveLength(1);
  });

  it("reports every bad row by its line number, queries nothing, and exits 2", async () => {
    await write(
      "orders.csv",
      [
        "merchantOrderId,status,amount,currency,createdAt",
        `KQOK1,succeeded,99.60,CNY,${inRange}`,
        `KQBAD2,delivered,99.60,CNY,${inRange}`,
        `KQBAD3,succeeded,ninety,CNY,${inRange}`,
        "KQBAD4,succeeded,99.60,CNY,yesterday",
        `KQOK1,succeeded,99.60,CNY,${inRange}`,
      ].join("\n"),
    );
    const before = simulator.requests().length;
    const run = await reconcile("orders.csv");
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toContain("orders.csv has 4 invalid rows");
    expect(run.stderr).toContain('line 3: status "delivered" is not one of');
    expect(run.stderr).toContain('line 4: amount "ninety" is not a decimal');
    expect(run.stderr).toContain('line 5: createdAt "yesterday" is not an ISO 8601 time');
    expect(run.stderr).toContain("line 6: merchantOrderId KQOK1 already appears on line 2");
    expect(simulator.requests().length).toBe(before);
  });

  it("names the missing variable, never a value, when a credential is absent", async () => {
    await write("orders.csv", `merchantOrderId,status,amount,createdAt\nKQOK1,succeeded,99.60,${inRange}\n`);
    environment = { KAQUAN_OFPAY_USER_ID: simulator.userId };
    const run = await reconcile("orders.csv");
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("KAQUAN_OFPAY_PASSWORD");
    expect(run.stderr).not.toContain(simulator.userId);
  });

  it("refuses a range that ends before it starts", async () => {
    await write("orders.csv", `merchantOrderId,status,amount,createdAt\nKQOK1,succeeded,99.60,${inRange}\n`);
    const run = await cli(
      ["reconcile", "--config", "ofpay.json", "--local", "orders.csv", "--from", to, "--to", from],
      { env: environment, cwd: directory.path },
    );
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toBe("kaquan: --to must be after --from\n");
  });
});

describe("kaquan reconcile for a supplier without an order list", () => {
  let fulu: FuluSimulator;
  beforeEach(async () => {
    fulu = createFuluSimulator({ settleAfterMs: 5 });
    await fulu.start();
  });
  afterEach(() => fulu.close());

  it("checks the local orders and says that orders missing locally cannot be found", async () => {
    const fuluClient = createSupplierClient({
      adapter: createFuluAdapter({
        appKey: fulu.appKey,
        appSecret: fulu.appSecret,
        endpoint: fulu.url,
        pollIntervalMs: 10,
        notFoundGraceMs: 0,
      }),
    });
    try {
      const placed = await fuluClient.placeOrder({
        merchantOrderId: "KQFULU1",
        kind: "card",
        sku: "10000002",
        quantity: 1,
      });
      const final = await fuluClient.waitForFinal(placed.merchantOrderId, { deadlineMs: 10_000 });
      expect(final.status).toBe("succeeded");
      // Placed at Fulu but absent from the file: without an order list nobody can tell.
      await fuluClient.placeOrder({ merchantOrderId: "KQFULU2", kind: "card", sku: "10000002", quantity: 1 });
      await write("fulu.json", JSON.stringify({ supplier: "fulu", baseUrl: fulu.url }));
      await write(
        "orders.json",
        JSON.stringify([
          {
            merchantOrderId: "KQFULU1",
            status: "succeeded",
            amount: final.cost?.amount ?? "0",
            createdAt: inRange,
          },
        ]),
      );
      const run = await cli(
        [
          "reconcile",
          "--config",
          "fulu.json",
          "--local",
          "orders.json",
          "--from",
          from,
          "--to",
          to,
          "--out",
          "f.csv",
        ],
        {
          env: { KAQUAN_FULU_APP_KEY: fulu.appKey, KAQUAN_FULU_APP_SECRET: fulu.appSecret },
          cwd: directory.path,
        },
      );
      expect(run.stderr).toBe("");
      expect(run.code).toBe(EXIT_OK);
      expect(run.stdout).toMatch(/matched\s+1\b/);
      expect(run.stdout).toContain("fulu has no order-list endpoint");
      expect(run.stdout).not.toContain(fulu.appSecret);
    } finally {
      fuluClient.close();
    }
  });
});
