/**
 * The lifecycle and bookkeeping every supplier simulator shares: start on a loopback server,
 * close (abort the lifetime, cancel timers, close the server, settle outstanding work), the
 * pauses that `close()` cancels, the promises `idle()` waits for, automatic settling of orders,
 * and the logs the inspection API reads. Nothing here knows a vendor.
 */
import {
  type LoopbackHandler,
  type LoopbackServer,
  type LoopbackServerOptions,
  startLoopbackServer,
} from "./simulator-server.js";

/** Where a simulator is in its life: `start()` moves `new` → `starting` → `running`, `close()` to `closed`. */
export type SimulatorState = "new" | "starting" | "running" | "closed";

/** The lifecycle methods of a simulator's public object ({@link SimulatorLifecycle.controls}). */
export interface SimulatorControls {
  start(): Promise<void>;
  close(): Promise<void>;
  idle(): Promise<void>;
}

/** A pending {@link SimulatorLifecycle.wait}: its timer, and how to settle it early. */
interface PendingPause {
  timer: NodeJS.Timeout;
  resolve: (fired: boolean) => void;
}

/**
 * One simulator's life: its loopback server, its state, the work `idle()` and `close()` wait
 * for, the pauses `close()` cancels and the signal that tells callback deliveries to stop.
 *
 * Error messages name the simulator: a lifecycle made with `new SimulatorLifecycle("Fulu")`
 * throws `Fulu simulator: not running (call start() first)`.
 */
export class SimulatorLifecycle {
  readonly #name: string;
  readonly #work = new Set<Promise<unknown>>();
  readonly #pauses = new Set<PendingPause>();
  readonly #lifetime = new AbortController();
  #server: LoopbackServer | undefined;
  #state: SimulatorState = "new";

  /** `name` is the vendor as error messages spell it ("Fulu", "OFPay", …). */
  constructor(name: string) {
    this.#name = name;
  }

  /** The current state. */
  get state(): SimulatorState {
    return this.#state;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#state === "closed";
  }

  /** Aborted by `close()` (reason: "the <name> simulator was closed"); callback deliveries stop on it. */
  get signal(): AbortSignal {
    return this.#lifetime.signal;
  }

  /**
   * Starts the loopback server with `handler`. Rejects when already started or closed, or when the
   * port cannot be bound (the simulator can then be started again).
   */
  async start(handler: LoopbackHandler, options: LoopbackServerOptions = {}): Promise<void> {
    if (this.#state !== "new") throw new Error(`${this.#name} simulator: start() called when ${this.#state}`);
    this.#state = "starting";
    try {
      this.#server = await startLoopbackServer(handler, options);
    } catch (error) {
      this.#state = "new";
      throw error;
    }
    this.#state = "running";
  }

  /**
   * Aborts {@link signal}, cancels every pending {@link wait} (they resolve false), closes the
   * server and every socket, then waits for the tracked work to settle. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#lifetime.abort(new Error(`the ${this.#name} simulator was closed`));
    for (const pause of this.#pauses) {
      clearTimeout(pause.timer);
      pause.resolve(false);
    }
    this.#pauses.clear();
    await this.#server?.close();
    await Promise.allSettled([...this.#work]);
  }

  /** The running server. Throws when the simulator is not running (before `start()`, or closed). */
  running(): LoopbackServer {
    if (!this.#server || this.#state !== "running") {
      throw new Error(`${this.#name} simulator: not running (call start() first)`);
    }
    return this.#server;
  }

  /**
   * The `start`, `close` and `idle` methods of the simulator's public object: `start()` serves
   * `handler` on the port that `server.port` holds at that moment (0, the default, picks one).
   */
  controls(handler: LoopbackHandler, server: LoopbackServerOptions): SimulatorControls {
    return {
      start: () => this.start(handler, { port: server.port }),
      close: () => this.close(),
      idle: () => this.idle(),
    };
  }

  /** Counts `promise` as outstanding work (see {@link idle} and {@link close}) until it settles; returns it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#work.add(promise);
    const remove = () => this.#work.delete(promise);
    promise.then(remove, remove);
    return promise;
  }

  /**
   * A real-time pause that `close()` cancels: resolves true when it elapsed, false when cancelled
   * (at once when already closed). It is tracked work.
   */
  wait(ms: number): Promise<boolean> {
    if (this.#state === "closed") return Promise.resolve(false);
    return this.track(
      new Promise<boolean>((resolve) => {
        const pause: PendingPause = {
          resolve,
          timer: setTimeout(() => {
            this.#pauses.delete(pause);
            resolve(true);
          }, ms),
        };
        this.#pauses.add(pause);
      }),
    );
  }

  /** Resolves when no tracked work is outstanding (settle timers, delayed answers, callback deliveries). */
  async idle(): Promise<void> {
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }
}

/** What {@link AutoSettle} reads and writes of an order. */
export interface SettlingOrder {
  /** The order's scripted fate; a `pending` order never settles by itself. */
  readonly outcome: string;
  /** True while a settle timer runs for the order. */
  settleScheduled: boolean;
}

/** Settings of {@link AutoSettle}. */
export interface AutoSettleOptions<Order> {
  /** Whether orders settle by themselves at first (the simulator's `autoSettle` option). */
  enabled: boolean;
  /** How long after it is scheduled an order settles, in milliseconds of real time. */
  delayOf(order: Order): number;
  /** Whether the order is already final. */
  isFinal(order: Order): boolean;
  /** Settles the order now, as its outcome says. */
  settle(order: Order): void;
}

/**
 * Automatic settling: each order that is neither final nor `pending` settles once, after a
 * delay, unless settling is turned off (or the order settled otherwise) meanwhile. The timers
 * are {@link SimulatorLifecycle.wait} pauses, so `close()` cancels them and `idle()` waits for them.
 */
export class AutoSettle<Order extends SettlingOrder> {
  readonly #lifecycle: SimulatorLifecycle;
  readonly #options: AutoSettleOptions<Order>;
  #enabled: boolean;

  constructor(lifecycle: SimulatorLifecycle, options: AutoSettleOptions<Order>) {
    this.#lifecycle = lifecycle;
    this.#options = options;
    this.#enabled = options.enabled;
  }

  /** Schedules the order's settling, unless settling is off, the order is final, `pending` or already scheduled, or the simulator is closed. */
  schedule(order: Order): void {
    const { delayOf, isFinal, settle } = this.#options;
    if (!this.#enabled || order.outcome === "pending" || order.settleScheduled || isFinal(order)) return;
    if (this.#lifecycle.closed) return;
    order.settleScheduled = true;
    void this.#lifecycle.wait(delayOf(order)).then((fired) => {
      order.settleScheduled = false;
      if (!fired || !this.#enabled || isFinal(order)) return;
      settle(order);
    });
  }

  /** Turns settling off, or on again — then every order of `orders` is scheduled (see {@link schedule}). */
  set(enabled: boolean, orders: Iterable<Order>): void {
    this.#enabled = enabled;
    if (enabled) for (const order of orders) this.schedule(order);
  }
}

/**
 * An append-only log of records (requests received, callback attempts made). Records may be
 * completed after they are appended; readers get copies.
 */
export class SimulatorLog<Entry extends object> {
  readonly #entries: Entry[] = [];
  readonly #copy: (entry: Entry) => Entry;

  /** `copy` makes the copies readers get; a shallow copy by default. */
  constructor(copy: (entry: Entry) => Entry = (entry) => ({ ...entry })) {
    this.#copy = copy;
  }

  /** Appends a record. */
  push(entry: Entry): void {
    this.#entries.push(entry);
  }

  /** Copies of the records, oldest first; only those whose `field` is `value`, unless `value` is `undefined`. */
  select<Field extends keyof Entry>(field: Field, value: Entry[Field] | undefined): Entry[] {
    return this.#entries
      .filter((entry) => value === undefined || entry[field] === value)
      .map((entry) => this.#copy(entry));
  }
}
