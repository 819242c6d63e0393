/**
 * When an in-memory store sweeps its expired entries. Sweeping on every write once the map passes
 * a fixed size costs O(entries) per write as soon as that many entries are live (a busy day's
 * callback claims, 100,000 pending orders' poll leases), so the threshold doubles from what each
 * sweep leaves: sweeping stays amortised O(1) per write, and expired entries still go within one
 * doubling.
 */
export class SweepThreshold {
  readonly #minimum: number;
  #at: number;

  /** @param minimum Below this many entries the map is never swept. Default 10,000. */
  constructor(minimum = 10_000) {
    this.#minimum = minimum;
    this.#at = minimum;
  }

  /** Whether a map of `size` entries should be swept now. */
  due(size: number): boolean {
    return size > this.#at;
  }

  /** Records a sweep that left `size` entries. */
  swept(size: number): void {
    this.#at = Math.max(this.#minimum, size * 2);
  }
}
