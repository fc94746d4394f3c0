import { context, isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { IdsOnlyTracerProvider } from './ids-only-tracer';

const tracer = new IdsOnlyTracerProvider().getTracer();
const caller = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
});

beforeAll(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
afterAll(() => context.disable());

describe('the tracer of a process that exports nothing', () => {
  it("continues the parent's trace in a span of its own, recording nothing", () => {
    const span = tracer.startSpan('GET /books', {}, caller);
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.spanContext().spanId).not.toBe('00f067aa0ba902b7');
    expect(isSpanContextValid(span.spanContext())).toBe(true);
    expect(span.isRecording()).toBe(false);
    // Nothing is recorded, so nothing downstream may be told it was sampled.
    expect(span.spanContext().traceFlags).toBe(TraceFlags.NONE);
  });

  it('starts a trace of its own without a parent, or when asked for a root span', () => {
    const orphan = tracer.startSpan('process OrderPlaced', {}, ROOT_CONTEXT).spanContext();
    const root = tracer.startSpan('process OrderPlaced', { root: true }, caller).spanContext();
    for (const started of [orphan, root]) {
      expect(isSpanContextValid(started)).toBe(true);
      expect(started.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    }
    expect(orphan.traceId).not.toBe(root.traceId);
  });

  it('gives every span new ids', () => {
    const spanIds = new Set(Array.from({ length: 1000 }, () => tracer.startSpan('x', {}, caller).spanContext().spanId));
    expect(spanIds.size).toBe(1000);
  });

  it("makes the span active for the work it starts, in each of the API's call forms", async () => {
    const activeIn = (span: Span) => trace.getSpan(context.active()) === span;
    expect(tracer.startActiveSpan('a', activeIn)).toBe(true);
    expect(tracer.startActiveSpan('b', {}, activeIn)).toBe(true);
    const traceOfAsyncWork = await tracer.startActiveSpan('c', {}, caller, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return trace.getSpanContext(context.active())?.traceId;
    });
    expect(traceOfAsyncWork).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace.getSpan(context.active())).toBeUndefined();
  });
});
