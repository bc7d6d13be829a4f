// SPEC §2.1 数据备份 through the API: GET /v1/wallets/:id/statement?format=csv streams the whole
// history to the owner (several ledger pages), with a header row, CSV-injection-safe cells and
// an audit row; anyone else hears 404 as for any wallet route.
import { and, eq } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/sqlite/schema';
import { directPerson } from '../helpers/direct-person';
import { bearer } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const statement = (walletId: string, token: string, query = '?format=csv') =>
  stack.api.inject({ url: `/v1/wallets/${walletId}/statement${query}`, headers: bearer(token) });

describe('GET /v1/wallets/:id/statement', () => {
  it('streams every transaction, newest first, with formula cells defused', async () => {
    const p = await directPerson(stack);
    const ledger = stack.store.createLedger();
    for (let i = 0; i < 230; i++) await ledger.topUp(p.walletId, 100 + i, `top-${i}`);
    const merchants = ['=HYPERLINK("http://evil")', '+1+1', '-2', '@SUM(A1)', 'shop,"quoted"'];
    for (const [i, merchantId] of merchants.entries())
      // The first is a bill: its reference is a cell of its own, formula-guarded like the rest.
      await ledger.pay(
        p.walletId,
        10,
        merchantId,
        `pay-${i}`,
        null,
        i === 0 ? '=ELEC-11' : undefined,
      );

    const res = await statement(p.walletId, p.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain(`statement-${p.walletId}.csv`);
    const rows: string[][] = parse(res.body, {});
    expect(rows[0]).toEqual([
      'transactionId',
      'createdAt',
      'type',
      'status',
      'amountFen',
      'balanceAfterFen',
      'merchantId',
      'reference',
    ]);
    expect(rows).toHaveLength(1 + 230 + merchants.length);
    expect(new Set(rows.slice(1).map((r) => r[0])).size).toBe(235);
    // Newest first: the last payment on top, the first top-up at the bottom.
    expect(rows[1]!.slice(2, 5)).toEqual(['PAYMENT', 'COMPLETED', '10']);
    expect(rows.at(-1)!.slice(2, 5)).toEqual(['TOP_UP', 'COMPLETED', '100']);
    expect(rows.slice(1, 1 + merchants.length).map((r) => r[7])).toEqual([
      '',
      '',
      '',
      '',
      "'=ELEC-11",
    ]);
    const cells = rows.slice(1, 1 + merchants.length).map((r) => r[6]);
    expect(cells).toEqual([
      'shop,"quoted"',
      "'@SUM(A1)",
      "'-2",
      "'+1+1",
      `'=HYPERLINK("http://evil")`,
    ]);
    for (const row of rows.slice(1)) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);

    const audited = stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, p.walletId), eq(auditLog.action, 'STATEMENT_DOWNLOADED')))
      .all();
    expect(audited).toHaveLength(1);
    expect(audited[0]!.actor).toBe(`application:${p.applicationId}`);
  });

  it("answers 404 for someone else's wallet and 400 for another format", async () => {
    const p = await directPerson(stack);
    const other = await directPerson(stack);
    const theirs = await statement(p.walletId, other.token);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.headers['content-type']).toMatch(/problem\+json/);
    expect((await statement('w_nope', p.token)).statusCode).toBe(404);
    const json = await statement(p.walletId, p.token, '?format=json');
    expect(json.statusCode).toBe(400);
    expect(json.json().code).toBe('VALIDATION_FAILED');
    const header = await statement(p.walletId, p.token, '');
    expect(header.statusCode).toBe(200);
    expect(header.body).toBe(
      'transactionId,createdAt,type,status,amountFen,balanceAfterFen,merchantId,reference\r\n',
    );
    const ops = await statement(p.walletId, stack.staffToken('ops'));
    expect(ops.statusCode).toBe(403);
  });
});
