import { contracts, eventTypes } from './contracts';
import { eventTable } from './event-table';

/** README.md's event table is documentation people rely on; it must say what the code does (services/apphost/test/readme.test.ts holds README to it). */
describe('the event table', () => {
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
