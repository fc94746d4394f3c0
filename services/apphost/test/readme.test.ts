import { readFileSync } from 'node:fs';
import { readmePath, readmeSections } from '../src/docs/readme';
import { sectionIn } from '../src/docs/readme-sections';

/** README.md's generated tables are documentation people rely on: each must say what the code does. */
describe('the generated parts of README.md', () => {
  it.each(readmeSections.map((section) => [section.name, section] as const))(
    'the %s is what the code generates (npm run docs rewrites it)',
    (_, section) => {
      expect(sectionIn(readFileSync(readmePath, 'utf8'), section)).toBe(section.generate());
    },
  );
});
