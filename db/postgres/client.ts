// The app database on PostgreSQL (DATABASE_URL, SPEC §8): one `pg` Pool per process, drizzle
// over it, and the migrations of ./migrations applied at start.
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import type { PgDatabase as AnyPgDatabase } from 'drizzle-orm/pg-core';
import { createHash } from 'node:crypto';
import pg from 'pg';
import * as schema from './schema';
import { isDatabaseUnavailable } from '../shared/unavailable';
import { KeyRows, listenForErasures } from './key-cache';

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
  /** The person-key rows this pool's process keeps while it hears every erasure. */
  keyRows: KeyRows;
  close(): Promise<void>;
}

export interface PgOptions {
  /** Connections this process holds at most (DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** How long a cached person-key row may be used at most (tests; KEY_ROWS_TTL_MS). */
  keyRowsTtlMs?: number;
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

/**
 * Statement texts this process names (each becomes a prepared statement on every connection
 * that runs it). The repositories' statements are a few hundred shapes; texts beyond this bound
 * (IN lists and multi-row inserts of every length) stay unnamed, so no connection's set of
 * prepared statements grows without end.
 */
const NAMED_TEXTS_KEPT = 2_000;
const namesOfTexts = new Map<string, string>();

function statementName(text: string): string | undefined {
  let name = namesOfTexts.get(text);
  if (name === undefined && namesOfTexts.size < NAMED_TEXTS_KEPT) {
    name = `s_${createHash('sha1').update(text).digest('base64url')}`;
    namesOfTexts.set(text, name);
  }
  return name;
}

/**
 * A `pg` client that prepares each parameterised statement once per connection: drizzle sends
 * every query unnamed, which makes the server parse and plan it anew each time (measured: ~100 µs
 * of server CPU of ~150 for a primary-key read, docs/performance.md). Named, the server keeps the
 * parsed statement for the connection's life and only binds and runs it. Statements without
 * parameters (BEGIN, COMMIT, the migrations' scripts, which hold several statements) stay on the
 * simple protocol. A statement's result is the same either way.
 */
class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [config, values] = args as [unknown, unknown];
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name) args[0] = { text: config, name };
    } else if (
      config !== null &&
      typeof config === 'object' &&
      typeof (config as pg.QueryConfig).text === 'string' &&
      (config as pg.QueryConfig).name === undefined &&
      Array.isArray(values ?? (config as pg.QueryConfig).values) &&
      ((values ?? (config as pg.QueryConfig).values) as unknown[]).length > 0
    ) {
      const name = statementName((config as pg.QueryConfig).text);
      if (name) args[0] = { ...config, name };
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

/** Opens a pool on `url` and applies pending migrations. */
export async function openPostgres(url: string, options: PgOptions = {}): Promise<PgHandle> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    Client: PreparingClient,
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
  const keyRows = new KeyRows({ ttlMs: options.keyRowsTtlMs });
  keyRowsOfDatabase.set(db, keyRows);
  db.transaction = transactionsOn(pool, keyRows);
  const listener = await listenForErasures(url, keyRows);
  return {
    db,
    pool,
    keyRows,
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/** The pool's person-key rows, for the database and each of its transactions. */
const keyRowsOfDatabase = new WeakMap<object, KeyRows>();

/** The person-key rows of the pool `db` runs on (undefined for a nested transaction). */
export const keyRowsOf = (db: PgExecutor): KeyRows | undefined => keyRowsOfDatabase.get(db);

/**
 * `db.transaction` on the pool, holding its connection in this code's hands: drizzle's own
 * (0.45) leaves the connection checked out for good when BEGIN itself fails (the server just
 * went away), so that every outage shrinks the pool until it is empty and `pool.end()` never
 * returns. Here the connection goes back whatever fails, and a broken one is destroyed.
 */
function transactionsOn(pool: pg.Pool, keyRows: KeyRows): PgDatabase['transaction'] {
  const sessions = new WeakMap<pg.PoolClient, PgDatabase>();
  return async (run, config) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      let session = sessions.get(client);
      if (!session) sessions.set(client, (session = drizzle(client, { schema })));
      return await session.transaction((tx) => {
        keyRowsOfDatabase.set(tx, keyRows);
        return run(tx);
      }, config);
    } catch (error) {
      if (error instanceof Error && isDatabaseUnavailable(error)) broken = error;
      throw error;
    } finally {
      client.release(broken);
    }
  };
}

/**
 * A drizzle query built once per database handle and run as a named prepared statement: for the
 * statements run many times per application (the payload codec's key look-ups), where building
 * the query costs more CPU than running it (docs/performance.md). A transaction's handle gets its
 * own, gone with it.
 */
export function preparedOn<Q>(
  cache: WeakMap<object, Q>,
  db: PgExecutor,
  build: (db: PgExecutor) => Q,
): Q {
  let query = cache.get(db);
  if (query === undefined) cache.set(db, (query = build(db)));
  return query;
}

export async function postgresIsReady(handle: PgHandle): Promise<boolean> {
  try {
    await handle.pool.query('select 1');
    return true;
  } catch {
    return false;
  }
}
