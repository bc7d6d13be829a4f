// Migrations on PostgreSQL: applied at start by every process, one at a time under the advisory
// lock, so that several APIs and workers starting together against an empty database all come up.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../db/postgres/client';
import { freshPostgresUrl } from '../helpers/postgres';

describe('PostgreSQL migrations', () => {
  it('six processes starting at once against an empty database all come up, migrated once', async () => {
    const url = await freshPostgresUrl();
    const handles = await Promise.all(
      Array.from({ length: 6 }, () => openPostgres(url, { poolSize: 2 })),
    );
    try {
      const { rows } = await handles[0]!.pool.query<{ n: string }>(
        'select count(*) as n from drizzle.__drizzle_migrations',
      );
      const journal = JSON.parse(
        readFileSync(
          new URL('../../db/postgres/migrations/meta/_journal.json', import.meta.url),
          'utf8',
        ),
      ) as { entries: unknown[] };
      expect(Number(rows[0]!.n)).toBe(journal.entries.length);
      const tables = await handles[5]!.pool.query(
        "select table_name from information_schema.tables where table_schema = 'public'",
      );
      // The 21 tables of both schemas, and `photos`, on PostgreSQL only.
      expect(tables.rowCount).toBe(22);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it('an unreachable database fails to open with its error, leaving no pool behind', async () => {
    await expect(
      openPostgres('postgres://postgres@127.0.0.1:1/none', { poolSize: 1 }),
    ).rejects.toThrow();
  });
});
