import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  InsufficientBalanceError,
  isKaquanError,
  KaquanError,
  NoAnswerError,
  RejectedError,
  ResponseSignatureError,
  ValidationError,
} from "../../src/core/index.js";

describe("errors", () => {
  it("carry a stable code, failure class and retry hint", () => {
    const error = new InsufficientBalanceError("low", {
      supplier: "fulu",
      vendorCode: "1006",
      merchantOrderId: "A1",
    });
    expect(error.code).toBe("insufficient_balance");
    expect(error.failureClass).toBe("rejected");
    expect(error.retry).toBe("new-id");
    expect(error.name).toBe("InsufficientBalanceError");
    expect(new NoAnswerError("x").retry).toBe("after-resolve");
    expect(new ResponseSignatureError("x").failureClass).toBe("sent_no_answer");
  });

  it("isInstance follows the class chain and works across package copies", () => {
    const error = new InsufficientBalanceError("low");
    expect(InsufficientBalanceError.isInstance(error)).toBe(true);
    expect(RejectedError.isInstance(error)).toBe(true);
    expect(KaquanError.isInstance(error)).toBe(true);
    expect(ValidationError.isInstance(error)).toBe(false);
    expect(isKaquanError(new Error("plain"))).toBe(false);
    // A copy from another bundle: same brand symbol, different prototype.
    const foreign = Object.create(Error.prototype) as Record<symbol, unknown>;
    Object.defineProperty(foreign, Symbol.for("kaquan.error"), {
      value: ["InsufficientBalanceError", "RejectedError", "KaquanError"],
    });
    expect(InsufficientBalanceError.isInstance(foreign)).toBe(true);
    expect(foreign instanceof InsufficientBalanceError).toBe(false);
  });

  it("serialise an allow-list only", () => {
    const error = new NoAnswerError("no answer", {
      supplier: "fulu",
      httpStatus: 502,
      cause: new Error("inner"),
    });
    const json = JSON.parse(JSON.stringify(error));
    expect(Object.keys(json).sort()).toEqual([
      "code",
      "failureClass",
      "httpStatus",
      "message",
      "name",
      "retry",
      "supplier",
    ]);
    expect(inspect(error)).toContain("NoAnswerError");
  });
});
