import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { SECRET_MASK, Secret } from "../../src/core/index.js";

describe("Secret", () => {
  it("masks in every printed form and reveals on request", () => {
    const card = new Secret("CP1000250201906121742434441");
    const holder = { card, nested: { list: [card] } };
    expect(String(card)).toBe(SECRET_MASK);
    expect(`${card}`).toBe(SECRET_MASK);
    expect(JSON.stringify(holder)).not.toContain("CP1000");
    expect(inspect(holder, { depth: 10 })).not.toContain("CP1000");
    expect(inspect(card, { showHidden: true })).not.toContain("CP1000");
    expect(card.reveal()).toBe("CP1000250201906121742434441");
    expect(Secret.isSecret(card)).toBe(true);
    expect(Secret.isSecret({ reveal: () => "x" })).toBe(false);
  });
});
