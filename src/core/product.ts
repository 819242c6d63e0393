import { z } from "zod";
import { MoneySchema } from "./money.js";

/** What kind of goods a product is: a direct top-up (直充), a card code (卡密) or phone credit (话费). */
export const ProductKindSchema = z.enum(["direct", "card", "mobile"]);
export type ProductKind = z.infer<typeof ProductKindSchema>;

/** Whether the supplier sells the product now. `unknown` keeps an unseen vendor value visible. */
export const SaleStatusSchema = z.enum(["on_sale", "off_sale", "maintenance", "unknown"]);
export type SaleStatus = z.infer<typeof SaleStatusSchema>;

/** Stock as a supplier reports it: most only give a level, not a count. */
export const StockStatusSchema = z.enum(["in_stock", "low", "out_of_stock", "unknown"]);
export type StockStatus = z.infer<typeof StockStatusSchema>;

export const ProductSchema = z.object({
  /** The supplier's product id, as a string. */
  sku: z.string().min(1),
  name: z.string(),
  kind: ProductKindSchema,
  /** The face value the end customer receives, when the supplier states one. */
  faceValue: MoneySchema.optional(),
  /** What the merchant pays the supplier for one unit. */
  price: MoneySchema.optional(),
  saleStatus: SaleStatusSchema,
  /** Stock level when the catalogue includes it. */
  stockStatus: StockStatusSchema.optional(),
  /** For direct products: the supplier's template describing the account fields to send. */
  accountTemplateId: z.string().optional(),
  /** The supplier's raw status strings, kept for display and debugging. */
  vendorSaleStatus: z.string().optional(),
  vendorStockStatus: z.string().optional(),
  details: z.string().optional(),
});
export type Product = z.infer<typeof ProductSchema>;

export const StockLevelSchema = z.object({
  sku: z.string(),
  status: StockStatusSchema,
  /** A unit count when the supplier gives one. */
  available: z.number().int().nonnegative().optional(),
  vendorStatus: z.string().optional(),
  /** ISO 8601 time of the check. */
  checkedAt: z.string(),
});
export type StockLevel = z.infer<typeof StockLevelSchema>;

export const BalanceSchema = z.object({
  available: MoneySchema,
  /** Whether the supplier account may place orders, when the supplier says. */
  enabled: z.boolean().optional(),
  accountName: z.string().optional(),
  checkedAt: z.string(),
});
export type Balance = z.infer<typeof BalanceSchema>;

/** Filters for `listProducts`; adapters apply what their supplier supports and ignore the rest. */
export const ProductQuerySchema = z
  .object({
    kind: ProductKindSchema.optional(),
    sku: z.string().optional(),
    name: z.string().optional(),
  })
  .strict();
export type ProductQuery = z.infer<typeof ProductQuerySchema>;

/** One field of a direct product's account template (e.g. game region). */
export const AccountFieldSpecSchema = z.object({
  name: z.string(),
  label: z.string().optional(),
  required: z.boolean(),
  options: z.array(z.string()).optional(),
});
export type AccountFieldSpec = z.infer<typeof AccountFieldSpecSchema>;
