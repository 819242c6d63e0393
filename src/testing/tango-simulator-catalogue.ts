/**
 * The Tango Card RaaS simulator's catalogue and default credentials. Amounts are decimal
 * strings; the simulator writes them as JSON numbers on the wire, as Tango does.
 */

/** The simulator's default platform name (the Basic-auth user). Not a real Tango credential. */
export const TANGO_SIMULATOR_PLATFORM_NAME = "kaquan-tango-platform";
/** The simulator's default platform key (the Basic-auth password). Not a real Tango credential. */
export const TANGO_SIMULATOR_PLATFORM_KEY = "kaquan-tango-sandbox-key-0001";
/** The simulator's default customer and account identifiers. */
export const TANGO_SIMULATOR_CUSTOMER = "kaquan-customer";
export const TANGO_SIMULATOR_ACCOUNT = "kaquan-account";

/** One catalogue item (a utid) of the simulated catalogue. */
export interface TangoSimulatorItem {
  utid: string;
  brandName: string;
  rewardName: string;
  currencyCode: string;
  valueType: "FIXED_VALUE" | "VARIABLE_VALUE";
  /** Fixed-value items: the face value. */
  faceValue?: string | undefined;
  /** Variable-value items: the range. */
  minValue?: string | undefined;
  maxValue?: string | undefined;
  /** What the credentials look like: a code, a card number + PIN, or a redemption link. */
  credentials: "code" | "card-pin" | "link";
  /** Default "active". */
  status?: "active" | "inactive" | undefined;
}

/** Default catalogue: fixed and variable items of each credential shape. */
export const defaultTangoSimulatorCatalogue: readonly TangoSimulatorItem[] = [
  {
    utid: "U100001",
    brandName: "Amazon.com",
    rewardName: "Amazon.com Gift Card $25",
    currencyCode: "USD",
    valueType: "FIXED_VALUE",
    faceValue: "25.00",
    credentials: "code",
  },
  {
    utid: "U100002",
    brandName: "Amazon.com",
    rewardName: "Amazon.com Gift Card",
    currencyCode: "USD",
    valueType: "VARIABLE_VALUE",
    minValue: "1.00",
    maxValue: "2000.00",
    credentials: "code",
  },
  {
    utid: "U200001",
    brandName: "Visa Prepaid",
    rewardName: "Visa Prepaid Card",
    currencyCode: "USD",
    valueType: "VARIABLE_VALUE",
    minValue: "5.00",
    maxValue: "500.00",
    credentials: "card-pin",
  },
  {
    utid: "U300001",
    brandName: "Tango Choice",
    rewardName: "Reward Link $10",
    currencyCode: "USD",
    valueType: "FIXED_VALUE",
    faceValue: "10.00",
    credentials: "link",
  },
  {
    utid: "U900001",
    brandName: "Retired Brand",
    rewardName: "Retired Brand $50",
    currencyCode: "USD",
    valueType: "FIXED_VALUE",
    faceValue: "50.00",
    credentials: "code",
    status: "inactive",
  },
];
