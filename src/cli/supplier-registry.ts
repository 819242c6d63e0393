/**
 * The built-in suppliers as the `kaquan` command knows them: one row per supplier with its
 * adapter factory, the credentials it needs and the environment variables they are read from, how
 * to start its simulator (and which made-up credentials that simulator accepts), a default test
 * order taken from the simulator's catalogue, whether the supplier has an order-list (bill)
 * endpoint, and how its callbacks are signed — the per-vendor facts every command reads from this
 * one table instead of branching on names.
 */

import { createBitrefillAdapter } from "../../adapters/bitrefill/index.js";
import { chengquanSpec, createChengquanAdapter } from "../../adapters/chengquan/index.js";
import { createDingAdapter } from "../../adapters/ding/index.js";
import { createDtoneAdapter } from "../../adapters/dtone/index.js";
import { createFuluAdapter } from "../../adapters/fulu/index.js";
import { createJuheAdapter, juheSpec } from "../../adapters/juhe/index.js";
import { createOfpayAdapter, type OfpayAdapter, ofpayGameStates } from "../../adapters/ofpay/index.js";
import { createReloadlyAdapter, type ReloadlyProduct } from "../../adapters/reloadly/index.js";
import { createTangoAdapter } from "../../adapters/tango/index.js";
import type { SignedFormAdapterSpec } from "../adapter-kit/index.js";
import {
  type AdapterContext,
  ConfigurationError,
  type Money,
  money,
  type OrderRequestInput,
  type OrderStatus,
  type SupplierAdapter,
} from "../core/index.js";
import { formatDateTime, parseDateTime } from "../runtime/clock.js";
import { lookup } from "../runtime/table-lookup.js";
import {
  CHENGQUAN_SIMULATOR_AES_IV,
  CHENGQUAN_SIMULATOR_AES_KEY,
  createBitrefillSimulator,
  createChengquanSimulator,
  createDingSimulator,
  createDtoneSimulator,
  createFuluSimulator,
  createJuheSimulator,
  createOfpaySimulator,
  createReloadlySimulator,
  createTangoSimulator,
} from "../testing/index.js";
import { SHARED_REQUEST_FAULT_KINDS } from "../testing/simulator-faults.js";

/** The names of the built-in suppliers. */
export const SUPPLIER_NAMES = [
  "fulu",
  "juhe",
  "ofpay",
  "chengquan",
  "reloadly",
  "dtone",
  "tango",
  "ding",
  "bitrefill",
] as const;

/** A built-in supplier's name. */
export type SupplierName = (typeof SUPPLIER_NAMES)[number];

/** One credential an adapter needs, and the environment variable it is read from. */
export interface CredentialSpec {
  /** The adapter option, e.g. `appSecret`. */
  readonly option: string;
  /** The environment variable (or `--secrets-file` entry), e.g. `KAQUAN_FULU_APP_SECRET`. */
  readonly environmentVariable: string;
  /** Whether the adapter cannot work without it. */
  readonly required: boolean;
  /** What it is and where the merchant finds it. */
  readonly description: string;
}

/** An order request without its id: what a test order (or a probe's product) looks like. */
export type OrderTemplate = Omit<OrderRequestInput, "merchantOrderId">;

/** What the commands give a row's `createAdapter`. */
export interface AdapterInput {
  /** Credential values by adapter option name (from the environment, a secrets file or a simulator). */
  readonly credentials: Readonly<Record<string, string>>;
  /** A base URL replacing the supplier's (a simulator, a proxy, a per-merchant host). */
  readonly endpoint?: string | undefined;
  /** Reloadly only: the token origin replacing Reloadly's. */
  readonly authEndpoint?: string | undefined;
  /** Base URLs by product, for suppliers with one host per product (Reloadly: `airtime`, `giftcards`). */
  readonly productEndpoints?: Readonly<Record<string, string>> | undefined;
  /** Default `production`; suppliers without a sandbox refuse `sandbox` unless an endpoint is given. */
  readonly environment?: "production" | "sandbox" | undefined;
  /** Where the supplier should post callbacks, for adapters that send it with each order. */
  readonly callbackUrl?: string | undefined;
  /** Further non-secret adapter options from a configuration file (e.g. Reloadly's `product`). */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  /** Overrides the adapter's poll interval (the simulators settle in milliseconds). */
  readonly pollIntervalMs?: number | undefined;
  /** Overrides the adapter's not-found grace window. */
  readonly notFoundGraceMs?: number | undefined;
}

/** A credential in printed code: `process.env.<variable>`. */
export interface EnvironmentReference {
  readonly environmentVariable: string;
}

/** A scripted fault for a simulator's `injectFault`: a kind plus the simulator's own parameters. */
export type SimulatorFault = { readonly kind: string; readonly times?: number } & Readonly<
  Record<string, unknown>
>;

/** A simulator started by a row, reduced to what the commands need. */
export interface RunningSimulator {
  /** The URLs the adapter is pointed at, by role: `endpoint` always, `auth` for Reloadly. */
  readonly urls: Readonly<Record<string, string>>;
  /** The made-up credentials the simulator accepts, by adapter option name. */
  readonly credentials: Readonly<Record<string, string>>;
  /** The adapter input (minus credentials) that points an adapter at this simulator. */
  readonly adapterInput: Omit<AdapterInput, "credentials">;
  /**
   * The factory options a merchant writes to point the adapter at this simulator, for printing:
   * credentials appear as {@link EnvironmentReference}s, never as values.
   */
  readonly adapterOptions: Readonly<Record<string, unknown>>;
  /** Queues a scripted fault; throws `RangeError` for one the simulator does not know. */
  injectFault(fault: SimulatorFault): void;
  /** The requests received so far, oldest first, as the simulator records them. */
  requests(): readonly Readonly<Record<string, unknown>>[];
  /** How many orders the simulator holds under this merchant order id (its duplicate check). */
  ordersWithId(merchantOrderId: string): number;
  close(): Promise<void>;
}

/** Options of a row's `startSimulator`. */
export interface SimulatorStartOptions {
  /** Default 0: an ephemeral port. The simulators listen on 127.0.0.1 only. */
  readonly port?: number | undefined;
  /** Where the simulator posts callbacks (rows whose `callbackRoute` is `simulator`). */
  readonly callbackUrl?: string | undefined;
  /** Further simulator options from a configuration file (`balance`, `catalogue`, `settleAfterMs`, …). */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
}

/** One order of a supplier's order list (bill), as reconciliation reads it. */
export interface ListedOrder {
  readonly merchantOrderId: string;
  readonly supplierOrderId?: string | undefined;
  readonly status?: OrderStatus | undefined;
  readonly vendorStatus?: string | undefined;
  readonly amount?: Money | undefined;
  /** Epoch milliseconds of the supplier's order time, when the list says. */
  readonly createdAtMs?: number | undefined;
}

/** A supplier's order-list (bill) endpoint. */
export interface OrderListSpec {
  /** The endpoint's name, for reports (e.g. `querybill.do`). */
  readonly endpoint: string;
  /** The orders the supplier created between `fromMs` and `toMs`. */
  list(
    adapter: SupplierAdapter,
    fromMs: number,
    toMs: number,
    context: AdapterContext,
  ): Promise<ListedOrder[]>;
}

/**
 * How a supplier's callbacks are authenticated, for `verify-callback`'s diagnosis. The verdict
 * always comes from the adapter's own `verifyCallback`; this only explains it.
 * - `fulu-sorted-characters`: MD5 over the sorted characters of the body without `sign`, plus a secret;
 * - `signed-form`: a recipe of a signed-form specification (Juhe, Chengquan);
 * - `reloadly-hmac`: HMAC-SHA256 of the raw body and a timestamp header;
 * - `refetch`: unsigned; the order the callback names is re-queried before anything is applied;
 * - `none`: the supplier sends no callbacks.
 */
export type CallbackSignatureSpec =
  | {
      readonly kind: "fulu-sorted-characters";
      readonly secret: string;
      readonly requiredFields: readonly string[];
    }
  | {
      readonly kind: "signed-form";
      readonly spec: SignedFormAdapterSpec;
      readonly recipe: string;
      readonly field: string;
      readonly requiredFields: readonly string[];
      /** Why some fields are not covered, when that matters (Juhe's status). */
      readonly note?: string;
    }
  | { readonly kind: "reloadly-hmac"; readonly secret: string }
  | { readonly kind: "refetch"; readonly orderField: string }
  | { readonly kind: "none" };

/** One built-in supplier. */
export interface SupplierEntry {
  readonly name: SupplierName;
  /** How people call it, e.g. `Fulu 福禄开放平台`. */
  readonly title: string;
  /** Where merchants import the adapter from. */
  readonly importPath: string;
  /** The adapter factory's name, for printed snippets. */
  readonly factoryName: string;
  readonly credentials: readonly CredentialSpec[];
  /** Whether the supplier has a sandbox host the adapter knows. */
  readonly hasSandbox: boolean;
  /** Builds the adapter. Throws `ConfigurationError` for missing or malformed settings. */
  createAdapter(input: AdapterInput): SupplierAdapter;
  /**
   * How callbacks reach a callback URL: `simulator` (the simulator posts to its `callbackUrl`
   * option; at the real supplier the URL is set in its console), `adapter` (the adapter sends the
   * URL with each order) or `none` (the supplier has no callbacks: kaquan polls).
   */
  readonly callbackRoute: "simulator" | "adapter" | "none";
  readonly startSimulator: (options?: SimulatorStartOptions) => Promise<RunningSimulator>;
  /** Every fault kind the simulator's `injectFault` takes. */
  readonly faultKinds: readonly string[];
  /** The test order a probe places when its configuration names none (a simulator product). */
  readonly testOrder: OrderTemplate;
  /**
   * An order the simulator refuses for its account (`InvalidAccountError`), for the probe's
   * anomaly check; absent when the supplier's orders have no account to get wrong.
   */
  readonly invalidAccountOrder?: OrderTemplate | undefined;
  /** The supplier's order-list (bill) endpoint, when it has one. */
  readonly orderList?: OrderListSpec | undefined;
  readonly callbackSignature: CallbackSignatureSpec;
}

const shared = [...SHARED_REQUEST_FAULT_KINDS];

/** Reads a non-secret string option from a configuration file's `options`. */
function stringOption(input: AdapterInput, name: string): string | undefined {
  const value = input.options?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new ConfigurationError(`options.${name} must be a string`);
  return value;
}

/** The non-secret options from a configuration file, minus those the row sets itself. */
function extraOptions(input: AdapterInput, reserved: readonly string[]): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input.options ?? {}))
    if (!reserved.includes(key)) extra[key] = value;
  return extra;
}

/** The credential `option`, which secret resolution guarantees for required ones. */
function credential(input: AdapterInput, option: string): string {
  return input.credentials[option] ?? "";
}

/** Poll interval and grace window overrides, when set. */
function timing(input: AdapterInput): { pollIntervalMs?: number; notFoundGraceMs?: number } {
  return {
    ...(input.pollIntervalMs !== undefined ? { pollIntervalMs: input.pollIntervalMs } : {}),
    ...(input.notFoundGraceMs !== undefined ? { notFoundGraceMs: input.notFoundGraceMs } : {}),
  };
}

/** `sandbox` for a supplier without a sandbox host is an error unless an endpoint replaces it. */
function refuseSandbox(name: string, input: AdapterInput): void {
  if (input.environment === "sandbox" && input.endpoint === undefined) {
    throw new ConfigurationError(
      `${name} has no sandbox host kaquan knows: set baseUrl to the test host your account manager gave you, or drop sandbox`,
    );
  }
}

/** Counts the simulator's orders that carry `merchantOrderId` in any field (each simulator names it differently). */
function countOrdersWithId(orders: readonly object[], merchantOrderId: string): number {
  return orders.filter((order) => Object.values(order).some((value) => value === merchantOrderId)).length;
}

/** The simulator surface every built-in simulator has. */
interface AnySimulator {
  injectFault(fault: never): void;
  requests(): readonly object[];
  orders(): readonly object[];
  close(): Promise<void>;
}

/** `process.env.<variable>` for the credential `option` of `entry`, for printed code. */
function environmentReference(entry: () => SupplierEntry, option: string): EnvironmentReference {
  const spec = entry().credentials.find((candidate) => candidate.option === option);
  return { environmentVariable: spec?.environmentVariable ?? option };
}

/** Printed factory options: every credential of the row as an environment reference, then `extra`. */
function printedOptions(
  entry: () => SupplierEntry,
  credentials: Record<string, string>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...Object.fromEntries(
      Object.keys(credentials).map((option) => [option, environmentReference(entry, option)]),
    ),
    ...extra,
  };
}

function running(
  simulator: AnySimulator,
  urls: Record<string, string>,
  credentials: Record<string, string>,
  adapterInput: Omit<AdapterInput, "credentials">,
  adapterOptions: Record<string, unknown>,
): RunningSimulator {
  return {
    urls,
    credentials,
    adapterInput,
    adapterOptions,
    injectFault: (fault) => simulator.injectFault(fault as never),
    requests: () => simulator.requests() as Readonly<Record<string, unknown>>[],
    ordersWithId: (merchantOrderId) => countOrdersWithId(simulator.orders(), merchantOrderId),
    close: () => simulator.close(),
  };
}

/** Simulator options from a configuration file, with the port and callback URL the command sets. */
function simulatorOptions<T>(options: SimulatorStartOptions, callbackOption?: string): T {
  return {
    ...options.options,
    port: options.port ?? 0,
    ...(callbackOption && options.callbackUrl ? { [callbackOption]: options.callbackUrl } : {}),
  } as T;
}

/** `yyyyMMddHHmmss` in China Standard Time, as OFPay's `querybill.do` takes a boundary. */
function ofpayBillBoundary(epochMs: number): string {
  return formatDateTime(epochMs).replace(/\D/g, "");
}

/** Reads OFPay's `yyyyMMddHHmmss` (China Standard Time) to epoch milliseconds. */
function ofpayTimeToEpoch(text: string | undefined): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text ?? "");
  return match
    ? parseDateTime(`${match[1]}-${match[2]}-${match[3]} ${match[4]}:${match[5]}:${match[6]}`)
    : undefined;
}

const ofpayOrderList: OrderListSpec = {
  endpoint: "querybill.do",
  async list(adapter, fromMs, toMs, context) {
    const rows = await (adapter as OfpayAdapter).bill(
      ofpayBillBoundary(fromMs),
      ofpayBillBoundary(toMs),
      context,
    );
    return rows
      .filter((row) => (row.sporder_id ?? "") !== "")
      .map((row) => {
        const gameState = row.game_state ?? "";
        let amount: Money | undefined;
        try {
          amount = row.ordercash ? money(row.ordercash, "CNY") : undefined;
        } catch {
          amount = undefined; // an unreadable amount is reported as missing, never guessed
        }
        const createdAtMs = ofpayTimeToEpoch(row.ordertime);
        return {
          merchantOrderId: row.sporder_id!,
          ...(row.orderid ? { supplierOrderId: row.orderid } : {}),
          // Own entries only: a game_state such as "constructor" is no status.
          status: lookup(ofpayGameStates, gameState) ?? "unknown",
          vendorStatus: gameState,
          ...(amount ? { amount } : {}),
          ...(createdAtMs !== undefined ? { createdAtMs } : {}),
        };
      });
  },
};

const fulu: SupplierEntry = {
  name: "fulu",
  title: "Fulu 福禄开放平台",
  importPath: "kaquan/adapters/fulu",
  factoryName: "createFuluAdapter",
  credentials: [
    {
      option: "appKey",
      environmentVariable: "KAQUAN_FULU_APP_KEY",
      required: true,
      description: "the AppKey from the Fulu console",
    },
    {
      option: "appSecret",
      environmentVariable: "KAQUAN_FULU_APP_SECRET",
      required: true,
      description: "the 32-character AppSecret from the Fulu console (also the card-code AES key)",
    },
  ],
  hasSandbox: true,
  createAdapter: (input) =>
    createFuluAdapter({
      ...extraOptions(input, ["appKey", "appSecret", "endpoint", "environment"]),
      appKey: credential(input, "appKey"),
      appSecret: credential(input, "appSecret"),
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...(input.environment ? { environment: input.environment } : {}),
      ...timing(input),
    }),
  callbackRoute: "simulator",
  async startSimulator(options = {}) {
    const simulator = createFuluSimulator(simulatorOptions(options, "callbackUrl"));
    await simulator.start();
    const credentials = { appKey: simulator.appKey, appSecret: simulator.appSecret };
    return running(
      simulator,
      { endpoint: simulator.url },
      credentials,
      { endpoint: simulator.url },
      printedOptions(() => fulu, credentials, { endpoint: simulator.url }),
    );
  },
  faultKinds: [
    ...shared,
    "bad-response-signature",
    "rate-limit",
    "vendor-error",
    "not-found-until",
    "duplicate-callback",
    "out-of-order-callback",
  ],
  // 10000002: the simulator's 卡密 video membership month card (25.50 元).
  testOrder: { kind: "card", sku: "10000002", quantity: 1 },
  // The simulator refuses a charge_account containing "invalid" with 1007 (invalid account).
  invalidAccountOrder: { kind: "direct", sku: "10000001", account: "invalid-account", quantity: 1 },
  callbackSignature: {
    kind: "fulu-sorted-characters",
    secret: "appSecret",
    requiredFields: ["customer_order_no", "order_status", "sign"],
  },
};

const juhe: SupplierEntry = {
  name: "juhe",
  title: "Juhe 聚合 话费",
  importPath: "kaquan/adapters/juhe",
  factoryName: "createJuheAdapter",
  credentials: [
    {
      option: "key",
      environmentVariable: "KAQUAN_JUHE_KEY",
      required: true,
      description: "the AppKey of Juhe's 话费充值 API (it also signs callbacks)",
    },
    {
      option: "openId",
      environmentVariable: "KAQUAN_JUHE_OPEN_ID",
      required: true,
      description: "the OpenID from the Juhe personal center",
    },
  ],
  hasSandbox: false,
  createAdapter(input) {
    refuseSandbox("juhe", input);
    return createJuheAdapter({
      ...extraOptions(input, ["key", "openId", "endpoint"]),
      key: credential(input, "key"),
      openId: credential(input, "openId"),
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...timing(input),
    });
  },
  callbackRoute: "simulator",
  async startSimulator(options = {}) {
    const simulator = createJuheSimulator(simulatorOptions(options, "callbackUrl"));
    await simulator.start();
    const credentials = { key: simulator.appKey, openId: simulator.openId };
    return running(
      simulator,
      { endpoint: simulator.url },
      credentials,
      { endpoint: simulator.url },
      printedOptions(() => juhe, credentials, { endpoint: simulator.url }),
    );
  },
  faultKinds: [
    ...shared,
    "system-error-10014",
    "rate-limit",
    "vendor-error",
    "not-found-until",
    "duplicate-callback",
    "out-of-order-callback",
  ],
  // A 江苏 China Mobile number and a face value the simulator's catalogue takes.
  testOrder: { kind: "mobile", account: "13800138000", faceValue: { amount: "100", currency: "CNY" } },
  // Ten digits: Juhe refuses it with 208505 错误的手机号码 (invalid account).
  invalidAccountOrder: {
    kind: "mobile",
    account: "1380013800",
    faceValue: { amount: "100", currency: "CNY" },
  },
  callbackSignature: {
    kind: "signed-form",
    spec: juheSpec,
    recipe: "callback",
    field: "sign",
    requiredFields: ["sporder_id", "orderid", "sta", "sign"],
    note: "Juhe's signature covers only the order ids, not sta: kaquan applies what ordersta answers, never sta",
  },
};

const ofpay: SupplierEntry = {
  name: "ofpay",
  title: "OFPay 欧飞 话费",
  importPath: "kaquan/adapters/ofpay",
  factoryName: "createOfpayAdapter",
  credentials: [
    {
      option: "userId",
      environmentVariable: "KAQUAN_OFPAY_USER_ID",
      required: true,
      description: "the SP code (userid), starting with A",
    },
    {
      option: "password",
      environmentVariable: "KAQUAN_OFPAY_PASSWORD",
      required: true,
      description: "the OFPay login password (only its MD5 is sent)",
    },
    {
      option: "keyStr",
      environmentVariable: "KAQUAN_OFPAY_KEY_STR",
      required: false,
      description: "the KeyStr every md5_str ends with (default OFCARD, the vendor's own default)",
    },
  ],
  hasSandbox: false,
  createAdapter(input) {
    refuseSandbox("ofpay", input);
    const keyStr = input.credentials.keyStr;
    return createOfpayAdapter({
      ...extraOptions(input, ["userId", "password", "keyStr", "endpoint", "notifyUrl"]),
      userId: credential(input, "userId"),
      password: credential(input, "password"),
      ...(keyStr ? { keyStr } : {}),
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...(input.callbackUrl ? { notifyUrl: input.callbackUrl } : {}),
      ...timing(input),
    });
  },
  // The adapter sends ret_url with each order; the simulator's callbackUrl overrides it for
  // merchants whose own adapter sends none.
  callbackRoute: "simulator",
  async startSimulator(options = {}) {
    const simulator = createOfpaySimulator(simulatorOptions(options, "callbackUrl"));
    await simulator.start();
    const credentials = { userId: simulator.userId, password: simulator.password, keyStr: simulator.keyStr };
    return running(
      simulator,
      { endpoint: simulator.url },
      credentials,
      { endpoint: simulator.url },
      printedOptions(() => ofpay, credentials, { endpoint: simulator.url }),
    );
  },
  faultKinds: [
    ...shared,
    "system-error",
    "rate-limit",
    "not-found-until",
    "duplicate-callback",
    "out-of-order-callback",
    "forged-callback",
  ],
  testOrder: {
    kind: "mobile",
    sku: "140101",
    account: "13800138000",
    faceValue: { amount: "100", currency: "CNY" },
  },
  // A virtual-operator (170) number: the simulator refuses it with retcode 1005 (invalid account).
  invalidAccountOrder: {
    kind: "mobile",
    sku: "140101",
    account: "17000000000",
    faceValue: { amount: "100", currency: "CNY" },
  },
  orderList: ofpayOrderList,
  callbackSignature: { kind: "refetch", orderField: "sporder_id" },
};

const chengquan: SupplierEntry = {
  name: "chengquan",
  title: "橙券 Chengquan",
  importPath: "kaquan/adapters/chengquan",
  factoryName: "createChengquanAdapter",
  credentials: [
    {
      option: "appId",
      environmentVariable: "KAQUAN_CHENGQUAN_APP_ID",
      required: true,
      description: "the merchant account (app_id, 11 digits)",
    },
    {
      option: "appKey",
      environmentVariable: "KAQUAN_CHENGQUAN_APP_KEY",
      required: true,
      description: "the APP_KEY that signs requests and callbacks",
    },
    {
      option: "aesKey",
      environmentVariable: "KAQUAN_CHENGQUAN_AES_KEY",
      required: true,
      description: "the 16-character AES key of card codes",
    },
    {
      option: "aesIv",
      environmentVariable: "KAQUAN_CHENGQUAN_AES_IV",
      required: true,
      description: "the 16-character AES IV of card codes",
    },
  ],
  hasSandbox: true,
  createAdapter: (input) =>
    createChengquanAdapter({
      ...extraOptions(input, ["appId", "appKey", "aesKey", "aesIv", "endpoint", "environment", "notifyUrl"]),
      appId: credential(input, "appId"),
      appKey: credential(input, "appKey"),
      aesKey: credential(input, "aesKey"),
      aesIv: credential(input, "aesIv"),
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...(input.environment ? { environment: input.environment } : {}),
      ...(input.callbackUrl ? { notifyUrl: input.callbackUrl } : {}),
      ...timing(input),
    }),
  // Coupon orders carry no notify_url: only the simulator's callbackUrl gives them callbacks.
  callbackRoute: "simulator",
  async startSimulator(options = {}) {
    const simulator = createChengquanSimulator(simulatorOptions(options, "callbackUrl"));
    await simulator.start();
    const credentials = {
      appId: simulator.appId,
      appKey: simulator.appKey,
      // The simulator holds the key and IV as bytes; these constants are their text.
      aesKey: CHENGQUAN_SIMULATOR_AES_KEY,
      aesIv: CHENGQUAN_SIMULATOR_AES_IV,
    };
    return running(
      simulator,
      { endpoint: simulator.url },
      credentials,
      { endpoint: simulator.url },
      printedOptions(() => chengquan, credentials, { endpoint: simulator.url }),
    );
  },
  faultKinds: [
    ...shared,
    "system-error",
    "vendor-error",
    "rate-limit",
    "not-found-until",
    "duplicate-callback",
    "out-of-order-callback",
    "empty-card-code",
  ],
  // 10010001: the simulator's 云影视频 month-card coupon (19.80 元, 100 in stock).
  testOrder: { kind: "card", sku: "10010001", quantity: 1 },
  // Not a phone number: the simulator refuses it with 7007 (invalid account).
  invalidAccountOrder: { kind: "mobile", account: "1234567", faceValue: { amount: "50", currency: "CNY" } },
  callbackSignature: {
    kind: "signed-form",
    spec: chengquanSpec,
    recipe: "sign",
    field: "sign",
    requiredFields: ["state", "sign"],
  },
};

const reloadly: SupplierEntry = {
  name: "reloadly",
  title: "Reloadly",
  importPath: "kaquan/adapters/reloadly",
  factoryName: "createReloadlyAdapter",
  credentials: [
    {
      option: "clientId",
      environmentVariable: "KAQUAN_RELOADLY_CLIENT_ID",
      required: true,
      description: "the client id (dashboard → Developers → API settings)",
    },
    {
      option: "clientSecret",
      environmentVariable: "KAQUAN_RELOADLY_CLIENT_SECRET",
      required: true,
      description: "the client secret (dashboard → Developers → API settings)",
    },
    {
      option: "webhookSecret",
      environmentVariable: "KAQUAN_RELOADLY_WEBHOOK_SECRET",
      required: false,
      description: "the webhook signing secret (dashboard → Developers → Webhooks)",
    },
  ],
  hasSandbox: true,
  createAdapter(input) {
    const product = (stringOption(input, "product") ?? "airtime") as ReloadlyProduct;
    if (product !== "airtime" && product !== "giftcards") {
      throw new ConfigurationError('options.product must be "airtime" or "giftcards"');
    }
    const webhookSecret = input.credentials.webhookSecret;
    const endpoints = {
      ...(input.authEndpoint ? { auth: input.authEndpoint } : {}),
      ...((input.productEndpoints?.[product] ?? input.endpoint)
        ? { api: input.productEndpoints?.[product] ?? input.endpoint }
        : {}),
    };
    return createReloadlyAdapter({
      ...extraOptions(input, [
        "clientId",
        "clientSecret",
        "webhookSecrets",
        "environment",
        "product",
        "endpoints",
      ]),
      clientId: credential(input, "clientId"),
      clientSecret: credential(input, "clientSecret"),
      environment: input.environment ?? "production",
      product,
      ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}),
      ...(webhookSecret ? { webhookSecrets: [webhookSecret] } : {}),
      ...timing(input),
    });
  },
  callbackRoute: "simulator",
  async startSimulator(options = {}) {
    // Reloadly refuses a second top-up of one number within minutes (PHONE_RECENTLY_RECHARGED);
    // a probe tops up one test number again and again, so the simulator's window is off.
    const simulator = createReloadlySimulator(
      simulatorOptions(
        { ...options, options: { recentRechargeWindowMs: 0, ...options.options } },
        "webhookUrl",
      ),
    );
    await simulator.start();
    const credentials = {
      clientId: simulator.clientId,
      clientSecret: simulator.clientSecret,
      webhookSecret: simulator.webhookSecret,
    };
    const { webhookSecret: _webhookSecret, ...clientCredentials } = credentials;
    const adapterOptions = {
      ...printedOptions(() => reloadly, clientCredentials, {}),
      webhookSecrets: [environmentReference(() => reloadly, "webhookSecret")],
      environment: "sandbox",
      product: "airtime",
      endpoints: { auth: simulator.urls.auth, api: simulator.urls.airtime },
    };
    return running(
      simulator as unknown as AnySimulator,
      { endpoint: simulator.urls.airtime, giftcards: simulator.urls.giftcards, auth: simulator.urls.auth },
      credentials,
      {
        endpoint: simulator.urls.airtime,
        authEndpoint: simulator.urls.auth,
        productEndpoints: { airtime: simulator.urls.airtime, giftcards: simulator.urls.giftcards },
        environment: "sandbox",
      },
      adapterOptions,
    );
  },
  faultKinds: [
    ...shared,
    "rate-limit",
    "vendor-error",
    "token-expired-mid-batch",
    "not-found-until",
    "duplicate-webhook",
    "out-of-order-webhook",
  ],
  // 341 MTN Nigeria: a ranged airtime operator of the simulator.
  testOrder: {
    kind: "mobile",
    sku: "341",
    account: "+2348031234567",
    faceValue: { amount: "5.00", currency: "USD" },
  },
  // A number ending in 2222: the simulator refuses it with INVALID_RECIPIENT_PHONE.
  invalidAccountOrder: {
    kind: "mobile",
    sku: "341",
    account: "+2348031232222",
    faceValue: { amount: "5.00", currency: "USD" },
  },
  callbackSignature: { kind: "reloadly-hmac", secret: "webhookSecret" },
};

const dtone: SupplierEntry = {
  name: "dtone",
  title: "DT One (DVS)",
  importPath: "kaquan/adapters/dtone",
  factoryName: "createDtoneAdapter",
  credentials: [
    {
      option: "apiKey",
      environmentVariable: "KAQUAN_DTONE_API_KEY",
      required: true,
      description: "the DVS API key",
    },
    {
      option: "apiSecret",
      environmentVariable: "KAQUAN_DTONE_API_SECRET",
      required: true,
      description: "the DVS API secret",
    },
  ],
  hasSandbox: true,
  createAdapter: (input) =>
    createDtoneAdapter({
      ...extraOptions(input, ["apiKey", "apiSecret", "environment", "endpoint", "callbackUrl"]),
      apiKey: credential(input, "apiKey"),
      apiSecret: credential(input, "apiSecret"),
      environment: input.environment ?? "production",
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...(input.callbackUrl ? { callbackUrl: input.callbackUrl } : {}),
      ...timing(input),
    }),
  // DT One posts to the callback_url the adapter sends with each transaction.
  callbackRoute: "adapter",
  async startSimulator(options = {}) {
    // The sandbox's 3 s / 20 s / 5 min scenario delays are shortened: a probe should not wait minutes.
    const simulator = createDtoneSimulator(
      simulatorOptions({
        ...options,
        options: { sandboxDelaysMs: { 1: 50, 2: 100, 3: 200 }, ...options.options },
      }),
    );
    await simulator.start();
    const credentials = { apiKey: simulator.apiKey, apiSecret: simulator.apiSecret };
    return running(
      simulator,
      { endpoint: simulator.url },
      credentials,
      { endpoint: simulator.url, environment: "sandbox" },
      printedOptions(() => dtone, credentials, { environment: "sandbox", endpoint: simulator.url }),
    );
  },
  faultKinds: [
    ...shared,
    "rate-limit",
    "vendor-error",
    "not-found-until",
    "duplicate-callback",
    "out-of-order-callback",
    "reversal-after-success",
  ],
  // 10002: the simulator's ranged Telkomsel airtime; the IDR face value is what the recipient gets.
  testOrder: {
    kind: "mobile",
    sku: "10002",
    account: "+6281234567890",
    faceValue: { amount: "75000", currency: "IDR" },
  },
  // Ends in 102: the sandbox's DECLINED-INVALID-CREDIT-PARTY scenario (declined after acceptance).
  invalidAccountOrder: {
    kind: "mobile",
    sku: "10002",
    account: "+6281234567102",
    faceValue: { amount: "75000", currency: "IDR" },
  },
  callbackSignature: { kind: "refetch", orderField: "external_id" },
};

const tango: SupplierEntry = {
  name: "tango",
  title: "Tango Card RaaS",
  importPath: "kaquan/adapters/tango",
  factoryName: "createTangoAdapter",
  credentials: [
    {
      option: "platformName",
      environmentVariable: "KAQUAN_TANGO_PLATFORM_NAME",
      required: true,
      description: "the platform name (Basic-auth user)",
    },
    {
      option: "platformKey",
      environmentVariable: "KAQUAN_TANGO_PLATFORM_KEY",
      required: true,
      description: "the platform key (Basic-auth password)",
    },
    {
      option: "customerIdentifier",
      environmentVariable: "KAQUAN_TANGO_CUSTOMER_IDENTIFIER",
      required: true,
      description: "the customer the account belongs to",
    },
    {
      option: "accountIdentifier",
      environmentVariable: "KAQUAN_TANGO_ACCOUNT_IDENTIFIER",
      required: true,
      description: "the account orders are paid from",
    },
  ],
  hasSandbox: true,
  createAdapter: (input) =>
    createTangoAdapter({
      ...extraOptions(input, [
        "platformName",
        "platformKey",
        "customerIdentifier",
        "accountIdentifier",
        "environment",
        "endpoint",
      ]),
      platformName: credential(input, "platformName"),
      platformKey: credential(input, "platformKey"),
      customerIdentifier: credential(input, "customerIdentifier"),
      accountIdentifier: credential(input, "accountIdentifier"),
      environment: input.environment ?? "production",
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...timing(input),
    }),
  callbackRoute: "none",
  async startSimulator(options = {}) {
    const simulator = createTangoSimulator(simulatorOptions(options));
    await simulator.start();
    const credentials = {
      platformName: simulator.platformName,
      platformKey: simulator.platformKey,
      customerIdentifier: simulator.customerIdentifier,
      accountIdentifier: simulator.accountIdentifier,
    };
    return running(
      simulator,
      { endpoint: simulator.url },
      credentials,
      { endpoint: simulator.url, environment: "sandbox" },
      printedOptions(() => tango, credentials, { environment: "sandbox", endpoint: simulator.url }),
    );
  },
  faultKinds: [...shared, "rate-limit", "vendor-error", "in-process", "not-found-until"],
  // U100001: the simulator's fixed $25 Amazon.com gift card. Rewards have no account to get wrong.
  testOrder: { kind: "card", sku: "U100001", quantity: 1 },
  callbackSignature: { kind: "none" },
};

const ding: SupplierEntry = {
  name: "ding",
  title: "Ding Connect",
  importPath: "kaquan/adapters/ding",
  factoryName: "createDingAdapter",
  credentials: [
    {
      option: "apiKey",
      environmentVariable: "KAQUAN_DING_API_KEY",
      required: true,
      description: "the Ding Connect API key (api_key header)",
    },
  ],
  hasSandbox: false,
  createAdapter(input) {
    refuseSandbox("ding", input);
    return createDingAdapter({
      ...extraOptions(input, ["apiKey", "endpoint"]),
      apiKey: credential(input, "apiKey"),
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...timing(input),
    });
  },
  callbackRoute: "none",
  async startSimulator(options = {}) {
    const simulator = createDingSimulator(simulatorOptions(options));
    await simulator.start();
    const credentials = { apiKey: simulator.apiKey };
    return running(
      simulator,
      { endpoint: simulator.url },
      credentials,
      { endpoint: simulator.url },
      printedOptions(() => ding, credentials, { endpoint: simulator.url }),
    );
  },
  faultKinds: [...shared, "rate-limit", "vendor-error", "not-found-until"],
  // IN_AT_TopUp: the simulator's batch Airtel India top-up; the USD face value is the SendValue.
  testOrder: {
    kind: "mobile",
    sku: "IN_AT_TopUp",
    account: "+919812345678",
    faceValue: { amount: "5.00", currency: "USD" },
  },
  // Ends in 0004: the simulator refuses it with AccountNumberInvalid.
  invalidAccountOrder: {
    kind: "mobile",
    sku: "IN_AT_TopUp",
    account: "+919812340004",
    faceValue: { amount: "5.00", currency: "USD" },
  },
  callbackSignature: { kind: "none" },
};

const bitrefill: SupplierEntry = {
  name: "bitrefill",
  title: "Bitrefill",
  importPath: "kaquan/adapters/bitrefill",
  factoryName: "createBitrefillAdapter",
  credentials: [
    {
      option: "apiKey",
      environmentVariable: "KAQUAN_BITREFILL_API_KEY",
      required: false,
      description: "a personal API key (Bearer); or set the two business credentials",
    },
    {
      option: "businessId",
      environmentVariable: "KAQUAN_BITREFILL_BUSINESS_ID",
      required: false,
      description: "the business API id (HTTP Basic), with KAQUAN_BITREFILL_BUSINESS_SECRET",
    },
    {
      option: "businessSecret",
      environmentVariable: "KAQUAN_BITREFILL_BUSINESS_SECRET",
      required: false,
      description: "the business API secret (HTTP Basic), with KAQUAN_BITREFILL_BUSINESS_ID",
    },
  ],
  hasSandbox: false,
  createAdapter(input) {
    refuseSandbox("bitrefill", input);
    const { apiKey, businessId, businessSecret } = input.credentials;
    let auth: { bearer: string } | { id: string; secret: string };
    if (apiKey) auth = { bearer: apiKey };
    else if (businessId && businessSecret) auth = { id: businessId, secret: businessSecret };
    else {
      throw new ConfigurationError(
        "bitrefill needs KAQUAN_BITREFILL_API_KEY, or both KAQUAN_BITREFILL_BUSINESS_ID and KAQUAN_BITREFILL_BUSINESS_SECRET, in the environment or a --secrets-file",
      );
    }
    return createBitrefillAdapter({
      ...extraOptions(input, ["auth", "endpoint", "webhookUrl"]),
      auth,
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...(input.callbackUrl ? { webhookUrl: input.callbackUrl } : {}),
      ...timing(input),
    });
  },
  // Bitrefill posts to the webhook_url the adapter sends with each invoice.
  callbackRoute: "adapter",
  async startSimulator(options = {}) {
    const simulator = createBitrefillSimulator(simulatorOptions(options));
    await simulator.start();
    const credentials = {
      apiKey: simulator.apiKey,
      businessId: simulator.businessId,
      businessSecret: simulator.businessSecret,
    };
    return running(
      simulator,
      { endpoint: simulator.url },
      credentials,
      { endpoint: simulator.url },
      {
        auth: { bearer: environmentReference(() => bitrefill, "apiKey") },
        endpoint: simulator.url,
      },
    );
  },
  faultKinds: [...shared, "rate-limit", "vendor-error", "not-found-until", "duplicate-callback"],
  // The $10 package of Bitrefill's own test gift card (delivered as a code).
  testOrder: { kind: "card", sku: "test-gift-card-code<&>10", quantity: 1 },
  callbackSignature: { kind: "refetch", orderField: "kaquan_order_id" },
};

/** The registry: every built-in supplier, by name. */
export const SUPPLIER_REGISTRY: Readonly<Record<SupplierName, SupplierEntry>> = {
  fulu,
  juhe,
  ofpay,
  chengquan,
  reloadly,
  dtone,
  tango,
  ding,
  bitrefill,
};

/** True when `name` is a built-in supplier. */
export function isSupplierName(name: string): name is SupplierName {
  return (SUPPLIER_NAMES as readonly string[]).includes(name);
}

/** The row of `name`; throws `ConfigurationError` listing the built-in suppliers otherwise. */
export function supplierEntry(name: string): SupplierEntry {
  if (!isSupplierName(name)) {
    throw new ConfigurationError(
      `"${name.slice(0, 40)}" is not a built-in supplier: use one of ${SUPPLIER_NAMES.join(", ")}`,
    );
  }
  return SUPPLIER_REGISTRY[name];
}
