// The Store on PostgreSQL: the async repository functions of ./repositories bound to one Pool.
// `satisfies` holds this object to the same interface as the SQLite Store (db/store.ts).
import type { PhotoSealing } from '../shared/photo-refs';
import type { Store } from '../store';
import {
  openPostgres,
  postgresIsReady,
  type PgExecutor,
  type PgHandle,
  type PgOptions,
} from './client';
import * as applicantLogins from './repositories/applicant-logins';
import * as applicationRetention from './repositories/application-retention';
import * as applicationStatus from './repositories/application-status';
import * as applicationViews from './repositories/application-views';
import * as auditLog from './repositories/audit-log';
import * as caseClaims from './repositories/case-claims';
import * as credentials from './repositories/credentials';
import { createLedger } from './repositories/ledger';
import * as moneyMovements from './repositories/money-movements';
import * as outbox from './repositories/outbox';
import * as personClaims from './repositories/person-claims';
import * as personKeys from './repositories/person-keys';
import { createDatabasePhotoStore } from './repositories/photos';
import * as reviewQueue from './repositories/review-queue';
import * as reviewSnapshots from './repositories/review-snapshots';
import * as sandboxBankAccounts from './repositories/sandbox-bank-accounts';
import * as screeningRepeats from './repositories/screening-repeats';
import * as staffAccounts from './repositories/staff-accounts';
import * as staffNotifications from './repositories/staff-notifications';
import * as temporalSubjects from './repositories/temporal-subjects';
import * as throttles from './repositories/throttles';
import * as walletClosure from './repositories/wallet-closure';
import * as walletNotices from './repositories/wallet-notices';
import * as walletOwner from './repositories/wallet-owner';
import * as wallets from './repositories/wallets';
import * as watchlist from './repositories/watchlist';
import * as webhookEvents from './repositories/webhook-events';

/** A repository function of the database, as a method without it. */
type Bound<M> = {
  [
    K in keyof M as M[K] extends (db: PgExecutor, ...args: never[]) => unknown ? K : never
  ]: M[K] extends (db: PgExecutor, ...args: infer A) => infer R ? (...args: A) => R : never;
};

/** Every function of `module` taking the database first, bound to `db`. */
function bound<M extends object>(db: PgExecutor, module: M): Bound<M> {
  const methods: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(module))
    if (typeof fn === 'function' && !/^[A-Z]/.test(name))
      methods[name] = (...args: unknown[]) => (fn as (...a: unknown[]) => unknown)(db, ...args);
  return methods as Bound<M>;
}

/** The Store over an open pool (tests keep the handle to look underneath). */
export function postgresStoreOf(handle: PgHandle) {
  const { db } = handle;
  const store = {
    ...bound(db, applicantLogins),
    ...bound(db, applicationRetention),
    ...bound(db, applicationStatus),
    ...bound(db, applicationViews),
    ...bound(db, auditLog),
    ...bound(db, caseClaims),
    ...bound(db, credentials),
    ...bound(db, moneyMovements),
    ...bound(db, outbox),
    ...bound(db, personClaims),
    ...bound(db, personKeys),
    ...bound(db, reviewQueue),
    ...bound(db, reviewSnapshots),
    ...bound(db, sandboxBankAccounts),
    ...bound(db, screeningRepeats),
    ...bound(db, staffAccounts),
    ...bound(db, staffNotifications),
    ...bound(db, temporalSubjects),
    ...bound(db, throttles),
    ...bound(db, walletClosure),
    ...bound(db, walletNotices),
    ...bound(db, walletOwner),
    ...bound(db, wallets),
    ...bound(db, watchlist),
    ...bound(db, webhookEvents),
    createLedger: (options?: Parameters<typeof createLedger>[1]) => createLedger(db, options),
    // Photos live in the database on PostgreSQL (SPEC §8): db/photo-store-for.ts picks this.
    photosInDatabase: (sealing: PhotoSealing) => createDatabasePhotoStore({ db, sealing }),

    dialect: 'postgres' as const,
    ready: () => postgresIsReady(handle),
    close: () => handle.close(),
  } satisfies Store;
  return store;
}

/** Opens (and migrates) the database at `url` as a Store. */
export async function openPostgresStore(url: string, options: PgOptions = {}): Promise<Store> {
  return postgresStoreOf(await openPostgres(url, options));
}
