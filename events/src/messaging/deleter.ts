import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** SQS takes at most ten entries per batch request. */
const maxBatch = 10;

/**
 * Acknowledges handled messages in batches: handlers that finish within `lingerMs` of each other share one
 * DeleteMessageBatch request instead of one DeleteMessage each. Under load that is most of a consumer's SQS
 * requests (see BENCHMARKS.md); a message deleted a few milliseconds later changes nothing else.
 */
export class BatchDeleter {
  private pending: { receiptHandle: string; settle: (error?: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly lingerMs = 5,
  ) {}

  /** Resolves once SQS has deleted the message; rejects if it did not, so the caller can treat it as unacknowledged. */
  delete(receiptHandle: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ receiptHandle, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (this.pending.length >= maxBatch) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.lingerMs);
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0, maxBatch);
    if (this.pending.length > 0) this.timer = setTimeout(() => void this.flush(), 0);
    if (batch.length === 0) return;
    try {
      const { Failed = [] } = await this.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch.map(({ receiptHandle }, index) => ({ Id: String(index), ReceiptHandle: receiptHandle })) }),
      );
      const failed = new Map(Failed.map(({ Id, Code, Message }) => [Number(Id), new Error(`deleting the message failed: ${Code}: ${Message}`)]));
      batch.forEach(({ settle }, index) => settle(failed.get(index)));
    } catch (error) {
      for (const { settle } of batch) settle(error);
    }
  }
}
