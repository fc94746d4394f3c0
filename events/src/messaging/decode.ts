import { z } from 'zod';
import { contracts, isEventType, type AnyEvent } from '../contracts';
import { envelopeSchema } from '../envelope';
import { PoisonMessageError } from './poison';

/** Parses and validates a raw message body into a typed event, or throws a PoisonMessageError saying why not. */
export function decodeEvent(body: string | undefined): AnyEvent {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch (error) {
    throw new PoisonMessageError('malformed_json', (error as Error).message);
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw new PoisonMessageError('invalid_envelope', z.prettifyError(envelope.error));

  const { type, version } = envelope.data;
  if (!isEventType(type)) throw new PoisonMessageError('unknown_type', `no contract for event type ${JSON.stringify(type)}`);
  const contract = contracts[type];
  if (version !== contract.version) {
    throw new PoisonMessageError('unsupported_version', `${type} version ${version}; this consumer reads version ${contract.version}`);
  }
  const data = contract.data.safeParse(envelope.data.data);
  if (!data.success) throw new PoisonMessageError('schema_violation', `${type}: ${z.prettifyError(data.error)}`);
  return { ...envelope.data, type, data: data.data } as AnyEvent;
}

/** Validates an event before it leaves a service, so that a bug in a producer never reaches a consumer. */
export function encodeEvent(event: AnyEvent): string {
  envelopeSchema.parse(event);
  contracts[event.type].data.parse(event.data);
  return JSON.stringify(event);
}
