import type { SQSClient } from '@aws-sdk/client-sqs';
import { createAwsClients, resolveTopology } from '@bookstore/events';
import { parseCommandLine, usage, UsageError, type Options } from './cli';
import { ServiceDatabases } from './databases';
import { peekDeadLetters, redriveDeadLetters } from './dead-letters';
import { errorMessage, formatDeadLetters, formatOutbox, formatQueues, formatRedrive } from './format';
import { formatJourney, formatStuck } from './format-journey';
import { readJourneys } from './journey';
import { outboxDatabaseUrls, outboxReport } from './outbox';
import { queueReport } from './queues';
import { stuckOrders } from './stuck';

type Print = (result: unknown, table: () => string) => void;

/** `npm run ops -- <command>`: parses the command line, calls the library, prints; returns the exit code. */
async function run(options: Options): Promise<number> {
  const print: Print = (result, table) => console.log(options.json ? JSON.stringify(result, null, 2) : table());
  if (options.command === 'help') {
    console.log(usage);
    return 0;
  }
  if (options.command === 'outbox') {
    const report = await outboxReport(outboxDatabaseUrls(process.env, options.postgresUrl));
    print(report, () => formatOutbox(report, new Date()));
    return report.some(({ error }) => error) ? 1 : 0;
  }

  // Without an endpoint the SDK would still take one from AWS_ENDPOINT_URL: --aws means AWS.
  if (!options.endpoint) process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = 'true';
  const { sqs } = createAwsClients({ endpoint: options.endpoint, region: options.region });
  try {
    if (options.command === 'queues') {
      const report = await queueReport(sqs, resolveTopology(options.prefix));
      print(report, () => `Queues at ${where(options)}, ${options.prefix ? `prefix ${options.prefix}` : 'no prefix'}\n${formatQueues(report, new Date())}`);
      return 0;
    }
    if (options.command === 'order' || options.command === 'stuck') return await reportOrders(options, sqs, print);
    const queue = options.queue!;
    const stoppedAtLimit = (listed: number) => (listed === options.limit ? `\nThe listing stopped at --limit ${options.limit}: there may be more.` : '');
    if (options.command === 'dlq peek') {
      const letters = await peekDeadLetters(sqs, queue, { limit: options.limit });
      print(letters, () => `${queue.deadLetterQueueName} at ${where(options)}: ${letters.length} dead letter(s)\n${formatDeadLetters(queue, letters, new Date())}${stoppedAtLimit(letters.length)}`);
      return 0;
    }
    const result = await redriveDeadLetters(sqs, queue, { dryRun: options.dryRun, limit: options.limit, onProgress: options.json ? undefined : progressLine() });
    print(result, () => `${formatRedrive(result, queue, new Date())}${result.dryRun ? stoppedAtLimit(result.wouldMove.length) : ''}`);
    return 0;
  } finally {
    sqs.destroy();
  }
}

/** `order` and `stuck`: from every service's database and every dead-letter queue; 1 when a part could not be read. */
async function reportOrders(options: Options, sqs: SQSClient, print: Print): Promise<number> {
  const databases = await ServiceDatabases.open(outboxDatabaseUrls(process.env, options.postgresUrl));
  try {
    const sources = { databases, sqs, topology: resolveTopology(options.prefix), queuesAt: where(options) };
    const now = new Date();
    if (options.command === 'order') {
      const [journey] = await readJourneys(sources, [options.orderId!], now);
      print(journey, () => formatJourney(journey!, now));
      return journey!.order && journey!.unreadable.length === 0 ? 0 : 1;
    }
    const report = await stuckOrders(sources, { olderThanSeconds: options.olderThanSeconds, limit: options.limit }, now);
    print(report, () => formatStuck(report, now));
    return report.unreadable.length === 0 ? 0 : 1;
  } finally {
    await databases.close();
  }
}

function where({ endpoint, region }: Options): string {
  return endpoint ?? `AWS ${region}`;
}

/** At most one line a second, so only a big dead-letter queue shows progress. */
function progressLine(): (moved: number) => void {
  let last = Date.now();
  return (moved) => {
    if (Date.now() - last < 1_000) return;
    last = Date.now();
    console.error(`moved ${moved} so far...`);
  };
}

const networkErrors = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH'];

function describeFailure(error: unknown, options: Options): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const unreachable = typeof code === 'string' && networkErrors.includes(code);
  return unreachable ? `cannot reach SQS at ${where(options)}: ${errorMessage(error)}` : errorMessage(error);
}

async function main(): Promise<number> {
  // The AWS SDK warns on every run that it will need Node 22 from 2027; README.md says so once.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options: Options;
  try {
    options = parseCommandLine(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}${error.showUsage ? `\n\n${usage}` : ''}`);
    return 2;
  }
  try {
    return await run(options);
  } catch (error) {
    console.error(`error: ${describeFailure(error, options)}`);
    return 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
