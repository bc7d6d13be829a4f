// Appending to the audit log (SPEC §6), with one statement prepared per connection instead of a
// query built and prepared for every row.
import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
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

/** Appends several rows in one transaction (each unless its event key is there already). */
export function appendAuditRows(db: AppDatabase, rows: readonly AuditRow[]): void {
  db.transaction((tx) => {
    for (const row of rows) appendAudit(tx, row);
  });
}

/** The detail of the row with this event key, or null when there is none. */
export function auditDetailOf(db: AppDatabase, eventKey: string): Record<string, unknown> | null {
  const row = db
    .select({ detail: auditLog.detail })
    .from(auditLog)
    .where(eq(auditLog.eventKey, eventKey))
    .get();
  return row?.detail ?? null;
}

/**
 * A reviewer's decision's audit row, written once per event key: true when this call added it, or
 * when the row there already is of the same review round (a retry of the same decision); false
 * when the key's row is of another round (a decision replayed into a later round).
 */
export function recordReviewDecision(db: AppDatabase, row: AuditRow & { round: number }): boolean {
  const { round, ...audit } = row;
  return db.transaction((tx) => {
    if (appendAudit(tx, audit)) return true;
    return auditDetailOf(tx, audit.eventKey)?.round === round;
  });
}

/** Audit rows newest first, filtered, before the row `beforeId` when given (ops' audit search). */
export function auditPage(
  db: AppDatabase,
  q: {
    subjectType?: string;
    subjectId?: string;
    actor?: string;
    action?: string;
    beforeId?: number;
    limit: number;
  },
) {
  const filters: SQL[] = [];
  if (q.action !== undefined) filters.push(eq(auditLog.action, q.action));
  if (q.subjectType !== undefined) filters.push(eq(auditLog.subjectType, q.subjectType));
  if (q.subjectId !== undefined) filters.push(eq(auditLog.subjectId, q.subjectId));
  if (q.actor !== undefined) filters.push(eq(auditLog.actor, q.actor));
  if (q.beforeId !== undefined) filters.push(lt(auditLog.id, q.beforeId));
  return db
    .select()
    .from(auditLog)
    .where(filters.length ? and(...filters) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(q.limit)
    .all();
}
