// The review queue (GET /v1/reviews) on PostgreSQL: applications in one status, oldest change
// first, paged by (updated_at, id) so that a page boundary never skips or repeats a case. The
// console's filters are conditions of the same query (see the SQLite twin).
import { and, asc, count, eq, exists, gt, notExists, or, sql, type SQL } from 'drizzle-orm';
import type { PgExecutor } from '../client';
import { applications, caseClaims } from '../schema';
import type { QueueFilter, QueuePageOptions } from '../../sqlite/repositories/review-queue';

export type ApplicationRow = typeof applications.$inferSelect;
export type { QueueFilter, QueuePageOptions };

function conditionsOf(db: PgExecutor, status: string, filter: QueueFilter): SQL[] {
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

export async function applicationsInStatus(
  db: PgExecutor,
  status: string,
  { limit, after, ...filter }: QueuePageOptions,
): Promise<ApplicationRow[]> {
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
    .limit(limit);
}

/** How many cases the filtered queue holds in all; unclaimed = all − claimed (see SQLite's). */
export async function countApplicationsInStatus(
  db: PgExecutor,
  status: string,
  filter: QueueFilter = {},
): Promise<number> {
  const countOf = async (f: QueueFilter) => {
    const [row] = await db
      .select({ n: count() })
      .from(applications)
      .where(and(...conditionsOf(db, status, f)));
    return row!.n;
  };
  if (filter.claimedBy !== null) return countOf(filter);
  const { claimedBy: _unclaimed, ...rest } = filter;
  const [claimed] = await db
    .select({ n: count() })
    .from(caseClaims)
    .innerJoin(applications, eq(applications.id, caseClaims.applicationId))
    .where(and(...conditionsOf(db, status, rest)));
  return (await countOf(rest)) - claimed!.n;
}
