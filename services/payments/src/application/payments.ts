import { randomUUID } from 'node:crypto';
import { contracts, type AnyEvent, type DeclineCode, type EventOf } from '@bookstore/events';
import { claimEventSql, DomainError, encodeOutbox, insertOutboxSql, preparedStatement, WorkInFlightError } from '@bookstore/kit';
import type pg from 'pg';
import type { PaymentView } from '../api/types';
import type { PaymentsDb } from '../infrastructure/database';
import type { PaymentStatus } from '../infrastructure/prisma/client';
import type { ChargeResult, PaymentProvider, VaultedCard } from './provider';

/*
 * The card provider is called outside any transaction, with the order id as its idempotency key, so that no lock is
 * held while it thinks and a crash between its answer and our commit loses nothing: the message comes back, the
 * payment is still PENDING, the provider is asked again with the same key and gives the same answer without charging
 * twice. Each handler is two statements on `pg` around that call, each committing on its own (issue 13: every
 * statement is a round trip and a socket write):
 *
 * 1. Start: make sure the order has a payment row and read what the call needs. OrderPlaced creates it PENDING,
 *    OrderCancelled creates it VOIDED (the cancellation came first: a late OrderPlaced then charges nothing).
 * 2. Finish: claim the event (kit's inbox), move the payment on from the state the call began in, and write the
 *    outbox row; a concurrent duplicate that finished first makes this a no-op.
 *
 * An event with nothing left to do (a duplicate, an order already decided) is claimed by the first statement and
 * ends there. The statuses: PENDING while a charge is in flight, then SETTLED or DECLINED; VOIDED; REFUNDED once a
 * settled payment was given back. A cancellation that finds the charge in flight waits for it (WorkInFlightError,
 * retried by the consumer), so a refund always follows the charge it gives back.
 */

/**
 * Charges an order's payment method and emits PaymentSettled or PaymentDeclined. An order whose
 * cancellation arrived first was voided, and is never charged.
 */
export async function chargeOrder(db: Pick<PaymentsDb, 'pool' | 'outbox'>, provider: PaymentProvider, event: EventOf<'OrderPlaced'>): Promise<void> {
  const { orderId, totalCents } = event.data;
  const charging = await startCharge(db.pool, event);
  if (charging.status !== 'PENDING') return;

  const result: ChargeResult = charging.card
    ? await provider.charge(charging.card, totalCents, orderId)
    : { ok: false, declineCode: 'unknown_payment_method' };
  const outcome = chargeOutcome(event, charging.paymentId, result);
  if (await finishCharge(db.pool, event, outcome)) db.outbox.dispatch([outcome.event]);
}

/**
 * Undoes chargeOrder for a cancelled order: refunds what was settled, once, and emits PaymentRefunded; remembers a
 * cancellation that came before the charge, so that the charge never happens.
 */
export async function refundOrder(
  db: Pick<PaymentsDb, 'pool' | 'outbox'>,
  provider: PaymentProvider,
  event: EventOf<'OrderCancelled'>,
): Promise<void> {
  const { orderId } = event.data;
  const payment = await startRefund(db.pool, event);
  if (payment.status === 'PENDING') throw new WorkInFlightError(`order ${orderId} is being charged; its refund waits for the charge`);
  if (payment.status !== 'SETTLED') return;

  const { paymentId, amountCents, currency } = payment;
  await provider.refund(paymentId, amountCents, refundIdempotencyKey(orderId));
  const refunded = contracts.PaymentRefunded.create({ orderId, paymentId, amountCents, currency }, { correlationId: orderId, causationId: event.id });
  if (await finishRefund(db.pool, event, refunded)) db.outbox.dispatch([refunded]);
}

/** The provider's idempotency key of an order's one refund: its own, since a provider refuses a key reused for another kind of request. */
const refundIdempotencyKey = (orderId: string) => `${orderId}:refund`;

export async function paymentOfOrder(db: PaymentsDb, orderId: string): Promise<PaymentView> {
  const payment = await db.payment.findUnique({ where: { orderId }, include: { refunds: true } });
  if (!payment) throw new DomainError('not_found', 'payment_not_found', `no payment for order ${orderId}`);
  return {
    orderId,
    paymentId: payment.id,
    status: payment.status,
    amountCents: payment.amountCents,
    currency: payment.currency,
    ...(payment.declineCode ? { declineCode: payment.declineCode } : {}),
    settledAt: payment.settledAt?.toISOString() ?? null,
    refunds: payment.refunds.map(({ id, amountCents, createdAt }) => ({ refundId: id, amountCents, at: createdAt.toISOString() })),
  };
}

/**
 * The start of both handlers ($1 order id, $2 the id and $3 the status of a new payment row, $4 event id, $5 event
 * type): make sure the order has a payment row, and claim the event right away when its payment is past the state
 * this handler acts on ($6): that event is a duplicate or has nothing left to do. ON CONFLICT DO UPDATE (writing
 * the status back unchanged) rather than DO NOTHING, because DO NOTHING returns no row.
 */
const startPayment = `
  payment AS (
    INSERT INTO payments (order_id, id, status) VALUES ($1::uuid, $2::uuid, $3::"PaymentStatus")
    ON CONFLICT (order_id) DO UPDATE SET status = payments.status
    RETURNING id, status, amount_cents, currency
  ),
  nothing_to_do AS (
    INSERT INTO processed_events (event_id, type) SELECT $4::uuid, $5 FROM payment WHERE status NOT IN ('PENDING', $6::"PaymentStatus")
    ON CONFLICT (event_id) DO NOTHING
  )`;

const startChargeStatement = preparedStatement(
  'payments.start-charge',
  `WITH ${startPayment}
     SELECT payment.id::text AS "paymentId", payment.status::text AS status, payment_methods.provider_outcome AS "providerOutcome"
     FROM payment LEFT JOIN payment_methods ON payment_methods.id = $7`,
);

/**
 * OrderPlaced's start: creates the payment PENDING (or finds it), and reads the card the order names; a left join,
 * so that a payment method Payments does not know leaves `card` null. PENDING here is a new payment, or one whose
 * charge was interrupted (its outcome comes from the provider's idempotency key).
 */
async function startCharge(
  pool: pg.Pool,
  event: EventOf<'OrderPlaced'>,
): Promise<{ paymentId: string; status: PaymentStatus; card: VaultedCard | null }> {
  const { rows } = await pool.query<{ paymentId: string; status: PaymentStatus; providerOutcome: string | null }>(
    startChargeStatement.with([event.data.orderId, randomUUID(), 'PENDING', event.id, event.type, 'PENDING', event.data.paymentMethodId]),
  );
  const { paymentId, status, providerOutcome } = rows[0]!;
  return { paymentId, status, card: providerOutcome === null ? null : { providerOutcome } };
}

const startRefundStatement = preparedStatement(
  'payments.start-refund',
  `WITH ${startPayment}
     SELECT id::text AS "paymentId", status::text AS status, amount_cents AS "amountCents", currency FROM payment`,
);

/** OrderCancelled's start: creates the payment as the tombstone VOIDED when the order was never placed, or reads what was settled. */
async function startRefund(
  pool: pg.Pool,
  event: EventOf<'OrderCancelled'>,
): Promise<{ paymentId: string; status: PaymentStatus; amountCents: number; currency: string }> {
  const { rows } = await pool.query<{ paymentId: string; status: PaymentStatus; amountCents: number; currency: string }>(
    startRefundStatement.with([event.data.orderId, randomUUID(), 'VOIDED', event.id, event.type, 'SETTLED']),
  );
  return rows[0]!;
}

/** What a charge leaves: the payment's new status, its decline code if any, and the event that reports it. */
interface ChargeOutcome {
  status: 'SETTLED' | 'DECLINED';
  declineCode: DeclineCode | null;
  event: AnyEvent;
}

/** PaymentSettled or PaymentDeclined, caused by the OrderPlaced that was charged. */
function chargeOutcome(placed: EventOf<'OrderPlaced'>, paymentId: string, result: ChargeResult): ChargeOutcome {
  const { orderId, totalCents, currency } = placed.data;
  const origin = { correlationId: orderId, causationId: placed.id };
  return result.ok
    ? {
        status: 'SETTLED',
        declineCode: null,
        event: contracts.PaymentSettled.create({ orderId, paymentId, amountCents: totalCents, currency }, origin),
      }
    : {
        status: 'DECLINED',
        declineCode: result.declineCode,
        event: contracts.PaymentDeclined.create({ orderId, declineCode: result.declineCode }, origin),
      };
}

const finishChargeStatement = preparedStatement(
  'payments.finish-charge',
  `WITH claimed AS (${claimEventSql('$10', '$11')}),
     charged AS (
       UPDATE payments SET status = $2::"PaymentStatus", amount_cents = $3::int, currency = $4, payment_method_id = $5,
         decline_code = $6, settled_at = $7::timestamptz, updated_at = $8::timestamptz
       WHERE order_id = $1::uuid AND status = 'PENDING' AND EXISTS (SELECT FROM claimed)
       RETURNING order_id
     ),
     published AS (${insertOutboxSql('$9')} WHERE EXISTS (SELECT FROM charged))
     SELECT count(*)::int AS charged FROM charged`,
);

/**
 * OrderPlaced's finish: claims the event and records the provider's answer on the still-PENDING payment: the
 * amount, the method, the outcome, and the event in the outbox. False when a concurrent delivery of the event
 * finished first. settled_at and updated_at are the worker's clock, as Prisma set them before.
 */
async function finishCharge(pool: pg.Pool, placed: EventOf<'OrderPlaced'>, outcome: ChargeOutcome): Promise<boolean> {
  const { orderId, totalCents, currency, paymentMethodId } = placed.data;
  const now = new Date();
  const { rows } = await pool.query<{ charged: number }>(
    finishChargeStatement.with([
      orderId,
      outcome.status,
      totalCents,
      currency,
      paymentMethodId,
      outcome.declineCode,
      outcome.status === 'SETTLED' ? now : null,
      now,
      encodeOutbox([outcome.event]),
      placed.id,
      placed.type,
    ]),
  );
  return rows[0]!.charged > 0;
}

const finishRefundStatement = preparedStatement(
  'payments.finish-refund',
  `WITH claimed AS (${claimEventSql('$6', '$7')}),
     refunded_payment AS (
       UPDATE payments SET status = 'REFUNDED', updated_at = $4::timestamptz
       WHERE order_id = $1::uuid AND status = 'SETTLED' AND EXISTS (SELECT FROM claimed)
       RETURNING order_id
     ),
     refund AS (INSERT INTO refunds (id, order_id, amount_cents, created_at) SELECT $2::uuid, order_id, $3::int, $4::timestamptz FROM refunded_payment),
     published AS (${insertOutboxSql('$5')} WHERE EXISTS (SELECT FROM refunded_payment))
     SELECT count(*)::int AS refunded FROM refunded_payment`,
);

/**
 * OrderCancelled's finish: claims the event and, on the still-SETTLED payment, writes the refund row (its unique
 * order id is the last word on refunding once), the payment REFUNDED and the event in the outbox. False when a
 * concurrent delivery finished first. The refund's created_at is the worker's clock, as Prisma set it.
 */
async function finishRefund(pool: pg.Pool, cancelled: EventOf<'OrderCancelled'>, refunded: EventOf<'PaymentRefunded'>): Promise<boolean> {
  const { orderId, amountCents } = refunded.data;
  const { rows } = await pool.query<{ refunded: number }>(
    finishRefundStatement.with([orderId, randomUUID(), amountCents, new Date(), encodeOutbox([refunded]), cancelled.id, cancelled.type]),
  );
  return rows[0]!.refunded > 0;
}
