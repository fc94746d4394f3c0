import type { ApiOperation, ServiceApi } from '@bookstore/kit';
import { z } from 'zod';
import { paymentMethodView, paymentView } from './responses';
import { cardBody } from './schemas';

const registerCard = {
  method: 'post',
  path: '/api/payments/methods',
  summary: 'Register a card as a payment method',
  description: 'The card goes to the provider; Payments keeps its token, brand, last four digits and expiry, and never the number or the CVC.',
  // Anyone may call it: the classic target of card testing (trying stolen numbers one after another).
  rateLimit: 'paymentMethods',
  body: cardBody,
  bodyExample: { cardNumber: '4242 4242 4242 4242', expMonth: 12, expYear: 2099, cvc: '123', holderName: 'Ada Lovelace' },
  success: { status: 201, description: 'The payment method to name in an order.', body: paymentMethodView },
} satisfies ApiOperation;

const paymentOfOrder = {
  method: 'get',
  path: '/api/payments/orders/{orderId}',
  summary: "Read an order's payment and its refunds",
  access: 'admin',
  params: z.object({ orderId: z.uuid().meta({ description: "The order's id; anything else is a 404." }) }),
  success: { status: 200, description: 'The payment.', body: paymentView },
  refusals: { 404: ['payment_not_found'] },
} satisfies ApiOperation;

export const paymentsApi = {
  service: 'payments',
  version: '1.0.0',
  operations: { registerCard, paymentOfOrder },
} satisfies ServiceApi;
