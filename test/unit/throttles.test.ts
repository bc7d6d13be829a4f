// The database throttles (db/sqlite/repositories/throttles.ts) on a real SQLite file, through two
// connections as two API processes would hold them: one count, whoever takes the hit.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/sqlite/client';
import { throttleHits } from '../../db/sqlite/schema';
import { returnThrottleHit, takeThrottleHit } from '../../db/sqlite/repositories/throttles';

const master = randomBytes(32);
const dir = mkdtempSync(join(tmpdir(), 'wallet-throttles-'));
const first = openDatabase(join(dir, 'app.db'));
const second = openDatabase(join(dir, 'app.db'));
afterAll(() => {
  first.close();
  second.close();
  rmSync(dir, { recursive: true, force: true });
});

const rule = { bucket: 'test', max: 3, windowMs: 60_000 };

describe('database throttles', () => {
  it('counts hits from two connections together and says when the next one is free', () => {
    const t0 = new Date('2026-12-01T10:00:00Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    expect(takeThrottleHit(first.db, master, rule, '13800138000', at(0)).ok).toBe(true);
    expect(takeThrottleHit(second.db, master, rule, '13800138000', at(10)).ok).toBe(true);
    expect(takeThrottleHit(first.db, master, rule, '13800138000', at(20)).ok).toBe(true);
    expect(takeThrottleHit(second.db, master, rule, '13800138000', at(30))).toEqual({
      ok: false,
      retryAfterSeconds: 30,
    });
    // Another subject has its own count; the window slides.
    expect(takeThrottleHit(second.db, master, rule, '13900139000', at(30)).ok).toBe(true);
    expect(takeThrottleHit(first.db, master, rule, '13800138000', at(61)).ok).toBe(true);
  });

  it('gives a hit back, and stores no subject in clear', () => {
    const now = new Date('2026-12-02T10:00:00Z');
    const hits = [1, 2, 3].map(() => takeThrottleHit(first.db, master, rule, 'card-4111', now));
    expect(takeThrottleHit(first.db, master, rule, 'card-4111', now).ok).toBe(false);
    const taken = hits[0]!;
    if (!taken.ok) throw new Error('expected a hit');
    returnThrottleHit(second.db, taken.hitId);
    expect(takeThrottleHit(first.db, master, rule, 'card-4111', now).ok).toBe(true);
    const subjects = first.db.select({ subject: throttleHits.subject }).from(throttleHits).all();
    expect(subjects.every((r) => /^[0-9a-f]{64}$/.test(r.subject))).toBe(true);
  });
});
