/** npm run docs: writes what is generated from the code, README.md's tables and events/asyncapi.yaml, and says what changed. */
import { writeAsyncApi } from '@bookstore/events/docs';
import { readmePath, readmeSections } from '../src/docs/readme';
import { writeSections } from '../src/docs/readme-sections';

const changed = writeSections(readmePath, readmeSections);
for (const { name } of readmeSections) console.log(`README.md: the ${name} ${changed.includes(name) ? 'was rewritten' : 'is up to date'}`);
console.log(`events/asyncapi.yaml: the AsyncAPI document ${writeAsyncApi() ? 'was rewritten' : 'is up to date'}`);
