// Who works on a case in the review queue (SPEC §7) on PostgreSQL: one claimer per application,
// decided by the primary key of case_claims, so that two reviewers claiming at once from two
// processes get one winner (see db/sqlite/repositories/case-claims.ts).
import { eq, inArray, sql } from 'drizzle-orm';
import type { ClaimOutcome } from '../../sqlite/repositories/case-claims';
import type { PgExecutor } from '../client';
import { applications, caseClaims } from '../schema';

export type { ClaimOutcome };

/** Claims a PENDING_REVIEW case for `reviewer`; claiming one's own claim again is a no-op. */
export async function claimCase(
  db: PgExecutor,
  applicationId: string,
  reviewer: string,
): Promise<ClaimOutcome> {
  return db.transaction(async (tx): Promise<ClaimOutcome> => {
    // FOR SHARE: a decision moving the case out of review waits until this claim is settled.
    const [app] = await tx
      .select({ status: applications.status })
      .from(applications)
      .where(eq(applications.id, applicationId))
      .for('share');
    if (!app) return { ok: false, reason: 'NOT_FOUND' };
    if (app.status !== 'PENDING_REVIEW') return { ok: false, reason: 'NOT_PENDING_REVIEW' };
    // The no-op update on conflict returns the holder in the same statement: a concurrent claim
    // waits for the other's row, and a release in between cannot leave us reading nothing.
    const [held] = await tx
      .insert(caseClaims)
      .values({ applicationId, reviewer, claimedAt: new Date() })
      .onConflictDoUpdate({
        target: caseClaims.applicationId,
        set: { reviewer: sql`${caseClaims.reviewer}` },
      })
      .returning({ reviewer: caseClaims.reviewer });
    return held!.reviewer === reviewer
      ? { ok: true, reviewer }
      : { ok: false, reason: 'CLAIMED_BY_OTHER', reviewer: held!.reviewer };
  });
}

/**
 * Gives a case back. Only its claimer may, unless `anyone` (ops); answers the claimer released,
 * null when it was not claimed, or `{ heldBy }` when someone else holds it.
 */
export async function releaseCase(
  db: PgExecutor,
  applicationId: string,
  reviewer: string,
  { anyone = false }: { anyone?: boolean } = {},
): Promise<{ released: string } | { heldBy: string } | null> {
  return db.transaction(async (tx) => {
    const [held] = await tx
      .select({ reviewer: caseClaims.reviewer })
      .from(caseClaims)
      .where(eq(caseClaims.applicationId, applicationId))
      .for('update');
    if (!held) return null;
    if (held.reviewer !== reviewer && !anyone) return { heldBy: held.reviewer };
    await tx.delete(caseClaims).where(eq(caseClaims.applicationId, applicationId));
    return { released: held.reviewer };
  });
}

export async function caseClaimOf(db: PgExecutor, applicationId: string): Promise<string | null> {
  const [row] = await db
    .select({ reviewer: caseClaims.reviewer })
    .from(caseClaims)
    .where(eq(caseClaims.applicationId, applicationId));
  return row?.reviewer ?? null;
}

/** The claimers of these applications, by application id (unclaimed ones absent). */
export async function caseClaimsOf(
  db: PgExecutor,
  applicationIds: readonly string[],
): Promise<Record<string, string>> {
  if (applicationIds.length === 0) return {};
  const rows = await db
    .select()
    .from(caseClaims)
    .where(inArray(caseClaims.applicationId, [...applicationIds]));
  return Object.fromEntries(rows.map((r) => [r.applicationId, r.reviewer]));
}
