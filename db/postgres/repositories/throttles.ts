// Throttles counted in the app database on PostgreSQL, shared by every API process (SPEC §8); see
// db/sqlite/repositories/throttles.ts. A hit is counted and taken under a transaction-scoped
// advisory lock on its bucket and subject: the stand-in for SQLite's IMMEDIATE transaction, so
// that concurrent requests in several processes never both take the last one.
import { createHmac } from 'node:crypto';
import { and, count, eq, gte, lt, min, sql } from 'drizzle-orm';
import { deriveKey } from '../../../crypto/pii';
import type { ThrottleOutcome, ThrottleRule } from '../../sqlite/repositories/throttles';
import type { PgExecutor } from '../client';
import { throttleHits } from '../schema';

export type { ThrottleOutcome, ThrottleRule };

/** Older rows than this are no window's business any more. */
const KEEP_MS = 24 * 3600_000;

function subjectOf(piiKey: Buffer, bucket: string, value: string): string {
  return createHmac('sha256', deriveKey(piiKey, 'blind-index:throttle'))
    .update(`${bucket}\n${value}`, 'utf8')
    .digest('hex');
}

/** Takes one hit of `rule` for `value`, or answers how long until one is free. */
export async function takeThrottleHit(
  db: PgExecutor,
  piiKey: Buffer,
  rule: ThrottleRule,
  value: string,
  now = new Date(),
): Promise<ThrottleOutcome> {
  const subject = subjectOf(piiKey, rule.bucket, value);
  const since = new Date(now.getTime() - rule.windowMs);
  return db.transaction(async (tx): Promise<ThrottleOutcome> => {
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`throttle:${rule.bucket}:${subject}`}, 0))`,
    );
    const [row] = await tx
      .select({ hits: count(), oldest: min(throttleHits.at) })
      .from(throttleHits)
      .where(
        and(
          eq(throttleHits.bucket, rule.bucket),
          eq(throttleHits.subject, subject),
          gte(throttleHits.at, since),
        ),
      );
    if (row && row.hits >= rule.max) {
      const oldest = row.oldest ? new Date(row.oldest).getTime() : now.getTime();
      const freeAt = oldest + rule.windowMs;
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)),
      };
    }
    await tx
      .delete(throttleHits)
      .where(lt(throttleHits.at, new Date(now.getTime() - Math.max(KEEP_MS, rule.windowMs))));
    const [hit] = await tx
      .insert(throttleHits)
      .values({ bucket: rule.bucket, subject, at: now })
      .returning({ id: throttleHits.id });
    return { ok: true, hitId: hit!.id };
  });
}

/** Gives a hit back: what it was taken for did not happen (no code was sent). */
export async function returnThrottleHit(db: PgExecutor, hitId: number): Promise<void> {
  await db.delete(throttleHits).where(eq(throttleHits.id, hitId));
}
