import { createHash } from 'node:crypto';
import { DomainError } from '@bookstore/kit';
import type { PlacedOrder, PlaceOrderRequest } from '../api/types';
import type { OrdersTx } from '../infrastructure/database';

/**
 * Claims an Idempotency-Key for this request and its answer, inside the transaction that places the order. Returns
 * undefined when the key is new (go on and place it), or the first answer when the same request came before;
 * the same key with another request is a conflict. The request is compared by hash, its items merged, so the
 * same order written with a book on two lines counts as the same request.
 */
export async function claimIdempotencyKey(tx: OrdersTx, key: string, request: PlaceOrderRequest, answer: PlacedOrder): Promise<PlacedOrder | undefined> {
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  const claimed = await tx.idempotencyKey.createMany({
    data: [{ key, requestHash, orderId: answer.orderId, response: { ...answer } }],
    skipDuplicates: true,
  });
  if (claimed.count === 1) return undefined;
  const earlier = await tx.idempotencyKey.findUniqueOrThrow({ where: { key } });
  if (earlier.requestHash !== requestHash) {
    throw new DomainError('conflict', 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');
  }
  return earlier.response as unknown as PlacedOrder;
}
