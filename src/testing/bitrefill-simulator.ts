/**
 * An in-process Bitrefill API v2 supplier that speaks the vendor's REST protocol (vendor-protocols.md
 * §8): Bearer (personal) or Basic (business) auth on every endpoint, `/v2/ping`,
 * `/v2/accounts/balance`, `/v2/products` (+ `/search`, `/{id}`), invoices created with
 * `POST /v2/invoices` and paid from the balance (`auto_pay`) or by `POST /v2/invoices/{id}/pay`,
 * listed newest first by `GET /v2/invoices?start&limit`, read by `GET /v2/invoices/{id}`; one order
 * per unit, each `created → delivered | failed | refunded`, and their redemption info only from the
 * authenticated `GET /v2/orders/{id}`. Failed units are refunded to the balance. Webhooks are
 * unsigned POSTs of the invoice object (never with redemption info) to its `webhook_url`.
 *
 * Answers use the `{ meta, data }` envelope; errors are `{ error_code, message }` [?]: 401
 * `unauthorized`, 404 `not_found` / `product_not_found` / `invoice_not_found` / `order_not_found`,
 * 400 `invalid_request` / `invalid_value` / `invalid_package`, 400 `insufficient_balance`,
 * 429 `rate_limited`. The invoice echoes a `reference` field [?] and its `webhook_url`.
 *
 * The scripted faults and inspection API are those of the other simulators; `ledger()` lists the
 * balance movements so a test can prove what was paid. Listens on 127.0.0.1 only; prints nothing.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { addMoney, compareMoney, type Money, money, subtractMoney } from "../core/index.js";
import { systemClock } from "../runtime/clock.js";
import {
  BITREFILL_SIMULATOR_API_KEY,
  BITREFILL_SIMULATOR_BUSINESS_ID,
  BITREFILL_SIMULATOR_BUSINESS_SECRET,
  defaultBitrefillSimulatorCatalogue,
} from "./bitrefill-simulator-catalogue.js";
import type {
  BitrefillCallbackAttempt,
  BitrefillFaultKind,
  BitrefillLedgerEntry,
  BitrefillRequestFaultKind,
  BitrefillSimulatedInvoice,
  BitrefillSimulatedOrder,
  BitrefillSimulator,
  BitrefillSimulatorEndpoint,
  BitrefillSimulatorFault,
  BitrefillSimulatorOptions,
  BitrefillSimulatorProduct,
  BitrefillSimulatorRequestRecord,
  BitrefillUnitOutcome,
} from "./bitrefill-simulator-types.js";
import { callbackRetrySettings, deliverCallback } from "./simulator-callbacks.js";
import {
  FaultQueue,
  type Http500Style,
  QueryLag,
  RequestFaults,
  SHARED_REQUEST_FAULT_KINDS,
  sendRetryAfter,
} from "./simulator-faults.js";
import { SimulatorLifecycle, SimulatorLog } from "./simulator-lifecycle.js";
import { simulatorChecks } from "./simulator-options.js";
import { readBodyOr413, sendMethodNotAllowed, sendResponse } from "./simulator-server.js";

export {
  BITREFILL_SIMULATOR_API_KEY,
  BITREFILL_SIMULATOR_BUSINESS_ID,
  BITREFILL_SIMULATOR_BUSINESS_SECRET,
  defaultBitrefillSimulatorCatalogue,
} from "./bitrefill-simulator-catalogue.js";
export type {
  BitrefillCallbackAttempt,
  BitrefillFaultKind,
  BitrefillLedgerEntry,
  BitrefillRequestFaultKind,
  BitrefillSimulatedInvoice,
  BitrefillSimulatedOrder,
  BitrefillSimulator,
  BitrefillSimulatorEndpoint,
  BitrefillSimulatorFault,
  BitrefillSimulatorOptions,
  BitrefillSimulatorProduct,
  BitrefillSimulatorRequestRecord,
  BitrefillUnitOutcome,
} from "./bitrefill-simulator-types.js";

/** The API's base path: the adapter's `endpoint` is `http://127.0.0.1:<port>/v2`. */
export const BITREFILL_SIMULATOR_BASE_PATH = "/v2";

type Json = Record<string, unknown>;
const JSON_TYPE = "application/json; charset=utf-8";
const SEPARATOR = "<&>";
const HTTP_500: Http500Style = {
  defaultFormat: "json",
  jsonContentType: JSON_TYPE,
  textContentType: "text/plain; charset=utf-8",
};

class BitrefillRejection extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface OrderState extends Omit<BitrefillSimulatedOrder, "price"> {
  price: Money;
  invoice: InvoiceState;
}

interface InvoiceState extends Omit<BitrefillSimulatedInvoice, "price" | "orders"> {
  price: Money;
  orders: OrderState[];
  product: BitrefillSimulatorProduct;
  rawStatus?: string | undefined;
  settleScheduled: boolean;
}

const requestFaultKinds: ReadonlySet<string> = new Set<BitrefillRequestFaultKind>([
  ...SHARED_REQUEST_FAULT_KINDS,
  "rate-limit",
  "vendor-error",
]);
const faultKinds: ReadonlySet<string> = new Set<BitrefillFaultKind>([
  ...(requestFaultKinds as Set<BitrefillFaultKind>),
  "not-found-until",
  "duplicate-callback",
]);

/** Creates (does not start) a Bitrefill simulator. */
export function createBitrefillSimulator(options: BitrefillSimulatorOptions = {}): BitrefillSimulator {
  const checks = simulatorChecks("Bitrefill");
  const apiKey = options.apiKey ?? BITREFILL_SIMULATOR_API_KEY;
  const businessId = options.businessId ?? BITREFILL_SIMULATOR_BUSINESS_ID;
  const businessSecret = options.businessSecret ?? BITREFILL_SIMULATOR_BUSINESS_SECRET;
  const accepted = new Set([
    `Bearer ${apiKey}`,
    `Basic ${Buffer.from(`${businessId}:${businessSecret}`, "utf8").toString("base64")}`,
  ]);
  const clock = options.clock ?? systemClock;
  const currency = options.currency ?? "USD";
  const settleAfterMs = checks.nonNegative(options.settleAfterMs ?? 30, "settleAfterMs");
  const insufficientBalance = options.insufficientBalance ?? "error";
  const listIncludesOrders = options.listIncludesOrders ?? true;
  const callbackRetry = callbackRetrySettings(options, checks.nonNegative);
  let autoSettle = options.autoSettle ?? true;
  let balance = amountOf(options.balance ?? "1000.00", currency);
  const catalogue = new Map((options.catalogue ?? defaultBitrefillSimulatorCatalogue).map((p) => [p.id, p]));

  const invoices: InvoiceState[] = []; // oldest first
  const invoicesById = new Map<string, InvoiceState>();
  const ordersById = new Map<string, OrderState>();
  const lifecycle = new SimulatorLifecycle("Bitrefill");
  const requestLog = new SimulatorLog<BitrefillSimulatorRequestRecord>();
  const callbackLog = new SimulatorLog<BitrefillCallbackAttempt>();
  const ledgerLog = new SimulatorLog<BitrefillLedgerEntry>();
  const faults = new FaultQueue<BitrefillSimulatorFault>();
  const requestFaults = new RequestFaults({
    queue: faults,
    kinds: requestFaultKinds,
    orderOf: (fault) => fault.reference,
    http500: HTTP_500,
    wait: (ms) => lifecycle.wait(ms),
  });
  const lag = new QueryLag();
  let sequence = 0;
  let deliverySequence = 0;

  // ---- state --------------------------------------------------------------------------------

  const nextId = (prefix: string) => {
    sequence += 1;
    return `${prefix}${(1_000_000 + sequence).toString(16)}${Math.floor(clock.now() % 1_000_000).toString(16)}`;
  };

  function ledger(invoice: InvoiceState, movement: "debit" | "refund", amount: Money, orderId?: string) {
    balance = movement === "debit" ? subtractMoney(balance, amount) : addMoney(balance, amount);
    ledgerLog.push({
      reference: invoice.reference,
      invoiceId: invoice.id,
      ...(orderId ? { orderId } : {}),
      movement,
      amount: amount.amount,
      currency: amount.currency,
      balance: balance.amount,
      at: clock.now(),
    });
  }

  function setInvoiceStatus(invoice: InvoiceState, status: string) {
    invoice.status = status;
    invoice.history.push({ status, at: clock.now() });
  }

  const isSettled = (invoice: InvoiceState) =>
    invoice.status !== "complete" || invoice.orders.every((order) => order.status !== "created");

  function snapshot(invoice: InvoiceState): BitrefillSimulatedInvoice {
    const { product: _product, rawStatus: _raw, settleScheduled: _s, ...rest } = invoice;
    return {
      ...rest,
      price: invoice.price.amount,
      history: invoice.history.map((entry) => ({ ...entry })),
      orders: invoice.orders.map(({ invoice: _invoice, ...order }) => ({
        ...order,
        price: order.price.amount,
        ...(order.redemption ? { redemption: { ...order.redemption } } : {}),
      })),
    };
  }

  /** Pays from the balance: the invoice becomes complete and its orders are created. */
  function pay(invoice: InvoiceState): void {
    if (compareMoney(balance, invoice.price) < 0) {
      if (insufficientBalance === "payment-error") {
        setInvoiceStatus(invoice, "payment_error");
        return;
      }
      throw new BitrefillRejection(400, "insufficient_balance", "Insufficient balance");
    }
    ledger(invoice, "debit", invoice.price);
    setInvoiceStatus(invoice, "complete");
    invoice.completedAt = clock.now();
    schedule(invoice);
  }

  function schedule(invoice: InvoiceState): void {
    if (!autoSettle || invoice.settleScheduled || isSettled(invoice) || lifecycle.closed) return;
    if (invoice.orders.every((order) => order.outcome === "pending")) return;
    invoice.settleScheduled = true;
    void lifecycle.wait(settleAfterMs).then((fired) => {
      invoice.settleScheduled = false;
      if (!fired || !autoSettle || isSettled(invoice)) return;
      settle(invoice);
    });
  }

  function settle(invoice: InvoiceState, outcomes?: readonly BitrefillUnitOutcome[]): void {
    invoice.orders.forEach((order, index) => {
      if (order.status !== "created") return;
      const outcome = outcomes?.[index] ?? order.outcome;
      if (outcome === "pending") return;
      order.status = outcome;
      if (outcome === "delivered") {
        order.deliveredAt = clock.now();
        order.redemption = redemptionFor(invoice.product, order.id);
      } else {
        ledger(invoice, "refund", order.price, order.id);
      }
    });
    if (isSettled(invoice)) void dispatch(invoice, "status");
  }

  function redemptionFor(product: BitrefillSimulatorProduct, orderId: string) {
    const code = `BR-${orderId.toUpperCase()}-${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
    switch (product.redemption) {
      case "code":
        return { code };
      case "code-pin":
        return { code, pin: String(Math.floor(1000 + Math.random() * 9000)) };
      case "link":
        return { link: `https://www.bitrefill.com/redeem/${orderId}/${Math.random().toString(36).slice(2)}` };
      default:
        return undefined;
    }
  }

  // ---- JSON ---------------------------------------------------------------------------------

  function productJson(product: BitrefillSimulatorProduct): Json {
    return {
      id: product.id,
      name: product.name,
      type: product.type,
      country_code: product.countryCode,
      currency: product.currency,
      price_currency: currency,
      in_stock: product.inStock,
      recipient_type: product.type === "phone_refill" ? "phone_number" : "none",
      ...(product.packages
        ? {
            packages: product.packages.map((value) => ({
              id: `${product.id}${SEPARATOR}${value}`,
              value: Number(value),
              price: Number(multiplyDecimal(value, product.priceRate)),
            })),
          }
        : {}),
      ...(product.range
        ? {
            range: {
              min: Number(product.range.min),
              max: Number(product.range.max),
              step: Number(product.range.step),
              price_rate: Number(product.priceRate),
            },
          }
        : {}),
    };
  }

  function orderJson(order: OrderState, withRedemption: boolean): Json {
    return {
      id: order.id,
      status: order.status,
      product: {
        id: order.productId,
        name: order.invoice.product.name,
        value: order.value,
        currency: order.currency,
      },
      invoice: { id: order.invoice.id },
      created_time: new Date(order.invoice.createdAt).toISOString(),
      ...(order.deliveredAt ? { delivered_time: new Date(order.deliveredAt).toISOString() } : {}),
      ...(withRedemption && order.status === "delivered" && order.redemption
        ? { redemption_info: { ...order.redemption, instructions: "Redeem at the merchant" } }
        : {}),
    };
  }

  function invoiceJson(invoice: InvoiceState, withOrders = true): Json {
    return {
      id: invoice.id,
      status: invoice.rawStatus ?? invoice.status,
      created_time: new Date(invoice.createdAt).toISOString(),
      ...(invoice.completedAt ? { completed_time: new Date(invoice.completedAt).toISOString() } : {}),
      payment_method: invoice.paymentMethod,
      payment: {
        method: invoice.paymentMethod,
        currency: invoice.currency,
        price: Number(invoice.price.amount),
        status: invoice.status === "complete" ? "paid" : invoice.status,
      },
      ...(invoice.reference !== undefined ? { reference: invoice.reference } : {}),
      ...(invoice.webhookUrl ? { webhook_url: invoice.webhookUrl } : {}),
      ...(withOrders
        ? {
            orders:
              invoice.status === "complete" ? invoice.orders.map((order) => orderJson(order, false)) : [],
          }
        : {}),
    };
  }

  const envelope = (endpoint: string, data: unknown, meta: Json = {}) => ({
    meta: { ...meta, _endpoint: endpoint },
    data,
  });

  // ---- the HTTP front -----------------------------------------------------------------------

  interface Route {
    endpoint: BitrefillSimulatorEndpoint;
    id?: string;
  }

  const routes: ReadonlyArray<readonly [RegExp, "GET" | "POST", (captures: string[]) => Route]> = [
    [/^\/ping$/, "GET", () => ({ endpoint: "ping" })],
    [/^\/accounts\/balance$/, "GET", () => ({ endpoint: "balance" })],
    [/^\/products$/, "GET", () => ({ endpoint: "products" })],
    [/^\/products\/search$/, "GET", () => ({ endpoint: "search" })],
    [/^\/products\/([^/]+)$/, "GET", ([id]) => ({ endpoint: "product", id: safeDecode(id!) })],
    [/^\/invoices$/, "POST", () => ({ endpoint: "createInvoice" })],
    [/^\/invoices$/, "GET", () => ({ endpoint: "invoices" })],
    [/^\/invoices\/([^/]+)\/pay$/, "POST", ([id]) => ({ endpoint: "payInvoice", id: safeDecode(id!) })],
    [/^\/invoices\/([^/]+)$/, "GET", ([id]) => ({ endpoint: "invoice", id: safeDecode(id!) })],
    [/^\/orders\/([^/]+)$/, "GET", ([id]) => ({ endpoint: "order", id: safeDecode(id!) })],
  ];

  function routeOf(method: string, path: string): Route | { allow: string } | undefined {
    if (!path.startsWith(`${BITREFILL_SIMULATOR_BASE_PATH}/`)) return undefined;
    const rest = path.slice(BITREFILL_SIMULATOR_BASE_PATH.length);
    const allowed: string[] = [];
    for (const [pattern, verb, build] of routes) {
      const match = pattern.exec(rest);
      if (!match) continue;
      if (method === verb) return build(match.slice(1));
      allowed.push(verb);
    }
    return allowed.length > 0 ? { allow: allowed.join(", ") } : undefined;
  }

  function referenceOf(route: Route | undefined, body: Json | undefined): string | undefined {
    if (route?.endpoint === "createInvoice")
      return typeof body?.reference === "string" ? body.reference : undefined;
    if (route?.endpoint === "invoice" || route?.endpoint === "payInvoice")
      return invoicesById.get(route.id ?? "")?.reference;
    if (route?.endpoint === "order") return ordersById.get(route.id ?? "")?.invoice.reference;
    return undefined;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on("error", () => {});
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const method = request.method ?? "GET";
    const raw = await readBodyOr413(request, response);
    if (raw === undefined) return;
    const found = routeOf(method, url.pathname);
    const route = found && "endpoint" in found ? found : undefined;
    const body = raw.length > 0 ? parseObject(raw) : undefined;
    const authorization = request.headers.authorization;
    const record: BitrefillSimulatorRequestRecord = {
      endpoint: route?.endpoint ?? "unknown",
      httpMethod: method,
      path: `${url.pathname}${url.search}`,
      authorized: authorization !== undefined && accepted.has(authorization),
      authorization,
      body,
      reference: referenceOf(route, body),
      at: clock.now(),
    };
    requestLog.push(record);
    const reply = (status: number, value: unknown) => {
      record.httpStatus = status;
      sendResponse(response, status, JSON_TYPE, JSON.stringify(value));
    };
    if (found && "allow" in found) {
      record.httpStatus = 405;
      sendMethodNotAllowed(response, found.allow);
      return;
    }
    if (route === undefined) {
      record.errorCode = "not_found";
      reply(404, { error_code: "not_found", message: "Not found" });
      return;
    }
    const exchange = { request, response, record };
    const { fault, finished } = await requestFaults.open(exchange, route.endpoint, record.reference);
    if (finished) return;
    if (fault?.kind === "rate-limit") {
      record.httpStatus = 429;
      record.errorCode = "rate_limited";
      response.setHeader("x-ratelimit-remaining", "0");
      response.setHeader("x-ratelimit-reset", String(Math.ceil(clock.now() / 1000) + 1));
      sendRetryAfter(
        response,
        429,
        JSON_TYPE,
        JSON.stringify({ error_code: "rate_limited", message: "Too many requests" }),
      );
      return;
    }
    if (fault?.kind === "vendor-error") {
      const code = fault.code ?? "internal_error";
      record.errorCode = code;
      reply(fault.httpStatus ?? 500, { error_code: code, message: fault.message ?? "Internal error" });
      return;
    }
    let status = 200;
    let value: unknown;
    if (!record.authorized) {
      status = 401;
      record.errorCode = "unauthorized";
      value = { error_code: "unauthorized", message: "Unauthorized" };
    } else {
      try {
        const answer = run(route, url, body, raw);
        status = answer.status;
        value = answer.value;
      } catch (error) {
        const rejection =
          error instanceof BitrefillRejection
            ? error
            : new BitrefillRejection(500, "internal_error", "Internal error");
        status = rejection.httpStatus;
        record.errorCode = rejection.code;
        value = { error_code: rejection.code, message: rejection.message };
      }
    }
    if (status === 200) {
      await requestFaults.send(fault, exchange, JSON_TYPE, JSON.stringify(value));
      return;
    }
    if (fault?.kind === "commit-then-drop") {
      request.socket.destroy();
      return;
    }
    reply(status, value);
  }

  function run(
    route: Route,
    url: URL,
    body: Json | undefined,
    raw: string,
  ): { status: number; value: unknown } {
    const ok = (value: unknown, status = 200) => ({ status, value });
    switch (route.endpoint) {
      case "ping":
        return ok(envelope("/ping", { message: "pong" }));
      case "balance":
        return ok(envelope("/accounts/balance", { balance: Number(balance.amount), currency }));
      case "products":
      case "search": {
        const query = (url.searchParams.get("q") ?? "").toLowerCase();
        const country = url.searchParams.get("country");
        const type = url.searchParams.get("type");
        const start = wholeNumber(url.searchParams.get("start"), 0);
        const limit = Math.min(50, Math.max(1, wholeNumber(url.searchParams.get("limit"), 50)));
        const list = [...catalogue.values()].filter(
          (product) =>
            (!country || product.countryCode === country) &&
            (!type || product.type === type) &&
            (route.endpoint !== "search" ||
              product.name.toLowerCase().includes(query) ||
              product.id.includes(query)),
        );
        return ok(envelope("/products", list.slice(start, start + limit).map(productJson), { start, limit }));
      }
      case "product": {
        const product = catalogue.get(route.id ?? "");
        if (!product) throw new BitrefillRejection(404, "product_not_found", "Product not found");
        return ok(envelope(`/products/${product.id}`, productJson(product)));
      }
      case "createInvoice":
        if (raw.length > 0 && body === undefined)
          throw new BitrefillRejection(400, "invalid_request", "Bad JSON");
        return ok(envelope("/invoices", invoiceJson(create(body ?? {}))));
      case "invoices": {
        const start = wholeNumber(url.searchParams.get("start"), 0);
        const limit = Math.min(50, Math.max(1, wholeNumber(url.searchParams.get("limit"), 50)));
        const visible = [...invoices]
          .reverse()
          .filter((invoice) => invoice.reference === undefined || !lag.lagging(invoice.reference));
        return ok(
          envelope(
            "/invoices",
            visible.slice(start, start + limit).map((invoice) => invoiceJson(invoice, listIncludesOrders)),
            { start, limit },
          ),
        );
      }
      case "invoice": {
        const invoice = invoicesById.get(route.id ?? "");
        if (!invoice || (invoice.reference !== undefined && lag.lagging(invoice.reference)))
          throw new BitrefillRejection(404, "invoice_not_found", "Invoice not found");
        return ok(envelope(`/invoices/${invoice.id}`, invoiceJson(invoice)));
      }
      case "payInvoice": {
        const invoice = invoicesById.get(route.id ?? "");
        if (!invoice) throw new BitrefillRejection(404, "invoice_not_found", "Invoice not found");
        if (invoice.status !== "unpaid")
          throw new BitrefillRejection(400, "invalid_request", "Invoice is not unpaid");
        pay(invoice);
        return ok(envelope(`/invoices/${invoice.id}/pay`, invoiceJson(invoice)));
      }
      case "order": {
        const order = ordersById.get(route.id ?? "");
        if (order?.invoice.status !== "complete")
          throw new BitrefillRejection(404, "order_not_found", "Order not found");
        return ok(envelope(`/orders/${order.id}`, orderJson(order, true)));
      }
      default:
        throw new BitrefillRejection(404, "not_found", "Not found");
    }
  }

  function create(body: Json): InvoiceState {
    const lines = body.products;
    if (!Array.isArray(lines) || lines.length === 0)
      throw new BitrefillRejection(400, "invalid_request", "products is required");
    const paymentMethod = typeof body.payment_method === "string" ? body.payment_method : "";
    if (!paymentMethod) throw new BitrefillRejection(400, "invalid_request", "payment_method is required");
    const autoPay = body.auto_pay === true;
    if (autoPay && paymentMethod !== "balance")
      throw new BitrefillRejection(400, "invalid_request", "auto_pay is only available with balance");
    const webhookUrl = typeof body.webhook_url === "string" ? body.webhook_url : undefined;
    if (webhookUrl !== undefined && !isUrl(webhookUrl))
      throw new BitrefillRejection(400, "invalid_request", "webhook_url is not a URL");
    const reference = typeof body.reference === "string" ? body.reference : webhookReference(webhookUrl);
    // One product line per invoice is what kaquan sends; several lines are accepted all the same.
    const units: Array<{ product: BitrefillSimulatorProduct; value: string; price: Money }> = [];
    let product: BitrefillSimulatorProduct | undefined;
    for (const line of lines) {
      if (!isObject(line) || typeof line.product_id !== "string")
        throw new BitrefillRejection(400, "invalid_request", "product_id is required");
      const item = catalogue.get(line.product_id);
      if (!item)
        throw new BitrefillRejection(404, "product_not_found", `Product ${line.product_id} not found`);
      if (!item.inStock) throw new BitrefillRejection(400, "out_of_stock", `${item.id} is out of stock`);
      product ??= item;
      const quantity = line.quantity === undefined ? 1 : line.quantity;
      if (typeof quantity !== "number" || !Number.isSafeInteger(quantity) || quantity < 1 || quantity > 100)
        throw new BitrefillRejection(400, "invalid_request", "quantity must be a whole number from 1 to 100");
      const value = unitValue(item, line);
      if (item.type === "phone_refill" && typeof line.phone_number !== "string")
        throw new BitrefillRejection(400, "invalid_phone_number", "phone_number is required");
      const price = amountOf(multiplyDecimal(value, item.priceRate), currency);
      for (let index = 0; index < quantity; index++) units.push({ product: item, value, price });
    }
    const total = units.reduce((sum, unit) => addMoney(sum, unit.price), money("0", currency));
    const invoice: InvoiceState = {
      id: nextId("inv_"),
      ...(reference ? { reference } : {}),
      status: "unpaid",
      paymentMethod,
      autoPay,
      price: total,
      currency,
      ...(webhookUrl ? { webhookUrl } : {}),
      orders: [],
      history: [{ status: "unpaid", at: clock.now() }],
      createdAt: clock.now(),
      product: product!,
      settleScheduled: false,
    };
    invoice.orders = units.map((unit, index) => ({
      id: nextId("ord_"),
      status: "created",
      productId: unit.product.id,
      value: unit.value,
      currency: unit.product.currency,
      price: unit.price,
      outcome: unit.product.outcome(index, units.length),
      invoice,
    }));
    if (autoPay) pay(invoice); // throws (nothing recorded) when the balance cannot cover it
    invoices.push(invoice);
    invoicesById.set(invoice.id, invoice);
    for (const order of invoice.orders) ordersById.set(order.id, order);
    const pending = faults.take(
      (fault) =>
        fault.kind === "not-found-until" && (fault.reference === undefined || fault.reference === reference),
    );
    if (pending && reference) lag.start(reference, pending.queries);
    return invoice;
  }

  function unitValue(product: BitrefillSimulatorProduct, line: Json): string {
    if (typeof line.package_id === "string") {
      const [id, value] = line.package_id.split(SEPARATOR);
      if (id !== product.id || !value || !product.packages?.includes(value))
        throw new BitrefillRejection(400, "invalid_package", `No package ${line.package_id}`);
      return value;
    }
    if (typeof line.value === "number" || typeof line.value === "string") {
      const value = String(line.value);
      if (product.packages?.includes(value)) return value;
      const range = product.range;
      if (!range || !/^\d+(\.\d+)?$/.test(value))
        throw new BitrefillRejection(
          400,
          "invalid_value",
          `Value ${value} is not available for ${product.id}`,
        );
      const amount = amountOf(value, product.currency);
      if (
        compareMoney(amount, amountOf(range.min, product.currency)) < 0 ||
        compareMoney(amount, amountOf(range.max, product.currency)) > 0
      )
        throw new BitrefillRejection(400, "invalid_value", `Value must be from ${range.min} to ${range.max}`);
      return value;
    }
    throw new BitrefillRejection(400, "invalid_request", "package_id or value is required");
  }

  // ---- webhooks -----------------------------------------------------------------------------

  function dispatch(
    invoice: InvoiceState,
    reason: "status" | "manual",
    payload?: Json,
    url?: string,
  ): Promise<BitrefillCallbackAttempt[]> {
    const target = url ?? invoice.webhookUrl;
    if (target === undefined) return Promise.resolve([]);
    const body = payload ?? invoiceJson(invoice);
    const duplicate = faults.take(
      (fault) =>
        fault.kind === "duplicate-callback" &&
        (fault.reference === undefined || fault.reference === invoice.reference),
    );
    const run = async () => {
      const attempts = await deliver(invoice, body, target, reason);
      if (duplicate) attempts.push(...(await deliver(invoice, body, target, "duplicate")));
      return attempts;
    };
    return lifecycle.track(run());
  }

  async function deliver(
    invoice: InvoiceState,
    payload: Json,
    url: string,
    reason: BitrefillCallbackAttempt["reason"],
  ): Promise<BitrefillCallbackAttempt[]> {
    deliverySequence += 1;
    const deliveryId = deliverySequence;
    const body = JSON.stringify(payload);
    const attempts: BitrefillCallbackAttempt[] = [];
    await deliverCallback(
      { url, body, contentType: "application/json" },
      {
        ...callbackRetry,
        // Bitrefill wants a 200 (§8); anything else is retried.
        isAcknowledged: (httpStatus) => httpStatus === 200,
        signal: lifecycle.signal,
        onAttempt(outcome) {
          const attempt: BitrefillCallbackAttempt = {
            ...outcome,
            deliveryId,
            reason,
            reference: invoice.reference,
            invoiceId: invoice.id,
            invoiceStatus: typeof payload.status === "string" ? payload.status : "",
            url,
            contentType: "application/json",
            body,
            at: clock.now(),
          };
          callbackLog.push(attempt);
          attempts.push(attempt);
        },
      },
    );
    return attempts;
  }

  // ---- the public object --------------------------------------------------------------------

  function byReference(reference: string): InvoiceState {
    const invoice = invoices.find((candidate) => candidate.reference === reference);
    if (!invoice) throw new RangeError(`Bitrefill simulator: no invoice for "${reference}"`);
    return invoice;
  }

  const simulator: BitrefillSimulator = {
    ...lifecycle.controls(handle, options),
    get url() {
      return `${lifecycle.running().origin}${BITREFILL_SIMULATOR_BASE_PATH}`;
    },
    get port() {
      return lifecycle.running().port;
    },
    get apiKey() {
      return apiKey;
    },
    get businessId() {
      return businessId;
    },
    get businessSecret() {
      return businessSecret;
    },
    orders: () => invoices.map(snapshot),
    order(reference) {
      const invoice = invoices.find((candidate) => candidate.reference === reference);
      return invoice ? snapshot(invoice) : undefined;
    },
    requests: (endpoint) => requestLog.select("endpoint", endpoint),
    callbacks: (reference) => callbackLog.select("reference", reference),
    ledger: (reference) => ledgerLog.select("reference", reference),
    balance: () => balance.amount,
    setBalance(amount) {
      balance = amountOf(amount, currency);
    },
    products: () => [...catalogue.values()].map((product) => ({ ...product })),
    setRawOrderState(reference, raw) {
      byReference(reference).rawStatus = raw;
    },
    completeOrder(reference, outcomes) {
      const invoice = byReference(reference);
      if (invoice.status !== "complete")
        throw new RangeError(
          `Bitrefill simulator: invoice for "${reference}" is ${invoice.status}, not paid`,
        );
      if (isSettled(invoice))
        throw new RangeError(`Bitrefill simulator: invoice for "${reference}" is settled`);
      settle(invoice, outcomes);
      return snapshot(invoice);
    },
    setAutoSettle(enabled) {
      autoSettle = enabled;
      if (enabled) for (const invoice of invoices) schedule(invoice);
    },
    injectFault(fault) {
      checks.faultKind(faultKinds, fault);
      checks.faultTiming(fault);
      if (fault.kind === "not-found-until" && fault.reference !== undefined) {
        const existing = invoices.find((candidate) => candidate.reference === fault.reference);
        if (existing) {
          lag.start(fault.reference, fault.queries);
          return;
        }
      }
      faults.push(fault);
    },
    pendingFaults: () => faults.pending(),
    clearFaults() {
      faults.clear();
    },
    sendCallback(reference, overrides = {}, callOptions = {}) {
      const invoice = invoices.find((candidate) => candidate.reference === reference);
      if (!invoice)
        return Promise.reject(new RangeError(`Bitrefill simulator: no invoice for "${reference}"`));
      const url = callOptions.url ?? invoice.webhookUrl;
      if (url === undefined)
        return Promise.reject(
          new Error("Bitrefill simulator: the invoice has no webhook_url (pass options.url)"),
        );
      return dispatch(invoice, "manual", { ...invoiceJson(invoice), ...overrides }, url);
    },
  };
  return simulator;
}

// ---- helpers -------------------------------------------------------------------------------------

function webhookReference(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get("kaquan_order_id") ?? undefined;
  } catch {
    return undefined;
  }
}

function amountOf(amount: string, currency: string): Money {
  return money(amount, currency);
}

function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function wholeNumber(text: string | null, fallback: number): number {
  const value = Number(text ?? "");
  return text !== null && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** a × b for decimal strings, rounded half up to 2 places. */
function multiplyDecimal(a: string, b: string): string {
  const scaled = (text: string) => {
    const [whole = "0", fraction = ""] = text.split(".");
    return { units: BigInt(`${whole}${fraction}`), scale: fraction.length };
  };
  const x = scaled(a);
  const y = scaled(b);
  const scale = x.scale + y.scale;
  let units = x.units * y.units;
  if (scale > 2) {
    const divisor = 10n ** BigInt(scale - 2);
    units = (units + divisor / 2n) / divisor;
  } else units *= 10n ** BigInt(2 - scale);
  const text = units.toString().padStart(3, "0");
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}
