import { randomUUID } from 'node:crypto';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type SpanContext } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';

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
 * outbox) belongs to that trace.
 */
export const traceRequests: RequestHandler = (req, res, next) => {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer.startSpan(
    req.method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
    parent,
  );
  res.locals.spanContext = span.spanContext();
  res.once('close', () => {
    const route = (req.route as { path?: string } | undefined)?.path;
    if (route) span.updateName(`${req.method} ${route}`).setAttribute('http.route', route);
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
};

/** The span context of a request's span, for its access log line (written when the answer is done, outside it). */
export function spanContextOf(res: Response | ServerResponse): SpanContext | undefined {
  return (res as Response).locals?.spanContext as SpanContext | undefined;
}
