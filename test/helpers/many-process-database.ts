// The database the many-process test shares between its processes: a fresh PostgreSQL database on
// the run's cluster, so that each process has its own data directory and nothing on a shared disk.
import { randomBytes } from 'node:crypto';
import { freshPostgresUrl } from './postgres';

export interface SharedDatabase {
  /** What every process needs in its environment to reach it. */
  env: Record<string, string>;
  /** Set when the database lives in a data directory that the processes must share. */
  dataDir?: string;
  piiKey: string;
  close(): Promise<void>;
}

export async function manyProcessDatabase(): Promise<SharedDatabase> {
  return {
    env: { DATABASE_URL: await freshPostgresUrl() },
    piiKey: randomBytes(32).toString('hex'),
    close: async () => undefined,
  };
}
