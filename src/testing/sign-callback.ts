/**
 * Signs a callback as a supplier would, so merchants can test their callback endpoints without
 * the supplier: `signCallback("fulu", fields, { appSecret })` gives the exact body and headers.
 */
import { fuluSign } from "../../adapters/fulu/fulu-signature.js";
import {
  defaultReloadlyWebhookSignature,
  type ReloadlyWebhookSignatureOptions,
  signReloadlyWebhook,
} from "../../adapters/reloadly/reloadly-webhook.js";
import { ConfigurationError } from "../core/index.js";
import { canonicalize, md5Hex } from "../runtime/signing.js";

/** A signed callback, ready to POST. */
export interface SignedCallback {
  body: string;
  headers: Record<string, string>;
}

/** Secrets per supplier with signed callbacks. */
export interface CallbackSecrets {
  fulu: { appSecret: string };
  /** Juhe signs callbacks with the API's AppKey. */
  juhe: { key: string };
  /** Chengquan signs callbacks with the APP_KEY. */
  chengquan: { appKey: string };
  /**
   * Reloadly signs webhooks with the webhook signing secret. `timestamp` defaults to now (ms);
   * `signature` takes the same options as the adapter's `webhookSignature` (the input is unconfirmed).
   */
  reloadly: { webhookSecret: string; timestamp?: string; signature?: ReloadlyWebhookSignatureOptions };
}

/** Suppliers whose callbacks `signCallback` can sign. */
export type SignedCallbackSupplier = keyof CallbackSecrets;

/**
 * Signs `payload` (the callback's fields, without `sign`) for `supplier`.
 * - `fulu`: `sign` = MD5 over the sorted characters of the fields' compact JSON plus the app
 *   secret, appended as the last member of a JSON body (or a form body with `format: "form"`).
 * - `juhe`: a form body; `sign = md5(AppKey + sporder_id + orderid)` (the status is not covered).
 * - `reloadly`: a JSON body with `x-reloadly-signature` (HMAC-SHA256 of body + ":" + timestamp by
 *   default [?]) and `x-reloadly-request-timestamp` headers.
 * - `chengquan`: a form body; `sign = UPPER(md5(sorted non-empty k=v pairs joined by & + "&key=" + APP_KEY))`.
 */
export function signCallback<S extends SignedCallbackSupplier>(
  supplier: S,
  payload: S extends "reloadly" ? Record<string, unknown> : Record<string, string>,
  secrets: CallbackSecrets[S],
  options: { format?: "json" | "form" } = {},
): SignedCallback {
  if (supplier === "reloadly") {
    const {
      webhookSecret,
      timestamp = String(Date.now()),
      signature = {},
    } = secrets as CallbackSecrets["reloadly"];
    const body = JSON.stringify(payload);
    const names = { ...defaultReloadlyWebhookSignature, ...signature };
    return {
      body,
      headers: {
        "content-type": "application/json",
        [names.header]: signReloadlyWebhook(body, timestamp, webhookSecret, signature),
        [names.timestampHeader]: timestamp,
      },
    };
  }
  const { sign: _ignored, ...fields } = payload as Record<string, string>;
  if (supplier === "juhe") {
    const { key } = secrets as CallbackSecrets["juhe"];
    const sign = md5Hex(`${key}${fields.sporder_id ?? ""}${fields.orderid ?? ""}`);
    return {
      body: new URLSearchParams({ ...fields, sign }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
  }
  if (supplier === "chengquan") {
    const { appKey } = secrets as CallbackSecrets["chengquan"];
    const sign = md5Hex(`${canonicalize(fields)}&key=${appKey}`).toUpperCase();
    return {
      body: new URLSearchParams({ ...fields, sign }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
  }
  if (supplier !== "fulu")
    throw new ConfigurationError(`signCallback does not know supplier "${String(supplier)}"`);
  const sign = fuluSign(JSON.stringify(fields), (secrets as CallbackSecrets["fulu"]).appSecret);
  if (options.format === "form") {
    return {
      body: new URLSearchParams({ ...fields, sign }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
  }
  return {
    body: `${JSON.stringify(fields).slice(0, -1)},"sign":"${sign}"}`,
    headers: { "content-type": "application/json" },
  };
}
