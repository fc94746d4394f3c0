import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createLogger, startTracing } from '@bookstore/kit';
import { eventually, InMemorySpanExporter, type ReadableSpan } from '@bookstore/kit/testing';
import { cards } from '../src/testing';
import { startTestStack, type TestStack } from './support/stack';

/**
 * One order is one trace: from the request that placed it, through the outbox, SNS and SQS, into every handler of
 * every service, compensation included, and into each service's log lines.
 */

const spans = new InMemorySpanExporter();
let stack: TestStack;
let logged = '';

beforeAll(async () => {
  startTracing('bookstore-test', { exporter: spans, batched: false });
  const destination = new PassThrough();
  destination.on('data', (chunk) => (logged += chunk));
  stack = await startTestStack({ logger: createLogger('stack', { level: 'info', destination }) });
});
afterAll(() => stack?.stop());

/** A traceparent of a trace nobody else uses, as a caller (a browser, the ALB, another system) would send it. */
function callerTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

async function placeTracedOrder(quantity: number): Promise<{ orderId: string; traceId: string; status: string }> {
  const book = await stack.api.addBook({ stock: 3 });
  const card = await stack.api.registerCard(cards.good);
  const { traceId, traceparent } = callerTrace();
  const placed = await stack.api.placeOrder([{ bookId: book.id, quantity }], card, { traceparent });
  const order = await eventually(
    async () => {
      const { body } = await stack.api.request('GET', `/api/orders/${placed.orderId}`, { token: placed.accessToken });
      return body.status === 'PENDING' ? undefined : body;
    },
    { what: 'the order to be decided' },
  );
  return { orderId: placed.orderId, traceId, status: order.status };
}

/** The event handlers' spans about an order, once `expected` of them have ended. */
async function handlerSpansOf(orderId: string, expected: string[]): Promise<ReadableSpan[]> {
  const ofOrder = () => spans.getFinishedSpans().filter((span) => span.attributes['bookstore.correlation_id'] === orderId);
  await eventually(async () => (expected.every((name) => ofOrder().some((span) => span.name === name)) ? true : undefined), {
    what: `spans ${expected.join(', ')}`,
  });
  return ofOrder();
}

describe('tracing across the bus', () => {
  it('keeps a confirmed order in the trace of the request that placed it, through every handler of every service', async () => {
    const { orderId, traceId, status } = await placeTracedOrder(1);
    expect(status).toBe('CONFIRMED');
    const handlers = await handlerSpansOf(orderId, ['process OrderPlaced', 'process InventoryReserved', 'process PaymentSettled']);
    expect(handlers.map((span) => span.attributes['messaging.destination.name'])).toEqual(
      expect.arrayContaining([expect.stringContaining('catalog'), expect.stringContaining('payments'), expect.stringContaining('orders')]),
    );
    expect(new Set(handlers.map((span) => span.spanContext().traceId))).toEqual(new Set([traceId]));
    const request = spans.getFinishedSpans().find((span) => span.name === 'POST /api/orders' && span.spanContext().traceId === traceId);
    expect(request).toBeDefined();
  });

  it('keeps a cancelled order and its compensation in that trace too', async () => {
    const { orderId, traceId, status } = await placeTracedOrder(5); // more than the 3 in stock
    expect(status).toBe('CANCELLED');
    const handlers = await handlerSpansOf(orderId, ['process OrderPlaced', 'process InventoryRejected', 'process OrderCancelled']);
    expect(new Set(handlers.map((span) => span.spanContext().traceId))).toEqual(new Set([traceId]));
  });

  it("writes the caller's trace id into the log lines of all three services", async () => {
    const { traceId } = await placeTracedOrder(1);
    const lines = logged
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { name?: string; msg?: string; trace_id?: string });
    const services = new Set(lines.filter((line) => line.trace_id === traceId).map((line) => line.name));
    expect([...services].sort()).toEqual(['catalog', 'orders', 'payments']);
    // The access line too, though pino-http writes it once the answer is done, outside the request's context.
    expect(lines.filter((line) => line.msg === 'request completed' && line.trace_id === traceId).map((line) => line.name)).toContain('orders');
  });
});
