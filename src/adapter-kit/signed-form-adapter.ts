/**
 * `defineSignedFormAdapter(spec)`: a whole supplier adapter from a protocol specification (see
 * signed-form-spec.ts). The spec is validated when it is defined — an inconsistent one is refused
 * with a message naming the field — and `create({ credentials })` gives a `SupplierAdapter` with
 * the same guarantees as a hand-written one: exact signing, classification by vendor code,
 * unknown codes treated as an unknown outcome, raw vendor statuses kept, callbacks verified over
 * all received fields, secrets never logged.
 */
import {
  type AdapterCapabilities,
  type AdapterContext,
  type Balance,
  type CallbackAck,
  type Card,
  ConfigurationError,
  type DuplicateOrderIdBehaviour,
  fromMinorUnits,
  type HttpResponse,
  MalformedPayloadError,
  type Money,
  money,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdate,
  type Product,
  type RawCallback,
  Secret,
  SignatureError,
  type StockLevel,
  type SupplierAdapter,
  toMinorUnits,
  ValidationError,
  type VerifiedCallback,
} from "../core/index.js";
import { aesDecryptBase64 } from "../runtime/aes.js";
import { guardCardDelivery } from "../runtime/card-delivery.js";
import { type Charset, decodeForm, decodeText, encodeForm, encodeText } from "../runtime/charset.js";
import { formatDateTime, isoTime, parseDateTime } from "../runtime/clock.js";
import { unreadableResponseError } from "../runtime/http-failures.js";
import { tryParseJson } from "../runtime/json.js";
import { canonicalize, hash, safeEqualHex } from "../runtime/signing.js";
import { lookup } from "../runtime/table-lookup.js";
import {
  classifyVendorError,
  type VendorErrorMeaning,
  type VendorErrorTable,
  vendorError,
} from "../runtime/vendor-errors.js";
import {
  type ResolvedSignedFormAdapterSpec,
  type SignedFormAdapterSpec,
  signedFormSpecSchema,
} from "./signed-form-spec.js";

type Resolved = ResolvedSignedFormAdapterSpec;
type Operation = Resolved["operations"]["placeOrder"]["card"] & {};
type Recipe = Resolved["signatures"][string];

/**
 * The text a recipe signs: the named fields and credentials joined (`concat`), or every field
 * sorted as pairs with the key before or after (`sorted`). `credential` gives each credential's
 * text — its value to sign, or a placeholder to show where it goes without showing it.
 */
export function signatureBase(
  recipe: Recipe,
  fields: Readonly<Record<string, string>>,
  credential: (name: string) => string,
): string {
  if (recipe.kind === "concat") {
    return recipe.parts
      .map((part) => (typeof part === "string" ? (fields[part] ?? "") : credential(part.credential)))
      .join(recipe.separator);
  }
  const pairs = canonicalize(fields, {
    exclude: recipe.exclude,
    skipEmpty: recipe.skipEmpty,
    keyValueSeparator: recipe.keyValueSeparator,
    pairSeparator: recipe.pairSeparator,
  });
  const key = recipe.key.format.replace("{key}", credential(recipe.key.credential));
  return recipe.key.placement === "prefix" ? key + pairs : pairs + key;
}

/** The recipe's digest of `base`, hashed in the platform's charset and written in its letter case. */
export function signatureDigest(recipe: Recipe, base: string, charset: Charset): string {
  const digest = hash(recipe.hash, encodeText(base, charset));
  return recipe.letterCase === "upper" ? digest.toUpperCase() : digest.toLowerCase();
}
type OrderMapping = Extract<Resolved["order"], { status: string }>;
type Kind = "direct" | "card" | "mobile";
const kinds: readonly Kind[] = ["direct", "card", "mobile"];

function isOperation(value: unknown): value is Operation {
  return typeof value === "object" && value !== null && "path" in value;
}

/** The query operations to try, in order, for an order of `kind` (all when unknown). */
function queryOperations(spec: Resolved, kind: Kind | undefined): Array<[Kind | undefined, Operation]> {
  const query = spec.operations.queryOrder;
  if (isOperation(query)) return [[kind, query]];
  const defined = kinds
    .filter((candidate) => query[candidate])
    .map((candidate) => [candidate, query[candidate]!] as [Kind, Operation]);
  const own = defined.filter(([candidate]) => candidate === kind);
  return own.length > 0 ? own : defined;
}

/** The order mapping for `kind` (the single mapping, the kind's own, or the first defined). */
function orderMapping(spec: Resolved, kind: Kind | undefined): OrderMapping {
  const mapping = spec.order;
  if ("status" in mapping) return mapping as OrderMapping;
  const byKind = mapping as Partial<Record<Kind, OrderMapping>>;
  return (
    (kind ? byKind[kind] : undefined) ?? kinds.map((candidate) => byKind[candidate]).find((found) => found)!
  );
}

/** What `create` takes: the merchant's credentials and options, and overrides of unconfirmed facts. */
export interface SignedFormAdapterConfig {
  /** Every credential the spec names, e.g. `{ key: "…", openId: "…" }`. */
  credentials: Readonly<Record<string, string>>;
  /** Values for the spec's non-secret options (e.g. `notifyUrl`). */
  options?: Readonly<Record<string, string>>;
  environment?: "production" | "sandbox";
  /** A base URL replacing the spec's (a simulator, a proxy). */
  endpoint?: string;
  /** Replaces entries of the spec's error-code table. */
  errorCodes?: Readonly<Record<string, VendorErrorMeaning>>;
  duplicateOrderId?: DuplicateOrderIdBehaviour;
  notFoundGraceMs?: number;
  pollIntervalMs?: number;
}

/** A spec-built adapter: the contract plus the spec's extra operations. */
export type SignedFormAdapter = SupplierAdapter & {
  /**
   * Runs one of the spec's `extraOperations` with `input` (read by `$input.<name>` expressions)
   * and returns the result part of the answer. Vendor errors are thrown as typed errors.
   */
  invoke(
    operation: string,
    input: Readonly<Record<string, string>>,
    context: AdapterContext,
  ): Promise<unknown>;
};

export interface SignedFormAdapterDefinition {
  /** The validated spec, defaults filled in. */
  readonly spec: Resolved;
  /** Creates an adapter for one merchant account. Throws `ConfigurationError` for missing credentials. */
  create(config: SignedFormAdapterConfig): SignedFormAdapter;
}

const requestFields = new Set([
  "merchantOrderId",
  "kind",
  "sku",
  "quantity",
  "account",
  "faceValue",
  "maxCost",
  "passThrough",
]);
const accountFields = new Set([
  "game",
  "region",
  "server",
  "role",
  "chargeType",
  "password",
  "customerIp",
  "contactQq",
  "contactPhone",
]);
const pipes = new Set(["fen", "yuan", "yuan-integer", "md5", "upper", "lower"]);

/** Validates a spec and returns its adapter factory. */
export function defineSignedFormAdapter(spec: SignedFormAdapterSpec): SignedFormAdapterDefinition {
  const parsed = signedFormSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join(".");
    throw new ConfigurationError(
      `signed-form spec${spec && typeof spec === "object" && "name" in spec ? ` "${String(spec.name)}"` : ""}: ${path || "(root)"}: ${issue.message}`,
    );
  }
  const resolved = parsed.data;
  checkConsistency(resolved);
  return { spec: resolved, create: (config) => createAdapter(resolved, config) };
}

/** Cross-references zod cannot see: recipe names, credential and option names, expressions. */
function checkConsistency(spec: Resolved): void {
  const fail = (path: string, message: string): never => {
    throw new ConfigurationError(`signed-form spec "${spec.name}": ${path}: ${message}`);
  };
  const credentials = new Set([...spec.credentials, ...Object.keys(spec.derivedCredentials)]);
  const checkExpression = (path: string, expression: string) => {
    if (!expression.startsWith("$")) return;
    const [reference = "", ...pipeList] = expression.split("|");
    for (const pipe of pipeList)
      if (!pipes.has(pipe)) fail(path, `unknown pipe "${pipe}"; use one of ${[...pipes].join(", ")}`);
    const [root, ...rest] = reference.slice(1).split(".");
    if (root === "timestamp" || root === "merchantOrderId" || root === "input") return;
    if (root === "credential") {
      if (!credentials.has(rest.join(".")))
        fail(path, `no credential named "${rest.join(".")}" in credentials`);
      return;
    }
    if (root === "option") {
      if (!(rest.join(".") in spec.options)) fail(path, `no option named "${rest.join(".")}" in options`);
      return;
    }
    if (root === "request") {
      const [field, sub] = rest;
      if (!field || (!requestFields.has(field) && field !== "accountFields"))
        fail(path, `"$request.${rest.join(".")}" is not an order request field`);
      if (field === "accountFields" && (!sub || !accountFields.has(sub)))
        fail(path, `"${reference}" is not an account field`);
      return;
    }
    fail(
      path,
      `"${reference}" is not a known reference ($request.…, $credential.…, $option.…, $timestamp, $merchantOrderId)`,
    );
  };
  const checkOperation = (path: string, operation: Operation | undefined) => {
    if (!operation) return;
    for (const [name, expression] of Object.entries(operation.params))
      checkExpression(`${path}.params.${name}`, expression);
    if (operation.signature && !(operation.signature.recipe in spec.signatures)) {
      fail(
        `${path}.signature.recipe`,
        `no signature recipe named "${operation.signature.recipe}" in signatures`,
      );
    }
  };
  for (const [name, expression] of Object.entries(spec.derivedCredentials))
    checkExpression(`derivedCredentials.${name}`, expression);
  for (const [name, recipe] of Object.entries(spec.signatures)) {
    if (recipe.kind === "concat") {
      recipe.parts.forEach((part, index) => {
        if (typeof part !== "string" && !credentials.has(part.credential))
          fail(`signatures.${name}.parts.${index}`, `no credential named "${part.credential}"`);
      });
    } else if (!credentials.has(recipe.key.credential)) {
      fail(`signatures.${name}.key.credential`, `no credential named "${recipe.key.credential}"`);
    } else if (!recipe.key.format.includes("{key}")) {
      fail(`signatures.${name}.key.format`, 'must contain "{key}" where the secret goes');
    }
  }
  const placeKinds = Object.entries(spec.operations.placeOrder).filter(([, operation]) => operation);
  if (placeKinds.length === 0) fail("operations.placeOrder", "define at least one of direct, card, mobile");
  for (const [kind, operation] of placeKinds) checkOperation(`operations.placeOrder.${kind}`, operation);
  const query = spec.operations.queryOrder;
  if (isOperation(query)) checkOperation("operations.queryOrder", query);
  else {
    const defined = kinds.filter((kind) => query[kind]);
    if (defined.length === 0) fail("operations.queryOrder", "define one operation, or one per order kind");
    for (const kind of defined) checkOperation(`operations.queryOrder.${kind}`, query[kind]);
  }
  for (const [name, operation] of Object.entries(spec.extraOperations))
    checkOperation(`extraOperations.${name}`, operation);
  if (!("status" in spec.order)) {
    const byKind = spec.order as Partial<Record<Kind, OrderMapping>>;
    if (!kinds.some((kind) => byKind[kind])) fail("order", "define one mapping, or one per order kind");
  }
  checkOperation("operations.balance", spec.operations.balance);
  checkOperation("operations.stock", spec.operations.stock);
  if (spec.products.source === "operation") checkOperation("products.operation", spec.products.operation);
  if (Object.keys(spec.statuses).length === 0) fail("statuses", "map at least one vendor status");
  const mappings: Array<[string, OrderMapping | undefined]> =
    "status" in spec.order
      ? [["order", spec.order as OrderMapping]]
      : kinds.map((kind) => [`order.${kind}`, (spec.order as Partial<Record<Kind, OrderMapping>>)[kind]]);
  mappings.push(["callback.order", spec.callback?.order]);
  for (const [which, mapping] of mappings) {
    const aes = mapping?.cards?.aes;
    if (aes && !credentials.has(aes.keyCredential))
      fail(`${which}.cards.aes.keyCredential`, `no credential named "${aes.keyCredential}"`);
    if (aes?.mode === "cbc" && (!aes.ivCredential || !credentials.has(aes.ivCredential)))
      fail(`${which}.cards.aes.ivCredential`, "AES-CBC needs an IV credential");
  }
  const verification = spec.callback?.verification;
  if (verification?.kind === "signed" && !(verification.recipe in spec.signatures)) {
    fail("callback.verification.recipe", `no signature recipe named "${verification.recipe}" in signatures`);
  }
  if (spec.merchantOrderId) {
    try {
      new RegExp(spec.merchantOrderId.pattern);
    } catch {
      fail("merchantOrderId.pattern", `"${spec.merchantOrderId.pattern}" is not a regular expression`);
    }
  }
  for (const pattern of spec.errors.messagePatterns) {
    if (typeof pattern[0] !== "string") continue;
    try {
      new RegExp(pattern[0]);
    } catch {
      fail("errors.messagePatterns", `"${pattern[0]}" is not a regular expression`);
    }
  }
}

/** Reads a dotted path (`data.order_no`) from a parsed value. An empty path is the value itself. */
function pick(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let node = value;
  for (const key of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string"
    ? value
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);
}

function createAdapter(spec: Resolved, config: SignedFormAdapterConfig): SignedFormAdapter {
  const name = spec.name;
  for (const credential of spec.credentials) {
    if (
      typeof config?.credentials?.[credential] !== "string" ||
      config.credentials[credential].length === 0
    ) {
      throw new ConfigurationError(`${name} adapter: credentials.${credential} is required`);
    }
  }
  const baseUrl =
    config.endpoint ??
    (config.environment === "sandbox" ? spec.baseUrl.sandbox : undefined) ??
    spec.baseUrl.production;
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigurationError(`${name} adapter: endpoint "${baseUrl}" is not a URL`);
  }
  const options: Record<string, string> = { ...spec.options, ...config.options };
  const credentials: Record<string, string> = { ...config.credentials };
  for (const [derived, expression] of Object.entries(spec.derivedCredentials)) {
    credentials[derived] = evaluate(expression, { credentials, options, timestamp: "" }) ?? "";
  }
  const errorTable: VendorErrorTable = {
    codes: { ...spec.errors.codes, ...config.errorCodes },
    messagePatterns: spec.errors.messagePatterns.map(
      ([pattern, meaning]) => [new RegExp(pattern), meaning] as const,
    ),
  };
  const duplicateOrderId = config.duplicateOrderId ?? spec.duplicateOrderId;
  const capabilities: AdapterCapabilities = {
    duplicateOrderId,
    callbacks: spec.callback
      ? spec.callback.verification.kind === "signed" && spec.callback.trust === "body"
        ? "signed"
        : "refetch"
      : "none",
    stock: spec.operations.stock !== undefined,
    balance: spec.operations.balance !== undefined,
    cardDelivery: kinds.some((kind) => orderMapping(spec, kind).cards !== undefined),
    batchQuery: false,
    orderKinds: (["direct", "card", "mobile"] as const).filter(
      (kind) => spec.operations.placeOrder[kind] !== undefined,
    ),
    notFoundGraceMs: config.notFoundGraceMs ?? spec.notFoundGraceMs,
    pollIntervalMs: config.pollIntervalMs ?? spec.pollIntervalMs,
    resendAfterNotFound: duplicateOrderId !== "none",
  };

  interface Scope {
    request?: OrderRequest;
    input?: Readonly<Record<string, string>>;
    merchantOrderId?: string;
    credentials: Record<string, string>;
    options: Record<string, string>;
    timestamp: string;
  }

  const answerCharset = (response: HttpResponse): Charset => answerCharsetOf(response, spec.charset);

  function timestampOf(nowMs: number): string {
    switch (spec.timestampFormat) {
      case "unix-millis":
        return String(nowMs);
      case "yyyyMMddHHmmss":
        return formatDateTime(nowMs).replace(/[- :]/g, "");
      case "yyyy-MM-dd HH:mm:ss":
        return formatDateTime(nowMs);
      default:
        return String(Math.floor(nowMs / 1000));
    }
  }

  function evaluate(expression: string, scope: Scope): string | undefined {
    if (!expression.startsWith("$")) return expression;
    const [reference = "", ...pipeList] = expression.split("|");
    const [root, ...rest] = reference.slice(1).split(".");
    let value: unknown;
    if (root === "timestamp") value = scope.timestamp;
    else if (root === "merchantOrderId") value = scope.merchantOrderId ?? scope.request?.merchantOrderId;
    else if (root === "credential") value = scope.credentials[rest.join(".")];
    else if (root === "option") value = scope.options[rest.join(".")];
    else if (root === "request") value = pick(scope.request, rest.join("."));
    else if (root === "input") value = scope.input?.[rest.join(".")];
    if (value === undefined || value === null) return undefined;
    let result: string;
    if (typeof value === "object" && "amount" in (value as object)) {
      result = amountText(
        value as Money,
        pipeList.find((pipe) => pipe === "fen" || pipe === "yuan" || pipe === "yuan-integer"),
      );
    } else result = String(value);
    for (const pipe of pipeList) {
      if (pipe === "md5") result = hash("md5", result);
      else if (pipe === "upper") result = result.toUpperCase();
      else if (pipe === "lower") result = result.toLowerCase();
    }
    return result;
  }

  function amountText(value: Money, unit: string | undefined): string {
    const wanted = unit ?? (spec.amountUnit === "fen" ? "fen" : "yuan");
    if (wanted === "fen") return toMinorUnits(value, 2).toString();
    if (wanted === "yuan-integer") {
      if (!/^\d+(\.0+)?$/.test(value.amount)) {
        throw new ValidationError(`${name} takes whole-yuan amounts; ${value.amount} has decimals`, [
          { path: "faceValue", message: "use a whole number of yuan" },
        ]);
      }
      return String(Number.parseInt(value.amount, 10));
    }
    return value.amount;
  }

  function sign(recipe: Recipe, fields: Record<string, string>): string {
    const base = signatureBase(recipe, fields, (credential) => credentials[credential] ?? "");
    return signatureDigest(recipe, base, spec.charset);
  }

  function buildParams(operation: Operation, scope: Scope, what: string): Record<string, string> {
    const params: Record<string, string> = {};
    for (const [param, expression] of Object.entries(operation.params)) {
      const value = evaluate(expression, scope);
      if (value === undefined || value === "") {
        if (operation.keepEmpty.includes(param)) params[param] = "";
        else if (
          expression.startsWith("$request.") &&
          !expression.startsWith("$request.accountFields.") &&
          !expression.startsWith("$request.passThrough")
        ) {
          const field = expression.slice("$request.".length).split("|")[0]!;
          throw new ValidationError(`${name} ${what} needs ${field}`, [
            { path: field, message: `${name} sends it as "${param}"` },
          ]);
        }
        continue;
      }
      params[param] = value;
    }
    if (operation.signature)
      params[operation.signature.param] = sign(spec.signatures[operation.signature.recipe]!, params);
    return params;
  }

  type CallResult =
    | { ok: true; result: unknown }
    | { ok: false; meaning: VendorErrorMeaning | undefined; error: Error };

  async function call(
    operation: Operation,
    scope: Scope,
    context: AdapterContext,
    label: string,
    merchantOrderId?: string,
  ): Promise<CallResult> {
    const params = buildParams(operation, scope, label);
    const query = encodeForm(params, spec.charset);
    const url = new URL(operation.path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    const response = await context.http.send(
      operation.method === "GET"
        ? {
            method: "GET",
            url: `${url.toString()}${query ? `?${query}` : ""}`,
            operation: `${name}.${label}`,
          }
        : {
            method: "POST",
            url: url.toString(),
            headers: { "content-type": `application/x-www-form-urlencoded;charset=${spec.charset}` },
            body: query,
            operation: `${name}.${label}`,
          },
      { signal: context.signal },
    );
    if (operation.answer === "text") {
      // A plain-text answer (e.g. OFPay's mobinfo.do): any 2xx body is the result.
      if (response.status < 200 || response.status >= 300) {
        throw unreadableResponseError(response, {
          supplier: name,
          operation: label,
          nowMs: context.clock.now(),
          merchantOrderId,
        });
      }
      return { ok: true, result: decodeText(response.body, answerCharset(response)).trim() };
    }
    return readEnvelope(response, operation, context, label, merchantOrderId);
  }

  function readEnvelope(
    response: HttpResponse,
    operation: Operation,
    context: AdapterContext,
    label: string,
    merchantOrderId?: string,
  ): CallResult {
    const body = tryParseJson(
      spec.charset === "utf-8" ? response.text : decodeText(response.body, spec.charset),
    );
    const code = pick(body, spec.response.codeField);
    if (typeof body !== "object" || body === null || code === undefined) {
      throw unreadableResponseError(response, {
        supplier: name,
        operation: label,
        nowMs: context.clock.now(),
        merchantOrderId,
        reason: `a body that is not ${name}'s envelope`,
      });
    }
    if (!spec.response.successCodes.some((success) => String(success) === String(code))) {
      const vendorCode = String(code);
      const vendorMessage = text(pick(body, spec.response.messageField));
      const meaning = classifyVendorError(errorTable, vendorCode, vendorMessage);
      return {
        ok: false,
        meaning,
        error: vendorError(meaning, {
          supplier: name,
          operation: label,
          vendorCode,
          vendorMessage,
          merchantOrderId,
          httpStatus: response.status,
        }),
      };
    }
    return { ok: true, result: pick(pick(body, spec.response.resultField), operation.resultPath) };
  }

  function expect(result: CallResult): unknown {
    if (!result.ok) throw result.error;
    return result.result;
  }

  function toMoney(value: unknown, field: string): Money | undefined {
    const raw = text(value);
    if (raw === undefined || raw === "") return undefined;
    try {
      return spec.amountUnit === "fen"
        ? fromMinorUnits(BigInt(raw), spec.currency, 2)
        : money(raw, spec.currency);
    } catch {
      throw new MalformedPayloadError(`${name}: ${field} "${raw}" is not an amount`, { supplier: name });
    }
  }

  function decryptCards(mapping: OrderMapping, source: unknown, merchantOrderId: string): Card[] {
    const cardsSpec = mapping.cards;
    if (!cardsSpec) return [];
    const list = pick(source, cardsSpec.path);
    if (!Array.isArray(list)) return [];
    const decrypt = (value: string | undefined): string => {
      if (!value) return "";
      if (!cardsSpec.aes) return value;
      try {
        return aesDecryptBase64(value, {
          mode: cardsSpec.aes.mode,
          key: Buffer.from(credentials[cardsSpec.aes.keyCredential] ?? "", "utf8"),
          ...(cardsSpec.aes.ivCredential
            ? { iv: Buffer.from(credentials[cardsSpec.aes.ivCredential] ?? "", "utf8") }
            : {}),
        }).trim();
      } catch {
        throw new MalformedPayloadError(
          `${name}: a card code could not be decrypted with the configured key`,
          { supplier: name, merchantOrderId },
        );
      }
    };
    return list.map((item) => {
      const card: Card = {
        password: new Secret(decrypt(text(pick(item, cardsSpec.password)))),
        format: "code",
      };
      const number = cardsSpec.number ? decrypt(text(pick(item, cardsSpec.number))) : "";
      if (number) card.number = new Secret(number);
      const expiresAt = cardsSpec.expiresAt ? text(pick(item, cardsSpec.expiresAt)) : undefined;
      if (expiresAt) card.expiresAt = expiresAt;
      return card;
    });
  }

  function toUpdate(
    mapping: OrderMapping,
    source: unknown,
    fallbackId: string,
    origin: OrderUpdate["source"],
    hint?: { kind?: OrderRequest["kind"]; quantity?: number },
  ): OrderUpdate {
    // An absent path means "not in this answer" — never the whole answer (which would carry
    // the signature and encrypted codes into an order field).
    const merchantOrderId =
      (mapping.merchantOrderId ? text(pick(source, mapping.merchantOrderId)) : undefined) ?? fallbackId;
    const vendorStatus = text(pick(source, mapping.status));
    const table = mapping.statuses ?? spec.statuses;
    const status: OrderStatus = lookup(table, vendorStatus) ?? "unknown";
    const update: OrderUpdate = { merchantOrderId, supplier: name, status, source: origin };
    if (vendorStatus !== undefined) update.vendorStatus = vendorStatus;
    const supplierOrderId = mapping.supplierOrderId ? text(pick(source, mapping.supplierOrderId)) : undefined;
    if (supplierOrderId) update.supplierOrderId = supplierOrderId;
    const cost = mapping.cost ? toMoney(pick(source, mapping.cost), mapping.cost) : undefined;
    if (cost) update.cost = cost;
    if (hint?.kind) update.kind = hint.kind;
    const cards = decryptCards(mapping, source, merchantOrderId);
    if (cards.length > 0 || mapping.cards) update.cards = cards;
    const finished = mapping.finishedAt ? text(pick(source, mapping.finishedAt)) : undefined;
    const finishedMs = finished
      ? (parseDateTime(finished) ??
        parseDateTime(finished.replace(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/, "$1-$2-$3 $4:$5:$6")))
      : undefined;
    if (finishedMs !== undefined && status !== "processing") update.occurredAt = isoTime(finishedMs);
    if (status === "failed") {
      const message = mapping.failureMessage ? text(pick(source, mapping.failureMessage)) : undefined;
      update.failure = {
        code: "supplier_failed",
        message: "the supplier reports the order failed",
        ...(vendorStatus ? { vendorCode: vendorStatus } : {}),
        ...(message ? { vendorMessage: message } : {}),
      };
    }
    if (status === "unknown")
      update.unknownReason =
        vendorStatus === undefined
          ? `${name} answered without a status`
          : `unrecognised ${name} status "${vendorStatus}"`;
    return mapping.cards ? guardCardDelivery(update, hint?.quantity ?? 1) : update;
  }

  const scopeFor = (context: AdapterContext, extra: Partial<Scope> = {}): Scope => ({
    credentials,
    options,
    timestamp: timestampOf(context.clock.now()),
    ...extra,
  });

  async function products(context: AdapterContext): Promise<Product[]> {
    const source = spec.products;
    if (source.source === "static") {
      return source.products.map((item) => ({
        sku: item.sku,
        name: item.name,
        kind: item.kind,
        saleStatus: "on_sale" as const,
        ...(item.faceValue ? { faceValue: money(item.faceValue, spec.currency) } : {}),
      }));
    }
    const list = pick(
      expect(await call(source.operation, scopeFor(context), context, "products")),
      source.listPath,
    );
    if (!Array.isArray(list))
      throw new MalformedPayloadError(`${name}: the product list is not an array`, { supplier: name });
    return list.map((item) => {
      const kind =
        typeof source.kind === "string"
          ? source.kind
          : (lookup(source.kind.values, text(pick(item, source.kind.path))) ?? "direct");
      const sku = text(pick(item, source.sku));
      // A product without an id cannot be looked up or ordered: the list is not what was expected.
      if (sku === undefined || sku === "")
        throw new MalformedPayloadError(`${name}: a product in the list has no ${source.sku}`, {
          supplier: name,
        });
      const product: Product = {
        sku,
        name: text(pick(item, source.name)) ?? "",
        kind,
        saleStatus: source.saleStatus
          ? (lookup(source.saleStatus.values, text(pick(item, source.saleStatus.path))) ?? "unknown")
          : "on_sale",
      };
      const price = source.price ? toMoney(pick(item, source.price), source.price) : undefined;
      if (price) product.price = price;
      const faceValue = source.faceValue
        ? toMoney(pick(item, source.faceValue), source.faceValue)
        : undefined;
      if (faceValue) product.faceValue = faceValue;
      return product;
    });
  }

  const adapter: SignedFormAdapter = {
    name,
    capabilities,
    secretValues: () => Object.values(credentials).filter((value) => value.length >= 4),

    async listProducts(query, context) {
      const all = await products(context);
      return all.filter(
        (product) =>
          (!query.kind || product.kind === query.kind) &&
          (!query.sku || product.sku === query.sku) &&
          (!query.name || product.name.includes(query.name)),
      );
    },

    async getProduct(sku, context) {
      return (await products(context)).find((product) => product.sku === sku);
    },

    async placeOrder(request, context) {
      const operation = spec.operations.placeOrder[request.kind];
      if (spec.merchantOrderId && !new RegExp(spec.merchantOrderId.pattern).test(request.merchantOrderId)) {
        throw new ValidationError(`${name} needs merchantOrderId to be ${spec.merchantOrderId.description}`, [
          { path: "merchantOrderId", message: `${name} accepts ${spec.merchantOrderId.description}` },
        ]);
      }
      if (!operation)
        throw new ValidationError(`${name} does not take ${request.kind} orders`, [
          { path: "kind", message: `use one of ${capabilities.orderKinds.join(", ")}` },
        ]);
      const result = expect(
        await call(
          operation,
          scopeFor(context, { request }),
          context,
          `placeOrder.${request.kind}`,
          request.merchantOrderId,
        ),
      );
      if (
        result === undefined ||
        result === null ||
        (typeof result === "object" && Object.keys(result).length === 0)
      ) {
        return {
          merchantOrderId: request.merchantOrderId,
          supplier: name,
          status: "processing",
          source: "place",
          kind: request.kind,
        };
      }
      const update = toUpdate(orderMapping(spec, request.kind), result, request.merchantOrderId, "place", {
        kind: request.kind,
        quantity: request.quantity,
      });
      // An answer that names no status still means "accepted".
      return update.vendorStatus === undefined
        ? { ...update, status: "processing", source: "place" }
        : update;
    },

    async queryOrder(merchantOrderId, context, hint) {
      for (const [kind, operation] of queryOperations(spec, hint?.kind)) {
        const result = await call(
          operation,
          scopeFor(context, { merchantOrderId }),
          context,
          "queryOrder",
          merchantOrderId,
        );
        if (!result.ok && result.meaning === "order_not_found") continue;
        const value = expect(result);
        if (
          value === undefined ||
          value === null ||
          (typeof value === "object" && Object.keys(value).length === 0)
        )
          continue;
        const update = toUpdate(
          orderMapping(spec, kind),
          value,
          merchantOrderId,
          "query",
          kind ? { kind } : {},
        );
        if (update.merchantOrderId !== merchantOrderId) {
          throw new MalformedPayloadError(`${name} queryOrder: the answer names another order`, {
            supplier: name,
            merchantOrderId,
          });
        }
        return update;
      }
      return undefined;
    },

    async verifyCallback(callback: RawCallback): Promise<VerifiedCallback> {
      const callbackSpec = spec.callback;
      if (!callbackSpec) throw new SignatureError(`${name} has no callbacks`, { supplier: name });
      const fields = readFields(callback.body, callbackSpec.format, spec.charset);
      if (!fields)
        throw new SignatureError(
          `${name} callback: the body is not a ${callbackSpec.format} body; it was not applied`,
          { supplier: name },
        );
      const verification = callbackSpec.verification;
      if (verification.kind === "signed") {
        // Every received field except the signature takes part (a sorted recipe), so a field the
        // vendor adds later does not break verification.
        const expected = sign(spec.signatures[verification.recipe]!, fields);
        if (!safeEqualHex(expected, fields[verification.field])) {
          throw new SignatureError(`${name} callback: the signature does not verify; it was not applied`, {
            supplier: name,
          });
        }
      }
      const update = toUpdate(callbackSpec.order, fields, "", "callback");
      if (!update.merchantOrderId)
        throw new MalformedPayloadError(`${name} callback: no order id`, { supplier: name });
      return { update };
    },

    async invoke(operationName, input, context) {
      const operation = spec.extraOperations[operationName];
      if (!operation) {
        throw new ValidationError(`${name} has no operation "${operationName}"`, [
          {
            path: "operation",
            message: `use one of: ${Object.keys(spec.extraOperations).join(", ") || "(none)"}`,
          },
        ]);
      }
      return expect(await call(operation, scopeFor(context, { input }), context, operationName));
    },

    callbackAck(accepted: boolean): CallbackAck {
      const ack = spec.callback?.ack;
      const headers = { "content-type": ack?.contentType ?? "text/plain; charset=utf-8" };
      return accepted
        ? { status: 200, headers, body: ack?.accepted ?? "success" }
        : { status: 500, headers, body: ack?.rejected ?? "fail" };
    },
  };

  if (spec.operations.balance) {
    const operation = spec.operations.balance;
    adapter.getBalance = async (context): Promise<Balance> => {
      const result = expect(await call(operation, scopeFor(context), context, "getBalance"));
      const available = toMoney(pick(result, operation.amount), operation.amount);
      if (!available)
        throw new MalformedPayloadError(`${name}: the balance answer has no ${operation.amount}`, {
          supplier: name,
        });
      return { available, checkedAt: isoTime(context.clock.now()) };
    };
  }
  if (spec.operations.stock) {
    const operation = spec.operations.stock;
    adapter.getStock = async (sku, quantity, context): Promise<StockLevel> => {
      const request = { sku, quantity } as unknown as OrderRequest;
      const result = expect(await call(operation, scopeFor(context, { request }), context, "getStock"));
      const raw = text(pick(result, operation.status));
      const level: StockLevel = { sku, status: "unknown", checkedAt: isoTime(context.clock.now()) };
      if (raw !== undefined) {
        level.vendorStatus = raw;
        if (operation.values) level.status = lookup(operation.values, raw) ?? "unknown";
        else if (/^\d+$/.test(raw) && Number.isSafeInteger(Number(raw))) {
          // A count beyond a safe integer is no count: the level stays unknown, the raw value kept.
          level.available = Number(raw);
          level.status = Number(raw) === 0 ? "out_of_stock" : Number(raw) < quantity ? "low" : "in_stock";
        }
      }
      return level;
    };
  }
  return adapter;
}

/**
 * The charset an answer is written in: the one its Content-Type declares (GB2312, GBK and
 * GB18030 read as GBK), else the spec's.
 */
function answerCharsetOf(response: HttpResponse, fallback: Charset): Charset {
  const declared = /charset\s*=\s*"?([\w-]+)/i
    .exec(response.headers["content-type"] ?? "")?.[1]
    ?.toLowerCase();
  if (declared === undefined) return fallback;
  if (declared === "gbk" || declared === "gb2312" || declared === "gb18030") return "gbk";
  return declared === "utf-8" || declared === "utf8" ? "utf-8" : fallback;
}

/** Reads a form or JSON callback into flat string fields. `undefined` if unreadable. */
function readFields(
  body: Uint8Array | string,
  format: "form" | "json",
  charset: Charset,
): Record<string, string> | undefined {
  if (format === "json") {
    const raw = typeof body === "string" ? body : decodeText(body, charset);
    const parsed = tryParseJson(raw.trim());
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) fields[key] = text(value) ?? "";
    return fields;
  }
  const raw = typeof body === "string" ? body : Buffer.from(body).toString("latin1");
  if (!raw.includes("=")) return undefined;
  // Form decoding: `+` is a space, `%2B` is `+`, and escapes are bytes in the supplier's charset.
  return decodeForm(body, charset);
}
