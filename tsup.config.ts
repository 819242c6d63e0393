import { defineConfig, type Options } from "tsup";

// One entry per public subpath export (package.json "exports").
const entry = {
  index: "src/index.ts",
  "callbacks/index": "src/callbacks/index.ts",
  "adapters/fulu/index": "adapters/fulu/index.ts",
  "adapters/juhe/index": "adapters/juhe/index.ts",
  "adapters/ofpay/index": "adapters/ofpay/index.ts",
  "adapters/chengquan/index": "adapters/chengquan/index.ts",
  "adapters/dtone/index": "adapters/dtone/index.ts",
  "adapters/reloadly/index": "adapters/reloadly/index.ts",
  "adapters/tango/index": "adapters/tango/index.ts",
  "adapters/ding/index": "adapters/ding/index.ts",
  "adapters/bitrefill/index": "adapters/bitrefill/index.ts",
  "testing/index": "src/testing/index.ts",
  "redis/index": "src/redis/index.ts",
  "routing/index": "src/routing/index.ts",
  "adapter-kit/index": "src/adapter-kit/index.ts",
};

const shared: Options = {
  entry,
  // tsup 8 injects `baseUrl`, which TypeScript 6 reports as deprecated.
  dts: { compilerOptions: { ignoreDeprecations: "6.0" } },
  sourcemap: true,
  target: "node20",
  platform: "node",
  outDir: "dist",
};

export default defineConfig([
  { ...shared, format: ["esm"] },
  // p-retry and p-limit are ESM-only; esbuild's CJS interop for them breaks at run time
  // (`default is not a function`), so the CJS build carries its own copy.
  { ...shared, format: ["cjs"], noExternal: ["p-retry", "p-limit"] },
  // The `kaquan` command: its own ESM entry without declarations, so no library entry ever loads
  // commander or cli-progress. tsup keeps the shebang and marks the file executable.
  { ...shared, entry: { "cli/main": "src/cli/main.ts" }, format: ["esm"], dts: false },
]);
