import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProbeReport } from "../../src/cli/probe/probe-report.js";
import {
  createFuluSimulator,
  defaultFuluSimulatorCatalogue,
  type FuluSimulator,
} from "../../src/testing/index.js";
import { cli, scratchDirectory } from "./cli-harness.js";

const planted = `<script>alert("pwned")</script> 月卡`;

let directory: Awaited<ReturnType<typeof scratchDirectory>>;
beforeEach(async () => {
  directory = await scratchDirectory();
});
afterEach(() => directory.remove());

async function writeJson(name: string, value: unknown): Promise<void> {
  await writeFile(join(directory.path, name), JSON.stringify(value));
}

async function readReport(out: string): Promise<{ report: ProbeReport; html: string }> {
  const report = JSON.parse(await readFile(join(directory.path, out, "probe.json"), "utf8")) as ProbeReport;
  const html = await readFile(join(directory.path, out, "probe.html"), "utf8");
  return { report, html };
}

describe("kaquan probe --simulator", () => {
  it("places 5 test orders and writes the table, the JSON and a self-contained, escaped HTML report", async () => {
    // A product name with a <script> in it, as a hostile or careless supplier might send.
    await writeJson("fulu.json", {
      supplier: "fulu",
      simulator: {
        catalogue: defaultFuluSimulatorCatalogue.map((product) =>
          product.productId === 10000002 ? { ...product, name: planted } : product,
        ),
      },
    });
    const run = await cli(
      ["probe", "--simulator", "--config", "fulu.json", "--orders", "5", "--out", "out"],
      {
        cwd: directory.path,
      },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("acceptance latency");
    expect(run.stdout).toContain("time to final state");
    expect(run.stdout).toContain("invalid account is refused                 passed");
    expect(run.stdout).toContain("duplicate order id returns the same order  passed");
    expect(run.stdout).toContain("unknown order is reported not found        passed");
    expect(run.stdout).toContain("callbacks verify                           passed");

    const { report, html } = await readReport("out");
    expect(report.orders).toHaveLength(5);
    expect(report.summary.succeeded).toBe(5);
    expect(report.summary.successRate).toBe(1);
    expect(report.summary.acceptanceLatency.count).toBe(5);
    expect(report.summary.timeToFinal.count).toBe(5);
    expect(report.callbacks).toEqual({ received: 5, refused: 0 });
    expect(report.orders.every((order) => order.callbackAtMs !== undefined)).toBe(true);
    expect(report.products[0]?.name).toBe(planted);
    expect(report.clean).toBe(true);
    // Card codes are counted, never copied.
    expect(report.orders.every((order) => order.cardCount === 1)).toBe(true);
    expect(JSON.stringify(report)).not.toMatch(/cardPassword|password/i);

    // Self-contained: no script, no external resource; the planted markup arrives as text.
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; 月卡");
    expect(html).not.toMatch(/\s(src|href)\s*=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain("Content-Security-Policy");
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).toContain("<style>");
  });

  it("skips the callback check for a supplier that has none, and still passes", async () => {
    const run = await cli(
      ["probe", "--simulator", "--supplier", "tango", "--orders", "2", "--out", "tango"],
      {
        cwd: directory.path,
      },
    );
    expect(run.code).toBe(0);
    const { report } = await readReport("tango");
    expect(report.checks.find((check) => check.name === "callbacks verify")?.status).toBe("skipped");
    expect(
      report.checks.find((check) => check.name === "duplicate order id returns the same order")?.status,
    ).toBe("passed");
  });

  it("exits 3 when a check fails: an 'invalid' account the supplier fulfils", async () => {
    await writeJson("fulu.json", {
      supplier: "fulu",
      invalidAccountOrder: { kind: "direct", sku: "10000001", account: "player-1" },
    });
    const run = await cli(
      ["probe", "--simulator", "--config", "fulu.json", "--orders", "1", "--out", "out"],
      {
        cwd: directory.path,
      },
    );
    expect(run.code).toBe(3);
    const { report } = await readReport("out");
    const check = report.checks.find((candidate) => candidate.name === "invalid account is refused");
    expect(check?.status).toBe("failed");
    expect(report.clean).toBe(false);
  });

  it("needs --config, or --simulator with --supplier", async () => {
    const run = await cli(["probe", "--orders", "1"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("probe needs --config supplier.json");
  });

  it("refuses an invalid test order in the configuration before placing anything", async () => {
    await writeJson("fulu.json", { supplier: "fulu", orders: [{ kind: "direct", sku: "10000001" }] });
    const run = await cli(["probe", "--simulator", "--config", "fulu.json"], { cwd: directory.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("account");
  });
});

describe("kaquan probe against a supplier (the simulator standing in for one)", () => {
  let simulator: FuluSimulator;
  beforeEach(async () => {
    simulator = createFuluSimulator({ settleAfterMs: 10 });
    await simulator.start();
  });
  afterEach(() => simulator.close());

  it("reads credentials from the environment and never prints them", async () => {
    await writeJson("fulu.json", {
      supplier: "fulu",
      baseUrl: simulator.url,
      orders: [{ kind: "card", sku: "10000003" }],
      invalidAccountOrder: { kind: "direct", sku: "10000001", account: "invalid-1" },
      sampleIntervalSeconds: 0.05,
      // Non-secret adapter options pass through: poll the stand-in faster than Fulu's 2 s.
      options: { pollIntervalMs: 20 },
    });
    const env = { KAQUAN_FULU_APP_KEY: simulator.appKey, KAQUAN_FULU_APP_SECRET: simulator.appSecret };
    const run = await cli(["probe", "--config", "fulu.json", "--orders", "2", "--out", "out"], {
      cwd: directory.path,
      env,
    });
    expect(run.code).toBe(0);
    const { report, html } = await readReport("out");
    expect(report.target).toEqual({ mode: "supplier", baseUrl: simulator.url, sandbox: false });
    expect(report.summary.succeeded).toBe(2);
    // Polled, not called back: no callbackUrl was configured.
    expect(report.orders.every((order) => order.finalBy === "query" || order.finalBy === "answer")).toBe(
      true,
    );
    for (const text of [run.stdout, run.stderr, JSON.stringify(report), html]) {
      expect(text).not.toContain(simulator.appSecret);
      expect(text).not.toContain(simulator.appKey);
    }
  });

  it("names the missing variables without going to the supplier", async () => {
    await writeJson("fulu.json", {
      supplier: "fulu",
      baseUrl: simulator.url,
      orders: [{ kind: "card", sku: "10000003" }],
    });
    const run = await cli(["probe", "--config", "fulu.json", "--orders", "1"], { cwd: directory.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("KAQUAN_FULU_APP_KEY");
    expect(run.stderr).toContain("KAQUAN_FULU_APP_SECRET");
    expect(simulator.requests()).toHaveLength(0);
  });

  it("requires test orders against a real supplier", async () => {
    await writeJson("fulu.json", { supplier: "fulu", baseUrl: simulator.url });
    const run = await cli(["probe", "--config", "fulu.json"], { cwd: directory.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"orders" is required');
  });
});
