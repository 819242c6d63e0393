/**
 * The specification of a form-or-query, MD5-signed supplier protocol — the family most Chinese
 * recharge and card platforms speak (Juhe, OFPay, Chengquan and the long tail of vertical
 * platforms). `defineSignedFormAdapter(spec)` turns one into a full adapter; the spec is data,
 * checked when it is defined, so a merchant connects a new platform with configuration.
 *
 * Values inside a spec are written as small expressions:
 * - `"$request.merchantOrderId"`, `"$request.account"`, `"$request.sku"`, `"$request.quantity"`,
 *   `"$request.faceValue"`, `"$request.accountFields.region"`, `"$request.passThrough"`;
 * - `"$credential.key"` (a credential passed when the adapter is created);
 * - `"$option.notifyUrl"` (a non-secret option passed when the adapter is created);
 * - `"$timestamp"` (now, in the spec's `timestampFormat`); `"$merchantOrderId"` (the order being queried);
 * - `"$input.phone"` (a value passed to `adapter.invoke` for an extra operation);
 * - anything not starting with `$` is a literal (`"6.0"`);
 * and may end in pipes: `"$request.faceValue|fen"` (amount in 分), `|yuan` (decimal 元),
 * `|yuan-integer` (whole 元), `|md5`, `|upper`, `|lower`.
 */
import { z } from "zod";

const orderStatus = z.enum([
  "processing",
  "succeeded",
  "partially_succeeded",
  "failed",
  "reversed",
  "unknown",
]);
const meaning = z.enum([
  "insufficient_balance",
  "out_of_stock",
  "invalid_account",
  "product_unavailable",
  "authentication",
  "bad_request",
  "duplicate_order",
  "order_not_found",
  "rate_limited",
  "system_error",
]);
const expression = z.string().min(1, "an expression must not be empty");

/** How a signature is computed. */
export const signatureRecipeSchema = z.discriminatedUnion("kind", [
  z
    .object({
      /** Plain concatenation of named parts in a fixed order (Juhe, OFPay). */
      kind: z.literal("concat"),
      /**
       * The parts, in order: a parameter or callback field name, or `{ credential: "name" }`.
       * Missing values count as empty strings.
       */
      parts: z
        .array(z.union([z.string().min(1), z.object({ credential: z.string().min(1) }).strict()]))
        .min(1),
      separator: z.string().default(""),
      hash: z.enum(["md5", "sha1", "sha256"]).default("md5"),
      letterCase: z.enum(["lower", "upper"]).default("lower"),
    })
    .strict(),
  z
    .object({
      /** Every parameter except the excluded ones, sorted by name, as `k=v` pairs (Chengquan). */
      kind: z.literal("sorted"),
      exclude: z.array(z.string()).default(["sign"]),
      skipEmpty: z.boolean().default(true),
      keyValueSeparator: z.string().default("="),
      pairSeparator: z.string().default("&"),
      /** Where the secret goes: `format` with `{key}` replaced, e.g. `"&key={key}"`, after or before the pairs. */
      key: z
        .object({
          credential: z.string().min(1),
          placement: z.enum(["suffix", "prefix"]).default("suffix"),
          format: z.string().default("{key}"),
        })
        .strict(),
      hash: z.enum(["md5", "sha1", "sha256"]).default("md5"),
      letterCase: z.enum(["lower", "upper"]).default("upper"),
    })
    .strict(),
]);
export type SignatureRecipe = z.input<typeof signatureRecipeSchema>;

/** Card codes inside a result: where they are and how they are encrypted. */
const cardsSchema = z
  .object({
    /** Path to the array of cards in the result. */
    path: z.string().min(1),
    number: z.string().optional(),
    password: z.string().min(1),
    expiresAt: z.string().optional(),
    /** AES decryption of number and password, with key and IV taken from credentials. */
    aes: z
      .object({
        mode: z.enum(["cbc", "ecb"]),
        keyCredential: z.string().min(1),
        ivCredential: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** How an order is read from a result (or a callback). Paths are dotted (`data.order_no`). */
export const orderMappingSchema = z
  .object({
    merchantOrderId: z.string().min(1).optional(),
    supplierOrderId: z.string().optional(),
    status: z.string().min(1),
    cost: z.string().optional(),
    /** A status table for this mapping, replacing the spec's `statuses` (callbacks often use other codes). */
    statuses: z.record(z.string(), orderStatus).optional(),
    failureMessage: z.string().optional(),
    finishedAt: z.string().optional(),
    cards: cardsSchema.optional(),
  })
  .strict();

const operationSchema = z
  .object({
    method: z.enum(["GET", "POST"]).default("GET"),
    /** Path relative to the base URL. */
    path: z.string().min(1),
    /** Wire parameter name → expression. Parameters whose value is empty are left out unless listed in `keepEmpty`. */
    params: z.record(z.string(), expression),
    keepEmpty: z.array(z.string()).default([]),
    /** Sign the parameters with a named recipe into this parameter. */
    signature: z
      .object({ recipe: z.string().min(1), param: z.string().min(1).default("sign") })
      .strict()
      .optional(),
    /** Path of the interesting part of the answer, under the envelope's result field. Default: the whole result. */
    resultPath: z.string().optional(),
    /** `json` (default): the answer is the spec's envelope. `text`: a plain-text answer, returned as is (extra operations). */
    answer: z.enum(["json", "text"]).default("json"),
  })
  .strict();
export type OperationSpec = z.input<typeof operationSchema>;

const productsSchema = z.discriminatedUnion("source", [
  z
    .object({
      /** A fixed list (suppliers without a catalogue API, e.g. phone recharge by face value). */
      source: z.literal("static"),
      products: z
        .array(
          z
            .object({
              sku: z.string().min(1),
              name: z.string(),
              kind: z.enum(["direct", "card", "mobile"]),
              faceValue: z.string().optional(),
            })
            .strict(),
        )
        .min(1),
    })
    .strict(),
  z
    .object({
      source: z.literal("operation"),
      operation: operationSchema,
      /** Path to the product array in the result. */
      listPath: z.string().default(""),
      sku: z.string().min(1),
      name: z.string().min(1),
      kind: z.union([
        z.enum(["direct", "card", "mobile"]),
        z
          .object({ path: z.string(), values: z.record(z.string(), z.enum(["direct", "card", "mobile"])) })
          .strict(),
      ]),
      price: z.string().optional(),
      faceValue: z.string().optional(),
      saleStatus: z
        .object({
          path: z.string(),
          values: z.record(z.string(), z.enum(["on_sale", "off_sale", "maintenance", "unknown"])),
        })
        .strict()
        .optional(),
    })
    .strict(),
]);

export const signedFormSpecSchema = z
  .object({
    /** Adapter name, e.g. `juhe`. Lower case letters, digits and dashes. */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,31}$/, "name must be 2-32 lower-case letters, digits or dashes"),
    /** Base URLs; `endpoint` at creation overrides them. */
    baseUrl: z.object({ production: z.string().url(), sandbox: z.string().url().optional() }).strict(),
    /** Names of the credentials the adapter needs. All are secret and scrubbed from logs. */
    credentials: z.array(z.string().min(1)).min(1),
    /** Credentials computed from others, e.g. OFPay's `userpws = md5(password)`. */
    derivedCredentials: z.record(z.string(), expression).default({}),
    /** A rule the supplier imposes on order ids, checked before anything is sent. */
    merchantOrderId: z
      .object({ pattern: z.string().min(1), description: z.string().min(1) })
      .strict()
      .optional(),
    /** Names of non-secret options accepted at creation (e.g. `notifyUrl`), with defaults. */
    options: z.record(z.string(), z.string()).default({}),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default("CNY"),
    /** The unit of the supplier's amounts: 元 decimals or integer 分. */
    amountUnit: z.enum(["yuan", "fen"]),
    timestampFormat: z
      .enum(["unix-seconds", "unix-millis", "yyyyMMddHHmmss", "yyyy-MM-dd HH:mm:ss"])
      .default("unix-seconds"),
    /**
     * The charset of requests, answers and callbacks, and of the bytes signatures are computed
     * over: `utf-8` or `gbk` (GBK/GB2312, common on older platforms).
     */
    charset: z.enum(["utf-8", "gbk"]).default("utf-8"),
    signatures: z.record(z.string(), signatureRecipeSchema),
    response: z
      .object({
        codeField: z.string().min(1),
        successCodes: z.array(z.union([z.string(), z.number()])).min(1),
        messageField: z.string().optional(),
        resultField: z.string().optional(),
      })
      .strict(),
    /** Vendor order status → order status. Anything else is `unknown` with the raw value kept. */
    statuses: z.record(z.string(), orderStatus),
    /** Vendor error code → meaning; unknown codes are an unknown outcome (query, then decide). */
    errors: z
      .object({
        codes: z.record(z.string(), meaning),
        messagePatterns: z.array(z.tuple([z.union([z.string(), z.instanceof(RegExp)]), meaning])).default([]),
      })
      .strict(),
    operations: z
      .object({
        placeOrder: z
          .object({
            direct: operationSchema.optional(),
            card: operationSchema.optional(),
            mobile: operationSchema.optional(),
          })
          .strict(),
        /**
         * The status query: one operation, or one per order kind when the supplier queries
         * kinds at different endpoints (the client passes the kind it placed; without it, each
         * is tried in turn).
         */
        queryOrder: z.union([
          operationSchema,
          z
            .object({
              direct: operationSchema.optional(),
              card: operationSchema.optional(),
              mobile: operationSchema.optional(),
            })
            .strict(),
        ]),
        balance: operationSchema
          .extend({ amount: z.string().min(1) })
          .strict()
          .optional(),
        stock: operationSchema
          .extend({
            status: z.string().min(1),
            values: z.record(z.string(), z.enum(["in_stock", "low", "out_of_stock", "unknown"])).optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    /** How orders are read from placement and query answers: one mapping, or one per order kind. */
    order: z.union([
      orderMappingSchema,
      z
        .object({
          direct: orderMappingSchema.optional(),
          card: orderMappingSchema.optional(),
          mobile: orderMappingSchema.optional(),
        })
        .strict(),
    ]),
    /**
     * Further operations of the supplier (availability checks, number lookups, bills), callable
     * as `adapter.invoke(name, input)`; their expressions may read `$input.<name>`.
     */
    extraOperations: z.record(z.string(), operationSchema).default({}),
    products: productsSchema,
    callback: z
      .object({
        format: z.enum(["form", "json"]),
        order: orderMappingSchema,
        /** `signed`: verified with a recipe over the received fields; `refetch`: unsigned, re-queried. */
        verification: z.discriminatedUnion("kind", [
          z
            .object({
              kind: z.literal("signed"),
              recipe: z.string().min(1),
              field: z.string().min(1).default("sign"),
            })
            .strict(),
          z.object({ kind: z.literal("refetch") }).strict(),
        ]),
        /**
         * What is applied: `body` (the verified callback's fields) or `query` (the signature is
         * checked, then the order is re-fetched and the supplier's answer applied). Use `query`
         * when the signature does not cover the status — Juhe's covers only the order ids.
         */
        trust: z.enum(["body", "query"]).default("body"),
        ack: z
          .object({
            accepted: z.string(),
            rejected: z.string().default("fail"),
            contentType: z.string().default("text/plain; charset=utf-8"),
          })
          .strict(),
      })
      .strict()
      .optional(),
    /** How the supplier answers a re-sent order id. */
    duplicateOrderId: z.enum(["replay", "reject", "none"]),
    notFoundGraceMs: z.number().int().nonnegative().default(10_000),
    pollIntervalMs: z.number().int().positive().default(3_000),
  })
  .strict();

/** A signed-form protocol specification, as you write it. */
export type SignedFormAdapterSpec = z.input<typeof signedFormSpecSchema>;
/** A specification after validation and defaults. */
export type ResolvedSignedFormAdapterSpec = z.output<typeof signedFormSpecSchema>;
