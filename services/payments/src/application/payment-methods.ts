import { randomBytes } from 'node:crypto';
import type { CardDetails, PaymentMethodView } from '../api/types';
import { cardBrand } from '../domain/card';
import type { PaymentsDb } from '../infrastructure/database';
import type { PaymentProvider } from './provider';

/**
 * Hands the card to the provider and keeps only the token, brand and last four digits. The card number
 * and CVC go no further than this function: not to the database, not to a log, not onto the bus.
 */
export async function registerCard(db: PaymentsDb, provider: PaymentProvider, card: CardDetails): Promise<PaymentMethodView> {
  const { providerOutcome } = provider.vault(card.cardNumber);
  const method = await db.paymentMethod.create({
    data: {
      id: `pm_${randomBytes(12).toString('hex')}`,
      brand: cardBrand(card.cardNumber),
      last4: card.cardNumber.slice(-4),
      expMonth: card.expMonth,
      expYear: card.expYear,
      holderName: card.holderName,
      providerOutcome,
    },
  });
  const { id: paymentMethodId, brand, last4, expMonth, expYear } = method;
  return { paymentMethodId, brand, last4, expMonth, expYear };
}
