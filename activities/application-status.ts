import { sql } from 'drizzle-orm';
import { excluded, preparedPerDatabase } from '../db/client';
import { applications } from '../db/schema';
import type { ApplicationView } from '../domain/contract';
import { saveApplicationView } from '../db/repositories/application-views';
import { appendAudit } from '../db/repositories/audit-log';
import { queueStatusEvent, webhooksEnabled } from '../db/repositories/status-events';
import type { ActivityDeps } from './index';

export interface RecordStatusInput {
  applicationId: string;
  status: string;
  nextAction: string;
  seq: number;
  at: string;
  reasons: string[];
  /** The view after this change, for the read model; absent in histories recorded before it. */
  view?: ApplicationView;
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

export function createStatusActivities({ db, config }: Pick<ActivityDeps, 'db' | 'config'>) {
  const webhooks = webhooksEnabled(config);
  return {
    /**
     * Mirrors a status change into the app database and the audit log. Retries and replays
     * are harmless: the audit row is keyed by (application, seq) and an older seq never
     * overwrites a newer status. With WEBHOOK_URL set, the event webhook is queued in the same
     * transaction, under the audit row's key.
     */
    async recordApplicationStatus(input: RecordStatusInput): Promise<void> {
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
        if (input.view) saveApplicationView(tx, config.piiKey, input.view);
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
    },
  };
}
