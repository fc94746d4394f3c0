import { setTimeout as sleep } from 'node:timers/promises';
import type { DeclineCode } from '@bookstore/events';
import { preparedStatement } from '@bookstore/kit';
import type pg from 'pg';
import type { ChargeResult, PaymentProvider, VaultedCard } from '../application/provider';

/** The well-known test cards, as payment providers document them. Every other valid number is approved. */
export const testCards: Record<string, DeclineCode> = {
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
};

const approve = 'approve';

/** Vaulting needs no records of its own here: the card's outcome is all the simulation keeps. */
export function vaultSimulatedCard(cardNumber: string): VaultedCard {
  return { providerOutcome: testCards[cardNumber] ?? approve };
}

export interface SimulatedProviderOptions {
  /** How long each charge and refund takes to answer, once recorded: a slow provider, or one a crash interrupts. */
  latencyMs?: number;
}

/**
 * A deterministic stand-in for a card provider, for local runs, tests and the demo deployment. Like a real one it
 * keeps its own records (the simulated_provider_* tables, written in statements of their own, never in Payments'
 * transactions) and honours idempotency keys: a request repeated with the same key gets the first answer, and is
 * refused if it asks for something else. It records first and answers after `latencyMs`, so that a process killed
 * while it waits has been charged and does not know it, which is what Payments must survive.
 */
export function simulatedProvider(pool: pg.Pool, { latencyMs = 0 }: SimulatedProviderOptions = {}): PaymentProvider {
  const answerAfterLatency = () => (latencyMs > 0 ? sleep(latencyMs) : undefined);
  return {
    vault: vaultSimulatedCard,
    async charge({ providerOutcome }, amountCents, idempotencyKey): Promise<ChargeResult> {
      const { rows } = await pool.query<{ amount_cents: number; outcome: string }>(
        recordChargeStatement.with([idempotencyKey, amountCents, providerOutcome]),
      );
      const recorded = rows[0]!;
      if (recorded.amount_cents !== amountCents) throw new IdempotencyKeyReusedError(idempotencyKey);
      await answerAfterLatency();
      return recorded.outcome === approve ? { ok: true } : { ok: false, declineCode: recorded.outcome as DeclineCode };
    },
    async refund(paymentId, amountCents, idempotencyKey): Promise<void> {
      const { rows } = await pool.query<{ payment_id: string; amount_cents: number }>(
        recordRefundStatement.with([idempotencyKey, paymentId, amountCents]),
      );
      const recorded = rows[0]!;
      if (recorded.payment_id !== paymentId || recorded.amount_cents !== amountCents) throw new IdempotencyKeyReusedError(idempotencyKey);
      await answerAfterLatency();
    },
  };
}

/** Records a request under its key, or returns what was recorded under it before (DO UPDATE, so that a row comes back). */
const recordChargeStatement = preparedStatement(
  'simulated-provider.charge',
  `INSERT INTO simulated_provider_charges (idempotency_key, amount_cents, outcome) VALUES ($1, $2, $3)
   ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
   RETURNING amount_cents, outcome`,
);

const recordRefundStatement = preparedStatement(
  'simulated-provider.refund',
  `INSERT INTO simulated_provider_refunds (idempotency_key, payment_id, amount_cents) VALUES ($1, $2::uuid, $3)
   ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
   RETURNING payment_id::text, amount_cents`,
);

/** What a real provider answers when a key comes back with a different request: a bug on our side, never retried into a charge. */
export class IdempotencyKeyReusedError extends Error {
  constructor(key: string) {
    super(`the provider already answered idempotency key ${key} for a different request`);
    this.name = 'IdempotencyKeyReusedError';
  }
}
