import type pg from 'pg';

/** The statements a pool's connections were sent, in order, and what one piece of work sends. */
export interface StatementLog {
  /** Every statement sent since the log began, or since the last `sentBy`. */
  readonly statements: string[];
  /** Runs `work` and returns the statements it sent. */
  sentBy(work: () => Promise<unknown>): Promise<string[]>;
}

/**
 * Records the text of every statement the pool's connections are sent from now on (BEGIN and COMMIT included),
 * whoever sends them: a handler on pg, Prisma, the relay. Each is a round trip; tests count them so that a slide
 * back to a statement per row is caught. Affects the connections the pool opens after the call.
 */
export function recordStatements(pool: pg.Pool): StatementLog {
  const statements: string[] = [];
  pool.on('connect', (client) => {
    const send = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const [statement] = args;
      statements.push(typeof statement === 'string' ? statement : (statement as { text: string }).text);
      return send(...args);
    }) as typeof client.query;
  });
  return {
    statements,
    sentBy: async (work) => {
      statements.length = 0;
      await work();
      return [...statements];
    },
  };
}
