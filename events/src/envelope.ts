import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** The wire format of every integration event: metadata around a type-specific `data` payload. */
export const envelopeSchema = z.strictObject({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  /** The service that produced the event. */
  source: z.string().min(1),
  /** Ties every event of one business flow together; for the order saga it is the order id. */
  correlationId: z.string().min(1),
  /** The id of the event that caused this one, or null when a user request did. */
  causationId: z.uuid().nullable(),
  data: z.unknown(),
});

export type Envelope<Type extends string = string, Data = unknown> = Omit<z.infer<typeof envelopeSchema>, 'type' | 'data'> & {
  type: Type;
  data: Data;
};

export interface EnvelopeOrigin {
  source: string;
  correlationId: string;
  causationId?: string | null;
}

export function buildEnvelope<Type extends string, Data>(
  type: Type,
  version: number,
  data: Data,
  origin: EnvelopeOrigin,
): Envelope<Type, Data> {
  return {
    id: randomUUID(),
    type,
    version,
    occurredAt: new Date().toISOString(),
    source: origin.source,
    correlationId: origin.correlationId,
    causationId: origin.causationId ?? null,
    data,
  };
}
