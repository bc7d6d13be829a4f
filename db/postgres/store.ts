// The Store on PostgreSQL: the async repository functions of ./repositories bound to one Pool.
// `satisfies` holds this object to the same interface as the SQLite Store (db/store.ts).
import type {
  AuditLogRepository,
  Ledger,
  PersonClaimsRepository,
  SandboxBankAccountsRepository,
  ThrottlesRepository,
  WalletNoticesRepository,
  WalletsRepository,
  WebhookEventsRepository,
  Store,
} from '../store';
import type { PhotoCodec } from '../sqlite/repositories/photo-store';
import {
  openPostgres,
  postgresIsReady,
  type PgExecutor,
  type PgHandle,
  type PgOptions,
} from './client';
import * as applicantLogins from './repositories/applicant-logins';
import * as applicationStatus from './repositories/application-status';
import * as applicationViews from './repositories/application-views';
import * as outbox from './repositories/outbox';
import * as personKeys from './repositories/person-keys';
import { createDatabasePhotoStore } from './repositories/photos';
import * as reviewQueue from './repositories/review-queue';
import * as reviewSnapshots from './repositories/review-snapshots';
import * as screeningRepeats from './repositories/screening-repeats';
import * as temporalSubjects from './repositories/temporal-subjects';
import * as walletClosure from './repositories/wallet-closure';
import * as walletOwner from './repositories/wallet-owner';
import * as watchlist from './repositories/watchlist';

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

/**
 * A repository not ported to PostgreSQL yet: each method rejects. The record of names must list
 * every method of the repository, so the slot disappears only by being replaced.
 */
function notPortedYet<R>(file: string, names: Record<keyof R, true>): R {
  const methods: Record<string, unknown> = {};
  for (const name of Object.keys(names))
    methods[name] = () =>
      Promise.reject(
        new Error(
          `${name} (db/postgres/repositories/${file}) is not implemented on PostgreSQL yet`,
        ),
      );
  return methods as R;
}

/** The Store over an open pool (tests keep the handle to look underneath). */
export function postgresStoreOf(handle: PgHandle) {
  const { db } = handle;
  const store = {
    // Ported on this branch next (pg): audit-log, ledger, person-claims, sandbox-bank-accounts,
    // throttles, wallet-notices, wallets, webhook-events.
    ...notPortedYet<AuditLogRepository>('audit-log.ts', {
      appendAudit: true,
      appendAuditRows: true,
      auditDetailOf: true,
      auditPage: true,
    }),
    ...notPortedYet<PersonClaimsRepository>('person-claims.ts', {
      claimPersonForApplication: true,
      releaseInProgressClaim: true,
    }),
    ...notPortedYet<SandboxBankAccountsRepository>('sandbox-bank-accounts.ts', {
      insertSandboxAccount: true,
      sandboxCoreBanking: true,
    }),
    ...notPortedYet<ThrottlesRepository>('throttles.ts', {
      takeThrottleHit: true,
      returnThrottleHit: true,
    }),
    ...notPortedYet<WalletNoticesRepository>('wallet-notices.ts', {
      claimDueWalletNotices: true,
      markWalletNoticeRelayed: true,
      pendingWalletNotices: true,
    }),
    ...notPortedYet<WalletsRepository>('wallets.ts', { createWalletOnce: true }),
    ...notPortedYet<WebhookEventsRepository>('webhook-events.ts', {
      claimDueWebhookEvents: true,
      markWebhookEventDelivered: true,
      handWebhookEventBack: true,
      retryWebhookEventLater: true,
    }),
    createLedger: (): Ledger => {
      throw new Error(
        'createLedger (db/postgres/repositories/ledger.ts) is not implemented on PostgreSQL yet',
      );
    },

    ...bound(db, applicantLogins),
    ...bound(db, applicationStatus),
    ...bound(db, applicationViews),
    ...bound(db, outbox),
    ...bound(db, personKeys),
    ...bound(db, reviewQueue),
    ...bound(db, reviewSnapshots),
    ...bound(db, screeningRepeats),
    ...bound(db, temporalSubjects),
    ...bound(db, walletClosure),
    ...bound(db, walletOwner),
    ...bound(db, watchlist),
    photosInDatabase: (codec: PhotoCodec) => createDatabasePhotoStore({ db, codec }),

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
