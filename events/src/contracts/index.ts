import type { z } from 'zod';
import type { Envelope } from '../envelope';
import * as catalog from './catalog';
import * as orders from './orders';
import * as payments from './payments';

export { catalog, orders, payments };
export { earlierVersion, type EarlierVersion, type EventContract, type Producer } from './define';
export { cancellationReason, type CancellationReason } from './orders';
export { declineCode, type DeclineCode } from './payments';

const { BookUpserted, InventoryReserved, InventoryRejected, InventoryReleased } = catalog;
const { OrderPlaced, OrderConfirmed, OrderCancelled } = orders;
const { PaymentSettled, PaymentDeclined, PaymentRefunded } = payments;

/** Every integration event of the system, by type. */
export const contracts = {
  BookUpserted,
  InventoryReserved,
  InventoryRejected,
  InventoryReleased,
  OrderPlaced,
  OrderConfirmed,
  OrderCancelled,
  PaymentSettled,
  PaymentDeclined,
  PaymentRefunded,
} as const;

export type Contracts = typeof contracts;
export type EventType = keyof Contracts;
export type EventData<T extends EventType> = z.output<Contracts[T]['data']>;
export type EventOf<T extends EventType> = Envelope<T, EventData<T>>;
export type AnyEvent = { [T in EventType]: EventOf<T> }[EventType];

export const eventTypes = Object.keys(contracts) as EventType[];
