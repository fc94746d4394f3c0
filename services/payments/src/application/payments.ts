import { randomUUID } from 'node:crypto';
import { contracts, type AnyEvent, type DeclineCode, type EventOf } from '@bookstore/events';
import { claimEventSql, DomainError, encodeOutbox, inTransaction, insertOutboxSql, preparedStatement } from '@bookstore/kit';
import type pg from 'pg';
import type { PaymentView } from '../api/types';
import type { PaymentsDb } from '../infrastructure/database';
import type { PaymentStatus } from '../infrastructure/prisma/client';
import type { ChargeResult, PaymentProvider, VaultedCard } from './provider';

/*
 * The two handlers run on `pg` directly, in as few statements as their guarantees allow, because every statement
 * is a round trip and a socket write (issue 13). Each is four at most: BEGIN, one statement that claims the event,
 * locks the order's payment row and reads what the provider needs, one that writes the payment and the outbox,
 * COMMIT. A duplicate, or an order with nothing left to do, ends after the first: three. The provider is called
 * between the two, inside the transaction, with the payment row locked. The event a handler wrote is handed to the
 * outbox's dispatcher once its transaction has committed.
 *
 * The payment row serialises OrderPlaced and OrderCancelled of one order, however they arrive: PENDING only within
 * the transaction of the OrderPlaced that created it, then SETTLED or DECLINED; VOIDED when the cancellation came
 * first (a late OrderPlaced then charges nothing); REFUNDED once a settled payment was given back.
 */

/**
 * Charges an order's payment method and emits PaymentSettled or PaymentDeclined. An order whose
 * cancellation arrived first was voided, and is never charged.
 */
export async function chargeOrder(db: Pick<PaymentsDb, 'pool' | 'outbox'>, provider: PaymentProvider, event: EventOf<'OrderPlaced'>): Promise<void> {
  const { orderId, totalCents } = event.data;
  const written = await inTransaction(db.pool, async (client) => {
    const charging = await lockForCharging(client, event);
    // A duplicate, or an order already charged, declined or voided: nothing to do.
    if (charging?.status !== 'PENDING') return [];

    const result: ChargeResult = charging.card
      ? await provider.charge(charging.card, totalCents, orderId)
      : { ok: false, declineCode: 'unknown_payment_method' };
    const outcome = chargeOutcome(event, charging.paymentId, result);
    await storeCharge(client, event, outcome);
    return [outcome.event];
  });
  db.outbox.dispatch(written);
}

/** Refunds what was settled for a cancelled order, once; remembers a cancellation that came first. */
export async function refundOrder(db: Pick<PaymentsDb, 'pool' | 'outbox'>, provider: PaymentProvider, event: EventOf<'OrderCancelled'>): Promise<void> {
  const { orderId } = event.data;
  const written = await inTransaction(db.pool, async (client) => {
    const payment = await lockForRefunding(client, event);
    // A duplicate, an order not placed yet (now voided), declined, voided or refunded already: nothing to give back.
    if (payment?.status !== 'SETTLED') return [];

    const { paymentId, amountCents, currency } = payment;
    await provider.refund(paymentId, amountCents, orderId);
    const refunded = contracts.PaymentRefunded.create({ orderId, paymentId, amountCents, currency }, { correlationId: orderId, causationId: event.id });
    await storeRefund(client, { orderId, amountCents, event: refunded });
    return [refunded];
  });
  db.outbox.dispatch(written);
}

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
 * The first two CTEs of both lock statements ($1 event id, $2 event type, $3 order id, $4 the id and $5 the status
 * of a new payment row): claim the event (kit's inbox), then, only if it is new, make sure the order has a payment
 * row and lock it. ON CONFLICT DO UPDATE (writing the status back unchanged) rather than DO NOTHING and a
 * SELECT ... FOR UPDATE: within one statement that SELECT reads the statement's snapshot and would miss a row that
 * a concurrent handler of the same order committed meanwhile, whereas DO UPDATE always finds, locks and returns the
 * latest version of the row.
 */
const claimAndLockPayment = `
  claimed AS (${claimEventSql('$1', '$2')}),
  payment AS (
    INSERT INTO payments (order_id, id, status) SELECT $3::uuid, $4::uuid, $5::"PaymentStatus" FROM claimed
    ON CONFLICT (order_id) DO UPDATE SET status = payments.status
    RETURNING id, status, amount_cents, currency
  )`;

const lockForChargingStatement = preparedStatement(
  'payments.lock-for-charging',
  `WITH ${claimAndLockPayment}
     SELECT payment.id::text AS "paymentId", payment.status::text AS status, payment_methods.provider_outcome AS "providerOutcome"
     FROM payment LEFT JOIN payment_methods ON payment_methods.id = $6`,
);

/**
 * OrderPlaced's lock statement: claims the event, creates (PENDING) or locks the payment, and reads the card the
 * order names; a left join, so that a payment method Payments does not know leaves `card` null. Undefined for a
 * duplicate.
 */
async function lockForCharging(
  client: pg.ClientBase,
  event: EventOf<'OrderPlaced'>,
): Promise<{ paymentId: string; status: PaymentStatus; card: VaultedCard | null } | undefined> {
  const { rows } = await client.query<{ paymentId: string; status: PaymentStatus; providerOutcome: string | null }>(
    lockForChargingStatement.with([event.id, event.type, event.data.orderId, randomUUID(), 'PENDING', event.data.paymentMethodId]),
  );
  const [row] = rows;
  if (!row) return undefined;
  const { paymentId, status, providerOutcome } = row;
  return { paymentId, status, card: providerOutcome === null ? null : { providerOutcome } };
}

const lockForRefundingStatement = preparedStatement(
  'payments.lock-for-refunding',
  `WITH ${claimAndLockPayment}
     SELECT id::text AS "paymentId", status::text AS status, amount_cents AS "amountCents", currency FROM payment`,
);

/**
 * OrderCancelled's lock statement: claims the event, creates the payment as the tombstone VOIDED when the order was
 * never placed, or locks it and reads what was settled. Undefined for a duplicate.
 */
async function lockForRefunding(
  client: pg.ClientBase,
  event: EventOf<'OrderCancelled'>,
): Promise<{ paymentId: string; status: PaymentStatus; amountCents: number; currency: string } | undefined> {
  const { rows } = await client.query<{ paymentId: string; status: PaymentStatus; amountCents: number; currency: string }>(
    lockForRefundingStatement.with([event.id, event.type, event.data.orderId, randomUUID(), 'VOIDED']),
  );
  return rows[0];
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
    ? { status: 'SETTLED', declineCode: null, event: contracts.PaymentSettled.create({ orderId, paymentId, amountCents: totalCents, currency }, origin) }
    : { status: 'DECLINED', declineCode: result.declineCode, event: contracts.PaymentDeclined.create({ orderId, declineCode: result.declineCode }, origin) };
}

const storeChargeStatement = preparedStatement(
  'payments.store-charge',
  `WITH published AS (${insertOutboxSql('$9')})
     UPDATE payments SET status = $2::"PaymentStatus", amount_cents = $3::int, currency = $4, payment_method_id = $5,
       decline_code = $6, settled_at = $7::timestamptz, updated_at = $8::timestamptz
     WHERE order_id = $1::uuid`,
);

/**
 * The one write of OrderPlaced, on the payment its lock statement locked: the amount, the method, the outcome, and
 * the event in the outbox. settled_at and updated_at are the worker's clock, as Prisma set them before.
 */
async function storeCharge(client: pg.ClientBase, placed: EventOf<'OrderPlaced'>, outcome: ChargeOutcome): Promise<void> {
  const { orderId, totalCents, currency, paymentMethodId } = placed.data;
  const now = new Date();
  await client.query(
    storeChargeStatement.with([
      orderId,
      outcome.status,
      totalCents,
      currency,
      paymentMethodId,
      outcome.declineCode,
      outcome.status === 'SETTLED' ? now : null,
      now,
      encodeOutbox([outcome.event]),
    ]),
  );
}

const storeRefundStatement = preparedStatement(
  'payments.store-refund',
  `WITH refunded AS (
       INSERT INTO refunds (id, order_id, amount_cents, created_at) VALUES ($2::uuid, $1::uuid, $3::int, $4::timestamptz)
     ),
     published AS (${insertOutboxSql('$5')})
     UPDATE payments SET status = 'REFUNDED', updated_at = $4::timestamptz WHERE order_id = $1::uuid`,
);

/**
 * The one write of OrderCancelled, on the settled payment its lock statement locked: the refund row (its unique
 * order id is the last word on refunding once), the payment REFUNDED, and the event in the outbox. One statement
 * of CTEs, as they need nothing from each other; the refund's created_at is the worker's clock, as Prisma set it.
 */
async function storeRefund(client: pg.ClientBase, refund: { orderId: string; amountCents: number; event: AnyEvent }): Promise<void> {
  const { orderId, amountCents, event } = refund;
  await client.query(storeRefundStatement.with([orderId, randomUUID(), amountCents, new Date(), encodeOutbox([event])]));
}
