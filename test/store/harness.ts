// The two Store implementations as contract tests see them: each test file runs its tests once
// per entry of STORES (`describe.each(STORES)`), on a fresh SQLite file or a fresh PostgreSQL
// database of the run's cluster. Besides the Store, a harness reaches underneath for what a test
// must set up or look at that no Store method does (a wallet row, a stored hash).
import { eq } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../../db/postgres/client';
import { eraseWalletHistory as erasePgHistory } from '../../db/postgres/repositories/ledger';
import * as pgSchema from '../../db/postgres/schema';
import { postgresStoreOf } from '../../db/postgres/store';
import { openDatabase } from '../../db/sqlite/client';
import { eraseWalletHistory as eraseSqliteHistory } from '../../db/sqlite/repositories/ledger';
import * as sqliteSchema from '../../db/sqlite/schema';
import { sqliteStoreOf } from '../../db/sqlite/store';
import type { Store } from '../../db/store';
import { freshPostgresUrl } from '../helpers/postgres';

export type WalletInsert = typeof sqliteSchema.wallets.$inferInsert;

export interface Harness {
  dialect: 'sqlite' | 'postgres';
  store: Store;
  /** How another process would open this same database (DATABASE_URL or the SQLite file). */
  location: { databaseFile: string; databaseUrl?: string };
  insertWallet(row: WalletInsert): Promise<void>;
  paymentPasswordHash(walletId: string): Promise<string>;
  eraseWalletHistory(walletId: string): Promise<number>;
  /** Runs one SQL statement as is: what code that bypasses the repositories could do. */
  rawSql(statement: string): Promise<void>;
  /** The rows of one SQL query, as the driver answers them. */
  rows(query: string): Promise<Record<string, unknown>[]>;
  /** Another Store on the same database: a second process's connections. */
  openAnother(): Promise<Store>;
  close(): Promise<void>;
}

async function sqliteHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  const file = join(dir, 'app.db');
  const handle = openDatabase(file);
  const others: Store[] = [];
  return {
    dialect: 'sqlite',
    store: sqliteStoreOf(handle),
    location: { databaseFile: file },
    async insertWallet(row) {
      handle.db.insert(sqliteSchema.wallets).values(row).run();
    },
    async paymentPasswordHash(walletId) {
      return handle.db
        .select({ hash: sqliteSchema.wallets.paymentPasswordHash })
        .from(sqliteSchema.wallets)
        .where(eq(sqliteSchema.wallets.id, walletId))
        .get()!.hash;
    },
    async eraseWalletHistory(walletId) {
      return eraseSqliteHistory(handle.db, walletId);
    },
    async rawSql(statement) {
      handle.sqlite.exec(statement);
    },
    async rows(query) {
      return handle.sqlite.prepare(query).all() as Record<string, unknown>[];
    },
    async openAnother() {
      const other = sqliteStoreOf(openDatabase(file));
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresHarness(): Promise<Harness> {
  const url = await freshPostgresUrl();
  const handle = await openPostgres(url, { poolSize: 8 });
  const others: Store[] = [];
  return {
    dialect: 'postgres',
    store: postgresStoreOf(handle),
    location: { databaseFile: '/nonexistent/app.db', databaseUrl: url },
    async insertWallet(row) {
      await handle.db.insert(pgSchema.wallets).values(row);
    },
    async paymentPasswordHash(walletId) {
      const [row] = await handle.db
        .select({ hash: pgSchema.wallets.paymentPasswordHash })
        .from(pgSchema.wallets)
        .where(eq(pgSchema.wallets.id, walletId));
      return row!.hash;
    },
    async eraseWalletHistory(walletId) {
      return erasePgHistory(handle.db, walletId);
    },
    async rawSql(statement) {
      await handle.pool.query(statement);
    },
    async rows(query) {
      return (await handle.pool.query(query)).rows as Record<string, unknown>[];
    },
    async openAnother() {
      const other = postgresStoreOf(await openPostgres(url, { poolSize: 8 }));
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await handle.close();
    },
  };
}

export const STORES = [
  { dialect: 'sqlite', open: sqliteHarness },
  { dialect: 'postgres', open: postgresHarness },
] as const;
