// ID photos kept by content: the sha256 of the bytes is the reference that travels through
// workflow history (SPEC §1 step 3), so the same photo uploaded twice is stored once.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open as openFile, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../../config/config';
import { createPhotoCodec } from '../../../crypto/photo-codec';

/**
 * Where encryption at rest plugs in: `seal` before bytes reach the disk, `open` after they are
 * read. The ref is always the hash of the plain bytes, so callers never see the difference.
 */
export interface PhotoCodec {
  seal(plain: Buffer): Buffer | Promise<Buffer>;
  open(sealed: Buffer): Buffer | Promise<Buffer>;
}

export interface PhotoStore {
  put(bytes: Buffer): Promise<{ ref: string; size: number }>;
  /** Throws PhotoNotFoundError when nothing is stored under `ref`. */
  get(ref: string): Promise<Buffer>;
  /** Idempotent: deleting what is not there is not an error. Removes its derived images too. */
  delete(ref: string): Promise<void>;
  /** Stores an image derived from the photo under `ref` (the straightened card), sealed alike. */
  putDerived(ref: string, kind: DerivedKind, bytes: Buffer): Promise<void>;
  /** Throws PhotoNotFoundError when there is none. */
  getDerived(ref: string, kind: DerivedKind): Promise<Buffer>;
  has(ref: string): Promise<boolean>;
}

/** Images derived from an upload and kept beside it: `card` is the straightened card (JPEG). */
export const DERIVED_KINDS = ['card'] as const;
export type DerivedKind = (typeof DERIVED_KINDS)[number];

export class InvalidPhotoRefError extends Error {
  constructor(ref: unknown) {
    super(
      `Invalid photo ref ${JSON.stringify(String(ref).slice(0, 80))}: expected 64 lower-case hex`,
    );
    this.name = 'InvalidPhotoRefError';
  }
}

export class PhotoNotFoundError extends Error {
  constructor(ref: string) {
    super(`No photo stored under ref ${ref}`);
    this.name = 'PhotoNotFoundError';
  }
}

const REF = /^[0-9a-f]{64}$/;

export function isPhotoRef(ref: unknown): ref is string {
  return typeof ref === 'string' && REF.test(ref);
}

export function photoRef(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

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
