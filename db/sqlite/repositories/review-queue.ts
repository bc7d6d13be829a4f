// The review queue (GET /v1/reviews): applications in one status, oldest change first, paged by
// (updated_at, id) so that a page boundary never skips or repeats a case. The console's filters
// (risk level, claimed by someone / unclaimed) are conditions of the same query, so that a page
// is a page of the whole filtered queue, not a filtered page.
import { and, asc, count, eq, exists, gt, notExists, or, sql, type SQL } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { applications, caseClaims } from '../schema';

export type ApplicationRow = typeof applications.$inferSelect;

export interface QueueFilter {
  riskLevel?: string;
  /** A reviewer (`reviewer:<name>`): only the cases they hold; null: only unclaimed cases. */
  claimedBy?: string | null;
}

export interface QueuePageOptions extends QueueFilter {
  limit: number;
  after?: { updatedAt: Date; id: string };
}

function conditionsOf(db: AppDatabase, status: string, filter: QueueFilter): SQL[] {
  const conditions: SQL[] = [eq(applications.status, status)];
  if (filter.riskLevel !== undefined) conditions.push(eq(applications.riskLevel, filter.riskLevel));
  if (filter.claimedBy !== undefined) {
    const held = db
      .select({ one: sql`1` })
      .from(caseClaims)
      .where(
        and(
          eq(caseClaims.applicationId, applications.id),
          ...(filter.claimedBy === null ? [] : [eq(caseClaims.reviewer, filter.claimedBy)]),
        ),
      );
    conditions.push(filter.claimedBy === null ? notExists(held) : exists(held));
  }
  return conditions;
}

export function applicationsInStatus(
  db: AppDatabase,
  status: string,
  { limit, after, ...filter }: QueuePageOptions,
): ApplicationRow[] {
  const conditions = conditionsOf(db, status, filter);
  if (after)
    conditions.push(
      or(
        gt(applications.updatedAt, after.updatedAt),
        and(eq(applications.updatedAt, after.updatedAt), gt(applications.id, after.id)),
      )!,
    );
  return db
    .select()
    .from(applications)
    .where(and(...conditions))
    .orderBy(asc(applications.updatedAt), asc(applications.id))
    .limit(limit)
    .all();
}

/**
 * How many cases the filtered queue holds in all (the console shows it above the pages). The
 * unclaimed ones are counted as all minus the claimed ones: the claims are few, and a NOT EXISTS
 * per pending case made this the page's dearest query.
 */
export function countApplicationsInStatus(
  db: AppDatabase,
  status: string,
  filter: QueueFilter = {},
): number {
  const countOf = (f: QueueFilter) =>
    db
      .select({ n: count() })
      .from(applications)
      .where(and(...conditionsOf(db, status, f)))
      .get()!.n;
  if (filter.claimedBy !== null) return countOf(filter);
  const { claimedBy: _unclaimed, ...rest } = filter;
  return countOf(rest) - claimedCount(db, status, rest);
}

function claimedCount(db: AppDatabase, status: string, filter: QueueFilter): number {
  return db
    .select({ n: count() })
    .from(caseClaims)
    .innerJoin(applications, eq(applications.id, caseClaims.applicationId))
    .where(and(...conditionsOf(db, status, filter)))
    .get()!.n;
}
