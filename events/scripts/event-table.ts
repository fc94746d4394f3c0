/** npm run docs:events (in the repository or in events/): writes README.md's event table from the contracts and the topology. */
import path from 'node:path';
import { writeEventTable } from '../src/event-table';

const changed = writeEventTable(path.resolve(__dirname, '../../README.md'));
console.log(changed ? 'README.md: the event table was rewritten' : 'README.md: the event table is up to date');
