// Passwords, sessions and devices after onboarding (SPEC §2.1): changing and resetting the
// login and payment passwords, signing out every session of a person, and the devices a person
// has signed in from. Each change and its audit row are one transaction; audit rows carry ids
// and actions only, never a password or its hash.
import { and, eq, or, sql } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { applicantLogins, knownDevices, sessionRevocations, wallets } from '../schema';
import { appendAudit } from './audit-log';

export type PasswordKind = 'LOGIN' | 'PAYMENT';

export interface PasswordChange {
  /** Unique per change; a retry under the same key changes nothing twice. */
  eventKey: string;
  kind: PasswordKind;
  /** 'CHANGE' with the old password; 'RESET' with an SMS code and the ID number. */
  how: 'CHANGE' | 'RESET';
  personId: string;
  /** The application the caller signed in to (the audit row's subject for LOGIN). */
  applicationId: string;
  /** PAYMENT: the wallet whose payment password this is. */
  walletId?: string;
  hash: string;
  actor: string;
  at: Date;
}

/** The login of one application, whatever its phone's state. */
export function loginOfApplication(
  db: AppDatabase,
  applicationId: string,
): { applicationId: string; personId: string | null; passwordHash: string } | undefined {
  return db
    .select({
      applicationId: applicantLogins.applicationId,
      personId: applicantLogins.personId,
      passwordHash: applicantLogins.passwordHash,
    })
    .from(applicantLogins)
    .where(eq(applicantLogins.applicationId, applicationId))
    .get();
}

/** The person's wallet that is not closed, if any (the target of a PAYMENT reset). */
export function openWalletOfPerson(db: AppDatabase, personId: string): string | null {
  const rows = db
    .select({ id: wallets.id, status: wallets.status })
    .from(wallets)
    .where(eq(wallets.personId, personId))
    .all();
  return rows.find((w) => w.status !== 'CLOSED')?.id ?? null;
}

/**
 * Stores a new login or payment password with its audit row. LOGIN changes every login of the
 * person (whichever application the phone signs in to, the new password works). A RESET also
 * signs out every session of the person and, for PAYMENT, lifts the payment-password lock.
 * Answers false when `eventKey` was applied already, or the wallet is closed or unknown.
 */
export function storePasswordChange(db: AppDatabase, change: PasswordChange): boolean {
  return db.transaction(
    (tx) => {
      if (change.kind === 'PAYMENT') {
        const wallet = change.walletId
          ? tx.select().from(wallets).where(eq(wallets.id, change.walletId)).get()
          : undefined;
        if (!wallet || wallet.status === 'CLOSED' || wallet.personId !== change.personId)
          return false;
      }
      const added = appendAudit(tx, {
        eventKey: change.eventKey,
        at: change.at,
        actor: change.actor,
        action: `${change.kind}_PASSWORD_${change.how === 'CHANGE' ? 'CHANGED' : 'RESET'}`,
        subjectType: change.kind === 'PAYMENT' ? 'wallet' : 'application',
        subjectId: change.kind === 'PAYMENT' ? change.walletId! : change.applicationId,
        detail: change.how === 'RESET' ? { sessionsSignedOut: true } : {},
      });
      if (!added) return false;
      if (change.kind === 'LOGIN')
        tx.update(applicantLogins)
          .set({ passwordHash: change.hash })
          .where(
            or(
              eq(applicantLogins.personId, change.personId),
              eq(applicantLogins.applicationId, change.applicationId),
            ),
          )
          .run();
      else
        tx.update(wallets)
          .set({
            paymentPasswordHash: change.hash,
            updatedAt: change.at,
            ...(change.how === 'RESET'
              ? { paymentPasswordFailures: 0, paymentPasswordLockedUntil: null }
              : {}),
          })
          .where(eq(wallets.id, change.walletId!))
          .run();
      if (change.how === 'RESET') revokeIn(tx, change.personId, change.at);
      return true;
    },
    { behavior: 'immediate' },
  );
}

function revokeIn(tx: AppDatabase, personId: string, at: Date): void {
  tx.insert(sessionRevocations)
    .values({ personId, revokedAt: at })
    .onConflictDoUpdate({
      target: sessionRevocations.personId,
      set: { revokedAt: at },
      // A revocation never moves back in time.
      setWhere: sql`${sessionRevocations.revokedAt} < ${at.getTime()}`,
    })
    .run();
}

/** Signs out every session of the person: tokens issued at or before `at` are refused. */
export function revokePersonSessions(db: AppDatabase, personId: string, at: Date): void {
  revokeIn(db, personId, at);
}

/**
 * When the sessions of the person who owns `applicationId` were last signed out (epoch ms), or
 * null. Read on every applicant request, so that a revocation holds in every API process.
 */
export function sessionsRevokedAt(db: AppDatabase, applicationId: string): number | null {
  const row = db
    .select({ revokedAt: sessionRevocations.revokedAt })
    .from(applicantLogins)
    .innerJoin(sessionRevocations, eq(sessionRevocations.personId, applicantLogins.personId))
    .where(eq(applicantLogins.applicationId, applicationId))
    .get();
  return row ? row.revokedAt.getTime() : null;
}

/**
 * True when the person has signed in from this device before (its keyed hash); with `null`,
 * whether they have any known device at all.
 */
export function isKnownDevice(
  db: AppDatabase,
  personId: string,
  deviceIndex: string | null,
): boolean {
  return !!db
    .select({ personId: knownDevices.personId })
    .from(knownDevices)
    .where(
      deviceIndex === null
        ? eq(knownDevices.personId, personId)
        : and(eq(knownDevices.personId, personId), eq(knownDevices.deviceIndex, deviceIndex)),
    )
    .get();
}

/** Remembers a device of the person's (idempotent). */
export function rememberDevice(
  db: AppDatabase,
  personId: string,
  deviceIndex: string,
  at: Date,
): void {
  db.insert(knownDevices)
    .values({ personId, deviceIndex, firstSeenAt: at })
    .onConflictDoNothing()
    .run();
}
