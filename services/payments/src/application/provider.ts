import type { DeclineCode } from '@bookstore/events';

/** What the card vault remembers about a card: enough to charge it, never the number itself. */
export interface VaultedCard {
  /** The simulated provider's stand-in for a real vault: how charges to this card will go. */
  providerOutcome: string;
}

export type ChargeResult = { ok: true } | { ok: false; declineCode: DeclineCode };

/**
 * A card payment provider. A real one (Stripe, Adyen, ...) keeps the card in its vault and takes an
 * idempotency key, so that a charge retried after a crash is never made twice; the order id is that key.
 */
export interface PaymentProvider {
  /** Tokenizes a card at the provider; returns what Payments may store. */
  vault(cardNumber: string): VaultedCard;
  charge(card: VaultedCard, amountCents: number, idempotencyKey: string): Promise<ChargeResult>;
  refund(paymentId: string, amountCents: number, idempotencyKey: string): Promise<void>;
}
