// The webhook outbox as the dispatcher (webhooks/dispatcher.ts) works it: claim due rows with a
// lease, in order per subject; mark them delivered, retried later, or handed back. Rows are
// written by status-events.ts in the transaction of each change.
import { eq, sql } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { webhookEvents } from '../schema';

export interface Claimed {
  id: number;
  eventId: string;
  body: string;
  attempts: number;
}

/**
 * Up to `batchSize` due events, at most one per subject (the oldest undelivered one), each
 * leased for `leaseMs` by one UPDATE … RETURNING, so that no two dispatchers send a row at once.
 */
export function claimDueWebhookEvents(
  db: AppDatabase,
  { leaseMs, batchSize }: { leaseMs: number; batchSize: number },
): Claimed[] {
  const now = Date.now();
  return db.all<Claimed>(sql`
    UPDATE webhook_events
       SET next_attempt_at = ${now + leaseMs}, attempts = attempts + 1
     WHERE id IN (
       SELECT e.id FROM webhook_events e
        WHERE e.delivered_at IS NULL
          AND e.next_attempt_at <= ${now}
          AND NOT EXISTS (
            SELECT 1 FROM webhook_events p
             WHERE p.kind = e.kind AND p.subject_id = e.subject_id
               AND p.delivered_at IS NULL AND p.id < e.id)
        ORDER BY e.id
        LIMIT ${batchSize})
    RETURNING id, event_id AS eventId, body, attempts`);
}

export function markWebhookEventDelivered(db: AppDatabase, id: number): void {
  db.update(webhookEvents)
    .set({ deliveredAt: new Date(), lastError: null })
    .where(eq(webhookEvents.id, id))
    .run();
}

/** Shutting down mid-delivery: the row is due again at once, the attempt not counted. */
export function handWebhookEventBack(db: AppDatabase, id: number): void {
  db.update(webhookEvents)
    .set({ nextAttemptAt: new Date(), attempts: sql`max(${webhookEvents.attempts} - 1, 0)` })
    .where(eq(webhookEvents.id, id))
    .run();
}

export function retryWebhookEventLater(
  db: AppDatabase,
  id: number,
  at: Date,
  lastError: string,
): void {
  db.update(webhookEvents)
    .set({ nextAttemptAt: at, lastError })
    .where(eq(webhookEvents.id, id))
    .run();
}
