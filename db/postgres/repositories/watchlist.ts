// The watch list and the ops alerts a change of it raises, on PostgreSQL: as
// db/sqlite/repositories/watchlist.ts.
//
// An import reads each entry by its key, then inserts it or merges its aliases. SQLite runs
// imports one at a time (IMMEDIATE); here a transaction-scoped advisory lock does, across every
// process: two imports of overlapping lists would otherwise both insert an entry (one failing on
// the unique key) or deadlock on each other's new rows. Imports are rare staff actions.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import {
  WATCHLIST_ALERT,
  type ActiveWalletRow,
  type NewWatchlistEntry,
  type WatchlistAlertRow,
  type WatchlistRow,
} from '../../sqlite/repositories/watchlist';
import type { PgExecutor } from '../client';
import { applications, watchlist, wallets } from '../schema';
import { appendAudit, auditPage } from './audit-log';

export {
  WATCHLIST_ALERT,
  type ActiveWalletRow,
  type NewWatchlistEntry,
  type WatchlistAlertRow,
  type WatchlistRow,
};

const WATCHLIST_LOCK = sql`select pg_advisory_xact_lock(hashtext('wallet:watchlist'))`;

const columns = {
  id: watchlist.id,
  name: watchlist.name,
  aliases: watchlist.aliases,
  birthDate: watchlist.birthDate,
  source: watchlist.source,
  createdAt: watchlist.createdAt,
};

/** The whole list: it is small (thousands of entries) and fuzzy matching cannot use an index. */
export async function loadWatchlist(db: PgExecutor): Promise<WatchlistRow[]> {
  return db.select(columns).from(watchlist).orderBy(asc(watchlist.id));
}

/** A page of the list, oldest first; `cursor` is the last id of the previous page. */
export async function listWatchlist(
  db: PgExecutor,
  page: { limit: number; cursor?: number },
): Promise<{ items: WatchlistRow[]; nextCursor?: number }> {
  const rows = await db
    .select(columns)
    .from(watchlist)
    .where(page.cursor !== undefined ? gt(watchlist.id, page.cursor) : undefined)
    .orderBy(asc(watchlist.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, ...(rows.length > page.limit && last ? { nextCursor: last.id } : {}) };
}

const entryKey = (e: NewWatchlistEntry) => JSON.stringify([e.name, e.birthDate, e.source]);

/**
 * Adds entries; an entry already listed (same name, birth date and source) gains the aliases it
 * lacked and counts as a duplicate. The change is audited under `changeId`.
 */
export async function addWatchlistEntries(
  db: PgExecutor,
  entries: readonly NewWatchlistEntry[],
  change: { changeId: string; actor: string },
): Promise<{ added: number; duplicates: number }> {
  return db.transaction(async (tx) => {
    await tx.execute(WATCHLIST_LOCK);
    let added = 0;
    const now = new Date();
    for (const entry of entries) {
      const key = entryKey(entry);
      const [existing] = await tx
        .select({ id: watchlist.id, aliases: watchlist.aliases })
        .from(watchlist)
        .where(eq(watchlist.entryKey, key));
      if (!existing) {
        await tx.insert(watchlist).values({ ...entry, entryKey: key, createdAt: now });
        added++;
        continue;
      }
      const merged = [...existing.aliases];
      for (const alias of entry.aliases) if (!merged.includes(alias)) merged.push(alias);
      if (merged.length > existing.aliases.length)
        await tx.update(watchlist).set({ aliases: merged }).where(eq(watchlist.id, existing.id));
    }
    await appendAudit(tx, {
      eventKey: change.changeId,
      at: now,
      actor: change.actor,
      action: 'WATCHLIST_ENTRIES_ADDED',
      subjectType: 'watchlist',
      subjectId: 'watchlist',
      detail: { received: entries.length, added },
    });
    return { added, duplicates: entries.length - added };
  });
}

/** Removes one entry, audited under `changeId`; false when there is no such entry. */
export async function removeWatchlistEntry(
  db: PgExecutor,
  id: number,
  change: { changeId: string; actor: string },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    // A delete takes the row's lock: of two removals of one entry, the second deletes nothing.
    const removed = (await tx.delete(watchlist).where(eq(watchlist.id, id))).rowCount === 1;
    if (removed)
      await appendAudit(tx, {
        eventKey: change.changeId,
        at: new Date(),
        actor: change.actor,
        action: 'WATCHLIST_ENTRY_REMOVED',
        subjectType: 'watchlist',
        subjectId: String(id),
        detail: { entryId: id },
      });
    return removed;
  });
}

/** A page of the ACTIVE wallets in id order; `afterWalletId` is the last id of the last page. */
export async function activeWalletsPage(
  db: PgExecutor,
  page: { afterWalletId: string | null; limit: number },
): Promise<ActiveWalletRow[]> {
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
    .limit(page.limit);
}

/**
 * An alert on a wallet that a listed entry now matches; once per (wallet, entry), so that later
 * changes of the list do not raise it again. True when it is new.
 */
export async function raiseWatchlistAlert(
  db: PgExecutor,
  alert: { walletId: string; entryId: number; score: number; changeId: string },
): Promise<boolean> {
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

/** Alerts newest first; `cursor` is the last id of the previous page. */
export async function listWatchlistAlerts(
  db: PgExecutor,
  page: { limit: number; cursor?: number },
): Promise<{ items: WatchlistAlertRow[]; nextCursor?: number }> {
  const rows = (
    await auditPage(db, {
      action: WATCHLIST_ALERT,
      ...(page.cursor !== undefined ? { beforeId: page.cursor } : {}),
      limit: page.limit + 1,
    })
  ).map((row) => ({ id: row.id, at: row.at, walletId: row.subjectId, detail: row.detail }));
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, ...(rows.length > page.limit && last ? { nextCursor: last.id } : {}) };
}
