import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { IdsOnlyTracerProvider } from './ids-only-tracer';

export interface Tracing {
  /** Exports the spans still buffered and stops; call it last when the process stops. */
  shutdown(): Promise<void>;
}

let started: Tracing | undefined;

/**
 * Sets up tracing for the process: W3C trace context in and out, and a context that follows async work. Every request
 * and every handled event gets a span, so their log lines carry a trace id and the events they write carry the trace
 * on (see @bookstore/events' tracing). Spans are recorded and exported only with an exporter: without one they are
 * non-recording, ids only (ids-only-tracer.ts), which costs next to nothing. Idempotent: one process that runs several
 * services (npm start) sets it up once.
 */
export function startTracing(serviceName: string, given?: TraceExport): Tracing {
  if (started) return started;
  const exporter = given ?? exporterFromEnvironment();
  const provider = exporter ? recordingProvider(serviceName, exporter) : undefined;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider ?? new IdsOnlyTracerProvider());
  started = { shutdown: async () => provider?.shutdown() };
  return started;
}

function recordingProvider(serviceName: string, { exporter, batched }: TraceExport): TracerProvider {
  return new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME || serviceName }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [batched ? new BatchSpanProcessor({ exporter }) : new SimpleSpanProcessor({ exporter })],
  });
}

/** Where spans go: OTLP (protobuf over HTTP) when OTEL_EXPORTER_OTLP_ENDPOINT is set, as OpenTelemetry's SDKs agree. */
export interface TraceExport {
  exporter: SpanExporter;
  /** Batched for a real collector; tests export each span as it ends, to read them at once. */
  batched: boolean;
}

function exporterFromEnvironment(): TraceExport | undefined {
  return process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? { exporter: new OTLPTraceExporter(), batched: true } : undefined;
}
