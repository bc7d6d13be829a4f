// Status changes as event webhooks (SPEC §6) on PostgreSQL: queued in `webhook_events` inside the
// transaction that makes the change (see db/sqlite/repositories/status-events.ts).
import { randomUUID } from 'node:crypto';
import { webhookBodyOf, type StatusEvent } from '../../shared/status-events';
import type { PgExecutor } from '../client';
import { webhookEvents } from '../schema';

/**
 * Queues the event in the caller's transaction. Call it only when `webhooksEnabled(config)`.
 * Returns false when this change was already queued.
 */
export async function queueStatusEvent(tx: PgExecutor, event: StatusEvent): Promise<boolean> {
  const eventId = `evt_${randomUUID()}`;
  const body = webhookBodyOf(eventId, event);
  const now = new Date();
  const inserted = await tx
    .insert(webhookEvents)
    .values({
      eventId,
      eventKey: event.eventKey,
      kind: event.kind,
      subjectId: event.subjectId,
      status: event.status,
      body: JSON.stringify(body),
      createdAt: now,
      nextAttemptAt: now,
    })
    .onConflictDoNothing({ target: webhookEvents.eventKey });
  return inserted.rowCount === 1;
}
