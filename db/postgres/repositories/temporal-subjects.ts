// Which person's data a Temporal workflow carries, on PostgreSQL (see
// db/sqlite/repositories/temporal-subjects.ts), so that the payload codec encrypts its payloads
// under that person's key and erasing the person reaches Temporal too.
import { eq, sql } from 'drizzle-orm';
import { deriveKey } from '../../../crypto/pii';
import { onboardingWorkflowId } from '../../../domain/contract';
import type { SubjectKeys } from '../../../temporal/payload-codec';
import { unwrapPersonKey } from '../../shared/person-key-cache';
import { keyRowsOf, preparedOn, type PgExecutor } from '../client';
import { personKeys, temporalSubjects } from '../schema';
import { personKey } from './person-keys';

/**
 * Records that `workflowId` carries the person's data, making their key if need be. Must come
 * before the workflow is started. The first registration of a workflow id stands.
 */
export async function registerTemporalSubject(
  db: PgExecutor,
  piiKey: Buffer,
  workflowId: string,
  personId: string,
): Promise<void> {
  await personKey(db, piiKey, personId);
  await db
    .insert(temporalSubjects)
    .values({ workflowId, personId, createdAt: new Date() })
    .onConflictDoNothing();
}

/** A workflow's subject and its person's key, prepared once per connection. */
const subjectKeyQueries = new WeakMap<object, ReturnType<typeof subjectKeyQuery>>();
const subjectKeyQuery = (db: PgExecutor) =>
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
    .prepare('temporal_subject_key');

type SubjectRow = Awaited<ReturnType<ReturnType<typeof subjectKeyQuery>['execute']>>[number];

/** Whether the row gives a usable key: the person's, made before the workflow was registered. */
const usable = (row: SubjectRow | undefined): row is SubjectRow & { wrappedKey: string } =>
  // A person who applies again after their wallet was closed gets a new key; the workflows
  // registered before it were under the erased one.
  row !== undefined && !!row.keyMadeAt && !!row.wrappedKey && row.keyMadeAt <= row.registeredAt;

/**
 * A workflow's subject row: kept by the pool's key rows while usable (db/postgres/key-cache.ts,
 * dropped as soon as any process erases the key), read again every time otherwise.
 */
async function subjectOf(db: PgExecutor, workflowId: string): Promise<SubjectRow | undefined> {
  const read = async () =>
    (await preparedOn(subjectKeyQueries, db, subjectKeyQuery).execute({ workflowId }))[0];
  const rows = keyRowsOf(db);
  if (!rows) return read();
  return rows.through(`subject:${workflowId}`, read, (row) =>
    usable(row) ? row.personId : undefined,
  );
}

/**
 * The persons' Temporal keys as the codec needs them: once a person's key is erased, by whichever
 * process, no process encrypts or decrypts their payloads again, from the erasure's notification
 * on (at most KEY_ROWS_TTL_MS later, see db/postgres/key-cache.ts).
 */
export async function temporalSubjectKeys(db: PgExecutor, piiKey: Buffer): Promise<SubjectKeys> {
  return {
    async keyFor(workflowId) {
      const row = await subjectOf(db, workflowId);
      if (!row) return undefined;
      if (!usable(row)) return null;
      return deriveKey(unwrapPersonKey(piiKey, row.personId, row.wrappedKey), 'temporal');
    },
  };
}

/**
 * The photo key of the person an application's workflow was registered for; null when erased
 * (or made after the application), undefined when nobody was registered (see the SQLite twin).
 */
export async function photoKeyOf(
  db: PgExecutor,
  piiKey: Buffer,
  applicationId: string,
): Promise<Buffer | null | undefined> {
  const row = await subjectOf(db, onboardingWorkflowId(applicationId));
  if (!row) return undefined;
  if (!usable(row)) return null;
  return deriveKey(unwrapPersonKey(piiKey, row.personId, row.wrappedKey), 'photos');
}
