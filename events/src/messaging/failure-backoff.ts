/**
 * The retry policy of a loop that keeps trying while something it needs is down (the outbox relay publishing to SNS,
 * the consumer receiving from SQS): wait longer after each consecutive failure, so an outage is not hammered, and
 * log only some of the failures, so a long outage is reported without flooding the log.
 */
export class FailureBackoff {
  private consecutive = 0;

  constructor(private readonly maxDelayMs = 5_000) {}

  /** Failures since the last success. */
  get failures(): number {
    return this.consecutive;
  }

  /** How long to wait before the next attempt: nothing after a success, then 0.2 s, 0.4 s, ... up to maxDelayMs. */
  get delayMs(): number {
    return this.consecutive === 0 ? 0 : Math.min(100 * 2 ** this.consecutive, this.maxDelayMs);
  }

  /** Counts a failure; true when it is worth a log line: the first one, then every 20th. */
  failed(): boolean {
    this.consecutive += 1;
    return this.consecutive === 1 || this.consecutive % 20 === 0;
  }

  /** Counts a success; returns how many failures it ends (0 when there were none), for a "recovered" log line. */
  succeeded(): number {
    const ended = this.consecutive;
    this.consecutive = 0;
    return ended;
  }
}
