// Who works on a case in the review queue (SPEC §7): one claimer per application at a time.
import { eq, inArray } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { applications, caseClaims } from '../schema';

export type ClaimOutcome =
  | { ok: true; reviewer: string }
  | { ok: false; reason: 'NOT_FOUND' }
  | { ok: false; reason: 'NOT_PENDING_REVIEW' }
  | { ok: false; reason: 'CLAIMED_BY_OTHER'; reviewer: string };

/** Claims a PENDING_REVIEW case for `reviewer`; claiming one's own claim again is a no-op. */
export function claimCase(db: AppDatabase, applicationId: string, reviewer: string): ClaimOutcome {
  return db.transaction((tx) => {
    const app = tx
      .select({ status: applications.status })
      .from(applications)
      .where(eq(applications.id, applicationId))
      .get();
    if (!app) return { ok: false, reason: 'NOT_FOUND' };
    if (app.status !== 'PENDING_REVIEW') return { ok: false, reason: 'NOT_PENDING_REVIEW' };
    tx.insert(caseClaims)
      .values({ applicationId, reviewer, claimedAt: new Date() })
      .onConflictDoNothing()
      .run();
    const held = tx
      .select({ reviewer: caseClaims.reviewer })
      .from(caseClaims)
      .where(eq(caseClaims.applicationId, applicationId))
      .get()!;
    return held.reviewer === reviewer
      ? { ok: true, reviewer }
      : { ok: false, reason: 'CLAIMED_BY_OTHER', reviewer: held.reviewer };
  });
}

/**
 * Gives a case back. Only its claimer may, unless `anyone` (ops); answers the claimer released,
 * null when it was not claimed, or `{ heldBy }` when someone else holds it.
 */
export function releaseCase(
  db: AppDatabase,
  applicationId: string,
  reviewer: string,
  { anyone = false }: { anyone?: boolean } = {},
): { released: string } | { heldBy: string } | null {
  return db.transaction((tx) => {
    const held = tx
      .select({ reviewer: caseClaims.reviewer })
      .from(caseClaims)
      .where(eq(caseClaims.applicationId, applicationId))
      .get();
    if (!held) return null;
    if (held.reviewer !== reviewer && !anyone) return { heldBy: held.reviewer };
    tx.delete(caseClaims).where(eq(caseClaims.applicationId, applicationId)).run();
    return { released: held.reviewer };
  });
}

export function caseClaimOf(db: AppDatabase, applicationId: string): string | null {
  return (
    db
      .select({ reviewer: caseClaims.reviewer })
      .from(caseClaims)
      .where(eq(caseClaims.applicationId, applicationId))
      .get()?.reviewer ?? null
  );
}

/** The claimers of these applications, by application id (unclaimed ones absent). */
export function caseClaimsOf(
  db: AppDatabase,
  applicationIds: readonly string[],
): Record<string, string> {
  if (applicationIds.length === 0) return {};
  const rows = db
    .select()
    .from(caseClaims)
    .where(inArray(caseClaims.applicationId, [...applicationIds]))
    .all();
  return Object.fromEntries(rows.map((r) => [r.applicationId, r.reviewer]));
}
