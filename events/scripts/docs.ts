/**
 * npm run docs:events (in the repository or in events/): writes README.md's event table and events/asyncapi.yaml from the contracts and
 * the topology, and says which of them changed.
 */
import path from 'node:path';
import { writeAsyncApi } from '../src/asyncapi';
import { writeEventTable } from '../src/event-table';

const tableChanged = writeEventTable(path.resolve(__dirname, '../../README.md'));
console.log(tableChanged ? 'README.md: the event table was rewritten' : 'README.md: the event table is up to date');
const asyncApiChanged = writeAsyncApi();
console.log(`events/asyncapi.yaml: the AsyncAPI document ${asyncApiChanged ? 'was rewritten' : 'is up to date'}`);
