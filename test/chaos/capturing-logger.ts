/**
 * A pino logger at `trace` that keeps every line it writes, and the search that proves promise 4
 * over a whole chaos run: no credential, token or delivered card code in any captured line.
 *
 * Card codes number in the thousands and the log in the hundreds of thousands of lines, so the
 * search does not try every code against every line: it indexes the codes by a fixed-length
 * prefix and slides a window of that length over each line, checking a full match only where a
 * prefix is found.
 */
import { Writable } from "node:stream";
import { pino } from "pino";

/** A logger kaquan accepts, plus what it captured. */
export interface CapturingLogger {
  readonly logger: pino.Logger;
  /** Every line written, in order. */
  lines(): readonly string[];
  /** Adds text to search that did not come through the logger (error messages shown to the merchant). */
  capture(text: string): void;
}

export function createCapturingLogger(): CapturingLogger {
  const captured: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      captured.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: "trace" }, destination);
  return {
    logger,
    lines: () => captured,
    capture(text) {
      captured.push(text);
    },
  };
}

/** One secret found in the captured text. */
export interface SecretLeak {
  /** What kind of secret (`fulu appSecret`, `card code`, …) — never the secret itself. */
  label: string;
  /** The index of the line it was found in. */
  line: number;
}

/** A secret to look for and what to call it in a report. */
export interface SecretToFind {
  label: string;
  value: string;
}

/** Shorter values match too much ordinary text to mean anything. */
const MINIMUM_SECRET_LENGTH = 6;

/** Finds every occurrence of every secret in the lines (each secret reported once per line). */
export function findSecrets(lines: readonly string[], secrets: readonly SecretToFind[]): SecretLeak[] {
  const usable = secrets.filter((secret) => secret.value.length >= MINIMUM_SECRET_LENGTH);
  if (usable.length === 0) return [];
  const window = Math.min(...usable.map((secret) => secret.value.length), 12);
  const byPrefix = new Map<string, SecretToFind[]>();
  for (const secret of usable) {
    const prefix = secret.value.slice(0, window);
    const list = byPrefix.get(prefix);
    if (list) list.push(secret);
    else byPrefix.set(prefix, [secret]);
  }
  const leaks: SecretLeak[] = [];
  lines.forEach((line, index) => {
    const found = new Set<string>();
    for (let position = 0; position + window <= line.length; position += 1) {
      const candidates = byPrefix.get(line.slice(position, position + window));
      if (!candidates) continue;
      for (const secret of candidates) {
        if (!found.has(secret.value) && line.startsWith(secret.value, position)) {
          found.add(secret.value);
          leaks.push({ label: secret.label, line: index });
        }
      }
    }
  });
  return leaks;
}
