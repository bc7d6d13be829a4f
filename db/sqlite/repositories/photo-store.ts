// ID photos as files in DATA_DIR/photos (beside SQLite): one folder per application, each photo
// named by the sha256 of its plain bytes (the ref that travels through workflow history, SPEC §1
// step 3), sealed under the applicant's own key. The same bytes uploaded twice to one
// application are stored once; the same bytes in two applications are two files
// (db/shared/photo-refs.ts says why).
import { randomUUID } from 'node:crypto';
import { mkdir, open as openFile, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkedApplicationId,
  checkedKind,
  checkedRef,
  DERIVED_KINDS,
  InvalidPhotoRefError,
  isPhotoRef,
  ORIGINAL,
  PhotoErasedError,
  PhotoNotFoundError,
  photoRef,
  sealingContext,
  type ApplicationPhotos,
  type DerivedKind,
  type PhotoSealing,
  type PhotoStore,
} from '../../shared/photo-refs';

export {
  DERIVED_KINDS,
  InvalidPhotoRefError,
  isPhotoRef,
  PhotoErasedError,
  PhotoNotFoundError,
  photoRef,
  type ApplicationPhotos,
  type DerivedKind,
  type PhotoSealing,
  type PhotoStore,
};

/** Without `sealing` the files are plain (tests and the bench only). */
export function createPhotoStore({
  dir,
  sealing,
}: {
  dir: string;
  sealing?: PhotoSealing;
}): PhotoStore {
  return {
    of(id) {
      const applicationId = checkedApplicationId(id);
      // Two-character fan-out keeps the top folder small at millions of applications; nothing
      // but checked ids and 64 hex characters reaches join().
      const folder = join(dir, applicationId.slice(0, 2), applicationId);
      const pathOf = (ref: string, kind: string) =>
        join(folder, kind === ORIGINAL ? checkedRef(ref) : `${checkedRef(ref)}.${kind}`);
      const seal = async (ref: string, kind: string, plain: Buffer) =>
        sealing
          ? sealing.seal(applicationId, sealingContext(applicationId, ref, kind), plain)
          : plain;
      const open = async (ref: string, kind: string, stored: Buffer) =>
        sealing
          ? sealing.open(applicationId, sealingContext(applicationId, ref, kind), stored)
          : stored;

      const write = async (ref: string, kind: string, bytes: Buffer) => {
        await mkdir(folder, { recursive: true });
        // Written aside and renamed: a reader never sees half a photo, and two concurrent puts
        // of the same bytes both end with one complete file.
        const temp = join(folder, `.${ref}.${kind}.${randomUUID()}.tmp`);
        try {
          await writeFileExclusive(temp, await seal(ref, kind, bytes));
          await rename(temp, pathOf(ref, kind));
        } finally {
          await rm(temp, { force: true });
        }
      };
      const read = async (ref: string, kind: string) => {
        let stored: Buffer;
        try {
          stored = await readFile(pathOf(ref, kind));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PhotoNotFoundError(ref);
          throw error;
        }
        return open(ref, kind, stored);
      };

      const photos: ApplicationPhotos = {
        async put(bytes) {
          const ref = photoRef(bytes);
          if (!(await exists(pathOf(ref, ORIGINAL)))) await write(ref, ORIGINAL, bytes);
          return { ref, size: bytes.length };
        },
        async get(ref) {
          const bytes = await read(ref, ORIGINAL);
          // Content addressing doubles as an integrity check: a damaged file is never judged.
          if (photoRef(bytes) !== ref) throw new Error(`Photo ${ref} is corrupt: its hash differs`);
          return bytes;
        },
        async putDerived(ref, kind, bytes) {
          await write(ref, checkedKind(kind), bytes);
        },
        async getDerived(ref, kind) {
          return read(ref, checkedKind(kind));
        },
        async has(ref) {
          return exists(pathOf(ref, ORIGINAL));
        },
        async deleteAll() {
          await rm(folder, { recursive: true, force: true });
        },
      };
      return photos;
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
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
