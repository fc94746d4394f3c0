import { FailureBackoff, type EventPublisher, type OutgoingEvent, type PublishOutcome } from '@bookstore/events';
import type pg from 'pg';
import type { Logger } from '../logger';

/**
 * How long a relay's claim on outbox rows lasts. Nothing renews it: a relay that dies after claiming leaves its rows
 * to whichever relay polls next once it runs out, so they go out within seconds, not after a long timeout. A publish
 * that takes longer than the lease risks only a duplicate publish (another relay may take the rows meanwhile), and
 * consumers are idempotent.
 */
export const outboxLeaseMs = 10_000;

/**
 * How long the process that committed an event has to publish it itself (OutboxDispatcher) before the relay takes
 * it: long enough for a publish, short enough that an event whose writer died or failed is late by seconds only.
 */
export const outboxGraceMs = 5_000;

export interface OutboxRelayOptions {
  pool: pg.Pool;
  publisher: Pick<EventPublisher, 'publish'>;
  logger: Logger;
  /** How often it looks for events nobody published. */
  pollIntervalMs?: number;
  batchSize?: number;
  /** The claim's lease; outboxLeaseMs unless a test needs it shorter. */
  leaseMs?: number;
  /** outboxGraceMs unless a test needs it shorter. */
  graceMs?: number;
}

/** One claimed batch, in order of publication; all its rows share the claim's `claimed_until`. */
interface Claim {
  events: OutgoingEvent[];
  until: Date;
}

/**
 * Publishes the outbox events that the process which committed them did not (see OutboxDispatcher): its publish
 * failed, or it died first. It polls for rows older than the grace period (outboxGraceMs). A batch is two autocommit
 * statements around the PublishBatch call, and no connection or lock is held while SNS answers: one UPDATE claims
 * the oldest such rows for a lease (outboxLeaseMs), skipping rows another relay is claiming (FOR UPDATE SKIP LOCKED)
 * or holds under an unexpired lease, so several relays may run at once; after the publish, one UPDATE marks published
 * what SNS accepted and releases the claim of the rest. If the broker is down the rows stay and are retried with
 * backoff; if the process dies mid-publish its rows are published by another relay (or by this one after a restart)
 * once the lease runs out (consumers are idempotent, so a repeat is harmless).
 *
 * While started, one loop drains the outbox, then waits the poll interval (or, after a failure, the backoff), and
 * again.
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly graceMs: number;
  private readonly backoff = new FailureBackoff();
  private stopped = true;
  /** The drain-and-wait loop, from start() until stop() ends it. */
  private loop?: Promise<void>;
  /** Ends the wait between two drains early (stop()); set only while the loop waits. */
  private wakeUp?: () => void;

  constructor(private readonly options: OutboxRelayOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 50;
    this.leaseMs = options.leaseMs ?? outboxLeaseMs;
    this.graceMs = options.graceMs ?? outboxGraceMs;
  }

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stops polling, then publishes what is left once more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
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

  /** The wait between two drains: the backoff after a failure, the poll interval otherwise. */
  private waitForWork(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(wake, this.backoff.failures > 0 ? this.backoff.delayMs : this.pollIntervalMs);
      this.wakeUp = wake;
    });
  }

  /** Publishes one batch and returns its size; throws when SNS did not accept all of it, once what it accepted is marked published. */
  private async publishBatch(): Promise<number> {
    const claim = await this.claim();
    if (!claim) return 0;
    let outcome: PublishOutcome;
    try {
      outcome = await this.options.publisher.publish(claim.events);
    } catch (error) {
      // Nothing was accepted: give the whole batch back, for the next attempt after the backoff. Should even that
      // fail, the lease runs out on its own.
      await this.settle(claim, []).catch(() => undefined);
      throw error;
    }
    await this.settle(claim, outcome.published);
    if (outcome.failed.length > 0) {
      throw new Error(`${outcome.failed.length} of ${claim.events.length} events not published: ${outcome.failed[0]?.error}`);
    }
    return claim.events.length;
  }

  /**
   * Claims the oldest unpublished rows that nobody holds and that are past the grace period, in one autocommit
   * statement. SKIP LOCKED passes over rows
   * another relay's claim is updating at this moment; a row it claimed since this statement's snapshot is re-read
   * by FOR UPDATE, and its new lease excludes it.
   */
  private async claim(): Promise<Claim | undefined> {
    const { rows } = await this.options.pool.query<OutgoingEvent & { claimed_until: Date }>(
      `WITH claimed AS (
         UPDATE outbox_events SET claimed_until = now() + $2 * interval '1 millisecond'
         WHERE id IN (
           SELECT id FROM outbox_events
           WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
             AND created_at < now() - $3 * interval '1 millisecond'
           ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, created_at, payload, traceparent, claimed_until)
       SELECT payload AS event, traceparent, claimed_until FROM claimed ORDER BY created_at, id`,
      [this.batchSize, this.leaseMs, this.graceMs],
    );
    const [first] = rows;
    return first && { events: rows.map(({ event, traceparent }) => ({ event, traceparent: traceparent ?? undefined })), until: first.claimed_until };
  }

  /**
   * In one autocommit statement: marks published the rows SNS accepted (keeping the time of a first publication,
   * should the lease have run out and another relay published them too) and releases the claim of the others, so
   * they are retried at once rather than after the lease. A row whose lease ran out and that another relay claimed
   * since keeps that relay's claim: claimed_until, set by one claim for its whole batch, tells the claims apart.
   */
  private async settle(claim: Claim, published: string[]): Promise<void> {
    await this.options.pool.query(
      `UPDATE outbox_events
       SET published_at = CASE WHEN id = ANY($1::uuid[]) THEN coalesce(published_at, now()) ELSE published_at END,
           claimed_until = NULL
       WHERE id = ANY($2::uuid[]) AND (id = ANY($1::uuid[]) OR claimed_until = $3)`,
      [published, claim.events.map(({ event }) => event.id), claim.until],
    );
  }
}
