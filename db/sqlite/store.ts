// The Store on SQLite: the synchronous repository functions of ./repositories, bound to one
// better-sqlite3 connection. Each call runs to its end before any other code of the process
// runs, so a call is as atomic as the transaction it opens.
import type { Store } from '../store';
import { databaseIsReady, openDatabase, type AppDatabase, type DatabaseHandle } from './client';
import * as applicantLogins from './repositories/applicant-logins';
import * as applicationRetention from './repositories/application-retention';
import * as applicationStatus from './repositories/application-status';
import * as applicationViews from './repositories/application-views';
import * as auditLog from './repositories/audit-log';
import { createLedger } from './repositories/ledger';
import * as moneyMovements from './repositories/money-movements';
import * as outbox from './repositories/outbox';
import * as personClaims from './repositories/person-claims';
import * as personKeys from './repositories/person-keys';
import * as reviewQueue from './repositories/review-queue';
import * as reviewSnapshots from './repositories/review-snapshots';
import * as sandboxBankAccounts from './repositories/sandbox-bank-accounts';
import * as screeningRepeats from './repositories/screening-repeats';
import * as temporalSubjects from './repositories/temporal-subjects';
import * as throttles from './repositories/throttles';
import * as walletClosure from './repositories/wallet-closure';
import * as walletNotices from './repositories/wallet-notices';
import * as walletOwner from './repositories/wallet-owner';
import * as wallets from './repositories/wallets';
import * as watchlist from './repositories/watchlist';
import * as webhookEvents from './repositories/webhook-events';
import * as caseClaims from './repositories/case-claims';
import * as credentials from './repositories/credentials';
import * as staffAccounts from './repositories/staff-accounts';
import * as staffNotifications from './repositories/staff-notifications';

type AnyFunction = (...args: never[]) => unknown;

/** Every function of `module` whose first argument is the database, bound to `db`, async. */
function bound(db: AppDatabase, module: Record<string, unknown>): Record<string, AnyFunction> {
  const methods: Record<string, AnyFunction> = {};
  for (const [name, fn] of Object.entries(module))
    if (typeof fn === 'function' && !/^[A-Z]/.test(name))
      methods[name] = async (...args: never[]) =>
        (fn as (db: AppDatabase, ...rest: never[]) => unknown)(db, ...args);
  return methods;
}

/** A promise-returning view of a synchronous object's methods. */
function promised<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) =>
        (value as (...a: unknown[]) => unknown).apply(object, args);
    },
  });
}

/** The Store over an open database (tests keep the handle to look underneath). */
export function sqliteStoreOf(handle: DatabaseHandle): Store {
  const { db } = handle;
  const modules = [
    applicantLogins,
    applicationRetention,
    applicationStatus,
    applicationViews,
    auditLog,
    moneyMovements,
    outbox,
    personClaims,
    personKeys,
    reviewQueue,
    reviewSnapshots,
    sandboxBankAccounts,
    screeningRepeats,
    temporalSubjects,
    throttles,
    walletClosure,
    walletNotices,
    walletOwner,
    wallets,
    watchlist,
    webhookEvents,
    caseClaims,
    credentials,
    staffAccounts,
    staffNotifications,
  ];
  const methods = Object.assign({}, ...modules.map((m) => bound(db, m))) as Record<
    string,
    AnyFunction
  >;
  const store = {
    ...methods,
    // sandboxCoreBanking answers an object of async methods already.
    createLedger: (options?: Parameters<typeof createLedger>[1]) =>
      promised(createLedger(db, options)),
    dialect: 'sqlite' as const,
    ready: async () => databaseIsReady(handle),
    close: async () => handle.close(),
  };
  return store as unknown as Store;
}

/** Opens (and migrates) the SQLite file as a Store. */
export function openSqliteStore(file: string): Store {
  return sqliteStoreOf(openDatabase(file));
}
