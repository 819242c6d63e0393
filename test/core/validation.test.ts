import { describe, expect, it } from "vitest";
import { OrderRequestSchema, parseInput, ValidationError } from "../../src/core/index.js";

describe("order request validation", () => {
  it("names the field and the fix", () => {
    try {
      parseInput(
        OrderRequestSchema,
        { merchantOrderId: "bad id!", kind: "direct", sku: "1" },
        "order request",
      );
      expect.unreachable();
    } catch (error) {
      expect(ValidationError.isInstance(error)).toBe(true);
      const issues = (error as ValidationError).issues;
      expect(issues.map((issue) => issue.path)).toEqual(
        expect.arrayContaining(["merchantOrderId", "account"]),
      );
      expect((error as Error).message).toMatch(/merchantOrderId/);
    }
  });

  it("rejects unknown fields and never echoes values", () => {
    try {
      parseInput(
        OrderRequestSchema,
        {
          merchantOrderId: "A1",
          kind: "card",
          sku: "1",
          accountFields: { password: "hunter2-secret" },
          colour: "red",
        },
        "order request",
      );
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/colour/);
      expect(JSON.stringify(error)).not.toContain("hunter2");
    }
  });

  it("applies defaults", () => {
    const request = parseInput(
      OrderRequestSchema,
      { merchantOrderId: "A1", kind: "card", sku: "1" },
      "order request",
    );
    expect(request.quantity).toBe(1);
  });

  it("requires a phone number for mobile orders", () => {
    expect(() =>
      parseInput(
        OrderRequestSchema,
        {
          merchantOrderId: "A1",
          kind: "mobile",
          account: "abc",
          faceValue: { amount: "10", currency: "CNY" },
        },
        "order request",
      ),
    ).toThrow(/phone number/);
  });
});
