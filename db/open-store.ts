// Which database the Store lives on: PostgreSQL when DATABASE_URL is set, else the SQLite file.
import type { Config } from '../config/config';
import { openPostgresStore } from './postgres/store';
import { openSqliteStore } from './sqlite/store';
import type { Store } from './store';

export async function openStore(
  config: Pick<Config, 'databaseFile'> & Partial<Pick<Config, 'databaseUrl' | 'databasePoolSize'>>,
): Promise<Store> {
  if (config.databaseUrl)
    return openPostgresStore(config.databaseUrl, { poolSize: config.databasePoolSize });
  return openSqliteStore(config.databaseFile);
}
