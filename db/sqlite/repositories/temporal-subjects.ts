// Which person's data a Temporal workflow carries, so that the payload codec encrypts its payloads
// under that person's key (temporal/payload-codec.ts) and erasing the person reaches Temporal too.
import { eq, sql } from 'drizzle-orm';
import { preparedPerDatabase, type AppDatabase } from '../client';
import { personKeys, temporalSubjects } from '../schema';
import type { SubjectKeys } from '../../../temporal/payload-codec';
import { deriveKey } from '../../../crypto/pii';
import { onboardingWorkflowId } from '../../../domain/contract';
import { personKey, unwrapPersonKey } from './person-keys';

/**
 * Records that `workflowId` carries the person's data, making their key if need be. Must come
 * before the workflow is started: its very first payload is encrypted under that key. The first
 * registration of a workflow id stands (an idempotent retry registers the same person again).
 */
export function registerTemporalSubject(
  db: AppDatabase,
  piiKey: Buffer,
  workflowId: string,
  personId: string,
): void {
  personKey(db, piiKey, personId);
  db.insert(temporalSubjects)
    .values({ workflowId, personId, createdAt: new Date() })
    .onConflictDoNothing()
    .run();
}

const subjectOf = preparedPerDatabase((db) =>
  db
    .select({
      personId: temporalSubjects.personId,
      registeredAt: temporalSubjects.createdAt,
      keyMadeAt: personKeys.createdAt,
      wrappedKey: personKeys.wrappedKey,
    })
    .from(temporalSubjects)
    .leftJoin(personKeys, eq(personKeys.personId, temporalSubjects.personId))
    .where(eq(temporalSubjects.workflowId, sql.placeholder('workflowId')))
    .prepare(),
);

/**
 * The persons' Temporal keys as the codec needs them. Read from the database on every call (one
 * prepared query): once a person's key is erased, no process can encrypt or decrypt their
 * payloads again.
 */
export function temporalSubjectKeys(db: AppDatabase, piiKey: Buffer): SubjectKeys {
  return {
    keyFor(workflowId) {
      const row = subjectOf(db).get({ workflowId });
      if (!row) return undefined;
      // A person who applies again after their wallet was closed gets a new key; the workflows
      // registered before it were under the erased one.
      if (!row.keyMadeAt || !row.wrappedKey || row.keyMadeAt > row.registeredAt) return null;
      return deriveKey(unwrapPersonKey(piiKey, row.personId, row.wrappedKey), 'temporal');
    },
  };
}

/**
 * The photo key of the person an application's workflow was registered for (SPEC §9: photos are
 * sealed under the person's own key). Null when that key is erased or was made after the
 * application (the person applied again after an erasure: the application's photos were under
 * the erased one); undefined when no person was registered for it. Read on every call, like the
 * Temporal keys: an erasure by any process is honoured at once.
 */
export function photoKeyOf(
  db: AppDatabase,
  piiKey: Buffer,
  applicationId: string,
): Buffer | null | undefined {
  const row = subjectOf(db).get({ workflowId: onboardingWorkflowId(applicationId) });
  if (!row) return undefined;
  if (!row.keyMadeAt || !row.wrappedKey || row.keyMadeAt > row.registeredAt) return null;
  return deriveKey(unwrapPersonKey(piiKey, row.personId, row.wrappedKey), 'photos');
}
