import type { z } from 'zod';
import { buildEnvelope, type Envelope, type EnvelopeOrigin } from '../envelope';
import type { ServiceName } from '../services';

/** The service that publishes an event, on its own topic. */
export type Producer = ServiceName;

export interface EventContract<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  producer: Producer;
  type: Type;
  version: number;
  data: Schema;
  /** Builds a validated envelope; throws a ZodError when `data` breaks the contract. */
  create(data: z.input<Schema>, origin: Omit<EnvelopeOrigin, 'source'>): Envelope<Type, z.output<Schema>>;
}

export function defineEvent<const Type extends string, Schema extends z.ZodType>(
  producer: Producer,
  type: Type,
  version: number,
  data: Schema,
): EventContract<Type, Schema> {
  return {
    producer,
    type,
    version,
    data,
    create: (payload, origin) => buildEnvelope(type, version, data.parse(payload), { ...origin, source: producer }),
  };
}
