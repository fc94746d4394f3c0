/** The id of one trace, as the places that show it spell it. */
export interface TraceIds {
  /** The W3C trace context it comes from: 00-<trace id>-<span id>-<flags>. */
  traceparent: string;
  /** 32 hex digits, as the services' log lines (trace_id) and W3C tools show it. */
  traceId: string;
  /** As X-Ray shows it: 1-<first 8 hex digits>-<the other 24>. */
  xrayTraceId: string;
  /** Whether its spans were recorded (flag 01): without an exporter they are not, and only the logs know the trace. */
  sampled: boolean;
}

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/;

/** The trace of a W3C traceparent; null for none or an invalid one (version ff, an all-zero trace id). */
export function traceIdsOf(traceparent: string | null | undefined): TraceIds | null {
  const match = traceparentPattern.exec(traceparent ?? '');
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]!)) return null;
  const traceId = match[2]!;
  return {
    traceparent: traceparent!,
    traceId,
    xrayTraceId: `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`,
    sampled: (parseInt(match[3]!, 16) & 1) === 1,
  };
}
