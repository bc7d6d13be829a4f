// Staff notifications (SPEC §7): review reminders and escalations, listed in the console for
// their recipients and, with STAFF_WEBHOOK_URL, worked by the webhook dispatcher like
// webhook_events (claimed with a lease, retried with backoff until acknowledged).
import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { staffNotifications } from '../schema';
import type { Claimed } from './webhook-events';

export type StaffNotificationRow = typeof staffNotifications.$inferSelect;

/** Adds the notification unless one with its key is there (a retried activity); true if added. */
export function insertStaffNotification(
  db: AppDatabase,
  n: {
    key: string;
    recipient: string;
    template: string;
    applicationId: string | null;
    body: string;
  },
): boolean {
  const now = new Date();
  return (
    db
      .insert(staffNotifications)
      .values({ ...n, createdAt: now, nextAttemptAt: now })
      .onConflictDoNothing({ target: staffNotifications.key })
      .run().changes === 1
  );
}

/** Newest first, for any of `recipients` (`user:<sub>`, `role:<role>`). */
export function listStaffNotifications(
  db: AppDatabase,
  recipients: readonly string[],
  limit: number,
): StaffNotificationRow[] {
  return db
    .select()
    .from(staffNotifications)
    .where(inArray(staffNotifications.recipient, [...recipients]))
    .orderBy(desc(staffNotifications.id))
    .limit(limit)
    .all();
}

export function countStaffNotifications(db: AppDatabase, recipients: readonly string[]): number {
  return (
    db
      .select({ n: count() })
      .from(staffNotifications)
      .where(inArray(staffNotifications.recipient, [...recipients]))
      .get()?.n ?? 0
  );
}

/** Which applications were reminded or escalated, and how far (for the queue's markers). */
export function staffNotificationTemplatesOf(
  db: AppDatabase,
  applicationIds: readonly string[],
): Record<string, string[]> {
  if (applicationIds.length === 0) return {};
  const rows = db
    .selectDistinct({
      applicationId: staffNotifications.applicationId,
      template: staffNotifications.template,
    })
    .from(staffNotifications)
    .where(inArray(staffNotifications.applicationId, [...applicationIds]))
    .all();
  const out: Record<string, string[]> = {};
  for (const r of rows) if (r.applicationId) (out[r.applicationId] ??= []).push(r.template);
  return out;
}

/** Up to `batchSize` undelivered notifications, oldest first, each leased for `leaseMs`. */
export function claimDueStaffNotifications(
  db: AppDatabase,
  { leaseMs, batchSize }: { leaseMs: number; batchSize: number },
): Claimed[] {
  const now = Date.now();
  return db.all<Claimed>(sql`
    UPDATE staff_notifications
       SET next_attempt_at = ${now + leaseMs}, attempts = attempts + 1
     WHERE id IN (
       SELECT id FROM staff_notifications
        WHERE delivered_at IS NULL AND next_attempt_at <= ${now}
        ORDER BY id LIMIT ${batchSize})
    RETURNING id, 'staff:' || key AS eventId, body, attempts`);
}

export function markStaffNotificationDelivered(db: AppDatabase, id: number): void {
  db.update(staffNotifications)
    .set({ deliveredAt: new Date(), lastError: null })
    .where(eq(staffNotifications.id, id))
    .run();
}

export function handStaffNotificationBack(db: AppDatabase, id: number): void {
  db.update(staffNotifications)
    .set({
      nextAttemptAt: new Date(),
      attempts: sql`max(${staffNotifications.attempts} - 1, 0)`,
    })
    .where(and(eq(staffNotifications.id, id)))
    .run();
}

export function retryStaffNotificationLater(
  db: AppDatabase,
  id: number,
  at: Date,
  lastError: string,
): void {
  db.update(staffNotifications)
    .set({ nextAttemptAt: at, lastError })
    .where(eq(staffNotifications.id, id))
    .run();
}

/** Every staff notification about one application, oldest first. */
export function staffNotificationsAbout(
  db: AppDatabase,
  applicationId: string,
): StaffNotificationRow[] {
  return db
    .select()
    .from(staffNotifications)
    .where(eq(staffNotifications.applicationId, applicationId))
    .orderBy(staffNotifications.id)
    .all();
}
