/**
 * `kaquan verify-callback`: does a captured callback verify with the configured secret, and if
 * not, why. The verdict is the adapter's own verification; the diagnosis (`../verify/`) shows the
 * signed string with secrets masked and the signatures as short fingerprints — never a secret,
 * never a usable signature.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { ConfigurationError, ValidationError } from "../../core/index.js";
import type { CliContext } from "../cli-io.js";
import { EXIT_FINDINGS, EXIT_OK } from "../exit-codes.js";
import { renderPairs } from "../reports/table.js";
import { readSupplierConfig } from "../supplier-config.js";
import { SUPPLIER_NAMES, type SupplierEntry, supplierEntry } from "../supplier-registry.js";
import { diagnoseCallback, signingCredentials } from "../verify/callback-diagnosis.js";
import { credentialsFor, loadSecretsFile, resolvePath } from "./command-support.js";

/** Options of `verify-callback`, as commander parses them. */
export interface VerifyCallbackOptions {
  supplier?: string;
  body?: string;
  headers?: string;
  query?: string;
  config?: string;
  secretsFile?: string;
}

const examples = `
Examples:
  $ kaquan verify-callback --supplier fulu --body callback.json --headers headers.json
      (with KAQUAN_FULU_APP_SECRET set in the environment, e.g. by your secrets manager)
  $ kaquan verify-callback --supplier juhe --body callback.txt --secrets-file ./secrets.env
  $ kaquan verify-callback --supplier juhe --query 'sporder_id=J1&orderid=SHOP1&sta=1&sign=…'

--body is the raw request body exactly as received (save it before any JSON or form parsing);
--headers a JSON object of the request headers; --query the callback URL's query string, verified
as the callback when the supplier sent it as a GET. Signatures are shown only as fingerprints
(first 6 hex characters of their SHA-256). Exit code 0 when it verifies, 3 when it does not.`;

/** Registers `verify-callback` on `program`. */
export function registerVerifyCallbackCommand(
  program: Command,
  context: CliContext,
  run: (action: () => Promise<number>) => Promise<void>,
): void {
  program
    .command("verify-callback")
    .description("check whether a captured callback verifies with your secret, and why not")
    .option("--supplier <name>", `one of ${SUPPLIER_NAMES.join(", ")} (or from --config)`)
    .option("--body <file>", "the raw callback body, exactly as received")
    .option("--headers <file>", "the callback's headers as a JSON object")
    .option("--query <string>", "the callback URL's query string")
    .option("--config <file>", "supplier configuration, for adapter options (no credentials)")
    .option("--secrets-file <file>", "credentials as JSON or .env lines (instead of the environment)")
    .addHelpText("after", examples)
    .action((options: VerifyCallbackOptions) => run(() => verifyCallback(context, options)));
}

async function readHeaders(context: CliContext, path: string | undefined): Promise<Record<string, string>> {
  if (path === undefined) return {};
  const absolute = resolvePath(context, path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(absolute, "utf8"));
  } catch {
    throw new ValidationError(`cannot read ${absolute} as JSON`, [
      {
        path: "headers",
        message: 'write the headers as a JSON object: { "content-type": "application/json" }',
      },
    ]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ValidationError(`${absolute} must hold a JSON object of headers`, [
      { path: "headers", message: 'e.g. { "content-type": "application/json" }' },
    ]);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") headers[name.toLowerCase()] = first;
    else if (typeof first === "number") headers[name.toLowerCase()] = String(first);
  }
  return headers;
}

async function resolveEntry(
  context: CliContext,
  options: VerifyCallbackOptions,
): Promise<{ entry: SupplierEntry; adapterOptions?: Readonly<Record<string, unknown>> }> {
  if (options.config) {
    const loaded = await readSupplierConfig(resolvePath(context, options.config));
    if (options.supplier && options.supplier !== loaded.entry.name) {
      throw new ValidationError(
        `--supplier ${options.supplier} does not match the configuration's ${loaded.entry.name}`,
        [{ path: "supplier", message: "drop --supplier or fix the configuration" }],
      );
    }
    return { entry: loaded.entry, adapterOptions: loaded.config.options };
  }
  if (!options.supplier) {
    throw new ValidationError("verify-callback needs --supplier <name> (or --config)", [
      { path: "supplier", message: `one of ${SUPPLIER_NAMES.join(", ")}` },
    ]);
  }
  return { entry: supplierEntry(options.supplier) };
}

/** Verifies the callback and prints the diagnosis. */
export async function verifyCallback(context: CliContext, options: VerifyCallbackOptions): Promise<number> {
  const { entry, adapterOptions } = await resolveEntry(context, options);
  if (entry.callbackSignature.kind === "none") {
    throw new ConfigurationError(
      `${entry.name} sends no callbacks: there is nothing to verify (kaquan polls its orders)`,
    );
  }
  if (options.body === undefined && options.query === undefined) {
    throw new ValidationError(
      "verify-callback needs --body <file> (or --query for a callback sent as a GET)",
      [{ path: "body", message: "save the raw request body to a file" }],
    );
  }
  let body = Buffer.alloc(0);
  if (options.body !== undefined) {
    const path = resolvePath(context, options.body);
    try {
      body = await readFile(path);
    } catch {
      throw new ValidationError(`cannot read ${path}`, [
        { path: "body", message: "check the path given to --body" },
      ]);
    }
  }
  const query = options.query?.replace(/^\?/, "");
  const queryIsBody = query !== undefined && body.length === 0;
  if (queryIsBody) body = Buffer.from(query, "utf8");
  const headers = await readHeaders(context, options.headers);
  if (queryIsBody && headers["content-type"] === undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
  }

  // Only the secret the signature is keyed with is needed; other credentials the adapter's
  // factory insists on get placeholders (verification never sends a request).
  const signing = signingCredentials(entry.callbackSignature);
  const file = await loadSecretsFile(context, options.secretsFile);
  const resolved = credentialsFor(context, entry, file, signing).values;
  const credentials: Record<string, string> = {};
  for (const spec of entry.credentials) {
    credentials[spec.option] = resolved[spec.option] ?? placeholderFor(entry, spec.option);
  }
  const adapter = entry.createAdapter({
    credentials,
    ...(adapterOptions ? { options: adapterOptions } : {}),
  });
  const diagnosis = await diagnoseCallback(entry, adapter, credentials, { body, headers });

  const out = context.stdout;
  out.line(`${entry.name} callback ${diagnosis.verdict}`);
  const pairs: Array<[string, string]> = [["scheme", diagnosis.scheme]];
  if (diagnosis.merchantOrderId) pairs.push(["order", diagnosis.merchantOrderId]);
  if (diagnosis.claimedStatus) pairs.push(["claimed status", diagnosis.claimedStatus]);
  if (diagnosis.signedString !== undefined) pairs.push(["signed string", diagnosis.signedString]);
  if (diagnosis.expectedFingerprint || diagnosis.receivedFingerprint) {
    pairs.push([
      "signature",
      `expected ${diagnosis.expectedFingerprint ?? "–"}, received ${diagnosis.receivedFingerprint ?? "(none)"} (first 6 hex of SHA-256 of each)`,
    ]);
  }
  out.line(renderPairs(pairs.map(([label, value]) => [`  ${label}`, value])));
  if (query !== undefined && !queryIsBody) {
    out.line("  note: the query string is not part of the signed body; it was not verified");
  }
  for (const finding of diagnosis.findings) out.line(`  - ${finding}`);
  return diagnosis.verified ? EXIT_OK : EXIT_FINDINGS;
}

/** Credentials whose factory checks a length: their placeholders have it. */
const placeholderLengths: Readonly<Record<string, number>> = {
  "fulu.appSecret": 32,
  "chengquan.aesKey": 16,
  "chengquan.aesIv": 16,
};

/** A stand-in for a credential the callback check does not use; it never signs or decrypts anything. */
function placeholderFor(entry: SupplierEntry, option: string): string {
  const length = placeholderLengths[`${entry.name}.${option}`];
  return length === undefined ? "unused-for-callbacks" : "0".repeat(length);
}
