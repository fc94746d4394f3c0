import { activeTraceparent, FailureBackoff, type AnyEvent, type EventPublisher, type OutgoingEvent } from '@bookstore/events';
import type pg from 'pg';
import { afterCommit } from '../db/transaction';
import type { Logger } from '../logger';
import { markPublishedStatement } from './outbox';

/** What a use case holds to hand over the events it has just committed to the outbox. */
export interface CommittedEvents {
  /** Call only once the transaction that wrote `events` to the outbox has committed. Returns at once. */
  dispatch(events: readonly AnyEvent[]): void;
}

/** For a Db built without a dispatcher (tests, tools): the relay publishes the rows once they are past its grace. */
export const leaveToRelay: CommittedEvents = { dispatch: () => undefined };

export interface OutboxDispatcherOptions {
  pool: Pick<pg.Pool, 'query'>;
  publisher: Pick<EventPublisher, 'publish'>;
  logger: Logger;
}

/**
 * Publishes events the moment the transaction that wrote them to the outbox commits, from the process that wrote
 * them, instead of waking a relay to claim them first: one PublishBatch and one UPDATE marking them published, and
 * no statement before the publish. Events dispatched while a publish is in flight go out together in the next one,
 * so under load the batches grow by themselves (up to SNS's ten per request, per topic).
 *
 * Nothing here is needed for delivery: an event this process fails to publish (the broker is down, the process
 * dies) is still an unpublished row, which the OutboxRelay publishes once it is older than the relay's grace
 * period. An event both publish (a publish slower than the grace) reaches consumers twice, which the inbox absorbs.
 */
export class OutboxDispatcher implements CommittedEvents {
  private queued: OutgoingEvent[] = [];
  private publishing?: Promise<void>;
  private readonly marking = new Set<Promise<void>>();
  /** Only for what it logs: the first failure of an outage, every 20th, and the recovery (the relay does the retrying). */
  private readonly failures = new FailureBackoff();

  constructor(private readonly options: OutboxDispatcherOptions) {}

  /**
   * Inside a shared transaction (a batch of events handled together), waits until that transaction commits. The
   * events keep the trace context they are dispatched in, as their outbox rows do.
   */
  dispatch(events: readonly AnyEvent[]): void {
    if (events.length === 0) return;
    const traceparent = activeTraceparent();
    afterCommit(this.options.pool, () => {
      this.queued.push(...events.map((event) => ({ event, traceparent })));
      this.publishing ??= this.publishQueued().finally(() => (this.publishing = undefined));
    });
  }

  /** Resolves once everything dispatched so far has been published (or left to the relay) and marked. */
  async flush(): Promise<void> {
    while (this.publishing || this.marking.size > 0) {
      await this.publishing;
      await Promise.all([...this.marking]);
    }
  }

  private async publishQueued(): Promise<void> {
    while (this.queued.length > 0) {
      const events = this.queued;
      this.queued = [];
      try {
        const { published, failed } = await this.options.publisher.publish(events);
        if (published.length > 0) this.mark(published);
        if (failed.length > 0) this.failed({ events: failed.length, error: failed[0]?.error });
        else this.succeeded();
      } catch (error) {
        this.failed({ err: error, events: events.length });
      }
    }
  }

  private failed(details: Record<string, unknown>): void {
    if (this.failures.failed()) {
      this.options.logger.warn({ ...details, failures: this.failures.failures }, 'publishing committed events failed; the outbox relay will retry them');
    }
  }

  private succeeded(): void {
    const failures = this.failures.succeeded();
    if (failures > 0) this.options.logger.info({ failures }, 'publishing committed events recovered');
  }

  /** Marks published rows without holding up the next publish; a failure only means the relay publishes them again. */
  private mark(ids: string[]): void {
    const marked = this.options.pool
      .query(markPublishedStatement.with([ids]))
      .then(
        () => undefined,
        (error: unknown) => this.options.logger.warn({ err: error, events: ids.length }, 'marking published events failed; the outbox relay will publish them again'),
      );
    this.marking.add(marked);
    void marked.finally(() => this.marking.delete(marked));
  }
}
