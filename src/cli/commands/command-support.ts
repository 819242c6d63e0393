/**
 * What the command modules share: option parsers for commander, and loading credentials so that
 * every value is registered for scrubbing the moment it is read.
 */
import { resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import type { CliContext } from "../cli-io.js";
import {
  type ResolvedCredentials,
  readSecretsFile,
  resolveCredentials,
  type SecretsFile,
} from "../secrets.js";
import { SUPPLIER_REGISTRY, type SupplierEntry } from "../supplier-registry.js";

/** A commander parser for a whole number in `[min, max]`. */
export function integerOption(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** A commander parser for a positive number (decimals allowed). */
export function positiveNumberOption(value: string): number {
  const parsed = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(parsed > 0))
    throw new InvalidArgumentError("expected a positive number");
  return parsed;
}

/** `path` resolved against the command's working directory. */
export function resolvePath(context: CliContext, path: string): string {
  return resolve(context.cwd, path);
}

/** Reads `--secrets-file` when given; prints its warnings; registers every value for scrubbing. */
export async function loadSecretsFile(
  context: CliContext,
  path: string | undefined,
): Promise<SecretsFile | undefined> {
  if (path === undefined) return undefined;
  const file = await readSecretsFile(resolvePath(context, path));
  context.registerSecrets(Object.values(file.values));
  for (const warning of file.warnings) context.stderr.line(`kaquan: warning: ${warning}`);
  return file;
}

/** The supplier's credentials from the environment or the file, registered for scrubbing. */
export function credentialsFor(
  context: CliContext,
  entry: SupplierEntry,
  file: SecretsFile | undefined,
  requiredOptions?: readonly string[],
): ResolvedCredentials {
  // Every kaquan credential variable set in the environment is masked, whichever supplier it is for.
  for (const row of Object.values(SUPPLIER_REGISTRY)) {
    context.registerSecrets(row.credentials.flatMap((spec) => context.env[spec.environmentVariable] ?? []));
  }
  const credentials = resolveCredentials(entry, context.env, file, requiredOptions);
  context.registerSecrets(Object.values(credentials.values));
  return credentials;
}
