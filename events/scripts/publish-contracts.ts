/** npm run contracts:publish: commits the JSON Schema of every event version that has none yet (events/schemas/). */
import { publishContracts, schemasDir } from '../src/contract-schemas';

const { written, changed } = publishContracts();
console.log(written.length ? `wrote ${written.join(', ')} to ${schemasDir}` : 'every event version has its schema');
if (changed.length) {
  console.error(`changed since published: ${changed.join(', ')}. A published version never changes: define the change as the next version (README, "Changing an event").`);
  process.exitCode = 1;
}
