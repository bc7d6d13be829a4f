import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { fileURLToPath } from 'node:url';
import * as schema from './schema';

export type AppDatabase = BetterSQLite3Database<typeof schema>;

export interface DatabaseHandle {
  db: AppDatabase;
  sqlite: Database.Database;
  close(): void;
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * Opens the SQLite file in WAL mode and applies pending migrations. The API and the worker may
 * start at the same moment against the same file: whichever loses the race to migrate sees the
 * winner's tables on its retry.
 */
export function openDatabase(file: string): DatabaseHandle {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Deleted rows are overwritten, not left in free pages: an erasure leaves nothing to carve
  // out of the file (SPEC §9).
  sqlite.pragma('secure_delete = ON');
  const db = drizzle(sqlite, { schema });
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(db, { migrationsFolder });
      break;
    } catch (error) {
      if (attempt >= 5 || !/already exists|database is locked/i.test(String(error))) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100 * attempt);
    }
  }
  return { db, sqlite, close: () => sqlite.close() };
}

export function databaseIsReady(handle: DatabaseHandle): boolean {
  try {
    return handle.sqlite.prepare('select 1 as ok').get() !== undefined;
  } catch {
    return false;
  }
}

/**
 * The connection behind `db`: the database and every transaction object drizzle hands out for it
 * share one session (and one SQLite connection). The database itself if drizzle ever stops
 * keeping it there.
 */
const connectionOf = (db: AppDatabase): object =>
  (db as unknown as { session?: object }).session ?? db;

/**
 * A query built and prepared once per connection instead of on every call (drizzle re-renders and
 * SQLite re-prepares a one-off query each time), for the statements on every request's path.
 * Called with the database or with a transaction on it (`db.transaction((tx) => ...)`), it hands
 * out the same statement, which runs inside whatever transaction is open on the connection.
 */
export function preparedPerDatabase<T>(build: (db: AppDatabase) => T): (db: AppDatabase) => T {
  const prepared = new WeakMap<object, T>();
  return (db) => {
    const connection = connectionOf(db);
    let statement = prepared.get(connection);
    if (!statement) prepared.set(connection, (statement = build(db)));
    return statement;
  };
}

/**
 * In an upsert's update, the value the conflicting insert proposed for `column` (SQLite's
 * `excluded` row): lets a prepared upsert name each value once, as a placeholder of its insert.
 */
export const excluded = (column: AnySQLiteColumn) => sql`excluded.${sql.identifier(column.name)}`;
