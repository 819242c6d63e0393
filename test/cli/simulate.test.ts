import { describe, expect, it } from "vitest";
import { describeRequest, printOptions } from "../../src/cli/commands/simulate.js";
import { FAULT_ALIASES, parseFaultFile, parseFaultList } from "../../src/cli/simulate/fault-spec.js";
import { SUPPLIER_REGISTRY } from "../../src/cli/supplier-registry.js";
import { Collector, cli } from "./cli-harness.js";

/** Starts `kaquan simulate …` in-process; resolves once the banner names the endpoint. */
async function startSimulate(argv: string[]) {
  const controller = new AbortController();
  const stdout = new Collector();
  const finished = cli(["simulate", ...argv], { signal: controller.signal, stdout });
  for (let attempt = 0; attempt < 400 && !/endpoint\s+(\S+)/.test(stdout.text); attempt += 1) {
    const early = await Promise.race([
      finished,
      new Promise((resolve) => setTimeout(() => resolve(undefined), 25)),
    ]);
    if (early) return { controller, stdout, finished, endpoint: "", early };
  }
  const endpoint = /endpoint\s+(\S+)/.exec(stdout.text)?.[1] ?? "";
  return { controller, stdout, finished, endpoint, early: undefined };
}

describe("kaquan simulate", () => {
  it("starts a simulator, serves requests, and stops cleanly when aborted", async () => {
    const running = await startSimulate(["fulu", "--quiet"]);
    expect(running.early).toBeUndefined();
    expect(running.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/getway$/);
    const answer = await fetch(running.endpoint, { method: "POST", body: "{}" });
    expect(answer.status).toBe(200);
    await answer.text();
    running.controller.abort();
    const run = await running.finished;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("stopped: 1 request served");
    await expect(fetch(running.endpoint, { method: "POST", body: "{}" })).rejects.toThrow();
  });

  it("prints the made-up credentials, says they are test values, and shows how to point the adapter", async () => {
    const running = await startSimulate(["juhe", "--quiet"]);
    running.controller.abort();
    const run = await running.finished;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("made-up test values");
    expect(run.stdout).toContain("export KAQUAN_JUHE_KEY='simulated-juhe-app-key-not-real-0'");
    expect(run.stdout).toContain("key: process.env.KAQUAN_JUHE_KEY!");
    expect(run.stdout).toContain('import { createJuheAdapter } from "kaquan/adapters/juhe";');
  });

  it("injects --faults: two HTTP 500s, then normal answers, with a line per request", async () => {
    const running = await startSimulate(["fulu", "--faults", "http-500:2"]);
    const statuses: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      const answer = await fetch(running.endpoint, { method: "POST", body: "{}" });
      statuses.push(answer.status);
      await answer.text();
    }
    running.controller.abort();
    const run = await running.finished;
    expect(statuses).toEqual([500, 500, 200]);
    expect(run.stdout).toContain("faults     http-500×2");
    expect(run.stdout.match(/fault http-500/g)).toHaveLength(2);
  });

  it("forwards from a non-loopback --host to the simulator, unchanged, and warns", async () => {
    const running = await startSimulate(["fulu", "--host", "127.0.0.2", "--quiet"]);
    expect(running.endpoint).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/api\/getway$/);
    const answer = await fetch(running.endpoint, { method: "POST", body: "{}" });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('"code"');
    running.controller.abort();
    const run = await running.finished;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("other machines can reach this simulator");
  });

  it("refuses an unknown fault with the kinds the simulator knows", async () => {
    const run = await cli(["simulate", "fulu", "--faults", "meltdown:1"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown fault "meltdown"');
    expect(run.stderr).toContain("commit-then-drop");
  });

  it("refuses --callback-url for a supplier without callbacks", async () => {
    const run = await cli(["simulate", "tango", "--callback-url", "http://127.0.0.1:9/callbacks"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("tango sends no callbacks");
  });

  it("refuses a --port outside 0-65535", async () => {
    const run = await cli(["simulate", "fulu", "--port", "70000"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("expected a whole number from 0 to 65535");
  });
});

describe("--faults parsing", () => {
  const kinds = SUPPLIER_REGISTRY.fulu.faultKinds;

  it("reads kinds with counts, aliases and 'always'", () => {
    expect(parseFaultList("reset-after-commit:3,http-500:2, delay , rate-limit:*", kinds)).toEqual([
      { kind: "commit-then-drop", times: 3 },
      { kind: "http-500", times: 2 },
      { kind: "delay", times: 1 },
      { kind: "rate-limit", times: Number.POSITIVE_INFINITY },
    ]);
  });

  it("refuses a bad count and an unknown kind", () => {
    expect(() => parseFaultList("http-500:0", kinds)).toThrow(/not a count/);
    expect(() => parseFaultList("http-500:2:3", kinds)).toThrow(/more than one/);
    expect(() => parseFaultList("nope", kinds)).toThrow(/unknown fault "nope"/);
  });

  it("reads a JSON file of fault objects, keeping their parameters", () => {
    const faults = parseFaultFile(
      JSON.stringify([
        { kind: "delay", delayMs: 500, method: "fulu.order.card.add" },
        { kind: "reset-before-commit", times: "always" },
      ]),
      "faults.json",
      kinds,
    );
    expect(faults).toEqual([
      { kind: "delay", delayMs: 500, method: "fulu.order.card.add" },
      { kind: "drop-before-commit", times: Number.POSITIVE_INFINITY },
    ]);
    expect(() => parseFaultFile("{}", "faults.json", kinds)).toThrow(/array/);
    expect(() => parseFaultFile("[1]", "faults.json", kinds)).toThrow(/"kind"/);
  });

  it("has aliases that name real fault kinds", () => {
    for (const target of Object.values(FAULT_ALIASES)) expect(kinds).toContain(target);
  });
});

describe("printing", () => {
  it("prints factory options with credentials as environment references", () => {
    expect(
      printOptions({ appKey: { environmentVariable: "KAQUAN_X" }, endpoint: "http://h/", list: [1] }),
    ).toBe('{\n    appKey: process.env.KAQUAN_X!,\n    endpoint: "http://h/",\n    list: [1],\n  }');
  });

  it("describes a request by its operation, status and fault only", () => {
    const line = describeRequest({
      at: 0,
      method: "fulu.order.card.add",
      httpStatus: 500,
      fault: "http-500",
      bizContent: { secret: "x" },
    });
    expect(line).toContain("fulu.order.card.add  → 500  fault http-500");
    expect(line).not.toContain("secret");
    expect(describeRequest({ at: 0, endpoint: "onlineorder.do" })).toContain("onlineorder.do  → dropped");
  });
});
