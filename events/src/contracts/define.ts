import type { z } from 'zod';
import { buildEnvelope, type Envelope, type EnvelopeOrigin } from '../envelope';
import type { ServiceName } from '../services';

/** The service that publishes an event, on its own topic. */
export type Producer = ServiceName;

export interface EventContract<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  producer: Producer;
  type: Type;
  version: number;
  /** What happened, in one sentence in the past tense; README's event table shows it. */
  description: string;
  data: Schema;
  /** Builds a validated envelope; throws a ZodError when `data` breaks the contract. */
  create(data: z.input<Schema>, origin: Omit<EnvelopeOrigin, 'source'>): Envelope<Type, z.output<Schema>>;
}

/** An event's contract from what defines it; `create` follows from the rest. */
export function defineEvent<const Type extends string, Schema extends z.ZodType>(
  definition: Omit<EventContract<Type, Schema>, 'create'>,
): EventContract<Type, Schema> {
  const { producer, type, version, data } = definition;
  return { ...definition, create: (payload, origin) => buildEnvelope(type, version, data.parse(payload), { ...origin, source: producer }) };
}
