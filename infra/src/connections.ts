/**
 * How many connections each task's pool may open, so that every task a database serves, at maximum scale and
 * doubled during a rolling deploy, stays inside the instance's connection limit.
 *
 * RDS for PostgreSQL's default max_connections is LEAST(DBInstanceClassMemory / 9531392, 5000), where
 * DBInstanceClassMemory is the class's memory less what the OS and RDS keep (about a quarter on small classes).
 * The stack sets max_connections itself (databases.ts) to this formula on 70% of the class's memory, at or below
 * RDS's own default, so that the pool sizes below are computed from the number in force, not from a guess.
 */
const bytesPerConnection = 9_531_392;
const memoryLeftToPostgres = 0.7;
/** superuser_reserved_connections (3), RDS's own, and room for a person with psql or `npm run ops`. */
const reservedConnections = 10;
/** The most any pool gets, however large the instance: more connections than cores only queue inside Postgres. */
export const maxPoolSize = 10;
/** A pool of one would serialise a task's API requests or handlers behind each other. */
const minPoolSize = 2;

const gibibyte = 1024 ** 3;
const memoryGiB: Record<string, Record<string, number>> = {
  burstable: { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, '2xlarge': 32 },
  general: { large: 8, xlarge: 16, '2xlarge': 32, '4xlarge': 64, '8xlarge': 128 },
  memory: { large: 16, xlarge: 32, '2xlarge': 64, '4xlarge': 128, '8xlarge': 256 },
};

/** The max_connections the stack sets for a class (db.t4g.micro, db.m7g.large, db.r6g.xlarge, ...). */
export function maxConnections(instanceClass: string): number {
  const [, family, size] = /^db\.([a-z]+)\d+[a-z]*\.(\w+)$/.exec(instanceClass) ?? [];
  const kind = family === 't' ? 'burstable' : family === 'm' ? 'general' : family === 'r' ? 'memory' : undefined;
  const memory = kind && size ? memoryGiB[kind]![size] : undefined;
  if (!memory) throw new Error(`unknown database instance class ${instanceClass}: add its memory to infra/src/connections.ts`);
  return Math.min(Math.floor((memory * gibibyte * memoryLeftToPostgres) / bytesPerConnection), 5000);
}

/**
 * The pool size for every task on an instance that `tasksAtMostScale` tasks share (APIs and workers at their
 * maximum counts). Fails the deploy rather than let a scale-out or a rolling deploy exhaust the connections.
 */
export function poolSizePerTask(instanceClass: string, tasksAtMostScale: number): number {
  const tasksDuringDeploy = tasksAtMostScale * 2; // deploymentMaximumPercent 200: old and new tasks side by side
  const size = Math.min(maxPoolSize, Math.floor((maxConnections(instanceClass) - reservedConnections) / tasksDuringDeploy));
  if (size < minPoolSize) {
    throw new Error(
      `${instanceClass} allows about ${maxConnections(instanceClass)} connections, too few for ${tasksDuringDeploy} tasks ` +
        `(maximum task counts, doubled during a deploy) with ${minPoolSize} each: choose a larger databaseInstanceClass or lower the maximum task counts`,
    );
  }
  return size;
}
