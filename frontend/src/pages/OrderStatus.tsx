import { usePageMeta } from '../page-meta';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api';
import { Loading, Problem } from '../components/Feedback';
import { formatMoney } from '../money';
import { describeStatus, expectedSteps, failedSteps, isFinal, pollDelayMs, stepLabels } from '../order-status';
import { useStores } from '../stores';

export function OrderStatus() {
  const { id = '' } = useParams();
  usePageMeta(`Order ${id.slice(0, 8)}`, 'Follow your order as payment and stock are confirmed.');
  const { orders, restore } = useStores();
  const navigate = useNavigate();
  const placed = orders.find(({ orderId }) => orderId === id);
  const order = useQuery({
    queryKey: ['order', id],
    queryFn: () => api.order(id, placed!.accessToken),
    enabled: placed !== undefined,
    // Follow the order until it is decided; react-query pauses polling while the tab is hidden.
    refetchInterval: (query) => (isFinal(query.state.data) ? false : pollDelayMs(query.state.dataUpdateCount)),
  });

  if (!placed) {
    return (
      <section aria-labelledby="order-heading">
        <h1 id="order-heading" tabIndex={-1}>Order not found</h1>
        <p>This browser did not place order {id}. <Link to="/orders">See your orders</Link>.</p>
      </section>
    );
  }
  if (order.isPending) return <Loading what="your order" />;
  if (order.isError) return <Problem error={order.error} retry={() => order.refetch()} />;

  const { status, lines, totalCents, currency, timeline } = order.data;
  const happened = new Set(timeline.map(({ type }) => type));
  const ahead = status === 'PENDING' ? expectedSteps.filter((step) => !happened.has(step)) : [];
  return (
    <section aria-labelledby="order-heading">
      <h1 id="order-heading" tabIndex={-1}>Order {id.slice(0, 8)}</h1>
      <p role="status" aria-live="polite" className={`order-status order-${status.toLowerCase()}`}>{describeStatus(order.data)}</p>
      <ol className="timeline">
        {timeline.map(({ type, at }, index) => (
          <li key={`${type}-${index}`} className={failedSteps.has(type) ? 'failed' : 'done'}>
            <span>{stepLabels[type] ?? type}</span> <time dateTime={at}>{new Date(at).toLocaleTimeString()}</time>
          </li>
        ))}
        {ahead.map((step) => <li key={step} className="ahead">{stepLabels[step]}</li>)}
      </ol>
      <table className="cart">
        <tbody>
          {lines.map((line) => (
            <tr key={line.bookId}><th scope="row">{line.title}</th><td>× {line.quantity}</td><td>{formatMoney(line.unitPriceCents * line.quantity, currency)}</td></tr>
          ))}
        </tbody>
        <tfoot><tr><th scope="row" colSpan={2}>Total</th><td className="total">{formatMoney(totalCents, currency)}</td></tr></tfoot>
      </table>
      {status === 'CANCELLED' && (
        <p>
          Nothing was charged that was not refunded.{' '}
          {placed.lines?.length ? (
            <button type="button" onClick={() => { restore(placed.lines!); navigate('/cart'); }}>Put these books back in my cart</button>
          ) : (
            <Link to="/">Keep browsing</Link>
          )}
        </p>
      )}
      {status === 'CONFIRMED' && <p>Thank you! <Link to="/">Keep browsing</Link>.</p>}
    </section>
  );
}
