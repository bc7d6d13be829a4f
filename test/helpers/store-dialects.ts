// The two databases a store contract test runs on: for each, a fresh empty database and a way to
// open any number of Stores on it, each with its own connection(s), as separate processes would.
// `exec` runs a raw statement on that Store's connection, to look underneath or to act as
// another process would without this one knowing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../../db/postgres/client';
import { postgresStoreOf } from '../../db/postgres/store';
import { openDatabase } from '../../db/sqlite/client';
import { sqliteStoreOf } from '../../db/sqlite/store';
import type { Store } from '../../db/store';
import { freshPostgresUrl } from './postgres';

export interface OpenedStore {
  store: Store;
  exec<T = Record<string, unknown>>(statement: string, params?: unknown[]): Promise<T[]>;
}

export interface TestDatabase {
  dialect: Store['dialect'];
  /** Another Store on this database: a second process, for the purpose of the test. */
  open(): Promise<OpenedStore>;
  /** Closes every Store opened and removes the database's files. */
  close(): Promise<void>;
}

async function sqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'wallet-store-'));
  const file = join(dir, 'app.db');
  const stores: Store[] = [];
  return {
    dialect: 'sqlite',
    async open() {
      const handle = openDatabase(file);
      const store = sqliteStoreOf(handle);
      stores.push(store);
      return {
        store,
        exec: async <T>(statement: string, params: unknown[] = []) => {
          const prepared = handle.sqlite.prepare(statement);
          return (prepared.reader ? prepared.all(...params) : (prepared.run(...params), [])) as T[];
        },
      };
    },
    async close() {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresDatabase(): Promise<TestDatabase> {
  const url = await freshPostgresUrl();
  const stores: Store[] = [];
  return {
    dialect: 'postgres',
    async open() {
      const handle = await openPostgres(url, { poolSize: 4 });
      const store = postgresStoreOf(handle);
      stores.push(store);
      return {
        store,
        exec: async <T>(statement: string, params: unknown[] = []) =>
          (await handle.pool.query(statement, params)).rows as T[],
      };
    },
    async close() {
      for (const store of stores) await store.close();
    },
  };
}

/** For `describe.each`: one entry per database. */
export const DIALECTS = [
  { dialect: 'sqlite', fresh: sqliteDatabase },
  { dialect: 'postgres', fresh: postgresDatabase },
] as const;
