// Appending to the audit log (SPEC §6) on PostgreSQL. The table refuses UPDATE and DELETE
// (migration 0001_audit_append_only).
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { PgExecutor } from '../client';
import { auditLog } from '../schema';

export type AuditRow = Required<Omit<typeof auditLog.$inferInsert, 'id' | 'recordedAt'>>;

/**
 * Appends the row unless one with its event key is there already (a retried activity or request);
 * true when it was added. Inside `db.transaction((tx) => ...)`, pass `tx`.
 */
export async function appendAudit(db: PgExecutor, row: AuditRow): Promise<boolean> {
  const inserted = await db
    .insert(auditLog)
    .values(row)
    .onConflictDoNothing({ target: auditLog.eventKey });
  return inserted.rowCount === 1;
}

/**
 * Appends several rows in one transaction (each unless its event key is there already): one
 * multi-row INSERT per 1,000 rows, not a round trip per row (a review-queue page audits 50).
 */
export async function appendAuditRows(db: PgExecutor, rows: readonly AuditRow[]): Promise<void> {
  if (!rows.length) return;
  const insert = (executor: PgExecutor, chunk: readonly AuditRow[]) =>
    executor
      .insert(auditLog)
      .values([...chunk])
      .onConflictDoNothing({ target: auditLog.eventKey });
  if (rows.length <= AUDIT_ROWS_PER_INSERT) {
    await insert(db, rows);
    return;
  }
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += AUDIT_ROWS_PER_INSERT)
      await insert(tx, rows.slice(i, i + AUDIT_ROWS_PER_INSERT));
  });
}
const AUDIT_ROWS_PER_INSERT = 1000;

/** The detail of the row with this event key, or null when there is none. */
export async function auditDetailOf(
  db: PgExecutor,
  eventKey: string,
): Promise<Record<string, unknown> | null> {
  const [row] = await db
    .select({ detail: auditLog.detail })
    .from(auditLog)
    .where(eq(auditLog.eventKey, eventKey));
  return row?.detail ?? null;
}

/** Audit rows newest first, filtered, before the row `beforeId` when given (ops' audit search). */
export async function auditPage(
  db: PgExecutor,
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
    .limit(q.limit);
}

/**
 * A reviewer's decision: true when its row was written now, or was there already for the same
 * round (a retry); false for a nonce replayed from another round.
 */
export async function recordReviewDecision(
  db: PgExecutor,
  row: AuditRow & { round: number },
): Promise<boolean> {
  const { round, ...audit } = row;
  // ON CONFLICT DO NOTHING then a read: no transaction needed, the row never changes once written.
  if (await appendAudit(db, audit)) return true;
  return (await auditDetailOf(db, audit.eventKey))?.round === round;
}
