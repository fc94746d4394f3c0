import { usePageMeta } from '../page-meta';
import { useQueries } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api';
import { formatMoney } from '../money';
import { describeStatus, isFinal, pollDelayMs } from '../order-status';
import { useStores } from '../stores';

export function MyOrders() {
  usePageMeta('My orders', 'The orders placed from this browser and where each one stands.');
  const { orders } = useStores();
  const statuses = useQueries({
    queries: orders.map(({ orderId, accessToken }) => ({
      queryKey: ['order', orderId],
      queryFn: () => api.order(orderId, accessToken),
      refetchInterval: (query: { state: { data?: { status: string }; dataUpdateCount: number } }) =>
        isFinal(query.state.data as never) ? false : pollDelayMs(query.state.dataUpdateCount),
    })),
  });
  return (
    <section aria-labelledby="orders-heading">
      <h1 id="orders-heading" tabIndex={-1}>My orders</h1>
      {orders.length === 0 ? (
        <p>You have not ordered from this browser yet. <Link to="/">Find a book</Link>.</p>
      ) : (
        <ul className="order-list">
          {orders.map(({ orderId, placedAt }, index) => {
            const { data, isError } = statuses[index]!;
            return (
              <li key={orderId}>
                <Link to={`/orders/${orderId}`}>Order {orderId.slice(0, 8)}</Link>{' '}
                <time dateTime={placedAt}>{new Date(placedAt).toLocaleString()}</time>{' '}
                <span>{isError ? 'Status unavailable' : data ? `${describeStatus(data)} · ${formatMoney(data.totalCents, data.currency)}` : 'Loading…'}</span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
