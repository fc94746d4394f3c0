import type pg from 'pg';

/**
 * A hot-path statement that each connection prepares once, under its name, and then only executes: Postgres
 * parses, analyses and plans it once per connection instead of on every call. Under load, planning alone was
 * a fifth of PostgreSQL's CPU per order (issue 13, pg_stat_statements). Run it with `client.query(statement.with(values))`.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
  /** The statement with its values, as `pg`'s query() takes it. */
  with(values: readonly unknown[]): pg.QueryConfig;
}

/** Every name given out in this process, with its text: a connection knows a prepared statement by name alone. */
const prepared = new Map<string, string>();

/**
 * Declares a prepared statement; once per module, with fixed text (values always travel as parameters). A name
 * given to two texts throws here, when the module loads, rather than in `pg` on the first connection to meet both.
 */
export function preparedStatement(name: string, text: string): PreparedStatement {
  const known = prepared.get(name);
  if (known !== undefined && known !== text) throw new Error(`the prepared statement ${name} is already declared with another text`);
  prepared.set(name, text);
  return { name, text, with: (values) => ({ name, text, values: [...values] }) };
}
