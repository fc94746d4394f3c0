/** What `npm run docs` (services/apphost/scripts/docs.ts) writes from events/: README's event table and the AsyncAPI document. */
export { writeAsyncApi } from './asyncapi';
export { eventTable } from './event-table';
