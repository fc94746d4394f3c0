import { contracts } from '@bookstore/events';
import { randomUUID } from 'node:crypto';
import { advance, sagaInputOf, type SagaInput, type SagaState } from './order-saga';

const placed: SagaState = { status: 'PENDING', inventory: 'PENDING', payment: 'PENDING', cancelReason: null, declineCode: null };

function run(...inputs: SagaInput[]) {
  let state = placed;
  const outcomes = [];
  for (const input of inputs) {
    const result = advance(state, input);
    state = result.state;
    if (result.outcome) outcomes.push(result.outcome);
  }
  return { state, outcomes };
}

describe('order saga', () => {
  it('confirms once stock is reserved and payment settled, in either order', () => {
    for (const inputs of [
      [{ type: 'InventoryReserved' }, { type: 'PaymentSettled' }],
      [{ type: 'PaymentSettled' }, { type: 'InventoryReserved' }],
    ] as SagaInput[][]) {
      const { state, outcomes } = run(...inputs);
      expect(state.status).toBe('CONFIRMED');
      expect(outcomes).toEqual([{ type: 'OrderConfirmed' }]);
    }
  });

  it('stays pending with only one of the two', () => {
    expect(run({ type: 'InventoryReserved' }).state.status).toBe('PENDING');
    expect(run({ type: 'PaymentSettled' }).outcomes).toEqual([]);
  });

  it('cancels for out of stock, keeping the first reason when a decline follows', () => {
    const { state, outcomes } = run({ type: 'InventoryRejected' }, { type: 'PaymentDeclined', declineCode: 'card_declined' });
    expect(state).toMatchObject({ status: 'CANCELLED', cancelReason: 'out_of_stock', payment: 'DECLINED' });
    expect(outcomes).toEqual([{ type: 'OrderCancelled', reason: 'out_of_stock' }]);
  });

  it('cancels a declined payment with its decline code', () => {
    const { state } = run({ type: 'InventoryReserved' }, { type: 'PaymentDeclined', declineCode: 'insufficient_funds' });
    expect(state).toMatchObject({ status: 'CANCELLED', cancelReason: 'payment_declined', declineCode: 'insufficient_funds' });
  });

  it('cancels at the deadline only while pending', () => {
    expect(run({ type: 'DeadlinePassed' }).outcomes).toEqual([{ type: 'OrderCancelled', reason: 'timeout' }]);
    const confirmed = run({ type: 'InventoryReserved' }, { type: 'PaymentSettled' }, { type: 'DeadlinePassed' });
    expect(confirmed.state.status).toBe('CONFIRMED');
    expect(confirmed.outcomes).toHaveLength(1);
  });

  it('never confirms a cancelled order when the missing step arrives late', () => {
    const { state, outcomes } = run({ type: 'InventoryReserved' }, { type: 'DeadlinePassed' }, { type: 'PaymentSettled' });
    expect(state.status).toBe('CANCELLED');
    expect(outcomes).toEqual([{ type: 'OrderCancelled', reason: 'timeout' }]);
  });

  it('does not let a late event move a step backwards', () => {
    const { state } = run({ type: 'InventoryRejected' }, { type: 'InventoryReleased' }, { type: 'InventoryReserved' });
    expect(state.inventory).toBe('REJECTED');
    const released = run({ type: 'InventoryReleased' }, { type: 'InventoryReserved' });
    expect(released.state.inventory).toBe('RELEASED');
    expect(released.outcomes).toEqual([]);
  });

  it('emits nothing when an event is repeated', () => {
    const { outcomes } = run({ type: 'InventoryReserved' }, { type: 'PaymentSettled' }, { type: 'PaymentSettled' }, { type: 'InventoryReserved' });
    expect(outcomes).toEqual([{ type: 'OrderConfirmed' }]);
  });
});

describe('saga events as inputs', () => {
  const orderId = randomUUID();
  const origin = { correlationId: orderId };

  it('takes the type, and from a decline its code', () => {
    expect(sagaInputOf(contracts.PaymentSettled.create({ orderId, paymentId: randomUUID(), amountCents: 100, currency: 'EUR' }, origin))).toEqual({ type: 'PaymentSettled' });
    expect(sagaInputOf(contracts.InventoryReleased.create({ orderId, lines: [{ bookId: randomUUID(), quantity: 1 }] }, origin))).toEqual({ type: 'InventoryReleased' });
    expect(sagaInputOf(contracts.PaymentDeclined.create({ orderId, declineCode: 'card_declined' }, origin))).toEqual({ type: 'PaymentDeclined', declineCode: 'card_declined' });
  });
});
