/**
 * Poll leases in Redis, so the pollers of several processes share the pending orders without
 * polling one order twice at once. Keys: `<prefix>:poll-lease:<supplier>:<merchantOrderId>`,
 * living the lease's `leaseMs`.
 */
import type { PollLeaseStore } from "../stores/poll-lease-store.js";
import {
  defineFencedScript,
  RedisCommandRunner,
  type RedisStoreOptions,
  requirePositiveMs,
} from "./redis-command-runner.js";

// KEYS: lease. ARGV: fence, lease ms. SET NX PX, fenced like every write.
const leaseScript = defineFencedScript(`
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`);

/** A {@link PollLeaseStore} in Redis (SET NX PX). Redis failures reject with `StoreUnavailableError`. */
export class RedisPollLeaseStore implements PollLeaseStore {
  readonly #runner: RedisCommandRunner;

  constructor(options: RedisStoreOptions) {
    this.#runner = new RedisCommandRunner(options, "RedisPollLeaseStore");
  }

  async tryLease(key: string, leaseMs: number): Promise<boolean> {
    const reply = await this.#runner.script(
      `lease the poll of ${key}`,
      leaseScript,
      [this.#runner.key("poll-lease", key)],
      [requirePositiveMs(leaseMs, "leaseMs")],
    );
    return Number(reply) === 1;
  }
}
