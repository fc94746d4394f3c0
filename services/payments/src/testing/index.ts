/**
 * What tests outside Payments drive it with when they take the transport out (services/apphost/test/shuffled-saga.test.ts):
 * its database client, its real event handlers, the simulated card provider and what it recorded, and the use case that
 * registers cards.
 */
export { chargesAtProvider } from '../application/payments.fixtures';
export { registerCard } from '../application/payment-methods';
export { createPaymentsDb } from '../infrastructure/database';
export { simulatedProvider } from '../infrastructure/simulated-provider';
export { paymentsEventHandlers } from '../integration/handlers';
