/**
 * Every adapter, pointed at its in-process simulator, with the orders and products that succeed
 * there. The fuzzers record the simulator's genuine answers through these targets and then replay
 * mutated copies; the secret-leak audit drives the same targets with sentinel credentials.
 */
import {
  type OrderRequest,
  type OrderRequestInput,
  OrderRequestSchema,
  type RawCallback,
  type SupplierAdapter,
} from "kaquan";
import { createBitrefillAdapter } from "kaquan/adapters/bitrefill";
import { createChengquanAdapter } from "kaquan/adapters/chengquan";
import { createDingAdapter } from "kaquan/adapters/ding";
import { createDtoneAdapter } from "kaquan/adapters/dtone";
import { createFuluAdapter, fuluSign } from "kaquan/adapters/fulu";
import { createJuheAdapter } from "kaquan/adapters/juhe";
import { createOfpayAdapter } from "kaquan/adapters/ofpay";
import { createReloadlyAdapter } from "kaquan/adapters/reloadly";
import { createTangoAdapter } from "kaquan/adapters/tango";
import {
  createBitrefillSimulator,
  createChengquanSimulator,
  createDingSimulator,
  createDtoneSimulator,
  createFuluSimulator,
  createJuheSimulator,
  createOfpaySimulator,
  createReloadlySimulator,
  createTangoSimulator,
  signCallback,
} from "kaquan/testing";

/** How a supplier's callbacks look, so genuine ones can be built and then mutated. */
export interface CallbackFixture {
  /**
   * A callback for `merchantOrderId` reporting success (or failure), as the supplier sends it:
   * correctly signed when `signed` is true, else as unsigned as the supplier's own.
   */
  build(merchantOrderId: string, outcome: "success" | "failed"): RawCallback;
  /** Whether {@link build} signs (the supplier signs its callbacks). */
  signed: boolean;
  /** `body`: one signature over the raw body (HMAC); `fields`: a signature over the decoded fields. */
  coverage: "body" | "fields" | "none";
  /** The header that carries the timestamp the signature covers, when there is one. */
  timestampHeader?: string;
  /** Re-signs `body` with a given timestamp (suppliers whose signature covers one). */
  signedAt?(body: string, timestamp: string): RawCallback;
}

/** A simulator with an adapter factory pointed at it. */
export interface RunningTarget {
  name: string;
  /** A fresh adapter (its own token cache) for the simulator. */
  createAdapter(): SupplierAdapter;
  /** One valid order per kind the adapter takes, ids unique to this run. */
  orders: OrderRequest[];
  /** A sku the simulator sells (for getProduct and getStock). */
  sku: string;
  /** A sku the simulator does not know. */
  unknownSku: string;
  /**
   * Keys of the answer fields that hold the vendor's order status. Replacing every one of them
   * with a value the adapter has never seen must give an `unknown` (or `processing`) order.
   */
  statusKeys: readonly string[];
  /** Every credential the adapter was configured with. */
  secrets: readonly string[];
  /** Signed callbacks, for suppliers that sign them. */
  callbacks?: CallbackFixture;
  /** Signs a (mutated) JSON answer again, for suppliers that sign their answers. */
  resignAnswer?(document: unknown): unknown;
  /** Resolves when the simulator has settled every order it holds. */
  idle(): Promise<void>;
  /** Makes the simulator report `raw`, a status no adapter knows, for an order. */
  setRawOrderStatus(merchantOrderId: string, raw: string): void;
  /** The simulator behind the adapter, for scripting faults (the secret-leak audit drives them). */
  simulator: FaultableSimulator;
  close(): Promise<void>;
}

/** A fault as every simulator's `injectFault` takes it (each narrows `kind` to its own kinds). */
export interface ScriptableFault {
  kind: string;
  method?: string;
  times?: number;
  delayMs?: number;
}

/** What the audit needs of a simulator: scripted faults, balance, and (Reloadly) token expiry. */
export interface FaultableSimulator {
  injectFault(fault: ScriptableFault): void;
  clearFaults(): void;
  /** Sets the balance; its unit differs per vendor (Chengquan counts 分 as a number). */
  setBalance(amount: never): void;
  expireTokens?(): void;
}

/** How a target is started: with the simulators' default credentials or with sentinel ones. */
export interface TargetStartOptions {
  /** Credentials to configure the simulator and the adapter with (the audit's sentinels). */
  sentinels?: boolean;
}

export interface AdapterTarget {
  name: string;
  /** The sentinel credentials used when started with `{ sentinels: true }`. */
  sentinels: Readonly<Record<string, string>>;
  start(options?: TargetStartOptions): Promise<RunningTarget>;
}

let orderCounter = 0;
/** An order id every supplier accepts: 8-32 letters and digits, unique within the process. */
export function freshOrderId(prefix: string): string {
  orderCounter += 1;
  return `${prefix}${Date.now().toString(36)}${orderCounter}`
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, 32)
    .padEnd(8, "0");
}

function orders(prefix: string, inputs: ReadonlyArray<Omit<OrderRequestInput, "merchantOrderId">>) {
  return inputs.map((input) =>
    OrderRequestSchema.parse({ ...input, merchantOrderId: freshOrderId(`${prefix}${input.kind}`) }),
  );
}

const fast = { pollIntervalMs: 20, notFoundGraceMs: 200 } as const;

const fuluSentinels = {
  appKey: "SENTINEL-FULU-APPKEY-7f3a",
  // Fulu's AppSecret is also the AES-256 key of card codes: exactly 32 characters.
  appSecret: "SENTINEL-FULU-SECRET-7f3a9c21e0d",
} as const;

export const fuluTarget: AdapterTarget = {
  name: "fulu",
  sentinels: fuluSentinels,
  async start(options = {}) {
    const simulator = createFuluSimulator({
      settleAfterMs: 10,
      ...(options.sentinels ? fuluSentinels : {}),
    });
    await simulator.start();
    const url = simulator.url;
    const credentials = { appKey: simulator.appKey, appSecret: simulator.appSecret };
    return {
      name: "fulu",
      createAdapter: () => createFuluAdapter({ ...credentials, endpoint: url, ...fast }),
      orders: orders("fu", [
        { kind: "direct", sku: "10000001", account: "player-1" },
        { kind: "card", sku: "10000002", quantity: 2 },
        { kind: "mobile", account: "13800138000", faceValue: { amount: "100", currency: "CNY" } },
      ]),
      sku: "10000002",
      unknownSku: "99999999",
      statusKeys: ["order_state", "order_status"],
      secrets: [credentials.appKey, credentials.appSecret],
      resignAnswer: (document) => {
        // Fulu signs the `result` string (§1.4): a mutated result is signed again so that the
        // mutation reaches the parsing behind the signature check.
        if (typeof document !== "object" || document === null || Array.isArray(document)) return document;
        const envelope = document as Record<string, unknown>;
        if (typeof envelope.result !== "string" || typeof envelope.sign !== "string" || envelope.sign === "")
          return document;
        return { ...envelope, sign: fuluSign(envelope.result, credentials.appSecret) };
      },
      callbacks: {
        coverage: "fields",
        signed: true,
        build: (merchantOrderId, outcome) => {
          const signed = signCallback(
            "fulu",
            {
              order_id: "22113024595794711936",
              charge_finish_time: "2026-11-24 12:00:00",
              customer_order_no: merchantOrderId,
              order_status: outcome,
              recharge_description: outcome === "success" ? "充值成功" : "充值失败",
              product_id: "10000002",
              price: "98.5000",
              buy_num: "1",
              operator_serial_number: "",
            },
            { appSecret: credentials.appSecret },
          );
          return { body: signed.body, headers: signed.headers };
        },
      },
      idle: () => simulator.idle(),
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      simulator,
      close: () => simulator.close(),
    };
  },
};

const juheSentinels = { appKey: "SENTINEL-JUHE-APPKEY-7f3a", openId: "SENTINEL-JUHE-OPENID-7f3a" } as const;

export const juheTarget: AdapterTarget = {
  name: "juhe",
  sentinels: juheSentinels,
  async start(options = {}) {
    const simulator = createJuheSimulator({ settleAfterMs: 10, ...(options.sentinels ? juheSentinels : {}) });
    await simulator.start();
    const url = simulator.url;
    return {
      name: "juhe",
      createAdapter: () =>
        createJuheAdapter({ key: simulator.appKey, openId: simulator.openId, endpoint: url, ...fast }),
      orders: orders("jh", [
        { kind: "mobile", account: "13800138000", faceValue: { amount: "100", currency: "CNY" } },
      ]),
      sku: "100",
      unknownSku: "7",
      statusKeys: ["game_state", "sta"],
      secrets: [simulator.appKey, simulator.openId],
      callbacks: {
        coverage: "fields",
        signed: true,
        build: (merchantOrderId, outcome) => {
          const signed = signCallback(
            "juhe",
            { sporder_id: "J000001", orderid: merchantOrderId, sta: outcome === "success" ? "1" : "9" },
            { key: simulator.appKey },
          );
          return { body: signed.body, headers: signed.headers };
        },
      },
      idle: () => simulator.idle(),
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      simulator,
      close: () => simulator.close(),
    };
  },
};

const ofpaySentinels = {
  userId: "A7f3a_SENTINEL_OFPAY_USER",
  password: "SENTINEL-OFPAY-PASSWORD-7f3a",
  keyStr: "SENTINEL-OFPAY-KEYSTR-7f3a",
} as const;

export const ofpayTarget: AdapterTarget = {
  name: "ofpay",
  sentinels: ofpaySentinels,
  async start(options = {}) {
    const simulator = createOfpaySimulator({
      settleAfterMs: 10,
      slowSettleAfterMs: 20,
      ...(options.sentinels ? ofpaySentinels : {}),
    });
    await simulator.start();
    const url = simulator.url;
    return {
      name: "ofpay",
      createAdapter: () =>
        createOfpayAdapter({
          userId: simulator.userId,
          password: simulator.password,
          keyStr: simulator.keyStr,
          endpoint: url,
          ...fast,
        }),
      orders: orders("of", [
        {
          kind: "mobile",
          account: "13800138000",
          faceValue: { amount: "100", currency: "CNY" },
          sku: "140101",
        },
      ]),
      sku: "140101",
      unknownSku: "999999",
      statusKeys: ["game_state", "ret_code"],
      // userpws = md5(password) is what the wire carries: as good as the password itself.
      secrets: [simulator.userId, simulator.password, simulator.userpws, simulator.keyStr],
      callbacks: {
        // OFPay's callbacks are unsigned (§5 [?]): they only trigger a query.
        coverage: "none",
        signed: false,
        build: (merchantOrderId, outcome) => ({
          body: new URLSearchParams({
            ret_code: outcome === "success" ? "1" : "9",
            sporder_id: merchantOrderId,
            ordersuccesstime: "20261124120000",
            err_msg: outcome === "success" ? "" : "充值失败",
          }).toString(),
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
      },
      idle: () => simulator.idle(),
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      simulator,
      close: () => simulator.close(),
    };
  },
};

const chengquanSentinels = {
  appId: "10000007f3a",
  appKey: "SENTINEL-CHENGQUAN-APPKEY-7f3a",
  // AES-128-CBC: 16 bytes each.
  aesKey: "SNTL-CQ-AESK-7f3",
  aesIv: "SNTL-CQ-AESIV-7f",
} as const;

export const chengquanTarget: AdapterTarget = {
  name: "chengquan",
  sentinels: chengquanSentinels,
  async start(options = {}) {
    const simulator = createChengquanSimulator({
      settleAfterMs: 10,
      ...(options.sentinels ? chengquanSentinels : {}),
    });
    await simulator.start();
    const url = simulator.url;
    const aesKey = Buffer.from(simulator.aesKey).toString("utf8");
    const aesIv = Buffer.from(simulator.aesIv).toString("utf8");
    return {
      name: "chengquan",
      createAdapter: () =>
        createChengquanAdapter({
          appId: simulator.appId,
          appKey: simulator.appKey,
          aesKey,
          aesIv,
          endpoint: url,
          ...fast,
        }),
      orders: orders("cq", [
        { kind: "card", sku: "10010001" },
        { kind: "direct", sku: "20001", account: "player-1" },
        { kind: "mobile", account: "13800138000", faceValue: { amount: "50", currency: "CNY" } },
      ]),
      sku: "10010001",
      unknownSku: "99999999",
      statusKeys: ["state", "status", "order_status", "recharge_state"],
      secrets: [simulator.appKey, aesKey, aesIv],
      callbacks: {
        coverage: "fields",
        signed: true,
        build: (merchantOrderId, outcome) => {
          const signed = signCallback(
            "chengquan",
            {
              app_id: simulator.appId,
              timestamp: "1764000000",
              order_no: merchantOrderId,
              state: outcome === "success" ? "SUCCESS" : "FAILURE",
            },
            { appKey: simulator.appKey },
          );
          return { body: signed.body, headers: signed.headers };
        },
      },
      idle: () => simulator.idle(),
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      simulator,
      close: () => simulator.close(),
    };
  },
};

const reloadlySentinels = {
  clientId: "SENTINEL-RELOADLY-CLIENTID-7f3a",
  clientSecret: "SENTINEL-RELOADLY-CLIENTSECRET-7f3a",
  webhookSecret: "SENTINEL-RELOADLY-WEBHOOK-7f3a",
} as const;

function reloadlyTarget(product: "airtime" | "giftcards"): AdapterTarget {
  const name = `reloadly-${product}`;
  return {
    name,
    sentinels: reloadlySentinels,
    async start(options = {}) {
      const simulator = createReloadlySimulator({
        settleAfterMs: 10,
        giftOrdersSettleLater: true,
        // A fuzz run re-uses one number many times; the recent-recharge refusal would hide the answers.
        recentRechargeWindowMs: 0,
        ...(options.sentinels ? reloadlySentinels : {}),
      });
      await simulator.start();
      const urls = { auth: simulator.urls.auth, api: simulator.urls[product] };
      const webhookSecret = simulator.webhookSecret;
      const signedAt = (body: string, timestamp: string): RawCallback => {
        const signed = signCallback("reloadly", JSON.parse(body) as Record<string, unknown>, {
          webhookSecret,
          timestamp,
        });
        return { body: signed.body, headers: signed.headers };
      };
      return {
        name,
        createAdapter: () =>
          createReloadlyAdapter({
            clientId: simulator.clientId,
            clientSecret: simulator.clientSecret,
            environment: "sandbox",
            product,
            endpoints: urls,
            webhookSecrets: [webhookSecret],
            topupMode: "async",
            ...fast,
          }),
        orders:
          product === "airtime"
            ? orders("rla", [
                {
                  kind: "mobile",
                  account: "+2348031234567",
                  faceValue: { amount: "5.00", currency: "USD" },
                  sku: "341",
                },
              ])
            : orders("rlg", [{ kind: "card", sku: "120", quantity: 2 }]),
        sku: product === "airtime" ? "341" : "120",
        unknownSku: "999999",
        statusKeys: ["status"],
        secrets: [simulator.clientId, simulator.clientSecret, webhookSecret],
        callbacks: {
          coverage: "body",
          signed: true,
          timestampHeader: "x-reloadly-request-timestamp",
          signedAt,
          build: (merchantOrderId, outcome) => {
            const transaction =
              product === "airtime"
                ? {
                    transactionId: 4602843,
                    customIdentifier: merchantOrderId,
                    operatorId: 341,
                    recipientPhone: 2348031234567,
                  }
                : {
                    transactionId: 4602843,
                    customIdentifier: merchantOrderId,
                    product: { productId: 120, quantity: 1 },
                  };
            const body = JSON.stringify({
              type: product === "airtime" ? "airtime_transaction.status" : "giftcard_transaction.status",
              data: {
                transaction: { ...transaction, status: outcome === "success" ? "SUCCESSFUL" : "FAILED" },
              },
            });
            return signedAt(body, String(Date.now()));
          },
        },
        idle: () => simulator.idle(),
        setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
        simulator,
        close: () => simulator.close(),
      };
    },
  };
}

export const reloadlyAirtimeTarget = reloadlyTarget("airtime");
export const reloadlyGiftCardsTarget = reloadlyTarget("giftcards");

const dtoneSentinels = {
  apiKey: "SENTINEL-DTONE-APIKEY-7f3a",
  apiSecret: "SENTINEL-DTONE-APISECRET-7f3a",
} as const;

export const dtoneTarget: AdapterTarget = {
  name: "dtone",
  sentinels: dtoneSentinels,
  async start(options = {}) {
    const simulator = createDtoneSimulator({
      settleAfterMs: 10,
      sandboxDelaysMs: { 1: 20, 2: 30, 3: 40 },
      reversalAfterMs: 10,
      ...(options.sentinels ? dtoneSentinels : {}),
    });
    await simulator.start();
    const url = simulator.url;
    return {
      name: "dtone",
      createAdapter: () =>
        createDtoneAdapter({
          apiKey: simulator.apiKey,
          apiSecret: simulator.apiSecret,
          environment: "sandbox",
          endpoint: url,
          ...fast,
        }),
      orders: orders("dt", [
        { kind: "direct", sku: "10004", account: "53012345678" },
        { kind: "card", sku: "10003" },
        {
          kind: "mobile",
          account: "+6281234567890",
          faceValue: { amount: "75000", currency: "IDR" },
          sku: "10002",
        },
      ]),
      sku: "10002",
      unknownSku: "99999",
      statusKeys: ["status.message", "status.class.message", "status.id", "status.class.id"],
      secrets: [simulator.apiKey, simulator.apiSecret, basic(simulator.apiKey, simulator.apiSecret)],
      callbacks: {
        // DT One's callbacks are unsigned (§3 [?]): they only trigger a query.
        coverage: "none",
        signed: false,
        build: (merchantOrderId, outcome) => ({
          body: JSON.stringify({
            id: 1795547237454001,
            external_id: merchantOrderId,
            status: {
              id: outcome === "success" ? 70000 : 90000,
              message: outcome === "success" ? "COMPLETED" : "DECLINED",
              class: {
                id: outcome === "success" ? 7 : 9,
                message: outcome === "success" ? "COMPLETED" : "DECLINED",
              },
            },
          }),
          headers: { "content-type": "application/json" },
        }),
      },
      idle: () => simulator.idle(),
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      simulator,
      close: () => simulator.close(),
    };
  },
};

const tangoSentinels = {
  platformName: "SENTINEL-TANGO-PLATFORM-7f3a",
  platformKey: "SENTINEL-TANGO-PLATFORMKEY-7f3a",
} as const;

export const tangoTarget: AdapterTarget = {
  name: "tango",
  sentinels: tangoSentinels,
  async start(options = {}) {
    const simulator = createTangoSimulator({
      settleAfterMs: 10,
      ...(options.sentinels ? tangoSentinels : {}),
    });
    await simulator.start();
    const url = simulator.url;
    return {
      name: "tango",
      createAdapter: () =>
        createTangoAdapter({
          platformName: simulator.platformName,
          platformKey: simulator.platformKey,
          environment: "sandbox",
          endpoint: url,
          customerIdentifier: simulator.customerIdentifier,
          accountIdentifier: simulator.accountIdentifier,
          ...fast,
        }),
      orders: orders("tg", [{ kind: "card", sku: "U100001" }]),
      sku: "U100001",
      unknownSku: "U999999",
      statusKeys: ["status"],
      secrets: [
        simulator.platformName,
        simulator.platformKey,
        basic(simulator.platformName, simulator.platformKey),
      ],
      idle: () => simulator.idle(),
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      simulator,
      close: () => simulator.close(),
    };
  },
};

const dingSentinels = { apiKey: "SENTINEL-DING-APIKEY-7f3a" } as const;

export const dingTarget: AdapterTarget = {
  name: "ding",
  sentinels: dingSentinels,
  async start(options = {}) {
    const simulator = createDingSimulator({ settleAfterMs: 10, ...(options.sentinels ? dingSentinels : {}) });
    await simulator.start();
    const url = simulator.url;
    return {
      name: "ding",
      createAdapter: () => createDingAdapter({ apiKey: simulator.apiKey, endpoint: url, ...fast }),
      orders: orders("dg", [
        {
          kind: "mobile",
          account: "+919812345678",
          faceValue: { amount: "5.00", currency: "USD" },
          sku: "IN_AT_TopUp",
        },
      ]),
      sku: "IN_AT_TopUp",
      unknownSku: "XX_NO_SUCH_SKU",
      statusKeys: ["ProcessingState"],
      secrets: [simulator.apiKey],
      idle: () => simulator.idle(),
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      simulator,
      close: () => simulator.close(),
    };
  },
};

const bitrefillSentinels = { apiKey: "SENTINEL-BITREFILL-APIKEY-7f3a" } as const;

export const bitrefillTarget: AdapterTarget = {
  name: "bitrefill",
  sentinels: bitrefillSentinels,
  async start(options = {}) {
    const simulator = createBitrefillSimulator({
      settleAfterMs: 10,
      ...(options.sentinels ? bitrefillSentinels : {}),
    });
    await simulator.start();
    const url = simulator.url;
    return {
      name: "bitrefill",
      createAdapter: () =>
        createBitrefillAdapter({ auth: { bearer: simulator.apiKey }, endpoint: url, ...fast }),
      orders: orders("br", [
        { kind: "card", sku: "test-gift-card-code<&>10" },
        {
          kind: "mobile",
          account: "+15555550100",
          faceValue: { amount: "10", currency: "USD" },
          sku: "test-phone-refill<&>10",
        },
      ]),
      sku: "test-gift-card-code<&>10",
      unknownSku: "no-such-product",
      statusKeys: ["status", "payment_status", "delivery_status"],
      secrets: [simulator.apiKey],
      callbacks: {
        // Bitrefill's webhooks are unsigned (§8): they only trigger a query.
        coverage: "none",
        signed: false,
        build: (merchantOrderId, outcome) => ({
          body: JSON.stringify({
            id: "inv_f424139fde",
            status: outcome === "success" ? "complete" : "denied",
            reference: merchantOrderId,
          }),
          headers: { "content-type": "application/json" },
        }),
      },
      idle: () => simulator.idle(),
      setRawOrderStatus: (merchantOrderId, raw) => simulator.setRawOrderState(merchantOrderId, raw),
      simulator,
      close: () => simulator.close(),
    };
  },
};

/** HTTP Basic credentials as they travel in the Authorization header. */
function basic(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`, "utf8").toString("base64");
}

/** Every adapter kaquan ships. */
export const adapterTargets: readonly AdapterTarget[] = [
  fuluTarget,
  juheTarget,
  ofpayTarget,
  chengquanTarget,
  reloadlyAirtimeTarget,
  reloadlyGiftCardsTarget,
  dtoneTarget,
  tangoTarget,
  dingTarget,
  bitrefillTarget,
];
