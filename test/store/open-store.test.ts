// DATABASE_URL picks the database (SPEC §8): PostgreSQL when set, the SQLite file in DATA_DIR
// when not; a malformed URL fails at start with the variable's name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config';
import { openStore } from '../../db/open-store';
import { freshPostgresUrl } from '../helpers/postgres';

const dir = mkdtempSync(join(tmpdir(), 'open-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore', () => {
  it('opens the SQLite file without DATABASE_URL', async () => {
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.databaseUrl).toBeUndefined();
    const store = await openStore(config);
    try {
      expect(store.dialect).toBe('sqlite');
      expect(await store.ready()).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('opens PostgreSQL with DATABASE_URL, migrated; ready() until closed', async () => {
    const url = await freshPostgresUrl();
    const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: url, DATABASE_POOL_SIZE: '3' });
    expect(config).toMatchObject({ databaseUrl: url, databasePoolSize: 3 });
    const store = await openStore(config);
    expect(store.dialect).toBe('postgres');
    expect(await store.ready()).toBe(true);
    expect(await store.auditPage({ limit: 1 })).toEqual([]);
    await store.close();
    expect(await store.ready()).toBe(false);
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/app'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_POOL_SIZE', '0'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ DATA_DIR: dir, [name]: value })).toThrow(name);
  });
});
