// Which application a person is in (SPEC §1 step 1: no other application in progress, no
// wallet already): one claim per person, taken in an IMMEDIATE transaction so that two applications
// of one person racing each other cannot both pass.
import { and, eq, inArray } from 'drizzle-orm';
import type { ReasonCode } from '../../../domain/codes';
import type { AppDatabase } from '../client';
import { applications, personClaims } from '../schema';
import { upsertApplicantLogin } from './applicant-logins';

// An application in one of these states will never release its claim by itself any more; a
// claim it still holds (its workflow ended without releasing) must not lock the person out.
const FINISHED_STATUSES = ['FAILED', 'CANCELLED'];

export type ClaimResult = { ok: true } | { ok: false; code: ReasonCode };

/**
 * Claims the person for this application and records its login, unless the person has a wallet
 * or another application in progress. Keyed by person and application: a retry is harmless.
 */
export function claimPersonForApplication(
  db: AppDatabase,
  input: {
    personId: string;
    applicationId: string;
    phoneIndex: string;
    loginPasswordHash: string;
    at: Date;
  },
): ClaimResult {
  const { personId, phoneIndex, at: now } = input;
  return db.transaction(
    (tx): ClaimResult => {
      const claim = tx.select().from(personClaims).where(eq(personClaims.personId, personId)).get();
      if (claim?.kind === 'WALLET') return { ok: false, code: 'ALREADY_HAS_WALLET' };
      if (claim && claim.applicationId !== input.applicationId) {
        const holder = tx
          .select({ status: applications.status })
          .from(applications)
          .where(
            and(
              eq(applications.id, claim.applicationId),
              inArray(applications.status, FINISHED_STATUSES),
            ),
          )
          .get();
        if (!holder) return { ok: false, code: 'APPLICATION_IN_PROGRESS' };
      }
      tx.insert(personClaims)
        .values({
          personId,
          applicationId: input.applicationId,
          kind: 'IN_PROGRESS',
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: personClaims.personId,
          set: { applicationId: input.applicationId, kind: 'IN_PROGRESS', updatedAt: now },
        })
        .run();
      // A resubmission may change the phone: the latest one is how the applicant signs in,
      // once verified.
      upsertApplicantLogin(tx, {
        applicationId: input.applicationId,
        personId,
        phoneIndex,
        passwordHash: input.loginPasswordHash,
        at: now,
      });
      return { ok: true };
    },
    { behavior: 'immediate' },
  );
}

/** Frees the person once this application ended without a wallet: only its IN_PROGRESS claim. */
export function releaseInProgressClaim(
  db: AppDatabase,
  personId: string,
  applicationId: string,
): void {
  db.delete(personClaims)
    .where(
      and(
        eq(personClaims.personId, personId),
        eq(personClaims.applicationId, applicationId),
        eq(personClaims.kind, 'IN_PROGRESS'),
      ),
    )
    .run();
}
