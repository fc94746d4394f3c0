import type { z } from 'zod';
import { buildEnvelope, type Envelope, type EnvelopeOrigin } from '../envelope';
import type { ServiceName } from '../services';

/** The service that publishes an event, on its own topic. */
export type Producer = ServiceName;

/**
 * An earlier version of an event that consumers still read while messages of it may be in flight, with how its data
 * becomes the current version's. README's "Changing an event" says when one is added and when it is retired.
 */
export interface EarlierVersion<Current extends z.ZodType = z.ZodType> {
  version: number;
  data: z.ZodType;
  /** The current version's data for this version's (already validated) data. */
  upgrade(data: never): z.input<Current>;
}

export interface EventContract<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  producer: Producer;
  type: Type;
  /** The version producers write and handlers receive. */
  version: number;
  /** What happened, in one sentence in the past tense; README's event table shows it. */
  description: string;
  data: Schema;
  /** Earlier versions consumers still accept, upgraded to this one before a handler sees them. */
  earlierVersions: readonly EarlierVersion<Schema>[];
  /** Builds a validated envelope; throws a ZodError when `data` breaks the contract. */
  create(data: z.input<Schema>, origin: Omit<EnvelopeOrigin, 'source'>): Envelope<Type, z.output<Schema>>;
}

/** An earlier version with its upgrade typed by its own schema. */
export function earlierVersion<Old extends z.ZodType, Current extends z.ZodType>(
  version: number,
  data: Old,
  upgrade: (data: z.output<Old>) => z.input<Current>,
): EarlierVersion<Current> {
  return { version, data, upgrade: upgrade as (data: never) => z.input<Current> };
}

/** An event's contract from what defines it; `create` follows from the rest. */
export function defineEvent<const Type extends string, Schema extends z.ZodType>(
  definition: Omit<EventContract<Type, Schema>, 'create' | 'earlierVersions'> & { earlierVersions?: readonly EarlierVersion<Schema>[] },
): EventContract<Type, Schema> {
  const { producer, type, version, data, earlierVersions = [] } = definition;
  return {
    ...definition,
    earlierVersions,
    create: (payload, origin) => buildEnvelope(type, version, data.parse(payload), { ...origin, source: producer }),
  };
}
