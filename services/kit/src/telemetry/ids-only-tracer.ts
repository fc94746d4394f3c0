import {
  context,
  isSpanContextValid,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace';

/**
 * The tracers of a process that exports no spans. Each span is the API's non-recording span with fresh ids: the
 * parent's trace id (a new one without a parent) and a new span id. That is all log lines and events need to carry a
 * trace, and it is what the SDK hands out with sampling off; but on the way the SDK also runs its sampler, cleans
 * attributes and counts the span, work that every request paid for with nothing to record (BENCHMARKS.md, issue 15).
 */
export class IdsOnlyTracerProvider implements TracerProvider {
  private readonly tracer = new IdsOnlyTracer();

  getTracer(): Tracer {
    return this.tracer;
  }
}

class IdsOnlyTracer implements Tracer {
  private readonly ids = new RandomIdGenerator();

  startSpan(_name: string, options?: SpanOptions, parent: Context = context.active()): Span {
    const parentSpan = options?.root ? undefined : trace.getSpanContext(parent);
    const continued = parentSpan && isSpanContextValid(parentSpan) ? parentSpan : undefined;
    return trace.wrapSpanContext({
      traceId: continued?.traceId ?? this.ids.generateTraceId(),
      spanId: this.ids.generateSpanId(),
      traceFlags: TraceFlags.NONE,
      traceState: continued?.traceState,
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, parent: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]): ReturnType<F> {
    const fn = rest.at(-1) as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}
