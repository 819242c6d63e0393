/**
 * Delivery claims in Redis, so `onEvent` runs once per order state across processes: a callback
 * and its duplicates may land on any instance, and every instance's poller may learn the same
 * state. Keys: `<prefix>:event:<key>`, holding `in_progress` for the claim's lease (the caller's
 * `leaseMs`, 60 s in the event delivery) and then `done` for the caller's `ttlMs` (7 days in the
 * event delivery).
 */
import type { EventClaim, EventClaimStore } from "../stores/event-claim-store.js";
import {
  defineFencedScript,
  RedisCommandRunner,
  type RedisStoreOptions,
  requirePositiveMs,
} from "./redis-command-runner.js";

const IN_PROGRESS = "in_progress";
const DONE = "done";

// KEYS: claim. ARGV: fence, lease ms. An expired lease (its holder crashed) is simply gone, so
// the state can be claimed again and is never stranded undelivered.
const claimScript = defineFencedScript(`
local current = redis.call('GET', KEYS[1])
if current == '${DONE}' then return '${DONE}' end
if current then return '${IN_PROGRESS}' end
redis.call('SET', KEYS[1], '${IN_PROGRESS}', 'PX', ARGV[2])
return 'claimed'
`);

// KEYS: claim. ARGV: fence, ttl ms.
const completeScript = defineFencedScript(`
redis.call('SET', KEYS[1], '${DONE}', 'PX', ARGV[2])
return 1
`);

// KEYS: claim. ARGV: fence. Only a claim still in progress is given back: a delivered state stays
// delivered whoever asks.
const releaseScript = defineFencedScript(`
if redis.call('GET', KEYS[1]) == '${IN_PROGRESS}' then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * An {@link EventClaimStore} in Redis. Share one (through one prefix) between the callback
 * handlers and pollers of every process. Redis failures reject with `StoreUnavailableError`: the
 * callback is then not acknowledged and the supplier sends it again.
 */
export class RedisEventClaimStore implements EventClaimStore {
  readonly #runner: RedisCommandRunner;

  constructor(options: RedisStoreOptions) {
    this.#runner = new RedisCommandRunner(options, "RedisEventClaimStore");
  }

  async claim(key: string, leaseMs: number): Promise<EventClaim> {
    const reply = await this.#runner.script(
      `claim event ${key}`,
      claimScript,
      [this.#runner.key("event", key)],
      [requirePositiveMs(leaseMs, "leaseMs")],
    );
    return reply === DONE ? "done" : reply === IN_PROGRESS ? "in_progress" : "claimed";
  }

  async complete(key: string, ttlMs: number): Promise<void> {
    await this.#runner.script(
      `complete event ${key}`,
      completeScript,
      [this.#runner.key("event", key)],
      [requirePositiveMs(ttlMs, "ttlMs")],
    );
  }

  async release(key: string): Promise<void> {
    await this.#runner.script(`release event ${key}`, releaseScript, [this.#runner.key("event", key)], []);
  }
}
