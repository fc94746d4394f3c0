import { contracts, type EventType } from '@bookstore/events';

/*
 * The order saga as on-call follows it (services/orders/src/domain/order-saga.ts tells it in full): Orders writes
 * OrderPlaced; every service that consumes it (the topology says which) answers with an event caused by it, Catalog
 * reserving or rejecting the stock, Payments settling or declining the payment; Orders decides on the answers, or on
 * the deadline, and writes the decision. Who handles which event is never listed here: the topology knows.
 */

/** The event that starts an order's saga. */
export const placedType = 'OrderPlaced' satisfies EventType;

/** The service that places orders, decides them and cancels them at their deadline. */
export const sagaOwner = contracts[placedType].producer;

/**
 * How long after its deadline a pending order may wait for the sweep that cancels it before that is a fault: the
 * sweep runs every 5 s by default (Orders' ORDER_DEADLINE_SWEEP_MS), and this tool cannot read Orders' setting.
 */
export const deadlineSweepGraceSeconds = 15;
