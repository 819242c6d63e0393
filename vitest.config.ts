import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const from = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests and examples import the package by its public name, as a merchant would.
    alias: [
      { find: /^kaquan\/adapters\/fulu$/, replacement: from("./adapters/fulu/index.ts") },
      { find: /^kaquan\/adapters\/juhe$/, replacement: from("./adapters/juhe/index.ts") },
      { find: /^kaquan\/adapters\/ofpay$/, replacement: from("./adapters/ofpay/index.ts") },
      { find: /^kaquan\/adapters\/chengquan$/, replacement: from("./adapters/chengquan/index.ts") },
      { find: /^kaquan\/adapters\/dtone$/, replacement: from("./adapters/dtone/index.ts") },
      { find: /^kaquan\/adapters\/reloadly$/, replacement: from("./adapters/reloadly/index.ts") },
      { find: /^kaquan\/adapters\/tango$/, replacement: from("./adapters/tango/index.ts") },
      { find: /^kaquan\/adapters\/ding$/, replacement: from("./adapters/ding/index.ts") },
      { find: /^kaquan\/adapters\/bitrefill$/, replacement: from("./adapters/bitrefill/index.ts") },
      { find: /^kaquan\/testing$/, replacement: from("./src/testing/index.ts") },
      { find: /^kaquan\/redis$/, replacement: from("./src/redis/index.ts") },
      { find: /^kaquan\/callbacks$/, replacement: from("./src/callbacks/index.ts") },
      { find: /^kaquan\/routing$/, replacement: from("./src/routing/index.ts") },
      { find: /^kaquan\/adapter-kit$/, replacement: from("./src/adapter-kit/index.ts") },
      { find: /^kaquan$/, replacement: from("./src/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    testTimeout: 20_000,
  },
});
