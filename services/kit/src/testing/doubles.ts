import type { AnyEvent, OutgoingEvent, PublishOutcome } from '@bookstore/events';
import type { CommittedEvents } from '../messaging/dispatcher';

/** Stands in for the SNS publisher: records what it was given; can be made to fail, reject some events, or wait. */
export class FakePublisher {
  readonly published: AnyEvent[] = [];
  /** The ids each call was given, call by call. */
  readonly batches: string[][] = [];
  /** The trace context each event was given with, by event id. */
  readonly traceparents = new Map<string, string | undefined>();
  calls = 0;
  failWith?: Error;
  reject = new Set<string>();
  gate?: Promise<void>;
  delayMs = 0;

  async publish(outgoing: readonly OutgoingEvent[]): Promise<PublishOutcome> {
    const events = outgoing.map(({ event }) => event);
    this.calls += 1;
    this.batches.push(events.map((event) => event.id));
    for (const { event, traceparent } of outgoing) this.traceparents.set(event.id, traceparent);
    if (this.gate) await this.gate;
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failWith) throw this.failWith;
    const accepted = events.filter((event) => !this.reject.has(event.id));
    this.published.push(...accepted);
    return {
      published: accepted.map((event) => event.id),
      failed: events.filter((event) => this.reject.has(event.id)).map((event) => ({ id: event.id, error: 'InternalError: try again' })),
    };
  }
}

/** Stands in for an OutboxDispatcher: records the events a use case handed over, in order. */
export class DispatchSpy implements CommittedEvents {
  readonly dispatched: AnyEvent[] = [];

  dispatch(events: readonly AnyEvent[]): void {
    this.dispatched.push(...events);
  }
}
