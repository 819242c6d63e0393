/**
 * A queue of scripted faults for the supplier simulators. A test queues a fault ("drop the
 * connection after committing the next order"), and the simulator consumes it when the next
 * matching request or event comes along. Nothing here knows a vendor: each simulator defines its
 * own fault kinds and decides what "matching" means.
 */

/** The fields every scripted fault has. Simulators extend this with their own parameters. */
export interface ScriptedFault<Kind extends string = string> {
  /** What goes wrong. */
  kind: Kind;
  /** Only requests for this vendor method (or operation) consume the fault; any method when omitted. */
  method?: string | undefined;
  /** How many matching requests or events consume it before it is spent. Default 1; `Infinity` never runs out. */
  times?: number | undefined;
}

/** A queued fault and how many more times it will fire. */
export type PendingFault<Fault extends ScriptedFault> = Fault & { readonly remaining: number };

/**
 * First-in, first-out queue of scripted faults. {@link FaultQueue.take} returns the oldest queued
 * fault that a predicate accepts and counts one use of it; a fault is dropped when its `times`
 * are used up.
 */
export class FaultQueue<Fault extends ScriptedFault> {
  readonly #entries: Array<{ fault: Fault; remaining: number }> = [];

  /** Queues a fault. Throws `RangeError` when `times` is not a positive whole number or `Infinity`. */
  push(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isSafeInteger(times) && times > 0))) {
      throw new RangeError(`fault "${fault.kind}": times must be a positive whole number or Infinity`);
    }
    this.#entries.push({ fault: { ...fault }, remaining: times });
  }

  /**
   * Consumes one use of the oldest queued fault that `accepts` returns true for, and returns it;
   * `undefined` when none matches (the queue is then unchanged).
   */
  take(accepts: (fault: Fault) => boolean): Fault | undefined {
    const index = this.#entries.findIndex((entry) => accepts(entry.fault));
    if (index < 0) return undefined;
    const entry = this.#entries[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#entries.splice(index, 1);
    return { ...entry.fault };
  }

  /** The faults still queued, oldest first, each with its remaining uses. */
  pending(): PendingFault<Fault>[] {
    return this.#entries.map((entry) => ({ ...entry.fault, remaining: entry.remaining }));
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#entries.length = 0;
  }

  /** How many faults are queued. */
  get size(): number {
    return this.#entries.length;
  }
}

/** True when the fault names no method, or names `method`. */
export function faultMatchesMethod(fault: ScriptedFault, method: string | undefined): boolean {
  return fault.method === undefined || fault.method === method;
}
