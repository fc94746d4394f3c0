import type pg from 'pg';

/** The statements a pool's connections were sent, in order, and what one piece of work sends. */
export interface StatementLog {
  /** Every statement sent since the log began, or since the last `sentBy`. */
  readonly statements: string[];
  /**
   * Those of `statements` sent without a name, so parsed and planned again on every call (see preparedStatement),
   * apart from transaction control, which has nothing to plan.
   */
  readonly unprepared: string[];
  /** Runs `work` and returns the statements it sent. */
  sentBy(work: () => Promise<unknown>): Promise<string[]>;
}

const transactionControl = new Set(['BEGIN', 'COMMIT', 'ROLLBACK']);

/**
 * Records the text of every statement the pool's connections are sent from now on (BEGIN and COMMIT included),
 * whoever sends them: a handler on pg, Prisma, the relay. Each is a round trip; tests count them so that a slide
 * back to a statement per row is caught. Affects the connections the pool opens after the call.
 */
export function recordStatements(pool: pg.Pool): StatementLog {
  const statements: string[] = [];
  const unprepared: string[] = [];
  pool.on('connect', (client) => {
    const send = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const [statement] = args;
      const { text, name } = typeof statement === 'string' ? { text: statement, name: undefined } : (statement as pg.QueryConfig);
      statements.push(text);
      if (name === undefined && !transactionControl.has(text)) unprepared.push(text);
      return send(...args);
    }) as typeof client.query;
  });
  return {
    statements,
    unprepared,
    sentBy: async (work) => {
      statements.length = 0;
      unprepared.length = 0;
      await work();
      return [...statements];
    },
  };
}
