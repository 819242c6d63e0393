/**
 * Where the `kaquan` command reads its environment and writes its output. Tests pass their own
 * streams and environment to `runCli`; the real entry passes the process's. Every line goes
 * through {@link CliOutput.write} of a {@link RedactingOutput}, which replaces the value of any
 * secret the command has loaded with `[secret]` — a last line of defence behind messages that
 * already name variables, never values (promise 4 in design.md).
 */
import { SECRET_MASK } from "../core/index.js";

/** A writable text stream: `process.stdout`, `process.stderr`, or a test's collector. */
export interface CliOutput {
  write(chunk: string): unknown;
  /** True for a terminal: progress bars are drawn only there. */
  readonly isTTY?: boolean | undefined;
  /** Terminal width, when known. */
  readonly columns?: number | undefined;
}

/** What `runCli` runs in. Every field has a default taken from the current process. */
export interface RunCliOptions {
  /** Environment variables (secrets come from here or a `--secrets-file`). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default `process.stdout`. */
  stdout?: CliOutput;
  /** Default `process.stderr`. */
  stderr?: CliOutput;
  /** The directory relative paths are read from and reports are written to. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Stops long-running commands (`simulate` runs until it fires). Default: an abort signal wired to
   * SIGINT and SIGTERM for the duration of the call.
   */
  signal?: AbortSignal;
}

/** Values shorter than this are not scrubbed: masking every "1" would garble the output. */
const MINIMUM_SCRUBBED_LENGTH = 4;

/**
 * An output that masks registered secret values. Secrets are registered as soon as they are
 * loaded, so even an unexpected error echoing one cannot print it.
 */
export class RedactingOutput {
  readonly #target: CliOutput;
  readonly #secrets: Set<string>;

  constructor(target: CliOutput, secrets: Set<string>) {
    this.#target = target;
    this.#secrets = secrets;
  }

  /** The stream underneath, for progress bars (which draw counters, never values). */
  get raw(): CliOutput {
    return this.#target;
  }

  /** Writes `text` with every registered secret masked. */
  write(text: string): void {
    this.#target.write(scrubSecrets(text, this.#secrets));
  }

  /** Writes `text` and a newline. */
  line(text = ""): void {
    this.write(`${text}\n`);
  }
}

/** `text` with each of `secrets` (longest first, so a secret containing another is masked whole) replaced. */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  const values = [...secrets]
    .filter((value) => value.length >= MINIMUM_SCRUBBED_LENGTH)
    .sort((left, right) => right.length - left.length);
  let scrubbed = text;
  for (const value of values) scrubbed = scrubbed.split(value).join(SECRET_MASK);
  return scrubbed;
}

/** The state one `runCli` call shares with its commands. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: RedactingOutput;
  readonly stderr: RedactingOutput;
  readonly cwd: string;
  readonly signal: AbortSignal;
  /** Registers loaded secret values, so no output can print them. */
  registerSecrets(values: Iterable<string>): void;
}

/** Builds the context of one call from its options and the process defaults. */
export function createCliContext(options: RunCliOptions, signal: AbortSignal): CliContext {
  const secrets = new Set<string>();
  return {
    env: options.env ?? process.env,
    stdout: new RedactingOutput(options.stdout ?? process.stdout, secrets),
    stderr: new RedactingOutput(options.stderr ?? process.stderr, secrets),
    cwd: options.cwd ?? process.cwd(),
    signal,
    registerSecrets(values) {
      for (const value of values) if (value) secrets.add(value);
    },
  };
}
