import { readFileSync } from 'node:fs';
import path from 'node:path';
import { contracts, eventTypes } from './contracts';
import { eventTable, eventTableIn } from './event-table';

/** README.md's event table is documentation people rely on; it must say what the code does. */
describe('the event table in README.md', () => {
  it('is the table the contracts and the topology generate (npm run docs:events rewrites it)', () => {
    const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    expect(eventTableIn(readme)).toBe(eventTable());
  });

  it('has a row per event: its producer, the consumers the topology names, and what happened', () => {
    const rows = eventTable().split('\n').slice(2);
    expect(rows).toHaveLength(eventTypes.length);
    expect(rows).toContain(`| \`OrderPlaced\` | orders | catalog, payments | ${contracts.OrderPlaced.description} |`);
    expect(rows).toContain(`| \`OrderConfirmed\` | orders | (none yet) | ${contracts.OrderConfirmed.description} |`);
  });

  it.each(eventTypes)('says in one sentence what %s means', (type) => {
    expect(contracts[type].description).toMatch(/^[A-Z][^\n]+\.$/);
  });
});
