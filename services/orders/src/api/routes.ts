import { bearerToken, parseInput, requireAdmin, secretsEqual, services, uuidParam } from '@bookstore/kit';
import { Router } from 'express';
import { placeOrder } from '../application/place-order';
import { getOrder, listOrders } from '../application/read-orders';
import type { OrdersDb } from '../infrastructure/database';
import { idempotencyHeaders, listQuery, placeOrderBody } from './schemas';

export function ordersRoutes(db: OrdersDb, { adminToken, deadlineSeconds }: { adminToken: string; deadlineSeconds: number }): Router {
  const orders = Router();

  orders.post('/', async (req, res) => {
    const { 'idempotency-key': idempotencyKey } = parseInput(idempotencyHeaders, { 'idempotency-key': req.get('idempotency-key') }, 'headers');
    const placed = await placeOrder(db, parseInput(placeOrderBody, req.body, 'body'), { idempotencyKey, deadlineSeconds });
    res.status(202).location(`${services.orders.pathPrefix}/${placed.orderId}`).json(placed);
  });
  orders.get('/', requireAdmin(adminToken), async (req, res) => {
    res.json(await listOrders(db, parseInput(listQuery, req.query, 'query')));
  });
  orders.get('/:id', async (req, res) => {
    const orderId = uuidParam(req.params.id, 'order_not_found', 'order');
    const token = bearerToken(req);
    res.set('Cache-Control', 'no-store').json(await getOrder(db, orderId, { token, admin: !!token && secretsEqual(token, adminToken) }));
  });

  const router = Router();
  router.use(services.orders.pathPrefix, orders);
  return router;
}
