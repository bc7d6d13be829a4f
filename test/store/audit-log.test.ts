// The audit log through the Store on both databases: idempotent appends, pages, and the
// database's own refusal to change or remove a row (SPEC §6: append-only), whatever SQL reaches it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, type Harness } from './harness';

describe.each(STORES)('audit log on $dialect', ({ open }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  const row = (
    subjectId: string,
    action: string,
    detail: Record<string, unknown> | null = null,
  ) => ({
    eventKey: `test:${randomUUID()}`,
    at: new Date(),
    actor: 'ops:olga',
    action,
    subjectType: 'wallet',
    subjectId,
    detail,
  });

  it('appends a row once per event key and answers its detail', async () => {
    const first = row('w1', 'WALLET_FROZEN', { reason: 'court order', n: 1 });
    expect(await h.store.appendAudit(first)).toBe(true);
    expect(await h.store.appendAudit({ ...first, action: 'OTHER' })).toBe(false);
    expect(await h.store.auditDetailOf(first.eventKey)).toEqual({ reason: 'court order', n: 1 });
    expect(await h.store.auditDetailOf('no-such-key')).toBeNull();
  });

  it('pages newest first, filtered, before a row id', async () => {
    const subject = `w_${randomUUID()}`;
    await h.store.appendAuditRows(
      Array.from({ length: 5 }, (_, i) => row(subject, i % 2 ? 'ODD' : 'EVEN', { i })),
    );
    const page = await h.store.auditPage({ subjectType: 'wallet', subjectId: subject, limit: 2 });
    expect(page.map((r) => r.detail)).toEqual([{ i: 4 }, { i: 3 }]);
    expect(page[0]!.at).toBeInstanceOf(Date);
    expect(page[0]!.recordedAt).toBeInstanceOf(Date);
    const next = await h.store.auditPage({
      subjectId: subject,
      beforeId: page[1]!.id,
      limit: 10,
    });
    expect(next.map((r) => r.detail)).toEqual([{ i: 2 }, { i: 1 }, { i: 0 }]);
    const odd = await h.store.auditPage({ subjectId: subject, action: 'ODD', limit: 10 });
    expect(odd.map((r) => r.detail)).toEqual([{ i: 3 }, { i: 1 }]);
  });

  it('refuses UPDATE and DELETE of its rows in the database itself', async () => {
    const kept = row(`w_${randomUUID()}`, 'KEPT', { reason: 'x' });
    await h.store.appendAudit(kept);
    const where = `where event_key = '${kept.eventKey}'`;
    await expect(h.rawSql(`update audit_log set actor = 'someone else' ${where}`)).rejects.toThrow(
      /append-only/,
    );
    await expect(h.rawSql(`update audit_log set detail = null ${where}`)).rejects.toThrow(
      /append-only/,
    );
    await expect(h.rawSql(`delete from audit_log ${where}`)).rejects.toThrow(/append-only/);
    await expect(h.rawSql('delete from audit_log')).rejects.toThrow(/append-only/);
    if (h.dialect === 'postgres')
      await expect(h.rawSql('truncate audit_log')).rejects.toThrow(/append-only/);
    const [still] = await h.rows(`select actor, detail from audit_log ${where}`);
    expect(still).toMatchObject({ actor: 'ops:olga' });
    expect(await h.store.auditDetailOf(kept.eventKey)).toEqual({ reason: 'x' });
  });
});
