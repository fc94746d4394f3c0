import type { QueueSpec } from '@bookstore/events';
import Table from 'cli-table3';
import type { DeadLetter, RedriveResult } from './dead-letters';
import type { OutboxStatus } from './outbox';
import type { QueueStatus } from './queues';

/** Plain tables: no colours, so they read the same in a terminal, a pipe and a pasted incident note. */
export const table = (options: Table.TableConstructorOptions, compact = true) => new Table({ style: { head: [], border: [], compact }, ...options });

/** `42s`, `3m 05s`, `4h 12m`, `2d 03h`: two units at most, which is what an incident needs. */
export function age(since: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${pad(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86400)}d ${pad(Math.floor(seconds / 3600) % 24)}h`;
}

/** A short span of time, finer than `age`: `40ms`, `1.2s`, then as `age` (`3m 05s`). */
export function duration(milliseconds: number): string {
  if (milliseconds < 1000) return `${milliseconds}ms`;
  if (milliseconds < 60_000) return `${Math.floor(milliseconds / 100) / 10}s`;
  return age(new Date(0), new Date(milliseconds));
}

/** How long after `from` something happened: `+40ms`, `+1.2s`; negative when the clocks of two machines disagree. */
export function delay(from: Date, to: Date): string {
  const milliseconds = to.getTime() - from.getTime();
  return `${milliseconds < 0 ? '-' : '+'}${duration(Math.abs(milliseconds))}`;
}

/** A moment as logs and traces show it, in UTC: `12:01:03.120`, or `12:01:03` when seconds are enough. */
export function clock(at: Date, precision: 'ms' | 's' = 'ms'): string {
  return at.toISOString().slice(11, precision === 'ms' ? 23 : 19);
}

/** A service as a sentence names it: `Payments`. */
export function titled(service: string): string {
  return `${service.charAt(0).toUpperCase()}${service.slice(1)}`;
}

/** `Payments'`, `Catalog's`. */
export function possessive(service: string): string {
  return service.endsWith('s') ? `${titled(service)}'` : `${titled(service)}'s`;
}

/** A text fit for one line of a report, however many lines it had (validation errors come on several). */
export function oneLine(text: string, max = 160): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** One line for any error: some Node network errors (an AggregateError) have an empty message. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, errors } = error as Error & { code?: string; errors?: unknown[] };
  const message = error.message || (errors?.[0] instanceof Error ? errors[0].message : '') || code || error.name;
  return message.split('\n')[0]!;
}

export function formatQueues(statuses: QueueStatus[], now: Date): string {
  const rows = table({ head: ['queue', 'visible', 'in\nflight', 'delayed', 'dead', 'oldest\ndead'], colAligns: ['left', 'right', 'right', 'right', 'right', 'right'] });
  for (const status of statuses) {
    const oldest = status.oldestDeadLetterSentAt ? `${status.deadLettersSampled < status.deadLetters ? '>' : ''}${age(status.oldestDeadLetterSentAt, now)}` : '-';
    rows.push([status.queue, status.visible, status.inFlight, status.delayed, status.deadLetters > 0 ? `${status.deadLetters} !` : 0, oldest]);
  }
  const alerts = statuses
    .filter(({ deadLetters }) => deadLetters > 0)
    .map(({ consumer, deadLetterQueue, deadLetters }) => `! ${deadLetters} dead letter(s) in ${deadLetterQueue}\n  see them: npm run ops -- dlq peek ${consumer}`);
  return [rows.toString(), ...alerts].join('\n');
}

export function formatDeadLetters(queue: QueueSpec, letters: DeadLetter[], now: Date): string {
  if (letters.length === 0) return `${queue.deadLetterQueueName} is empty.`;
  const rows = table({ head: ['message id / event id', 'type', 'recv', 'age'], colWidths: [38, 19, 6, 10], colAligns: ['left', 'left', 'right', 'right'], wordWrap: true }, false);
  for (const letter of letters) {
    rows.push([`${letter.messageId}\n${letter.eventId ?? '-'}`, letter.type ?? '-', letter.receiveCount, age(letter.sentAt, now)]);
    rows.push([{ colSpan: 4, content: why(queue, letter) }]);
  }
  return rows.toString();
}

export function formatRedrive(result: RedriveResult, queue: QueueSpec, now: Date): string {
  const lines = result.dryRun
    ? [
        `Dry run, nothing was moved: ${result.wouldMove.length} message(s) would move from ${result.deadLetterQueue} to ${result.queue}.`,
        ...(result.wouldMove.length > 0 ? [formatDeadLetters(queue, result.wouldMove, now)] : []),
      ]
    : [
        `Moved ${result.moved} message(s) from ${result.deadLetterQueue} to ${result.queue}.`,
        ...(result.cameBack > 0 ? [`${result.cameBack} of them came back to the DLQ while it ran: the consumer still fails on them.`] : []),
      ];
  const poison = Object.entries(result.poisonReasons);
  if (poison.length > 0) {
    const counted = poison.map(([reason, count]) => `${count} ${reason}`).join(', ');
    lines.push(`Warning: ${counted} ${result.dryRun ? 'would be' : 'were'} poison; they dead-letter again unless the consumer was fixed.`);
  }
  return lines.join('\n');
}

export function formatOutbox(statuses: OutboxStatus[], now: Date): string {
  const rows = table({ head: ['service', 'database', 'unpublished', 'oldest'], colAligns: ['left', 'left', 'right', 'right'] });
  for (const status of statuses) {
    const oldest = status.oldestCreatedAt ? age(status.oldestCreatedAt, now) : '-';
    rows.push([status.service, status.database, status.error ? 'error' : (status.unpublished ?? 0), oldest]);
  }
  const errors = statuses.filter(({ error }) => error).map(({ service, database, error }) => `! ${service} (${database}): ${error}`);
  return [rows.toString(), ...errors].join('\n');
}

/** Why a message was dead-lettered, as far as the message tells. */
function why(queue: QueueSpec, letter: DeadLetter): string {
  const shown = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  const cause = letter.reason
    ? `poison, ${letter.reason}: ${shown(letter.detail ?? '', 200)} (dead-lettered by ${letter.sourceQueue ?? 'its consumer'})`
    : `no failure-reason: moved by the redrive policy after ${queue.maxReceiveCount} failed receives (see "event handler failed" in the consumer's logs)`;
  return letter.eventId ? cause : `${cause}\nbody: ${shown(JSON.stringify(letter.body), 70)}`;
}
