import { parseCommandLine, UsageError } from './cli';

describe('parseCommandLine', () => {
  it("defaults to npm start's emulator, us-east-1 and no prefix", () => {
    expect(parseCommandLine(['queues'], {})).toEqual({ command: 'queues', endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', prefix: '', json: false, limit: 100, dryRun: false });
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
    [['dlq', 'redrive', 'orders', '--limit', '5'], '--limit applies only to dlq peek and dlq redrive --dry-run'],
    [['queues', '--postgres-url', 'postgres://x'], '--postgres-url applies only to outbox'],
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
