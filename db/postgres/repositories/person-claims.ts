// Which application a person is in (SPEC §1 step 1) on PostgreSQL: one claim per person, taken
// under the person's lock (person-lock.ts) so that two applications of one person racing each
// other cannot both pass (see db/sqlite/repositories/person-claims.ts).
import { and, eq, inArray } from 'drizzle-orm';
import type { ClaimResult } from '../../sqlite/repositories/person-claims';
import type { PgExecutor } from '../client';
import { applications, personClaims } from '../schema';
import { upsertApplicantLogin as upsertLogin } from './applicant-logins';
import { lockPerson } from './person-lock';

export type { ClaimResult };

// An application in one of these states will never release its claim by itself any more; a
// claim it still holds (its workflow ended without releasing) must not lock the person out.
const FINISHED_STATUSES = ['FAILED', 'CANCELLED'];

/**
 * Claims the person for this application and records its login, unless the person has a wallet
 * or another application in progress. Keyed by person and application: a retry is harmless.
 */
export async function claimPersonForApplication(
  db: PgExecutor,
  input: {
    personId: string;
    applicationId: string;
    phoneIndex: string;
    loginPasswordHash: string;
    at: Date;
  },
): Promise<ClaimResult> {
  const { personId, phoneIndex, at: now } = input;
  return db.transaction(async (tx): Promise<ClaimResult> => {
    await lockPerson(tx, personId);
    const [claim] = await tx.select().from(personClaims).where(eq(personClaims.personId, personId));
    if (claim?.kind === 'WALLET') return { ok: false, code: 'ALREADY_HAS_WALLET' };
    if (claim && claim.applicationId !== input.applicationId) {
      const [holder] = await tx
        .select({ status: applications.status })
        .from(applications)
        .where(
          and(
            eq(applications.id, claim.applicationId),
            inArray(applications.status, FINISHED_STATUSES),
          ),
        );
      if (!holder) return { ok: false, code: 'APPLICATION_IN_PROGRESS' };
    }
    await tx
      .insert(personClaims)
      .values({ personId, applicationId: input.applicationId, kind: 'IN_PROGRESS', updatedAt: now })
      .onConflictDoUpdate({
        target: personClaims.personId,
        set: { applicationId: input.applicationId, kind: 'IN_PROGRESS', updatedAt: now },
      });
    // A resubmission may change the phone: the latest one is how the applicant signs in,
    // once verified.
    await upsertLogin(tx, {
      applicationId: input.applicationId,
      personId,
      phoneIndex,
      passwordHash: input.loginPasswordHash,
      at: now,
    });
    return { ok: true };
  });
}

/** Frees the person once this application ended without a wallet: only its IN_PROGRESS claim. */
export async function releaseInProgressClaim(
  db: PgExecutor,
  personId: string,
  applicationId: string,
): Promise<void> {
  await db
    .delete(personClaims)
    .where(
      and(
        eq(personClaims.personId, personId),
        eq(personClaims.applicationId, applicationId),
        eq(personClaims.kind, 'IN_PROGRESS'),
      ),
    );
}
