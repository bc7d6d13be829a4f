// The watch list (sanctions, politically exposed persons) and the ops alerts that a change of it
// raises on active wallets (SPEC §1 step 5).
import { and, asc, eq, gt } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { applications, watchlist, wallets } from '../schema';
import { appendAudit, auditPage } from './audit-log';

export interface WatchlistRow {
  id: number;
  name: string;
  aliases: string[];
  birthDate: string | null;
  source: string;
  createdAt: Date;
}

export interface NewWatchlistEntry {
  name: string;
  aliases: string[];
  birthDate: string | null;
  source: string;
}

export const WATCHLIST_ALERT = 'WATCHLIST_ALERT';

const columns = {
  id: watchlist.id,
  name: watchlist.name,
  aliases: watchlist.aliases,
  birthDate: watchlist.birthDate,
  source: watchlist.source,
  createdAt: watchlist.createdAt,
};

/** The whole list: it is small (thousands of entries) and fuzzy matching cannot use an index. */
export function loadWatchlist(db: AppDatabase): WatchlistRow[] {
  return db.select(columns).from(watchlist).orderBy(asc(watchlist.id)).all();
}

/** A page of the list, oldest first; `cursor` is the last id of the previous page. */
export function listWatchlist(
  db: AppDatabase,
  page: { limit: number; cursor?: number },
): { items: WatchlistRow[]; nextCursor?: number } {
  const rows = db
    .select(columns)
    .from(watchlist)
    .where(page.cursor !== undefined ? gt(watchlist.id, page.cursor) : undefined)
    .orderBy(asc(watchlist.id))
    .limit(page.limit + 1)
    .all();
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, ...(rows.length > page.limit && last ? { nextCursor: last.id } : {}) };
}

const entryKey = (e: NewWatchlistEntry) => JSON.stringify([e.name, e.birthDate, e.source]);

/**
 * Adds entries; an entry already listed (same name, birth date and source) gains the aliases it
 * lacked and counts as a duplicate. The change is audited under `changeId`.
 */
export function addWatchlistEntries(
  db: AppDatabase,
  entries: readonly NewWatchlistEntry[],
  change: { changeId: string; actor: string },
): { added: number; duplicates: number } {
  return db.transaction(
    (tx) => {
      let added = 0;
      const now = new Date();
      for (const entry of entries) {
        const key = entryKey(entry);
        const existing = tx
          .select({ id: watchlist.id, aliases: watchlist.aliases })
          .from(watchlist)
          .where(eq(watchlist.entryKey, key))
          .get();
        if (!existing) {
          tx.insert(watchlist)
            .values({ ...entry, entryKey: key, createdAt: now })
            .run();
          added++;
          continue;
        }
        const merged = [...existing.aliases];
        for (const alias of entry.aliases) if (!merged.includes(alias)) merged.push(alias);
        if (merged.length > existing.aliases.length)
          tx.update(watchlist).set({ aliases: merged }).where(eq(watchlist.id, existing.id)).run();
      }
      appendAudit(tx, {
        eventKey: change.changeId,
        at: now,
        actor: change.actor,
        action: 'WATCHLIST_ENTRIES_ADDED',
        subjectType: 'watchlist',
        subjectId: 'watchlist',
        detail: { received: entries.length, added },
      });
      return { added, duplicates: entries.length - added };
    },
    { behavior: 'immediate' },
  );
}

/** Removes one entry, audited under `changeId`; false when there is no such entry. */
export function removeWatchlistEntry(
  db: AppDatabase,
  id: number,
  change: { changeId: string; actor: string },
): boolean {
  return db.transaction(
    (tx) => {
      const removed = tx.delete(watchlist).where(eq(watchlist.id, id)).run().changes === 1;
      if (removed)
        appendAudit(tx, {
          eventKey: change.changeId,
          at: new Date(),
          actor: change.actor,
          action: 'WATCHLIST_ENTRY_REMOVED',
          subjectType: 'watchlist',
          subjectId: String(id),
          detail: { entryId: id },
        });
      return removed;
    },
    { behavior: 'immediate' },
  );
}

export interface ActiveWalletRow {
  walletId: string;
  applicationId: string;
  /** When its application was made: entries listed since were not screened at onboarding. */
  appliedAt: Date;
}

/** A page of the ACTIVE wallets in id order; `afterWalletId` is the last id of the last page. */
export function activeWalletsPage(
  db: AppDatabase,
  page: { afterWalletId: string | null; limit: number },
): ActiveWalletRow[] {
  return db
    .select({
      walletId: wallets.id,
      applicationId: wallets.applicationId,
      appliedAt: applications.createdAt,
    })
    .from(wallets)
    .innerJoin(applications, eq(applications.id, wallets.applicationId))
    .where(
      and(
        eq(wallets.status, 'ACTIVE'),
        page.afterWalletId !== null ? gt(wallets.id, page.afterWalletId) : undefined,
      ),
    )
    .orderBy(asc(wallets.id))
    .limit(page.limit)
    .all();
}

/**
 * An alert on a wallet that a listed entry now matches; once per (wallet, entry), so that later
 * changes of the list do not raise it again. True when it is new.
 */
export function raiseWatchlistAlert(
  db: AppDatabase,
  alert: { walletId: string; entryId: number; score: number; changeId: string },
): boolean {
  return appendAudit(db, {
    eventKey: `watchlist-alert:${alert.walletId}:${alert.entryId}`,
    at: new Date(),
    actor: 'system',
    action: WATCHLIST_ALERT,
    subjectType: 'wallet',
    subjectId: alert.walletId,
    detail: { entryId: alert.entryId, score: alert.score, changeId: alert.changeId },
  });
}

export interface WatchlistAlertRow {
  id: number;
  at: Date;
  walletId: string;
  detail: Record<string, unknown> | null;
}

/** Alerts newest first; `cursor` is the last id of the previous page. */
export function listWatchlistAlerts(
  db: AppDatabase,
  page: { limit: number; cursor?: number },
): { items: WatchlistAlertRow[]; nextCursor?: number } {
  const rows = auditPage(db, {
    action: WATCHLIST_ALERT,
    ...(page.cursor !== undefined ? { beforeId: page.cursor } : {}),
    limit: page.limit + 1,
  }).map((row) => ({ id: row.id, at: row.at, walletId: row.subjectId, detail: row.detail }));
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, ...(rows.length > page.limit && last ? { nextCursor: last.id } : {}) };
}
