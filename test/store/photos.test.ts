// ID photos as each database's Store keeps them (SPEC §8): files in DATA_DIR beside SQLite, rows
// of `photos` with PostgreSQL, where every process reads what any of them stored. The same
// PhotoStore either way: content-addressed, sealed by the photo codec, derived images beside.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoStoreFor } from '../../db/photo-store-for';
import {
  InvalidPhotoRefError,
  PhotoNotFoundError,
  photoRef,
  type PhotoStore,
} from '../../db/sqlite/repositories/photo-store';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const piiKey = randomBytes(32);

describe.each(DIALECTS)('photos with $dialect', ({ dialect, fresh }) => {
  let database: TestDatabase;
  let a: PhotoStore;
  let b: PhotoStore;
  let opened: OpenedStore;
  const dir = mkdtempSync(join(tmpdir(), 'wallet-photos-'));
  beforeAll(async () => {
    database = await fresh();
    opened = await database.open();
    const config = { photosDir: dir, piiKey };
    a = photoStoreFor(config, opened.store);
    b = photoStoreFor(config, (await database.open()).store);
  });
  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const bytes = randomBytes(50_000);
  const ref = photoRef(bytes);

  it('stores the same bytes once, however often and from however many processes', async () => {
    const puts = await Promise.all([a.put(bytes), b.put(bytes), a.put(bytes), b.put(bytes)]);
    for (const put of puts) expect(put).toEqual({ ref, size: bytes.length });
    expect((await b.get(ref)).equals(bytes)).toBe(true);
    expect(await b.has(ref)).toBe(true);
    // Files beside SQLite; nothing on this machine's disk with PostgreSQL.
    expect(readdirSync(dir, { recursive: true }).length > 0).toBe(dialect === 'sqlite');
    if (dialect === 'postgres') {
      const rows = await opened.exec<{ kind: string; sealed: Buffer }>(
        `select kind, sealed from photos where ref = '${ref}'`,
      );
      expect(rows.map((r) => r.kind)).toEqual(['original']);
      // Sealed: the stored bytes are not the photo's.
      expect(rows[0]!.sealed.includes(bytes.subarray(0, 64))).toBe(false);
    }
  });

  it('keeps derived images beside the photo and deletes them with it', async () => {
    const card = randomBytes(4_000);
    await a.putDerived(ref, 'card', randomBytes(10));
    await b.putDerived(ref, 'card', card);
    expect((await a.getDerived(ref, 'card')).equals(card)).toBe(true);
    await b.delete(ref);
    await a.delete(ref);
    expect(await a.has(ref)).toBe(false);
    await expect(a.get(ref)).rejects.toBeInstanceOf(PhotoNotFoundError);
    await expect(b.getDerived(ref, 'card')).rejects.toBeInstanceOf(PhotoNotFoundError);
  });

  it('refuses refs that are not 64 hex digits, and unknown derived kinds', async () => {
    await expect(a.get('../../etc/passwd')).rejects.toBeInstanceOf(InvalidPhotoRefError);
    await expect(a.has("x' or '1'='1")).rejects.toBeInstanceOf(InvalidPhotoRefError);
    await expect(a.delete('ABC')).rejects.toBeInstanceOf(InvalidPhotoRefError);
    await expect(a.putDerived(ref, 'face' as 'card', bytes)).rejects.toThrow(/Unknown derived/);
  });
});

describe('photos in PostgreSQL', () => {
  let database: TestDatabase;
  let opened: OpenedStore;
  let a: PhotoStore;
  let b: PhotoStore;
  beforeAll(async () => {
    database = await DIALECTS.find((d) => d.dialect === 'postgres')!.fresh();
    opened = await database.open();
    const config = { photosDir: '/nonexistent', piiKey };
    a = photoStoreFor(config, opened.store);
    b = photoStoreFor(config, (await database.open()).store);
  });
  afterAll(() => database.close());

  const bytes = randomBytes(20_000);
  const ref = photoRef(bytes);

  it('never returns bytes that no longer match their ref', async () => {
    const other = randomBytes(1000);
    const { ref: otherRef } = await a.put(other);
    // Another photo's sealed bytes under this ref: they open, but their hash tells.
    await a.put(bytes);
    await opened.exec(
      `update photos set sealed = (select sealed from photos where ref = '${otherRef}' and kind = 'original') where ref = '${ref}'`,
    );
    await expect(b.get(ref)).rejects.toThrow(/corrupt/);
    await opened.exec(`update photos set sealed = '\\x00' where ref = '${otherRef}'`);
    await expect(b.get(otherRef)).rejects.toThrow(/cannot be opened/);
  });
});
