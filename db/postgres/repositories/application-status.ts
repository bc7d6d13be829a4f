// One status change of an application (SPEC §6) on PostgreSQL: the status row, the read model,
// the audit row and, with WEBHOOK_URL set, the event webhook, in one transaction, as in
// db/sqlite/repositories/application-status.ts.
//
// Concurrency: two changes of one application may commit at once from two workers. The upsert of
// the status and the view (one statement: one round trip fewer per change) comes first among the
// transaction's writes and, through ON CONFLICT … DO UPDATE, takes the row lock that the second
// waits on; its guards, `status_seq < excluded` for the status columns and the view's revision
// for the view's, are then checked against the committed row, so the higher seq and the newest
// view stay whatever the order. Every other write is keyed (audit and event by (application,
// seq)), so each change is audited once and a retry or replay changes nothing.
import { or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { blindIndex } from '../../../crypto/pii';
import type { ApplicationStatusChange } from '../../sqlite/repositories/application-status';
import type { PgExecutor } from '../client';
import { applications } from '../schema';
import { markLoginPhoneVerified } from './applicant-logins';
import { excluded, sealedViewColumns, viewIsNewer } from './application-views';
import { appendAudit } from './audit-log';
import { queueStatusEvent } from './status-events';

export type { ApplicationStatusChange };

export async function recordApplicationStatusChange(
  db: PgExecutor,
  piiKey: Buffer,
  input: ApplicationStatusChange,
  { webhooks }: { webhooks: boolean },
): Promise<void> {
  const at = new Date(input.at);
  const eventKey = `application:${input.applicationId}:status:${input.seq}`;
  const statusIsNewer = sql`${applications.statusSeq} < ${input.seq}`;
  await db.transaction(async (tx) => {
    const view = await sealedViewColumns(tx, piiKey, input.view);
    const viewGuard = view && viewIsNewer(view.viewRevision);
    // Each column takes the proposed value when its own guard holds, else keeps its own.
    const when = (guard: SQL, column: AnyPgColumn) =>
      sql`case when ${guard} then ${excluded(column)} else ${column} end`;
    await tx
      .insert(applications)
      .values({
        id: input.applicationId,
        status: input.status,
        nextAction: input.nextAction,
        statusSeq: input.seq,
        createdAt: at,
        updatedAt: at,
        ...view,
      })
      .onConflictDoUpdate({
        target: applications.id,
        set: {
          status: when(statusIsNewer, applications.status),
          nextAction: when(statusIsNewer, applications.nextAction),
          statusSeq: when(statusIsNewer, applications.statusSeq),
          updatedAt: when(statusIsNewer, applications.updatedAt),
          ...(viewGuard && {
            personId: when(viewGuard, applications.personId),
            view: when(viewGuard, applications.view),
            viewRevision: when(viewGuard, applications.viewRevision),
          }),
        },
        setWhere: viewGuard ? or(statusIsNewer, viewGuard) : statusIsNewer,
      });
    // The photo step is reached only once the phone's code was right: from then on this
    // phone signs this applicant in, and no unverified application can shadow it.
    if (input.status === 'AWAITING_ID_PHOTO')
      await markLoginPhoneVerified(
        tx,
        input.applicationId,
        blindIndex(piiKey, 'phone', input.view.applicant.phone),
        at,
      );
    await appendAudit(tx, {
      eventKey,
      at,
      actor: 'system',
      action: 'APPLICATION_STATUS_CHANGED',
      subjectType: 'application',
      subjectId: input.applicationId,
      detail: { status: input.status, nextAction: input.nextAction, reasons: input.reasons },
    });
    if (webhooks)
      await queueStatusEvent(tx, {
        eventKey,
        kind: 'application',
        subjectId: input.applicationId,
        status: input.status,
        occurredAt: at,
      });
  });
}
