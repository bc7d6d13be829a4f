// The queue of notices to wallet owners on PostgreSQL (see db/sqlite/repositories/wallet-notices.ts):
// written in the transaction of the change, claimed by relays with a lease.
import { and, asc, eq, inArray, isNull, lte } from 'drizzle-orm';
import type {
  QueuedWalletNotice,
  WalletNoticeKind,
} from '../../sqlite/repositories/wallet-notices';
import { noticeOf } from '../../shared/wallet-notice';
import type { PgExecutor } from '../client';
import { auditLog, walletNotices } from '../schema';

export type { QueuedWalletNotice, WalletNoticeKind };

export async function queueWalletNotice(
  tx: PgExecutor,
  notice: QueuedWalletNotice,
  at: Date,
): Promise<void> {
  await tx
    .insert(walletNotices)
    .values({ ...notice, createdAt: at, nextAttemptAt: at })
    .onConflictDoNothing();
}

/**
 * Oldest first. Notices queued within one millisecond (a freeze and an unfreeze in a row) come in
 * the order of their audit rows, whose key is the notice's: on SQLite the rowid does this.
 */
const oldestFirst = [asc(walletNotices.createdAt), asc(auditLog.id), asc(walletNotices.key)];

/**
 * Up to `limit` notices due now, oldest first, each leased to the caller for `leaseMs`. The due
 * rows are locked SKIP LOCKED: a relay claiming at the same moment passes over them, and one that
 * waited re-reads them as leased.
 */
export async function claimDueWalletNotices(
  db: PgExecutor,
  { limit, leaseMs, now = new Date() }: { limit: number; leaseMs: number; now?: Date },
): Promise<QueuedWalletNotice[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ key: walletNotices.key })
      .from(walletNotices)
      .leftJoin(auditLog, eq(auditLog.eventKey, walletNotices.key))
      .where(and(isNull(walletNotices.relayedAt), lte(walletNotices.nextAttemptAt, now)))
      .orderBy(...oldestFirst)
      .limit(limit)
      .for('update', { of: walletNotices, skipLocked: true });
    if (!due.length) return [];
    const order = new Map(due.map((row, i) => [row.key, i]));
    const claimed = await tx
      .update(walletNotices)
      .set({ nextAttemptAt: new Date(now.getTime() + leaseMs) })
      .where(inArray(walletNotices.key, [...order.keys()]))
      .returning({
        key: walletNotices.key,
        walletId: walletNotices.walletId,
        kind: walletNotices.kind,
        params: walletNotices.params,
      });
    return claimed.map(noticeOf).sort((x, y) => order.get(x.key)! - order.get(y.key)!);
  });
}

export async function markWalletNoticeRelayed(
  db: PgExecutor,
  key: string,
  at = new Date(),
): Promise<void> {
  await db.update(walletNotices).set({ relayedAt: at }).where(eq(walletNotices.key, key));
}

/** Notices not yet handed over (tests, ops). */
export async function pendingWalletNotices(db: PgExecutor): Promise<QueuedWalletNotice[]> {
  return db
    .select({
      key: walletNotices.key,
      walletId: walletNotices.walletId,
      kind: walletNotices.kind,
      params: walletNotices.params,
    })
    .from(walletNotices)
    .leftJoin(auditLog, eq(auditLog.eventKey, walletNotices.key))
    .where(isNull(walletNotices.relayedAt))
    .orderBy(...oldestFirst)
    .then((rows) => rows.map(noticeOf));
}
