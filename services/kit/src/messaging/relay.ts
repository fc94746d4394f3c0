import type { AnyEvent, EventPublisher } from '@bookstore/events';
import type pg from 'pg';
import type { Logger } from '../logger';
import { outboxChannel } from './outbox';

export interface OutboxRelayOptions {
  pool: pg.Pool;
  publisher: Pick<EventPublisher, 'publish'>;
  logger: Logger;
  /** Fallback when a notification is missed (listener reconnecting, another relay's leftovers). */
  pollIntervalMs?: number;
  batchSize?: number;
}

const maxBackoffMs = 5_000;

/**
 * Publishes committed outbox events. Woken by Postgres LISTEN/NOTIFY the moment an event commits, with a
 * polling fallback. Several relays may run at once: each claims rows with FOR UPDATE SKIP LOCKED, and a row
 * is marked published only after SNS accepted it. If the broker is down the rows stay and are retried with
 * backoff; if the process dies mid-publish the transaction rolls back and another relay publishes them
 * again (consumers are idempotent, so a repeat is harmless).
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private listener?: pg.PoolClient;
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private wakeAgain = false;
  private stopped = true;
  private failures = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 50;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
    this.wake();
  }

  /** Stops listening and polling, then publishes what is left once more, so a clean shutdown leaves nothing behind. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const listener = this.listener;
    this.listener = undefined;
    listener?.release(true); // destroyed, not pooled: a pooled client would still be LISTENing
    await this.draining;
    await this.drain().catch((error) => this.options.logger.warn({ err: error }, 'final outbox flush failed; events stay queued'));
  }

  /** Publishes until the outbox is empty; resolves when done. Also used by tests and the final flush. */
  async drain(): Promise<void> {
    for (;;) {
      const { claimed, published } = await this.publishBatch();
      if (claimed < this.batchSize || published < claimed) return;
    }
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.draining = this.drain()
      .then(() => {
        if (this.failures > 0) this.options.logger.info({ failures: this.failures }, 'outbox publishing recovered');
        this.failures = 0;
      })
      .catch((error) => {
        this.failures += 1;
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.options.logger.warn({ err: error, failures: this.failures }, 'publishing outbox events failed; retrying');
        }
      })
      .finally(() => {
        this.draining = undefined;
        if (this.stopped) return;
        const again = this.wakeAgain && this.failures === 0;
        this.wakeAgain = false;
        const delay = this.failures > 0 ? Math.min(100 * 2 ** this.failures, maxBackoffMs) : this.pollIntervalMs;
        if (again) this.wake();
        else this.timer = setTimeout(() => this.wake(), delay);
      });
  }

  private async publishBatch(): Promise<{ claimed: number; published: number }> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ payload: AnyEvent }>(
        `SELECT payload FROM outbox_events WHERE published_at IS NULL
         ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return { claimed: 0, published: 0 };
      }
      const outcome = await this.options.publisher.publish(rows.map((row) => row.payload));
      if (outcome.published.length > 0) {
        await client.query('UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::uuid[])', [outcome.published]);
      }
      await client.query('COMMIT');
      if (outcome.failed.length > 0) {
        throw new Error(`${outcome.failed.length} of ${rows.length} events not published: ${outcome.failed[0]?.error}`);
      }
      return { claimed: rows.length, published: outcome.published.length };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async listen(): Promise<void> {
    let listener: pg.PoolClient | undefined;
    const retry = (error: unknown, message: string) => {
      this.options.logger.warn({ err: error }, message);
      if (listener && this.listener === listener) {
        this.listener = undefined;
        listener.release(true);
      }
      if (!this.stopped) setTimeout(() => void this.listen(), this.pollIntervalMs);
    };
    try {
      listener = await this.options.pool.connect();
      if (this.stopped) return listener.release();
      this.listener = listener;
      listener.on('notification', () => this.wake());
      // Only while this is still the live listener: stop() may have released it already.
      listener.on('error', (error) => this.listener === listener && retry(error, 'outbox listener lost its connection; polling until it reconnects'));
      await listener.query(`LISTEN ${outboxChannel}`);
    } catch (error) {
      retry(error, 'cannot listen for outbox notifications yet; polling meanwhile');
    }
  }
}
