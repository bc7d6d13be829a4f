// How an applicant signs in again (POST /v1/sessions): the phone's blind index and the login
// password's hash, per application. A phone counts only once its applicant proved it with the
// code (`phone_verified_at`), so that a stranger's application with someone else's number cannot
// shadow theirs.
import { and, desc, eq, isNotNull, ne, sql } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { applicantLogins } from '../schema';

export type ApplicantLogin = typeof applicantLogins.$inferSelect;

/** The login of an application that passed eligibility; a changed phone is unverified again. */
export function upsertApplicantLogin(
  tx: AppDatabase,
  login: {
    applicationId: string;
    personId: string;
    phoneIndex: string;
    passwordHash: string;
    at: Date;
  },
): void {
  tx.insert(applicantLogins)
    .values({
      applicationId: login.applicationId,
      personId: login.personId,
      phoneIndex: login.phoneIndex,
      passwordHash: login.passwordHash,
      createdAt: login.at,
    })
    .onConflictDoUpdate({
      target: applicantLogins.applicationId,
      set: {
        personId: login.personId,
        phoneIndex: login.phoneIndex,
        passwordHash: login.passwordHash,
        phoneVerifiedAt: sql`CASE WHEN ${applicantLogins.phoneIndex} = ${login.phoneIndex} THEN ${applicantLogins.phoneVerifiedAt} END`,
      },
    })
    .run();
}

/** The applicant proved `phoneIndex`'s phone: from now on it signs them in. */
export function markLoginPhoneVerified(
  tx: AppDatabase,
  applicationId: string,
  phoneIndex: string,
  at: Date,
): void {
  tx.update(applicantLogins)
    .set({ phoneIndex, phoneVerifiedAt: at })
    .where(eq(applicantLogins.applicationId, applicationId))
    .run();
}

/** The login a phone signs in to: verified ones only, the most recently verified first. */
export function findVerifiedLogin(db: AppDatabase, phoneIndex: string): ApplicantLogin | undefined {
  return db
    .select()
    .from(applicantLogins)
    .where(
      and(eq(applicantLogins.phoneIndex, phoneIndex), isNotNull(applicantLogins.phoneVerifiedAt)),
    )
    .orderBy(desc(applicantLogins.phoneVerifiedAt))
    .get();
}

/** Replaces a login's hash (stronger parameters) unless it changed in the meantime. */
export function replaceLoginHash(
  db: AppDatabase,
  applicationId: string,
  from: string,
  to: string,
): void {
  db.update(applicantLogins)
    .set({ passwordHash: to })
    .where(
      and(eq(applicantLogins.applicationId, applicationId), eq(applicantLogins.passwordHash, from)),
    )
    .run();
}

/**
 * Another person's application that verified the phone this application verified (SPEC §1 step
 * 5: a repeat), or null. Only verified phones count: typing someone's number proves nothing.
 */
export function phoneVerifiedByAnotherPerson(
  db: AppDatabase,
  applicationId: string,
): { applicationId: string } | null {
  const own = db
    .select({ phoneIndex: applicantLogins.phoneIndex, personId: applicantLogins.personId })
    .from(applicantLogins)
    .where(
      and(
        eq(applicantLogins.applicationId, applicationId),
        isNotNull(applicantLogins.phoneVerifiedAt),
      ),
    )
    .get();
  if (!own?.personId) return null;
  const other = db
    .select({ applicationId: applicantLogins.applicationId })
    .from(applicantLogins)
    .where(
      and(
        eq(applicantLogins.phoneIndex, own.phoneIndex),
        isNotNull(applicantLogins.phoneVerifiedAt),
        ne(applicantLogins.personId, own.personId),
      ),
    )
    .get();
  return other ?? null;
}
