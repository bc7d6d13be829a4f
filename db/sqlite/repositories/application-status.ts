// One status change of an application (SPEC §6): the status row, the read model, the audit row
// and, with WEBHOOK_URL set, the event webhook, in one transaction. Retries and replays are
// harmless: the audit row is keyed by (application, seq) and an older seq never overwrites a newer
// status.
import { sql } from 'drizzle-orm';
import { blindIndex } from '../../../crypto/pii';
import type { ApplicationView } from '../../../domain/contract';
import { excluded, preparedPerDatabase, type AppDatabase } from '../client';
import { applications } from '../schema';
import { markLoginPhoneVerified } from './applicant-logins';
import { saveApplicationView } from './application-views';
import { appendAudit } from './audit-log';
import { queueStatusEvent } from './status-events';

export interface ApplicationStatusChange {
  applicationId: string;
  status: string;
  nextAction: string;
  seq: number;
  at: string;
  reasons: string[];
  /** The view after this change, for the read model. */
  view: ApplicationView;
}

const upsertStatus = preparedPerDatabase((db) =>
  db
    .insert(applications)
    .values({
      id: sql.placeholder('id'),
      status: sql.placeholder('status'),
      nextAction: sql.placeholder('nextAction'),
      statusSeq: sql.placeholder('seq'),
      createdAt: sql.placeholder('at'),
      updatedAt: sql.placeholder('at'),
    })
    .onConflictDoUpdate({
      target: applications.id,
      set: {
        status: excluded(applications.status),
        nextAction: excluded(applications.nextAction),
        statusSeq: excluded(applications.statusSeq),
        updatedAt: excluded(applications.updatedAt),
      },
      setWhere: sql`${applications.statusSeq} < ${sql.placeholder('seq')}`,
    })
    .prepare(),
);

export function recordApplicationStatusChange(
  db: AppDatabase,
  piiKey: Buffer,
  input: ApplicationStatusChange,
  { webhooks }: { webhooks: boolean },
): void {
  const at = new Date(input.at);
  const eventKey = `application:${input.applicationId}:status:${input.seq}`;
  db.transaction((tx) => {
    upsertStatus(tx).run({
      id: input.applicationId,
      status: input.status,
      nextAction: input.nextAction,
      seq: input.seq,
      at,
    });
    saveApplicationView(tx, piiKey, input.view);
    // The photo step is reached only once the phone's code was right: from then on this
    // phone signs this applicant in, and no unverified application can shadow it.
    if (input.status === 'AWAITING_ID_PHOTO')
      markLoginPhoneVerified(
        tx,
        input.applicationId,
        blindIndex(piiKey, 'phone', input.view.applicant.phone),
        at,
      );
    appendAudit(tx, {
      eventKey,
      at,
      actor: 'system',
      action: 'APPLICATION_STATUS_CHANGED',
      subjectType: 'application',
      subjectId: input.applicationId,
      detail: { status: input.status, nextAction: input.nextAction, reasons: input.reasons },
    });
    if (webhooks)
      queueStatusEvent(tx, {
        eventKey,
        kind: 'application',
        subjectId: input.applicationId,
        status: input.status,
        occurredAt: at,
      });
  });
}
