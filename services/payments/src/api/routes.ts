import { parseInput, requireAdmin, services, uuidParam } from '@bookstore/kit';
import { Router } from 'express';
import { registerCard } from '../application/payment-methods';
import { paymentOfOrder } from '../application/payments';
import type { PaymentProvider } from '../application/provider';
import type { PaymentsDb } from '../infrastructure/database';
import { cardBody } from './schemas';

export function paymentsRoutes(db: PaymentsDb, provider: PaymentProvider, adminToken: string): Router {
  const payments = Router();

  payments.post('/methods', async (req, res) => {
    const method = await registerCard(db, provider, parseInput(cardBody, req.body, 'body'));
    res.status(201).json(method);
  });
  payments.get('/orders/:orderId', requireAdmin(adminToken), async (req, res) => {
    res.json(await paymentOfOrder(db, uuidParam(req.params.orderId, 'payment_not_found', 'payment')));
  });

  const router = Router();
  router.use(services.payments.pathPrefix, payments);
  return router;
}
