// The app database on PostgreSQL (DATABASE_URL, SPEC §8): one `pg` Pool per process, drizzle
// over it, and the migrations of ./migrations applied at start.
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import type { PgDatabase as AnyPgDatabase } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema';
import { isDatabaseUnavailable } from '../shared/unavailable';

export type PgDatabase = NodePgDatabase<typeof schema>;
/** The database or a transaction on it: what repository functions take. */
export type PgExecutor = AnyPgDatabase<
  NodePgQueryResultHKT,
  typeof schema,
  ExtractTablesWithRelations<typeof schema>
>;
/** A transaction, as `db.transaction` hands it to its callback. */
export type PgTx = Parameters<Parameters<PgExecutor['transaction']>[0]>[0];

export interface PgHandle {
  db: PgDatabase;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface PgOptions {
  /** Connections this process holds at most (DATABASE_POOL_SIZE). */
  poolSize?: number;
}

export const DEFAULT_POOL_SIZE = 10;

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * One session-level advisory lock, the same for every process of the app: several APIs and
 * workers starting at once against one database migrate one after the other, and the later ones
 * find nothing left to apply.
 */
const MIGRATION_LOCK = 'wallet-onboarding:migrations';

/** Applies pending migrations while holding the migration lock on one connection. */
export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client, { schema }), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** Opens a pool on `url` and applies pending migrations. */
export async function openPostgres(url: string, options: PgOptions = {}): Promise<PgHandle> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    // A database that went away must not keep requests waiting forever for a connection.
    connectionTimeoutMillis: 5_000,
  });
  // An idle connection dropped by the server (restart, failover) must not crash the process:
  // the pool discards it and the next query opens a fresh one.
  pool.on('error', () => undefined);
  // Nor one dropped while checked out between queries (inside a transaction): the pending query
  // fails with the error, and the client itself must not emit it unheard.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const db = drizzle(pool, { schema });
  db.transaction = transactionsOn(pool);
  return { db, pool, close: () => pool.end() };
}

/**
 * `db.transaction` on the pool, holding its connection in this code's hands: drizzle's own
 * (0.45) leaves the connection checked out for good when BEGIN itself fails (the server just
 * went away), so that every outage shrinks the pool until it is empty and `pool.end()` never
 * returns. Here the connection goes back whatever fails, and a broken one is destroyed.
 */
function transactionsOn(pool: pg.Pool): PgDatabase['transaction'] {
  const sessions = new WeakMap<pg.PoolClient, PgDatabase>();
  return async (run, config) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      let session = sessions.get(client);
      if (!session) sessions.set(client, (session = drizzle(client, { schema })));
      return await session.transaction(run, config);
    } catch (error) {
      if (error instanceof Error && isDatabaseUnavailable(error)) broken = error;
      throw error;
    } finally {
      client.release(broken);
    }
  };
}

export async function postgresIsReady(handle: PgHandle): Promise<boolean> {
  try {
    await handle.pool.query('select 1');
    return true;
  } catch {
    return false;
  }
}
