// The queue of notices to wallet owners on PostgreSQL (see db/sqlite/repositories/wallet-notices.ts):
// written in the transaction of the change, claimed by relays with a lease.
import { and, asc, eq, inArray, isNull, lte } from 'drizzle-orm';
import type {
  QueuedWalletNotice,
  WalletNoticeKind,
} from '../../sqlite/repositories/wallet-notices';
import type { PgExecutor } from '../client';
import { walletNotices } from '../schema';

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
 * Up to `limit` notices due now, oldest first, each leased to the caller for `leaseMs` by one
 * UPDATE … RETURNING. The due rows are locked SKIP LOCKED: a relay claiming at the same moment
 * passes over them, and one that waited re-reads them as leased.
 */
export async function claimDueWalletNotices(
  db: PgExecutor,
  { limit, leaseMs, now = new Date() }: { limit: number; leaseMs: number; now?: Date },
): Promise<QueuedWalletNotice[]> {
  const due = db
    .select({ key: walletNotices.key })
    .from(walletNotices)
    .where(and(isNull(walletNotices.relayedAt), lte(walletNotices.nextAttemptAt, now)))
    .orderBy(asc(walletNotices.createdAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(walletNotices)
    .set({ nextAttemptAt: new Date(now.getTime() + leaseMs) })
    .where(inArray(walletNotices.key, due))
    .returning({
      key: walletNotices.key,
      walletId: walletNotices.walletId,
      kind: walletNotices.kind,
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
    .select({ key: walletNotices.key, walletId: walletNotices.walletId, kind: walletNotices.kind })
    .from(walletNotices)
    .where(isNull(walletNotices.relayedAt))
    .orderBy(asc(walletNotices.createdAt), asc(walletNotices.key));
}
