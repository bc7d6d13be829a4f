// The queue of notices to wallet owners (db/sqlite/schema.ts walletNotices): written in the transaction
// of the change it announces, so that a committed freeze always has its notice, and claimed by the
// relay with a lease so that several workers never hand one notice over twice at once.
import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { walletNotices } from '../schema';

import type { WalletNoticeKindValue } from '../../shared/values';
import { noticeOf } from '../../shared/wallet-notice';

export type WalletNoticeKind = WalletNoticeKindValue;

export interface QueuedWalletNotice {
  /** Unique per freeze, unfreeze (its audit row's key) or transfer: delivered once per key. */
  key: string;
  walletId: string;
  kind: WalletNoticeKind;
  /** The template's parameters, e.g. a transfer's amount; null when it has none. */
  params?: Record<string, string> | null;
}

export function queueWalletNotice(tx: AppDatabase, notice: QueuedWalletNotice, at: Date): void {
  tx.insert(walletNotices)
    .values({ ...notice, createdAt: at, nextAttemptAt: at })
    .onConflictDoNothing()
    .run();
}

/**
 * Up to `limit` notices due now, oldest first, each leased to the caller for `leaseMs` by one
 * UPDATE … RETURNING (as webhook_events are), so that no two relays take a row at once.
 */
export function claimDueWalletNotices(
  db: AppDatabase,
  { limit, leaseMs, now = new Date() }: { limit: number; leaseMs: number; now?: Date },
): QueuedWalletNotice[] {
  const due = db
    .select({ key: walletNotices.key })
    .from(walletNotices)
    .where(and(isNull(walletNotices.relayedAt), lte(walletNotices.nextAttemptAt, now)))
    .orderBy(asc(walletNotices.createdAt))
    .limit(limit);
  return db
    .update(walletNotices)
    .set({ nextAttemptAt: new Date(now.getTime() + leaseMs) })
    .where(inArray(walletNotices.key, due))
    .returning({
      key: walletNotices.key,
      walletId: walletNotices.walletId,
      kind: walletNotices.kind,
      params: walletNotices.params,
    })
    .all()
    .map(noticeOf);
}

export function markWalletNoticeRelayed(db: AppDatabase, key: string, at = new Date()): void {
  db.update(walletNotices).set({ relayedAt: at }).where(eq(walletNotices.key, key)).run();
}

/** Notices not yet handed over (tests, ops). */
export function pendingWalletNotices(db: AppDatabase): QueuedWalletNotice[] {
  return db
    .select({
      key: walletNotices.key,
      walletId: walletNotices.walletId,
      kind: walletNotices.kind,
      params: walletNotices.params,
    })
    .from(walletNotices)
    .where(isNull(walletNotices.relayedAt))
    .orderBy(asc(walletNotices.createdAt), sql`rowid`)
    .all()
    .map(noticeOf);
}
