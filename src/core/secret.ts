/**
 * A value that must never reach a log line, an error message or a serialised object: card codes
 * (卡密), card numbers, PINs, tokens. It prints as `[secret]` in `toString`, `toJSON` and
 * `util.inspect`; read it with `.reveal()` where you really need it.
 */

const secretBrand = Symbol.for("kaquan.secret");
// `util.inspect` looks this symbol up; using `Symbol.for` keeps node:util out of the contract layer.
const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/** What a `Secret` prints as, wherever it is printed. */
export const SECRET_MASK = "[secret]";

export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
    Object.defineProperty(this, secretBrand, { value: true, enumerable: false });
  }

  /** The wrapped value. Every call site is a place where a secret leaves its wrapper. */
  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return SECRET_MASK;
  }

  toJSON(): string {
    return SECRET_MASK;
  }

  [inspectSymbol](): string {
    return `Secret(${SECRET_MASK})`;
  }

  /** True for a `Secret` from any copy of kaquan. */
  static isSecret(value: unknown): value is Secret<unknown> {
    return (
      typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[secretBrand] === true
    );
  }
}

/** Wraps a value as a {@link Secret}. */
export function secret<T>(value: T): Secret<T> {
  return new Secret(value);
}
