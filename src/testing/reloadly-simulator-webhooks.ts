/**
 * The Reloadly simulator's webhooks: the payload, the HMAC-SHA256 signature and the delivery.
 *
 * Written on its own from the vendor notes (vendor-protocols.md §2.7), not from the adapter's
 * verifier, so that a shared mistake cannot make both agree: by default the signature is
 * `hex(HMAC-SHA256(secret, rawBody + ":" + timestamp))` with the timestamp in seconds, sent in
 * `X-Reloadly-Signature` and `X-Reloadly-Request-Timestamp` — the most careful public
 * integration's reading [M], and the adapter's default. The exact official input is unconfirmed [?].
 *
 * Delivery needs those headers, which the shared `deliverCallback` does not send, so it has its
 * own small retry loop with the same semantics (retry until a 2xx, stop when the simulator closes).
 */
import { createHmac, randomUUID } from "node:crypto";
import { sleep } from "../runtime/clock.js";
import type { ReloadlySimulatorWebhookSignature } from "./reloadly-simulator-types.js";

export const RELOADLY_SIGNATURE_HEADER = "X-Reloadly-Signature";
export const RELOADLY_TIMESTAMP_HEADER = "X-Reloadly-Request-Timestamp";

/** The signature of one body at one timestamp. */
export function reloadlySimulatorSignature(
  secret: string,
  body: string,
  timestamp: string,
  style: ReloadlySimulatorWebhookSignature = {},
): string {
  const separator = style.separator ?? ":";
  let input: string;
  switch (style.inputFormat ?? "body-timestamp") {
    case "body":
      input = body;
      break;
    case "timestamp-body":
      input = timestamp + separator + body;
      break;
    default:
      input = body + separator + timestamp;
  }
  const mac = createHmac("sha256", Buffer.from(secret, "utf8"));
  mac.update(Buffer.from(input, "utf8"));
  return style.encoding === "base64" ? mac.digest().toString("base64") : mac.digest().toString("hex");
}

/** The webhook body: `{id, type, data: {transaction}}` (§2.7 [M]). */
export function reloadlyWebhookBody(
  product: "airtime" | "giftcards",
  transaction: Record<string, unknown>,
  stringify: (value: unknown) => string = JSON.stringify,
): string {
  return stringify({
    id: randomUUID(),
    type: product === "airtime" ? "airtime_transaction.status" : "giftcard_transaction.status",
    data: { transaction },
  });
}

/** The headers of a signed webhook. */
export function reloadlyWebhookHeaders(
  secret: string,
  body: string,
  timestamp: string,
  style: ReloadlySimulatorWebhookSignature = {},
): Record<string, string> {
  return {
    "content-type": "application/json",
    [RELOADLY_SIGNATURE_HEADER.toLowerCase()]: reloadlySimulatorSignature(secret, body, timestamp, style),
    [RELOADLY_TIMESTAMP_HEADER.toLowerCase()]: timestamp,
  };
}

/** The outcome of one attempt. */
export interface WebhookAttemptOutcome {
  attempt: number;
  status?: number | undefined;
  reply?: string | undefined;
  error?: string | undefined;
  acknowledged: boolean;
}

/** POSTs a webhook until the merchant answers a 2xx or the attempts run out. */
export async function deliverReloadlyWebhook(
  post: { url: string; body: string; headers: Record<string, string> },
  options: {
    attempts: number;
    intervalMs: number;
    timeoutMs: number;
    signal: AbortSignal;
    onAttempt(outcome: WebhookAttemptOutcome): void;
  },
): Promise<void> {
  for (let attempt = 1; attempt <= Math.max(1, options.attempts); attempt++) {
    if (options.signal.aborted) return;
    let outcome: WebhookAttemptOutcome;
    try {
      const response = await fetch(post.url, {
        method: "POST",
        headers: post.headers,
        body: post.body,
        redirect: "manual",
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      const reply = await response.text();
      outcome = {
        attempt,
        status: response.status,
        reply,
        acknowledged: response.status >= 200 && response.status < 300,
      };
    } catch (error) {
      outcome = {
        attempt,
        error: error instanceof Error ? error.message : String(error),
        acknowledged: false,
      };
    }
    options.onAttempt(outcome);
    if (outcome.acknowledged || attempt >= options.attempts) return;
    try {
      await sleep(options.intervalMs, options.signal);
    } catch {
      return;
    }
  }
}
