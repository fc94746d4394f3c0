import { z } from 'zod';
import { contracts, type AnyEvent, type EventContract } from '../contracts';
import { envelopeSchema } from '../envelope';
import { PoisonMessageError } from './poison';

/**
 * An event of a version newer than this consumer's code knows. Not poison: during a rolling deploy a consumer on the
 * new code will read it, so the message goes back to the queue for a retry instead of to the dead-letter queue.
 */
export class NewerVersionError extends Error {
  constructor(type: string, version: number, known: number) {
    super(`${type} version ${version} is newer than this consumer's version ${known}; left for a consumer on newer code`);
    this.name = 'NewerVersionError';
  }
}

/**
 * Parses and validates a raw message body into a typed event of the current version, upgrading an earlier version
 * the contract still reads. Throws a PoisonMessageError saying why a message can never be read, or a
 * NewerVersionError. `registry` is every contract by type; tests pass their own to rehearse a second version.
 */
export function decodeEvent(body: string | undefined, registry: Readonly<Record<string, EventContract>> = contracts): AnyEvent {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch (error) {
    throw new PoisonMessageError('malformed_json', (error as Error).message);
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw new PoisonMessageError('invalid_envelope', z.prettifyError(envelope.error));

  const { type, version } = envelope.data;
  if (!Object.hasOwn(registry, type)) throw new PoisonMessageError('unknown_type', `no contract for event type ${JSON.stringify(type)}`);
  const contract = registry[type]!;
  return { ...envelope.data, version: contract.version, data: currentData(contract, version, envelope.data.data) } as AnyEvent;
}

/** The data of an event of `version` as the contract's current version, upgraded when it is an earlier one. */
function currentData(contract: EventContract, version: number, data: unknown): unknown {
  if (version === contract.version) return validData(contract.type, contract.data, data);
  const earlier = contract.earlierVersions.find((candidate) => candidate.version === version);
  if (earlier) return validData(contract.type, contract.data, earlier.upgrade(validData(contract.type, earlier.data, data) as never));
  if (version > contract.version) throw new NewerVersionError(contract.type, version, contract.version);
  const readable = [contract.version, ...contract.earlierVersions.map((candidate) => candidate.version)].sort();
  throw new PoisonMessageError('unsupported_version', `${contract.type} version ${version}; this consumer reads version ${readable.join(' and ')}`);
}

function validData(type: string, schema: z.ZodType, data: unknown): unknown {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new PoisonMessageError('schema_violation', `${type}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Validates an event before it leaves a service, so that a bug in a producer never reaches a consumer. */
export function encodeEvent(event: AnyEvent): string {
  envelopeSchema.parse(event);
  const contract = contracts[event.type];
  if (event.version !== contract.version) throw new Error(`${event.type} is written as version ${contract.version}, not ${event.version}`);
  contract.data.parse(event.data);
  return JSON.stringify(event);
}
