import { ReceiveMessageCommand, SendMessageCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { contracts, createAwsClients, EventPublisher, findQueueUrl, resolveTopology, type AnyEvent } from '@bookstore/events';
import { eventually, query, testInfrastructure } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { cards, TcpProxy } from '../src/testing';
import { startTestStack, type TestStack } from './support/stack';

describe('delivery guarantees', () => {
  let stack: TestStack;
  const aws = () => createAwsClients({ endpoint: testInfrastructure().awsEndpoint });

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.stop());

  it('sells exactly the stock when 20 orders race for 5 copies', async () => {
    const { api } = stack;
    const book = await api.addBook({ stock: 5, priceCents: 1000 });
    const card = await api.registerCard(cards.good);
    await api.placeOrder([{ bookId: book.id, quantity: 1 }], card); // waits for the replica; this one is sold too
    const racing = await Promise.all(Array.from({ length: 19 }, () => api.placeOrder([{ bookId: book.id, quantity: 1 }], card)));

    const orders = await Promise.all(racing.map(({ orderId, accessToken }) => api.settledOrder(orderId, accessToken)));
    const confirmed = orders.filter((order) => order.status === 'CONFIRMED');
    const cancelled = orders.filter((order) => order.status === 'CANCELLED');
    expect(confirmed).toHaveLength(4);
    expect(cancelled).toHaveLength(15);
    expect(cancelled.every((order) => order.reason === 'out_of_stock')).toBe(true);
    expect((await api.book(book.id)).stock).toBe(0);

    // Money: every confirmed order is charged once; every cancelled one is refunded or was never charged.
    for (const order of orders) {
      const payment = await eventually(async () => {
        const { body } = await api.payment(order.orderId);
        return order.status === 'CANCELLED' && body.status === 'SETTLED' ? undefined : body;
      });
      if (order.status === 'CONFIRMED') expect(payment).toMatchObject({ status: 'SETTLED', refunds: [] });
      else expect(['REFUNDED', 'VOIDED']).toContain(payment.status);
      if (payment.status === 'REFUNDED') expect(payment.refunds).toHaveLength(1);
    }
  });

  it('dead-letters poison messages with their reason while other orders still complete', async () => {
    const { sqs } = aws();
    const queue = resolveTopology(stack.topologyPrefix).queues.find(({ consumer }) => consumer === 'catalog')!;
    const queueUrl = await findQueueUrl(sqs, queue.name);
    const valid = contracts.OrderCancelled.create({ orderId: randomUUID(), reason: 'timeout' }, { correlationId: randomUUID() });
    const poison = {
      malformed_json: '{"id": ',
      schema_violation: JSON.stringify({ ...valid, data: { orderId: 'not-a-uuid', reason: 'whim' } }),
      unknown_type: JSON.stringify({ ...valid, type: 'BookBurned' }),
    };
    for (const body of Object.values(poison)) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));

    const book = await stack.api.addBook({ stock: 3 });
    const placed = await stack.api.placeOrder([{ bookId: book.id, quantity: 1 }], await stack.api.registerCard());
    expect((await stack.api.settledOrder(placed.orderId, placed.accessToken)).status).toBe('CONFIRMED');

    const deadLetterUrl = await findQueueUrl(sqs, queue.deadLetterQueueName);
    const dead = new Map<string, string>();
    await eventually(async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
      );
      for (const message of Messages) dead.set(message.MessageAttributes?.['failure-reason']?.StringValue ?? '?', message.Body ?? '');
      return dead.size >= 3 ? dead : undefined;
    });
    expect(Object.fromEntries(dead)).toEqual(poison);
  });

  it('delivers every event twice more, shuffled, without changing anything', async () => {
    const { api } = stack;
    const book = await api.addBook({ stock: 2 });
    const good = await api.registerCard(cards.good);
    const declined = await api.registerCard(cards.declined);
    const placed = [
      await api.placeOrder([{ bookId: book.id, quantity: 1 }], good),
      await api.placeOrder([{ bookId: book.id, quantity: 1 }], declined),
      await api.placeOrder([{ bookId: book.id, quantity: 3 }], good),
      await api.placeOrder([{ bookId: book.id, quantity: 1 }], good),
    ];
    for (const { orderId, accessToken } of placed) await api.settledOrder(orderId, accessToken);
    await settled(stack);
    const before = await snapshot(stack);

    const events = (await Promise.all(Object.values(stack.databaseUrls).map((url) => query<{ payload: AnyEvent }>(url, 'SELECT payload FROM outbox_events'))))
      .flat()
      .map(({ payload }) => payload);
    const replay = shuffle([...events, ...events]);
    const outcome = await new EventPublisher(aws().sns, stack.topologyPrefix).publish(replay.map((event) => ({ event })));
    expect(outcome.failed).toEqual([]);

    await settled(stack);
    expect(await snapshot(stack)).toEqual(before);
  });

  it('keeps accepting orders while the broker is down and completes them once it is back', async () => {
    const endpoint = new URL(testInfrastructure().awsEndpoint);
    const proxy = await new TcpProxy({ host: endpoint.hostname, port: Number(endpoint.port) }).start();
    const isolated = await startTestStack({ awsEndpoint: proxy.url });
    try {
      const { api } = isolated;
      const book = await api.addBook({ stock: 10 });
      const card = await api.registerCard();
      await api.placeOrder([{ bookId: book.id, quantity: 1 }], card); // the replica is there before the outage

      await proxy.cut();
      const placed = await Promise.all([1, 2, 3].map(() => api.placeOrder([{ bookId: book.id, quantity: 1 }], card)));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      for (const { orderId, accessToken } of placed) expect((await api.order(orderId, accessToken)).status).toBe('PENDING');
      const [waiting] = await query<{ count: number }>(isolated.databaseUrls.orders, 'SELECT count(*)::int AS count FROM outbox_events WHERE published_at IS NULL');
      expect(waiting?.count).toBeGreaterThanOrEqual(3);

      await proxy.restore();
      // A long poll cut off mid-wait may still take a message inside the emulator, as SQS would when a response
      // is lost; that message comes back after its visibility timeout (30 s). Delivery is at least once, not at once.
      for (const { orderId, accessToken } of placed) {
        expect((await api.settledOrder(orderId, accessToken, 45_000)).status).toBe('CONFIRMED');
      }
    } finally {
      await isolated.stop();
      await proxy.cut();
    }
  });
});

/** Waits until every outbox is published and every queue is empty, twice in a row. */
async function settled(stack: TestStack): Promise<void> {
  const { sqs } = createAwsClients({ endpoint: testInfrastructure().awsEndpoint });
  const queues = resolveTopology(stack.topologyPrefix).queues;
  const idle = async () => {
    for (const url of Object.values(stack.databaseUrls)) {
      const [row] = await query<{ count: number }>(url, 'SELECT count(*)::int AS count FROM outbox_events WHERE published_at IS NULL');
      if (row?.count) return false;
    }
    for (const queue of queues) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: await findQueueUrl(sqs, queue.name),
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      if (Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) > 0) return false;
    }
    return true;
  };
  await eventually(async () => ((await idle()) && (await new Promise((r) => setTimeout(r, 300))) === undefined && (await idle()) ? true : undefined), {
    timeoutMs: 30_000,
    what: 'outboxes and queues to drain',
  });
}

/** Everything a duplicate could wrongly change: order states, stock, payments, refunds, and events emitted. */
async function snapshot({ databaseUrls }: TestStack) {
  return {
    orders: await query(databaseUrls.orders, 'SELECT id, status, cancel_reason, inventory, payment FROM orders ORDER BY id'),
    timeline: await query(databaseUrls.orders, 'SELECT count(*)::int AS entries FROM order_timeline'),
    books: await query(databaseUrls.catalog, 'SELECT id, stock FROM books ORDER BY id'),
    reservations: await query(databaseUrls.catalog, 'SELECT order_id, status FROM reservations ORDER BY order_id'),
    payments: await query(databaseUrls.payments, 'SELECT order_id, status, amount_cents FROM payments ORDER BY order_id'),
    refunds: await query(databaseUrls.payments, 'SELECT order_id, amount_cents FROM refunds ORDER BY order_id'),
    events: await Promise.all(Object.values(databaseUrls).map((url) => query(url, 'SELECT count(*)::int AS events FROM outbox_events'))),
  };
}

function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}
