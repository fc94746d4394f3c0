import { traceIdsOf } from './trace-id';

describe('traceIdsOf', () => {
  it('gives the W3C trace id and the X-Ray one, and whether the trace was sampled', () => {
    expect(traceIdsOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      xrayTraceId: '1-4bf92f35-77b34da6a3ce929d0e0e4736',
      sampled: true,
    });
    expect(traceIdsOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false);
  });

  it.each([
    null,
    undefined,
    '',
    'not-a-traceparent',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  ])('gives null for %j', (traceparent) => {
    expect(traceIdsOf(traceparent)).toBeNull();
  });
});
