// The webhook outbox as the dispatcher works it, on PostgreSQL (see
// db/sqlite/repositories/webhook-events.ts): claim due rows with a lease, in order per subject.
import { eq, sql } from 'drizzle-orm';
import type { Claimed } from '../../sqlite/repositories/webhook-events';
import type { PgExecutor } from '../client';
import { webhookEvents } from '../schema';

export type { Claimed };

/**
 * Up to `batchSize` due events, at most one per subject (the oldest undelivered one), each
 * leased for `leaseMs` by one UPDATE … RETURNING. The candidates are locked SKIP LOCKED, so that
 * two dispatchers claiming at once never take one row both.
 */
export async function claimDueWebhookEvents(
  db: PgExecutor,
  { leaseMs, batchSize }: { leaseMs: number; batchSize: number },
): Promise<Claimed[]> {
  const now = Date.now();
  const result = await db.execute<{ id: string; eventId: string; body: string; attempts: number }>(
    sql`
    UPDATE webhook_events
       SET next_attempt_at = ${new Date(now + leaseMs)}, attempts = attempts + 1
     WHERE id IN (
       SELECT e.id FROM webhook_events e
        WHERE e.delivered_at IS NULL
          AND e.next_attempt_at <= ${new Date(now)}
          AND NOT EXISTS (
            SELECT 1 FROM webhook_events p
             WHERE p.kind = e.kind AND p.subject_id = e.subject_id
               AND p.delivered_at IS NULL AND p.id < e.id)
        ORDER BY e.id
        LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED)
    RETURNING id, event_id AS "eventId", body, attempts`,
  );
  return result.rows.map((row) => ({ ...row, id: Number(row.id) })).sort((a, b) => a.id - b.id);
}

export async function markWebhookEventDelivered(db: PgExecutor, id: number): Promise<void> {
  await db
    .update(webhookEvents)
    .set({ deliveredAt: new Date(), lastError: null })
    .where(eq(webhookEvents.id, id));
}

/** Shutting down mid-delivery: the row is due again at once, the attempt not counted. */
export async function handWebhookEventBack(db: PgExecutor, id: number): Promise<void> {
  await db
    .update(webhookEvents)
    .set({ nextAttemptAt: new Date(), attempts: sql`greatest(${webhookEvents.attempts} - 1, 0)` })
    .where(eq(webhookEvents.id, id));
}

export async function retryWebhookEventLater(
  db: PgExecutor,
  id: number,
  at: Date,
  lastError: string,
): Promise<void> {
  await db
    .update(webhookEvents)
    .set({ nextAttemptAt: at, lastError })
    .where(eq(webhookEvents.id, id));
}
