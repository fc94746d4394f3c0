import { context, trace, type SpanContext } from '@opentelemetry/api';

/** The log fields that tie a line to its trace: the ones CloudWatch, X-Ray and most log tools look for. */
export function traceFields(spanContext: SpanContext | undefined): { trace_id?: string; span_id?: string } {
  return spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
}

/** The trace fields of whatever runs now (a request, a handled event), for every log line: pino's mixin. */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  return traceFields(trace.getSpanContext(context.active()));
}
