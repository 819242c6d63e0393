/**
 * Says whether a captured callback verifies with the configured secret and, when it does not, why:
 * which fields are missing, which string was signed (secrets masked), and expected against
 * received signature as short fingerprints — the first 6 hex characters of the SHA-256 of each —
 * which show whether they differ without handing anyone a valid signature or the secret.
 *
 * The verdict is always the adapter's own `verifyCallback`, the code production runs. The
 * explanation recomputes the signature from the registry's per-supplier table
 * ({@link CallbackSignatureSpec}); should the two ever disagree, the verdict wins and the
 * explanation says so.
 */
import { createHash } from "node:crypto";
// The adapter's own cut of the signed text, so the diagnosis shows exactly what it verifies.
import { removeSignMember } from "../../../adapters/fulu/fulu-signature.js";
import { fuluSign } from "../../../adapters/fulu/index.js";
import {
  reloadlyWebhookSignedInput,
  resolveReloadlyWebhookSignature,
  signReloadlyWebhook,
} from "../../../adapters/reloadly/index.js";
import { timestampMs } from "../../../adapters/reloadly/reloadly-webhook.js";
import { signatureBase, signatureDigest, signedFormSpecSchema } from "../../adapter-kit/index.js";
import {
  type AdapterContext,
  ConfigurationError,
  KaquanError,
  type OrderUpdate,
  type SupplierAdapter,
} from "../../core/index.js";
import { decodeForm } from "../../runtime/charset.js";
import type { CallbackSignatureSpec, SupplierEntry } from "../supplier-registry.js";

/** A captured callback: the raw bytes and the headers it came with. */
export interface CapturedCallback {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** The diagnosis of one callback. Nothing in it is secret. */
export interface CallbackDiagnosis {
  readonly supplier: string;
  readonly verified: boolean;
  /** One line: verified, or why not (the adapter's own, secret-free, message). */
  readonly verdict: string;
  /** How this supplier authenticates callbacks. */
  readonly scheme: string;
  readonly merchantOrderId?: string;
  /** The status the callback claims (signed suppliers) — kaquan applies it only after verification. */
  readonly claimedStatus?: string;
  /** The string the signature is computed over, secrets replaced by `‹VARIABLE›`. */
  readonly signedString?: string;
  /** First 6 hex characters of SHA-256 of the signature kaquan computes with the configured secret. */
  readonly expectedFingerprint?: string;
  /** The same for the signature the callback carries. */
  readonly receivedFingerprint?: string;
  /** What stands out: missing fields, a re-serialised body, a stale timestamp, uncovered fields. */
  readonly findings: readonly string[];
}

/** First 6 hex characters of the SHA-256 of `value`: enough to tell two values apart, useless to forge with. */
export function fingerprint(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, 6);
}

/** Credential option → environment variable, for masking. */
function variableOf(entry: SupplierEntry, option: string): string {
  return entry.credentials.find((spec) => spec.option === option)?.environmentVariable ?? option;
}

const mask = (variable: string) => `‹${variable}›`;

/** A transport handed to `verifyCallback`, which must never use it: verification is offline. */
const noNetwork: AdapterContext["http"] = {
  send: () => Promise.reject(new ConfigurationError("callback verification must not make requests")),
};

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The adapter's verdict on the callback. */
async function adapterVerdict(
  adapter: SupplierAdapter,
  callback: CapturedCallback,
  now: number,
): Promise<{ update?: OrderUpdate; error?: KaquanError | Error }> {
  if (!adapter.verifyCallback) return { error: new ConfigurationError(`${adapter.name} has no callbacks`) };
  try {
    const verified = await adapter.verifyCallback(
      { body: callback.body, headers: callback.headers },
      { http: noNetwork, clock: { now: () => now }, logger: silent },
    );
    return { update: verified.update };
  } catch (error) {
    return { error: error instanceof Error ? error : new Error("verification failed") };
  }
}

/** Diagnoses `callback` for `entry` with `credentials` (by adapter option name). */
export async function diagnoseCallback(
  entry: SupplierEntry,
  adapter: SupplierAdapter,
  credentials: Readonly<Record<string, string>>,
  callback: CapturedCallback,
  now: number = Date.now(),
): Promise<CallbackDiagnosis> {
  const spec = entry.callbackSignature;
  if (spec.kind === "none") {
    throw new ConfigurationError(
      `${entry.name} sends no callbacks: there is nothing to verify (kaquan polls its orders)`,
    );
  }
  const { update, error } = await adapterVerdict(adapter, callback, now);
  const explanation = explain(entry, spec, credentials, callback, now);
  const verified = update !== undefined;
  const findings = [...explanation.findings];
  const signaturesDiffer =
    explanation.expectedFingerprint !== undefined &&
    explanation.expectedFingerprint !== explanation.receivedFingerprint;
  if (verified && signaturesDiffer) {
    findings.push(
      "the adapter accepts this callback although the recomputed signature differs (the adapter's verdict wins)",
    );
  }
  if (
    !verified &&
    explanation.expectedFingerprint !== undefined &&
    !signaturesDiffer &&
    findings.length === 0
  ) {
    findings.push("the signature matches; the adapter refused the callback for the reason above");
  }
  // The adapter's message starts with "<supplier> callback:" — already said by the verdict line.
  const message = error
    ? KaquanError.isInstance(error)
      ? error.message.replace(new RegExp(`^${entry.name} (callback|webhook): `), "")
      : `verification failed unexpectedly (${error.name})`
    : "";
  return {
    supplier: entry.name,
    verified,
    verdict: verified
      ? spec.kind === "refetch"
        ? `readable: an unsigned ${entry.name} callback for order ${update.merchantOrderId}; kaquan applies only what a query of that order answers`
        : `verified: the signature matches the configured ${explanation.secretVariable ?? "secret"}`
      : `does not verify: ${message}`,
    scheme: explanation.scheme,
    ...((update?.merchantOrderId ?? explanation.merchantOrderId)
      ? { merchantOrderId: update?.merchantOrderId ?? explanation.merchantOrderId }
      : {}),
    ...(explanation.claimedStatus ? { claimedStatus: explanation.claimedStatus } : {}),
    ...(explanation.signedString !== undefined ? { signedString: explanation.signedString } : {}),
    ...(explanation.expectedFingerprint ? { expectedFingerprint: explanation.expectedFingerprint } : {}),
    ...(explanation.receivedFingerprint ? { receivedFingerprint: explanation.receivedFingerprint } : {}),
    findings,
  };
}

interface Explanation {
  scheme: string;
  /** The order the body names, read without verifying it. */
  merchantOrderId?: string;
  secretVariable?: string;
  signedString?: string;
  expectedFingerprint?: string;
  receivedFingerprint?: string;
  claimedStatus?: string;
  findings: string[];
}

/** The body's fields: a JSON object (values as text) or a form. Undefined when it is neither. */
function readFields(
  raw: string,
  format: "json" | "form" | "either",
): { json: boolean; values: Record<string, string>; types: Record<string, string> } | undefined {
  const trimmed = raw.trim();
  if (format !== "form" && trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const values: Record<string, string> = {};
    const types: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      values[key] = typeof value === "string" ? value : JSON.stringify(value);
      types[key] = value === null ? "null" : typeof value;
    }
    return { json: true, values, types };
  }
  if (format === "json" || !trimmed.includes("=")) return undefined;
  return { json: false, values: decodeForm(trimmed, "utf-8"), types: {} };
}

/** Normalises a hex signature for fingerprinting: vendors differ on letter case, kaquan compares without it. */
function normalizedHex(value: string): string {
  return /^[0-9a-fA-F]+$/.test(value) ? value.toLowerCase() : value;
}

function missingFields(values: Readonly<Record<string, string>>, required: readonly string[]): string[] {
  return required.filter((field) => values[field] === undefined || values[field] === "");
}

function explain(
  entry: SupplierEntry,
  spec: Exclude<CallbackSignatureSpec, { kind: "none" }>,
  credentials: Readonly<Record<string, string>>,
  callback: CapturedCallback,
  now: number,
): Explanation {
  const raw = Buffer.from(callback.body).toString("utf8");
  switch (spec.kind) {
    case "refetch": {
      const fields = readFields(raw, "either");
      return {
        scheme: `unsigned: ${entry.name} callbacks carry no signature; kaquan treats one as a trigger and applies only what a query of the order answers, so a forged one changes nothing`,
        findings: fields ? [] : ["the body is neither a JSON object nor a form"],
      };
    }
    case "fulu-sorted-characters":
      return explainFulu(entry, spec, credentials, raw);
    case "signed-form":
      return explainSignedForm(entry, spec, credentials, raw);
    case "reloadly-hmac":
      return explainReloadly(entry, spec, credentials, raw, callback.headers, now);
  }
}

function explainFulu(
  entry: SupplierEntry,
  spec: Extract<CallbackSignatureSpec, { kind: "fulu-sorted-characters" }>,
  credentials: Readonly<Record<string, string>>,
  raw: string,
): Explanation {
  const secretVariable = variableOf(entry, spec.secret);
  const scheme = `MD5 over the sorted characters of the body without its sign member, followed by ${mask(secretVariable)} (lower-case hex)`;
  const fields = readFields(raw, "either");
  if (!fields) return { scheme, secretVariable, findings: ["the body is neither a JSON object nor a form"] };
  const findings: string[] = [];
  const missing = missingFields(fields.values, spec.requiredFields);
  if (missing.length > 0) findings.push(`missing field(s): ${missing.join(", ")}`);
  const received = fields.values.sign ?? "";
  const { sign: _sign, ...rest } = fields.values;
  // A JSON body is signed as sent (the text with its sign member cut out); a form as the JSON of its fields.
  const signed = fields.json
    ? (removeSignMember(raw, received) ?? JSON.stringify(rest))
    : JSON.stringify(rest);
  const secret = credentials[spec.secret] ?? "";
  const expected = fuluSign(signed, secret);
  if (fields.json && normalizedHex(expected) !== normalizedHex(received)) {
    if (normalizedHex(fuluSign(JSON.stringify(rest), secret)) === normalizedHex(received)) {
      findings.push(
        'the fields verify once re-serialised compactly: the body\'s spacing or escaping changed after signing — pass the raw bytes, or set callbackVerification: "raw-or-canonical"',
      );
    }
    const typed = Object.entries(fields.types)
      .filter(([key, type]) => key !== "sign" && type !== "string")
      .map(([key]) => key);
    if (typed.length > 0) {
      findings.push(
        `non-string value(s): ${typed.join(", ")} — Fulu signs the text as sent, so "1" and 1 sign differently`,
      );
    }
  }
  if (normalizedHex(expected) !== normalizedHex(received) && received !== "" && findings.length === 0) {
    findings.push(
      `a field was changed after signing, or the supplier signs with a different secret than ${secretVariable}`,
    );
  }
  return {
    scheme,
    secretVariable,
    signedString: `${signed}${mask(secretVariable)}`,
    expectedFingerprint: fingerprint(normalizedHex(expected)),
    ...(received ? { receivedFingerprint: fingerprint(normalizedHex(received)) } : {}),
    ...(fields.values.order_status ? { claimedStatus: fields.values.order_status } : {}),
    ...(fields.values.customer_order_no ? { merchantOrderId: fields.values.customer_order_no } : {}),
    findings,
  };
}

function explainSignedForm(
  entry: SupplierEntry,
  spec: Extract<CallbackSignatureSpec, { kind: "signed-form" }>,
  credentials: Readonly<Record<string, string>>,
  raw: string,
): Explanation {
  const resolved = signedFormSpecSchema.parse(spec.spec);
  const recipe = resolved.signatures[spec.recipe];
  const format = resolved.callback?.format ?? "form";
  const fields = readFields(raw, format);
  if (!recipe) return { scheme: "unknown recipe", findings: [] };
  const findings: string[] = [];
  const values = fields?.values ?? {};
  // The adapter kit's own signing text, once with the credentials and once with placeholders.
  const signed = signatureBase(recipe, values, (credential) => credentials[credential] ?? "");
  const masked = signatureBase(recipe, values, (credential) => mask(variableOf(entry, credential)));
  let scheme: string;
  let secretVariable: string;
  if (recipe.kind === "concat") {
    const names = recipe.parts.map((part) =>
      typeof part === "string" ? part : variableOf(entry, part.credential),
    );
    const credentialPart = recipe.parts.find((part) => typeof part !== "string");
    secretVariable =
      credentialPart && typeof credentialPart !== "string"
        ? variableOf(entry, credentialPart.credential)
        : "secret";
    scheme = `${recipe.hash.toUpperCase()} of ${names.join(" + ")} (${recipe.letterCase}-case hex)`;
  } else {
    secretVariable = variableOf(entry, recipe.key.credential);
    scheme = `${recipe.hash.toUpperCase()} of every received field except ${recipe.exclude.join(", ")}, sorted by name as k=v pairs${recipe.skipEmpty ? " (empty values skipped)" : ""}, then ${recipe.key.format.replace("{key}", mask(secretVariable))} (${recipe.letterCase}-case hex)`;
  }
  if (!fields) {
    return { scheme, secretVariable, findings: [`the body is not a ${format} body`] };
  }
  const missing = missingFields(fields.values, spec.requiredFields);
  if (missing.length > 0) findings.push(`missing field(s): ${missing.join(", ")}`);
  if (spec.note) findings.push(spec.note);
  const expected = signatureDigest(recipe, signed, resolved.charset);
  const received = fields.values[spec.field] ?? "";
  if (received !== "" && normalizedHex(expected) !== normalizedHex(received) && missing.length === 0) {
    findings.push(
      `a signed field was changed after signing, or the supplier signs with a different secret than ${secretVariable}`,
    );
  }
  const statusField = resolved.callback?.order.status;
  const orderField = resolved.callback?.order.merchantOrderId;
  return {
    scheme,
    secretVariable,
    signedString: masked,
    expectedFingerprint: fingerprint(normalizedHex(expected)),
    ...(received ? { receivedFingerprint: fingerprint(normalizedHex(received)) } : {}),
    ...(statusField && fields.values[statusField] ? { claimedStatus: fields.values[statusField] } : {}),
    ...(orderField && fields.values[orderField] ? { merchantOrderId: fields.values[orderField] } : {}),
    findings,
  };
}

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function explainReloadly(
  entry: SupplierEntry,
  spec: Extract<CallbackSignatureSpec, { kind: "reloadly-hmac" }>,
  credentials: Readonly<Record<string, string>>,
  raw: string,
  headers: Readonly<Record<string, string>>,
  now: number,
): Explanation {
  const options = resolveReloadlyWebhookSignature();
  const secretVariable = variableOf(entry, spec.secret);
  const scheme = `HMAC-SHA256 keyed with ${mask(secretVariable)} over the raw body, "${options.separator}" and the ${options.timestampHeader} header (hex), sent in ${options.header}`;
  const findings: string[] = [];
  const secret = credentials[spec.secret];
  if (!secret) findings.push(`${secretVariable} is not set: no webhook can verify without it`);
  const received = (header(headers, options.header) ?? "").trim().replace(/^(sha256|v1)=/i, "");
  const timestamp = header(headers, options.timestampHeader)?.trim();
  if (!received) findings.push(`no ${options.header} header: pass the captured headers with --headers`);
  if (!timestamp) findings.push(`no ${options.timestampHeader} header, which the signature covers`);
  const sentAt = timestamp ? timestampMs(timestamp, options.timestampUnit) : undefined;
  if (sentAt !== undefined) {
    const age = Math.round((now - sentAt) / 1000);
    if (Math.abs(age) > options.toleranceSeconds) {
      findings.push(
        `signed ${age} s ago, outside the ${options.toleranceSeconds} s replay window (expected for an old capture)`,
      );
    }
  }
  const expected = secret ? signReloadlyWebhook(raw, timestamp ?? "", secret, options) : undefined;
  if (expected && received && normalizedHex(expected) !== normalizedHex(received)) {
    findings.push(
      `the body or timestamp changed after signing, or Reloadly signs with a different secret than ${secretVariable}`,
    );
  }
  const shownBody = raw.length > 300 ? `${raw.slice(0, 300)}… (${raw.length} characters)` : raw;
  return {
    scheme,
    secretVariable,
    signedString: reloadlyWebhookSignedInput(shownBody, timestamp ?? "‹no timestamp›", options),
    ...(expected ? { expectedFingerprint: fingerprint(normalizedHex(expected)) } : {}),
    ...(received ? { receivedFingerprint: fingerprint(normalizedHex(received)) } : {}),
    findings,
  };
}

/** The credential options a supplier's callback signature is keyed with (none for unsigned callbacks). */
export function signingCredentials(spec: CallbackSignatureSpec): string[] {
  switch (spec.kind) {
    case "fulu-sorted-characters":
    case "reloadly-hmac":
      return [spec.secret];
    case "signed-form": {
      const recipe = signedFormSpecSchema.parse(spec.spec).signatures[spec.recipe];
      if (!recipe) return [];
      return recipe.kind === "concat"
        ? recipe.parts.flatMap((part) => (typeof part === "string" ? [] : [part.credential]))
        : [recipe.key.credential];
    }
    default:
      return [];
  }
}
