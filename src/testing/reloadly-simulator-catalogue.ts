/**
 * The Reloadly simulator's credentials, operators, gift-card products and outcome rule. Field
 * names follow Reloadly's operator and product objects (vendor-protocols.md §2.2, §2.3); amounts
 * are decimal strings, never floats.
 */

/** The client id the simulator accepts by default (any value works if you pass your own). */
export const RELOADLY_SIMULATOR_CLIENT_ID = "kaquan-sim-client";
/** The client secret the simulator accepts by default. */
export const RELOADLY_SIMULATOR_CLIENT_SECRET = "kaquan-sim-client-secret-0123456789";
/** The webhook signing secret the simulator signs with by default. */
export const RELOADLY_SIMULATOR_WEBHOOK_SECRET = "kaquan-sim-webhook-signing-secret";

/** One airtime operator. */
export interface ReloadlySimulatorOperator {
  operatorId: number;
  name: string;
  /** ISO 3166 alpha-2. */
  countryCode: string;
  /** The country calling code, to read local numbers (`0803…` → `234803…`). */
  callingCode: string;
  /** Number prefixes (with calling code, digits only) that auto-detect maps to this operator. */
  prefixes: readonly string[];
  /** The account currency amounts are charged in. Default the simulator's balance currency. */
  senderCurrency?: string | undefined;
  /** The recipient's currency. */
  destinationCurrency: string;
  /** Local units per sender unit, a decimal string (e.g. "1500" NGN per USD). */
  fxRate: string;
  denominationType: "FIXED" | "RANGE";
  /** FIXED: the sender amounts offered, with the matching local amounts in `localFixedAmounts`. */
  fixedAmounts?: readonly string[] | undefined;
  localFixedAmounts?: readonly string[] | undefined;
  /** RANGE: sender amount bounds. */
  minAmount?: string | undefined;
  maxAmount?: string | undefined;
  supportsLocalAmounts: boolean;
  /** Whether a top-up answers a `pinDetail` (a PIN operator). */
  pin: boolean;
  /** The merchant's discount in percent of the sender amount, a decimal string. Default "0". */
  discountPercent?: string | undefined;
}

/** One gift-card product. */
export interface ReloadlySimulatorGiftProduct {
  productId: number;
  productName: string;
  brandName: string;
  /** ISO 3166 alpha-2. */
  countryCode: string;
  /** The card's own currency (`unitPrice` is in it). */
  recipientCurrency: string;
  /** The account currency. Default the simulator's balance currency. */
  senderCurrency?: string | undefined;
  denominationType: "FIXED" | "RANGE";
  /** FIXED: the card values, and what each costs in the sender currency (same order). */
  fixedRecipientDenominations?: readonly string[] | undefined;
  fixedSenderDenominations?: readonly string[] | undefined;
  /** RANGE: card value bounds, and sender units per recipient unit. */
  minRecipientDenomination?: string | undefined;
  maxRecipientDenomination?: string | undefined;
  fxRate?: string | undefined;
  /** Sender-currency fee per card. Default "0". */
  senderFee?: string | undefined;
}

/**
 * Default operators:
 * - 341 MTN Nigeria: RANGE 0.50–100.00 USD, local NGN at 1500 per USD, local amounts allowed, 3 % discount;
 * - 535 EE PIN England: FIXED 5/10/20 USD (4/8/16 GBP), a PIN operator, no local amounts.
 */
export const defaultReloadlySimulatorOperators: readonly ReloadlySimulatorOperator[] = [
  {
    operatorId: 341,
    name: "MTN Nigeria",
    countryCode: "NG",
    callingCode: "234",
    prefixes: ["234803", "234806", "234813", "234816", "234703", "234706"],
    destinationCurrency: "NGN",
    fxRate: "1500",
    denominationType: "RANGE",
    minAmount: "0.50",
    maxAmount: "100.00",
    supportsLocalAmounts: true,
    pin: false,
    discountPercent: "3",
  },
  {
    operatorId: 535,
    name: "EE PIN England",
    countryCode: "GB",
    callingCode: "44",
    prefixes: ["447"],
    destinationCurrency: "GBP",
    fxRate: "0.8",
    denominationType: "FIXED",
    fixedAmounts: ["5.00", "10.00", "20.00"],
    localFixedAmounts: ["4.00", "8.00", "16.00"],
    supportsLocalAmounts: false,
    pin: true,
    discountPercent: "2",
  },
];

/**
 * Default gift cards:
 * - 120 Amazon US: one value, 25 USD, 0.50 USD fee per card;
 * - 121 Steam Wallet US: 20, 50 or 100 USD;
 * - 122 Google Play Germany: any value 5–100 EUR at 1.10 USD per EUR.
 */
export const defaultReloadlySimulatorGiftProducts: readonly ReloadlySimulatorGiftProduct[] = [
  {
    productId: 120,
    productName: "Amazon US",
    brandName: "Amazon",
    countryCode: "US",
    recipientCurrency: "USD",
    denominationType: "FIXED",
    fixedRecipientDenominations: ["25.00"],
    fixedSenderDenominations: ["25.00"],
    senderFee: "0.50",
  },
  {
    productId: 121,
    productName: "Steam Wallet US",
    brandName: "Steam",
    countryCode: "US",
    recipientCurrency: "USD",
    denominationType: "FIXED",
    fixedRecipientDenominations: ["20.00", "50.00", "100.00"],
    fixedSenderDenominations: ["20.00", "50.00", "100.00"],
  },
  {
    productId: 122,
    productName: "Google Play Germany",
    brandName: "Google Play",
    countryCode: "DE",
    recipientCurrency: "EUR",
    denominationType: "RANGE",
    minRecipientDenomination: "5.00",
    maxRecipientDenomination: "100.00",
    fxRate: "1.10",
  },
];

/**
 * What happens to a transaction:
 * - `success` / `failed`: it ends so — at once for a sync top-up and a gift-card order, after
 *   `settleAfterMs` for an async top-up;
 * - `slow-success`: it answers PROCESSING and succeeds after `settleAfterMs`, whatever the mode;
 * - `pending`: it stays PROCESSING until `completeOrder`;
 * - `invalid-phone`: refused at order time with `INVALID_RECIPIENT_PHONE`; nothing is created.
 */
export type ReloadlySimulatorOutcome = "success" | "failed" | "slow-success" | "pending" | "invalid-phone";

/** What the outcome rule sees of a transaction being created. */
export interface ReloadlyOutcomeInput {
  product: "airtime" | "giftcards";
  customIdentifier: string;
  /** The recipient phone (airtime), digits only; `""` for gift cards. */
  phone: string;
  operatorId?: number | undefined;
  productId?: number | undefined;
}

/**
 * The default outcome rule — the simulator's magic values:
 * - a phone ending in `2222` is refused (`INVALID_RECIPIENT_PHONE`);
 * - a phone ending in `0000`, or a `customIdentifier` containing `fail`, ends FAILED (refunded);
 * - a phone ending in `1111`, or a `customIdentifier` containing `pending`, stays PROCESSING;
 * - a `customIdentifier` containing `slow` answers PROCESSING and succeeds later;
 * - anything else succeeds.
 */
export function defaultReloadlyOutcome(input: ReloadlyOutcomeInput): ReloadlySimulatorOutcome {
  const id = input.customIdentifier.toLowerCase();
  if (input.phone.endsWith("2222")) return "invalid-phone";
  if (input.phone.endsWith("0000") || id.includes("fail")) return "failed";
  if (input.phone.endsWith("1111") || id.includes("pending")) return "pending";
  if (id.includes("slow")) return "slow-success";
  return "success";
}
