import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPhotoStore, photoRef } from '../../db/sqlite/repositories/photo-store';
import { openPhoto, SealedPhotoError, sealPhoto } from '../../crypto/photo-codec';

// A person's photo key, as db/shared/photo-refs.ts gets it from person_keys.
const personKey = randomBytes(32);
const context = 'photo:app-1:ref:original';
const codec = {
  seal: (plain: Buffer) => sealPhoto(personKey, context, plain),
  open: (sealed: Buffer) => openPhoto(personKey, context, sealed),
};
// A JPEG as far as its first bytes go (SOI, APP0 "JFIF"), then noise.
const jpeg = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]),
  randomBytes(4096),
]);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('photo codec', () => {
  it('round-trips bytes in a versioned format, with a fresh IV each time', () => {
    const sealed = codec.seal(jpeg);
    expect(sealed.subarray(0, 4)).toEqual(Buffer.from('WPH\x02', 'latin1'));
    expect(sealed.length).toBe(jpeg.length + 4 + 12 + 16);
    expect(codec.open(sealed).equals(jpeg)).toBe(true);
    expect(codec.seal(jpeg).equals(sealed)).toBe(false);
    expect(codec.open(codec.seal(Buffer.alloc(0))).length).toBe(0);
  });

  it('refuses tampered data, a changed header, another key and another context', () => {
    const sealed = codec.seal(jpeg);
    for (const at of [3, 4 + 5, 4 + 12 + 3, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[at]! ^= 0x01;
      expect(() => codec.open(tampered)).toThrow(SealedPhotoError);
    }
    expect(() => codec.open(sealed.subarray(0, 20))).toThrow(SealedPhotoError);
    expect(() => codec.open(jpeg)).toThrow(SealedPhotoError);
    expect(() => openPhoto(randomBytes(32), context, sealed)).toThrow(SealedPhotoError);
    // Moved under another application or ref, a sealed photo does not open.
    expect(() => openPhoto(personKey, 'photo:app-2:ref:original', sealed)).toThrow(
      SealedPhotoError,
    );
  });

  it('keeps only ciphertext on disk behind the store, with refs of the plain bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wallet-photo-codec-'));
    dirs.push(dir);
    const sealing = {
      seal: async (_id: string, ctx: string, plain: Buffer) => sealPhoto(personKey, ctx, plain),
      open: async (_id: string, ctx: string, sealed: Buffer) => openPhoto(personKey, ctx, sealed),
    };
    const store = createPhotoStore({ dir, sealing }).of('app-1');
    const { ref, size } = await store.put(jpeg);
    expect(ref).toBe(photoRef(jpeg));
    expect(size).toBe(jpeg.length);
    const [file, ...others] = await filesUnder(dir);
    expect(others).toEqual([]);
    const onDisk = await readFile(file!);
    expect(onDisk.subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(false);
    expect(onDisk.includes(jpeg.subarray(0, 64))).toBe(false);
    expect(onDisk.includes(jpeg.subarray(2048, 2112))).toBe(false);
    expect((await store.get(ref)).equals(jpeg)).toBe(true);

    // A file flipped on disk is refused rather than returned.
    onDisk[onDisk.length - 1]! ^= 0x01;
    await writeFile(file!, onDisk);
    await expect(store.get(ref)).rejects.toThrow(SealedPhotoError);
  });
});
