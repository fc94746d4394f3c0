import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { cancellationReason, contracts, earlierVersion, eventTypes, type AnyEvent, type EventType } from '../contracts';
import { defineEvent } from '../contracts/define';
import { sampleEvent } from '../testing';
import { decodeEvent, encodeEvent, NewerVersionError } from './decode';
import { PoisonMessageError, type PoisonReason } from './poison';

const sample = (type: EventType) => sampleEvent(type);

/** The reason decodeEvent gives for rejecting `body`; fails the test if it accepts it or throws anything else. */
function rejection(body: string | undefined): PoisonReason {
  try {
    decodeEvent(body);
  } catch (error) {
    expect(error).toBeInstanceOf(PoisonMessageError);
    return (error as PoisonMessageError).reason;
  }
  throw new Error(`decodeEvent accepted ${body}`);
}

/** A valid event as plain JSON, to break in one place. */
const validJson = (): Record<string, unknown> => JSON.parse(JSON.stringify(sample('OrderPlaced')));

describe('decodeEvent', () => {
  it.each(eventTypes)('round-trips %s through encodeEvent', (type) => {
    const event = sample(type);
    expect(event).toMatchObject({ type, version: contracts[type].version, source: contracts[type].producer });

    const decoded = decodeEvent(encodeEvent(event));
    expect(decoded).toEqual(event);
  });

  it.each([
    ['not JSON', 'not json'],
    ['truncated JSON', JSON.stringify(sample('OrderConfirmed')).slice(0, -1)],
    ['an empty body', ''],
    ['no body', undefined],
  ])('rejects %s as malformed_json', (_, body) => {
    expect(rejection(body)).toBe('malformed_json');
  });

  it.each([
    ['a JSON string', '"OrderPlaced"'],
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['an empty object', '{}'],
    ['an envelope without an id', JSON.stringify({ ...validJson(), id: undefined })],
    ['an envelope whose id is no uuid', JSON.stringify({ ...validJson(), id: 'event-1' })],
    ['an envelope with an unknown field', JSON.stringify({ ...validJson(), extra: true })],
    ['an envelope with a bad occurredAt', JSON.stringify({ ...validJson(), occurredAt: 'yesterday' })],
  ])('rejects %s as invalid_envelope', (_, body) => {
    expect(rejection(body)).toBe('invalid_envelope');
  });

  it('rejects an event type without a contract as unknown_type, naming the type', () => {
    const body = JSON.stringify({ ...validJson(), type: 'OrderShipped' });
    expect(rejection(body)).toBe('unknown_type');
    expect(() => decodeEvent(body)).toThrow(/OrderShipped/);
    // Inherited object keys are not contracts either.
    expect(rejection(JSON.stringify({ ...validJson(), type: 'toString' }))).toBe('unknown_type');
  });

  it('leaves a version newer than the contract to a consumer on newer code: not poison', () => {
    const body = JSON.stringify({ ...validJson(), version: contracts.OrderPlaced.version + 1 });
    expect(() => decodeEvent(body)).toThrow(NewerVersionError);
  });

  describe('with a second version of an event (a rehearsal of README\'s "Changing an event")', () => {
    const v1 = contracts.OrderCancelled;
    // v2 renames `reason` to `cause`, a breaking change; v1 stays readable while messages of it may be in flight.
    const v2Data = z.strictObject({ orderId: z.uuid(), cause: cancellationReason });
    const v2 = defineEvent({
      ...v1,
      version: 2,
      data: v2Data,
      earlierVersions: [earlierVersion(1, v1.data, ({ orderId, reason }) => ({ orderId, cause: reason }))],
    });
    const registry = { ...contracts, OrderCancelled: v2 };
    const v1Json = () => JSON.parse(encodeEvent(sample('OrderCancelled')));

    it('hands a handler version 1 upgraded to version 2', () => {
      const event = v1Json();
      expect(decodeEvent(JSON.stringify(event), registry)).toEqual({ ...event, version: 2, data: { orderId: event.data.orderId, cause: event.data.reason } });
    });

    it('reads version 2 as it is', () => {
      const event = v2.create({ orderId: randomUUID(), cause: 'timeout' }, { correlationId: 'c' });
      expect(decodeEvent(JSON.stringify(event), registry)).toEqual(event);
    });

    it('validates a version 1 message against version 1, and a retired version is poison', () => {
      expect(() => decodeEvent(JSON.stringify({ ...v1Json(), data: { orderId: randomUUID(), cause: 'timeout' } }), registry)).toThrow(
        expect.objectContaining({ reason: 'schema_violation' }),
      );
      const retired = { ...registry, OrderCancelled: { ...v2, earlierVersions: [] } };
      expect(() => decodeEvent(JSON.stringify(v1Json()), retired)).toThrow(expect.objectContaining({ reason: 'unsupported_version' }));
    });
  });

  it.each([
    ['a missing field', (data: Record<string, unknown>) => ({ ...data, totalCents: undefined })],
    ['a field of the wrong type', (data: Record<string, unknown>) => ({ ...data, totalCents: '2500' })],
    ['an out-of-range value', (data: Record<string, unknown>) => ({ ...data, totalCents: -1 })],
    ['an unknown field', (data: Record<string, unknown>) => ({ ...data, cardNumber: '4242424242424242' })],
    ['an empty list', (data: Record<string, unknown>) => ({ ...data, lines: [] })],
  ])('rejects data with %s as schema_violation', (_, breakData) => {
    const event = validJson();
    const body = JSON.stringify({ ...event, data: breakData(event.data as Record<string, unknown>) });
    expect(rejection(body)).toBe('schema_violation');
  });

  it('says in the error what was wrong', () => {
    const event = validJson();
    const body = JSON.stringify({ ...event, data: { ...(event.data as object), currency: 'euro' } });
    expect(() => decodeEvent(body)).toThrow(expect.objectContaining({ reason: 'schema_violation', detail: expect.stringMatching(/OrderPlaced[\s\S]*currency/) }));
  });
});

describe('encodeEvent', () => {
  it('rejects an event whose data breaks its contract', () => {
    const event = sample('PaymentSettled');
    const broken = { ...event, data: { ...event.data, currency: 'eur' } } as AnyEvent;
    expect(() => encodeEvent(broken)).toThrow();
  });

  it('rejects an event whose envelope is invalid', () => {
    expect(() => encodeEvent({ ...sample('OrderConfirmed'), id: 'not-a-uuid' })).toThrow();
    expect(() => encodeEvent({ ...sample('OrderConfirmed'), correlationId: '' })).toThrow();
  });

  it('rejects data of another event type', () => {
    const event = { ...sample('OrderConfirmed'), type: 'OrderPlaced' } as AnyEvent;
    expect(() => encodeEvent(event)).toThrow();
  });
});
