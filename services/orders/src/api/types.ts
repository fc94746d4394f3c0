/**
 * The shapes of Orders' HTTP requests and answers: the contract its clients (the web app among them) build on.
 * Types only, with no runtime imports, so the frontend can share them without pulling in the service.
 */
import type { OrderStatus } from '../domain/order-status';

export interface PlaceOrderRequest {
  customer: { email: string; name: string };
  items: { bookId: string; quantity: number }[];
  paymentMethodId: string;
}

export interface PlacedOrder {
  orderId: string;
  status: 'PENDING';
  /** Lets the shopper read the order; shown once, stored only as a hash. */
  accessToken: string;
}

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  /**
   * OrderCancelled's reason, written out rather than imported from events/ so the web app's types stay free of
   * the messaging code; read-orders.ts stops compiling if events/ gains a reason this lacks.
   */
  reason?: 'out_of_stock' | 'payment_declined' | 'timeout';
  declineCode?: string;
  lines: { bookId: string; title: string; quantity: number; unitPriceCents: number }[];
  totalCents: number;
  currency: string;
  createdAt: string;
  timeline: { type: string; at: string }[];
}
