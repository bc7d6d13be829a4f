// SPEC §9: erased data cannot be recovered from the database file either.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/sqlite/client';
import { watchlist } from '../../db/sqlite/schema';

let dir: string;
let handle: DatabaseHandle | undefined;
afterEach(() => {
  handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite file after a delete', () => {
  it('holds no trace of the deleted row', () => {
    dir = mkdtempSync(join(tmpdir(), 'wallet-secure-delete-'));
    const file = join(dir, 'app.db');
    handle = openDatabase(file);
    expect(handle.sqlite.pragma('secure_delete', { simple: true })).toBe(1);
    const marker = `ERASE-ME-${'x'.repeat(40)}`;
    const [row] = handle.db
      .insert(watchlist)
      .values({ entryKey: marker, name: marker, source: 'test', createdAt: new Date() })
      .returning()
      .all();
    handle.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(file).includes(marker)).toBe(true);
    handle.db.delete(watchlist).where(eq(watchlist.id, row!.id)).run();
    handle.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(file).includes(marker)).toBe(false);
    expect(readFileSync(`${file}-wal`).includes(marker)).toBe(false);
  });
});
