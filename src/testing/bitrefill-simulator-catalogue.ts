/**
 * The Bitrefill simulator's default catalogue: Bitrefill's test products (§8) — a gift card
 * delivered as a code, one delivered as a link, a phone refill, their `-fail` variants — plus a
 * ranged gift card and the simulator's own `test-gift-card-partial`, whose even units are
 * delivered and odd units fail (quantity 2 or more is a partial delivery).
 */
import type { BitrefillSimulatorProduct, BitrefillUnitOutcome } from "./bitrefill-simulator-types.js";

export const BITREFILL_SIMULATOR_API_KEY = "bitrefill-simulator-key";
export const BITREFILL_SIMULATOR_BUSINESS_ID = "bitrefill-business";
export const BITREFILL_SIMULATOR_BUSINESS_SECRET = "bitrefill-business-secret";

const delivered = (): BitrefillUnitOutcome => "delivered";
const failed = (): BitrefillUnitOutcome => "failed";

export const defaultBitrefillSimulatorCatalogue: readonly BitrefillSimulatorProduct[] = [
  {
    id: "test-gift-card-code",
    name: "Test Gift Card (code)",
    type: "gift_card",
    countryCode: "US",
    currency: "USD",
    inStock: true,
    packages: ["5", "10", "50"],
    priceRate: "1",
    redemption: "code-pin",
    outcome: delivered,
  },
  {
    id: "test-gift-card-link",
    name: "Test Gift Card (link)",
    type: "gift_card",
    countryCode: "US",
    currency: "USD",
    inStock: true,
    packages: ["10"],
    priceRate: "1",
    redemption: "link",
    outcome: delivered,
  },
  {
    id: "test-gift-card-code-fail",
    name: "Test Gift Card (fails)",
    type: "gift_card",
    countryCode: "US",
    currency: "USD",
    inStock: true,
    packages: ["10"],
    priceRate: "1",
    redemption: "code",
    outcome: failed,
  },
  {
    id: "test-gift-card-range",
    name: "Test Gift Card (any value)",
    type: "gift_card",
    countryCode: "EU",
    currency: "EUR",
    inStock: true,
    range: { min: "5", max: "200", step: "0.01" },
    priceRate: "1.1",
    redemption: "code",
    outcome: delivered,
  },
  {
    id: "test-gift-card-partial",
    name: "Test Gift Card (every second unit fails)",
    type: "gift_card",
    countryCode: "US",
    currency: "USD",
    inStock: true,
    packages: ["10"],
    priceRate: "1",
    redemption: "code",
    outcome: (index) => (index % 2 === 0 ? "delivered" : "failed"),
  },
  {
    id: "test-phone-refill",
    name: "Test Phone Refill",
    type: "phone_refill",
    countryCode: "US",
    currency: "USD",
    inStock: true,
    packages: ["5", "10"],
    priceRate: "1",
    redemption: "none",
    outcome: delivered,
  },
  {
    id: "test-phone-refill-fail",
    name: "Test Phone Refill (fails)",
    type: "phone_refill",
    countryCode: "US",
    currency: "USD",
    inStock: true,
    packages: ["10"],
    priceRate: "1",
    redemption: "none",
    outcome: failed,
  },
];
