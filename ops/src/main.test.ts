import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, encodeEvent, failureAttributes, findQueueUrl, provisionTopology, resolveTopology, type AwsClients } from '@bookstore/events';
import { sampleEvent } from '@bookstore/events/testing';
import { createTestDatabase, query, testInfrastructure, uniqueSuffix } from '@bookstore/kit/testing';
import { migrationsDir } from '@bookstore/orders';
import { ops, widest } from './test-cli';

const prefix = `ops${uniqueSuffix()}-`;
const topology = resolveTopology(prefix);
const orders = topology.queues.find(({ consumer }) => consumer === 'orders')!;
const catalog = topology.queues.find(({ consumer }) => consumer === 'catalog')!;
const poison = sampleEvent('PaymentSettled');
let aws: AwsClients;
let sqsOptions: string[];

beforeAll(async () => {
  aws = createAwsClients({ endpoint: testInfrastructure().awsEndpoint });
  await provisionTopology(aws, topology);
  sqsOptions = ['--endpoint', testInfrastructure().awsEndpoint, '--prefix', prefix];
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  await aws.sqs.send(
    new SendMessageCommand({
      QueueUrl: await findQueueUrl(aws.sqs, orders.deadLetterQueueName),
      MessageBody: JSON.stringify({ ...poison, data: { orderId: 'not-a-uuid' } }),
      MessageAttributes: { [failureAttributes.reason]: text('schema_violation'), [failureAttributes.detail]: text('PaymentSettled v1: data.orderId: Invalid UUID'), [failureAttributes.sourceQueue]: text(orders.name) },
    }),
  );
  await aws.sqs.send(new SendMessageCommand({ QueueUrl: await findQueueUrl(aws.sqs, catalog.name), MessageBody: encodeEvent(sampleEvent('OrderPlaced')) }));
});

afterAll(() => {
  aws.sns.destroy();
  aws.sqs.destroy();
});

it('queues: a table of every queue, fit for 80 columns, with a marker for a non-empty DLQ', async () => {
  const { code, stdout, stderr } = await ops(['queues', ...sqsOptions]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(new RegExp(`│ ${orders.name} +│ +0 │ +0 │ +0 │ +1 ! │ +\\d+s │`));
  expect(stdout).toMatch(new RegExp(`│ ${catalog.name} +│ +1 │ +0 │ +0 │ +0 │ +- │`));
  expect(stdout).toContain(`! 1 dead letter(s) in ${orders.deadLetterQueueName}\n  see them: npm run ops -- dlq peek orders`);
  expect(widest(stdout)).toBeLessThanOrEqual(80);
});

it('queues --json: the report as JSON', async () => {
  const { code, stdout } = await ops(['queues', '--json', ...sqsOptions]);
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as { queue: string; visible: number; deadLetters: number; oldestDeadLetterSentAt?: string }[];
  expect(report.map(({ queue, visible, deadLetters }) => [queue, visible, deadLetters])).toEqual([
    [catalog.name, 1, 0],
    [orders.name, 0, 1],
    [topology.queues[2]!.name, 0, 0],
  ]);
  expect(Date.parse(report[1]!.oldestDeadLetterSentAt!)).toBeLessThanOrEqual(Date.now());
});

it('dlq peek: the dead letters with their event and why they failed', async () => {
  const { code, stdout } = await ops(['dlq', 'peek', 'orders', ...sqsOptions]);
  expect(code).toBe(0);
  expect(stdout).toContain(`${orders.deadLetterQueueName} at ${testInfrastructure().awsEndpoint}: 1 dead letter(s)`);
  expect(stdout).toMatch(new RegExp(`│ [0-9a-f-]{36} +│ PaymentSettled +│ +\\d+ │ +\\d+s │\\n│ ${poison.id} `));
  const unwrapped = stdout.replace(/ *│\n│ */g, ' ');
  expect(unwrapped).toContain(`poison, schema_violation: PaymentSettled v1: data.orderId: Invalid UUID (dead-lettered by ${orders.name})`);
  expect(widest(stdout)).toBeLessThanOrEqual(80);
});

it('dlq redrive --dry-run: what would move where, with the poison warning; nothing moves', async () => {
  const { code, stdout } = await ops(['dlq', 'redrive', orders.deadLetterQueueName, '--dry-run', ...sqsOptions]);
  expect(code).toBe(0);
  expect(stdout).toContain(`Dry run, nothing was moved: 1 message(s) would move from ${orders.deadLetterQueueName} to ${orders.name}.`);
  expect(stdout).toContain(poison.id);
  expect(stdout).toContain('Warning: 1 schema_violation would be poison; they dead-letter again unless the consumer was fixed.');
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: await findQueueUrl(aws.sqs, orders.deadLetterQueueName), AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
});

it('outbox: unpublished events per service database; exit 1 when one cannot be reached', async () => {
  const [ordersDb, catalogDb] = await Promise.all([createTestDatabase('orders', migrationsDir), createTestDatabase('orders', migrationsDir)]);
  await query(ordersDb, `INSERT INTO outbox_events (id, type, payload, created_at) VALUES (gen_random_uuid(), 'OrderPlaced', '{}', now() - interval '2 hours')`);
  const { code, stdout } = await ops(['outbox'], {
    ORDERS_DATABASE_URL: ordersDb,
    CATALOG_DATABASE_URL: catalogDb,
    PAYMENTS_DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/payments',
  });
  expect(code).toBe(1);
  expect(stdout).toMatch(/│ catalog +│ 127\.0\.0\.1:\d+\/orders_\w+ +│ +0 │ +- │/);
  expect(stdout).toMatch(/│ orders +│ 127\.0\.0\.1:\d+\/orders_\w+ +│ +1 │ +2h 00m │/);
  expect(stdout).toMatch(/│ payments +│ 127\.0\.0\.1:1\/payments +│ +error │ +- │/);
  expect(stdout).toContain('! payments (127.0.0.1:1/payments): connect ECONNREFUSED 127.0.0.1:1');
});

it('an unknown command: one line and the usage on stderr, exit code 2', async () => {
  const { code, stdout, stderr } = await ops(['purge']);
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr.split('\n')[0]).toBe("error: unknown command 'purge'");
  expect(stderr).toContain('Usage: npm run ops -- <command> [options]');
  expect(stderr).toMatch(/\n  order <order id> +where an order is/);
  expect(stderr).toMatch(/\n  stuck +every PENDING order/);
});

it('an unreachable endpoint: one clear line, exit code 1', async () => {
  const { code, stdout, stderr } = await ops(['queues', '--endpoint', 'http://127.0.0.1:1']);
  expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
  expect(stderr).toBe('error: cannot reach SQS at http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n');
});
