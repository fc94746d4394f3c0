import { parseInput, requireAdmin, route, uuidParam } from '@bookstore/kit';
import { Router } from 'express';
import { registerCard } from '../application/payment-methods';
import { paymentOfOrder } from '../application/payments';
import type { PaymentProvider } from '../application/provider';
import type { PaymentsDb } from '../infrastructure/database';
import { paymentsApi } from './operations';

export function paymentsRoutes(db: PaymentsDb, provider: PaymentProvider, adminToken: string): Router {
  const router = Router();
  const operations = paymentsApi.operations;

  route(router, operations.registerCard, async (req, res) => {
    const method = await registerCard(db, provider, parseInput(operations.registerCard.body, req.body, 'body'));
    res.status(201).json(method);
  });

  route(router, operations.paymentOfOrder, requireAdmin(adminToken), async (req, res) => {
    res.json(await paymentOfOrder(db, uuidParam(req.params.orderId, 'payment_not_found', 'payment')));
  });

  return router;
}
