import { createHash } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from "../../src/cli/main.js";
import { fingerprint } from "../../src/cli/verify/callback-diagnosis.js";
import { signCallback } from "../../src/testing/index.js";
import { type CliRun, cli, scratchDirectory } from "./cli-harness.js";

// Made-up secrets (Fulu's is 32 characters, as its console issues them).
const fuluSecret = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
const fuluKey = "fulu-app-key-for-tests";
const juheKey = "juhe-app-key-0123456789abcdef";
const juheOpenId = "juhe-open-id-for-tests";

const fuluFields = {
  order_id: "21112500000001",
  charge_finish_time: "2026-11-24 10:00:05",
  customer_order_no: "SHOP20261124001",
  order_status: "success",
  recharge_description: "充值成功",
  product_id: "10000002",
  price: "25.50",
  buy_num: "1",
  operator_serial_number: "",
};

let directory: Awaited<ReturnType<typeof scratchDirectory>>;
beforeEach(async () => {
  directory = await scratchDirectory();
});
afterEach(() => directory.remove());

async function write(name: string, text: string): Promise<void> {
  await writeFile(join(directory.path, name), text);
}

function verify(supplier: string, env: Record<string, string>, ...extra: string[]): Promise<CliRun> {
  return cli(["verify-callback", "--supplier", supplier, ...extra], { env, cwd: directory.path });
}

const fuluEnvironment = { KAQUAN_FULU_APP_KEY: fuluKey, KAQUAN_FULU_APP_SECRET: fuluSecret };
const juheEnvironment = { KAQUAN_JUHE_KEY: juheKey, KAQUAN_JUHE_OPEN_ID: juheOpenId };

/** Every secret, and every full signature, is absent from what the command printed. */
function expectNothingSecret(run: CliRun, values: readonly string[]): void {
  const printed = run.stdout + run.stderr;
  for (const value of values) expect(printed).not.toContain(value);
  // No 32-hex-character run at all: a full MD5 signature would be one.
  expect(printed).not.toMatch(/[0-9a-f]{32}/i);
}

describe("kaquan verify-callback for Fulu", () => {
  it("says a genuine callback verifies, with the signed string masked and short fingerprints", async () => {
    const signed = signCallback("fulu", fuluFields, { appSecret: fuluSecret });
    await write("callback.json", signed.body);
    await write("headers.json", JSON.stringify(signed.headers));
    const run = await verify("fulu", fuluEnvironment, "--body", "callback.json", "--headers", "headers.json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toContain(
      "fulu callback verified: the signature matches the configured KAQUAN_FULU_APP_SECRET",
    );
    expect(run.stdout).toContain("SHOP20261124001");
    expect(run.stdout).toContain("‹KAQUAN_FULU_APP_SECRET›");
    const sign = (JSON.parse(signed.body) as { sign: string }).sign;
    expect(run.stdout).toContain(`expected ${fingerprint(sign)}, received ${fingerprint(sign)}`);
    expectNothingSecret(run, [fuluSecret, sign]);
  });

  it("refuses a tampered callback, says why, and shows only differing fingerprints", async () => {
    const signed = signCallback("fulu", fuluFields, { appSecret: fuluSecret });
    const sign = (JSON.parse(signed.body) as { sign: string }).sign;
    // A forger turns a failed order into a paid one (here: raises the price) without the secret.
    await write("callback.json", signed.body.replace('"price":"25.50"', '"price":"255.00"'));
    const run = await verify("fulu", fuluEnvironment, "--body", "callback.json");
    expect(run.code).toBe(EXIT_FINDINGS);
    expect(run.stdout).toContain("fulu callback does not verify");
    expect(run.stdout).toContain(
      "a field was changed after signing, or the supplier signs with a different secret",
    );
    const fingerprints = /expected ([0-9a-f]{6}), received ([0-9a-f]{6})/.exec(run.stdout);
    expect(fingerprints?.[2]).toBe(fingerprint(sign));
    expect(fingerprints?.[1]).not.toBe(fingerprints?.[2]);
    expectNothingSecret(run, [fuluSecret, sign]);
  });

  it("names a missing field", async () => {
    const { customer_order_no: _dropped, ...rest } = fuluFields;
    const signed = signCallback("fulu", rest, { appSecret: fuluSecret });
    await write("callback.json", signed.body);
    const run = await verify("fulu", fuluEnvironment, "--body", "callback.json");
    expect(run.code).toBe(EXIT_FINDINGS);
    expect(run.stdout).toContain("missing field(s): customer_order_no");
    expectNothingSecret(run, [fuluSecret]);
  });

  it("spots a body re-serialised after signing", async () => {
    const signed = signCallback("fulu", fuluFields, { appSecret: fuluSecret });
    await write("callback.json", JSON.stringify(JSON.parse(signed.body), null, 2));
    const run = await verify("fulu", fuluEnvironment, "--body", "callback.json");
    expect(run.stdout).toContain("the body's spacing or escaping changed after signing");
    expectNothingSecret(run, [fuluSecret]);
  });

  it("says which variable to set when the secret is not configured", async () => {
    const signed = signCallback("fulu", fuluFields, { appSecret: fuluSecret });
    await write("callback.json", signed.body);
    const run = await verify("fulu", {}, "--body", "callback.json");
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("KAQUAN_FULU_APP_SECRET");
    // The key is not needed to verify a callback, so it is not asked for.
    expect(run.stderr).not.toContain("KAQUAN_FULU_APP_KEY");
  });

  it("reads the secret from a --secrets-file and masks it", async () => {
    const signed = signCallback("fulu", fuluFields, { appSecret: fuluSecret });
    await write("callback.json", signed.body);
    await write("secrets.env", `# test values\nKAQUAN_FULU_APP_SECRET="${fuluSecret}"\n`);
    await chmod(join(directory.path, "secrets.env"), 0o644);
    const run = await verify("fulu", {}, "--body", "callback.json", "--secrets-file", "secrets.env");
    expect(run.code).toBe(EXIT_OK);
    // Readable by others: warned, by file name and mode, never by content.
    expect(run.stderr).toContain("can be read by other users (mode 644): run chmod 600 on it");
    expectNothingSecret(run, [fuluSecret]);
  });
});

describe("kaquan verify-callback for Juhe", () => {
  const fields = { sporder_id: "J2611241000001", orderid: "SHOP20261124002", sta: "1" };

  it("says a genuine form callback verifies and notes that sta is not signed", async () => {
    const signed = signCallback("juhe", fields, { key: juheKey });
    await write("callback.txt", signed.body);
    const run = await verify("juhe", juheEnvironment, "--body", "callback.txt");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toContain("juhe callback verified");
    expect(run.stdout).toContain("‹KAQUAN_JUHE_KEY›J2611241000001SHOP20261124002");
    expect(run.stdout).toContain("not sta");
    const sign = new URLSearchParams(signed.body).get("sign") ?? "";
    expectNothingSecret(run, [juheKey, sign]);
  });

  it("verifies a callback given as a GET query string", async () => {
    const signed = signCallback("juhe", fields, { key: juheKey });
    const run = await verify("juhe", juheEnvironment, "--query", `?${signed.body}`);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toContain("juhe callback verified");
  });

  it("refuses a tampered order id and a callback signed with another key, without printing either key", async () => {
    const signed = signCallback("juhe", fields, { key: juheKey });
    await write("tampered.txt", signed.body.replace("SHOP20261124002", "SHOP20261124999"));
    const tampered = await verify("juhe", juheEnvironment, "--body", "tampered.txt");
    expect(tampered.code).toBe(EXIT_FINDINGS);
    expect(tampered.stdout).toContain("juhe callback does not verify");
    expect(tampered.stdout).toMatch(/expected [0-9a-f]{6}, received [0-9a-f]{6}/);
    expectNothingSecret(tampered, [juheKey]);

    const otherKey = "another-juhe-key-9876543210";
    await write("other.txt", signCallback("juhe", fields, { key: otherKey }).body);
    const other = await verify("juhe", juheEnvironment, "--body", "other.txt");
    expect(other.code).toBe(EXIT_FINDINGS);
    expectNothingSecret(other, [juheKey, otherKey]);
  });

  it("names missing fields", async () => {
    await write("callback.txt", "orderid=SHOP20261124002&sta=1");
    const run = await verify("juhe", juheEnvironment, "--body", "callback.txt");
    expect(run.code).toBe(EXIT_FINDINGS);
    expect(run.stdout).toMatch(/missing field\(s\): sporder_id, sign/);
  });
});

describe("kaquan verify-callback for Reloadly", () => {
  const webhookSecret = "reloadly-webhook-secret-for-tests";
  const payload = {
    id: "4f1b0a52-0000-4000-8000-000000000001",
    type: "airtime_transaction.status",
    data: {
      transaction: {
        transactionId: 4521,
        status: "SUCCESSFUL",
        customIdentifier: "SHOP20261124003",
        requestedAmount: 10,
        requestedAmountCurrencyCode: "USD",
      },
    },
  };
  const environment = {
    KAQUAN_RELOADLY_CLIENT_ID: "client-id-for-tests",
    KAQUAN_RELOADLY_CLIENT_SECRET: "client-secret-for-tests",
    KAQUAN_RELOADLY_WEBHOOK_SECRET: webhookSecret,
  };

  async function capture(timestamp: string): Promise<void> {
    const signed = signCallback("reloadly", payload, { webhookSecret, timestamp });
    await write("webhook.json", signed.body);
    await write("headers.json", JSON.stringify(signed.headers));
  }

  it("verifies a fresh webhook with its headers", async () => {
    await capture(String(Date.now()));
    const run = await verify("reloadly", environment, "--body", "webhook.json", "--headers", "headers.json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toContain(
      "verified: the signature matches the configured KAQUAN_RELOADLY_WEBHOOK_SECRET",
    );
    expect(run.stdout).toContain("‹KAQUAN_RELOADLY_WEBHOOK_SECRET›");
    expectNothingSecret(run, [webhookSecret, environment.KAQUAN_RELOADLY_CLIENT_SECRET]);
  });

  it("says which header is missing when only the body was captured", async () => {
    await capture(String(Date.now()));
    const run = await verify("reloadly", environment, "--body", "webhook.json");
    expect(run.code).toBe(EXIT_FINDINGS);
    expect(run.stdout).toMatch(/no \S+ header: pass the captured headers with --headers/);
    expectNothingSecret(run, [webhookSecret]);
  });

  it("explains a refused replay of an old capture", async () => {
    await capture(String(Date.now() - 86_400_000));
    const run = await verify("reloadly", environment, "--body", "webhook.json", "--headers", "headers.json");
    expect(run.code).toBe(EXIT_FINDINGS);
    expect(run.stdout).toMatch(/signed \d+ s ago, outside the \d+ s replay window/);
    expectNothingSecret(run, [webhookSecret]);
  });
});

describe("kaquan verify-callback input", () => {
  it("asks for a body", async () => {
    const run = await verify("fulu", fuluEnvironment);
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toBe(
      "kaquan: verify-callback needs --body <file> (or --query for a callback sent as a GET)\n",
    );
  });

  it("says a supplier without callbacks has nothing to verify", async () => {
    await write("callback.json", "{}");
    const run = await verify("tango", {}, "--body", "callback.json");
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toContain("tango sends no callbacks");
  });

  it("fingerprints are the first 6 hex characters of SHA-256", () => {
    expect(fingerprint("abc")).toBe(createHash("sha256").update("abc").digest("hex").slice(0, 6));
  });
});
