// Statements are prepared once per connection on PostgreSQL (db/postgres/client.ts): the server
// then binds and runs them instead of parsing and planning each one again, which was most of its
// CPU per statement (docs/performance.md). What they answer is the same.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgres, type PgHandle } from '../../db/postgres/client';
import { postgresStoreOf } from '../../db/postgres/store';
import { freshPostgresUrl } from '../helpers/postgres';

let handle: PgHandle;
beforeAll(async () => {
  // One connection: what it has prepared is what every query went through.
  handle = await openPostgres(await freshPostgresUrl(inject('postgresUrl')), { poolSize: 1 });
}, 60_000);
afterAll(async () => {
  await handle?.close();
});

/** Prepared statements of the pool's one connection. */
async function prepared(): Promise<string[]> {
  const { rows } = await handle.pool.query<{ statement: string }>(
    'select statement from pg_prepared_statements order by statement',
  );
  return rows.map((r) => r.statement);
}

describe('statements on PostgreSQL', () => {
  const piiKey = randomBytes(32);

  it('are prepared once per connection, and answer the same', async () => {
    const store = postgresStoreOf(handle);
    const key = await store.personKey(piiKey, 'person-1');
    const before = await prepared();
    expect(before.some((s) => s.includes('"person_keys"'))).toBe(true);
    // Again, and through a plain (unprepared) drizzle query too: nothing new to prepare.
    expect(await store.loadPersonKey(piiKey, 'person-1')).toEqual(key);
    await store.registerTemporalSubject(piiKey, 'wf-1', 'person-1');
    const subjects = await store.temporalSubjectKeys(piiKey);
    const first = await subjects.keyFor('wf-1');
    const after = await prepared();
    expect(await subjects.keyFor('wf-1')).toEqual(first);
    expect(await subjects.keyFor('wf-unknown')).toBeUndefined();
    expect(await prepared()).toEqual(after);
    expect(after.some((s) => s.includes('"temporal_subjects"'))).toBe(true);
  });

  it('see an erasure at once, prepared or not', async () => {
    const store = postgresStoreOf(handle);
    await store.registerTemporalSubject(piiKey, 'wf-2', 'person-2');
    const subjects = await store.temporalSubjectKeys(piiKey);
    expect(await subjects.keyFor('wf-2')).toBeInstanceOf(Buffer);
    // Erased behind this process's back (another process, straight in the database).
    await handle.db.execute(
      sql`update person_keys set wrapped_key = null, deleted_at = now() where person_id = 'person-2'`,
    );
    expect(await subjects.keyFor('wf-2')).toBeNull();
    expect(await store.loadPersonKey(piiKey, 'person-2')).toBeNull();
  });

  it('without parameters (BEGIN, COMMIT, scripts) stay unprepared', async () => {
    const before = await prepared();
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`select 1; select 2`);
    });
    expect(await prepared()).toEqual(before);
  });
});
