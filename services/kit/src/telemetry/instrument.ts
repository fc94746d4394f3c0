/**
 * Imported first by every entry point (before express, pg or the AWS SDK load), because OpenTelemetry's library
 * instrumentations patch a library as it is loaded. Only when traces are exported: they add spans for each query, each
 * AWS call and each outgoing request, detail worth its CPU only where someone can look at it. The request and event
 * spans that tie logs and services together come from kit and @bookstore/events, and need none of this.
 */
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  registerInstrumentations({
    instrumentations: [
      // Outgoing requests only: kit's request span (http/tracing.ts) is the one span of an incoming request.
      new HttpInstrumentation({ ignoreIncomingRequestHook: () => true }),
      new PgInstrumentation(),
      new AwsInstrumentation(),
    ],
  });
}
