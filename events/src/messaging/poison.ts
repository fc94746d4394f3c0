/** Why a message can never be processed, however often it is retried. */
export type PoisonReason = 'malformed_json' | 'invalid_envelope' | 'unknown_type' | 'unsupported_version' | 'schema_violation';

/** A message that is moved to the dead-letter queue at once instead of being retried. */
export class PoisonMessageError extends Error {
  constructor(
    readonly reason: PoisonReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'PoisonMessageError';
  }
}

/** Message attributes a dead-lettered message carries, so that whoever is paged can see why. */
export const failureAttributes = {
  reason: 'failure-reason',
  detail: 'failure-detail',
  sourceQueue: 'source-queue',
} as const;
