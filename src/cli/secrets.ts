/**
 * Where the `kaquan` command takes credentials from: environment variables, or a file named by
 * `--secrets-file` (a JSON object or `.env` lines). Never from command-line arguments — those land
 * in shell history and in `ps` output — so no `--app-secret` flag exists, and a flag that looks
 * like one is refused with the name of the variable to set instead. Messages name variables,
 * never values (promise 4 in design.md).
 */
import { readFile, stat } from "node:fs/promises";
import { ConfigurationError, ValidationError } from "../core/index.js";
import { SUPPLIER_REGISTRY, type SupplierEntry } from "./supplier-registry.js";

/** Variables read from a secrets file, by name. */
export interface SecretsFile {
  readonly values: Readonly<Record<string, string>>;
  /** Advice about the file itself (e.g. it is readable by other users). */
  readonly warnings: readonly string[];
}

/** A supplier's credentials, by adapter option name, and where each came from. */
export interface ResolvedCredentials {
  readonly values: Readonly<Record<string, string>>;
  readonly sources: Readonly<Record<string, "environment" | "secrets file">>;
}

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads a secrets file: a JSON object of `"NAME": "value"` (when the file ends in `.json` or starts
 * with `{`), otherwise `.env` lines (`NAME=value`, `export NAME=value`, `#` comments, single or
 * double quotes). Errors name the line or key, never a value. Warns when other users may read it.
 */
export async function readSecretsFile(path: string): Promise<SecretsFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(
      `cannot read the secrets file ${path}${code ? ` (${code})` : ""}: check the path given to --secrets-file`,
    );
  }
  const warnings: string[] = [];
  if (process.platform !== "win32") {
    const mode = (await stat(path)).mode;
    // Group or world permissions on a file of credentials: anyone on the machine may read them.
    if ((mode & 0o077) !== 0) {
      warnings.push(
        `the secrets file ${path} can be read by other users (mode ${(mode & 0o777).toString(8)}): run chmod 600 on it`,
      );
    }
  }
  const values =
    path.endsWith(".json") || text.trimStart().startsWith("{")
      ? parseSecretsJson(text, path)
      : parseDotenv(text, path);
  return { values, warnings };
}

/** Parses a JSON secrets file: one object whose values are strings. */
export function parseSecretsJson(text: string, label: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`the secrets file ${label} is not valid JSON: write {"NAME": "value", …}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(`the secrets file ${label} must hold one JSON object: {"NAME": "value", …}`);
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!variableName.test(name)) {
      throw new ConfigurationError(
        `the secrets file ${label}: "${name.slice(0, 40)}" is not a variable name`,
      );
    }
    if (typeof value !== "string") {
      throw new ConfigurationError(`the secrets file ${label}: the value of ${name} must be a string`);
    }
    values[name] = value;
  }
  return values;
}

/**
 * Parses `.env` lines. `NAME=value`, optionally prefixed by `export`; values may be quoted
 * (`"…"` understands `\n`, `\"` and `\\`; `'…'` is literal); an unquoted value ends at ` #`.
 */
export function parseDotenv(text: string, label: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    // The line is never quoted back: it may hold a secret.
    if (!match)
      throw new ConfigurationError(`the secrets file ${label}, line ${index + 1}: expected NAME=value`);
    const [, name, rest = ""] = match;
    values[name!] = dotenvValue(rest, label, index + 1);
  });
  return values;
}

function dotenvValue(rest: string, label: string, lineNumber: number): string {
  const quote = rest[0];
  if (quote === '"' || quote === "'") {
    const end = findClosingQuote(rest, quote);
    if (end < 0) {
      throw new ConfigurationError(
        `the secrets file ${label}, line ${lineNumber}: the quoted value is not closed`,
      );
    }
    const inner = rest.slice(1, end);
    return quote === "'"
      ? inner
      : inner.replace(/\\(["\\n])/g, (_match, escaped: string) => (escaped === "n" ? "\n" : escaped));
  }
  const comment = rest.search(/\s#/);
  return (comment >= 0 ? rest.slice(0, comment) : rest).trim();
}

function findClosingQuote(text: string, quote: string): number {
  for (let index = 1; index < text.length; index += 1) {
    if (quote === '"' && text[index] === "\\") {
      index += 1;
      continue;
    }
    if (text[index] === quote) return index;
  }
  return -1;
}

/**
 * A supplier's credentials: each variable from the environment, else from the secrets file (the
 * environment wins, as with dotenv tools). Throws `ConfigurationError` naming every missing
 * required variable — the registry's required ones, or `requiredOptions` when given (a command
 * that needs only the callback-signing secret asks for that one).
 */
export function resolveCredentials(
  entry: SupplierEntry,
  environment: Readonly<Record<string, string | undefined>>,
  file?: SecretsFile,
  requiredOptions?: readonly string[],
): ResolvedCredentials {
  const values: Record<string, string> = {};
  const sources: Record<string, "environment" | "secrets file"> = {};
  const missing: string[] = [];
  for (const spec of entry.credentials) {
    const fromEnvironment = environment[spec.environmentVariable];
    const fromFile = file?.values[spec.environmentVariable];
    if (fromEnvironment !== undefined && fromEnvironment !== "") {
      values[spec.option] = fromEnvironment;
      sources[spec.option] = "environment";
    } else if (fromFile !== undefined && fromFile !== "") {
      values[spec.option] = fromFile;
      sources[spec.option] = "secrets file";
    } else if (requiredOptions ? requiredOptions.includes(spec.option) : spec.required) {
      missing.push(`${spec.environmentVariable} (${spec.description})`);
    }
  }
  if (missing.length > 0) {
    throw new ConfigurationError(
      `${entry.name} needs ${missing.join("; ")}: set ${missing.length === 1 ? "it" : "them"} in the environment or in a --secrets-file (never on the command line)`,
    );
  }
  return { values, sources };
}

/**
 * Option names that look like a credential. Not a bare `sign`: `responseSignature` (Fulu) and
 * `webhookSignature` (Reloadly) are settings, not secrets; a signing key is `sign-key`/`signKey`.
 */
const secretLooking = /(secret|passw|pwd|token|api-?key|app-?key|sign-?key|private|credential|auth)/i;

/**
 * True when a flag or configuration key (`app-secret`, `appKey`, `password`) names a credential:
 * by its look, or because it is a credential option of a supplier kaquan knows.
 */
export function looksLikeCredential(name: string): boolean {
  return secretLooking.test(name) || credentialVariablesFor(name).length > 0;
}

/** The environment variables of every supplier whose credential option is `name` (any spelling). */
export function credentialVariablesFor(name: string): string[] {
  const wanted = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  const variables: string[] = [];
  for (const entry of Object.values(SUPPLIER_REGISTRY)) {
    for (const spec of entry.credentials) {
      if (spec.option.toLowerCase() === wanted) variables.push(spec.environmentVariable);
    }
  }
  return variables;
}

/**
 * Refuses a command line that tries to pass a credential as a flag (`--app-secret x`,
 * `--password=x`): the value would land in shell history. `knownOptions` are the long option names
 * the command really has (e.g. `secrets-file`). The error names the environment variables that
 * hold such a credential, and never the value.
 */
export function refuseSecretFlags(argv: readonly string[], knownOptions: ReadonlySet<string>): void {
  for (const token of argv) {
    if (token === "--") return;
    if (!token.startsWith("-") || token === "-") continue;
    const name = token.replace(/^-+/, "").split("=")[0] ?? "";
    if (knownOptions.has(name) || !secretLooking.test(name)) continue;
    const variables = credentialVariablesFor(name);
    const where =
      variables.length > 0
        ? `set ${variables.join(" or ")} in the environment or a --secrets-file instead`
        : "set the supplier's KAQUAN_<SUPPLIER>_… variable in the environment or a --secrets-file instead (docs/cli.md lists them)";
    throw new ValidationError(
      `--${name} is not an option: credentials are never taken on the command line (they would land in your shell history); ${where}`,
      [{ path: name, message: "pass credentials through environment variables or --secrets-file" }],
    );
  }
}
