// ID photos kept by content: the sha256 of the bytes is the reference that travels through
// workflow history (SPEC §1 step 3), so the same photo uploaded twice is stored once.
import { randomUUID } from 'node:crypto';
import { mkdir, open as openFile, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../../config/config';
import { createPhotoCodec } from '../../../crypto/photo-codec';
import {
  DERIVED_KINDS,
  InvalidPhotoRefError,
  isPhotoRef,
  PhotoNotFoundError,
  photoRef,
  type DerivedKind,
  type PhotoCodec,
  type PhotoStore,
} from '../../shared/photo-refs';

export {
  DERIVED_KINDS,
  InvalidPhotoRefError,
  isPhotoRef,
  PhotoNotFoundError,
  photoRef,
  type DerivedKind,
  type PhotoCodec,
  type PhotoStore,
};

export function createPhotoStore({ dir, codec }: { dir: string; codec?: PhotoCodec }): PhotoStore {
  const seal = (plain: Buffer) => (codec ? codec.seal(plain) : plain);
  const open = (sealed: Buffer) => (codec ? codec.open(sealed) : sealed);

  // Refs are checked before they become paths: nothing but 64 hex characters reaches join().
  // Two-character fan-out keeps directories small at millions of photos.
  const pathOf = (ref: string) => {
    if (!isPhotoRef(ref)) throw new InvalidPhotoRefError(ref);
    return join(dir, ref.slice(0, 2), ref);
  };

  const derivedPath = (ref: string, kind: DerivedKind) => {
    if (!DERIVED_KINDS.includes(kind)) throw new Error(`Unknown derived image ${String(kind)}`);
    return `${pathOf(ref)}.${kind}`;
  };

  const exists = async (path: string) => {
    try {
      return (await stat(path)).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  };

  return {
    async put(bytes) {
      const ref = photoRef(bytes);
      const path = pathOf(ref);
      if (!(await exists(path))) {
        await mkdir(join(dir, ref.slice(0, 2)), { recursive: true });
        // Written aside and renamed: a reader never sees half a photo, and two concurrent puts
        // of the same bytes both end with one complete file.
        const temp = join(dir, ref.slice(0, 2), `.${ref}.${randomUUID()}.tmp`);
        try {
          await writeFileExclusive(temp, await seal(bytes));
          await rename(temp, path);
        } finally {
          await rm(temp, { force: true });
        }
      }
      return { ref, size: bytes.length };
    },

    async get(ref) {
      const path = pathOf(ref);
      let stored: Buffer;
      try {
        stored = await readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PhotoNotFoundError(ref);
        throw error;
      }
      const bytes = await open(stored);
      // Content addressing doubles as an integrity check: a damaged file is never judged.
      if (photoRef(bytes) !== ref) throw new Error(`Photo ${ref} is corrupt: its hash differs`);
      return bytes;
    },

    async delete(ref) {
      for (const kind of DERIVED_KINDS) await rm(derivedPath(ref, kind), { force: true });
      await rm(pathOf(ref), { force: true });
    },

    async putDerived(ref, kind, bytes) {
      const path = derivedPath(ref, kind);
      await mkdir(join(dir, ref.slice(0, 2)), { recursive: true });
      const temp = join(dir, ref.slice(0, 2), `.${ref}.${kind}.${randomUUID()}.tmp`);
      try {
        await writeFileExclusive(temp, await seal(bytes));
        await rename(temp, path);
      } finally {
        await rm(temp, { force: true });
      }
    },

    async getDerived(ref, kind) {
      const path = derivedPath(ref, kind);
      try {
        return await open(await readFile(path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PhotoNotFoundError(ref);
        throw error;
      }
    },

    async has(ref) {
      return exists(pathOf(ref));
    },
  };
}

async function writeFileExclusive(path: string, data: Buffer): Promise<void> {
  // 0o600: photos of ID cards are personal data; nobody else on the host reads them.
  const file = await openFile(path, 'wx', 0o600);
  try {
    await file.writeFile(data);
    // On disk before the rename makes it visible, so a crash cannot leave a short photo.
    await file.sync();
  } finally {
    await file.close();
  }
}

/** The store as the API and the worker build it: DATA_DIR's photos folder, sealed under PII_KEY. */
export function photoStoreFor(config: Config): PhotoStore {
  return createPhotoStore({ dir: config.photosDir, codec: createPhotoCodec(config.piiKey) });
}
