// Packs kaquan, installs the tarball in a scratch project, and uses it the way a merchant would:
// require() from CommonJS, import from ESM, and a TypeScript consumer under NodeNext. The run
// goes through the p-retry and p-limit code paths, which break in a CJS build if those ESM-only
// dependencies are not bundled. Run `npm run build` first.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "kaquan-smoke-"));
const run = (command, args, cwd = scratch) =>
  execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

try {
  run("npm", ["pack", "--pack-destination", scratch, "--silent"], root);
  const tarball = readdirSync(scratch).find((name) => name.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack produced no tarball");
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "kaquan-smoke", private: true }));
  run("npm", ["install", "--no-audit", "--no-fund", "--silent", join(scratch, tarball)]);

  // The same scenario from both module systems: a throttled first attempt (p-retry's path),
  // the concurrency limiter (p-limit's path), a card order to its final state, Secret masking.
  const scenario = (load) => `
${load}
const { createSupplierClient, RateLimitError, ValidationError, KaquanError, Secret } = kaquan;
const { createFuluAdapter } = fulu;
const { createFuluSimulator } = testing;
const simulator = createFuluSimulator({ settleAfterMs: 20 });
await simulator.start();
const client = createSupplierClient({
  adapter: createFuluAdapter({ appKey: simulator.appKey, appSecret: simulator.appSecret, endpoint: simulator.url, pollIntervalMs: 20 }),
  retry: { maxAttempts: 3, baseDelayMs: 5 },
});
try {
  simulator.injectFault({ kind: "rate-limit", method: "fulu.order.card.add" });
  const placed = await client.placeOrder({ merchantOrderId: "SMOKE-1", kind: "card", sku: "10000002" });
  if (placed.meta.attempts !== 2) throw new Error("expected a retry after the 429, got " + placed.meta.attempts + " attempts");
  const order = await client.waitForFinal("SMOKE-1", { deadlineMs: 5000 });
  if (order.status !== "succeeded" || order.cards.length !== 1) throw new Error("unexpected order " + order.status);
  if (!Secret.isSecret(order.cards[0].password) || JSON.stringify(order).includes(order.cards[0].password.reveal())) {
    throw new Error("card code not masked");
  }
  const invalid = await client.placeOrder({ merchantOrderId: "bad id", kind: "card", sku: "1" }).catch((error) => error);
  if (!ValidationError.isInstance(invalid) || !KaquanError.isInstance(invalid)) throw new Error("expected a ValidationError");
  if (simulator.requests("fulu.order.card.add").length !== 2) throw new Error("expected two sends (429, then accepted)");
} finally {
  client.close();
  await simulator.close();
}
`;
  writeFileSync(
    join(scratch, "smoke.cjs"),
    `(async () => {${scenario(
      'const kaquan = require("kaquan"); const fulu = require("kaquan/adapters/fulu"); const testing = require("kaquan/testing"); if (typeof require("kaquan/callbacks").createCallbackHandler !== "function" || typeof require("kaquan/routing").createSupplierRouter !== "function" || typeof require("kaquan/adapter-kit").defineSignedFormAdapter !== "function") throw new Error("kaquan/callbacks, kaquan/routing or kaquan/adapter-kit is missing"); if ("createCallbackHandler" in kaquan) throw new Error("the root entry still exports the callback pipeline");',
    )}
console.log("require(): ok");
})().catch((error) => { console.error(error); process.exit(1); });`,
  );
  writeFileSync(
    join(scratch, "smoke.mjs"),
    `${scenario(
      'import * as kaquan from "kaquan"; import * as fulu from "kaquan/adapters/fulu"; import * as testing from "kaquan/testing"; import { createCallbackHandler } from "kaquan/callbacks"; import { createSupplierRouter } from "kaquan/routing"; import { defineSignedFormAdapter } from "kaquan/adapter-kit"; if (typeof createCallbackHandler !== "function" || typeof createSupplierRouter !== "function" || typeof defineSignedFormAdapter !== "function") throw new Error("kaquan/callbacks, kaquan/routing or kaquan/adapter-kit is missing"); if ("createCallbackHandler" in kaquan) throw new Error("the root entry still exports the callback pipeline");',
    )}
// An error from the CJS copy is recognised by the ESM copy's isInstance (two copies, one brand).
import { createRequire } from "node:module";
const cjs = createRequire(import.meta.url)("kaquan");
const foreign = new cjs.InsufficientBalanceError("low");
if (!kaquan.InsufficientBalanceError.isInstance(foreign) || !kaquan.RejectedError.isInstance(foreign)) {
  throw new Error("isInstance does not work across the CJS and ESM copies");
}
console.log("import: ok");`,
  );
  writeFileSync(
    join(scratch, "consumer.mts"),
    `import { createSupplierClient, type OrderResult, type Money } from "kaquan";
import { createFuluAdapter } from "kaquan/adapters/fulu";
import { createFuluSimulator } from "kaquan/testing";
import { type CallbackHandler, createCallbackHandler } from "kaquan/callbacks";
const simulator = createFuluSimulator();
const client = createSupplierClient({ adapter: createFuluAdapter({ appKey: "k", appSecret: "0a091b3aa4324435aab703142518a8f7", endpoint: simulator.url }) });
const cost: Money = { amount: "1.00", currency: "CNY" };
export const pending: Promise<OrderResult> = client.placeOrder({ merchantOrderId: "T-1", kind: "card", sku: "1", maxCost: cost });
export const callbacks: CallbackHandler = createCallbackHandler({ clients: [client], onEvent: async () => {} });
`,
  );
  writeFileSync(
    join(scratch, "consumer.cts"),
    `import kaquan = require("kaquan");
import fulu = require("kaquan/adapters/fulu");
import callbacks = require("kaquan/callbacks");
export const client: kaquan.SupplierClient = kaquan.createSupplierClient({ adapter: fulu.createFuluAdapter({ appKey: "k", appSecret: "0a091b3aa4324435aab703142518a8f7" }) });
export const handler: callbacks.CallbackHandler = callbacks.createCallbackHandler({ clients: [client], onEvent: async () => {} });
`,
  );

  process.stdout.write(run("node", ["smoke.cjs"]));
  process.stdout.write(run("node", ["smoke.mjs"]));
  run(process.execPath, [
    join(root, "node_modules", "typescript", "bin", "tsc"),
    "--noEmit",
    "--strict",
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--target",
    "es2022",
    "--typeRoots",
    join(root, "node_modules", "@types"),
    "--types",
    "node",
    "consumer.mts",
    "consumer.cts",
  ]);
  console.log("TypeScript consumer (NodeNext, .mts and .cts): ok");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
