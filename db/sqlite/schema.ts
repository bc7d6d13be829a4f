// The app database. Workflows own the truth about a process; these tables hold what must be
// looked up across workflows (lists, duplicates, logins) and what must outlive them (audit).
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import {
  BANK_ACCOUNT_STATUSES,
  PERSON_CLAIM_KINDS,
  WALLET_STATUSES,
  LEDGER_TRANSACTION_TYPES,
  LEDGER_TRANSACTION_STATUSES,
  WEBHOOK_EVENT_KINDS,
  WALLET_NOTICE_KINDS,
  BANK_TRANSFER_DIRECTIONS,
  BANK_TRANSFER_REFUSALS,
} from '../shared/values';

export {
  BANK_ACCOUNT_STATUSES,
  PERSON_CLAIM_KINDS,
  WALLET_STATUSES,
  LEDGER_TRANSACTION_TYPES,
  LEDGER_TRANSACTION_STATUSES,
  WEBHOOK_EVENT_KINDS,
  type BankAccountStatus,
  type PersonClaimKind,
  type WalletStatus,
  type LedgerTransactionType,
  type LedgerTransactionStatus,
  type WebhookEventKind,
} from '../shared/values';

export const applications = sqliteTable(
  'applications',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    nextAction: text('next_action').notNull(),
    // Monotonic per application: an activity retried with an older status never overwrites a newer one.
    statusSeq: integer('status_seq').notNull().default(0),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    riskLevel: text('risk_level'),
    reviewDueAt: integer('review_due_at', { mode: 'timestamp_ms' }),
    // What reviewers see, sealed under the person's key (`person_id`) so that erasing that key
    // erases this copy too.
    reviewSnapshot: text('review_snapshot'),
    personId: text('person_id'),
    // The application as GET shows it (db/sqlite/repositories/application-views.ts), sealed under the person's key:
    // reads come from here, not from a workflow query. `view_revision` is the workflow's history
    // length when the view was taken: a newer view is never overwritten by an older one.
    view: text('view'),
    viewRevision: integer('view_revision'),
    // When a FAILED or CANCELLED application's personal data was erased (RETENTION_AFTER,
    // db/sqlite/repositories/application-retention.ts); its status and audit trail stay.
    erasedAt: integer('erased_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('applications_status_idx').on(t.status, t.createdAt),
    // The review queue's order and keyset (repositories/review-queue.ts): a page of 50 out of
    // 10,000 pending cases is read in order, not sorted out of all of them.
    index('applications_queue_idx').on(t.status, t.updatedAt, t.id),
    index('applications_person_idx').on(t.personId),
  ],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    // Idempotency of retried activities: the same event is recorded once.
    eventKey: text('event_key').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>(),
    recordedAt: integer('recorded_at', { mode: 'timestamp_ms' })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [
    uniqueIndex('audit_log_event_key_idx').on(t.eventKey),
    index('audit_log_subject_idx').on(t.subjectType, t.subjectId),
  ],
);

/**
 * One data key per person (person_id = blind index of the ID number), wrapped under the master
 * PII key. Erasing `wrapped_key` crypto-shreds everything sealed under it (crypto/pii.ts).
 */
export const personKeys = sqliteTable('person_keys', {
  personId: text('person_id').primaryKey(),
  wrappedKey: text('wrapped_key'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }),
});

/**
 * Whose personal data a Temporal workflow carries: its payloads are encrypted under a key derived
 * from that person's data key (db/sqlite/repositories/temporal-subjects.ts), so erasing the person's key makes what
 * is left of those histories undecryptable. Written before the workflow is started.
 */
export const temporalSubjects = sqliteTable(
  'temporal_subjects',
  {
    workflowId: text('workflow_id').primaryKey(),
    personId: text('person_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('temporal_subjects_person_idx').on(t.personId)],
);

/**
 * The sandbox's core-banking system (SANDBOX=1). It stands for the bank's own records, not this
 * app's: sealed under the master key rather than a person's key, so closing a wallet leaves it.
 */
export const bankAccounts = sqliteTable(
  'bank_accounts',
  {
    id: text('id').primaryKey(),
    cardIndex: text('card_index').notNull(),
    idNumberIndex: text('id_number_index').notNull(),
    // {holderName, idNumber, phone?, cardNumber}
    sealed: text('sealed').notNull(),
    status: text('status', { enum: BANK_ACCOUNT_STATUSES }).notNull(),
    realNameVerified: integer('real_name_verified', { mode: 'boolean' }).notNull(),
    // fen; the sandbox bank's side of top-ups and withdrawals (bank_transfers).
    balance: integer('balance').notNull().default(100000000),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('bank_accounts_card_idx').on(t.cardIndex),
    index('bank_accounts_id_number_idx').on(t.idNumberIndex),
  ],
);

/**
 * The sandbox bank's record of applied (and refused) transfers, one per transfer id: a retried
 * transfer finds its first answer here, and the reconciliation compares this with the ledger.
 * Written in the transaction that changes the account's balance.
 */
export const bankTransfers = sqliteTable(
  'bank_transfers',
  {
    transferId: text('transfer_id').primaryKey(),
    accountId: text('account_id'),
    direction: text('direction', { enum: BANK_TRANSFER_DIRECTIONS }).notNull(),
    amount: integer('amount').notNull(),
    // null when applied
    refusal: text('refusal', { enum: BANK_TRANSFER_REFUSALS }),
    balanceAfter: integer('balance_after'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('bank_transfers_account_idx').on(t.accountId)],
);

/**
 * Messages as the sandbox delivers them (SANDBOX=1), read back through GET /v1/sandbox/outbox.
 * A developer tool standing in for the SMS gateway, but its rows hold phone numbers and one-time
 * codes, so they are sealed at rest like the rest of the personal data (db/sqlite/repositories/outbox.ts): the
 * recipient is found by its blind index, and `{recipient, text}` is sealed under the master key.
 * With SANDBOX=0 nothing is written here.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    // Exactly-once delivery under activity retries.
    idemKey: text('idem_key').notNull(),
    recipientIndex: text('recipient_index').notNull(),
    channel: text('channel').notNull(),
    template: text('template').notNull(),
    sealed: text('sealed').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('outbox_idem_key_idx').on(t.idemKey),
    index('outbox_recipient_index_idx').on(t.recipientIndex, t.id),
  ],
);

/**
 * One row per person: the primary key is what makes "no other application in progress" and "no
 * active wallet" hold under concurrent applications.
 */
export const personClaims = sqliteTable(
  'person_claims',
  {
    personId: text('person_id').primaryKey(),
    applicationId: text('application_id').notNull(),
    kind: text('kind', { enum: PERSON_CLAIM_KINDS }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('person_claims_application_idx').on(t.applicationId)],
);

/** How an applicant signs in again (POST /v1/sessions): phone blind index and password hash. */
export const applicantLogins = sqliteTable(
  'applicant_logins',
  {
    applicationId: text('application_id').primaryKey(),
    phoneIndex: text('phone_index').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /**
     * When this application's applicant proved the phone with its code; null until then and
     * again after the phone changes. Only a verified phone signs anyone in (issue: a stranger
     * applying with someone else's number must not take over their sign-in).
     */
    phoneVerifiedAt: integer('phone_verified_at', { mode: 'timestamp_ms' }),
    /** Whose application this is (blind index of the ID number): screening compares phones. */
    personId: text('person_id'),
  },
  (t) => [index('applicant_logins_phone_idx').on(t.phoneIndex, t.phoneVerifiedAt)],
);

/**
 * Sanctions and politically exposed persons. Entries are published lists, not our customers'
 * data, so they are kept in clear. `entry_key` makes re-importing the same list a no-op.
 */
export const watchlist = sqliteTable(
  'watchlist',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    entryKey: text('entry_key').notNull(),
    // Han names normalised with normalizeName; Latin names with single spaces.
    name: text('name').notNull(),
    // Other names of the same person, normalised like `name`.
    aliases: text('aliases', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    // YYYY-MM-DD, or YYYY when the list gives only the year.
    birthDate: text('birth_date'),
    source: text('source').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('watchlist_entry_key_idx').on(t.entryKey)],
);

/**
 * The portrait of each accepted card (SPEC §1 step 5): a 64-bit perceptual hash (16 hex digits)
 * of the straightened card's photo area, compared by Hamming distance with other persons'. It
 * replaces the exact-bytes photo index, which could never fire (the same bytes always read as
 * the same person). A hash says nothing of the face it came from without that face to compare.
 */
export const portraitUses = sqliteTable(
  'portrait_uses',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    portraitHash: text('portrait_hash').notNull(),
    personId: text('person_id').notNull(),
    applicationId: text('application_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('portrait_uses_unique_idx').on(t.portraitHash, t.personId, t.applicationId),
    index('portrait_uses_person_idx').on(t.personId),
  ],
);

/** Which person used which bank card (blind index), for repeats screening. */
export const cardUses = sqliteTable(
  'card_uses',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    cardIndex: text('card_index').notNull(),
    personId: text('person_id').notNull(),
    applicationId: text('application_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('card_uses_unique_idx').on(t.cardIndex, t.personId, t.applicationId)],
);

export const wallets = sqliteTable(
  'wallets',
  {
    id: text('id').primaryKey(),
    // Exactly one wallet per application, whatever the retries.
    applicationId: text('application_id').notNull(),
    personId: text('person_id').notNull(),
    tier: text('tier', { enum: ['STANDARD', 'RESTRICTED', 'GUARDIAN'] }).notNull(),
    status: text('status', { enum: WALLET_STATUSES }).notNull().default('ACTIVE'),
    // fen
    balance: integer('balance').notNull().default(0),
    paymentPasswordHash: text('payment_password_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    // Wrong payment passwords since the last right one, counted before the slow hash is checked
    // so that parallel guesses cannot get past the limit (db/sqlite/repositories/ledger.ts).
    paymentPasswordFailures: integer('payment_password_failures').notNull().default(0),
    paymentPasswordLockedUntil: integer('payment_password_locked_until', { mode: 'timestamp_ms' }),
    // Why and since when the wallet is FROZEN; cleared by unfreeze. The history is in audit_log.
    frozenReason: text('frozen_reason'),
    frozenAt: integer('frozen_at', { mode: 'timestamp_ms' }),
    // Where closure notices go, sealed under the person's key: the deregistration workflow names
    // the wallet, never the number, so that its history holds nothing of the owner.
    ownerPhone: text('owner_phone'),
    // The bound bank card, sealed under the person's key like the phone: the money workflow
    // names the wallet, and the bank leg reads the card from here.
    bankCard: text('bank_card'),
  },
  (t) => [
    uniqueIndex('wallets_application_idx').on(t.applicationId),
    index('wallets_person_idx').on(t.personId),
  ],
);

/**
 * A wallet's money movements (SPEC §2), written in the same database transaction as the balance
 * they change. The row is also the idempotency record: (wallet_id, idempotency_key) is unique,
 * and `request_hash` tells a retry of the same request from a different one under the same key.
 */
export const walletTransactions = sqliteTable(
  'wallet_transactions',
  {
    // Insertion order: history pages and their cursors follow it.
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    walletId: text('wallet_id')
      .notNull()
      .references(() => wallets.id),
    type: text('type', { enum: LEDGER_TRANSACTION_TYPES }).notNull(),
    // PENDING while the bank leg of a top-up or withdrawal is under way; FAILED if refused.
    status: text('status', { enum: LEDGER_TRANSACTION_STATUSES }).notNull(),
    // fen, always positive; `type` says which way it went.
    amount: integer('amount').notNull(),
    balanceAfter: integer('balance_after').notNull(),
    merchantId: text('merchant_id'),
    idempotencyKey: text('idempotency_key').notNull(),
    // The transfer at the bank of a top-up or withdrawal (null for payments and older rows).
    transferId: text('transfer_id'),
    // Why a FAILED movement failed (a reason code).
    failureCode: text('failure_code'),
    requestHash: text('request_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    // A transfer's other wallet (TRANSFER_OUT: the payee's, TRANSFER_IN: the payer's). No
    // foreign key: either side's history is erased on its own when that wallet closes.
    counterpartyWalletId: text('counterparty_wallet_id'),
    // What a payment was for (a bill number, 水电煤), as given.
    reference: text('reference'),
  },
  (t) => [
    uniqueIndex('wallet_transactions_id_idx').on(t.id),
    uniqueIndex('wallet_transactions_idem_idx').on(t.walletId, t.idempotencyKey),
    // Daily totals and the velocity check read a wallet's payments by time.
    index('wallet_transactions_wallet_type_time_idx').on(t.walletId, t.type, t.createdAt),
    index('wallet_transactions_wallet_seq_idx').on(t.walletId, t.seq),
  ],
);

/**
 * The outbox of event webhooks (SPEC §6): one row per status change, written in the database
 * transaction of the change itself (only when WEBHOOK_URL is set) and delivered by
 * webhooks/dispatcher.ts until the receiver answers 2xx. `body` is the exact JSON sent,
 * ids and statuses only. Rows of one subject are delivered in `id` order.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    // Sent as X-Event-Id and as `eventId` in the body.
    eventId: text('event_id').notNull(),
    // The same change recorded twice (a retried activity) is one event.
    eventKey: text('event_key').notNull(),
    kind: text('kind', { enum: WEBHOOK_EVENT_KINDS }).notNull(),
    subjectId: text('subject_id').notNull(),
    status: text('status').notNull(),
    body: text('body').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    // Also the lease of a claimed row: pushed ahead while a dispatcher is delivering it.
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
    deliveredAt: integer('delivered_at', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
  },
  (t) => [
    uniqueIndex('webhook_events_event_key_idx').on(t.eventKey),
    uniqueIndex('webhook_events_event_id_idx').on(t.eventId),
    index('webhook_events_due_idx').on(t.deliveredAt, t.nextAttemptAt),
    index('webhook_events_subject_idx').on(t.kind, t.subjectId, t.id),
  ],
);

/**
 * Notices to a wallet's owner (frozen, unfrozen) queued in the transaction that made the change,
 * then handed to Temporal by the notice relay (notifications/notice-relay.ts) as one
 * `walletNotice` workflow each, which sends them through the one notify activity. Ids and kinds
 * only: the phone is looked up when the notice is sent.
 */
export const walletNotices = sqliteTable(
  'wallet_notices',
  {
    key: text('key').primaryKey(),
    walletId: text('wallet_id').notNull(),
    kind: text('kind', { enum: WALLET_NOTICE_KINDS }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    // Also the lease of a claimed row, as in webhook_events.
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
    relayedAt: integer('relayed_at', { mode: 'timestamp_ms' }),
    // The template's parameters (a transfer's amount): ids and numbers, never personal data.
    params: text('params', { mode: 'json' }).$type<Record<string, string>>(),
  },
  (t) => [index('wallet_notices_due_idx').on(t.relayedAt, t.nextAttemptAt)],
);

/**
 * Payment codes (付款码, SPEC §2.1): one-time bearer codes a merchant charges once within 60 s.
 * Only the code's keyed digest is kept. `charge_key` (merchant and Idempotency-Key) and
 * `transaction_id` are set by the one charge that used it, so a merchant's retry replays it.
 */
export const paymentCodes = sqliteTable(
  'payment_codes',
  {
    id: text('id').primaryKey(),
    walletId: text('wallet_id').notNull(),
    codeDigest: text('code_digest').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    // Charged, or set aside by a newer code of the same wallet.
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    chargeKey: text('charge_key'),
    transactionId: text('transaction_id'),
  },
  (t) => [
    uniqueIndex('payment_codes_digest_idx').on(t.codeDigest),
    index('payment_codes_wallet_idx').on(t.walletId, t.usedAt),
  ],
);

/**
 * Throttles shared by every API process (db/sqlite/repositories/throttles.ts): one row per counted event
 * (an SMS code sent to a phone, an application for a card, a sign-in from a client), under a
 * keyed hash of what is counted, never the phone, card or address itself. Rows older than the
 * longest window are deleted as new ones come.
 */
export const throttleHits = sqliteTable(
  'throttle_hits',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    bucket: text('bucket').notNull(),
    subject: text('subject').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('throttle_hits_subject_idx').on(t.bucket, t.subject, t.at),
    index('throttle_hits_at_idx').on(t.at),
  ],
);

/**
 * Back-office accounts (SPEC §7), made by `npm run staff`. `failed_sign_ins` counts wrong
 * passwords in a row; reaching the limit sets `locked_until`.
 */
export const staffAccounts = sqliteTable('staff_accounts', {
  username: text('username').primaryKey(),
  role: text('role', { enum: ['reviewer', 'ops'] }).notNull(),
  passwordHash: text('password_hash').notNull(),
  failedSignIns: integer('failed_sign_ins').notNull().default(0),
  lockedUntil: integer('locked_until', { mode: 'timestamp_ms' }),
  disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * Console sessions, shared by every API process: the cookie carries a random token, this table
 * only its SHA-256, so a copy of the database opens no session.
 */
export const staffSessions = sqliteTable(
  'staff_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    username: text('username').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('staff_sessions_username_idx').on(t.username)],
);

/** Who is working on a case in the review queue (POST /v1/applications/:id/claim). */
export const caseClaims = sqliteTable('case_claims', {
  applicationId: text('application_id').primaryKey(),
  reviewer: text('reviewer').notNull(),
  claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * Review reminders and escalations for staff (SPEC §7): shown in the console to `recipient`
 * (`user:<name>` or `role:<role>`), and POSTed to STAFF_WEBHOOK_URL by the same dispatcher as
 * the event webhooks (the delivery columns as in webhook_events). Ids only, no personal data.
 */
export const staffNotifications = sqliteTable(
  'staff_notifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    recipient: text('recipient').notNull(),
    template: text('template').notNull(),
    applicationId: text('application_id'),
    body: text('body').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    deliveredAt: integer('delivered_at', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
  },
  (t) => [
    uniqueIndex('staff_notifications_key_idx').on(t.key),
    index('staff_notifications_recipient_idx').on(t.recipient, t.id),
    index('staff_notifications_due_idx').on(t.deliveredAt, t.nextAttemptAt),
  ],
);

/**
 * Sessions signed out (SPEC §2.1: a password reset signs out every session): applicant tokens of
 * the person's applications issued at or before `revoked_at` are refused, in every API process.
 */
export const sessionRevocations = sqliteTable('session_revocations', {
  personId: text('person_id').primaryKey(),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * The devices a person has signed in from (SPEC §2.1, new-device check): a keyed hash of the
 * app's device id, never the id itself. Erased with the person.
 */
export const knownDevices = sqliteTable(
  'known_devices',
  {
    personId: text('person_id').notNull(),
    deviceIndex: text('device_index').notNull(),
    firstSeenAt: integer('first_seen_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.personId, t.deviceIndex] })],
);
