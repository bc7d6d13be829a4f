// One status change of an application (SPEC §6) on PostgreSQL: the status row, the read model,
// the audit row and, with WEBHOOK_URL set, the event webhook, in one transaction, as in
// db/sqlite/repositories/application-status.ts.
//
// Concurrency: two changes of one application may commit at once from two workers. The status
// upsert comes first in the transaction and, through ON CONFLICT … DO UPDATE, takes the row lock
// that the second waits on; its guard `status_seq < excluded` is then checked against the
// committed row, so the higher seq stays whatever the order. Every other write is keyed
// (audit and event by (application, seq), the view by its revision), so each change is audited
// once and a retry or replay changes nothing.
import { sql } from 'drizzle-orm';
import { blindIndex } from '../../../crypto/pii';
import type { ApplicationStatusChange } from '../../sqlite/repositories/application-status';
import type { PgExecutor } from '../client';
import { applications } from '../schema';
import { markLoginPhoneVerified } from './applicant-logins';
import { excluded, saveApplicationView } from './application-views';
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
  await db.transaction(async (tx) => {
    await tx
      .insert(applications)
      .values({
        id: input.applicationId,
        status: input.status,
        nextAction: input.nextAction,
        statusSeq: input.seq,
        createdAt: at,
        updatedAt: at,
      })
      .onConflictDoUpdate({
        target: applications.id,
        set: {
          status: excluded(applications.status),
          nextAction: excluded(applications.nextAction),
          statusSeq: excluded(applications.statusSeq),
          updatedAt: excluded(applications.updatedAt),
        },
        setWhere: sql`${applications.statusSeq} < ${input.seq}`,
      });
    await saveApplicationView(tx, piiKey, input.view);
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
