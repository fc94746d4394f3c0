import { randomUUID } from 'node:crypto';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';

const tracer = trace.getTracer('@bookstore/kit');

/** A caller's request id is kept when it is one we can log safely: printable ASCII, not too long. */
const requestIdPattern = /^[\x21-\x7e]{1,200}$/;

/** The request id of a request (pino-http's genReqId): the caller's X-Request-Id, or a new one; answered in X-Request-Id. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Runs each request in a server span that continues the caller's trace (its `traceparent` header) or starts one, named
 * by its route once one matched. Whatever the request does (its log lines, its queries, the events it writes to the
 * outbox) belongs to that trace. A span nobody records (no exporter) gets its ids and nothing else.
 */
export const traceRequests: RequestHandler = (req, res, next) => {
  // Most requests carry no trace context: skip the propagator's parsing for them (it is on every request's path).
  const parent = req.headers.traceparent ? propagation.extract(ROOT_CONTEXT, req.headers) : ROOT_CONTEXT;
  const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
  res.locals.span = span;
  // A span that records nothing (no exporter) has nothing to add when the answer is done.
  if (span.isRecording()) res.once('close', () => endRequestSpan(req, res, span));
  context.with(trace.setSpan(parent, span), next);
};

function endRequestSpan(req: Request, res: Response, span: Span): void {
  const route = (req.route as { path?: string } | undefined)?.path;
  if (route) span.updateName(`${req.method} ${route}`).setAttribute('http.route', route);
  span.setAttributes({ 'http.request.method': req.method, 'url.path': req.path, 'http.response.status_code': res.statusCode });
  if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** The span of a request, for its access log line (written when the answer is done, outside the request's context). */
export function requestSpanOf(res: { locals?: Record<string, unknown> } | undefined): Span | undefined {
  return res?.locals?.span as Span | undefined;
}
