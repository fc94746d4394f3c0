import { FailureBackoff, type AnyEvent, type EventPublisher, type PublishOutcome } from '@bookstore/events';
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

/**
 * Publishes committed outbox events. Woken by Postgres LISTEN/NOTIFY the moment an event commits, with a
 * polling fallback. Several relays may run at once: each claims rows with FOR UPDATE SKIP LOCKED, and a row
 * is marked published only after SNS accepted it. If the broker is down the rows stay and are retried with
 * backoff; if the process dies mid-publish the transaction rolls back and another relay publishes them
 * again (consumers are idempotent, so a repeat is harmless).
 *
 * While started, one loop drains the outbox, then waits, and again. After a drain that succeeded it waits for a
 * notification or the poll interval, whichever comes first; a notification that came during the drain ends the wait
 * at once, since its event may have committed too late for that drain. After a failure it waits out the backoff, and
 * notifications do not cut it short: the broker is most likely still down.
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly backoff = new FailureBackoff();
  private listener?: pg.PoolClient;
  private stopped = true;
  /** The drain-and-wait loop, from start() until stop() ends it. */
  private loop?: Promise<void>;
  /** A commit was notified since the current drain began. */
  private notified = false;
  /** Ends the wait between two drains early; set only while the loop waits. */
  private wakeUp?: () => void;

  constructor(private readonly options: OutboxRelayOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 50;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
    this.loop = this.run();
  }

  /** Stops listening and polling, then publishes what is left once more, so a clean shutdown leaves nothing behind. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    const listener = this.listener;
    this.listener = undefined;
    listener?.release(true); // destroyed, not pooled: a pooled client would still be LISTENing
    await this.loop;
    await this.drain().catch((error) => this.options.logger.warn({ err: error }, 'final outbox flush failed; events stay queued'));
  }

  /** Publishes until the outbox is empty; resolves when done. Also used by tests and the final flush. */
  async drain(): Promise<void> {
    for (;;) {
      const published = await this.publishBatch();
      if (published < this.batchSize) return; // a short batch: nothing was left
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.notified = false;
      await this.drainOrBackOff();
      await this.waitForWork();
    }
  }

  /** Drains the outbox; a failure is not thrown but counted, so that the next wait backs off. */
  private async drainOrBackOff(): Promise<void> {
    try {
      await this.drain();
      const failures = this.backoff.succeeded();
      if (failures > 0) this.options.logger.info({ failures }, 'outbox publishing recovered');
    } catch (error) {
      if (this.backoff.failed()) {
        this.options.logger.warn({ err: error, failures: this.backoff.failures }, 'publishing outbox events failed; retrying');
      }
    }
  }

  /** The wait between two drains: the backoff after a failure; otherwise until a notification or the next poll. */
  private waitForWork(): Promise<void> {
    const backingOff = this.backoff.failures > 0;
    if (this.stopped || (this.notified && !backingOff)) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(wake, backingOff ? this.backoff.delayMs : this.pollIntervalMs);
      this.wakeUp = wake;
    });
  }

  private onNotification(): void {
    this.notified = true;
    if (this.backoff.failures === 0) this.wakeUp?.();
  }

  /** Publishes one batch and returns its size; throws when SNS did not accept all of it, once what it accepted is committed as published. */
  private async publishBatch(): Promise<number> {
    const { claimed, outcome } = await this.claimAndPublish();
    if (outcome.failed.length > 0) {
      throw new Error(`${outcome.failed.length} of ${claimed} events not published: ${outcome.failed[0]?.error}`);
    }
    return claimed;
  }

  /** In one transaction: claims the oldest unpublished rows, publishes them and marks those SNS accepted. */
  private async claimAndPublish(): Promise<{ claimed: number; outcome: PublishOutcome }> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ payload: AnyEvent }>(
        `SELECT payload FROM outbox_events WHERE published_at IS NULL
         ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      const outcome: PublishOutcome = rows.length > 0 ? await this.options.publisher.publish(rows.map((row) => row.payload)) : { published: [], failed: [] };
      if (outcome.published.length > 0) {
        await client.query('UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::uuid[])', [outcome.published]);
      }
      await client.query('COMMIT');
      return { claimed: rows.length, outcome };
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
      listener.on('notification', () => this.onNotification());
      // Only while this is still the live listener: stop() may have released it already.
      listener.on('error', (error) => this.listener === listener && retry(error, 'outbox listener lost its connection; polling until it reconnects'));
      await listener.query(`LISTEN ${outboxChannel}`);
    } catch (error) {
      retry(error, 'cannot listen for outbox notifications yet; polling meanwhile');
    }
  }
}
