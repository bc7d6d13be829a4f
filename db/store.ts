// The app database as the rest of the engine sees it: one Store of async repository methods,
// implemented twice, on SQLite (db/sqlite/, the embedded default) and on PostgreSQL
// (db/postgres/, with DATABASE_URL). Callers outside db/ import this module only.
//
// The methods' shapes are those of the SQLite repository functions without their first
// (database) argument, made async: one definition, checked against both implementations.
import type * as applicantLogins from './sqlite/repositories/applicant-logins';
import type * as applicationRetention from './sqlite/repositories/application-retention';
import type * as applicationStatus from './sqlite/repositories/application-status';
import type * as applicationViews from './sqlite/repositories/application-views';
import type * as auditLog from './sqlite/repositories/audit-log';
import type * as ledger from './sqlite/repositories/ledger';
import type * as moneyMovements from './sqlite/repositories/money-movements';
import type * as outbox from './sqlite/repositories/outbox';
import type * as personClaims from './sqlite/repositories/person-claims';
import type * as personKeys from './sqlite/repositories/person-keys';
import type { PhotoSealing, PhotoStore } from './sqlite/repositories/photo-store';
import type * as reviewQueue from './sqlite/repositories/review-queue';
import type * as reviewSnapshots from './sqlite/repositories/review-snapshots';
import type * as sandboxBankAccounts from './sqlite/repositories/sandbox-bank-accounts';
import type * as screeningRepeats from './sqlite/repositories/screening-repeats';
import type * as temporalSubjects from './sqlite/repositories/temporal-subjects';
import type * as throttles from './sqlite/repositories/throttles';
import type * as walletClosure from './sqlite/repositories/wallet-closure';
import type * as walletNotices from './sqlite/repositories/wallet-notices';
import type * as walletOwner from './sqlite/repositories/wallet-owner';
import type * as wallets from './sqlite/repositories/wallets';
import type * as watchlist from './sqlite/repositories/watchlist';
import type * as webhookEvents from './sqlite/repositories/webhook-events';
import type * as caseClaims from './sqlite/repositories/case-claims';
import type * as credentials from './sqlite/repositories/credentials';
import type * as staffAccounts from './sqlite/repositories/staff-accounts';
import type * as staffNotifications from './sqlite/repositories/staff-notifications';

export { isDatabaseUnavailable } from './shared/unavailable';
// What callers need besides the methods: dialect-free values, errors and types (db/shared/), and
// the file photo store, which is not in the database.
export * from './shared/values';
export * from './shared/ledger-rules';
export * from './shared/money-movements';
export * from './shared/status-events';
export * from './shared/photo-refs';
export { createPhotoStore } from './sqlite/repositories/photo-store';
export { photoStoreFor } from './photo-store-for';
export type { ApplicantLogin } from './sqlite/repositories/applicant-logins';
export type { PasswordChange, PasswordKind } from './sqlite/repositories/credentials';
export type { ApplicationStatusChange } from './sqlite/repositories/application-status';
export type { AuditRow } from './sqlite/repositories/audit-log';
export type { OutboxEntry, StoredOutboxEntry } from './sqlite/repositories/outbox';
export type { ClaimResult } from './sqlite/repositories/person-claims';
export type { ApplicationRow } from './sqlite/repositories/review-queue';
export type { SaveReviewSnapshotInput } from './sqlite/repositories/review-snapshots';
export type {
  NewSandboxAccount,
  SandboxAccountRow,
} from './sqlite/repositories/sandbox-bank-accounts';
export {
  DuplicateCardError,
  TransferConflictError,
  type SandboxAccountView,
} from './shared/sandbox-bank';
export type { Repeats } from './sqlite/repositories/screening-repeats';
export type { ThrottleOutcome, ThrottleRule } from './sqlite/repositories/throttles';
export type { ClosureOutcome } from './sqlite/repositories/wallet-closure';
export type { QueuedWalletNotice, WalletNoticeKind } from './sqlite/repositories/wallet-notices';
export type { CreatedWallet } from './sqlite/repositories/wallets';
export type {
  ActiveWalletRow,
  NewWatchlistEntry,
  WatchlistAlertRow,
  WatchlistRow,
} from './sqlite/repositories/watchlist';
export { WATCHLIST_ALERT } from './sqlite/repositories/watchlist';
export type { Claimed } from './sqlite/repositories/webhook-events';

/** A repository function of the database, as a method without it, answering a promise. */
type Method<F> = F extends (db: never, ...args: infer A) => infer R
  ? (...args: A) => Promise<Awaited<R>>
  : never;
type Repository<M, K extends keyof M> = { [P in K]: Method<M[P]> };
/** An object's methods, each answering a promise. */
type Promised<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : T[K];
};

export type ApplicantLoginsRepository = Repository<
  typeof applicantLogins,
  | 'upsertApplicantLogin'
  | 'markLoginPhoneVerified'
  | 'findVerifiedLogin'
  | 'replaceLoginHash'
  | 'phoneVerifiedByAnotherPerson'
>;
export type ApplicationRetentionRepository = Repository<
  typeof applicationRetention,
  'endedApplicationsBefore' | 'eraseEndedApplication'
>;
export type ApplicationStatusRepository = Repository<
  typeof applicationStatus,
  'recordApplicationStatusChange'
>;
export type ApplicationViewsRepository = Repository<
  typeof applicationViews,
  'saveApplicationView' | 'prepareViewsFor' | 'loadApplicationView'
>;
export type AuditLogRepository = Repository<
  typeof auditLog,
  'appendAudit' | 'appendAuditRows' | 'auditDetailOf' | 'auditPage' | 'recordReviewDecision'
>;
export type MoneyMovementsRepository = Repository<
  typeof moneyMovements,
  | 'beginBankMovement'
  | 'settleBankMovement'
  | 'bankMovement'
  | 'walletBankCard'
  | 'bankMovementsPage'
>;
export type OutboxRepository = Repository<
  typeof outbox,
  'insertOutboxEntry' | 'readOutbox' | 'deleteOutboxFor'
>;
export type PersonClaimsRepository = Repository<
  typeof personClaims,
  'claimPersonForApplication' | 'releaseInProgressClaim'
>;
export type PersonKeysRepository = Repository<
  typeof personKeys,
  'loadPersonKey' | 'personKey' | 'erasePersonKey' | 'personKeyErased'
>;
export type ReviewQueueRepository = Repository<
  typeof reviewQueue,
  'applicationsInStatus' | 'countApplicationsInStatus'
>;
export type ReviewSnapshotsRepository = Repository<
  typeof reviewSnapshots,
  'readReviewSnapshot' | 'reviewSnapshotsOf' | 'saveReviewSnapshot'
>;
export type SandboxBankAccountsRepository = Repository<
  typeof sandboxBankAccounts,
  'insertSandboxAccount' | 'sandboxCoreBanking' | 'sandboxAccountById' | 'setSandboxAccountStatus'
>;
export type ScreeningRepeatsRepository = Repository<
  typeof screeningRepeats,
  'recordAndFindRepeats'
>;
export type TemporalSubjectsRepository = Repository<
  typeof temporalSubjects,
  'registerTemporalSubject' | 'temporalSubjectKeys' | 'photoKeyOf'
>;
export type ThrottlesRepository = Repository<
  typeof throttles,
  'takeThrottleHit' | 'returnThrottleHit'
>;
export type WalletClosureRepository = Repository<
  typeof walletClosure,
  | 'walletStatusAndBalance'
  | 'recordDeregistrationStatusChange'
  | 'closeWalletAndErasePerson'
  | 'closedWalletApplications'
  | 'forgetClosedOwnerPhone'
>;
export type WalletNoticesRepository = Repository<
  typeof walletNotices,
  'claimDueWalletNotices' | 'markWalletNoticeRelayed' | 'pendingWalletNotices'
>;
export type WalletOwnerRepository = Repository<
  typeof walletOwner,
  'walletOwnerPhone' | 'resealOwnerPhoneForClosure' | 'forgetOwnerPhone'
>;
export type WalletsRepository = Repository<typeof wallets, 'createWalletOnce'>;
export type WatchlistRepository = Repository<
  typeof watchlist,
  | 'loadWatchlist'
  | 'listWatchlist'
  | 'addWatchlistEntries'
  | 'removeWatchlistEntry'
  | 'activeWalletsPage'
  | 'raiseWatchlistAlert'
  | 'listWatchlistAlerts'
>;
export type WebhookEventsRepository = Repository<
  typeof webhookEvents,
  | 'claimDueWebhookEvents'
  | 'markWebhookEventDelivered'
  | 'handWebhookEventBack'
  | 'retryWebhookEventLater'
>;

export type CaseClaimsRepository = Repository<
  typeof caseClaims,
  'claimCase' | 'releaseCase' | 'caseClaimOf' | 'caseClaimsOf'
>;
export type CredentialsRepository = Repository<
  typeof credentials,
  | 'loginOfApplication'
  | 'openWalletOfPerson'
  | 'storePasswordChange'
  | 'revokePersonSessions'
  | 'sessionsRevokedAt'
  | 'isKnownDevice'
  | 'rememberDevice'
>;
export type StaffAccountsRepository = Repository<
  typeof staffAccounts,
  | 'createStaffAccount'
  | 'disableStaffAccount'
  | 'findStaffAccount'
  | 'recordStaffSignInFailure'
  | 'recordStaffSignInSuccess'
  | 'createStaffSession'
  | 'touchStaffSession'
  | 'deleteStaffSession'
  | 'deleteIdleStaffSessions'
>;
export type StaffNotificationsRepository = Repository<
  typeof staffNotifications,
  | 'insertStaffNotification'
  | 'listStaffNotifications'
  | 'countStaffNotifications'
  | 'staffNotificationTemplatesOf'
  | 'staffNotificationsAbout'
  | 'claimDueStaffNotifications'
  | 'markStaffNotificationDelivered'
  | 'handStaffNotificationBack'
  | 'retryStaffNotificationLater'
>;

/** The wallet ledger (SPEC §2): every method async on both databases. */
export type Ledger = Promised<ledger.Ledger>;

export interface LedgerRepository {
  createLedger(options?: ledger.LedgerOptions): Ledger;
}

export interface Store
  extends
    ApplicantLoginsRepository,
    ApplicationRetentionRepository,
    ApplicationStatusRepository,
    ApplicationViewsRepository,
    AuditLogRepository,
    CaseClaimsRepository,
    CredentialsRepository,
    LedgerRepository,
    MoneyMovementsRepository,
    OutboxRepository,
    PersonClaimsRepository,
    PersonKeysRepository,
    ReviewQueueRepository,
    ReviewSnapshotsRepository,
    SandboxBankAccountsRepository,
    ScreeningRepeatsRepository,
    StaffAccountsRepository,
    StaffNotificationsRepository,
    TemporalSubjectsRepository,
    ThrottlesRepository,
    WalletClosureRepository,
    WalletNoticesRepository,
    WalletOwnerRepository,
    WalletsRepository,
    WatchlistRepository,
    WebhookEventsRepository {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * The ID photos kept in this database, sealed by `sealing`: on PostgreSQL, so that every process
   * reads what any stored (SPEC §8). Absent on SQLite, whose photos are files in DATA_DIR; pick
   * through `photoStoreFor` (db/photo-store-for.ts).
   */
  photosInDatabase?(sealing: PhotoSealing): PhotoStore;
  /** True when the database answers a trivial query now. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
