// The read model of applications on PostgreSQL (see db/sqlite/repositories/application-views.ts):
// the view each workflow last published, sealed under its person's key. Writes from the worker
// and from any number of API processes race here; the upsert's guard decides, and PostgreSQL's
// ON CONFLICT … DO UPDATE … WHERE locks the row and checks `view_revision` against its committed
// version, so the newest view is what stays, in whatever order the writes commit.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { openJson, personIdOf, SealedDataError, sealJson } from '../../../crypto/pii';
import type { ApplicationView } from '../../../domain/contract';
import { preparedOn, type PgExecutor } from '../client';
import { applications, personKeys } from '../schema';
import { keyFromRow, loadPersonKey, personKey } from './person-keys';

const context = (applicationId: string) => `application-view:${applicationId}`;

/** In an upsert's update, the value the conflicting insert proposed for `column`. */
export const excluded = (column: AnyPgColumn) => sql.raw(`excluded."${column.name}"`);

/**
 * The view's columns as an upsert writes them, sealed under its person's key; undefined when it
 * is not to be written: no revision, or no key (never made here: an erased person stays erased).
 */
export async function sealedViewColumns(
  db: PgExecutor,
  piiKey: Buffer,
  view: ApplicationView,
): Promise<{ personId: string; view: string; viewRevision: number } | undefined> {
  const revision = view.revision;
  if (revision === undefined) return undefined;
  const personId = personIdOf(piiKey, view.applicant.idNumber);
  const key = await loadPersonKey(db, piiKey, personId);
  if (!key) return undefined;
  return {
    personId,
    view: sealJson(key, view, context(view.applicationId)),
    viewRevision: revision,
  };
}

/**
 * When an upsert may write a view of `revision` over the stored row: never over an erased
 * application's row (RETENTION_AFTER: erased stays erased), nor over a newer view.
 */
export const viewIsNewer = (revision: number) =>
  and(
    isNull(applications.erasedAt),
    or(isNull(applications.viewRevision), lt(applications.viewRevision, revision)),
  )!;

/** Saves the view unless a newer one is stored. */
export async function saveApplicationView(
  db: PgExecutor,
  piiKey: Buffer,
  view: ApplicationView,
): Promise<void> {
  const columns = await sealedViewColumns(db, piiKey, view);
  if (!columns) return;
  await db
    .insert(applications)
    .values({
      id: view.applicationId,
      status: view.status,
      nextAction: view.nextAction,
      createdAt: new Date(view.createdAt),
      updatedAt: new Date(view.updatedAt),
      ...columns,
    })
    .onConflictDoUpdate({
      target: applications.id,
      // The status columns belong to the status mirror (recordApplicationStatus) and its seq.
      set: {
        personId: excluded(applications.personId),
        view: excluded(applications.view),
        viewRevision: excluded(applications.viewRevision),
      },
      setWhere: viewIsNewer(columns.viewRevision),
    });
}

/**
 * Makes the key of the person an ID number names, for the views that will name them (see the
 * SQLite module for why the API calls it before a resubmission that corrects the ID number).
 */
export async function prepareViewsFor(
  db: PgExecutor,
  piiKey: Buffer,
  idNumber: string,
): Promise<void> {
  await personKey(db, piiKey, personIdOf(piiKey, idNumber));
}

/**
 * The last published view; null when there is none yet; 'ERASED' when there was one and its
 * person's key has since been erased (the wallet closed): the application is gone.
 */
export async function loadApplicationView(
  db: PgExecutor,
  piiKey: Buffer,
  applicationId: string,
): Promise<ApplicationView | 'ERASED' | null> {
  // The view and its person's wrapped key in one round trip: read for every status request.
  const [row] = await preparedOn(viewQueries, db, viewQuery).execute({ applicationId });
  if (row?.erasedAt) return 'ERASED';
  if (!row?.view || !row.personId) return null;
  const key = keyFromRow(piiKey, row.personId, row.wrappedKey);
  if (!key) return 'ERASED';
  try {
    return openJson<ApplicationView>(key, row.view, context(applicationId));
  } catch (error) {
    // Sealed under an earlier key of the person's (erased, then a new application).
    if (error instanceof SealedDataError) return 'ERASED';
    throw error;
  }
}

const viewQueries = new WeakMap<object, ReturnType<typeof viewQuery>>();
const viewQuery = (db: PgExecutor) =>
  db
    .select({
      view: applications.view,
      personId: applications.personId,
      erasedAt: applications.erasedAt,
      wrappedKey: personKeys.wrappedKey,
    })
    .from(applications)
    .leftJoin(personKeys, eq(personKeys.personId, applications.personId))
    .where(eq(applications.id, sql.placeholder('applicationId')))
    .prepare('application_view');
