import { resolveTopology, type QueueSpec } from '@bookstore/events';
import { parseArgs } from 'node:util';
import { resolveQueue } from './dead-letters';
import { errorMessage } from './format';

export const usage = `Usage: npm run ops -- <command> [options]

Commands:
  queues               messages visible, in flight and delayed in every queue,
                       and in its dead-letter queue, with the age of the oldest
                       dead letter. SQS gives no message ages: on AWS the
                       queue-age alarm (CloudWatch) has the oldest message's.
  dlq peek <queue>     the dead letters: ids, event type, receives (peeks too),
                       age and why they failed; they all stay in the DLQ
  dlq redrive <queue>  move the dead letters back to their queue
  outbox               unpublished events in each service's database
  order <order id>     where an order is: its status, trace id, every event
                       about it (written, published, handled by whom, when),
                       Catalog's reservation, Payments' payment, its dead
                       letters, and a verdict: how it was decided, or the
                       first step that did not happen and where to look
  stuck                every PENDING order placed more than --older-than ago,
                       oldest first, each with its verdict on one line

  <queue> is a consumer (orders), a queue (orders-queue) or a DLQ
  (orders-queue-dlq); the prefix may be left out.

Options:
  --endpoint <url>      SQS endpoint (default: $AWS_ENDPOINT_URL, else
                        npm start's emulator, http://127.0.0.1:4566)
  --aws                 real AWS, with credentials from the usual chain
  --region <region>     default: $AWS_REGION, else us-east-1
  --prefix <prefix>     topology prefix (default: $TOPOLOGY_PREFIX); on AWS
                        bookstore-dev- or bookstore-prod-
  --json                machine-readable output instead of tables
  --limit <n>           dlq peek, dlq redrive --dry-run, stuck: list at most
                        n (100)
  --dry-run             dlq redrive: list what would move, move nothing
  --older-than <age>    stuck: placed longer ago than this (30s); 90, 90s,
                        5m, 2h or 1d
  --postgres-url <url>  outbox, order, stuck: the PostgreSQL server (default:
                        $DATABASE_URL, else npm start's,
                        postgres://127.0.0.1:54320);
                        <SERVICE>_DATABASE_URL (ORDERS_DATABASE_URL...) wins
  -h, --help

Peeking hides the messages for a moment (up to 60 s if interrupted); order
and stuck peek every DLQ (up to 1000 dead letters each) and change nothing.
Exit codes: 0 done (dead letters and stuck orders too), 1 failed, or a part
unreachable (the rest is shown), or no such order, 2 bad usage.`;

export type Command = 'queues' | 'dlq peek' | 'dlq redrive' | 'outbox' | 'order' | 'stuck' | 'help';

export interface Options {
  command: Command;
  /** The queue of a dlq command. */
  queue?: QueueSpec;
  /** The order of `order`. */
  orderId?: string;
  /** Undefined means AWS itself. */
  endpoint?: string;
  region: string;
  prefix: string;
  json: boolean;
  limit: number;
  dryRun: boolean;
  /** stuck: list the PENDING orders placed longer ago than this. */
  olderThanSeconds: number;
  postgresUrl?: string;
}

/** A mistake in the command line: exit code 2, with the usage unless the message says all there is to say. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

const commands: Command[] = ['queues', 'dlq peek', 'dlq redrive', 'outbox', 'order', 'stuck'];

/** The command's operands: dlq commands take a queue, `order` an order id, the others none. */
const operandOf: Partial<Record<Command, string>> = { 'dlq peek': 'one queue name', 'dlq redrive': 'one queue name', order: 'one order id' };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseCommandLine(args: string[], env: NodeJS.ProcessEnv): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        endpoint: { type: 'string' },
        aws: { type: 'boolean', default: false },
        region: { type: 'string' },
        prefix: { type: 'string' },
        json: { type: 'boolean', default: false },
        limit: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'older-than': { type: 'string' },
        'postgres-url': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(errorMessage(error).split('. ')[0]!); // the rest of Node's message is about `--` operands
  }
  const { values, positionals } = parsed;
  const options: Options = {
    command: 'help',
    endpoint: values.aws ? undefined : (values.endpoint ?? env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566'),
    region: values.region ?? env.AWS_REGION ?? 'us-east-1',
    prefix: values.prefix ?? env.TOPOLOGY_PREFIX ?? '',
    json: values.json,
    limit: Number(values.limit ?? 100),
    dryRun: values['dry-run'],
    olderThanSeconds: seconds(values['older-than'] ?? '30s'),
    postgresUrl: values['postgres-url'],
  };
  if (values.help) return options;

  // `dlq peek orders` is the command `dlq peek` with the operand `orders`.
  const [name = '', ...operands] = positionals[0] === 'dlq' ? [positionals.slice(0, 2).join(' '), ...positionals.slice(2)] : positionals;
  const command = commands.find((candidate) => candidate === name);
  if (!command) throw new UsageError(name ? `unknown command '${name}'` : 'no command given');
  options.command = command;
  const operand = operandOf[command];
  if (operands.length !== (operand ? 1 : 0)) throw new UsageError(operand ? `${command} needs ${operand}` : `${command} takes no arguments`);

  const misplaced = [
    values.limit !== undefined &&
      !['dlq peek', 'stuck'].includes(command) &&
      !(command === 'dlq redrive' && values['dry-run']) &&
      '--limit applies only to dlq peek, dlq redrive --dry-run and stuck',
    values['dry-run'] && command !== 'dlq redrive' && '--dry-run applies only to dlq redrive',
    values['older-than'] !== undefined && command !== 'stuck' && '--older-than applies only to stuck',
    values['postgres-url'] !== undefined &&
      !['outbox', 'order', 'stuck'].includes(command) &&
      '--postgres-url applies only to outbox, order and stuck',
    values.aws && values.endpoint !== undefined && '--aws and --endpoint exclude each other',
    !(Number.isInteger(options.limit) && options.limit > 0) && `--limit must be a positive whole number, not '${values.limit}'`,
    Number.isNaN(options.olderThanSeconds) && `--older-than must be an age such as 90, 90s, 5m, 2h or 1d, not '${values['older-than']}'`,
    command === 'order' && !uuidPattern.test(operands[0]!) && `'${operands[0]}' is not an order id (a UUID)`,
  ].find(Boolean);
  if (misplaced) throw new UsageError(misplaced);
  if (command === 'order') options.orderId = operands[0]!.toLowerCase();

  if (command.startsWith('dlq')) {
    try {
      options.queue = resolveQueue(resolveTopology(options.prefix), operands[0]!);
    } catch (error) {
      throw new UsageError(errorMessage(error), false); // the message lists the valid names: the usage would bury it
    }
  }
  return options;
}

const secondsPer: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `90s`, `5m`, `2h`, `1d` in seconds; NaN for anything else. */
function seconds(age: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(age);
  return match ? Number(match[1]) * secondsPer[match[2]!]! : Number.NaN;
}
