// db/sqlite/client.ts preparedPerDatabase on a real SQLite file: one statement per connection, shared by
// the database and its transactions, and taking part in whichever transaction is open.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, preparedPerDatabase } from '../../db/sqlite/client';
import { auditLog } from '../../db/sqlite/schema';
import { appendAudit } from '../../db/sqlite/repositories/audit-log';

const dir = mkdtempSync(join(tmpdir(), 'wallet-prepared-'));
const first = openDatabase(join(dir, 'a.db'));
const second = openDatabase(join(dir, 'b.db'));
afterAll(() => {
  first.close();
  second.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (eventKey: string) => ({
  eventKey,
  at: new Date(),
  actor: 'system',
  action: 'TEST',
  subjectType: 'test',
  subjectId: 'x',
  detail: {},
});
const keys = (handle: typeof first) =>
  handle.db
    .select({ eventKey: auditLog.eventKey })
    .from(auditLog)
    .all()
    .map((r) => r.eventKey);

describe('preparedPerDatabase', () => {
  it('prepares once per connection, for the database and the transactions on it alike', () => {
    let builds = 0;
    const count = preparedPerDatabase((db) => {
      builds += 1;
      return db.select({ eventKey: auditLog.eventKey }).from(auditLog).prepare();
    });
    const outside = count(first.db);
    const inside = first.db.transaction((tx) => [
      count(tx),
      first.db.transaction((t2) => count(t2)),
    ]);
    expect(inside).toEqual([outside, outside]);
    expect(builds).toBe(1);
    // Another database file is another connection: a statement of its own.
    expect(count(second.db)).not.toBe(outside);
    expect(builds).toBe(2);
  });

  it('runs its statement inside the open transaction: rolled back with it, kept on commit', () => {
    expect(() =>
      first.db.transaction((tx) => {
        appendAudit(tx, row('rolled-back'));
        throw new Error('abort');
      }),
    ).toThrow('abort');
    first.db.transaction((tx) => appendAudit(tx, row('committed')));
    expect(appendAudit(first.db, row('committed'))).toBe(false);
    expect(keys(first)).toEqual(['committed']);
    expect(keys(second)).toEqual([]);
  });
});
