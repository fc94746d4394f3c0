import { useOutboxTables } from '../testing';
import { preparedStatement } from './prepared';

const tables = useOutboxTables();

describe('preparedStatement', () => {
  it('is prepared once per connection under its name and then only executed', async () => {
    const statement = preparedStatement('kit-test.sum', 'SELECT $1::int + $2::int AS sum');
    const client = await tables.pool.connect();
    try {
      const prepared = async () =>
        (await client.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements')).rows;
      expect(await prepared()).toEqual([]);
      expect((await client.query<{ sum: number }>(statement.with([1, 2]))).rows).toEqual([{ sum: 3 }]);
      expect((await client.query<{ sum: number }>(statement.with([4, 5]))).rows).toEqual([{ sum: 9 }]);
      expect(await prepared()).toEqual([{ name: 'kit-test.sum', statement: statement.text }]);
    } finally {
      client.release();
    }
  });

  it('refuses a name already given to another text, which a connection would take for the first', () => {
    preparedStatement('kit-test.one', 'SELECT 1');
    expect(() => preparedStatement('kit-test.one', 'SELECT 1')).not.toThrow();
    expect(() => preparedStatement('kit-test.one', 'SELECT 2')).toThrow('kit-test.one is already declared with another text');
  });
});
