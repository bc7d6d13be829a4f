// Throttles counted in the app database on PostgreSQL, shared by every API process (SPEC §8); see
// db/sqlite/repositories/throttles.ts. A hit is counted and taken under a transaction-scoped
// advisory lock on its bucket and subject: the stand-in for SQLite's IMMEDIATE transaction, so
// that concurrent requests in several processes never both take the last one.
import { createHmac } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
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
  const expiredBefore = new Date(now.getTime() - Math.max(KEEP_MS, rule.windowMs));
  return db.transaction(async (tx): Promise<ThrottleOutcome> => {
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`throttle:${rule.bucket}:${subject}`}, 0))`,
    );
    // The count, and when there is room the clean-up and the hit, in one round trip: its snapshot
    // is taken after the lock above, so it sees every hit committed under it. The clean-up only
    // touches rows older than any window, which the count does not read.
    const { rows } = await tx.execute<{ hits: number; oldest: string | null; id: string | null }>(
      sql`with counted as (
            select count(*)::int as hits, min(at) as oldest from throttle_hits
             where bucket = ${rule.bucket} and subject = ${subject} and at >= ${since}::timestamptz
          ), expired as (
            delete from throttle_hits
             where at < ${expiredBefore}::timestamptz and (select hits from counted) < ${rule.max}::int
          ), taken as (
            insert into throttle_hits (bucket, subject, at)
            select ${rule.bucket}::text, ${subject}::text, ${now}::timestamptz
             where (select hits from counted) < ${rule.max}::int
            returning id
          )
          select hits, oldest, (select id from taken) as id from counted`,
    );
    const row = rows[0]!;
    if (row.id === null) {
      const oldest = row.oldest ? new Date(row.oldest).getTime() : now.getTime();
      const freeAt = oldest + rule.windowMs;
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)),
      };
    }
    return { ok: true, hitId: Number(row.id) };
  });
}

/** Gives a hit back: what it was taken for did not happen (no code was sent). */
export async function returnThrottleHit(db: PgExecutor, hitId: number): Promise<void> {
  await db.delete(throttleHits).where(eq(throttleHits.id, hitId));
}
