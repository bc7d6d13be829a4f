// The review queue and the reviewers' snapshots on both databases: pages that never skip or
// repeat a case, snapshots sealed under the person's key and gone with it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personIdOf } from '../../crypto/pii';
import type { Store } from '../../db/store';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const master = randomBytes(32);
const ID_NUMBER = '11010519491231002X';

describe.each(DIALECTS)('reviews on $dialect', ({ fresh }) => {
  let database: TestDatabase;
  let a: Store;
  let b: OpenedStore;
  beforeAll(async () => {
    database = await fresh();
    a = (await database.open()).store;
    b = await database.open();
  });
  afterAll(() => database.close());

  const due = new Date(Date.now() + 86_400_000);

  it('saves a snapshot sealed under the person, readable until they are erased', async () => {
    const snapshot = { name: '张三', flags: ['WATCHLIST_HIT'] };
    await a.saveReviewSnapshot(master, {
      applicationId: 'app-1',
      riskLevel: 'HIGH',
      reviewDueAt: due,
      snapshot,
      idNumber: ID_NUMBER,
    });
    expect(await b.store.readReviewSnapshot(master, 'app-1')).toEqual(snapshot);
    expect(
      JSON.stringify(await b.exec("select * from applications where id = 'app-1'")),
    ).not.toContain('张三');
    const [row] = await a.applicationsInStatus('PENDING_REVIEW', { limit: 5 });
    expect(row).toMatchObject({ id: 'app-1', riskLevel: 'HIGH', statusSeq: 0, reviewDueAt: due });
    await a.erasePersonKey(personIdOf(master, ID_NUMBER));
    expect(await a.readReviewSnapshot(master, 'app-1')).toBeNull();
    expect(await a.readReviewSnapshot(master, 'no-such-app')).toBeNull();
  });

  it('seals under the master key an application that claimed no one', async () => {
    await a.saveReviewSnapshot(master, {
      applicationId: 'app-anon',
      riskLevel: 'LOW',
      reviewDueAt: null,
      snapshot: { ok: true },
    });
    expect(await a.readReviewSnapshot(master, 'app-anon')).toEqual({ ok: true });
  });

  it('pages the queue by (updated_at, id) without skipping or repeating a case', async () => {
    // Five cases changed at the same instant, and two later: pages of two.
    const same = Date.now() - 120_000;
    for (let i = 0; i < 7; i++) {
      const ms = i < 5 ? same : same + i * 1000;
      const time = database.dialect === 'sqlite' ? String(ms) : `to_timestamp(${ms} / 1000.0)`;
      await b.exec(
        `insert into applications (id, status, next_action, status_seq, created_at, updated_at)
         values ('q-${i}', 'PENDING_REVIEW', 'WAIT_FOR_REVIEW', 1, ${time}, ${time})`,
      );
    }
    const seen: string[] = [];
    let after: { updatedAt: Date; id: string } | undefined;
    for (;;) {
      const page = await b.store.applicationsInStatus('PENDING_REVIEW', {
        limit: 2,
        ...(after ? { after } : {}),
      });
      if (!page.length) break;
      seen.push(...page.map((r) => r.id));
      const last = page[page.length - 1]!;
      after = { updatedAt: last.updatedAt, id: last.id };
    }
    expect(seen.filter((id) => id.startsWith('q-'))).toEqual([
      'q-0',
      'q-1',
      'q-2',
      'q-3',
      'q-4',
      'q-5',
      'q-6',
    ]);
  });
});
