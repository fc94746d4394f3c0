import { ChangeMessageVisibilityBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';

/** SQS takes at most ten entries per batch request. */
const maxBatch = 10;

/**
 * Keeps received messages hidden from other consumers while they are handled: every `leaseSeconds / 2.5` it sets the
 * visibility of the messages it holds back to `leaseSeconds`, ten to a request. A message leaves it as soon as it is
 * acknowledged or left for a retry, so a renewal never cuts short a retry's backoff (sqs-consumer's own heartbeat
 * renews a received batch until the last of its messages is done).
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Message>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly leaseSeconds: number,
  ) {}

  hold(messages: readonly Message[]): void {
    for (const message of messages) this.held.set(message.ReceiptHandle!, message);
    this.timer ??= setInterval(() => void this.renew(), (this.leaseSeconds / 2.5) * 1000);
  }

  release(message: Message): void {
    this.held.delete(message.ReceiptHandle!);
    if (this.held.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * A renewal that fails (the broker is away) is not retried: the message then becomes visible after its lease, and
   * a second delivery is absorbed by the services' inbox.
   */
  private async renew(): Promise<void> {
    const handles = [...this.held.keys()];
    for (let start = 0; start < handles.length; start += maxBatch) {
      const entries = handles.slice(start, start + maxBatch).map((receiptHandle, index) => ({ Id: String(index), ReceiptHandle: receiptHandle, VisibilityTimeout: this.leaseSeconds }));
      await this.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.queueUrl, Entries: entries })).catch(() => undefined);
    }
  }
}
