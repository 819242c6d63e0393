/**
 * The DT One DVS simulator's catalogue, operators and outcome rule — including the sandbox's
 * last-3-digit scenarios (vendor-protocols.md §3, the DVS spec's "Sandbox" section). Amounts are
 * decimal strings; the simulator writes them as JSON numbers on the wire, as DVS does.
 */
import type { DtoneProductType } from "../../adapters/dtone/dtone-tables.js";

/** The simulator's default API key (the Basic-auth user). Not a real DT One credential. */
export const DTONE_SIMULATOR_API_KEY = "kaquan-dtone-sandbox-key";
/** The simulator's default API secret (the Basic-auth password). Not a real DT One credential. */
export const DTONE_SIMULATOR_API_SECRET = "kaquan-dtone-sandbox-secret-0001";

/** An operator, for products and the mobile-number lookup. */
export interface DtoneSimulatorOperator {
  id: number;
  name: string;
  /** ISO 3166-1 alpha-3, e.g. `SGP`. */
  countryIsoCode: string;
  countryName: string;
  /** E.164 prefixes (with `+`) the lookup resolves to this operator. */
  prefixes: readonly string[];
}

/** Which credit-party field a product requires. */
export type DtoneCreditPartyField = "mobile_number" | "account_number" | "none";

/** One product of the simulated catalogue. */
export interface DtoneSimulatorProduct {
  id: number;
  name: string;
  description?: string | undefined;
  type: DtoneProductType;
  /** DVS service, e.g. `{ id: 1, name: "Mobile" }`. */
  service: { id: number; name: string };
  operatorId: number;
  /** Source currency: what the merchant pays in (the balance currency). */
  sourceUnit: string;
  /** Destination currency: what the beneficiary receives. */
  destinationUnit: string;
  /** Fixed products: the source and destination amounts and the wholesale price (decimal strings). */
  sourceAmount?: string | undefined;
  destinationAmount?: string | undefined;
  wholesaleAmount?: string | undefined;
  /** Ranged products: the source range; the destination range follows from `rate`. */
  sourceMin?: string | undefined;
  sourceMax?: string | undefined;
  /** Ranged products: destination units per one source unit, e.g. `"15000"` (USD → IDR). */
  rate?: string | undefined;
  /** DT One's fee per transaction, in the source currency. Default `"0"`. */
  fee?: string | undefined;
  /** The credit-party field transactions must carry. */
  creditParty: DtoneCreditPartyField;
}

/** Default operators. */
export const defaultDtoneSimulatorOperators: readonly DtoneSimulatorOperator[] = [
  {
    id: 101,
    name: "Singtel Singapore",
    countryIsoCode: "SGP",
    countryName: "Singapore",
    prefixes: ["+659", "+658"],
  },
  {
    id: 102,
    name: "Telkomsel Indonesia",
    countryIsoCode: "IDN",
    countryName: "Indonesia",
    prefixes: ["+62812", "+62811", "+62813"],
  },
  {
    id: 103,
    name: "Globe Philippines",
    countryIsoCode: "PHL",
    countryName: "Philippines",
    prefixes: ["+63917", "+63915"],
  },
  { id: 104, name: "PLN Indonesia", countryIsoCode: "IDN", countryName: "Indonesia", prefixes: [] },
  { id: 105, name: "Steam", countryIsoCode: "USA", countryName: "United States", prefixes: [] },
  { id: 106, name: "Meralco", countryIsoCode: "PHL", countryName: "Philippines", prefixes: [] },
];

/**
 * The default catalogue (source currency USD):
 * - 10001 FIXED_VALUE_RECHARGE, Singtel SGD 10 airtime (mobile), 7.20 + 0.10 fee;
 * - 10002 RANGED_VALUE_RECHARGE, Telkomsel airtime, USD 1–50 → IDR at 15000 (mobile);
 * - 10003 FIXED_VALUE_PIN_PURCHASE, Steam USD 20 gift card (no credit party), 19.00;
 * - 10004 FIXED_VALUE_RECHARGE, PLN IDR 100000 electricity token to a meter number (direct), 6.80 + 0.05;
 * - 10005 RANGED_VALUE_PAYMENT, Meralco bill payment, USD 1–200 → PHP at 56 (direct);
 * - 10006 FIXED_VALUE_RECHARGE, Globe PHP 100 airtime (mobile), 1.85.
 */
export const defaultDtoneSimulatorCatalogue: readonly DtoneSimulatorProduct[] = [
  {
    id: 10001,
    name: "Singtel Singapore 10 SGD",
    type: "FIXED_VALUE_RECHARGE",
    service: { id: 1, name: "Mobile" },
    operatorId: 101,
    sourceUnit: "USD",
    destinationUnit: "SGD",
    sourceAmount: "7.50",
    destinationAmount: "10",
    wholesaleAmount: "7.20",
    fee: "0.10",
    creditParty: "mobile_number",
  },
  {
    id: 10002,
    name: "Telkomsel Indonesia airtime",
    type: "RANGED_VALUE_RECHARGE",
    service: { id: 1, name: "Mobile" },
    operatorId: 102,
    sourceUnit: "USD",
    destinationUnit: "IDR",
    sourceMin: "1",
    sourceMax: "50",
    rate: "15000",
    creditParty: "mobile_number",
  },
  {
    id: 10003,
    name: "Steam Wallet 20 USD",
    description: "Digital gift card code",
    type: "FIXED_VALUE_PIN_PURCHASE",
    service: { id: 4, name: "Gift Cards" },
    operatorId: 105,
    sourceUnit: "USD",
    destinationUnit: "USD",
    sourceAmount: "20",
    destinationAmount: "20",
    wholesaleAmount: "19.00",
    creditParty: "none",
  },
  {
    id: 10004,
    name: "PLN Indonesia electricity 100000 IDR",
    type: "FIXED_VALUE_RECHARGE",
    service: { id: 3, name: "Utilities" },
    operatorId: 104,
    sourceUnit: "USD",
    destinationUnit: "IDR",
    sourceAmount: "7.00",
    destinationAmount: "100000",
    wholesaleAmount: "6.80",
    fee: "0.05",
    creditParty: "account_number",
  },
  {
    id: 10005,
    name: "Meralco bill payment",
    type: "RANGED_VALUE_PAYMENT",
    service: { id: 3, name: "Utilities" },
    operatorId: 106,
    sourceUnit: "USD",
    destinationUnit: "PHP",
    sourceMin: "1",
    sourceMax: "200",
    rate: "56",
    creditParty: "account_number",
  },
  {
    id: 10006,
    name: "Globe Philippines 100 PHP",
    type: "FIXED_VALUE_RECHARGE",
    service: { id: 1, name: "Mobile" },
    operatorId: 103,
    sourceUnit: "USD",
    destinationUnit: "PHP",
    sourceAmount: "1.90",
    destinationAmount: "100",
    wholesaleAmount: "1.85",
    creditParty: "mobile_number",
  },
];

/** One sandbox scenario, chosen by the last two digits of the credit party identifier. */
export interface DtoneSandboxScenario {
  /** The final status (or `SUBMITTED` for a transaction that stays pending). */
  status: string;
  /** A PIN is delivered with COMPLETED (besides PIN-purchase products, which always get one). */
  pin?: boolean;
  /** Reversed (REVERSED) after completing, with a callback. */
  reverse?: boolean;
  /** Stays SUBMITTED until `completeOrder`. */
  pending?: boolean;
  /** Not part of DT One's sandbox: a kaquan simulator extension. */
  extension?: boolean;
}

/**
 * The sandbox scenarios by the **last two digits** of `credit_party_identifier.mobile_number`
 * (or, without one, `account_number`), when the digit before them is 1, 2 or 3 — which sets the
 * delay (`1xx` ≥ 3 s, `2xx` ≥ 20 s, `3xx` ≥ 5 min in DT One's sandbox; see the simulator's
 * `sandboxDelaysMs`). `x00`–`x07` are DT One's own [H]; `x08`–`x10` are kaquan extensions.
 * Any other number completes after `settleAfterMs`; a transaction with no credit party (gift
 * cards) always completes.
 */
export const dtoneSandboxScenarios: Readonly<Record<string, DtoneSandboxScenario>> = {
  "00": { status: "COMPLETED" },
  "01": { status: "COMPLETED", pin: true },
  "02": { status: "DECLINED-INVALID-CREDIT-PARTY" },
  "03": { status: "DECLINED-BARRED-CREDIT-PARTY" },
  "04": { status: "DECLINED-OPERATOR-CURRENTLY-UNAVAILABLE" },
  "05": { status: "DECLINED-DUPLICATED-TRANSACTION" },
  "06": { status: "DECLINED" },
  "07": { status: "DECLINED-EXCEPTION" },
  "08": { status: "COMPLETED", reverse: true, extension: true },
  "09": { status: "SUBMITTED", pending: true, extension: true },
  "10": { status: "REJECTED-INVALID-CREDIT-PARTY", extension: true },
};

/** What the outcome rule sees of a transaction being created. */
export interface DtoneOutcomeInput {
  externalId: string;
  productId: number;
  productType: DtoneProductType;
  mobileNumber?: string | undefined;
  accountNumber?: string | undefined;
}

/** What happens to a transaction once confirmed. */
export interface DtoneSimulatorOutcome {
  /** The final status, e.g. `COMPLETED`, `DECLINED-BARRED-CREDIT-PARTY`; ignored when `pending`. */
  status: string;
  /** Deliver a PIN on COMPLETED (PIN-purchase products always get one). */
  pin?: boolean | undefined;
  /** Reverse after completing (REVERSED, with a callback). */
  reverse?: boolean | undefined;
  /** Stay SUBMITTED until `completeOrder`. */
  pending?: boolean | undefined;
  /** The delay class: the sandbox's leading digit (1, 2, 3), or `settle` for `settleAfterMs`. */
  delay: 1 | 2 | 3 | "settle";
}

/** The default outcome rule: DT One's sandbox suffixes (see {@link dtoneSandboxScenarios}). */
export function dtoneSandboxOutcome(input: DtoneOutcomeInput): DtoneSimulatorOutcome {
  const identifier = input.mobileNumber ?? input.accountNumber;
  const digits = identifier?.replace(/\D/g, "") ?? "";
  if (digits.length >= 3) {
    const lead = digits.slice(-3, -2);
    const scenario = dtoneSandboxScenarios[digits.slice(-2)];
    if (scenario && (lead === "1" || lead === "2" || lead === "3")) {
      return {
        status: scenario.status,
        pin: scenario.pin,
        reverse: scenario.reverse,
        pending: scenario.pending,
        delay: Number(lead) as 1 | 2 | 3,
      };
    }
  }
  return { status: "COMPLETED", delay: "settle" };
}
