// What reviewers see of an application (fields, screening flags, OCR result), kept sealed on the
// applications row so the review queue can be served from the database.
import { desc, eq, inArray } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { applications, personClaims, personKeys } from '../schema';
import { openJson, personIdOf, sealJson, SealedDataError } from '../../../crypto/pii';
import { forgetUnwrappedPersonKey, loadPersonKey, personKey, unwrapPersonKey } from './person-keys';

export interface SaveReviewSnapshotInput {
  applicationId: string;
  riskLevel: string;
  /** ISO 8601, or null when no review is due. */
  reviewDueAt: string | null;
  snapshot: unknown;
  /** Whose key seals the snapshot; when absent, the person this application claimed. */
  idNumber?: string;
}

const snapshotContext = (applicationId: string) => `review-snapshot:${applicationId}`;

function personOfApplication(db: AppDatabase, applicationId: string): string | null {
  const claim = db
    .select({ personId: personClaims.personId })
    .from(personClaims)
    .where(eq(personClaims.applicationId, applicationId))
    .orderBy(desc(personClaims.updatedAt))
    .get();
  return claim?.personId ?? null;
}

/**
 * The snapshot saved for an application, or null when there is none or the person's key has
 * been erased (the data is gone by design).
 */
export function readReviewSnapshot<T = unknown>(
  db: AppDatabase,
  piiKey: Buffer,
  applicationId: string,
): T | null {
  const row = db
    .select({ sealed: applications.reviewSnapshot, personId: applications.personId })
    .from(applications)
    .where(eq(applications.id, applicationId))
    .get();
  if (!row?.sealed) return null;
  const key = row.personId ? loadPersonKey(db, piiKey, row.personId) : piiKey;
  if (!key) return null;
  try {
    return openJson<T>(key, row.sealed, snapshotContext(applicationId));
  } catch (error) {
    if (error instanceof SealedDataError) return null;
    throw error;
  }
}

/**
 * The snapshots of several applications (a page of the review queue) in one query, each as
 * readReviewSnapshot would answer it; an application without one is left out.
 */
export function reviewSnapshotsOf<T = unknown>(
  db: AppDatabase,
  piiKey: Buffer,
  applicationIds: readonly string[],
): Record<string, T | null> {
  if (applicationIds.length === 0) return {};
  const rows = db
    .select({
      id: applications.id,
      sealed: applications.reviewSnapshot,
      personId: applications.personId,
      wrappedKey: personKeys.wrappedKey,
    })
    .from(applications)
    .leftJoin(personKeys, eq(personKeys.personId, applications.personId))
    .where(inArray(applications.id, [...applicationIds]))
    .all();
  return Object.fromEntries(rows.map((r) => [r.id, openSnapshot<T>(piiKey, r)]));
}

/** Opens one sealed snapshot with the wrapped key read beside it; null when erased. */
export function openSnapshot<T>(
  piiKey: Buffer,
  row: { id: string; sealed: string | null; personId: string | null; wrappedKey: string | null },
): T | null {
  if (!row.sealed) return null;
  let key = piiKey;
  if (row.personId) {
    if (!row.wrappedKey) {
      forgetUnwrappedPersonKey(row.personId);
      return null;
    }
    key = unwrapPersonKey(piiKey, row.personId, row.wrappedKey);
  }
  try {
    return openJson<T>(key, row.sealed, snapshotContext(row.id));
  } catch (error) {
    if (error instanceof SealedDataError) return null;
    throw error;
  }
}

/**
 * Upsert: the status mirror (recordApplicationStatus) may not have created the row yet. A row
 * made here has status_seq 0, so the mirror's first write still lands on it.
 */
export function saveReviewSnapshot(
  db: AppDatabase,
  piiKey: Buffer,
  input: Omit<SaveReviewSnapshotInput, 'reviewDueAt'> & { reviewDueAt: Date | null },
): void {
  const { reviewDueAt } = input;
  const personId = input.idNumber
    ? personIdOf(piiKey, input.idNumber)
    : personOfApplication(db, input.applicationId);
  const key = personId ? personKey(db, piiKey, personId) : piiKey;
  const reviewSnapshot = sealJson(key, input.snapshot, snapshotContext(input.applicationId));
  const now = new Date();
  db.insert(applications)
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
    })
    .run();
}
