// The app database. Workflows own the truth about a process; these tables hold what must be
// looked up across workflows (lists, duplicates, logins) and what must outlive them (audit).
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const applications = sqliteTable(
  'applications',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    nextAction: text('next_action').notNull(),
    // Monotonic per application: an activity retried with an older status never overwrites a newer one.
    statusSeq: integer('status_seq').notNull().default(0),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('applications_status_idx').on(t.status, t.createdAt)],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    // Idempotency of retried activities: the same event is recorded once.
    eventKey: text('event_key').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>(),
    recordedAt: integer('recorded_at', { mode: 'timestamp_ms' })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [
    uniqueIndex('audit_log_event_key_idx').on(t.eventKey),
    index('audit_log_subject_idx').on(t.subjectType, t.subjectId),
  ],
);
