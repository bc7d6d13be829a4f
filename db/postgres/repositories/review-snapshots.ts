// What reviewers see of an application, sealed on its row, on PostgreSQL: as
// db/sqlite/repositories/review-snapshots.ts.
import { desc, eq, inArray } from 'drizzle-orm';
import { openJson, personIdOf, sealJson, SealedDataError } from '../../../crypto/pii';
import {
  openSnapshot,
  type SaveReviewSnapshotInput,
} from '../../sqlite/repositories/review-snapshots';
import type { PgExecutor } from '../client';
import { applications, personClaims, personKeys } from '../schema';
import { loadPersonKey, personKey } from './person-keys';

export type { SaveReviewSnapshotInput };

const snapshotContext = (applicationId: string) => `review-snapshot:${applicationId}`;

async function personOfApplication(db: PgExecutor, applicationId: string) {
  const [claim] = await db
    .select({ personId: personClaims.personId })
    .from(personClaims)
    .where(eq(personClaims.applicationId, applicationId))
    .orderBy(desc(personClaims.updatedAt))
    .limit(1);
  return claim?.personId ?? null;
}

/**
 * The snapshot saved for an application, or null when there is none or the person's key has
 * been erased (the data is gone by design).
 */
export async function readReviewSnapshot<T = unknown>(
  db: PgExecutor,
  piiKey: Buffer,
  applicationId: string,
): Promise<T | null> {
  const [row] = await db
    .select({ sealed: applications.reviewSnapshot, personId: applications.personId })
    .from(applications)
    .where(eq(applications.id, applicationId));
  if (!row?.sealed) return null;
  const key = row.personId ? await loadPersonKey(db, piiKey, row.personId) : piiKey;
  if (!key) return null;
  try {
    return openJson<T>(key, row.sealed, snapshotContext(applicationId));
  } catch (error) {
    if (error instanceof SealedDataError) return null;
    throw error;
  }
}

/** The snapshots of several applications (a page of the review queue) in one query. */
export async function reviewSnapshotsOf<T = unknown>(
  db: PgExecutor,
  piiKey: Buffer,
  applicationIds: readonly string[],
): Promise<Record<string, T | null>> {
  if (applicationIds.length === 0) return {};
  const rows = await db
    .select({
      id: applications.id,
      sealed: applications.reviewSnapshot,
      personId: applications.personId,
      wrappedKey: personKeys.wrappedKey,
    })
    .from(applications)
    .leftJoin(personKeys, eq(personKeys.personId, applications.personId))
    .where(inArray(applications.id, [...applicationIds]));
  return Object.fromEntries(rows.map((r) => [r.id, openSnapshot<T>(piiKey, r)]));
}

/**
 * Upsert: the status mirror (recordApplicationStatus) may not have created the row yet. A row
 * made here has status_seq 0, so the mirror's first write still lands on it.
 */
export async function saveReviewSnapshot(
  db: PgExecutor,
  piiKey: Buffer,
  input: Omit<SaveReviewSnapshotInput, 'reviewDueAt'> & { reviewDueAt: Date | null },
): Promise<void> {
  const { reviewDueAt } = input;
  const personId = input.idNumber
    ? personIdOf(piiKey, input.idNumber)
    : await personOfApplication(db, input.applicationId);
  const key = personId ? await personKey(db, piiKey, personId) : piiKey;
  const reviewSnapshot = sealJson(key, input.snapshot, snapshotContext(input.applicationId));
  const now = new Date();
  await db
    .insert(applications)
    .values({
      id: input.applicationId,
      status: 'PENDING_REVIEW',
      nextAction: 'WAIT_FOR_REVIEW',
      statusSeq: 0,
      createdAt: now,
      updatedAt: now,
      riskLevel: input.riskLevel,
      reviewDueAt,
      reviewSnapshot,
      personId,
    })
    .onConflictDoUpdate({
      target: applications.id,
      set: { riskLevel: input.riskLevel, reviewDueAt, reviewSnapshot, personId },
    });
}
