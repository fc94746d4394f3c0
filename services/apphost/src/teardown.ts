import type { Logger } from '@bookstore/kit';

/** What has been started, to stop in reverse order: at the end, or as soon as a later start fails. */
export class Teardown {
  private readonly stops: (() => Promise<void>)[] = [];

  constructor(private readonly logger: Logger) {}

  /** Registers how to stop what was just started. */
  add(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  /** Stops everything registered, last first; a stop that fails is logged and the rest still stop. */
  async stop(): Promise<void> {
    for (let stop = this.stops.pop(); stop; stop = this.stops.pop()) {
      await stop().catch((error: unknown) => this.logger.warn({ err: error }, 'stopping failed'));
    }
  }
}
