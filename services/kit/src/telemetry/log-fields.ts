import { context, isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';
import { requestSpanOf } from '../http/tracing';

type TraceFields = { trace_id?: string; span_id?: string };

/** The log fields that tie a line to its trace: the ones CloudWatch, X-Ray and most log tools look for. */
function traceFields(spanContext: SpanContext | undefined): TraceFields {
  return spanContext && isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
}

/**
 * The trace fields of a log line (pino's mixin): those of whatever runs now (a request, a handled event), or for a
 * request's access line, written once the answer is done and outside its context, those of the request's span.
 */
export function traceFieldsOfLine(line: object): TraceFields {
  const active = trace.getSpanContext(context.active());
  return traceFields(active ?? requestSpanOf((line as { res?: { locals?: Record<string, unknown> } }).res)?.spanContext());
}
