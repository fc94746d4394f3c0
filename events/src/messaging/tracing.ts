import type { Message } from '@aws-sdk/client-sqs';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { AnyEvent } from '../contracts';

/**
 * The message attribute that carries the W3C trace context of the transaction that wrote an event, from the outbox
 * through SNS (raw delivery keeps message attributes) into SQS. OpenTelemetry's own AWS SDK instrumentation cannot
 * do this here: it injects nothing into PublishBatch, and an event is published after its transaction, often by
 * another process (the relay).
 */
export const traceAttribute = 'traceparent';

const tracer = trace.getTracer('@bookstore/events');

/** An event on its way to SNS, with the trace context it was written in. */
export interface OutgoingEvent {
  event: AnyEvent;
  traceparent?: string;
}

/** The active trace context as a W3C traceparent; undefined where tracing is not set up (kit's startTracing). */
export function activeTraceparent(): string | undefined {
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs a handler in a span of its own that continues the trace the message carries (a new trace when it carries
 * none), so that what the handler logs and the events it writes belong to the trace of the request that started it.
 */
export function inEventSpan<R>(message: Message, event: AnyEvent, queue: string, handle: () => Promise<R>): Promise<R> {
  const attributes = {
    'messaging.system': 'aws_sqs',
    'messaging.operation.type': 'process',
    'messaging.destination.name': queue,
    'messaging.message.id': event.id,
    'bookstore.event.type': event.type,
    'bookstore.correlation_id': event.correlationId,
  };
  return tracer.startActiveSpan(`process ${event.type}`, { kind: SpanKind.CONSUMER, attributes }, traceOf(message), async (span) => {
    try {
      return await handle();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Runs `work` in the trace the message carries, without a span of its own: what it logs names that trace. */
export function inTraceOf<R>(message: Message, work: () => R): R {
  return context.with(traceOf(message), work);
}

function traceOf(message: Message) {
  const traceparent = message.MessageAttributes?.[traceAttribute]?.StringValue;
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}
