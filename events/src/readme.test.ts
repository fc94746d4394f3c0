import { readFileSync } from 'node:fs';
import path from 'node:path';
import { contracts, eventTypes } from './contracts';
import { consumers } from './topology';

/** README.md's event table is documentation people rely on; it must say what the code does. */
describe('the event table in README.md', () => {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const rows = new Map(
    [...readme.matchAll(/^\| `(\w+)` \| (\w+) \| ([^|]+) \|/gm)].map(([, type, producer, consumedBy]) => [
      type,
      { producer, consumers: consumedBy!.includes('none') ? [] : consumedBy!.split(',').map((name) => name.trim()).sort() },
    ]),
  );

  it('lists every event type with its producer and consumers', () => {
    const expected = new Map(
      eventTypes.map((type) => [
        type,
        {
          producer: contracts[type].producer,
          consumers: Object.entries(consumers)
            .filter(([, { consumes }]) => (consumes as readonly string[]).includes(type))
            .map(([name]) => name)
            .sort(),
        },
      ]),
    );
    expect(rows).toEqual(expected);
  });
});
