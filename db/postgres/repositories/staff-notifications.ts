// Staff notifications (SPEC §7) on PostgreSQL (see db/sqlite/repositories/staff-notifications.ts):
// listed in the console and, with STAFF_WEBHOOK_URL, worked by the webhook dispatcher with the
// lease semantics of webhook-events.ts.
import { count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { PgExecutor } from '../client';
import { staffNotifications } from '../schema';
import type { Claimed } from './webhook-events';

export type StaffNotificationRow = typeof staffNotifications.$inferSelect;

/** Adds the notification unless one with its key is there (a retried activity); true if added. */
export async function insertStaffNotification(
  db: PgExecutor,
  n: {
    key: string;
    recipient: string;
    template: string;
    applicationId: string | null;
    body: string;
  },
): Promise<boolean> {
  const now = new Date();
  const inserted = await db
    .insert(staffNotifications)
    .values({ ...n, createdAt: now, nextAttemptAt: now })
    .onConflictDoNothing({ target: staffNotifications.key });
  return inserted.rowCount === 1;
}

/** Newest first, for any of `recipients` (`user:<sub>`, `role:<role>`). */
export async function listStaffNotifications(
  db: PgExecutor,
  recipients: readonly string[],
  limit: number,
): Promise<StaffNotificationRow[]> {
  if (recipients.length === 0) return [];
  return db
    .select()
    .from(staffNotifications)
    .where(inArray(staffNotifications.recipient, [...recipients]))
    .orderBy(desc(staffNotifications.id))
    .limit(limit);
}

export async function countStaffNotifications(
  db: PgExecutor,
  recipients: readonly string[],
): Promise<number> {
  if (recipients.length === 0) return 0;
  const [row] = await db
    .select({ n: count() })
    .from(staffNotifications)
    .where(inArray(staffNotifications.recipient, [...recipients]));
  return row?.n ?? 0;
}

/** Which applications were reminded or escalated, and how far (for the queue's markers). */
export async function staffNotificationTemplatesOf(
  db: PgExecutor,
  applicationIds: readonly string[],
): Promise<Record<string, string[]>> {
  if (applicationIds.length === 0) return {};
  const rows = await db
    .selectDistinct({
      applicationId: staffNotifications.applicationId,
      template: staffNotifications.template,
    })
    .from(staffNotifications)
    .where(inArray(staffNotifications.applicationId, [...applicationIds]));
  const out: Record<string, string[]> = {};
  for (const r of rows) if (r.applicationId) (out[r.applicationId] ??= []).push(r.template);
  return out;
}

/**
 * Up to `batchSize` undelivered notifications, oldest first, each leased for `leaseMs` by one
 * UPDATE … RETURNING; the candidates are locked SKIP LOCKED, so that two dispatchers claiming at
 * once never take one row both.
 */
export async function claimDueStaffNotifications(
  db: PgExecutor,
  { leaseMs, batchSize }: { leaseMs: number; batchSize: number },
): Promise<Claimed[]> {
  const now = Date.now();
  const result = await db.execute<{ id: string; eventId: string; body: string; attempts: number }>(
    sql`
    UPDATE staff_notifications
       SET next_attempt_at = ${new Date(now + leaseMs)}, attempts = attempts + 1
     WHERE id IN (
       SELECT id FROM staff_notifications
        WHERE delivered_at IS NULL AND next_attempt_at <= ${new Date(now)}
        ORDER BY id
        LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED)
    RETURNING id, 'staff:' || key AS "eventId", body, attempts`,
  );
  return result.rows.map((row) => ({ ...row, id: Number(row.id) })).sort((a, b) => a.id - b.id);
}

export async function markStaffNotificationDelivered(db: PgExecutor, id: number): Promise<void> {
  await db
    .update(staffNotifications)
    .set({ deliveredAt: new Date(), lastError: null })
    .where(eq(staffNotifications.id, id));
}

/** Shutting down mid-delivery: the row is due again at once, the attempt not counted. */
export async function handStaffNotificationBack(db: PgExecutor, id: number): Promise<void> {
  await db
    .update(staffNotifications)
    .set({
      nextAttemptAt: new Date(),
      attempts: sql`greatest(${staffNotifications.attempts} - 1, 0)`,
    })
    .where(eq(staffNotifications.id, id));
}

export async function retryStaffNotificationLater(
  db: PgExecutor,
  id: number,
  at: Date,
  lastError: string,
): Promise<void> {
  await db
    .update(staffNotifications)
    .set({ nextAttemptAt: at, lastError })
    .where(eq(staffNotifications.id, id));
}

/** Every staff notification about one application, oldest first. */
export async function staffNotificationsAbout(
  db: PgExecutor,
  applicationId: string,
): Promise<StaffNotificationRow[]> {
  return db
    .select()
    .from(staffNotifications)
    .where(eq(staffNotifications.applicationId, applicationId))
    .orderBy(staffNotifications.id);
}
