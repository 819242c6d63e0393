import { execFile } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, scratchDirectory } from "./cli-harness.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("kaquan --help", () => {
  it.each([
    ["simulate", "$ kaquan simulate fulu"],
    ["probe", "$ kaquan probe --simulator --supplier fulu"],
    ["reconcile", "$ kaquan reconcile --supplier ofpay"],
    ["verify-callback", "kaquan verify-callback --supplier fulu"],
  ])("%s --help shows an example", async (command, example) => {
    const run = await cli([command, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: kaquan ${command}`);
    expect(run.stdout).toContain("Examples:");
    expect(run.stdout).toContain(example);
  });

  it("lists every command with examples at the top level", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    for (const command of ["simulate", "probe", "reconcile", "verify-callback"])
      expect(run.stdout).toContain(command);
    expect(run.stdout).toContain("Examples:");
  });

  it("answers a missing command with usage on stderr and exit code 2", async () => {
    const run = await cli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Usage: kaquan");
  });

  it("answers an unknown command with one line and exit code 2", async () => {
    const run = await cli(["frobnicate"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("kaquan: unknown command 'frobnicate'");
  });
});

describe("credentials on the command line", () => {
  it("refuses --app-secret and names the environment variable instead, never the value", async () => {
    const run = await cli([
      "probe",
      "--simulator",
      "--supplier",
      "fulu",
      "--app-secret",
      "s3cr3t-value-1234",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--app-secret is not an option");
    expect(run.stderr).toContain("KAQUAN_FULU_APP_SECRET");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stdout + run.stderr).not.toContain("s3cr3t-value-1234");
  });

  it("refuses --password=value and names OFPay's variable", async () => {
    const run = await cli(["reconcile", "--password=hunter2-hunter2"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("KAQUAN_OFPAY_PASSWORD");
    expect(run.stdout + run.stderr).not.toContain("hunter2-hunter2");
  });

  it("does not echo the value of an unknown option written with =", async () => {
    const run = await cli(["probe", "--frobnicate=value-that-may-be-secret"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--frobnicate");
    expect(run.stderr).not.toContain("value-that-may-be-secret");
  });

  it("keeps --secrets-file, which names a file rather than holding a secret", async () => {
    const run = await cli([
      "verify-callback",
      "--supplier",
      "fulu",
      "--secrets-file",
      "/nonexistent/secrets.env",
      "--query",
      "a=b",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot read the secrets file");
  });
});

describe("configuration files hold no credentials", () => {
  let directory: Awaited<ReturnType<typeof scratchDirectory>>;
  beforeEach(async () => {
    directory = await scratchDirectory();
  });
  afterEach(() => directory.remove());

  it("refuses a credential in the configuration, naming the variable and not the value", async () => {
    await writeFile(
      join(directory.path, "fulu.json"),
      JSON.stringify({
        supplier: "fulu",
        appSecret: "config-secret-value-99",
        orders: [{ kind: "card", sku: "1" }],
      }),
    );
    const run = await cli(["probe", "--config", "fulu.json"], { cwd: directory.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("KAQUAN_FULU_APP_SECRET");
    expect(run.stderr).not.toContain("config-secret-value-99");
  });

  it("takes settings whose names mention a signature, and still refuses a credential option under options", async () => {
    const { parseSupplierConfig } = await import("../../src/cli/supplier-config.js");
    const settings = parseSupplierConfig(
      { supplier: "fulu", options: { responseSignature: "required" }, orders: [{ kind: "card", sku: "1" }] },
      "fulu.json",
    );
    expect(settings.config.options).toEqual({ responseSignature: "required" });
    expect(() =>
      parseSupplierConfig({ supplier: "fulu", options: { appSecret: "x" }, orders: [] }, "fulu.json"),
    ).toThrow(/KAQUAN_FULU_APP_SECRET/);
  });

  it("refuses an unknown supplier with the list of built-in ones", async () => {
    const run = await cli(["simulate", "acme"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"acme" is not a built-in supplier');
    expect(run.stderr).toContain("fulu, juhe, ofpay");
  });
});

describe("operating-system errors", () => {
  it("reports a taken port as one line with what to do, and exit code 1", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const run = await cli(["simulate", "fulu", "--port", String(port)]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `kaquan: listen failed with EADDRINUSE on 127.0.0.1:${port}: the port is taken: choose another --port (0 picks any free port) or callbackListen\n`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe("the library does not load the command", () => {
  async function sourceFiles(directory: string): Promise<string[]> {
    const entries = await readdir(directory, { withFileTypes: true, recursive: true });
    return entries
      .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
      .map((entry) => join(entry.parentPath, entry.name));
  }

  it("no module outside src/cli imports the CLI, commander or cli-progress", async () => {
    const files = [
      ...(await sourceFiles(join(root, "src"))),
      ...(await sourceFiles(join(root, "adapters"))),
    ].filter((file) => !relative(root, file).startsWith(join("src", "cli")));
    expect(files.length).toBeGreaterThan(20);
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(file, "utf8");
      if (/from\s+"(commander|cli-progress)"|from\s+"[./]*cli\//.test(text))
        offenders.push(relative(root, file));
    }
    expect(offenders).toEqual([]);
  });
});

describe("run as a program", () => {
  it("prints its help through tsx and exits 0", async () => {
    const { stdout } = await promisify(execFile)("npx", ["tsx", "src/cli/main.ts", "--help"], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stdout).toContain("Usage: kaquan");
  }, 90_000);
});
