/**
 * The supplier configuration file that `probe` and `reconcile` read (`--config supplier.json`):
 * which supplier, where it lives, the test products and accounts, and probe settings. It holds no
 * credential — those come from the environment or a `--secrets-file` — and a key that looks like
 * one is refused with the variable to set instead.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import {
  ConfigurationError,
  MoneySchema,
  OrderRequestSchema,
  ProductKindSchema,
  parseInput,
  ValidationError,
} from "../core/index.js";
import { credentialVariablesFor, looksLikeCredential } from "./secrets.js";
import { type OrderTemplate, type SupplierEntry, supplierEntry } from "./supplier-registry.js";

/** One test order of a probe: an order request without its id (kaquan generates ids). */
export const OrderTemplateSchema = z
  .object({
    kind: ProductKindSchema,
    sku: z.string().min(1).optional(),
    quantity: z.number().int().min(1).max(100).optional(),
    account: z.string().min(1).max(128).optional(),
    accountFields: z.record(z.string(), z.string()).optional(),
    faceValue: MoneySchema.optional(),
    maxCost: MoneySchema.optional(),
    passThrough: z.string().max(128).optional(),
  })
  .strict();

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export const SupplierConfigSchema = z
  .object({
    /** A built-in supplier: fulu, juhe, ofpay, chengquan, reloadly, dtone, tango, ding, bitrefill. */
    supplier: z.string().min(1),
    /** A base URL replacing the supplier's production host (a test host, a proxy). */
    baseUrl: z.url().optional(),
    /** Reloadly only: the token origin. */
    authUrl: z.url().optional(),
    /** Use the supplier's sandbox host (Fulu, Chengquan, Reloadly, DT One, Tango). Default false. */
    sandbox: z.boolean().default(false),
    /** Further non-secret adapter options (e.g. Reloadly's `product`, Tango's `sendEmail`). */
    options: z.record(z.string(), z.unknown()).default({}),
    /** The test orders a probe cycles through. Default: the supplier's simulator test product. */
    orders: z.array(OrderTemplateSchema).min(1).optional(),
    /** An order the supplier must refuse for its account. Default: the simulator's invalid-account order. */
    invalidAccountOrder: OrderTemplateSchema.optional(),
    /** The sku whose stock and price the probe samples. Default: the first test order's sku. */
    stockSku: z.string().min(1).optional(),
    /** The public URL the supplier posts callbacks to (a tunnel or reverse proxy to `callbackListen`). */
    callbackUrl: z.url().optional(),
    /** Where the probe listens for those callbacks, `host:port`. Default `127.0.0.1:<callbackUrl port>`. */
    callbackListen: z
      .string()
      .regex(hostPort, "callbackListen must be host:port, e.g. 127.0.0.1:8080")
      .optional(),
    /** How long one test order may take to become final. Default 120 s. */
    finalDeadlineSeconds: z.number().positive().max(3600).default(120),
    /** How often stock and price are sampled during a probe. Default 5 s (1 s against the simulator). */
    sampleIntervalSeconds: z.number().positive().max(600).optional(),
    /** Test orders placed at once. Default 1: one at a time measures the supplier, not contention. */
    concurrency: z.number().int().min(1).max(16).default(1),
    /** Prefix of generated order ids: letters and digits, which every supplier accepts. Default `KQPROBE`. */
    orderIdPrefix: z
      .string()
      .regex(/^[A-Za-z0-9]{1,12}$/, "orderIdPrefix must be 1-12 letters or digits")
      .default("KQPROBE"),
    /** Options for the in-process simulator with `--simulator` (`balance`, `catalogue`, `settleAfterMs`, …). */
    simulator: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** A validated configuration file. */
export type SupplierConfig = z.output<typeof SupplierConfigSchema>;

/** A configuration and the registry row of its supplier. */
export interface LoadedSupplierConfig {
  readonly config: SupplierConfig;
  readonly entry: SupplierEntry;
}

/**
 * Reads a configuration file given with `--config` (shown as `shownAs` in errors); a `--supplier`
 * given beside it must name the same supplier.
 */
export async function readSupplierConfigFor(
  path: string,
  shownAs: string,
  supplier: string | undefined,
): Promise<LoadedSupplierConfig> {
  const loaded = await readSupplierConfig(path);
  if (supplier && supplier !== loaded.entry.name) {
    throw new ValidationError(
      `--supplier ${supplier} does not match "supplier": "${loaded.entry.name}" in ${shownAs}`,
      [{ path: "supplier", message: "drop --supplier or fix the configuration" }],
    );
  }
  return loaded;
}

/** Reads and validates a configuration file. Errors say which field to fix. */
export async function readSupplierConfig(path: string): Promise<LoadedSupplierConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(`cannot read the configuration file ${path}${code ? ` (${code})` : ""}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`the configuration file ${path} is not valid JSON`);
  }
  return parseSupplierConfig(json, path);
}

/** Validates a parsed configuration. */
export function parseSupplierConfig(json: unknown, label: string): LoadedSupplierConfig {
  refuseCredentials(json, label);
  const config = parseInput(SupplierConfigSchema, json, `configuration ${label}`);
  const entry = supplierEntry(config.supplier);
  if (config.sandbox && !entry.hasSandbox && config.baseUrl === undefined) {
    throw new ConfigurationError(
      `${label}: ${entry.name} has no sandbox host kaquan knows; set baseUrl to your test host, or drop sandbox`,
    );
  }
  for (const [index, template] of (config.orders ?? []).entries())
    checkTemplate(template, `orders.${index}`, label);
  if (config.invalidAccountOrder) checkTemplate(config.invalidAccountOrder, "invalidAccountOrder", label);
  return { config, entry };
}

/** Checks a template as a full order request (with a placeholder id), so mistakes surface before any order. */
export function checkTemplate(template: OrderTemplate, path: string, label: string): void {
  try {
    parseInput(OrderRequestSchema, { ...template, merchantOrderId: "KQCHECK0001" }, `${path} in ${label}`);
  } catch (error) {
    if (error instanceof Error) throw new ConfigurationError(error.message);
    throw error;
  }
}

/** A configuration never holds credentials: name the variable to use instead. */
function refuseCredentials(json: unknown, label: string): void {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return;
  const record = json as Record<string, unknown>;
  const known = new Set(Object.keys(SupplierConfigSchema.shape));
  const candidates = [
    ...Object.keys(record).filter((key) => !known.has(key)),
    ...(typeof record.options === "object" && record.options !== null
      ? Object.keys(record.options).map((key) => `options.${key}`)
      : []),
  ];
  for (const key of candidates) {
    const name = key.replace(/^options\./, "");
    if (!looksLikeCredential(name)) continue;
    const variables = credentialVariablesFor(name);
    throw new ConfigurationError(
      `${label}: "${key}" looks like a credential; configuration files hold none — set ${
        variables.length > 0 ? variables.join(" or ") : "the supplier's KAQUAN_… variable"
      } in the environment or a --secrets-file instead`,
    );
  }
}
