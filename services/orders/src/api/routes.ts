import { bearerToken, parseInput, requireAdmin, route, secretsEqual, services, uuidParam } from '@bookstore/kit';
import { Router } from 'express';
import type { OrderAccessTokens } from '../application/access-token';
import { placeOrder } from '../application/place-order';
import { getOrder, listOrders } from '../application/read-orders';
import type { OrdersDb } from '../infrastructure/database';
import { ordersApi } from './operations';

export function ordersRoutes(
  db: OrdersDb,
  { adminToken, deadlineSeconds, accessTokens }: { adminToken: string; deadlineSeconds: number; accessTokens: OrderAccessTokens },
): Router {
  const router = Router();
  const operations = ordersApi.operations;

  route(router, operations.placeOrder, async (req, res) => {
    const headers = parseInput(operations.placeOrder.headers, { 'idempotency-key': req.get('idempotency-key') }, 'headers');
    const placed = await placeOrder(db, parseInput(operations.placeOrder.body, req.body, 'body'), {
      idempotencyKey: headers['idempotency-key'],
      deadlineSeconds,
      accessTokens,
    });
    res.status(202).location(`${services.orders.pathPrefix}/${placed.orderId}`).json(placed);
  });

  route(router, operations.listOrders, requireAdmin(adminToken), async (req, res) => {
    res.json(await listOrders(db, parseInput(operations.listOrders.query, req.query, 'query')));
  });

  route(router, operations.getOrder, async (req, res) => {
    const orderId = uuidParam(req.params.id, 'order_not_found', 'order');
    const token = bearerToken(req);
    res.set('Cache-Control', 'no-store').json(await getOrder(db, orderId, { token, admin: !!token && secretsEqual(token, adminToken), accessTokens }));
  });

  return router;
}
