// Appending to the audit log (SPEC §6), with one statement prepared per connection instead of a
// query built and prepared for every row.
import { sql } from 'drizzle-orm';
import { preparedPerDatabase, type AppDatabase } from '../client';
import { auditLog } from '../schema';

export type AuditRow = Required<Omit<typeof auditLog.$inferInsert, 'id' | 'recordedAt'>>;

const insertOnce = preparedPerDatabase((db) =>
  db
    .insert(auditLog)
    .values({
      eventKey: sql.placeholder('eventKey'),
      at: sql.placeholder('at'),
      actor: sql.placeholder('actor'),
      action: sql.placeholder('action'),
      subjectType: sql.placeholder('subjectType'),
      subjectId: sql.placeholder('subjectId'),
      detail: sql.placeholder('detail'),
    })
    .onConflictDoNothing({ target: auditLog.eventKey })
    .prepare(),
);

/**
 * Appends the row unless one with its event key is there already (a retried activity or request);
 * true when it was added. Inside `db.transaction((tx) => ...)`, pass `tx`.
 */
export function appendAudit(db: AppDatabase, row: AuditRow): boolean {
  return insertOnce(db).run(row).changes === 1;
}
