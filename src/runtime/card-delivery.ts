import type { Card, OrderUpdate } from "../core/index.js";

/**
 * A card order is delivered only when every unit has a non-empty code (failure-modes F24: a
 * "success" with an empty or missing 卡密 issued nothing). Until then a reported success stays
 * `processing`, so the client and the poller fetch the codes again instead of delivering blanks.
 * Empty codes are dropped from the update. Shared by every adapter that returns card codes.
 */
export function guardCardDelivery(update: OrderUpdate, expectedCards: number): OrderUpdate {
  const cards: Card[] = (update.cards ?? []).filter((card) => card.password.reveal().trim().length > 0);
  const complete = cards.length >= Math.max(1, expectedCards) && cards.length === (update.cards ?? []).length;
  const guarded: OrderUpdate = { ...update, cards };
  if (update.status === "succeeded" && update.kind === "card" && !complete) guarded.status = "processing";
  return guarded;
}
