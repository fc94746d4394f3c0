import type { AnyEvent } from '@bookstore/events';
import { applySagaEvent } from './apply-saga-event';
import { cancelOverdueOrders } from './cancel-overdue-orders';
import { declined, decisionsOf, rejected, released, reserved, settled, storedOrder, storedState } from './saga.fixtures';
import { useOrdersDatabase } from './test-support';

/**
 * What the saga handlers' few statements must keep of the guarantees when events of one order, duplicates and the
 * deadline sweep run at the same moment: the order's row lock serialises them, so an order is decided exactly once,
 * and its timeline, as GET /api/orders/:id lists it (by `at`, then id), follows the order in which they ran.
 */
const orders = useOrdersDatabase();
const pool = () => orders.db.pool;
const apply = (event: Parameters<typeof applySagaEvent>[1]) => applySagaEvent(orders.db, event);
/** Both, started at the same moment, in the given order or reversed. */
const together = (first: () => Promise<unknown>, second: () => Promise<unknown>, reversed: boolean) =>
  Promise.all(reversed ? [second(), first()] : [first(), second()]);
const typeAndReason = ({ type, data }: AnyEvent) => ({ type, reason: 'reason' in data ? data.reason : undefined });

describe('saga events of one order at the same moment', () => {
  it('confirms the order once when its reservation and its payment arrive together, whichever runs first', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => storedOrder(pool())));
    await Promise.all(ids.map((orderId, order) => together(() => apply(reserved(orderId)), () => apply(settled(orderId)), order % 2 === 1)));

    for (const orderId of ids) {
      const { timeline, ...state } = (await storedState(pool(), orderId))!;
      expect(state).toEqual({ status: 'CONFIRMED', inventory: 'RESERVED', payment: 'SETTLED', cancelReason: null });
      expect(timeline).toHaveLength(4);
      expect([timeline[0], timeline[3]]).toEqual(['OrderPlaced', 'OrderConfirmed']);
      expect(new Set(timeline.slice(1, 3))).toEqual(new Set(['InventoryReserved', 'PaymentSettled']));
      expect((await decisionsOf(pool(), orderId)).map(({ type }) => type)).toEqual(['OrderConfirmed']);
    }
  });

  it('cancels the order once, for the reason that ran first, when a rejection and a decline arrive together', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => storedOrder(pool())));
    await Promise.all(ids.map((orderId, order) => together(() => apply(rejected(orderId)), () => apply(declined(orderId)), order % 2 === 1)));

    for (const orderId of ids) {
      const { timeline, status, inventory, payment, cancelReason } = (await storedState(pool(), orderId))!;
      expect({ status, inventory, payment }).toEqual({ status: 'CANCELLED', inventory: 'REJECTED', payment: 'DECLINED' });
      const first = timeline[1];
      expect(timeline).toEqual(['OrderPlaced', first, 'OrderCancelled', first === 'InventoryRejected' ? 'PaymentDeclined' : 'InventoryRejected']);
      const reason = first === 'InventoryRejected' ? 'out_of_stock' : 'payment_declined';
      expect(cancelReason).toBe(reason);
      expect((await decisionsOf(pool(), orderId)).map(typeAndReason)).toEqual([{ type: 'OrderCancelled', reason }]);
    }
  });

  it('applies a duplicate delivered three times at once only once', async () => {
    const orderId = await storedOrder(pool());
    await apply(reserved(orderId));
    const settling = settled(orderId);
    await Promise.all([apply(settling), apply(settling), apply(settling)]);

    expect((await storedState(pool(), orderId))?.timeline).toEqual(['OrderPlaced', 'InventoryReserved', 'PaymentSettled', 'OrderConfirmed']);
    expect((await decisionsOf(pool(), orderId)).map(({ type }) => type)).toEqual(['OrderConfirmed']);
  });
});

describe('the deadline sweep racing the payment', () => {
  it('decides each overdue order once: confirmed if the payment ran first, cancelled for timeout and the payment recorded after if the sweep did', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => storedOrder(pool(), -1)));
    for (const orderId of ids) await apply(reserved(orderId));

    let swept = 0;
    const sweep = async () => {
      const count = await cancelOverdueOrders(orders.db, 2);
      swept += count;
    };
    await Promise.all(ids.map((orderId, order) => together(() => apply(settled(orderId)), sweep, order % 2 === 1)));

    const states = await Promise.all(ids.map(async (orderId) => ({ orderId, ...(await storedState(pool(), orderId))! })));
    for (const { orderId, timeline, ...state } of states) {
      const decisions = (await decisionsOf(pool(), orderId)).map(typeAndReason);
      if (state.status === 'CONFIRMED') {
        expect(timeline).toEqual(['OrderPlaced', 'InventoryReserved', 'PaymentSettled', 'OrderConfirmed']);
        expect(decisions).toEqual([{ type: 'OrderConfirmed', reason: undefined }]);
      } else {
        expect(state).toEqual({ status: 'CANCELLED', inventory: 'RESERVED', payment: 'SETTLED', cancelReason: 'timeout' });
        expect(timeline).toEqual(['OrderPlaced', 'InventoryReserved', 'OrderCancelled', 'PaymentSettled']);
        expect(decisions).toEqual([{ type: 'OrderCancelled', reason: 'timeout' }]);
      }
    }
    expect(swept).toBe(states.filter(({ status }) => status === 'CANCELLED').length);
  });
});

describe('what the handlers keep one event at a time', () => {
  it('records later events on a decided order without undoing it or deciding again, and steps only move forward', async () => {
    const orderId = await storedOrder(pool());
    for (const event of [reserved(orderId), settled(orderId), released(orderId), reserved(orderId)]) await apply(event);

    const { timeline, ...state } = (await storedState(pool(), orderId))!;
    expect(state).toEqual({ status: 'CONFIRMED', inventory: 'RELEASED', payment: 'SETTLED', cancelReason: null });
    expect(timeline).toEqual(['OrderPlaced', 'InventoryReserved', 'PaymentSettled', 'OrderConfirmed', 'InventoryReleased', 'InventoryReserved']);
    expect(await decisionsOf(pool(), orderId)).toHaveLength(1);
  });

  it('fails an event for an unknown order, so it is retried and dead-lettered, and keeps no claim of it', async () => {
    const event = settled('00000000-0000-4000-8000-000000000000');
    await expect(apply(event)).rejects.toThrow('is unknown to Orders');
    expect((await pool().query('SELECT 1 FROM processed_events WHERE event_id = $1', [event.id])).rowCount).toBe(0);
  });
});
