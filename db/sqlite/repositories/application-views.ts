// The read model of applications: the view each workflow last published, so that
// GET /v1/applications/:id is a database read instead of a workflow query (a round trip through
// Temporal to a worker, and a replay of the whole history once the workflow has closed).
//
// Kept exact by the two ways a view changes: every status change is recorded by the workflow
// before any caller hears of it (activity `recordApplicationStatus`), and every other change
// (an attempt used, a resend) is the answer to an update, which the API saves before answering.
// Each view carries its workflow's history length as `revision`, so writes from the worker and
// from any number of API processes, in whatever order, leave the newest one.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { excluded, preparedPerDatabase, type AppDatabase } from '../client';
import { applications } from '../schema';
import type { ApplicationView } from '../../../domain/contract';
import { openJson, personIdOf, SealedDataError, sealJson } from '../../../crypto/pii';
import { loadPersonKey, personKey } from './person-keys';

const context = (applicationId: string) => `application-view:${applicationId}`;

const upsertView = preparedPerDatabase((db) =>
  db
    .insert(applications)
    .values({
      id: sql.placeholder('id'),
      status: sql.placeholder('status'),
      nextAction: sql.placeholder('nextAction'),
      createdAt: sql.placeholder('createdAt'),
      updatedAt: sql.placeholder('updatedAt'),
      personId: sql.placeholder('personId'),
      view: sql.placeholder('view'),
      viewRevision: sql.placeholder('viewRevision'),
    })
    .onConflictDoUpdate({
      target: applications.id,
      // The status columns belong to the status mirror (recordApplicationStatus) and its seq.
      set: {
        personId: excluded(applications.personId),
        view: excluded(applications.view),
        viewRevision: excluded(applications.viewRevision),
      },
      // Never over an erased application's row (RETENTION_AFTER): erased stays erased.
      setWhere: and(
        isNull(applications.erasedAt),
        or(
          isNull(applications.viewRevision),
          lt(applications.viewRevision, sql.placeholder('viewRevision')),
        ),
      ),
    })
    .prepare(),
);

/** Saves the view unless a newer one is stored. */
export function saveApplicationView(db: AppDatabase, piiKey: Buffer, view: ApplicationView): void {
  const revision = view.revision;
  if (revision === undefined) return;
  const personId = personIdOf(piiKey, view.applicant.idNumber);
  // Never makes a key: an erased person stays erased. (Workflows started by the API always have
  // one; those started otherwise are read by query.)
  const key = loadPersonKey(db, piiKey, personId);
  if (!key) return;
  upsertView(db).run({
    id: view.applicationId,
    status: view.status,
    nextAction: view.nextAction,
    createdAt: new Date(view.createdAt),
    updatedAt: new Date(view.updatedAt),
    personId,
    view: sealJson(key, view, context(view.applicationId)),
    viewRevision: revision,
  });
}

/**
 * Makes the key of the person an ID number names, for the views that will name them. Called by
 * the API before a resubmission that corrects the ID number: the corrected number is another
 * person, and `saveApplicationView` (which never makes a key) would otherwise drop every view
 * from then on, leaving the read model at the rejection with the old identity.
 */
export function prepareViewsFor(db: AppDatabase, piiKey: Buffer, idNumber: string): void {
  personKey(db, piiKey, personIdOf(piiKey, idNumber));
}

// Every GET of an application and every step that reads it first goes through this read.
const viewOf = preparedPerDatabase((db) =>
  db
    .select({
      view: applications.view,
      personId: applications.personId,
      erasedAt: applications.erasedAt,
    })
    .from(applications)
    .where(eq(applications.id, sql.placeholder('id')))
    .prepare(),
);

/**
 * The last published view; null when there is none yet; 'ERASED' when there was one and its
 * person's key has since been erased (the wallet closed): the application is gone.
 */
export function loadApplicationView(
  db: AppDatabase,
  piiKey: Buffer,
  applicationId: string,
): ApplicationView | 'ERASED' | null {
  const row = viewOf(db).get({ id: applicationId });
  if (row?.erasedAt) return 'ERASED';
  if (!row?.view || !row.personId) return null;
  const key = loadPersonKey(db, piiKey, row.personId);
  if (!key) return 'ERASED';
  try {
    return openJson<ApplicationView>(key, row.view, context(applicationId));
  } catch (error) {
    // Sealed under an earlier key of the person's (erased, then a new application).
    if (error instanceof SealedDataError) return 'ERASED';
    throw error;
  }
}
