/**
 * The Ding Connect simulator's catalogue and outcome rule (vendor-protocols.md §7). Amounts are
 * decimal strings; the simulator writes them as JSON numbers on the wire, as Ding does.
 */

/** The simulator's default API key (the `api_key` header). Not a real Ding credential. */
export const DING_SIMULATOR_API_KEY = "kaquan-ding-sandbox-key-0001";

/** One product of the simulated catalogue. */
export interface DingSimulatorProduct {
  skuCode: string;
  providerCode: string;
  /** `DefaultDisplayText`. */
  name: string;
  /** ISO 3166-1 alpha-2, e.g. `SG`. */
  countryIso: string;
  /** `Instant` products end in the `SendTransfer` answer; `Batch` products answer `Submitted`. */
  processingMode: "Instant" | "Batch";
  /** The distributor's currency: what `SendValue` is in (the balance currency). */
  sendCurrency: string;
  receiveCurrency: string;
  /** The send range (decimal strings, 2 dp); equal for a fixed product. */
  minSend: string;
  maxSend: string;
  /** Receive units per send unit, e.g. `"1.35"` (USD → SGD). */
  rate: string;
  /** `CustomerFee` / `DistributorFee`, in the send currency. Default `"0"`. */
  customerFee?: string | undefined;
  distributorFee?: string | undefined;
  benefits?: readonly string[] | undefined;
  /** Ding's test-only number: transfers to it debit nothing. */
  uatNumber?: string | undefined;
}

/** Default catalogue: two ranged products (one instant, one batch) and one fixed product. */
export const defaultDingSimulatorCatalogue: readonly DingSimulatorProduct[] = [
  {
    skuCode: "SG_SI_TopUp",
    providerCode: "SI_SG",
    name: "Singtel Singapore top-up",
    countryIso: "SG",
    processingMode: "Instant",
    sendCurrency: "USD",
    receiveCurrency: "SGD",
    minSend: "1.00",
    maxSend: "100.00",
    rate: "1.35",
    benefits: ["Mobile", "Minutes"],
    uatNumber: "6500000000",
  },
  {
    skuCode: "IN_AT_TopUp",
    providerCode: "AT_IN",
    name: "Airtel India top-up",
    countryIso: "IN",
    processingMode: "Batch",
    sendCurrency: "USD",
    receiveCurrency: "INR",
    minSend: "1.00",
    maxSend: "50.00",
    rate: "83",
    distributorFee: "0.10",
    benefits: ["Mobile"],
    uatNumber: "910000000000",
  },
  {
    skuCode: "SG_SI_Fixed10",
    providerCode: "SI_SG",
    name: "Singtel Singapore 10 SGD",
    countryIso: "SG",
    processingMode: "Instant",
    sendCurrency: "USD",
    receiveCurrency: "SGD",
    minSend: "7.40",
    maxSend: "7.40",
    rate: "1.3514",
    benefits: ["Mobile"],
  },
];

/** What decides a transfer's fate. */
export interface DingOutcomeInput {
  distributorRef: string;
  skuCode: string;
  accountNumber: string;
}

/**
 * A transfer's fate: `Complete` or `Failed` (with the error code Ding reports), `pending` (stays
 * `Submitted` until `completeOrder`), or `reject` — refused with `errorCode` before any transfer
 * exists (HTTP 400).
 */
export interface DingSimulatorOutcome {
  state: "Complete" | "Failed" | "pending" | "reject";
  errorCode?: string | undefined;
}

/**
 * The simulator's own scenarios by the account number's last 4 digits (Ding's real UAT numbers
 * only ever succeed): `…0002` fails with `ProviderError`; `…0003` stays `Submitted`; `…0004` is
 * refused with `AccountNumberInvalid`. Anything else completes.
 */
export function dingDefaultOutcome(input: DingOutcomeInput): DingSimulatorOutcome {
  if (input.accountNumber.endsWith("0002")) return { state: "Failed", errorCode: "ProviderError" };
  if (input.accountNumber.endsWith("0003")) return { state: "pending" };
  if (input.accountNumber.endsWith("0004")) return { state: "reject", errorCode: "AccountNumberInvalid" };
  return { state: "Complete" };
}
