// The watch list through the ops API (SPEC §1 step 5, §5): aliases, year-only dates, listing,
// removal, and the re-screen of active wallets after a change, which alerts and never freezes.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, wallets, watchlist } from '../../db/sqlite/schema';
import { onboardingWorkflowId } from '../../domain/contract';
import { PEOPLE } from '../fixtures/id-card';
import {
  bearer,
  driveToActive,
  driveToPendingReview,
  freshPerson,
  staffView,
} from '../helpers/onboarding';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';
import { erasePersonKey } from '../../db/sqlite/repositories/person-keys';

let stack: Stack;
let ops: Record<string, string>;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
  ops = bearer(stack.staffToken('ops'));
});
afterAll(async () => {
  await stack?.close();
});

const addEntries = (payload: Record<string, unknown>) =>
  stack.api.inject({ method: 'POST', url: '/v1/ops/watchlist', headers: ops, payload });
const alerts = async () => {
  const res = await stack.api.inject({ method: 'GET', url: '/v1/ops/alerts', headers: ops });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: { walletId: string; entryId: number; score: number }[] }>().items;
};

describe('watch-list entries', () => {
  it('keeps aliases and year-only birth dates, and lists them in pages', async () => {
    const added = await addEntries({
      entries: [
        { name: '  Zhang   San-feng ', birthDate: '1931', source: 'TEST', aliases: ['張三豐'] },
        { name: '赵 云', source: 'TEST', aliases: ['Zhao Yun', '赵云', ' Zhao  Yun '] },
      ],
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ count: 2, added: 2, duplicates: 0 });
    expect(added.json().rescreenWorkflowId).toMatch(/^watchlist-rescreen-/);

    const again = await addEntries({ name: '赵云', source: 'TEST', aliases: ['趙雲'] });
    expect(again.json()).toMatchObject({ count: 1, added: 0, duplicates: 1 });

    const first = await stack.api.inject({
      method: 'GET',
      url: '/v1/ops/watchlist?limit=1',
      headers: ops,
    });
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json();
    expect(page1.items).toEqual([
      expect.objectContaining({
        name: 'Zhang San-feng',
        birthDate: '1931',
        aliases: ['張三豐'],
      }),
    ]);
    const second = await stack.api.inject({
      method: 'GET',
      url: `/v1/ops/watchlist?limit=1&cursor=${page1.nextCursor}`,
      headers: ops,
    });
    expect(second.json().items).toEqual([
      expect.objectContaining({ name: '赵云', birthDate: null, aliases: ['Zhao Yun', '趙雲'] }),
    ]);
  });

  it('imports CSV with aliases separated by | or ;', async () => {
    const csv =
      '\uFEFFname,birthDate,source,aliases\n' +
      '孙 二娘,1960,CSV-TEST,"Sun Erniang|孫二娘"\n' +
      '"Gu, Dasao",,CSV-TEST,顾大嫂;Gu Dasao Jr\n';
    const res = await stack.api.inject({
      method: 'POST',
      url: '/v1/ops/watchlist',
      headers: { ...ops, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ count: 2, added: 2 });
    const rows = stack.database.db
      .select()
      .from(watchlist)
      .where(eq(watchlist.source, 'CSV-TEST'))
      .all();
    expect(rows.map((r) => [r.name, r.birthDate, r.aliases])).toEqual([
      ['孙二娘', '1960', ['Sun Erniang', '孫二娘']],
      ['Gu, Dasao', null, ['顾大嫂', 'Gu Dasao Jr']],
    ]);
    for (const bad of [
      'name,source\n"unclosed,UN\n',
      'nom,source\n张三,UN\n',
      'name,birthDate,source\n张三,1990-02-30,UN\n',
    ]) {
      const refused = await stack.api.inject({
        method: 'POST',
        url: '/v1/ops/watchlist',
        headers: { ...ops, 'content-type': 'text/csv' },
        payload: bad,
      });
      expect(refused.statusCode, bad).toBe(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
    }
  });

  it.each([
    [{ name: '钱多多', source: 'UN', birthDate: '1970-02-30' }],
    [{ name: '钱多多', source: 'UN', birthDate: '197' }],
    [{ name: '钱多多', source: 'UN', birthDate: '1970-1-2' }],
    [{ name: '钱多多', source: 'UN', aliases: 'Qian Duoduo' }],
    [{ name: '钱多多', source: 'UN', aliases: [''] }],
    [{ entries: [{ name: '钱多多', source: 'UN', birthDate: '1970-13-01' }] }],
  ])('answers 400 problem+json for %j', async (payload) => {
    const res = await addEntries(payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('removes an entry, audited, and answers 404 for an unknown one', async () => {
    const added = await addEntries({ name: '待删除', source: 'TEST-DELETE' });
    expect(added.statusCode).toBe(201);
    const row = stack.database.db
      .select({ id: watchlist.id })
      .from(watchlist)
      .where(eq(watchlist.source, 'TEST-DELETE'))
      .get()!;
    const url = `/v1/ops/watchlist/${row.id}`;
    const removed = await stack.api.inject({ method: 'DELETE', url, headers: ops });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toMatchObject({ removed: String(row.id) });
    const audit = stack.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'WATCHLIST_ENTRY_REMOVED'))
      .all();
    expect(audit).toEqual([
      expect.objectContaining({ subjectType: 'watchlist', subjectId: String(row.id) }),
    ]);
    const twice = await stack.api.inject({ method: 'DELETE', url, headers: ops });
    expect(twice.statusCode).toBe(404);
    expect(twice.headers['content-type']).toContain('application/problem+json');
    const reviewer = await stack.api.inject({
      method: 'DELETE',
      url,
      headers: bearer(stack.staffToken('reviewer')),
    });
    expect(reviewer.statusCode).toBe(403);
  });
});

describe('screening with the new matching', () => {
  it('shows reviewers a traditional-script hit with its score', async () => {
    const a = freshPerson(PEOPLE[3]!);
    const year = a.person.idNumber.slice(6, 10);
    expect(
      (await addEntries({ name: '歐陽曉嵐', birthDate: year, source: 'TEST-T' })).statusCode,
    ).toBe(201);
    const { id } = await driveToPendingReview(stack, a);
    const view = await staffView(stack, id);
    expect(view.review.riskLevel).toBe('HIGH');
    expect(view.review.flags).toContainEqual(
      expect.objectContaining({
        code: 'WATCHLIST_MATCH',
        score: 0.85,
        detail: expect.stringContaining('score 0.85'),
      }),
    );
  });
});

describe('re-screening active wallets after a change of the list', () => {
  it('alerts ops once about an active wallet that a new entry matches, and does not freeze it', async () => {
    const owner = freshPerson(PEOPLE[0]!); // 李文涛
    const bystander = freshPerson(PEOPLE[1]!); // 陈思琪
    const { walletId } = await driveToActive(stack, owner);
    const { walletId: otherWallet } = await driveToActive(stack, bystander);

    const before = (await alerts()).length;
    const added = await addEntries({
      name: 'LI Wen-tao',
      birthDate: owner.person.idNumber.slice(6, 10),
      source: 'TEST-RESCREEN',
    });
    expect(added.statusCode, added.body).toBe(201);
    const raised = await eventually(alerts, (items) => items.length > before);
    const entry = stack.database.db
      .select({ id: watchlist.id })
      .from(watchlist)
      .where(eq(watchlist.source, 'TEST-RESCREEN'))
      .get()!;
    expect(raised.slice(0, raised.length - before)).toEqual([
      expect.objectContaining({ walletId, entryId: entry.id, score: 0.77 }),
    ]);
    const row = stack.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'WATCHLIST_ALERT'))
      .all()
      .find((r) => r.subjectId === walletId)!;
    // Ids and a score only: nothing of the person.
    expect(Object.keys(row.detail ?? {}).sort()).toEqual(['changeId', 'entryId', 'score']);
    expect(JSON.stringify(row.detail)).not.toContain(owner.person.idNumber);

    // Another change re-screens again without raising the same alert twice.
    const other = await addEntries({ name: '与此无关', source: 'TEST-RESCREEN-2' });
    await stack.temporalClient.workflow.getHandle(other.json().rescreenWorkflowId).result();
    expect((await alerts()).filter((a) => a.walletId === walletId)).toHaveLength(1);
    expect((await alerts()).filter((a) => a.walletId === otherWallet)).toHaveLength(0);

    const status = (id: string) =>
      stack.database.db.select({ s: wallets.status }).from(wallets).where(eq(wallets.id, id)).get()
        ?.s;
    expect(status(walletId)).toBe('ACTIVE');
    const wallet = await stack.api.inject({
      method: 'GET',
      url: `/v1/wallets/${walletId}`,
      headers: ops,
    });
    expect(wallet.json().status).toBe('ACTIVE');
  });

  it('skips a wallet whose person was erased, and still finishes', async () => {
    const owner = freshPerson(PEOPLE[2]!); // 买买提·艾力
    const { walletId, applicationId } = await driveToActive(stack, owner);
    // Let the onboarding workflow send its last notice before the key goes.
    await stack.temporalClient.workflow.getHandle(onboardingWorkflowId(applicationId)).result();
    const personId = stack.database.db
      .select({ p: wallets.personId })
      .from(wallets)
      .where(eq(wallets.id, walletId))
      .get()!.p;
    erasePersonKey(stack.database.db, personId);
    const added = await addEntries({ name: 'Maimaiti Aili', source: 'TEST-ERASED' });
    expect(added.statusCode, added.body).toBe(201);
    const result = await stack.temporalClient.workflow
      .getHandle(added.json().rescreenWorkflowId)
      .result();
    expect(result).toMatchObject({ alerts: 0 });
    expect((await alerts()).filter((a) => a.walletId === walletId)).toEqual([]);
  });

  it('answers 400 problem+json for bad ids and pages', async () => {
    for (const [method, url] of [
      ['DELETE', '/v1/ops/watchlist/abc'],
      ['DELETE', '/v1/ops/watchlist/0'],
      ['DELETE', '/v1/ops/watchlist/99999999999999999999'],
      ['GET', '/v1/ops/alerts?limit=0'],
      ['GET', '/v1/ops/alerts?cursor=abc'],
      ['GET', '/v1/ops/watchlist?limit=101'],
    ] as const) {
      const res = await stack.api.inject({ method, url, headers: ops });
      expect(res.statusCode, `${method} ${url}`).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('lists alerts for ops only', async () => {
    const reviewer = await stack.api.inject({
      method: 'GET',
      url: '/v1/ops/alerts',
      headers: bearer(stack.staffToken('reviewer')),
    });
    expect(reviewer.statusCode).toBe(403);
  });
});
