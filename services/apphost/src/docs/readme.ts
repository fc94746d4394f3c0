import path from 'node:path';
import { catalogApi } from '@bookstore/catalog';
import { eventTable } from '@bookstore/events/docs';
import { ordersApi } from '@bookstore/orders';
import { paymentsApi } from '@bookstore/payments';
import { httpApiTable } from './http-api-table';
import type { GeneratedSection } from './readme-sections';

export const readmePath = path.resolve(__dirname, '../../../../README.md');

/** The parts of README.md that code writes, each from the one source the code itself reads. */
export const readmeSections: readonly GeneratedSection[] = [
  { name: 'event table', source: 'the contracts or the topology', generate: eventTable },
  { name: 'HTTP API table', source: "the services' api/operations.ts", generate: () => httpApiTable([catalogApi, ordersApi, paymentsApi]) },
];
