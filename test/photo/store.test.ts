import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createPhotoStore,
  InvalidPhotoRefError,
  PhotoNotFoundError,
  photoRef,
  type ApplicationPhotos,
  type PhotoStore,
} from '../../db/sqlite/repositories/photo-store';

let dir: string;
let photos: PhotoStore;
let store: ApplicationPhotos;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'photo-store-'));
  photos = createPhotoStore({ dir });
  store = photos.of('app-1');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('photo store', () => {
  const bytes = Buffer.from('not really a jpeg, but bytes are bytes');

  it('refers to bytes by their sha256 and gives them back', async () => {
    const { ref, size } = await store.put(bytes);
    expect(ref).toBe(photoRef(bytes));
    expect(ref).toMatch(/^[0-9a-f]{64}$/);
    expect(size).toBe(bytes.length);
    expect(await store.has(ref)).toBe(true);
    expect((await store.get(ref)).equals(bytes)).toBe(true);
  });

  it('computes the ref as the plain sha256 hex digest', () => {
    expect(photoRef(Buffer.from('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('stores the same bytes once, however often and concurrently they come', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes)));
    expect(new Set(results.map((r) => r.ref)).size).toBe(1);
    await store.put(Buffer.from(bytes));
    const files = await filesUnder(dir);
    expect(files).toHaveLength(1);
    expect((await readFile(files[0]!)).equals(bytes)).toBe(true);
  });

  it('deletes idempotently', async () => {
    const { ref } = await store.put(bytes);
    await store.deleteAll();
    expect(await store.has(ref)).toBe(false);
    await expect(store.deleteAll()).resolves.toBeUndefined();
    await expect(store.get(ref)).rejects.toBeInstanceOf(PhotoNotFoundError);
    await expect(store.get(ref)).rejects.toThrow(`No photo stored under ref ${ref}`);
  });

  it.each([
    '../../etc/passwd',
    '..',
    '',
    'A'.repeat(64),
    'a'.repeat(63),
    'a'.repeat(65),
    `${'a'.repeat(62)}/x`,
    `${'0'.repeat(64)}\n`,
    'g'.repeat(64),
  ])('refuses the ref %j before touching the disk', async (ref) => {
    await expect(store.get(ref)).rejects.toBeInstanceOf(InvalidPhotoRefError);
    await expect(store.has(ref)).rejects.toBeInstanceOf(InvalidPhotoRefError);
    await expect(store.getDerived(ref, 'card')).rejects.toBeInstanceOf(InvalidPhotoRefError);
  });

  it.each(['..', '.', '', 'a/b', '../../etc', 'x'.repeat(101), 'a\nb'])(
    'refuses the application id %j before touching the disk',
    (id) => {
      expect(() => photos.of(id)).toThrow(InvalidPhotoRefError);
    },
  );

  it("keeps each application's copy of the same bytes, and deletes only its own", async () => {
    const other = photos.of('app-2');
    const { ref } = await store.put(bytes);
    await other.put(bytes);
    expect(await filesUnder(dir)).toHaveLength(2);
    await store.deleteAll();
    expect(await store.has(ref)).toBe(false);
    expect((await other.get(ref)).equals(bytes)).toBe(true);
  });

  it('refuses to return bytes whose hash no longer matches', async () => {
    const { ref } = await store.put(bytes);
    const [file] = await filesUnder(dir);
    await writeFile(file!, Buffer.from('tampered'));
    await expect(store.get(ref)).rejects.toThrow(/corrupt/);
  });

  it('passes bytes through the sealing seam, keeping the ref of the plain bytes', async () => {
    const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
    const seen: string[] = [];
    const sealing = {
      seal: async (id: string, context: string, b: Buffer) => (
        seen.push(`${id} ${context}`),
        xor(b)
      ),
      open: async (_id: string, _context: string, b: Buffer) => xor(b),
    };
    const sealed = createPhotoStore({ dir, sealing }).of('app-3');
    const { ref } = await sealed.put(bytes);
    expect(seen).toEqual([`app-3 photo:app-3:${ref}:original`]);
    expect(ref).toBe(photoRef(bytes));
    const [file] = await filesUnder(dir);
    expect((await readFile(file!)).equals(xor(bytes))).toBe(true);
    expect((await sealed.get(ref)).equals(bytes)).toBe(true);
  });
});
