import { parseCommandLine, UsageError } from './cli';

describe('parseCommandLine', () => {
  it("defaults to npm start's emulator, us-east-1 and no prefix", () => {
    expect(parseCommandLine(['queues'], {})).toEqual({
      command: 'queues',
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      prefix: '',
      json: false,
      limit: 100,
      dryRun: false,
      olderThanSeconds: 30,
    });
  });

  it('takes the environment, and options over the environment', () => {
    const env = { AWS_ENDPOINT_URL: 'http://localstack:4566', AWS_REGION: 'eu-west-1', TOPOLOGY_PREFIX: 'bookstore-dev-' };
    expect(parseCommandLine(['queues'], env)).toMatchObject({ endpoint: 'http://localstack:4566', region: 'eu-west-1', prefix: 'bookstore-dev-' });
    expect(parseCommandLine(['queues', '--endpoint', 'http://x:1', '--region', 'us-west-2', '--prefix', 'p-', '--json'], env)).toMatchObject({
      endpoint: 'http://x:1',
      region: 'us-west-2',
      prefix: 'p-',
      json: true,
    });
    expect(parseCommandLine(['queues', '--aws'], env).endpoint).toBeUndefined();
  });

  it('resolves the queue of a dlq command with the prefix', () => {
    const options = parseCommandLine(['dlq', 'redrive', 'orders', '--dry-run', '--limit', '5', '--prefix', 'bookstore-prod-'], {});
    expect(options).toMatchObject({ command: 'dlq redrive', dryRun: true, limit: 5 });
    expect(options.queue).toMatchObject({ name: 'bookstore-prod-orders-queue', deadLetterQueueName: 'bookstore-prod-orders-queue-dlq' });
    expect(parseCommandLine(['dlq', 'peek', 'bookstore-prod-payments-queue-dlq', '--prefix', 'bookstore-prod-'], {}).queue?.consumer).toBe('payments');
  });

  it('takes the order id of order, and the age and limit of stuck', () => {
    const orderId = '8C4E7F0A-1D2B-4C3E-9F5A-6B7C8D9E0F1A';
    expect(parseCommandLine(['order', orderId, '--postgres-url', 'postgres://x@db:5432'], {})).toMatchObject({
      command: 'order',
      orderId: orderId.toLowerCase(),
      postgresUrl: 'postgres://x@db:5432',
    });
    expect(parseCommandLine(['stuck', '--older-than', '5m', '--limit', '20', '--json'], {})).toMatchObject({
      command: 'stuck',
      olderThanSeconds: 300,
      limit: 20,
      json: true,
    });
    const olderThan = (age: string) => parseCommandLine(['stuck', '--older-than', age], {}).olderThanSeconds;
    expect(['90', '90s', '2h', '1d'].map(olderThan)).toEqual([90, 90, 7200, 86400]);
  });

  it('returns help for --help, whatever else is there', () => {
    expect(parseCommandLine(['dlq', '-h'], {}).command).toBe('help');
  });

  it.each([
    [[], 'no command given'],
    [['status'], "unknown command 'status'"],
    [['dlq', 'purge', 'orders'], "unknown command 'dlq purge'"],
    [['dlq', 'peek'], 'dlq peek needs one queue name'],
    [['queues', 'orders'], 'queues takes no arguments'],
    [['queues', '--verbose'], "Unknown option '--verbose'"],
    [['queues', '--dry-run'], '--dry-run applies only to dlq redrive'],
    [['dlq', 'redrive', 'orders', '--limit', '5'], '--limit applies only to dlq peek, dlq redrive --dry-run and stuck'],
    [['queues', '--postgres-url', 'postgres://x'], '--postgres-url applies only to outbox, order and stuck'],
    [['order'], 'order needs one order id'],
    [['order', '42'], "'42' is not an order id (a UUID)"],
    [['stuck', 'orders'], 'stuck takes no arguments'],
    [['stuck', '--older-than', '30 seconds'], "--older-than must be an age such as 90, 90s, 5m, 2h or 1d, not '30 seconds'"],
    [['queues', '--older-than', '30s'], '--older-than applies only to stuck'],
    [['queues', '--aws', '--endpoint', 'http://x:1'], '--aws and --endpoint exclude each other'],
    [['dlq', 'peek', 'orders', '--limit', '0'], "--limit must be a positive whole number, not '0'"],
  ])('rejects %j: %s', (args, message) => {
    expect(() => parseCommandLine(args, {})).toThrow(UsageError);
    expect(() => parseCommandLine(args, {})).toThrow(message);
  });

  it('rejects an unknown queue with the valid names and no usage', () => {
    const error = (() => {
      try {
        parseCommandLine(['dlq', 'peek', 'shipping'], {});
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ message: expect.stringContaining("unknown queue 'shipping'; valid names: catalog"), showUsage: false });
  });
});
