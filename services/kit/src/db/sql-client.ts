import type { SqlExecutor } from './sql';

/** A connection that runs parameterised SQL: a `pg` client or pool, as the handlers written on `pg` hold. */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
}

/** Where the kit's inbox and outbox write: a `pg` client, or a Prisma transaction (the services not yet on `pg`). */
export type SqlTarget = SqlClient | SqlExecutor;

/** Runs one statement written with `$1, $2, ...` placeholders on either kind of target; returns the rows it affected. */
export async function execute(target: SqlTarget, text: string, values: readonly unknown[]): Promise<number> {
  if ('query' in target) return (await target.query(text, [...values])).rowCount ?? 0;
  return target.$executeRaw(asTemplate(text), ...values);
}

/**
 * The statement as the strings of a tagged template, which is what Prisma's `$executeRaw` takes (it numbers the
 * values itself). Only for statements whose placeholders run $1, $2, ... in order, each once.
 */
function asTemplate(text: string): TemplateStringsArray {
  const placeholders = text.match(/\$\d+/g) ?? [];
  if (placeholders.some((placeholder, index) => placeholder !== `$${index + 1}`)) {
    throw new Error(`placeholders must run $1, $2, ... in order, each once: ${text}`);
  }
  const strings = text.split(/\$\d+/);
  return Object.assign(strings, { raw: strings });
}
