// How an applicant signs in again (POST /v1/sessions) on PostgreSQL: as
// db/sqlite/repositories/applicant-logins.ts. Every write is one statement, atomic on its own.
import { and, desc, eq, isNotNull, ne, sql } from 'drizzle-orm';
import type { PgExecutor } from '../client';
import { applicantLogins } from '../schema';

export type ApplicantLogin = typeof applicantLogins.$inferSelect;

/** The login of an application that passed eligibility; a changed phone is unverified again. */
export async function upsertApplicantLogin(
  tx: PgExecutor,
  login: {
    applicationId: string;
    personId: string;
    phoneIndex: string;
    passwordHash: string;
    at: Date;
  },
): Promise<void> {
  await tx
    .insert(applicantLogins)
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
    });
}

/** The applicant proved `phoneIndex`'s phone: from now on it signs them in. */
export async function markLoginPhoneVerified(
  tx: PgExecutor,
  applicationId: string,
  phoneIndex: string,
  at: Date,
): Promise<void> {
  await tx
    .update(applicantLogins)
    .set({ phoneIndex, phoneVerifiedAt: at })
    .where(eq(applicantLogins.applicationId, applicationId));
}

/** The login a phone signs in to: verified ones only, the most recently verified first. */
export async function findVerifiedLogin(
  db: PgExecutor,
  phoneIndex: string,
): Promise<ApplicantLogin | undefined> {
  const [row] = await db
    .select()
    .from(applicantLogins)
    .where(
      and(eq(applicantLogins.phoneIndex, phoneIndex), isNotNull(applicantLogins.phoneVerifiedAt)),
    )
    .orderBy(desc(applicantLogins.phoneVerifiedAt))
    .limit(1);
  return row;
}

/** Replaces a login's hash (stronger parameters) unless it changed in the meantime. */
export async function replaceLoginHash(
  db: PgExecutor,
  applicationId: string,
  from: string,
  to: string,
): Promise<void> {
  await db
    .update(applicantLogins)
    .set({ passwordHash: to })
    .where(
      and(eq(applicantLogins.applicationId, applicationId), eq(applicantLogins.passwordHash, from)),
    );
}

/**
 * Another person's application that verified the phone this application verified (SPEC §1 step
 * 5: a repeat), or null. Only verified phones count: typing someone's number proves nothing.
 */
export async function phoneVerifiedByAnotherPerson(
  db: PgExecutor,
  applicationId: string,
): Promise<{ applicationId: string } | null> {
  const [own] = await db
    .select({ phoneIndex: applicantLogins.phoneIndex, personId: applicantLogins.personId })
    .from(applicantLogins)
    .where(
      and(
        eq(applicantLogins.applicationId, applicationId),
        isNotNull(applicantLogins.phoneVerifiedAt),
      ),
    );
  if (!own?.personId) return null;
  const [other] = await db
    .select({ applicationId: applicantLogins.applicationId })
    .from(applicantLogins)
    .where(
      and(
        eq(applicantLogins.phoneIndex, own.phoneIndex),
        isNotNull(applicantLogins.phoneVerifiedAt),
        ne(applicantLogins.personId, own.personId),
      ),
    )
    .limit(1);
  return other ?? null;
}
