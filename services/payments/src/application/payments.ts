import { randomUUID } from 'node:crypto';
import { contracts, type EventOf } from '@bookstore/events';
import { claimEvent, DomainError, enqueueEvents } from '@bookstore/kit';
import type { PaymentsDb, PaymentsTx } from '../infrastructure/database';
import type { PaymentStatus } from '../infrastructure/prisma/client';
import type { PaymentProvider } from './provider';

/**
 * Charges an order's payment method and emits PaymentSettled or PaymentDeclined. An order whose
 * cancellation arrived first was voided, and is never charged.
 */
export async function chargeOrder(db: PaymentsDb, provider: PaymentProvider, event: EventOf<'OrderPlaced'>): Promise<void> {
  const { orderId, totalCents, currency, paymentMethodId } = event.data;
  const origin = { correlationId: orderId, causationId: event.id };
  await db.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return;
    const { status, id: paymentId } = await lockPayment(tx, orderId);
    if (status !== 'PENDING') return;

    const method = await tx.paymentMethod.findUnique({ where: { id: paymentMethodId } });
    const result = method ? await provider.charge(method, totalCents, orderId) : ({ ok: false, declineCode: 'unknown_payment_method' } as const);
    const amount = { amountCents: totalCents, currency, paymentMethodId };
    if (result.ok) {
      await tx.payment.update({ where: { orderId }, data: { ...amount, status: 'SETTLED', settledAt: new Date() } });
      await enqueueEvents(tx, contracts.PaymentSettled.create({ orderId, paymentId, amountCents: totalCents, currency }, origin));
    } else {
      await tx.payment.update({ where: { orderId }, data: { ...amount, status: 'DECLINED', declineCode: result.declineCode } });
      await enqueueEvents(tx, contracts.PaymentDeclined.create({ orderId, declineCode: result.declineCode }, origin));
    }
  });
}

/** Refunds what was settled for a cancelled order, once; remembers a cancellation that came first. */
export async function refundOrder(db: PaymentsDb, provider: PaymentProvider, event: EventOf<'OrderCancelled'>): Promise<void> {
  const { orderId } = event.data;
  await db.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return;
    const payment = await lockPayment(tx, orderId);
    if (payment.status === 'PENDING') {
      await tx.payment.update({ where: { orderId }, data: { status: 'VOIDED' } });
      return;
    }
    if (payment.status !== 'SETTLED') return;

    const { amountCents, currency } = await tx.payment.findUniqueOrThrow({ where: { orderId } });
    await provider.refund(payment.id, amountCents, orderId);
    await tx.refund.create({ data: { id: randomUUID(), orderId, amountCents } });
    await tx.payment.update({ where: { orderId }, data: { status: 'REFUNDED' } });
    await enqueueEvents(
      tx,
      contracts.PaymentRefunded.create({ orderId, paymentId: payment.id, amountCents, currency }, { correlationId: orderId, causationId: event.id }),
    );
  });
}

export async function paymentOfOrder(db: PaymentsDb, orderId: string) {
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
 * Makes sure the order has a payment row and locks it for the rest of the transaction, so that
 * OrderPlaced and OrderCancelled of one order, however they arrive, are handled one after the other.
 */
async function lockPayment(tx: PaymentsTx, orderId: string): Promise<{ id: string; status: PaymentStatus }> {
  await tx.$executeRaw`
    INSERT INTO payments (order_id, id, status) VALUES (${orderId}::uuid, ${randomUUID()}::uuid, 'PENDING')
    ON CONFLICT (order_id) DO NOTHING`;
  const [row] = await tx.$queryRaw<{ id: string; status: PaymentStatus }[]>`
    SELECT id::text, status::text AS status FROM payments WHERE order_id = ${orderId}::uuid FOR UPDATE`;
  if (!row) throw new Error(`payment of order ${orderId} vanished`);
  return row;
}
