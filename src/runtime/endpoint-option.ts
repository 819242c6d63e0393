/**
 * The base URL an adapter sends to: the merchant's `endpoint` option (a sandbox, a proxy, a
 * simulator) or the supplier's default, checked once when the adapter is created.
 */
import { ConfigurationError } from "../core/index.js";

/**
 * `endpoint` (or `fallback` when it is undefined) without trailing slashes.
 * @throws ConfigurationError naming `adapterTitle` when `endpoint` is not a string (a URL object, a
 *   number from an environment parser) or the result is not a URL.
 */
export function endpointOption(adapterTitle: string, endpoint: unknown, fallback: string): string {
  if (endpoint !== undefined && typeof endpoint !== "string")
    throw new ConfigurationError(
      `${adapterTitle} adapter: endpoint must be a URL string such as "https://…", not a ${typeof endpoint}`,
    );
  const base = (endpoint ?? fallback).replace(/\/+$/, "");
  if (!URL.canParse(base))
    throw new ConfigurationError(`${adapterTitle} adapter: endpoint "${base}" is not a URL`);
  return base;
}
