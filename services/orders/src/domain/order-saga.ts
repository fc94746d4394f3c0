/**
 * The order saga, as Orders sees it. Nobody orchestrates it: Catalog and Payments each react to OrderPlaced,
 * and Orders decides the order from what they report.
 *
 * | step           | run by   | on          | reports                               | undone, on OrderCancelled, by                      |
 * | -------------- | -------- | ----------- | ------------------------------------- | -------------------------------------------------- |
 * | reserve stock  | Catalog  | OrderPlaced | InventoryReserved / InventoryRejected | Catalog: gives the stock back, InventoryReleased   |
 * | charge payment | Payments | OrderPlaced | PaymentSettled / PaymentDeclined      | Payments: refunds the charge, PaymentRefunded      |
 *
 * Orders cancels on InventoryRejected, PaymentDeclined or the deadline, and emits OrderCancelled with that reason;
 * a step that never succeeded has nothing to undo (a rejected reservation holds no stock, a declined payment
 * charged nothing). An OrderCancelled that reaches Catalog or Payments before OrderPlaced leaves a tombstone there,
 * so the late OrderPlaced reserves and charges nothing. InventoryReleased and PaymentRefunded only complete the
 * order's record: a decided order stays decided.
 *
 * Following PaymentDeclined: orders/src/integration/handlers.ts → application/apply-saga-event.ts (sagaInputOf
 * below) → `advance` here (payment DECLINED, order CANCELLED with payment_declined) → application/advance-order.ts
 * stores it and emits OrderCancelled → catalog/src/application/reservations.ts `releaseStock` (InventoryReleased)
 * and payments/src/application/payments.ts `refundOrder` (nothing settled, so nothing to refund).
 */
import type { AnyEvent, CancellationReason, DeclineCode } from '@bookstore/events';
import type { OrderStatus } from './order-status';

export type InventoryStep = 'PENDING' | 'RESERVED' | 'REJECTED' | 'RELEASED';
export type PaymentStep = 'PENDING' | 'SETTLED' | 'DECLINED' | 'REFUNDED';

export interface SagaState {
  status: OrderStatus;
  inventory: InventoryStep;
  payment: PaymentStep;
  cancelReason: CancellationReason | null;
  declineCode: DeclineCode | null;
}

/** What can happen to an order after it was placed. */
export type SagaInput =
  | { type: 'InventoryReserved' }
  | { type: 'InventoryRejected' }
  | { type: 'InventoryReleased' }
  | { type: 'PaymentSettled' }
  | { type: 'PaymentDeclined'; declineCode: DeclineCode }
  | { type: 'PaymentRefunded' }
  | { type: 'DeadlinePassed' };

/** The events Catalog and Payments send back about an order; each carries the order's id as data.orderId. */
export type SagaEvent = Extract<AnyEvent, { type: Exclude<SagaInput['type'], 'DeadlinePassed'> }>;

/** What a saga event means to the state machine: its type, and for a decline the provider's code. */
export function sagaInputOf(event: SagaEvent): SagaInput {
  return event.type === 'PaymentDeclined' ? { type: event.type, declineCode: event.data.declineCode } : { type: event.type };
}

export type SagaOutcome = { type: 'OrderConfirmed' } | { type: 'OrderCancelled'; reason: CancellationReason };

/**
 * Steps only move forward, so an event that arrives late (a Reserved after its Released, say) cannot
 * undo what is already known. Each step may follow only the ones listed here.
 */
const inventoryFrom: Record<InventoryStep, InventoryStep[]> = {
  PENDING: [],
  RESERVED: ['PENDING'],
  REJECTED: ['PENDING'],
  RELEASED: ['PENDING', 'RESERVED'],
};
const paymentFrom: Record<PaymentStep, PaymentStep[]> = {
  PENDING: [],
  SETTLED: ['PENDING'],
  DECLINED: ['PENDING'],
  REFUNDED: ['PENDING', 'SETTLED'],
};

type StepMove = { inventory?: InventoryStep; payment?: PaymentStep };

/** The step each report moves forward, and where to. */
const stepMoves: Record<SagaEvent['type'], StepMove> = {
  InventoryReserved: { inventory: 'RESERVED' },
  InventoryRejected: { inventory: 'REJECTED' },
  InventoryReleased: { inventory: 'RELEASED' },
  PaymentSettled: { payment: 'SETTLED' },
  PaymentDeclined: { payment: 'DECLINED' },
  PaymentRefunded: { payment: 'REFUNDED' },
};

/**
 * Advances the saga by one input: CONFIRMED once stock is reserved and payment settled; CANCELLED
 * (with the first reason that arrived) on a rejection, a decline or the deadline. CONFIRMED and CANCELLED
 * are final; what arrives after them is recorded but changes the status no more. Pure, so it is tested
 * without a database; the caller persists the state and publishes the outcome.
 */
export function advance(state: SagaState, input: SagaInput): { state: SagaState; outcome?: SagaOutcome } {
  const next = { ...state };
  const moves: StepMove = input.type === 'DeadlinePassed' ? {} : stepMoves[input.type];
  if (moves.inventory) next.inventory = step(inventoryFrom, state.inventory, moves.inventory);
  if (moves.payment) next.payment = step(paymentFrom, state.payment, moves.payment);
  if (input.type === 'PaymentDeclined' && next.payment === 'DECLINED') next.declineCode = input.declineCode;
  if (state.status !== 'PENDING') return { state: next };

  const reason = cancellationReason(input, next);
  if (reason) return { state: { ...next, status: 'CANCELLED', cancelReason: reason }, outcome: { type: 'OrderCancelled', reason } };
  if (next.inventory === 'RESERVED' && next.payment === 'SETTLED') {
    return { state: { ...next, status: 'CONFIRMED' }, outcome: { type: 'OrderConfirmed' } };
  }
  return { state: next };
}

function cancellationReason(input: SagaInput, state: SagaState): CancellationReason | undefined {
  if (input.type === 'DeadlinePassed') return 'timeout';
  if (state.inventory === 'REJECTED') return 'out_of_stock';
  if (state.payment === 'DECLINED') return 'payment_declined';
  return undefined;
}

/** Moves to `next` if the current step may precede it; otherwise the event came late and changes nothing. */
function step<S extends string>(allowedFrom: Record<S, S[]>, current: S, next: S): S {
  return allowedFrom[next].includes(current) ? next : current;
}
