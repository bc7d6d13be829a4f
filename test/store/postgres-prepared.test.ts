// Statements are prepared once per connection on PostgreSQL (db/postgres/client.ts): the server
// then binds and runs them instead of parsing and planning each one again, which was most of its
// CPU per statement (docs/performance.md). What they answer is the same. The person-key rows read
// most often are kept per pool only while it hears every erasure (db/postgres/key-cache.ts).
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgres, type PgHandle } from '../../db/postgres/client';
import { PERSON_KEY_ERASED } from '../../db/postgres/key-cache';
import { postgresStoreOf } from '../../db/postgres/store';
import { eventually } from '../helpers/eventually';
import { freshPostgresUrl } from '../helpers/postgres';

let url: string;
let handle: PgHandle;
beforeAll(async () => {
  url = await freshPostgresUrl(inject('postgresUrl'));
  // One connection: what it has prepared is what every query went through.
  handle = await openPostgres(url, { poolSize: 1 });
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

  it('see an erasure as soon as it is notified, prepared or not', async () => {
    const store = postgresStoreOf(handle);
    await store.registerTemporalSubject(piiKey, 'wf-2', 'person-2');
    const subjects = await store.temporalSubjectKeys(piiKey);
    expect(await subjects.keyFor('wf-2')).toBeInstanceOf(Buffer);
    expect(handle.keyRows.holds('subject:wf-2')).toBe(true);
    // Erased behind this process's back (another process, straight in the database).
    await handle.pool.query(
      `update person_keys set wrapped_key = null, deleted_at = now() where person_id = 'person-2';
       select pg_notify('${PERSON_KEY_ERASED}', 'person-2')`,
    );
    expect(
      await eventually(
        () => subjects.keyFor('wf-2'),
        (k) => k === null,
        2_000,
      ),
    ).toBeNull();
    expect(await store.loadPersonKey(piiKey, 'person-2')).toBeNull();
  });

  it('keep a key no longer than the TTL, and nothing while not listening', async () => {
    const other = await openPostgres(url, { poolSize: 1, keyRowsTtlMs: 400 });
    try {
      const store = postgresStoreOf(other);
      await store.registerTemporalSubject(piiKey, 'wf-3', 'person-3');
      const subjects = await store.temporalSubjectKeys(piiKey);
      expect(await subjects.keyFor('wf-3')).toBeInstanceOf(Buffer);
      // An erasure nobody was told of (a notification lost): the TTL bounds it.
      await handle.pool.query(
        `update person_keys set wrapped_key = null where person_id = 'person-3'`,
      );
      const started = Date.now();
      expect(
        await eventually(
          () => subjects.keyFor('wf-3'),
          (k) => k === null,
          2_000,
        ),
      ).toBeNull();
      expect(Date.now() - started).toBeLessThan(1_500);

      // The listening connection lost: the cache is emptied and stays off until it is back.
      await store.registerTemporalSubject(piiKey, 'wf-4', 'person-4');
      expect(await subjects.keyFor('wf-4')).toBeInstanceOf(Buffer);
      expect(other.keyRows.holds('subject:wf-4')).toBe(true);
      await handle.pool.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where pid <> pg_backend_pid() and datname = current_database()
            and query = 'listen ${PERSON_KEY_ERASED}'`,
      );
      expect(
        await eventually(
          () => other.keyRows.holds('subject:wf-4'),
          (held) => !held,
          2_000,
        ),
      ).toBe(false);
      // Back (reconnected within a second): cached again.
      expect(
        await eventually(
          async () => (await subjects.keyFor('wf-4')) && other.keyRows.holds('subject:wf-4'),
          (held) => held === true,
          3_000,
        ),
      ).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('without parameters (BEGIN, COMMIT, scripts) stay unprepared', async () => {
    const before = await prepared();
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`select 1; select 2`);
    });
    expect(await prepared()).toEqual(before);
  });
});
