import { z } from "zod";
import { MoneySchema } from "./money.js";
import { ProductKindSchema } from "./product.js";

/**
 * Account fields a direct top-up (直充) may need beyond the account itself. Suppliers name them
 * differently; adapters map these names to their wire fields.
 */
export const AccountFieldsSchema = z
  .object({
    game: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    server: z.string().min(1).optional(),
    role: z.string().min(1).optional(),
    chargeType: z.string().min(1).optional(),
    /** Some game top-ups need the account password. Logged nowhere; sent only to the supplier. */
    password: z.string().min(1).optional(),
    /** The end customer's IP, for region-locked products. */
    customerIp: z.string().min(1).optional(),
    contactQq: z.string().min(1).optional(),
    contactPhone: z.string().min(1).optional(),
  })
  .strict();
export type AccountFields = z.infer<typeof AccountFieldsSchema>;

const merchantOrderIdMessage =
  "merchantOrderId must be 1-64 characters of letters, digits, '-' or '_' (your own stable order number)";

export const OrderRequestSchema = z
  .object({
    /** Your own order number. The same id always means the same order: it is never sent twice. */
    merchantOrderId: z
      .string({ error: merchantOrderIdMessage })
      .regex(/^[A-Za-z0-9_-]{1,64}$/, merchantOrderIdMessage),
    kind: ProductKindSchema,
    /** The supplier's product id. Required for direct and card products. */
    sku: z.string().min(1, "sku must not be empty").optional(),
    quantity: z.number().int("quantity must be a whole number").min(1).max(10_000).default(1),
    /** The account to top up: game account, QQ number, phone number. */
    account: z.string().min(1, "account must not be empty").max(128).optional(),
    accountFields: AccountFieldsSchema.optional(),
    /** Face value to recharge, for mobile (话费) orders that are placed by amount. */
    faceValue: MoneySchema.optional(),
    /** Refuse the order if it would cost more than this. */
    maxCost: MoneySchema.optional(),
    /** An opaque value the supplier passes back (where it supports one). */
    passThrough: z.string().max(128).optional(),
  })
  .strict()
  .superRefine((request, context) => {
    if (request.kind !== "mobile" && request.sku === undefined) {
      context.addIssue({
        code: "custom",
        path: ["sku"],
        message: `a ${request.kind} order needs the supplier sku`,
      });
    }
    if ((request.kind === "direct" || request.kind === "mobile") && request.account === undefined) {
      context.addIssue({
        code: "custom",
        path: ["account"],
        message: `a ${request.kind} order needs the target account (game account or phone number)`,
      });
    }
    if (request.kind === "mobile" && request.sku === undefined && request.faceValue === undefined) {
      context.addIssue({
        code: "custom",
        path: ["faceValue"],
        message: "a mobile order needs either faceValue or a sku",
      });
    }
    if (
      request.kind === "mobile" &&
      request.account !== undefined &&
      !/^\+?\d{5,20}$/.test(request.account)
    ) {
      context.addIssue({
        code: "custom",
        path: ["account"],
        message: "a mobile order's account must be a phone number",
      });
    }
  });

/** What you pass to `placeOrder`. */
export type OrderRequestInput = z.input<typeof OrderRequestSchema>;
/** An order request after validation and defaults. */
export type OrderRequest = z.output<typeof OrderRequestSchema>;
