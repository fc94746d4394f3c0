/**
 * How a use case refuses a request, in its own terms: the thing is not there, it clashes with what exists, or the
 * request breaks a rule. Transports choose what each kind becomes (HTTP: see errorHandler in http/errors.ts).
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'rejected';

/** A refusal the caller can act on: a stable `code` to branch on, a message to show, and optional details. */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * An event that must wait for work of the same service still in flight (another handler's call to a provider, say):
 * handled again shortly, it succeeds. The consumer retries it in process, then through the queue's backoff.
 */
export class WorkInFlightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkInFlightError';
  }
}
