import type { DeclineCode } from '@bookstore/events';
import type { PaymentProvider } from '../application/provider';

/** The well-known test cards, as payment providers document them. Every other valid number is approved. */
export const testCards: Record<string, DeclineCode> = {
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
};

const approve = 'approve';

/** A deterministic stand-in for a card provider, for local runs and tests. */
export const simulatedProvider: PaymentProvider = {
  vault: (cardNumber) => ({ providerOutcome: testCards[cardNumber] ?? approve }),
  charge: async ({ providerOutcome }) =>
    providerOutcome === approve ? { ok: true } : { ok: false, declineCode: providerOutcome as DeclineCode },
  refund: async () => undefined,
};
