// The review queue (GET /v1/reviews) on PostgreSQL: applications in one status, oldest change
// first, paged by (updated_at, id) so that a page boundary never skips or repeats a case.
import { and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import type { PgExecutor } from '../client';
import { applications } from '../schema';

export type ApplicationRow = typeof applications.$inferSelect;

export async function applicationsInStatus(
  db: PgExecutor,
  status: string,
  { limit, after }: { limit: number; after?: { updatedAt: Date; id: string } },
): Promise<ApplicationRow[]> {
  const conditions: SQL[] = [eq(applications.status, status)];
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
