/**
 * Signs a callback as a supplier would, so merchants can test their callback endpoints without
 * the supplier: `signCallback("fulu", fields, { appSecret })` gives the exact body and headers.
 */
import { fuluSign } from "../../adapters/fulu/fulu-signature.js";
import { ConfigurationError } from "../core/index.js";

/** A signed callback, ready to POST. */
export interface SignedCallback {
  body: string;
  headers: Record<string, string>;
}

/** Secrets per supplier with signed callbacks. */
export interface CallbackSecrets {
  fulu: { appSecret: string };
}

/** Suppliers whose callbacks `signCallback` can sign. */
export type SignedCallbackSupplier = keyof CallbackSecrets;

/**
 * Signs `payload` (the callback's fields, without `sign`) for `supplier`.
 * - `fulu`: `sign` = MD5 over the sorted characters of the fields' compact JSON plus the app
 *   secret, appended as the last member of a JSON body (or a form body with `format: "form"`).
 */
export function signCallback<S extends SignedCallbackSupplier>(
  supplier: S,
  payload: Record<string, string>,
  secrets: CallbackSecrets[S],
  options: { format?: "json" | "form" } = {},
): SignedCallback {
  if (supplier !== "fulu")
    throw new ConfigurationError(`signCallback does not know supplier "${String(supplier)}"`);
  const { sign: _ignored, ...fields } = payload;
  const sign = fuluSign(JSON.stringify(fields), secrets.appSecret);
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
