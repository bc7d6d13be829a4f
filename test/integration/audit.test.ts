// The audit log (SPEC §6) through a whole life on the real stack: every status change and staff
// action is a row with its actor; the table refuses UPDATE and DELETE; no row holds the person's
// data, before or after erasure; only ops read it through the API.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/sqlite/schema';
import { PEOPLE } from '../fixtures/id-card';
import { closeWallet, freezeAndUnfreeze } from '../helpers/full-flow';
import {
  bearer,
  driveToActive,
  freshPerson,
  staffView,
  type Applicant,
} from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let person: Applicant;
let applicationId: string;
let walletId: string;

beforeAll(async () => {
  stack = await startStack({}, { photo: true });
  person = freshPerson(PEOPLE[0]!);
  const opened = await driveToActive(stack, person, 'rita');
  ({ applicationId, walletId } = opened);
  // Staff look at the person's data unmasked.
  await staffView(stack, applicationId);
  const photo = await stack.api.inject({
    method: 'GET',
    url: `/v1/applications/${applicationId}/id-photo`,
    headers: bearer(stack.staffToken('ops', 'oscar')),
  });
  expect(photo.statusCode).toBe(200);
  await freezeAndUnfreeze(stack, walletId, 'olga');
  await closeWallet(stack, walletId, opened.token);
});
afterAll(async () => {
  await stack?.close();
});

const rowsFor = (subjectId: string) =>
  stack.database.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.subjectId, subjectId))
    .orderBy(auditLog.id)
    .all();

async function auditPage(query: string, token = stack.staffToken('ops', 'olga')) {
  return stack.api.inject({ method: 'GET', url: `/v1/ops/audit?${query}`, headers: bearer(token) });
}

describe('audit log', () => {
  it('records the application status changes, the decision with its reviewer, and staff reads', () => {
    const rows = rowsFor(applicationId);
    const statuses = rows
      .filter((r) => r.action === 'APPLICATION_STATUS_CHANGED')
      .map((r) => r.detail?.status);
    expect(statuses).toEqual(
      expect.arrayContaining(['AWAITING_PHONE_VERIFICATION', 'PENDING_REVIEW', 'ACTIVE']),
    );
    expect(rows.every((r) => r.actor && r.at instanceof Date)).toBe(true);
    const decision = rows.filter((r) => r.action === 'REVIEW_APPROVED');
    expect(decision).toHaveLength(1);
    expect(decision[0]).toMatchObject({
      actor: 'reviewer:rita',
      subjectType: 'application',
      detail: { decision: 'APPROVE' },
    });
    const views = rows.filter((r) => r.action === 'VIEWED_PERSONAL_DATA');
    expect(views.map((r) => [r.actor, r.detail?.view])).toEqual(
      expect.arrayContaining([
        ['reviewer:rita', 'APPLICATION'],
        ['ops:oscar', 'ID_PHOTO'],
      ]),
    );
  });

  it('records the wallet from creation to closure, the ops freeze by name, and the deregistration', () => {
    const rows = rowsFor(walletId);
    const actions = rows.map((r) => [r.action, r.actor]);
    expect(actions.filter(([a]) => a !== 'DEREGISTRATION_STATUS_CHANGED')).toEqual([
      ['WALLET_CREATED', 'system'],
      ['WALLET_FROZEN', 'ops:olga'],
      ['WALLET_UNFROZEN', 'ops:olga'],
      ['WALLET_CLOSED', 'owner'],
    ]);
    const dereg = rows
      .filter((r) => r.action === 'DEREGISTRATION_STATUS_CHANGED')
      .map((r) => r.detail?.status);
    expect(dereg).toEqual(expect.arrayContaining(['AWAITING_CONFIRMATION', 'CLOSED']));
  });

  it("holds none of the person's data, after the erasure too", () => {
    const all = JSON.stringify(stack.database.db.select().from(auditLog).all());
    const { person: p, phone, card } = person;
    const digits = card.replace(/\D/g, '');
    for (const secret of [p.name, p.idNumber, phone, card, digits])
      expect(all).not.toContain(secret);
  });

  it('refuses UPDATE and DELETE at the SQL level', () => {
    const { sqlite } = stack.database;
    const before = sqlite.prepare('select count(*) as n from audit_log').get() as { n: number };
    expect(() => sqlite.prepare("update audit_log set actor = 'someone-else'").run()).toThrow(
      /append-only/,
    );
    expect(() =>
      sqlite.prepare('update audit_log set detail = null where subject_id = ?').run(walletId),
    ).toThrow(/append-only/);
    expect(() => sqlite.prepare('delete from audit_log').run()).toThrow(/append-only/);
    expect(() =>
      sqlite.prepare('delete from audit_log where subject_id = ?').run(walletId),
    ).toThrow(/append-only/);
    const after = sqlite.prepare('select count(*) as n from audit_log').get() as { n: number };
    expect(after.n).toBe(before.n);
    // Adding stays possible.
    sqlite
      .prepare(
        "insert into audit_log (event_key, at, actor, action, subject_type, subject_id) values (?, ?, 'system', 'TEST', 'test', 'x')",
      )
      .run(`test:${Date.now()}`, Date.now());
  });

  it('is readable by ops, newest first, filtered and paged', async () => {
    const res = await auditPage(`subjectType=wallet&subjectId=${walletId}&limit=2`);
    expect(res.statusCode, res.body).toBe(200);
    const first = res.json();
    expect(first.items).toHaveLength(2);
    expect(first.items[0]).toMatchObject({ subjectType: 'wallet', subjectId: walletId });
    expect(Number(first.items[0].id)).toBeGreaterThan(Number(first.items[1].id));
    expect(first.nextCursor).toBeDefined();
    const all: { id: string; action: string }[] = [...first.items];
    let cursor: string | undefined = first.nextCursor;
    while (cursor) {
      const page = (
        await auditPage(`subjectType=wallet&subjectId=${walletId}&limit=2&cursor=${cursor}`)
      ).json();
      all.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(all.map((r) => r.action).reverse()).toEqual(rowsFor(walletId).map((r) => r.action));
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);

    const byActor = (await auditPage('actor=reviewer%3Arita')).json();
    expect(byActor.items.length).toBeGreaterThan(0);
    expect(byActor.items.every((r: { actor: string }) => r.actor === 'reviewer:rita')).toBe(true);
    expect(byActor.items.map((r: { action: string }) => r.action)).toContain('REVIEW_APPROVED');

    expect((await auditPage('cursor=abc')).statusCode).toBe(400);
    expect((await auditPage('limit=1000')).statusCode).toBe(400);
  });

  it('is refused to reviewers, applicants and anonymous callers', async () => {
    expect((await auditPage('', stack.staffToken('reviewer', 'rita'))).statusCode).toBe(403);
    const anonymous = await stack.api.inject({ method: 'GET', url: '/v1/ops/audit' });
    expect(anonymous.statusCode).toBe(401);
  });
});
