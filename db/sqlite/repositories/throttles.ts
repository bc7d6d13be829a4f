// Throttles counted in the app database, so that every API process shares them (SPEC §8): a
// sliding window of events per bucket and subject (a phone, a card, a client address), each
// subject stored only as a keyed hash. A hit is taken or refused in one IMMEDIATE transaction,
// so concurrent requests in several processes never both take the last one.
import { createHmac } from 'node:crypto';
import { and, count, eq, gte, lt, min } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { throttleHits } from '../schema';
import { deriveKey } from '../../../crypto/pii';

export interface ThrottleRule {
  bucket: string;
  max: number;
  windowMs: number;
}

export type ThrottleOutcome =
  { ok: true; hitId: number } | { ok: false; retryAfterSeconds: number };

/** Older rows than this are no window's business any more. */
const KEEP_MS = 24 * 3600_000;

function subjectOf(piiKey: Buffer, bucket: string, value: string): string {
  return createHmac('sha256', deriveKey(piiKey, 'blind-index:throttle'))
    .update(`${bucket}\n${value}`, 'utf8')
    .digest('hex');
}

/** Takes one hit of `rule` for `value`, or answers how long until one is free. */
export function takeThrottleHit(
  db: AppDatabase,
  piiKey: Buffer,
  rule: ThrottleRule,
  value: string,
  now = new Date(),
): ThrottleOutcome {
  const subject = subjectOf(piiKey, rule.bucket, value);
  const since = new Date(now.getTime() - rule.windowMs);
  return db.transaction(
    (tx): ThrottleOutcome => {
      const where = and(
        eq(throttleHits.bucket, rule.bucket),
        eq(throttleHits.subject, subject),
        gte(throttleHits.at, since),
      );
      const row = tx
        .select({ hits: count(), oldest: min(throttleHits.at) })
        .from(throttleHits)
        .where(where)
        .get();
      if (row && row.hits >= rule.max) {
        const oldest = row.oldest ? new Date(row.oldest).getTime() : now.getTime();
        const freeAt = oldest + rule.windowMs;
        return {
          ok: false,
          retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)),
        };
      }
      tx.delete(throttleHits)
        .where(lt(throttleHits.at, new Date(now.getTime() - Math.max(KEEP_MS, rule.windowMs))))
        .run();
      const hit = tx
        .insert(throttleHits)
        .values({ bucket: rule.bucket, subject, at: now })
        .returning({ id: throttleHits.id })
        .get();
      return { ok: true, hitId: hit.id };
    },
    { behavior: 'immediate' },
  );
}

/** Gives a hit back: what it was taken for did not happen (no code was sent). */
export function returnThrottleHit(db: AppDatabase, hitId: number): void {
  db.delete(throttleHits).where(eq(throttleHits.id, hitId)).run();
}
