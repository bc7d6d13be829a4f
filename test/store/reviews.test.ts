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
    expect(await b.store.reviewSnapshotsOf(master, ['app-1', 'no-such-app'])).toEqual({
      'app-1': snapshot,
    });
    await a.erasePersonKey(personIdOf(master, ID_NUMBER));
    expect(await a.readReviewSnapshot(master, 'app-1')).toBeNull();
    expect(await b.store.reviewSnapshotsOf(master, ['app-1'])).toEqual({ 'app-1': null });
    expect(await b.store.reviewSnapshotsOf(master, [])).toEqual({});
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
    expect(await b.store.reviewSnapshotsOf(master, ['app-anon'])).toEqual({
      'app-anon': { ok: true },
    });
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

  it('filters the whole queue by risk and by claim, pages and counts under the filter', async () => {
    const at = Date.now() - 3_600_000;
    const risks = ['LOW', 'HIGH', 'HIGH', 'MEDIUM', 'HIGH', 'HIGH', 'LOW'];
    for (const [i, risk] of risks.entries()) {
      const ms = at + i * 1000;
      const time = database.dialect === 'sqlite' ? String(ms) : `to_timestamp(${ms} / 1000.0)`;
      await b.exec(
        `insert into applications (id, status, next_action, status_seq, created_at, updated_at, risk_level)
         values ('f-${i}', 'IN_FILTER_TEST', 'WAIT_FOR_REVIEW', 1, ${time}, ${time}, '${risk}')`,
      );
    }
    const claimed = database.dialect === 'sqlite' ? String(at) : `to_timestamp(${at} / 1000.0)`;
    for (const [id, reviewer] of [
      ['f-1', 'reviewer:rita'],
      ['f-4', 'reviewer:rita'],
      ['f-2', 'reviewer:rex'],
      ['f-6', 'reviewer:rita'],
    ])
      await b.exec(
        `insert into case_claims (application_id, reviewer, claimed_at) values ('${id}', '${reviewer}', ${claimed})`,
      );
    const all = async (filter: { riskLevel?: string; claimedBy?: string | null }) => {
      const seen: string[] = [];
      let after: { updatedAt: Date; id: string } | undefined;
      for (;;) {
        const page = await a.applicationsInStatus('IN_FILTER_TEST', {
          ...filter,
          limit: 2,
          ...(after ? { after } : {}),
        });
        if (!page.length) break;
        seen.push(...page.map((r) => r.id));
        const last = page[page.length - 1]!;
        after = { updatedAt: last.updatedAt, id: last.id };
      }
      expect(await b.store.countApplicationsInStatus('IN_FILTER_TEST', filter)).toBe(seen.length);
      return seen;
    };
    expect(await all({})).toEqual(['f-0', 'f-1', 'f-2', 'f-3', 'f-4', 'f-5', 'f-6']);
    expect(await all({ riskLevel: 'HIGH' })).toEqual(['f-1', 'f-2', 'f-4', 'f-5']);
    expect(await all({ claimedBy: 'reviewer:rita' })).toEqual(['f-1', 'f-4', 'f-6']);
    expect(await all({ claimedBy: null })).toEqual(['f-0', 'f-3', 'f-5']);
    expect(await all({ riskLevel: 'HIGH', claimedBy: null })).toEqual(['f-5']);
    expect(await all({ riskLevel: 'HIGH', claimedBy: 'reviewer:rex' })).toEqual(['f-2']);
    expect(await all({ riskLevel: 'LOW', claimedBy: 'reviewer:nobody' })).toEqual([]);
  });
});
