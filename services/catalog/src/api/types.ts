/**
 * The shapes of Catalog's HTTP answers: the contract its clients (the web app among them) build on, derived from the
 * schemas its OpenAPI document is generated from. Type-only imports, so the web app pulls in no service code.
 */
import type { z } from 'zod';
import type { bookView } from './responses';

export type { Page } from '@bookstore/kit/page';
export type BookView = z.output<typeof bookView>;
