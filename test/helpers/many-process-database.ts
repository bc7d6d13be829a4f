// The database the many-process test shares between its processes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SharedDatabase {
  /** What every process needs in its environment to reach it. */
  env: Record<string, string>;
  /** Set when the database lives in a data directory that the processes must share. */
  dataDir?: string;
  piiKey: string;
  close(): Promise<void>;
}

export async function manyProcessDatabase(): Promise<SharedDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-many-db-'));
  return {
    env: {},
    dataDir,
    piiKey: randomBytes(32).toString('hex'),
    close: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
