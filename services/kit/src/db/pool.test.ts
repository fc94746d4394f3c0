import { query, testInfrastructure, uniqueSuffix } from '../testing';
import { ensureDatabase } from './pool';

describe('ensureDatabase', () => {
  it('concurrent CREATE DATABASE of one name fails for the losers with 23505, not only 42P04', async () => {
    const server = `${testInfrastructure().postgresUrl}/postgres`;
    const database = `race_${uniqueSuffix()}`;
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => query(server, `CREATE DATABASE ${database}`).then(() => 'created', (error: { code?: string }) => error.code)),
    );
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    expect(outcomes).toContain('23505');
    expect(outcomes.every((outcome) => ['created', '23505', '42P04'].includes(outcome!))).toBe(true);
  });

  it('lets every one of several concurrent creators of one database succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const database = `ensure_${uniqueSuffix()}`;
      const urls = await Promise.all(Array.from({ length: 4 }, () => ensureDatabase(testInfrastructure().postgresUrl, database)));
      expect(new Set(urls).size).toBe(1);
      expect(await query(urls[0]!, 'SELECT current_database() AS name')).toEqual([{ name: database }]);
    }
  });
});
