// Which database the Store lives on: PostgreSQL when DATABASE_URL is set, else the SQLite file.
import type { Config } from '../config/config';
import { openSqliteStore } from './sqlite/store';
import type { Store } from './store';

export async function openStore(config: Pick<Config, 'databaseFile'>): Promise<Store> {
  return openSqliteStore(config.databaseFile);
}
