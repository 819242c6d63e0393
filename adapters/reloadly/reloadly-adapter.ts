/**
 * The Reloadly adapter (vendor-protocols.md §2): airtime top-ups and gift cards behind one
 * contract. One adapter serves one product — each product is its own API host, token audience and
 * media type — so a merchant selling both creates two adapters (and two clients), optionally
 * sharing one {@link TokenCache}: tokens are keyed by (client id, audience, environment), so they
 * never mix.
 *
 * - `mobile` orders are airtime top-ups: `account` is the phone, `faceValue` the amount, in the
 *   sender or the local currency — the currency decides which (`useLocalAmount`);
 * - `card` orders are gift cards: `sku` is the productId, `quantity` the count, `unitPrice` one of
 *   the product's denominations (`faceValue`, or the only one).
 * - Every order carries `customIdentifier = merchantOrderId`; a re-sent one is refused with
 *   `CUSTOM_IDENTIFIER_ALREADY_USED`, which means *look it up*, never *failed*.
 * - Orders are looked up by `customIdentifier` in the transactions reports.
 * - Webhooks are HMAC-SHA256 signed; the signed input is unconfirmed and configurable.
 */
import {
  type AdapterCapabilities,
  type AdapterContext,
  type Balance,
  type CallbackAck,
  type Card,
  ConfigurationError,
  MalformedPayloadError,
  type Money,
  type OrderUpdate,
  RawBodyRequiredError,
  type RawCallback,
  type SupplierAdapter,
  UnsupportedOperationError,
  type VerifiedCallback,
} from "../../src/core/index.js";
import { utf8Text } from "../../src/runtime/charset.js";
import { tryParseJson } from "../../src/runtime/json.js";
import { TokenCache } from "../../src/runtime/token-cache.js";
import type { VendorErrorMeaning, VendorErrorTable } from "../../src/runtime/vendor-errors.js";
import {
  createReloadlyAirtime,
  type ReloadlyFxRate,
  type ReloadlyOperatorSummary,
} from "./reloadly-airtime.js";
import {
  RELOADLY_API_URLS,
  RELOADLY_AUTH_URL,
  type ReloadlyEnvironment,
  type ReloadlyProduct,
  reloadlyAudience,
} from "./reloadly-auth.js";
import {
  createReloadlyConnection,
  type ReloadlyEndpoint,
  type ReloadlyRateLimiter,
  reloadlyEndpoints,
} from "./reloadly-connection.js";
import { createReloadlyGiftCards } from "./reloadly-giftcards.js";
import type { ReloadlyKit } from "./reloadly-kit.js";
import {
  defaultReloadlyErrorTable,
  reloadlyRetryAfterMs,
  reloadlyTransactionStatuses,
} from "./reloadly-tables.js";
import {
  type ReloadlyWebhookSignatureOptions,
  resolveReloadlyWebhookSignature,
  verifyReloadlyWebhookSignature,
} from "./reloadly-webhook.js";
import { reloadlyWebhookSchema } from "./reloadly-wire.js";

export interface ReloadlyAdapterOptions {
  /** The client id from the Reloadly dashboard (Developers → API settings). */
  clientId: string;
  /** The client secret. Sent only to the token endpoint; never logged. */
  clientSecret: string;
  /** Which environment. Required: live and sandbox credentials, hosts and tokens never mix. */
  environment: ReloadlyEnvironment;
  /** Which product this adapter sells. For both, create two adapters. */
  product: ReloadlyProduct;
  /** Other hosts: a simulator, a proxy. `auth` is the token origin (`/oauth/token` is appended), `api` the product's base URL. */
  endpoints?: { auth?: string; api?: string };
  /**
   * The token audience. Default the product's documented base URL for the environment
   * (`https://topups[-sandbox].reloadly.com`, `https://giftcards[-sandbox].reloadly.com`), even
   * when `endpoints.api` points elsewhere. The Java SDK's `https://topups-hs256[-sandbox]…` style
   * also exists [M].
   */
  audience?: string;
  /** A token cache to share (e.g. between the airtime and gift-card adapters of one account). */
  tokenCache?: TokenCache;
  /** How long before expiry a token is replaced, when the adapter creates its cache. Default 60 000 ms. */
  tokenRefreshSkewMs?: number;
  /**
   * Webhook signing secrets (dashboard → Developers → Webhooks). Several may be active during a
   * rotation: a webhook verifies when any of them matches. Without one, every webhook is refused.
   */
  webhookSecrets?: readonly string[];
  /** How webhooks are signed [?]; see {@link ReloadlyWebhookSignatureOptions} for the defaults. */
  webhookSignature?: ReloadlyWebhookSignatureOptions;
  /** Replaces or adds entries of the error-code table (see `defaultReloadlyErrorTable`). */
  errorCodes?: Readonly<Record<string, VendorErrorMeaning>>;
  /** Replaces the message patterns used when an error has no known code. */
  errorMessagePatterns?: ReadonlyArray<readonly [RegExp, VendorErrorMeaning]>;
  /**
   * Client-side rate limits per Reloadly endpoint (numeric vendor limits are unpublished [?]);
   * e.g. `{ topupReports: createTokenBucket({ requestsPerSecond: 2 }) }`. None by default. The
   * client's own `rateLimit` option limits whole operations on top of these.
   */
  rateLimits?: Partial<Record<ReloadlyEndpoint, ReloadlyRateLimiter>>;
  /** Airtime: `sync` (default) waits for the operator in `POST /topups`; `async` uses `POST /topups-async` and polls. */
  topupMode?: "sync" | "async";
  /**
   * Airtime: whether `faceValue` is a local (destination-currency) amount. `auto` (default)
   * decides from `faceValue.currency` against the operator's sender and destination currencies
   * and refuses any other currency; `true`/`false` force it and still check the currency.
   */
  useLocalAmount?: boolean | "auto";
  /** Airtime: the country (ISO alpha-2) for operator auto-detection when an order has no sku and no `accountFields.region`. */
  defaultCountryCode?: string;
  /** Airtime: `senderPhone` sent with every top-up. */
  senderPhone?: { countryCode: string; number: string };
  /** Gift cards: `senderName` sent with every order. Default `"kaquan"`. */
  senderName?: string;
  /** Gift cards: how far back the transactions report is searched, in days. Default 90. */
  reportLookbackDays?: number;
  /** Most report pages read for one lookup (only when Reloadly ignores the `customIdentifier` filter). Default 5. */
  maxReportPages?: number;
  /** Most catalogue pages read by `listProducts`. Default 20. */
  maxCatalogPages?: number;
  /** UTC offset of Reloadly's `yyyy-MM-dd HH:mm:ss` timestamps, in minutes. Undocumented [?]; default 0 (UTC). */
  timestampOffsetMinutes?: number;
  /** How long a "not found" right after placing may be report lag. Default 30 000 ms. */
  notFoundGraceMs?: number;
  /** Poll interval. Default 5 000 ms. */
  pollIntervalMs?: number;
}

/** The Reloadly adapter: the contract plus Reloadly's own reads. */
export interface ReloadlyAdapter extends SupplierAdapter {
  readonly product: ReloadlyProduct;
  readonly environment: ReloadlyEnvironment;
  getBalance(context: AdapterContext): Promise<Balance>;
  verifyCallback(callback: RawCallback, context: AdapterContext): Promise<VerifiedCallback>;
  callbackAck(accepted: boolean): CallbackAck;
  /** Airtime: the operator of a phone number (`GET /operators/auto-detect/…`). */
  autoDetectOperator(
    phone: string,
    countryCode: string,
    context: AdapterContext,
  ): Promise<ReloadlyOperatorSummary>;
  /** Airtime: `POST /operators/fx-rate` for a sender-currency amount. */
  getFxRate(operatorId: string, amount: Money, context: AdapterContext): Promise<ReloadlyFxRate>;
  /** Airtime: the real-time status of a top-up by Reloadly's transaction id. */
  getTopupStatus(transactionId: string, context: AdapterContext): Promise<OrderUpdate>;
  /** Gift cards: the redeem codes of a transaction, as `Secret`s. */
  getRedeemCodes(transactionId: string, context: AdapterContext): Promise<Card[]>;
}

const products: readonly ReloadlyProduct[] = ["airtime", "giftcards"];
const environments: readonly ReloadlyEnvironment[] = ["production", "sandbox"];

/** Creates a Reloadly adapter. Throws `ConfigurationError` for a missing or malformed option. */
export function createReloadlyAdapter(options: ReloadlyAdapterOptions): ReloadlyAdapter {
  const fail = (message: string): never => {
    throw new ConfigurationError(`Reloadly adapter: ${message}`);
  };
  if (typeof options?.clientId !== "string" || options.clientId.length === 0)
    fail("clientId is required (Reloadly dashboard → Developers → API settings)");
  if (typeof options.clientSecret !== "string" || options.clientSecret.length === 0)
    fail("clientSecret is required (Reloadly dashboard → Developers → API settings)");
  if (!environments.includes(options.environment))
    fail('environment must be "production" or "sandbox" (credentials and tokens belong to one)');
  if (!products.includes(options.product))
    fail('product must be "airtime" or "giftcards"; create one adapter per product to sell both');
  const product = options.product;
  const environment = options.environment;
  const supplier = `reloadly-${product}`;
  const apiUrl = validUrl(
    options.endpoints?.api ?? RELOADLY_API_URLS[product][environment],
    "endpoints.api",
    fail,
  );
  const authUrl = validUrl(options.endpoints?.auth ?? RELOADLY_AUTH_URL, "endpoints.auth", fail);
  const audience = options.audience ?? reloadlyAudience(product, environment);
  const webhookSecrets = [...(options.webhookSecrets ?? [])];
  if (webhookSecrets.some((secret) => typeof secret !== "string" || secret.length === 0))
    fail("webhookSecrets must be non-empty strings");
  const signature = resolveReloadlyWebhookSignature(options.webhookSignature);
  const rateLimits = options.rateLimits ?? {};
  for (const [endpoint, limiter] of Object.entries(rateLimits)) {
    if (!reloadlyEndpoints.includes(endpoint as ReloadlyEndpoint))
      fail(`rateLimits has an unknown endpoint "${endpoint}": use ${reloadlyEndpoints.join(", ")}`);
    if (typeof limiter?.acquire !== "function") fail(`rateLimits.${endpoint} must have acquire()`);
  }
  const useLocalAmount = options.useLocalAmount ?? "auto";
  if (![true, false, "auto"].includes(useLocalAmount)) fail('useLocalAmount must be true, false or "auto"');
  const topupMode = options.topupMode ?? "sync";
  if (topupMode !== "sync" && topupMode !== "async") fail('topupMode must be "sync" or "async"');
  if (options.defaultCountryCode !== undefined && !/^[A-Z]{2}$/.test(options.defaultCountryCode))
    fail("defaultCountryCode must be an ISO 3166 alpha-2 code such as NG");
  const whole = (value: number | undefined, fallback: number, name: string, minimum = 1) => {
    const resolved = value ?? fallback;
    if (!(Number.isSafeInteger(resolved) && resolved >= minimum))
      fail(`${name} must be a whole number ≥ ${minimum}`);
    return resolved;
  };
  const maxReportPages = whole(options.maxReportPages, 5, "maxReportPages");
  const maxCatalogPages = whole(options.maxCatalogPages, 20, "maxCatalogPages");
  const reportLookbackDays = whole(options.reportLookbackDays, 90, "reportLookbackDays");
  const timestampOffsetMinutes = options.timestampOffsetMinutes ?? 0;
  if (!(Number.isInteger(timestampOffsetMinutes) && Math.abs(timestampOffsetMinutes) <= 18 * 60))
    fail("timestampOffsetMinutes must be a whole number of minutes within ±18 hours");

  const errorTable: VendorErrorTable = {
    codes: { ...defaultReloadlyErrorTable.codes, ...options.errorCodes },
    messagePatterns: options.errorMessagePatterns ?? defaultReloadlyErrorTable.messagePatterns ?? [],
  };
  const tokenCache =
    options.tokenCache ??
    new TokenCache(options.tokenRefreshSkewMs !== undefined ? { skewMs: options.tokenRefreshSkewMs } : {});
  const connection = createReloadlyConnection({
    supplier,
    product,
    environment,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    audience,
    apiUrl,
    authUrl,
    tokenCache,
    errorTable,
    retryAfterMs: reloadlyRetryAfterMs,
    rateLimits,
  });
  const kit: ReloadlyKit = {
    supplier,
    connection,
    timestampOffsetMinutes,
    statuses: reloadlyTransactionStatuses,
  };
  const airtime =
    product === "airtime"
      ? createReloadlyAirtime(kit, {
          topupMode,
          useLocalAmount,
          defaultCountryCode: options.defaultCountryCode,
          senderPhone: options.senderPhone,
          maxCatalogPages,
          maxReportPages,
        })
      : undefined;
  const giftcards =
    product === "giftcards"
      ? createReloadlyGiftCards(kit, {
          senderName: options.senderName ?? "kaquan",
          maxCatalogPages,
          maxReportPages,
          reportLookbackDays,
        })
      : undefined;
  const half = (airtime ?? giftcards)!;

  const capabilities: AdapterCapabilities = {
    duplicateOrderId: "reject",
    callbacks: "signed",
    stock: false,
    balance: true,
    cardDelivery: product === "giftcards",
    batchQuery: false,
    orderKinds: product === "airtime" ? ["mobile"] : ["card"],
    notFoundGraceMs: options.notFoundGraceMs ?? 30_000,
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
    // Re-sending the same customIdentifier is safe: Reloadly refuses a used one.
    resendAfterNotFound: true,
  };
  const secrets = [options.clientSecret, options.clientId, ...webhookSecrets];

  const only = <T>(wanted: ReloadlyProduct, value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new UnsupportedOperationError(`${supplier}: ${what} is a Reloadly ${wanted} operation`, {
        supplier,
      });
    return value;
  };

  const adapter: ReloadlyAdapter = {
    name: supplier,
    product,
    environment,
    capabilities,
    secretValues: () => [...secrets],

    listProducts: (query, context) => half.listProducts(query, context),
    getProduct: (sku, context) => half.getProduct(sku, context),
    getBalance: (context) => half.getBalance(context),
    placeOrder: (request, context) => half.placeOrder(request, context),
    queryOrder: (merchantOrderId, context) => half.queryOrder(merchantOrderId, context),

    autoDetectOperator: async (phone, countryCode, context) =>
      only("airtime", airtime, "autoDetectOperator").autoDetectOperator(phone, countryCode, context),
    getFxRate: async (operatorId, amount, context) =>
      only("airtime", airtime, "getFxRate").getFxRate(operatorId, amount, context),
    getTopupStatus: async (transactionId, context) =>
      only("airtime", airtime, "getTopupStatus").getTopupStatus(transactionId, context),
    getRedeemCodes: async (transactionId, context) =>
      only("giftcards", giftcards, "getRedeemCodes").getRedeemCodes(transactionId, context),

    async verifyCallback(callback, context) {
      const body = callback?.body as unknown;
      if (typeof body !== "string" && !(body instanceof Uint8Array)) {
        throw new RawBodyRequiredError(
          `${supplier} webhook: pass the raw request body (a string or bytes), not a parsed object — the signature covers the exact bytes (Express: express.raw({ type: "*/*" }); Fastify: a raw-body content parser; Next.js/Hono: await request.text())`,
          { supplier },
        );
      }
      const raw = utf8Text(body);
      const check = verifyReloadlyWebhookSignature({
        rawBody: raw,
        headers: callback.headers ?? {},
        secrets: webhookSecrets,
        options: signature,
        nowMs: context.clock.now(),
        supplier,
      });
      const parsed = reloadlyWebhookSchema.safeParse(tryParseJson(raw));
      if (!parsed.success) {
        throw new MalformedPayloadError(`${supplier} webhook: the body is not {type, data: {transaction}}`, {
          supplier,
        });
      }
      const type = parsed.data.type;
      const expected = product === "airtime" ? /^airtime/i : /^gift_?card/i;
      if (type !== undefined && !expected.test(type)) {
        throw new MalformedPayloadError(
          `${supplier} webhook: a "${type.slice(0, 64)}" event reached the ${product} adapter; point each Reloadly webhook at its product's handler`,
          { supplier },
        );
      }
      const transaction = parsed.data.data.transaction ?? parsed.data.data;
      const update = half.webhookUpdate(transaction);
      if (update.merchantOrderId === "") {
        throw new MalformedPayloadError(`${supplier} webhook: the transaction has no customIdentifier`, {
          supplier,
        });
      }
      const verified: VerifiedCallback = { update };
      if (check.sentAtMs !== undefined) verified.sentAtMs = check.sentAtMs;
      return verified;
    },

    callbackAck(accepted) {
      // Reloadly wants a quick 200 (§2.7); anything else makes it deliver again.
      return accepted
        ? { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "OK" }
        : { status: 500, headers: { "content-type": "text/plain; charset=utf-8" }, body: "retry" };
    },
  };
  return adapter;
}

function validUrl(url: string, name: string, fail: (message: string) => never): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== "https:" && parsed?.protocol !== "http:")
    fail(`${name} "${url}" is not an http(s) URL`);
  return url.replace(/\/+$/, "");
}
